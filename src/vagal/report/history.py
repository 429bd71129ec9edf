"""Trends across the sessions folder: resting heart rate, RMSSD, coherence, minutes practised.

Design decision: one pass reads every vagal session in the folder into a small
:class:`SessionSummary` (computed by the HRV core), then days and ISO weeks are plain
averages over those summaries. The terminal table, ``--json`` and the plot all come from
the same :class:`History`, so they always agree.

Definitions (stated in the output too):

* **minutes practised**: the length of each session, summed per day or week.
* **resting heart rate**: the mean heart rate (60000 / mean NN) of the session's
  "baseline" or "rest" segment when a marker names one, otherwise of its first
  :data:`RESTING_WINDOW_S` seconds, before the breathing practice takes effect.
* **RMSSD** and **coherence**: of the whole session after artifact correction, as
  ``vagal analyze`` computes them (coherence: the mean 64 s peak ratio).
* A day's or week's value is the plain mean over its sessions that have one.
* Sessions shorter than :data:`MIN_METRIC_S` count their minutes but give no heart-rate
  values; a baseline shorter than half that gives no resting heart rate.

A session whose header cannot be read is skipped with a note. A damaged one is kept, with
a note saying where: the reader skips or places each damaged line and reads on past it
(a single bad value once dropped the whole session), and a session cut off at its last
line (a crash or power loss while recording) is intact up to there.

Simulated sessions (``vagal demo``, ``vagal check --demo``) are left out unless asked for
(``include_demo``): a demo's numbers are not the person's. Two more views come from the
same summaries: "what helps you" (:mod:`vagal.report.helps`) and the usual range of the
person's still readings (:mod:`vagal.report.baseline`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from vagal.metrics import WHAT_HELPS, metric
from vagal.report import style
from vagal.report.baseline import POSITIONS, BaselineDay, Reading, baseline_days
from vagal.report.helps import MIN_SESSIONS, NO_GUIDE, NOT_ENOUGH, START_END_S, Change, HelpRow, what_helps
from vagal.text import printable

if TYPE_CHECKING:
    from vagal.sessions.recording import Recording

WEEK_DAYS_TEXT: Final = "7 days"
RESTING_WINDOW_S: Final = 120.0
"""Without a baseline marker, resting heart rate comes from the first 2 minutes."""
RESTING_LABELS: Final = ("baseline", "rest", "resting")
"""A segment whose label starts with one of these is the resting baseline."""
SESSION_GLOB: Final = "*.vagal.jsonl"
MIN_METRIC_S: Final = 60.0
"""Sessions (or baselines) shorter than this add their minutes but no HR/RMSSD: 60 s is the
shortest window whose RMSSD agrees with 5 min ones (docs/methods.md §1.1, Esco & Flatt 2014)."""


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One session's contribution to the trends."""

    file: str
    """File name inside the sessions folder."""
    start: str
    """Wall-clock start, ISO 8601 with its time zone (as recorded)."""
    day: str
    """The session's local date, YYYY-MM-DD."""
    minutes: float
    """Session length, minutes."""
    resting_hr_bpm: float | None
    rmssd_ms: float | None
    coherence: float | None
    label: str = ""
    note: str = ""
    """Plain note (e.g. "cut off at line 42; read up to there")."""
    source: str = ""
    """What made it (the header's ``source``: "live", "demo", "check", "convert"…)."""
    demo: bool = False
    """Simulated (``vagal demo``, ``vagal check --demo``, or a simulated device)."""
    kind: str = "practice"
    """"check" for a still reading (``vagal check``), else "practice"."""
    pattern: str = ""
    """The pattern followed longest ("resonance 6.0/min"), or "no guide"; "" for a check."""
    start_hr_bpm: float | None = None
    """Heart rate of the first two minutes (``vagal.report.person.start_and_end``)."""
    end_hr_bpm: float | None = None
    """…and of the last two (None when the session is shorter than four minutes)."""
    start_rmssd_ms: float | None = None
    end_rmssd_ms: float | None = None
    start_coherence: float | None = None
    end_coherence: float | None = None
    settled_before: int | None = None
    """The check-in before the session (1–5), if one was noted."""
    settled_after: int | None = None
    position: str = ""
    """A check's position ("sitting" or "lying")."""
    reading_rmssd_ms: float | None = None
    """A check's RMSSD after its first minute (``vagal.report.baseline.reading_values``)."""
    reading_hr_bpm: float | None = None

    def change(self, key: str) -> float | None:
        """The change from the start to the end of the session of a :data:`vagal.metrics.WHAT_HELPS` key."""
        pairs = {
            "mean_hr_bpm": (self.start_hr_bpm, self.end_hr_bpm),
            "rmssd_ms": (self.start_rmssd_ms, self.end_rmssd_ms),
            "coherence": (self.start_coherence, self.end_coherence),
            "settled": (
                None if self.settled_before is None else float(self.settled_before),
                None if self.settled_after is None else float(self.settled_after),
            ),
        }
        a, b = pairs[key]
        return None if a is None or b is None else b - a

    def reading(self) -> Reading | None:
        """This session as a still reading for the usual range (None: not a check, or no values)."""
        if self.kind != "check" or self.reading_rmssd_ms is None or self.reading_hr_bpm is None:
            return None
        return Reading(self.day, self.start, self.reading_rmssd_ms, self.reading_hr_bpm,
                       self.position or "sitting",
                       self.file)


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """Averages over the sessions of one day or one ISO week."""

    period: str
    """"2026-11-20" for a day, "2026-W47" for a week."""
    first_day: str
    """The day itself, or the week's Monday."""
    sessions: int
    minutes: float
    resting_hr_bpm: float | None
    rmssd_ms: float | None
    coherence: float | None


