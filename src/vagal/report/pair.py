"""What the report of a two-person session shows, computed without matplotlib.

Design decision: a session of two (format 2, docs/session-format.md) is read once and split
by person (``read_people(path)``, the same as ``read_session(path, person=i)`` for each),
and each person gets exactly the one-person report's numbers
(:func:`vagal.report.data.build_report_data`), so nothing mixes two hearts and each
appendix is the one-person appendix. What only two people have, the
together view, is :func:`vagal.hrv.synchrony.synchrony_session` on both people's
artifact-corrected beats (``analyze_rr(..., correct=True)``'s NN beats), with each person's guide in
the null, over the whole session and over each marked part: the same call, on the same
beats, as ``vagal analyze --pair`` makes, so the two give the same numbers. It is always
said against chance and never as a score of the two people.

A guide is read per person where the file says whose it is (a ``person`` on the
``PacerChanged`` events, read with ``getattr`` so files without it work); otherwise both
followed the session's one guide.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from vagal.report.data import (
    MarkerSeen,
    ReportData,
    build_report_data,
    format_duration,
    recorded_start,
    with_notes,
)
from vagal.text import printable

if TYPE_CHECKING:
    from vagal.events import Marker, PacerChanged
    from vagal.hrv.synchrony import SynchronyResult
    from vagal.sessions.recording import Recording

NAME_CHARS: Final = 200
"""A name from the file is shown up to this many characters (wrapped where it is long)."""
SHORT_NAME_CHARS: Final = 40
"""In the chart's legend and in sentences a name is cut to this many (``--names`` allows 40)."""
DEFAULT_NAMES: Final = ("A", "B")
"""What the two are called when the file names nobody."""


@dataclass(frozen=True)
class PairPerson:
    """One of the two: who they are and their one-person report data."""

    index: int
    """0: person A, 1: person B."""
    name: str
    """As the file names them (printable, up to :data:`NAME_CHARS`)."""
    short: str
    """The name cut to :data:`SHORT_NAME_CHARS` (legend, sentences)."""
    role: str
    """"parent", "child", … ("" when not given)."""
    data: ReportData
    """Their one-person report data (start and end, traces, the appendix)."""

    @property
    def heading(self) -> str:
        """The name with the role: "Sam (parent)"."""
        return f"{self.name} ({self.role})" if self.role else self.name


@dataclass(frozen=True)
class PartTogether:
    """The together view of one marked part of the session."""

    number: int
    """From 1, in time order."""
    label: str
    """The marker's label (printable) or "start"."""
    feeling: str
    start_s: float
    end_s: float
    result: SynchronyResult
    words: str
    """:func:`vagal.hrv.synchrony.describe` of the part."""


@dataclass(frozen=True)
class PairReportData:
    """Everything the report of a session for two shows (the renderer lays it out)."""

    title: str
    subtitle: str
    label: str
    """The session's label in full (printable), "" when none."""
    started: datetime | None
    duration_s: float
    source: str
    people: tuple[PairPerson, PairPerson]
    same_guide: bool
    """Both followed one guide (or neither had one)."""
    guided: bool
    """At least one of them had a breathing guide."""
    markers: list[MarkerSeen]
    together: SynchronyResult
    """The whole session, against chance."""
    words: str
    """:func:`vagal.hrv.synchrony.describe` of the whole session."""
    parts: list[PartTogether] = field(default_factory=list)
    """Per marked part (empty without markers)."""

    @property
    def names(self) -> tuple[str, str]:
        """The two short names (A's, B's)."""
        return self.people[0].short, self.people[1].short


def is_pair(recording: Recording) -> bool:
    """Whether a recording comes from a session of two (its header lists two people)."""
    people = recording.meta.get("people")
    return recording.format == "vagal" and isinstance(people, list) and len(people) >= 2


def _people_meta(meta: dict[str, Any]) -> list[dict[str, Any]]:
    people = meta.get("people")
    return [p if isinstance(p, dict) else {} for p in people] if isinstance(people, list) else []


def person_guide(recs: list[Recording], person: int) -> tuple[PacerChanged, ...]:
    """Person ``person``'s guide events: theirs where the events say whose (``person``), else the
    session's one guide (events without a ``person``, or person A's when only A's are marked)."""
    def whose(event: PacerChanged, who: int) -> bool:
        mark = getattr(event, "person", None)  # None: the session's one guide, for both
        return mark is None or mark == who

    own = tuple(e for e in recs[person].pacer if whose(e, person))
    if own or person == 0:
        return own
    return tuple(e for e in recs[0].pacer if whose(e, 0))


