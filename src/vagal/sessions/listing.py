"""The sessions folder at a glance: one summary per file, newest first, damage included.

A damaged file is summarised from what is readable and says where the damage is; a file
whose header cannot be read is listed with the reason and no numbers. One bad file never
hides the others. Mean HR, RMSSD and coherence come from :func:`vagal.hrv.analyze_rr`
on the whole recording (artifacts corrected), the same numbers ``vagal analyze`` gives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vagal.errors import InputFileError


@dataclass
class SessionSummary:
    """One line of ``vagal sessions``."""

    path: str
    start: str | None = None
    """Start time, ISO-8601 with zone (None when the header is unreadable)."""
    duration_s: float | None = None
    source: str | None = None
    device: str | None = None
    label: str | None = None
    n_beats: int = 0
    mean_hr_bpm: float | None = None
    rmssd_ms: float | None = None
    coherence: float | None = None
    markers: list[dict[str, Any]] = field(default_factory=list)
    """``{"t_s": …, "label": …}`` in time order."""
    damage: list[dict[str, Any]] = field(default_factory=list)
    """``{"line": …, "reason": …}``: the file was read up to there."""
    error: str | None = None
    """Why nothing could be read (unreadable header); None otherwise."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def session_files(folder: Path) -> list[Path]:
    """The session files in ``folder`` (``*.jsonl``), any order.

    Anything so named that is not a folder is listed, a named pipe or a broken link too:
    reading refuses it with its reason (it never opens a pipe), and the list says why.
    """
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.name.endswith(".jsonl") and not p.is_dir()]


def summarize(path: Path) -> SessionSummary:
    """Summarise one session file; never raises for a bad file (the reason goes in ``error``)."""
    from vagal.sessions.reader import read_session

    s = SessionSummary(path=str(path))
    try:
        rec = read_session(path)
    except InputFileError as exc:
        s.error = exc.message.split(": ", 1)[-1] if exc.message.startswith(str(path)) else exc.message
        return s
    meta = rec.meta
    s.start = meta.get("start")
    s.source = meta.get("source")
    s.label = meta.get("label")
    dev = meta.get("device") or {}
    s.device = dev.get("model") or dev.get("name")
    s.duration_s = float(meta.get("session_duration_s") or rec.duration_s)
    s.n_beats = rec.n_beats
    s.markers = [{"t_s": m.t_s, "label": m.label} for m in sorted(rec.markers, key=lambda m: m.t_s)]
    s.damage = [{"line": d.line, "reason": d.reason} for d in rec.damage]
    if rec.n_beats >= 2:
        from vagal.hrv import analyze_rr

        r = analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks).to_dict()
        s.mean_hr_bpm, s.rmssd_ms, s.coherence = r.get("mean_hr_bpm"), r.get("rmssd_ms"), r.get("coherence")
    return s


def _sort_key(s: SessionSummary) -> tuple[float, str]:
    if s.start:
        try:
            return datetime.fromisoformat(s.start).timestamp(), s.path
        except ValueError:
            pass
    try:
        return Path(s.path).stat().st_mtime, s.path
    except OSError:
        return 0.0, s.path


def list_sessions(folder: Path) -> list[SessionSummary]:
    """Every session in ``folder``, newest first."""
    return sorted((summarize(p) for p in session_files(folder)), key=_sort_key, reverse=True)