@dataclass(frozen=True)
class History:
    """Everything ``vagal history`` shows."""

    folder: str
    since: str | None
    sessions: list[SessionSummary]
    days: list[PeriodRow]
    weeks: list[PeriodRow]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(file name, why it was skipped)."""
    demo_left_out: int = 0
    """Simulated sessions not shown (``include_demo`` was off)."""
    include_demo: bool = False

    @property
    def practice(self) -> list[SessionSummary]:
        """The sessions that are practice (not still readings)."""
        return [s for s in self.sessions if s.kind != "check"]

    @property
    def readings(self) -> list[Reading]:
        """The still readings with values, oldest first."""
        return [r for r in (s.reading() for s in self.sessions) if r is not None]

    @property
    def helps(self) -> list[HelpRow]:
        """The "what helps you" rows (:func:`vagal.report.helps.what_helps`)."""
        return what_helps(self.sessions)

    def baseline(self) -> dict[str, list[BaselineDay]]:
        """The usual-range view per position that has readings ("sitting", "lying")."""
        readings = self.readings
        out: dict[str, list[BaselineDay]] = {}
        for pos in (*POSITIONS, *sorted({r.position for r in readings} - set(POSITIONS))):
            days = baseline_days(readings, pos)
            if days:
                out[pos] = days
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        from vagal.report.baseline import BAND_DAYS, BAND_SD, MIN_READINGS, MIN_WEEK_READINGS
        from vagal.report.helps import MIN_SESSIONS

        return {
            "folder": self.folder,
            "since": self.since,
            "include_demo": self.include_demo,
            "demo_left_out": self.demo_left_out,
            "sessions": _rows(self.sessions),
            "days": _rows(self.days),
            "weeks": _rows(self.weeks),
            "what_helps": [r.to_dict() for r in self.helps],
            "baseline": {pos: [d.to_dict() for d in days] for pos, days in self.baseline().items()},
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "definitions": {
                "minutes": "session length, summed",
                "resting_hr_bpm": "mean HR of the 'baseline'/'rest' segment, else of the first 2 minutes",
                "rmssd_ms": "whole session, after artifact correction",
                "coherence": "mean 64 s coherence peak ratio of the session",
                "averages": "plain mean over the sessions of the day or week that have a value",
                "what_helps": (
                    "per pattern followed longest: mean and sample SD of (last 2 min − first 2 min) of heart "
                    "rate, "
                    f"RMSSD and coherence, and of (check-in after − before); fewer than {MIN_SESSIONS} "
                    "sessions "
                    "with a value give no number; still readings are left out"
                ),
                "baseline": (
                    "per position, each day's first `vagal check` reading (after its first minute): ln RMSSD "
                    "and "
                    f"heart rate; week = mean of the {WEEK_DAYS_TEXT} ending that day (at least "
                    f"{MIN_WEEK_READINGS}); "
                    f"band = mean ± {BAND_SD:g} SD of the {BAND_DAYS} days ending that day (at least "
                    f"{MIN_READINGS})"
                ),
            },
        }


def _rows(items: Sequence[SessionSummary] | Sequence[PeriodRow]) -> list[dict[str, Any]]:
    """``[dataclasses.asdict(x) for x in items]`` for these rows of plain values, without its deep copy.

    Every field of :class:`SessionSummary` and :class:`PeriodRow` is a str, number, bool or
    None, so a shallow dict is the same (``asdict`` copied each value recursively: a quarter of
    a warm ``vagal history --json``).
    """
    if not items:
        return []
    names = [f.name for f in fields(items[0])]
    return [{n: getattr(x, n) for n in names} for x in items]


def _finite(v: float) -> float | None:
    import numpy as np

    return float(v) if np.isfinite(v) else None


def _start_of(rec: Recording, path: Path) -> datetime:
    """The recorded start, else the file's modification time."""
    from vagal.report.data import recorded_start

    start = recorded_start(rec.meta)
    return start if start is not None else datetime.fromtimestamp(path.stat().st_mtime).astimezone()


def is_demo(rec: Recording) -> bool:
    """Whether a recording is simulated: made by ``vagal demo`` or ``vagal check --demo``, or on a
    simulated device."""
    meta = rec.meta
    if meta.get("source") == "demo" or meta.get("demo") is True:
        return True
    dev = meta.get("device")
    if isinstance(dev, dict) and dev.get("kind") == "simulator":
        return True
    from vagal.events import DeviceInfo

    return any(isinstance(e, DeviceInfo) and e.kind == "simulator" for e in rec.events or ())


