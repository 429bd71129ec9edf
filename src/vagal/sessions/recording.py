"""A recording read from any format: the beats, and what is known around them.

Every reader (vagal sessions, plain RR lists, Polar, OpenHRV, WFDB…) returns a
:class:`Recording`, so ``analyze``, ``replay`` and ``report`` do not care where a file came from.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vagal.errors import InputFileError
from vagal.events import Event, Gap, Marker, PacerChanged
from vagal.sessions.codec import MAX_RR_MS, MIN_RR_MS

MAX_FILE_BYTES: Final = 256 * 1024 * 1024
"""The largest file any reader takes, bytes (256 MiB).

A week of vagal session with raw payloads is about 170 MB, and an RR list of a week
(a million beats) about 7 MB: a larger file is not one recording. Reading it whole
would take minutes and gigabytes (a 200 MB one-line RR file reached 9.5 GB and died),
so it is refused with one line instead.
"""

MAX_BEATS: Final = 3_000_000
"""The most beats one recording can hold: a week at 300 bpm (``codec.MAX_SESSION_S``)."""

EARLIEST_START_YEAR: Final = 1900
LATEST_START_YEAR: Final = 2200
"""A recording's start date outside these years is damage (a Polar file dated year 1, a
header dated 9999), not a date: wall-clock times computed from it would overflow."""


@dataclass(frozen=True, slots=True)
class Damage:
    """A problem found while reading: the file was read around it, and on past it."""

    line: int
    """1-based line (or record) number (the first, for a run of alike lines)."""
    reason: str
    """What was wrong and what the reader did about it, in plain words."""
    last_line: int | None = None
    """The last line of a run of alike problems (None: one line)."""
    count: int = 1
    """How many lines the run holds (the reason says it in words)."""

    def __str__(self) -> str:
        if self.last_line is None or self.last_line == self.line:
            return f"line {self.line}: {self.reason}"
        return f"lines {self.line}-{self.last_line}: {self.reason}"


@dataclass(frozen=True)
class Recording:
    """Beats and their context, from any supported file."""

    path: str
    format: str
    """Detected format id: "vagal", "rr-list", "csv-time", "polar-sensor-logger", …"""
    rr_ms: npt.NDArray[np.float64]
    """RR intervals in ms, in order (artifacts not corrected)."""
    t_s: npt.NDArray[np.float64]
    """Beat times, session seconds (the cumulative sum of RR where the file has no times)."""
    breaks: npt.NDArray[np.bool_]
    """``breaks[i]`` is True when a gap precedes beat i: no difference may span it."""
    gaps: tuple[Gap, ...] = ()
    markers: tuple[Marker, ...] = ()
    pacer: tuple[PacerChanged, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    """Header metadata (start time, device, label…), format-dependent."""
    damage: tuple[Damage, ...] = ()
    """Problems met while reading (truncated last line, corrupt line…), reported, not fatal."""
    events: tuple[Event, ...] | None = None
    """The full event stream, for formats that have one (vagal sessions); None otherwise."""

    @property
    def n_beats(self) -> int:
        return int(self.rr_ms.size)

    @property
    def duration_s(self) -> float:
        if self.t_s.size == 0:
            return 0.0
        return float(self.t_s[-1] - (self.t_s[0] - self.rr_ms[0] / 1000.0))


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.0f} MB" if n_bytes >= 10**6 else f"{n_bytes} bytes"


def read_file(
    path: str | Path,
    error: type[InputFileError] = InputFileError,
    *,
    limit: int | None = None,
) -> bytes:
    """The bytes of ``path``, for a reader: the one way every reader opens a file.

    Only a regular file is read. A named pipe, a terminal or a device would block the read
    forever (a pipe waits for a writer) or never end (``/dev/zero``), so the file is opened
    without blocking and refused when it is anything else; nothing is read from it.

    Args:
        path: The file.
        error: The error class to raise (a session reader raises ``SessionFileError``).
        limit: Refuse files larger than this many bytes (default :data:`MAX_FILE_BYTES`).

    Raises:
        InputFileError: (or ``error``) The file is missing, a folder, not a regular file,
            larger than the limit, or cannot be read; the message names it.
    """
    p = str(path)
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise error(p, "no such file") from None
    except IsADirectoryError:
        raise error(p, "is a folder, not a file") from None
    except OSError as exc:
        raise error(p, f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(p, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
            raise error(p, f"is {kind}, not a file", hint="Save the recording to a file and give vagal that.")
        if info.st_size > limit:
            raise error(
                p,
                f"is {_size_text(info.st_size)}, larger than any one recording "
                f"(vagal reads files up to {_size_text(limit)})",
                hint="Split it, or convert the part you need with another tool first.",
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            # Read what the file holds (one byte more shows it grew): ``read(limit + 1)`` would
            # first allocate the whole limit, then shrink to the file's size.
            data = f.read(info.st_size + 1)
            if len(data) > info.st_size:  # grew since the stat: read on, up to the limit
                data += f.read(limit + 1 - len(data))
    except OSError as exc:
        raise error(p, f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while being read
        raise error(p, f"is larger than any one recording (vagal reads files up to {_size_text(limit)})")
    return data


def plausible_start(when: datetime, *, what: str = "start") -> str | None:
    """Why ``when`` cannot be a recording's start (None when it can).

    A year before :data:`EARLIEST_START_YEAR` or after :data:`LATEST_START_YEAR` is a
    damaged date; readers leave it out (and say so) instead of computing wall-clock times
    from it, which overflow near year 1 and year 9999.
    """
    if EARLIEST_START_YEAR <= when.year <= LATEST_START_YEAR:
        return None
    return (
        f"the {what} date {when.isoformat(timespec='seconds')} is not a real recording date "
        f"(years {EARLIEST_START_YEAR}-{LATEST_START_YEAR}); left out"
    )


def rr_problem(rr_ms: float) -> str | None:
    """Why a value read from a file cannot be an RR interval in ms; None when it can.

    Readers name the line with this reason. Values that are possible but implausible
    (say 150 ms or 20 s) are read: artifact correction deals with them.
    """
    if not np.isfinite(rr_ms) or rr_ms <= 0:
        return "not a positive RR value"
    if rr_ms > MAX_RR_MS:
        return "an RR value over a minute"
    if rr_ms < MIN_RR_MS:
        return "an RR value under a millisecond"
    return None


def too_few_beats(rec: Recording, what: str) -> str:
    """Why ``rec`` has too few beats for ``what`` ("to analyse"), in plain words.

    A session stopped within its first seconds holds only settling beats (unreliable on
    straps, left out of every analysis): saying "no beats" there reads as a broken file.
    """
    settling = int(rec.meta.get("settling_beats") or 0)
    if settling and rec.n_beats < 2:
        return (
            f"holds only the first seconds after the strap connected ({settling} settling beat"
            f"{'s' if settling != 1 else ''}, which analysis leaves out): too short {what}"
        )
    return f"holds fewer than 2 usable beats: nothing {what}"


def from_rr(
    path: str,
    fmt: str,
    rr_ms: npt.ArrayLike,
    *,
    t_s: npt.ArrayLike | None = None,
    **kwargs: Any,
) -> Recording:
    """Build a Recording from RR values (beat times default to their cumulative sum)."""
    rr = np.asarray(rr_ms, dtype=np.float64)
    t = np.cumsum(rr) / 1000.0 if t_s is None else np.asarray(t_s, dtype=np.float64)
    breaks = kwargs.pop("breaks", None)
    b = np.zeros(rr.size, dtype=np.bool_) if breaks is None else np.asarray(breaks, dtype=np.bool_)
    return Recording(path=path, format=fmt, rr_ms=rr, t_s=t, breaks=b, **kwargs)


def _hr_of(rr_ms: float) -> int | None:
    """The heart rate an interval implies, bpm, when a session can hold it (codec bounds)."""
    from vagal.sessions.codec import MAX_HR_BPM

    if not rr_ms > 0:
        return None
    hr = 60000.0 / rr_ms
    return round(hr) if hr <= MAX_HR_BPM else None


def beat_events(recording: Recording) -> list[Event]:
    """The events an RR-only recording stands for, in time order.

    Each beat becomes a ``Beat`` (with the heart rate its interval implies), each break a
    ``Gap`` from the last beat before it to the start of the first interval after it, and
    the markers and pacer changes go in at their times. Replay and ``convert`` share this.
    """
    from vagal.events import Beat

    extras: list[Event] = sorted([*recording.markers, *recording.pacer], key=lambda e: e.t_s)
    out: list[Event] = []
    k = 0
    prev_t: float | None = None
    for t, rr, brk in zip(
        recording.t_s.tolist(), recording.rr_ms.tolist(), recording.breaks.tolist(), strict=True
    ):
        while k < len(extras) and extras[k].t_s <= t:
            out.append(extras[k])
            k += 1
        if brk and prev_t is not None:
            out.append(Gap(prev_t, max(prev_t, t - rr / 1000.0), "no_data"))
        out.append(Beat(t, rr, _hr_of(rr)))
        prev_t = t
    out.extend(extras[k:])
    return out
