"""Read any supported file into a :class:`~vagal.sessions.recording.Recording`.

``load_recording(path)`` detects the format from the content (not only the name) and
dispatches to the reader. Each format has a detector that answers for its own layout
only (``FORMATS``); a file no detector claims is read as a plain RR list, whose reader
names the first line it cannot read. Every reader opens its file through
:func:`~vagal.sessions.recording.read_file` (a regular file, at most 256 MiB), and a
recording of more than a week or 3,000,000 beats is refused (:func:`_one_recording`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from vagal.errors import InputFileError
from vagal.sessions import importers as imp
from vagal.sessions.codec import MAX_SESSION_S
from vagal.sessions.recording import MAX_BEATS, Recording, read_file
from vagal.sessions.rrlist import _is_number, read_rr_list

HEAD_BYTES: Final = 8192
"""How much of a file the detectors look at."""
_ARCHIVES: Final = ((b"PK\x03\x04", "zip", "Unzip"), (b"\x1f\x8b", "gzip", "Unpack (gunzip)"))
"""Archives people are sent files in (Polar Sensor Logger shares a zip): magic, name, verb."""


def _sniff_session(head: bytes, path: Path | None = None) -> bool:
    from vagal.sessions.reader import looks_like_session

    return looks_like_session(head)


def _sniff_rr_list(head: bytes, path: Path | None = None) -> bool:
    """One number per line, after at most one header line."""
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(head) >= HEAD_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut by the head's end
    if not lines:
        return False
    if not _is_number(lines[0]):
        if any(sep in lines[0] for sep in ",;\t"):
            return False  # a table's header, not an RR list's
        lines = lines[1:]
    return bool(lines) and all(_is_number(ln) for ln in lines)


def _read_session(path: Path, data: bytes) -> Recording:
    from vagal.sessions.reader import read_session

    return read_session(path, data)


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")  # older Windows tools (Polar ProTrainer)
        except UnicodeDecodeError:
            raise InputFileError(str(path), "is not a text file") from None


@dataclass(frozen=True)
class Format:
    """A readable format: its id, its detector and its reader."""

    name: str
    sniff: Callable[[bytes, Path | None], bool]
    """True when the first ``HEAD_BYTES`` of a file (and its path) are in this format."""
    read: Callable[[Path, bytes], Recording]


FORMATS: Final[tuple[Format, ...]] = (
    Format("vagal", _sniff_session, _read_session),
    Format("wfdb", imp.sniff_wfdb, lambda p, d: imp.read_wfdb(p)),
    Format("polar-sensor-logger-rr", imp.sniff_polar_sensor_logger_rr,
           lambda p, d: imp.read_polar_sensor_logger_rr(p, _text(p, d))),
    Format("polar-sensor-logger-hr", imp.sniff_polar_sensor_logger_hr,
           lambda p, d: imp.read_polar_sensor_logger_hr(p, _text(p, d))),
    Format("polar-sensor-logger-ppi", imp.sniff_polar_sensor_logger_ppi,
           lambda p, d: imp.read_polar_sensor_logger_ppi(p, _text(p, d))),
    Format("polar-hrm", imp.sniff_polar_hrm, lambda p, d: imp.read_polar_hrm(p, _text(p, d))),
    Format("polar-flow-csv", imp.sniff_polar_flow_csv, lambda p, d: imp.read_polar_flow_csv(p, _text(p, d))),
    Format("openhrv", imp.sniff_openhrv, lambda p, d: imp.read_openhrv(p, _text(p, d))),
    Format("movesense-hr", imp.sniff_movesense_hr, lambda p, d: imp.read_movesense_hr(p, _text(p, d))),
    Format("csv-time", imp.sniff_csv_time, lambda p, d: imp.read_csv_time(p, _text(p, d))),
    Format("rr-list", _sniff_rr_list, lambda p, d: read_rr_list(p, _text(p, d))),
)
"""Every readable format, in the order they are tried."""


def _claim(head: bytes, path: Path) -> Format | None:
    """The first format whose detector claims ``head``; None when none does."""
    return next((fmt for fmt in FORMATS if fmt.sniff(head, path)), None)


def detect_format(path: str | Path, head: bytes | None = None) -> str | None:
    """The id of the format a file is in, from its content; None when no detector claims it."""
    p = Path(path)
    if head is None:
        head = read_file(p)[:HEAD_BYTES]  # never opens a pipe or a device (it would block)
    fmt = _claim(head, p)
    return fmt.name if fmt is not None else None


def load_recording(path: str | Path) -> Recording:
    """Read a recording in any supported format.

    Raises:
        InputFileError: The file is missing, unreadable, or holds no usable RR values;
            the message names the file and, where it can, the line.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(str(path), "no such file")
    if p.is_dir():
        raise InputFileError(str(path), "is a folder, not a file")
    data = read_file(p)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with its byte-order mark: Windows Notepad's and Excel's "Unicode" text.
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InputFileError(str(path), "is not a text file (a broken UTF-16 file?)") from None
    for magic, kind, unpack in _ARCHIVES:
        if data.startswith(magic):
            raise InputFileError(
                str(path), f"is a {kind} archive", hint=f"{unpack} it first, then give vagal the file inside."
            )
    if not data.strip():
        raise InputFileError(str(path), "the file is empty")
    head = data[:HEAD_BYTES]
    fmt = _claim(head, p)
    if fmt is not None:
        return _one_recording(fmt.read(p, data))
    if b"\x00" in head:
        raise InputFileError(str(path), "is not a text file, nor a WFDB annotation file vagal can find")
    # Nobody claimed it: the RR list reader names the first line it cannot read.
    return _one_recording(read_rr_list(p, _text(p, data)))


def _one_recording(rec: Recording) -> Recording:
    """``rec``, unless it holds more than one recording can (a week, MAX_BEATS beats).

    Every later step is sized by the recording: analysing 58 days of beats took minutes,
    and a time column that jumps by years asked for arrays of terabytes.

    Raises:
        InputFileError: The beats span more than a week, or there are too many of them.
    """
    span_s = rec.duration_s
    if rec.n_beats > MAX_BEATS or span_s > MAX_SESSION_S:
        days = span_s / 86400
        what = f"{rec.n_beats:,} beats" if rec.n_beats > MAX_BEATS else f"beats over {days:,.0f} days"
        raise InputFileError(
            rec.path,
            f"holds {what}, more than one recording (vagal reads up to a week)",
            hint="Split it into the recordings it holds, or check its time column.",
        )
    if rec.events is None and rec.n_beats and (rec.t_s[0] < -MAX_SESSION_S or rec.t_s[-1] > MAX_SESSION_S):
        # The beats fit in a week, but far from 0 (a damaged WFDB skip): session time starts
        # where the first beat's interval starts, as for any RR-only file.
        shift = float(rec.t_s[0] - rec.rr_ms[0] / 1000.0)
        marks = tuple(dataclasses.replace(m, t_s=m.t_s - shift) for m in rec.markers)
        rec = dataclasses.replace(rec, t_s=rec.t_s - shift, markers=marks)
    return rec