def main_pattern(rec: Recording, end_s: float) -> str:
    """The pattern a session followed longest ("resonance 6.0/min"), or "no guide".

    The gentle start's easing is not a pattern. A custom rate is named by its rate, so two
    sessions at 5.5/min are one kind; the resonance assessment's steps are one kind.
    """
    from vagal.report.data import pacer_spans

    held: dict[str, float] = {}
    for span in pacer_spans(rec, end_s):
        if span.from_per_min is not None:
            continue
        if span.preset == "assessment":
            name = "resonance assessment"
        else:
            name = f"{printable(span.preset, max_chars=40)} {span.rate_per_min:.1f}/min"
        held[name] = held.get(name, 0.0) + (span.end_s - span.start_s)
    if not held:
        return NO_GUIDE
    return max(held.items(), key=lambda kv: kv[1])[0]


def summarize_session(rec: Recording, path: Path) -> SessionSummary:
    """One session's trends, start and end, check-ins and (for a check) reading, by the HRV core."""
    import numpy as np

    from vagal.hrv import time_domain
    from vagal.hrv.artifacts import correct_artifacts
    from vagal.hrv.coherence import mean_coherence
    from vagal.report.baseline import reading_values
    from vagal.report.person import checkins_of, start_and_end
    from vagal.sessions.segment import segments

    start = _start_of(rec, path)
    duration_s = max(rec.duration_s, float(rec.meta.get("session_duration_s", 0.0) or 0.0))
    minutes = duration_s / 60.0
    rmssd = coh = rest = None
    if rec.n_beats >= 2 and rec.duration_s >= MIN_METRIC_S:
        fixed = correct_artifacts(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks)
        nn, t, b = fixed.rr_ms, fixed.t_s, fixed.breaks
        if nn.size >= 2:
            rmssd = _finite(time_domain(nn, breaks=b).rmssd_ms)
            coh, _ = mean_coherence(t, nn, breaks=b)
        baseline = next(
            (s for s in segments(rec)
             if s.label.strip().lower().startswith(RESTING_LABELS) and s.n_beats >= 2),
            None,
        )
        if baseline is not None:
            rr_s, t_s, b_s = baseline.select(rec)
        else:
            first = rec.t_s <= (rec.t_s[0] - rec.rr_ms[0] / 1000.0) + RESTING_WINDOW_S
            rr_s, t_s, b_s = rec.rr_ms[first], rec.t_s[first], rec.breaks[first]
        if rr_s.size >= 2 and float(np.sum(rr_s)) / 1000.0 >= MIN_METRIC_S / 2:
            rfix = correct_artifacts(rr_s, t_s=t_s, breaks=b_s)
            if rfix.rr_ms.size:
                rest = _finite(time_domain(rfix.rr_ms, breaks=rfix.breaks).mean_hr_bpm)
    source = str(rec.meta.get("source") or "") if rec.format == "vagal" else rec.format
    kind = "check" if source == "check" else "practice"
    extra: dict[str, Any] = {}
    if kind == "check":
        r_rmssd, r_hr, _, _ = reading_values(rec)
        position = str(rec.meta.get("position") or "sitting")
        extra = {"position": position if position in POSITIONS else "sitting", "reading_rmssd_ms": r_rmssd,
                 "reading_hr_bpm": r_hr}
    else:
        first_w, last_w = start_and_end(rec, light=True)
        if first_w is not None and last_w is not None:
            extra = {
                "start_hr_bpm": first_w.mean_hr_bpm, "end_hr_bpm": last_w.mean_hr_bpm,
                "start_rmssd_ms": first_w.rmssd_ms, "end_rmssd_ms": last_w.rmssd_ms,
                "start_coherence": first_w.coherence, "end_coherence": last_w.coherence,
            }
        extra["pattern"] = main_pattern(rec, duration_s)
    before, after = checkins_of(rec.events)
    return SessionSummary(
        file=path.name,
        start=start.isoformat(timespec="seconds"),
        day=start.date().isoformat(),
        minutes=minutes,
        resting_hr_bpm=rest,
        rmssd_ms=rmssd,
        coherence=coh,
        label=str(rec.meta.get("label") or ""),
        source=source,
        demo=is_demo(rec),
        kind=kind,
        settled_before=before.settled if before is not None else None,
        settled_after=after.settled if after is not None else None,
        **extra,
    )


def _mean(values: list[float | None]) -> float | None:
    import numpy as np

    ok = [v for v in values if v is not None]
    return float(np.mean(ok)) if ok else None


def _period(key: str, first: date, group: list[SessionSummary]) -> PeriodRow:
    return PeriodRow(
        period=key,
        first_day=first.isoformat(),
        sessions=len(group),
        minutes=float(sum(s.minutes for s in group)),
        resting_hr_bpm=_mean([s.resting_hr_bpm for s in group]),
        rmssd_ms=_mean([s.rmssd_ms for s in group]),
        coherence=_mean([s.coherence for s in group]),
    )


