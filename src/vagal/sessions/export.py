"""Write a recording in another format: a vagal session, CSV, a Kubios RR file, a plain RR list.

* ``vagal``: a session file (JSON Lines, docs/session-format.md). A vagal session keeps
  every event; other recordings become beats, gaps before breaks, and markers.
* ``csv``: ``t_s,rr_ms,hr_bpm,gap_before,segment`` with a header, for spreadsheets; read
  back by the CSV-with-a-time-column reader (markers live on as the ``segment`` column).
* ``kubios``: what Kubios HRV imports as RR interval data: an ASCII file with one column
  of RR intervals (Kubios HRV User's Guide, "Input data formats": one column of RR
  values in s or ms). Written in ms with up to three decimals, no header.
* ``rr``: the same single column (Elite HRV and most tools read it too).

Output files are created, never overwritten (an existing OUT is an error), private to the
user (0600, and 0700 for a folder made for them: vagal.paths); a write that fails part-way
(a full disk) leaves no file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Literal

from vagal.errors import VagalError
from vagal.sessions.recording import Recording, beat_events

ExportFormat = Literal["vagal", "csv", "kubios", "rr"]
EXPORT_FORMATS: Final = ("vagal", "csv", "kubios", "rr")


class ExportError(VagalError):
    """The output file could not be written."""


def format_for_output(path: str | Path, to: str | None = None) -> ExportFormat:
    """``--to`` if given, else from OUT's extension: ``.csv`` → csv, ``.txt`` → kubios, else vagal."""
    if to is not None:
        if to not in EXPORT_FORMATS:
            raise ExportError(f"--to must be one of {', '.join(EXPORT_FORMATS)}; got {to!r}.")
        return to  # type: ignore[return-value]
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".txt":
        return "kubios"
    return "vagal"


def _ms(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".")


def _hint(exc: OSError) -> str:
    """What to do when OUT cannot be written, in plain words."""
    import errno

    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "Free some space on the disk, or write to another disk."
    if exc.errno == errno.EFBIG:
        return "Write to another disk, or raise the file size limit (ulimit -f)."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "Write to a folder you can write to."
    return "Write to another disk or folder."


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` (never overwriting; 0600 in folders made 0700: vagal.paths) and write ``text``.

    A write that fails part-way (a full disk) removes the unfinished file: a cut-off copy
    would look whole to the next program that reads it. The input is untouched.

    Raises:
        ExportError: ``path`` exists, cannot be created, or cannot be written whole.
    """
    from vagal.paths import open_private, private_dir
    from vagal.sessions.writer import os_error_words

    try:
        private_dir(path.parent)
        f = open_private(path, "x")
    except FileExistsError:
        raise ExportError(
            f"{path} already exists; vagal never overwrites a file.", hint="Choose another name."
        ) from None
    except OSError as exc:
        raise ExportError(f"cannot create {path}: {os_error_words(exc)}.", hint=_hint(exc)) from None
    try:
        with f:  # closing flushes, and a full disk may refuse only then
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()  # only the file created above, a moment ago
        raise ExportError(
            f"could not write {path}: {os_error_words(exc)}, so nothing was converted "
            "(the unfinished file was removed).",
            hint=_hint(exc),
        ) from None


def write_rr_column(recording: Recording, path: str | Path) -> Path:
    """One RR value (ms) per line: Kubios, Elite HRV and vagal's RR-list reader read it."""
    p = Path(path)
    text = "".join(f"{_ms(v)}\n" for v in recording.rr_ms.tolist())
    _write_new(p, text)
    return p


def write_csv(recording: Recording, path: str | Path) -> Path:
    """``t_s,rr_ms,hr_bpm,gap_before,segment`` (segment: the label of the marker the beat follows)."""
    from vagal.sessions.segment import segments

    p = Path(path)
    label = [""] * recording.n_beats
    if recording.markers:
        for seg in segments(recording):
            for i in seg.indices.tolist():
                label[i] = seg.label
    rows = ["t_s,rr_ms,hr_bpm,gap_before,segment"]
    for i, (t, rr, brk) in enumerate(
        zip(recording.t_s.tolist(), recording.rr_ms.tolist(), recording.breaks.tolist(), strict=True)
    ):
        seg_label = label[i].replace('"', "'")
        if any(c in seg_label for c in ',"\n'):
            seg_label = f'"{seg_label}"'
        rows.append(f"{t:.6f},{_ms(rr)},{60000.0 / rr:.2f},{int(brk)},{seg_label}")
    _write_new(p, "\n".join(rows) + "\n")
    return p


def write_session(recording: Recording, path: str | Path, *, source: str = "convert") -> Path:
    """A vagal session file from any recording (written synchronously, in one go)."""
    from vagal.events import DeviceInfo, Event
    from vagal.sessions.codec import event_to_dict
    from vagal.sessions.writer import make_header

    p = Path(path)
    start_text = recording.meta.get("start")
    start: datetime | None = None
    if isinstance(start_text, str):
        try:
            start = datetime.fromisoformat(start_text)
        except ValueError:
            start = None
    if start is None:
        start = datetime.fromtimestamp(Path(recording.path).stat().st_mtime).astimezone() if Path(
            recording.path
        ).exists() else datetime.now().astimezone()
        start -= timedelta(seconds=recording.duration_s)
    if start.tzinfo is None:
        start = start.astimezone()
    header = make_header(
        source=source,
        start=start,
        label=recording.meta.get("label"),
        converted_from={"path": Path(recording.path).name, "format": recording.format},
    )
    if recording.events is not None:
        events: list[Event] = list(recording.events)
    else:
        events = [DeviceInfo(0.0, "replay", Path(recording.path).name)]
        events.extend(beat_events(recording))
    lines = [json.dumps(header, ensure_ascii=False, separators=(",", ":"))]
    for e in events:
        obj = event_to_dict(e)
        out = {
            "t": obj.pop("t"),
            "wall": (start + timedelta(seconds=e.t_s)).isoformat(timespec="milliseconds"),
        }
        out.update(obj)
        lines.append(json.dumps(out, ensure_ascii=False, separators=(",", ":")))
    _write_new(p, "\n".join(lines) + "\n")
    return p


def export(recording: Recording, path: str | Path, fmt: ExportFormat) -> Path:
    """Write ``recording`` to ``path`` in ``fmt`` (see the module docstring)."""
    if fmt == "vagal":
        return write_session(recording, path)
    if fmt == "csv":
        return write_csv(recording, path)
    return write_rr_column(recording, path)
