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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from vagal.report import style

if TYPE_CHECKING:
    from vagal.sessions.recording import Recording

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

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        return {
            "folder": self.folder,
            "since": self.since,
            "sessions": [asdict(s) for s in self.sessions],
            "days": [asdict(d) for d in self.days],
            "weeks": [asdict(w) for w in self.weeks],
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "definitions": {
                "minutes": "session length, summed",
                "resting_hr_bpm": "mean HR of the 'baseline'/'rest' segment, else of the first 2 minutes",
                "rmssd_ms": "whole session, after artifact correction",
                "coherence": "mean 64 s coherence peak ratio of the session",
                "averages": "plain mean over the sessions of the day or week that have a value",
            },
        }


def _finite(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _start_of(rec: Recording, path: Path) -> datetime:
    """The recorded start, else the file's modification time."""
    from vagal.report.data import recorded_start

    start = recorded_start(rec.meta)
    return start if start is not None else datetime.fromtimestamp(path.stat().st_mtime).astimezone()


def summarize_session(rec: Recording, path: Path) -> SessionSummary:
    """One session's resting HR, RMSSD, coherence and length, computed by the HRV core."""
    from vagal.hrv import time_domain
    from vagal.hrv.artifacts import correct_artifacts
    from vagal.hrv.coherence import mean_coherence
    from vagal.sessions.segment import segments

    start = _start_of(rec, path)
    minutes = max(rec.duration_s, float(rec.meta.get("session_duration_s", 0.0) or 0.0)) / 60.0
    rmssd = coh = rest = None
    if rec.n_beats >= 2 and rec.duration_s >= MIN_METRIC_S:
        fixed = correct_artifacts(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks)
        nn, t, b = fixed.rr_ms, fixed.t_s, fixed.breaks
        if nn.size >= 2:
            rmssd = _finite(time_domain(nn, breaks=b).rmssd_ms)
            coh, _ = mean_coherence(t, nn, breaks=b)
        baseline = next(
            (s for s in segments(rec) if s.label.strip().lower().startswith(RESTING_LABELS) and s.n_beats >= 2), None
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
    return SessionSummary(
        file=path.name,
        start=start.isoformat(timespec="seconds"),
        day=start.date().isoformat(),
        minutes=minutes,
        resting_hr_bpm=rest,
        rmssd_ms=rmssd,
        coherence=coh,
        label=str(rec.meta.get("label") or ""),
    )


def _mean(values: list[float | None]) -> float | None:
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


def collect_history(folder: Path, *, since: date | None = None) -> History:
    """Read every vagal session in ``folder`` (not recursive) into a :class:`History`.

    Args:
        folder: The sessions folder (``vagal.paths.sessions_dir()``).
        since: Leave out sessions that started before this date.

    Returns:
        The sessions (oldest first), their daily and weekly averages, and the files
        skipped with the reason. A missing or empty folder gives an empty History.
    """
    from vagal.errors import VagalError
    from vagal.sessions.formats import load_recording
    from vagal.sessions.recording import too_few_beats

    summaries: list[SessionSummary] = []
    skipped: list[tuple[str, str]] = []
    files = sorted(folder.glob(SESSION_GLOB)) if folder.is_dir() else []
    for path in files:
        try:
            rec = load_recording(path)
        except VagalError as exc:
            skipped.append((path.name, _without_path(exc, path)))
            continue
        note = _damage_note(rec)
        if rec.n_beats == 0:
            skipped.append((path.name, too_few_beats(rec, "for a trend")))
            continue
        s = summarize_session(rec, path)
        if since is not None and date.fromisoformat(s.day) < since:
            continue
        if note:
            s = replace(s, note=note)
        summaries.append(s)
    summaries.sort(key=lambda s: s.start)
    days, weeks = aggregate(summaries)
    return History(str(folder), since.isoformat() if since else None, summaries, days, weeks, skipped)


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
    where = f"{getattr(exc, 'path', path)}:{line}: " if line is not None else f"{getattr(exc, 'path', path)}: "
    message = message.removeprefix(where)
    return f"line {line}: {message}" if line is not None else message


def _fmt(v: float | None, decimals: int) -> str:
    return "–" if v is None else f"{v:.{decimals}f}"


def format_table(history: History) -> str:
    """The terminal output: per-day and per-week tables, definitions, skipped files."""
    h = history
    out: list[str] = []
    if not h.sessions:
        out.append(empty_message(h))
    else:
        first, last = h.sessions[0].day, h.sessions[-1].day
        n = len(h.sessions)
        out.append(f"{n} session{'s' if n != 1 else ''} in {h.folder}, {first} to {last}")
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
        notes = [s for s in h.sessions if s.note]
        for s in notes:
            out.append(f"Note: {s.file} was {s.note}.")
    if h.skipped:
        k = len(h.skipped)
        out.append("")
        out.append(f"Skipped {k} damaged or unreadable session{'s' if k != 1 else ''}:")
        out += [f"  {f}: {r}" for f, r in h.skipped]
    return "\n".join(out)


def empty_message(history: History) -> str:
    """The kind words for a folder with nothing to show yet."""
    since = f" since {history.since}" if history.since else ""
    return (
        f"No sessions to show{since} yet (looked in {history.folder}). "
        "Sessions recorded with `vagal demo` or `vagal live` appear here; take your time."
    )


def render_history(history: History, out: str | Path) -> Path:
    """Plot the daily trends (resting HR, RMSSD, coherence, minutes) to a PDF, PNG or SVG page.

    Raises:
        ValueError: The extension is not .pdf, .png or .svg, or there is nothing to plot.
    """
    import matplotlib
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DayLocator, date2num
    from matplotlib.figure import Figure

    from vagal.report.render import output_format

    fmt = output_format(out)
    if not history.days:
        raise ValueError("there are no sessions to plot")
    path = Path(out)
    days = date2num([datetime.combine(date.fromisoformat(r.period), datetime.min.time()) for r in history.days])  # type: ignore[no-untyped-call]
    panels = (
        ("Resting heart rate", "bpm", [r.resting_hr_bpm for r in history.days], style.HR, "-", "o"),
        ("RMSSD", "ms", [r.rmssd_ms for r in history.days], style.RMSSD, "-", "s"),
        ("Coherence (peak ratio)", "ratio", [r.coherence for r in history.days], style.COHERENCE, "--", "D"),
    )
    rc: Any = style.RC  # matplotlib types the keys as a Literal of every rcParam
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(style.PAGE_W_IN, style.PAGE_H_IN))
        fig.text(0.06, 0.975, "Your practice over time", fontsize=14, fontweight="bold", va="top")
        first, last = history.days[0].period, history.days[-1].period
        n = len(history.sessions)
        fig.text(
            0.06,
            0.948,
            f"{n} session{'s' if n != 1 else ''}, {first} to {last}  ·  one point per day (mean of that day's sessions)",
            fontsize=8.5,
            color=style.MUTED,
            va="top",
        )
        gs = fig.add_gridspec(4, 1, left=0.1, right=0.95, top=0.9, bottom=0.08, hspace=0.45)
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
        # A tick a day over a short span: left alone, the locator ticks hours (06:00, 12:00)
        # on a plot of daily means.
        loc = DayLocator() if hi - lo <= 12 else AutoDateLocator(minticks=3, maxticks=10)  # type: ignore[no-untyped-call]
        bars.xaxis.set_major_locator(loc)
        bars.xaxis.set_major_formatter(ConciseDateFormatter(loc))  # type: ignore[no-untyped-call]
        bars.set_xlim(lo, hi)
        fig.text(0.06, 0.02, style.HISTORY_FOOTNOTE, fontsize=6.5, color=style.MUTED, va="bottom", wrap=True)
        kwargs: dict[str, Any] = {"dpi": style.PNG_DPI} if fmt == "png" else {}
        fig.savefig(path, format=fmt, **kwargs)
    return path