def aggregate(sessions: list[SessionSummary]) -> tuple[list[PeriodRow], list[PeriodRow]]:
    """Per-day and per-ISO-week rows, oldest first."""
    by_day: dict[date, list[SessionSummary]] = {}
    by_week: dict[tuple[int, int], list[SessionSummary]] = {}
    for s in sessions:
        d = date.fromisoformat(s.day)
        by_day.setdefault(d, []).append(s)
        iso = d.isocalendar()
        by_week.setdefault((iso.year, iso.week), []).append(s)
    days = [_period(d.isoformat(), d, g) for d, g in sorted(by_day.items())]
    weeks = [
        _period(f"{y}-W{w:02d}", date.fromisocalendar(y, w, 1), g) for (y, w), g in sorted(by_week.items())
    ]
    return days, weeks


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file's part in the history, the same whatever the options (what the index keeps per file).

    Either a summary (with the damage note, and whether the session is simulated) or the
    reason the file was skipped.
    """

    summary: SessionSummary | None
    skipped: str = ""
    """Why the file gives no summary (it could not be read, or has no beats)."""


def read_session_file(path: Path) -> FileEntry:
    """One session file read and summarised by the HRV core: the per-file step of the history.

    Never raises for a bad file: it is a :class:`FileEntry` with the reason it is skipped.
    """
    from vagal.errors import VagalError
    from vagal.sessions.formats import load_recording
    from vagal.sessions.recording import too_few_beats

    try:
        rec = load_recording(path)
    except VagalError as exc:
        return FileEntry(None, _without_path(exc, path))
    if rec.n_beats == 0:
        return FileEntry(None, too_few_beats(rec, "for a trend"))
    s = summarize_session(rec, path)
    note = _damage_note(rec)
    return FileEntry(replace(s, note=note) if note else s)


def session_files(folder: Path) -> list[Path]:
    """The vagal session files of ``folder`` (not recursive), sorted; none when it is missing."""
    return sorted(folder.glob(SESSION_GLOB)) if folder.is_dir() else []


def collect_history(
    folder: Path,
    *,
    since: date | None = None,
    include_demo: bool = False,
    read: Callable[[list[Path]], Sequence[FileEntry]] | None = None,
) -> History:
    """Read every vagal session in ``folder`` (not recursive) into a :class:`History`.

    Args:
        folder: The sessions folder (``vagal.paths.sessions_dir()``).
        since: Leave out sessions that started before this date.
        include_demo: Keep simulated sessions (``vagal demo``, ``vagal check --demo``);
            by default they are left out and counted in ``demo_left_out``.
        read: The files' entries, in their order (default: :func:`read_session_file` of
            each; ``vagal history`` reads them through the session index).

    Returns:
        The sessions (oldest first), their daily and weekly averages, and the files
        skipped with the reason. A missing or empty folder gives an empty History.
    """
    files = session_files(folder)
    entries = [read_session_file(p) for p in files] if read is None else read(files)
    summaries: list[SessionSummary] = []
    skipped: list[tuple[str, str]] = []
    demo_left_out = 0
    for path, entry in zip(files, entries, strict=True):
        s = entry.summary
        if s is None:
            skipped.append((path.name, entry.skipped))
            continue
        if not include_demo and s.demo:
            demo_left_out += 1
            continue
        if since is not None and date.fromisoformat(s.day) < since:
            continue
        summaries.append(s)
    summaries.sort(key=lambda s: s.start)
    days, weeks = aggregate([s for s in summaries if s.kind != "check"])
    return History(str(folder), since.isoformat() if since else None, summaries, days, weeks, skipped,
                   demo_left_out=demo_left_out, include_demo=include_demo)


def _damage_note(rec: Recording) -> str:
    """A short note on the damage met while reading (the reader read past it)."""
    cut = [d for d in rec.damage if d.reason.startswith("truncated last line")]
    other = [d for d in rec.damage if d not in cut]
    parts: list[str] = []
    if other:
        more = sum(d.count for d in other) - other[0].count
        parts.append(f"damaged at {other[0]}" + (f" (and {more} more damaged lines)" if more else ""))
    if cut:
        parts.append(f"cut off at line {cut[0].line}; read up to there")
    return "; ".join(parts)


def _without_path(exc: Exception, path: Path) -> str:
    """The error's words without the file name (the table names the file already)."""
    message = str(exc)
    line = getattr(exc, "line", None)
    where = (
        f"{getattr(exc, 'path', path)}:{line}: " if line is not None else f"{getattr(exc, 'path', path)}: "
    )
    message = message.removeprefix(where)
    return f"line {line}: {message}" if line is not None else message


def _fmt(v: float | None, decimals: int) -> str:
    return "–" if v is None else f"{v:.{decimals}f}"


View = Literal["trends", "helps", "baseline"]
VIEWS: Final[tuple[View, ...]] = ("trends", "helps", "baseline")
"""The views of ``vagal history``: trends per day and week, what helps you, your usual range."""