def _guide_key(events: tuple[PacerChanged, ...]) -> tuple[tuple[Any, ...], ...]:
    return tuple((e.t_s, e.preset, e.inhale_s, e.hold_in_s, e.exhale_s, e.hold_out_s,
                  e.ramp_from_per_min, e.ramp_s) for e in events)


def _names(meta: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    people = _people_meta(meta)
    for i in range(2):
        p = people[i] if i < len(people) else {}
        raw = str(p.get("name") or "").strip() or DEFAULT_NAMES[i]
        role = printable(str(p.get("role") or "").strip(), max_chars=SHORT_NAME_CHARS)
        out.append((printable(raw, max_chars=NAME_CHARS), printable(raw, max_chars=SHORT_NAME_CHARS), role))
    if out[0][1] == out[1][1]:  # two people of one name: say which is which
        out = [(n, f"{s} ({DEFAULT_NAMES[i]})", r) for i, (n, s, r) in enumerate(out)]
    return out


def _synchrony_guide(events: tuple[PacerChanged, ...]) -> Any:
    from vagal.pacer import pacer_from_events

    if not events:
        return None
    pacer = pacer_from_events(list(events))
    return None if pacer is None else pacer.phase_at


def build_pair_report_data(path: str | Path) -> PairReportData:
    """Compute everything the report of a session for two shows.

    Args:
        path: A format-2 vagal session (``vagal demo --pair --record …``).

    Returns:
        A :class:`PairReportData`: per person the one-person :class:`ReportData`, and the
        together view of the whole session and of each marked part.

    Raises:
        InputFileError: Either person holds no plausible beats.
    """
    from vagal.hrv.artifacts import correct_artifacts
    from vagal.hrv.synchrony import PersonBeats, describe, synchrony_session
    from vagal.sessions.reader import read_people
    from vagal.sessions.segment import segments

    raw = list(read_people(path))
    guides = [person_guide(raw, i) for i in (0, 1)]
    recs = [with_notes(replace(r, pacer=g)) for r, g in zip(raw, guides, strict=True)]
    named = _names(recs[0].meta)
    start = recorded_start(recs[0].meta)
    label = printable(str(recs[0].meta.get("label") or "").strip())
    duration_s = max(max(r.duration_s, float(r.meta.get("session_duration_s", 0.0) or 0.0)) for r in recs)

    people = []
    for i, rec in enumerate(recs):
        name, short, role = named[i]
        data = build_report_data(rec)
        who = f"{short} ({role})" if role else short
        # The appendix pages keep the one-person layout; their subtitle says whose they are.
        data = replace(data, subtitle=f"{who}  ·  {data.subtitle}", duration_s=duration_s)
        people.append(PairPerson(i, name, short, role, data))
    pair = (people[0], people[1])
    names = (pair[0].short, pair[1].short)

    beats = []
    for rec in recs:
        # The NN beats ``analyze_rr(..., correct=True)`` analyses (its ``nn_*``), which is what
        # ``analyze --pair`` compares: the correction alone, without the rest of the analysis.
        fixed = correct_artifacts(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks)
        beats.append(PersonBeats(fixed.t_s, fixed.rr_ms, fixed.breaks))
    ga, gb = (_synchrony_guide(g) for g in guides)
    guide = None if ga is None and gb is None else (ga, gb)
    marks = sorted(recs[0].markers, key=lambda m: m.t_s)
    segs = segments(recs[0]) if marks else []
    session = synchrony_session(beats[0], beats[1], guide=guide,
                                segments=[(s.label, s.start_s, s.end_s) for s in segs])
    seen = [_seen(m) for m in marks]
    parts = []
    for k, part in enumerate(session.segments, start=1):
        feeling = next((m.feeling for m in seen if abs(m.t_s - part.start_s) < 1e-6), "")
        parts.append(PartTogether(k, printable(part.label), feeling, part.start_s, part.end_s, part.result,
                                  describe(part.result, names)))

    when = f"{start:%A %d %B %Y, %H:%M}" if start else printable(Path(path).name)
    title = "Your session together"
    subtitle = f"{when}  ·  {format_duration(duration_s)}  ·  {pair[0].short} and {pair[1].short}"
    return PairReportData(
        title=title,
        subtitle=subtitle,
        label=label,
        started=start,
        duration_s=duration_s,
        source=str(recs[0].meta.get("source") or ""),
        people=pair,
        same_guide=_guide_key(guides[0]) == _guide_key(guides[1]),
        guided=any(p.data.pacer for p in pair),
        markers=seen,
        together=session.whole,
        words=describe(session.whole, names),
        parts=parts,
    )


def _seen(m: Marker) -> MarkerSeen:
    feeling = getattr(m, "feeling", "")
    return MarkerSeen(m.t_s, printable(m.label.strip()),
                      printable(feeling.strip()) if isinstance(feeling, str) else "")


# --- words -----------------------------------------------------------------------------------


def _lag_follow(result: SynchronyResult, names: tuple[str, str]) -> str | None:
    """"Alex's heart rhythm tended to follow Sam's by about 4 s" (None: not above chance, no lag)."""
    lag = result.wcc_lag_s_median
    if not result.above_chance or lag is None:
        return None
    if abs(lag) < 1.0:
        return "When they moved together, the two hearts moved at about the same moment"
    leader, follower = (names[0], names[1]) if lag > 0 else (names[1], names[0])
    return (f"When they moved together, {follower}'s heart rhythm tended to follow {leader}'s by about "
            f"{abs(lag):.0f} s")


def chance_note(data: PairReportData) -> str:
    """What "chance" means on this page, in one or two sentences (what the guide does to it)."""
    a, b = data.names
    if data.guided and data.same_guide:
        why = ("You both followed the same breathing guide, so your heart rates rose and fell with the same "
               "breaths: you look in step by construction.")
        pairs = f"{b}'s heart rate from other moments at the same point of the guide's breath"
    elif data.guided:
        why = ("Each of you followed a breathing guide, so each heart rate rose and fell with its own "
               "guide's breaths, and some of that looks in step by construction.")
        pairs = f"{b}'s heart rate from other moments at the same point of {b}'s guide"
    else:
        why = "Two hearts drift up and down on their own, and some of that looks in step by chance alone."
        pairs = f"{b}'s heart rate from other moments of the session"
    return (f"What \u201cchance\u201d means here: {why} vagal therefore compares you with shuffled pairs "
            f"({pairs}, set beside {a}'s); above chance means more together than that.")


def together_lines(data: PairReportData) -> list[tuple[str, str]]:
    """The together page's sentences: (the finding, a calm sentence under it), in order."""
    r = data.together
    a, b = data.names
    out: list[tuple[str, str]] = []
    if r.above_chance is None:
        why = r.reason or "not enough beats of both at once"
        out.append((f"How your heart rhythms moved together could not be measured: {why}.", ""))
    elif r.above_chance:
        out.append(("Over the session, your two heart rhythms moved together more than chance brings.",
                    "Their rise and fall matched beyond what the guide and chance alone give."))
    else:
        out.append(("Over the session, your two heart rhythms moved together no more than chance brings.",
                    ("That is common and says nothing about the two of you: each heart keeps its own "
                     "rhythm, and moving together comes and goes.")))
    follow = _lag_follow(r, data.names)
    if follow is not None:
        out.append((follow + ".", "This is only timing: one heart answering the other a moment later."))
    if r.shared_coherence_pct is not None:
        alone = []
        if r.in_tune_pct_a is not None:
            alone.append(f"{a} {r.in_tune_pct_a:.0f} %")
        if r.in_tune_pct_b is not None:
            alone.append(f"{b} {r.in_tune_pct_b:.0f} %")
        pct = r.shared_coherence_pct
        both = f"Both of you were in tune with the guide at once for {pct:.0f} % of the session."
        each = ("Each on their own: " + ", ".join(alone) + ". In tune means most of the heart's slow swing "
                "sat at the guide's pace.") if alone else ""
        out.append((both, each))
    return out


def numbers_line(result: SynchronyResult) -> str:
    """The figures behind the words, for the curious (never shown without the chance level)."""
    if result.wcc_peak_r_mean is None or result.surrogate_p95 is None:
        return ""
    parts = [(f"How closely the two rose and fell: {result.wcc_peak_r_mean:.2f} (peak correlation, up to 1); "
              f"shuffled pairs reach up to {result.surrogate_p95:.2f}")]
    if result.wcc_clear_peak_pct is not None:
        clear = result.wcc_clear_peak_pct
        parts.append(f"{result.n_windows} windows of 30 s, {clear:.0f} % with a clear peak")
    parts.append(f"{result.n_surrogates} shuffled pairs")
    return "; ".join(parts) + "."


def part_lag_text(result: SynchronyResult, names: tuple[str, str]) -> str:
    """A part's lag for the table: "Alex follows by 4 s", "same moment", or "—"."""
    lag = result.wcc_lag_s_median
    if not result.above_chance or lag is None:
        return "\u2014"
    if abs(lag) < 1.0:
        return "same moment"
    follower = names[1] if lag > 0 else names[0]
    return f"{follower} follows by {abs(lag):.0f} s"