def format_table(history: History, views: Sequence[View] = VIEWS) -> str:
    """The terminal output of the chosen views (all three by default)."""
    h = history
    out: list[str] = []
    if not h.sessions:
        out.append(empty_message(h))
    else:
        parts = []
        if "trends" in views:
            parts.append(_format_trends(h))
        if "helps" in views:
            parts.append(format_helps(h))
        if "baseline" in views:
            parts.append(format_baseline(h))
        out.append("\n\n".join(p for p in parts if p))
    if h.demo_left_out:
        k = h.demo_left_out
        out.append("")
        out.append(f"{k} simulated session{'s were' if k != 1 else ' was'} left out (add --include-demo to "
                   "show "
                   f"{'them' if k != 1 else 'it'}).")
    if h.skipped:
        k = len(h.skipped)
        out.append("")
        out.append(f"Skipped {k} damaged or unreadable session{'s' if k != 1 else ''}:")
        out += [f"  {printable(f)}: {printable(r)}" for f, r in h.skipped]
    return "\n".join(out)


def _format_trends(h: History) -> str:
    out: list[str] = []
    practice = h.practice
    if not practice:
        return "No practice sessions yet (only still readings)."
    first, last = practice[0].day, practice[-1].day
    n = len(practice)
    out.append(f"{n} session{'s' if n != 1 else ''} in {printable(h.folder)}, {first} to {last}")
    head = f"{'':<12}{'sessions':>9}{'minutes':>9}{'resting HR':>12}{'RMSSD':>8}{'coherence':>11}"
    units = f"{'':<12}{'':>9}{'':>9}{'(bpm)':>12}{'(ms)':>8}{'(ratio)':>11}"
    for title, rows in (("Per day", h.days), ("Per week (ISO, from Monday)", h.weeks)):
        out += ["", title, head, units]
        for r in rows:
            out.append(
                f"{r.period:<12}{r.sessions:>9}{r.minutes:>9.1f}{_fmt(r.resting_hr_bpm, 1):>12}"
                f"{_fmt(r.rmssd_ms, 1):>8}{_fmt(r.coherence, 2):>11}"
            )
    out += [
        "",
        ("Resting HR: the 'baseline' segment, or the first 2 minutes of each session. "
         "Day and week values are means over their sessions."),
    ]
    for s in practice:
        if s.note:
            out.append(f"Note: {printable(s.file)} was {s.note}.")
    return "\n".join(out)


def change_text(c: Change, decimals: int) -> str:
    """"−4.2 ± 2.1" (mean ± sample SD), or the words for too few sessions."""
    if c.mean is None or c.sd is None:
        return NOT_ENOUGH
    sign = "+" if c.mean > 0 else ("\u2212" if c.mean < 0 else "±")
    return f"{sign}{abs(c.mean):.{decimals}f} ± {c.sd:.{decimals}f}"


def format_helps(h: History) -> str:
    """The "what helps you" table: per pattern or practice, the mean change ± its spread."""
    rows = h.helps
    if not rows:
        return "What helps you\nNo practice sessions yet."
    cols = [(k, metric(k)) for k in WHAT_HELPS]
    name_w = max(22, min(34, max(len(printable(r.kind, max_chars=34)) for r in rows) + 2))
    w = 17
    out = [
        "What helps you",
        (f"Change from the first to the last {START_END_S / 60:g} minutes of each session (settled: check-in "
         "after "
        "minus before), mean ± spread."),
        "",
        f"{'':<{name_w}}{'sessions':>9}  " + "".join(f"{m.title:>{w}}" for _, m in cols),
        f"{'':<{name_w}}{'':>9}  "
        + "".join(f"{('(' + (m.unit or ('1–5' if k == 'settled' else 'ratio')) + ')'):>{w}}"
                  for k, m in cols),
    ]
    for r in rows:
        name = printable(r.kind, max_chars=name_w - 2)
        if not r.enough:
            out.append(f"{name:<{name_w}}{r.sessions:>9}  {NOT_ENOUGH}")
            continue
        cells = []
        for k, m in cols:
            c = r.changes[k]
            text = change_text(c, m.decimals) if c.mean is not None else "not enough yet"
            if c.mean is not None and c.n != r.sessions:
                text += f" ({c.n})"
            cells.append(f"{text:>{w}}")
        out.append(f"{name:<{name_w}}{r.sessions:>9}  " + "".join(cells))
    out += [
        "",
        (f"A figure needs {MIN_SESSIONS} sessions; a number in brackets is how many sessions have it. These "
         "describe "
        "your sessions, not you: nothing here is a score."),
    ]
    return "\n".join(out)


def _trend_words(day: BaselineDay) -> str | None:
    if day.week_ln_rmssd is None or day.band_ln_rmssd is None:
        return None
    c = day.band_ln_rmssd.compare(day.week_ln_rmssd)
    return {"within": "within your usual range", "lower": "lower than your usual range",
            "higher": "higher than your usual range"}[c]


def format_baseline(h: History) -> str:
    """Your usual range: the still readings' 7-day average against the person's own band."""
    from vagal.report.baseline import BAND_DAYS, MIN_READINGS

    views = h.baseline()
    out = ["Your usual range"]
    if not views:
        out.append(
            "No still readings yet. `vagal check` takes a short reading (3 minutes, sitting or lying); "
            "after "
            f"{MIN_READINGS} readings vagal shows your usual range."
        )
        return "\n".join(out)
    for pos, days in views.items():
        last = days[-1]
        out.append(f"{pos.capitalize()}: {len(days)} reading day{'s' if len(days) != 1 else ''}, "
                   f"{days[0].day} to "
                   f"{last.day}. Latest: RMSSD {last.rmssd_ms:.0f} ms (ln {last.ln_rmssd:.2f}), heart rate "
                   f"{last.mean_hr_bpm:.0f} bpm.")
        if last.band_ln_rmssd is None:
            left = MIN_READINGS - len([d for d in days
                                       if date.fromisoformat(d.day) > date.fromisoformat(last.day)
                                       - timedelta(days=BAND_DAYS)])
            out.append(f"  After {max(left, 1)} more reading{'s' if left != 1 else ''}, vagal can show your "
                       "usual range.")
            continue
        band = last.band_ln_rmssd
        out.append(f"  Usual range (the last {BAND_DAYS} days, {band.n} readings): RMSSD "
                   f"{math.exp(band.low):.0f}–"
                   f"{math.exp(band.high):.0f} ms (ln {band.low:.2f}–{band.high:.2f})"
                   + (f", heart rate {last.band_hr_bpm.low:.0f}–{last.band_hr_bpm.high:.0f} bpm"
                      if last.band_hr_bpm is not None else "") + ".")
        words = _trend_words(last)
        if last.week_ln_rmssd is not None and words is not None:
            out.append(f"  7-day average: RMSSD {math.exp(last.week_ln_rmssd):.0f} ms (ln "
                       f"{last.week_ln_rmssd:.2f}): "
                       f"{words}.")
        else:
            out.append("  7-day average: needs 3 readings in the last 7 days.")
    out.append("How it is worked out: docs/methods.md §10 (Plews et al. 2012–2014; Buchheit 2014).")
    return "\n".join(out)


def empty_message(history: History) -> str:
    """The kind words for a folder with nothing to show yet."""
    since = f" since {history.since}" if history.since else ""
    return (
        f"No sessions to show{since} yet (looked in {printable(history.folder)}). "
        "Sessions recorded with `vagal live` or `vagal check` appear here; take your time."
    )


def _footnote(fig: Any, text: str) -> None:
    """The footnote wrapped to the page's width (matplotlib's own wrap ran off the page)."""
    from vagal.report.layout import line_h_in, wrap

    lines = wrap(text, style.PAGE_W_IN - 2 * style.MARGIN_IN, 6.5)
    lh = line_h_in(6.5)
    for k, line in enumerate(reversed(lines)):
        fig.text(style.MARGIN_IN / style.PAGE_W_IN, (0.3 + k * lh) / style.PAGE_H_IN, line, fontsize=6.5,
                 color=style.MUTED, va="bottom")


def _page_head(fig: Any, title: str, subtitle: str) -> None:
    fig.text(style.MARGIN_IN / style.PAGE_W_IN, 1 - style.TOP_IN / style.PAGE_H_IN, title,
             fontsize=style.TITLE_PT,
             fontweight="bold", va="top")
    from vagal.report.layout import wrap

    for k, line in enumerate(wrap(subtitle, style.PAGE_W_IN - 2 * style.MARGIN_IN, 8.5, max_lines=2)):
        fig.text(style.MARGIN_IN / style.PAGE_W_IN, 1 - (style.TOP_IN + 0.34 + k * 0.16) / style.PAGE_H_IN,
                 line,
                 fontsize=8.5, color=style.MUTED, va="top")


def _date_axis(ax: Any, lo: float, hi: float) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DayLocator

    # A tick a day over a short span: left alone, the locator ticks hours (06:00, 12:00)
    # on a plot of daily means.
    loc = DayLocator() if hi - lo <= 12 else AutoDateLocator(minticks=3, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))  # type: ignore[no-untyped-call]
    ax.set_xlim(lo, hi)


def _draw_trends(fig: Any, history: History) -> None:
    import numpy as np
    from matplotlib.dates import date2num

    days = date2num(  # type: ignore[no-untyped-call]
        [datetime.combine(date.fromisoformat(r.period), datetime.min.time()) for r in history.days]
    )
    panels = (
        ("Resting heart rate", "bpm", [r.resting_hr_bpm for r in history.days], style.HR, "-", "o"),
        ("RMSSD", "ms", [r.rmssd_ms for r in history.days], style.RMSSD, "-", "s"),
        ("Coherence (peak ratio)", "ratio", [r.coherence for r in history.days], style.COHERENCE, "--", "D"),
    )
    practice = history.practice
    first, last = history.days[0].period, history.days[-1].period
    n = len(practice)
    _page_head(fig, "Your practice over time",
               f"{n} session{'s' if n != 1 else ''}, {first} to {last}  ·  one point per day (mean of that "
               "day's "
               "sessions)")
    gs = fig.add_gridspec(4, 1, left=0.12, right=0.95, top=0.89, bottom=0.1, hspace=0.45)
    axes = [fig.add_subplot(gs[k, 0]) for k in range(4)]
    for k in range(1, 4):
        axes[k].sharex(axes[0])
    lo = float(days[0]) - 1.0  # date numbers are days
    hi = float(days[-1]) + 1.0
    for ax, (title, unit, values, colour, ls, marker) in zip(axes, panels, strict=False):
        ax.set_title(title)
        y = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        if np.isfinite(y).any():
            ax.plot(days, y, color=colour, linestyle=ls, marker=marker, markersize=4, linewidth=1.1)
        else:
            ax.text(0.5, 0.5, "no value yet (sessions too short)", transform=ax.transAxes, ha="center",
                    color=style.MUTED)
        ax.set_ylabel(unit)
        ax.tick_params(labelbottom=False)
    bars = axes[3]
    bars.set_title("Minutes practised per day")
    bars.bar(days, [r.minutes for r in history.days], width=0.7, facecolor=style.SEGMENT_FILLS[1],
             edgecolor=style.MUTED, hatch="///", linewidth=0.6)
    bars.set_ylabel("minutes")
    _date_axis(bars, lo, hi)
    _footnote(fig, style.HISTORY_FOOTNOTE)


def _draw_helps(fig: Any, history: History) -> None:
    import numpy as np

    from vagal.report.layout import wrap

    rows = history.helps
    _page_head(fig, "What helps you",
               f"Change from the first to the last {START_END_S / 60:g} minutes of each session, per "
               "pattern; dots "
               "are sessions, the bar is the mean ± spread. Settled: check-in after minus before.")
    if not rows:
        fig.text(0.5, 0.5, "No practice sessions yet.", ha="center", color=style.MUTED)
        _footnote(fig, style.HISTORY_FOOTNOTE)
        return
    names = ["\n".join(wrap(printable(r.kind, max_chars=60), 1.45, 7.0,
                            max_lines=2)) + f"\n({r.sessions} session{'s' if r.sessions != 1 else ''})"
             for r in rows]
    gs = fig.add_gridspec(2, 2, left=0.22, right=0.96, top=0.86, bottom=0.14, hspace=0.35, wspace=0.12)
    ys = np.arange(len(rows))[::-1].astype(np.float64)
    for k, key in enumerate(WHAT_HELPS):
        info = metric(key)
        ax = fig.add_subplot(gs[k // 2, k % 2])
        unit = info.unit or ("1–5" if key == "settled" else "ratio")
        ax.set_title(f"{info.title} ({unit})", fontsize=8.5)
        ax.axvline(0.0, color=style.MUTED, linewidth=0.8)
        for y, r in zip(ys, rows, strict=True):
            c = r.changes[key]
            jitter = np.linspace(-0.18, 0.18, max(len(c.values), 1))[: len(c.values)]
            if c.values:
                ax.plot(c.values, y + jitter, linestyle="none", marker="o", markersize=3.0, alpha=0.55,
                        markerfacecolor="white", markeredgecolor=style.HR, markeredgewidth=0.8)
            if c.mean is not None and c.sd is not None:
                ax.errorbar([c.mean], [y], xerr=[[c.sd], [c.sd]], fmt="D", color=style.INK, markersize=4.5,
                            capsize=3.0, linewidth=1.2, zorder=5)
            else:
                ax.text(0.98, y, NOT_ENOUGH, transform=ax.get_yaxis_transform(), ha="right", va="center",
                        fontsize=6.5, color=style.MUTED)
        ax.set_yticks(ys, names if k % 2 == 0 else [""] * len(rows), fontsize=6.8)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.grid(axis="y", visible=False)
        lo, hi = ax.get_xlim()
        m = max(abs(lo), abs(hi), 1e-9)
        ax.set_xlim(-1.1 * m, 1.1 * m)  # zero in the middle: no change sits in the centre; no dot on the edge
    note = (f"A mean needs {MIN_SESSIONS} sessions with that figure. These describe your sessions, not you: "
            "nothing "
            "here is a score, and the patterns are listed in the order you first used them.")
    for k, line in enumerate(wrap(note, style.PAGE_W_IN - 2 * style.MARGIN_IN, 7.0)):
        fig.text(style.MARGIN_IN / style.PAGE_W_IN, 0.1 - k * 0.016, line, fontsize=7.0, color=style.MUTED)
    _footnote(fig, style.HISTORY_FOOTNOTE)


def _safe_log(values: Any) -> Any:
    """ln for the secondary axis: matplotlib also maps the axis' initial 0-to-1 limits, where ln 0 warns."""
    import numpy as np

    return np.log(np.maximum(values, 1e-12))


def _draw_baseline(fig: Any, history: History) -> None:
    import numpy as np
    from matplotlib.dates import date2num

    from vagal.report.baseline import BAND_DAYS, BAND_SD, MIN_READINGS

    views = history.baseline()
    _page_head(fig, "Your usual range",
               "Each day's first still reading (vagal check), its 7-day average, and your usual range: the "
               "mean of the "
               f"last {BAND_DAYS} days ± {BAND_SD:g} SD (shaded), once {MIN_READINGS} readings are in.")
    if not views:
        fig.text(0.5, 0.5,
                 f"No still readings yet: after {MIN_READINGS} readings with `vagal check`, your usual range "
                 "shows here.", ha="center", color=style.MUTED)
        _footnote(fig, style.HISTORY_FOOTNOTE)
        return
    pos, days = next(iter(views.items()))  # the first position with readings (sitting before lying)
    x = date2num([datetime.combine(date.fromisoformat(d.day), datetime.min.time()) for d in days])  # type: ignore[no-untyped-call]
    gs = fig.add_gridspec(2, 1, left=0.12, right=0.88, top=0.86, bottom=0.12, hspace=0.3)
    ax = fig.add_subplot(gs[0, 0])
    ax2 = fig.add_subplot(gs[1, 0], sharex=ax)
    for a, daily, week, band, title, unit in (
        (ax, [d.ln_rmssd for d in days], [d.week_ln_rmssd for d in days], [d.band_ln_rmssd for d in days],
         f"ln RMSSD ({pos})", "ln RMSSD"),
        (ax2, [d.mean_hr_bpm for d in days], [d.week_hr_bpm for d in days], [d.band_hr_bpm for d in days],
         f"Heart rate ({pos})", "bpm"),
    ):
        lo_b = np.array([np.nan if b is None else b.low for b in band])
        hi_b = np.array([np.nan if b is None else b.high for b in band])
        a.fill_between(x, lo_b, hi_b, step="mid", facecolor=style.PACER_FILL, edgecolor="#9fb3c8",
                       hatch="...",
                       linewidth=0.0, label="usual range")
        a.plot(x, daily, linestyle="none", marker="o", markersize=3.2, markerfacecolor="white",
               markeredgecolor=style.MUTED, label="each day")
        a.plot(x, np.array([np.nan if w is None else w for w in week]), color=style.HR, linewidth=1.4,
               label="7-day average")
        a.set_title(title)
        a.set_ylabel(unit)
        a.legend(loc="upper left", ncol=3, fontsize=6.5)
    # RMSSD in ms on the right of the ln axis: the number people know.
    sec = ax.secondary_yaxis("right", functions=(np.exp, _safe_log))
    sec.set_ylabel("RMSSD (ms)")
    ax.tick_params(labelbottom=False)
    _date_axis(ax2, float(x[0]) - 1.0, float(x[-1]) + 1.0)
    if len(views) > 1:
        others = ", ".join(p for p in views if p != pos)
        fig.text(style.MARGIN_IN / style.PAGE_W_IN, 0.075,
                 f"Readings {others} have their own range (shown in the "
                 "terminal and in --json).", fontsize=7.0, color=style.MUTED)
    _footnote(fig, style.HISTORY_FOOTNOTE)


def render_history(history: History, out: str | Path, views: Sequence[View] = VIEWS) -> Path:
    """Plot the chosen views to a PDF (a page each), or a PNG or SVG (the pages stacked).

    ``out`` must not exist: it is created exclusively (0600) and never replaced.

    Raises:
        ValueError: The extension is not .pdf, .png or .svg, or there is nothing to plot.
        FileExistsError: ``out`` exists already.
    """
    import matplotlib
    from matplotlib.figure import Figure

    from vagal.report.render import new_file, output_format

    fmt = output_format(out)
    if not history.sessions:
        raise ValueError("there are no sessions to plot")
    drawers: list[Callable[[Any, History], None]] = []
    if "trends" in views and history.days:
        drawers.append(_draw_trends)
    if "helps" in views:
        drawers.append(_draw_helps)
    if "baseline" in views:
        drawers.append(_draw_baseline)
    if not drawers:
        raise ValueError("there are no sessions to plot")
    path = Path(out)
    rc: Any = style.RC  # matplotlib types the keys as a Literal of every rcParam
    n = len(drawers)
    with matplotlib.rc_context(rc), new_file(path) as f:
        if fmt == "pdf":
            from matplotlib.backends.backend_pdf import PdfPages

            with PdfPages(f, metadata={"Title": "vagal history", "Creator": "vagal"}) as pdf:
                for draw in drawers:
                    fig = Figure(figsize=(style.PAGE_W_IN, style.PAGE_H_IN))
                    draw(fig, history)
                    pdf.savefig(fig)
        else:
            fig = Figure(figsize=(style.PAGE_W_IN, n * style.PAGE_H_IN))
            pages: Any = fig.subfigures(n, 1, hspace=0.0) if n > 1 else [fig]
            for page, draw in zip(pages, drawers, strict=True):
                draw(page, history)
            kwargs: dict[str,
                         Any] = {"dpi": style.PNG_DPI,
                                 "pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
            fig.savefig(f, format=fmt, **kwargs)
    return path
