"""``vagal analyze --pair A B``: two people's recordings made at the same time, side by side and together.

Design decision: the two files are put on one time line before anything is compared,
and the output says how. Where both files carry the wall-clock time their session
started (vagal sessions, Polar Sensor Logger, OpenHRV, Kubios/Elite HRV exports with
dates, RR lists with Unix times…: ``Recording.meta["start"]``), person B's beats are
shifted by the difference of the two starts. Where either lacks one (a plain RR list),
the two first beats are taken to be at the same moment, and a calm note says that this
is a guess: a few seconds' error there moves the lag, and a minute's error hides any
moving together.

Per person: the one-person ``analyze`` (the same rows, keys and reasons as
``vagal analyze FILE``, :data:`vagal.metrics.ANALYZE`). Together:
:func:`vagal.hrv.synchrony.synchrony_session` on both people's corrected beats
(docs/methods.md §9), always against its null, never as a score of the two of them.
Where both files are vagal sessions with a breathing guide, each person's guide goes
into the null (and into shared coherence).

The ``--json`` object (docs/methods.md §9.7 names every key)::

    {"people": [<one analyze --json object per person, plus "person" and "name">, ...],
     "alignment": {"by": "start_times" | "first_beats", "offset_s": ..., "overlap_s": ..., "guessed": ...},
     "together": {<SynchronyResult.as_dict() keys>, "leader": ..., "words": ...}}
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from vagal.hrv.analysis import HrvResult
    from vagal.hrv.synchrony import GuidePhase, SynchronyResult
    from vagal.sessions.recording import Recording

EXIT_OK: Final = 0
EXIT_ERROR: Final = 2

AlignedBy = Literal["start_times", "first_beats"]

GUESS_NOTE: Final = (
    "note: {why}, so the two were lined up by their first beats. If the recordings did "
    "not start at the same moment, the lag (and what is seen together) will be off."
)


@dataclass(frozen=True)
class Alignment:
    """How person B's recording was put on person A's time line."""

    by: AlignedBy
    """"start_times": both files carry their start; "first_beats": a guess."""
    offset_s: float
    """Added to B's session times to put them on A's, seconds."""
    overlap_s: float
    """How long both have beats at once, seconds (0 when they do not overlap)."""
    why_guessed: str | None = None
    """Why the start times could not be used (None when they were)."""

    def as_dict(self) -> dict[str, Any]:
        """The ``alignment`` object of ``--json``."""
        return {
            "by": self.by,
            "offset_s": round(self.offset_s, 3),
            "overlap_s": round(self.overlap_s, 1),
            "guessed": self.by == "first_beats",
        }


def _start_of(rec: Recording) -> datetime | None:
    start = rec.meta.get("start")
    if not isinstance(start, str):
        return None
    try:
        return datetime.fromisoformat(start)
    except ValueError:
        return None


def _first_beat_start_s(rec: Recording) -> float:
    """Session time at which the first beat's interval starts."""
    return float(rec.t_s[0] - rec.rr_ms[0] / 1000.0)


def align(a: Recording, b: Recording) -> Alignment:
    """Put B on A's time line: by the files' start times where both carry one, else by first beats.

    Args:
        a: Person A's recording (the time line used).
        b: Person B's recording.

    Returns:
        The :class:`Alignment` (B's times + ``offset_s`` are on A's time line).
    """
    sa, sb = _start_of(a), _start_of(b)
    why: str | None = None
    offset: float | None = None
    if sa is None or sb is None:
        missing = [Path(r.path).name for r, s in ((a, sa), (b, sb)) if s is None]
        why = (
            f"{' and '.join(missing)} {'do' if len(missing) > 1 else 'does'} not say when "
            f"{'they' if len(missing) > 1 else 'it'} started"
        )
    elif (sa.tzinfo is None) != (sb.tzinfo is None):
        why = "one file gives its start time with a time zone and the other without"
    else:
        offset = (sb - sa).total_seconds()
    if offset is None:
        offset = _first_beat_start_s(a) - _first_beat_start_s(b)
        by: AlignedBy = "first_beats"
    else:
        by = "start_times"
    lo = max(_first_beat_start_s(a), _first_beat_start_s(b) + offset)
    hi = min(float(a.t_s[-1]), float(b.t_s[-1]) + offset)
    return Alignment(by, offset, max(0.0, hi - lo), why)


def _guide(rec: Recording, offset_s: float) -> GuidePhase | None:
    """The guide a vagal session breathed with, on A's time line (None without one)."""
    if not rec.pacer:
        return None
    from vagal.pacer import pacer_from_events

    pacer = pacer_from_events(rec.pacer)
    if pacer is None:
        return None
    if offset_s == 0.0:
        return pacer.phase_at
    return lambda t_s: pacer.phase_at(t_s - offset_s)


def names_of(paths: tuple[str, str]) -> tuple[str, str]:
    """What to call the two people: their file names (the paths when those are alike)."""
    from vagal.text import printable

    a, b = Path(paths[0]).name, Path(paths[1]).name
    if a == b:
        a, b = paths
    return printable(a, max_chars=40), printable(b, max_chars=40)


def leader_of(result: SynchronyResult, names: tuple[str, str]) -> str | None:
    """Whose heart rhythm leads (None: no clear lag, or under 1 s either way)."""
    lag = result.wcc_lag_s_median
    if lag is None or abs(lag) < 1.0 or not result.above_chance:
        return None
    return names[0] if lag > 0 else names[1]


def together_json(result: SynchronyResult, names: tuple[str, str]) -> dict[str, Any]:
    """The ``together`` object: the synchrony keys, who leads, the calm words, and the reasons."""
    from vagal.hrv.synchrony import describe

    obj: dict[str, Any] = result.as_dict()
    obj["leader"] = leader_of(result, names)
    obj["words"] = describe(result, names)
    obj["reasons"] = dict(result.reasons)
    return obj


_REASON_LABELS: Final = {
    "wcc_peak_r_mean": "mean peak correlation",
    "surrogate_p95": "chance level",
    "wcc_lag_s_median": "median lag",
    "shared_coherence_pct": "both in tune with the guide",
}


def _fmt(v: float | None, fmt: str, unit: str = "") -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:{fmt}}{unit}"


def render_together(result: SynchronyResult, names: tuple[str, str], alignment: Alignment) -> str:
    """The together part of the table: synchrony against chance, the lag, shared coherence."""
    from vagal.hrv.synchrony import describe

    lag = result.wcc_lag_s_median
    if lag is None:
        lag_text = "—"
    elif abs(lag) < 1.0:
        lag_text = f"{lag:+.1f} s (about the same moment)"
    else:
        leader, follower = (names[0], names[1]) if lag > 0 else (names[1], names[0])
        lag_text = f"{lag:+.1f} s ({follower} follows {leader})"
    chance = {True: "yes", False: "no", None: "—"}[result.above_chance]
    rows = [
        ("mean peak correlation (r)", _fmt(result.wcc_peak_r_mean, ".2f")),
        ("chance level (95th percentile of surrogates)", _fmt(result.surrogate_p95, ".2f")),
        ("above chance", chance),
        ("median lag", lag_text),
        ("windows with a clear peak", _fmt(result.wcc_clear_peak_pct, ".0f", " %")),
        ("both in tune with the guide at once", _fmt(result.shared_coherence_pct, ".0f", " % of the time")),
        ("windows / surrogates", f"{result.n_windows} / {result.n_surrogates}"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = ["Together", *(f"  {k:<{width}}  {v}" for k, v in rows), ""]
    lines.append(f"{describe(result, names)}.")
    how = (
        "by the start times both files carry"
        if alignment.by == "start_times"
        else "by their first beats (the files do not both say when they started)"
    )
    lines.append(
        f"Lined up {how}: {names[1]} {alignment.offset_s:+.1f} s; "
        f"{alignment.overlap_s / 60.0:.1f} minutes of both hearts at once."
    )
    for key, label in _REASON_LABELS.items():
        if key in result.reasons:
            lines.append(f"— {label}: {result.reasons[key]}.")
    if result.reason:
        lines.append(f"— {result.reason}.")
    lines.append(
        "Above chance means more together than the guide and chance alone bring; it is "
        "not a score of the two of you. Not a medical device."
    )
    return "\n".join(lines)


def _load(path: str) -> Recording:
    from vagal.errors import InputFileError
    from vagal.sessions.formats import load_recording
    from vagal.sessions.recording import too_few_beats

    rec = load_recording(path)
    if rec.n_beats < 2:
        raise InputFileError(path, too_few_beats(rec, "to analyse"))
    return rec


def analyse_pair(
    paths: tuple[str, str], *, correct: bool = True, psd: str = "welch"
) -> tuple[list[tuple[str, HrvResult]], Alignment, SynchronyResult, list[Recording]]:
    """Both people's one-person results, their alignment and their synchrony.

    Raises:
        VagalError: A file cannot be read or holds fewer than 2 beats.
    """
    from vagal.hrv import analyze_rr
    from vagal.hrv.synchrony import PersonBeats, synchrony_session

    recs = [_load(p) for p in paths]
    results = [
        (p, analyze_rr(r.rr_ms, t_s=r.t_s, breaks=r.breaks, correct=correct, psd=psd))  # type: ignore[arg-type]
        for p, r in zip(paths, recs, strict=True)
    ]
    alignment = align(recs[0], recs[1])
    offsets = (0.0, alignment.offset_s)
    beats = [PersonBeats(res.nn_t_s + off, res.nn_ms, res.nn_breaks)
             for (_, res), off in zip(results, offsets, strict=True)]
    ga, gb = (_guide(r, off) for r, off in zip(recs, offsets, strict=True))
    guide = None if ga is None and gb is None else (ga, gb)
    together = synchrony_session(beats[0], beats[1], guide=guide).whole
    return results, alignment, together, recs


def run(args: argparse.Namespace) -> int:
    """Analyse two people's recordings; returns 0, or 2 when either cannot be analysed."""
    from vagal.commands.analyze import render_table, to_json
    from vagal.errors import VagalError
    from vagal.text import printable

    paths = (str(args.pair[0]), str(args.pair[1]))
    if args.files:
        print("vagal: --pair takes exactly two files (A B); give no other files.", file=sys.stderr)
        return EXIT_ERROR
    psd: str = args.psd or "welch"
    correct = not args.no_correct
    try:
        results, alignment, together, recs = analyse_pair(paths, correct=correct, psd=psd)
    except VagalError as exc:
        # The message quotes the file's name and content: shown with every control escaped.
        print(f"vagal: {printable(str(exc), max_chars=None)}", file=sys.stderr)
        return EXIT_ERROR
    names = names_of(paths)
    for path, rec in zip(paths, recs, strict=True):
        for d in rec.damage:
            print(f"vagal: note: {printable(f'{path}: {d}', max_chars=None)}; analysed what was readable.",
                  file=sys.stderr)
    if alignment.why_guessed is not None:
        note = GUESS_NOTE.format(why=alignment.why_guessed)
        print(f"vagal: {printable(note, max_chars=None)}", file=sys.stderr)
    if args.json:
        people = []
        for i, ((path, res), name) in enumerate(zip(results, names, strict=True)):
            people.append({"person": i, "name": name, **to_json(path, res)})
        out = {"people": people, "alignment": alignment.as_dict(), "together": together_json(together, names)}
        print(json.dumps(out, indent=2))
    else:
        print(render_table(results, psd=psd, corrected=correct))
        print()
        print(render_together(together, names, alignment))
    return EXIT_OK


# --- one session file of two people -----------------------------------------------------------


def analyse_pair_file(
    path: str, *, correct: bool = True, psd: str = "welch"
) -> tuple[list[tuple[str, HrvResult]], Any, tuple[str, str], tuple[str | None, str | None]]:
    """Both people of one two-person session: each one's analysis, and together (whole
    session and per part between markers, each person's own guide in the null).

    Returns:
        ``(results, session_synchrony, names, roles)``.

    Raises:
        VagalError: The file cannot be read, or a person has fewer than 2 beats.
    """
    from vagal.commands.pair_session import marker_segments
    from vagal.commands.replay_pair import load_pair_file
    from vagal.errors import InputFileError
    from vagal.events import Marker
    from vagal.hrv import analyze_rr
    from vagal.hrv.synchrony import PersonBeats, synchrony_session
    from vagal.sessions.reader import people_from_events, read_events
    from vagal.sessions.recording import too_few_beats

    read = read_events(path)  # once: the people, their guides and each one's recording
    pair = load_pair_file(Path(path), read)
    recs = people_from_events(path, *read)
    for i, rec in enumerate(recs):
        if rec.n_beats < 2:
            raise InputFileError(path, f"{pair.names[i]}: {too_few_beats(rec, 'to analyse')}")
    results = [
        (f"{path} ({pair.names[i]})",
         analyze_rr(r.rr_ms, t_s=r.t_s, breaks=r.breaks, correct=correct, psd=psd))  # type: ignore[arg-type]
        for i, r in enumerate(recs)
    ]
    beats = [PersonBeats(res.nn_t_s, res.nn_ms, res.nn_breaks) for _, res in results]
    pa, pb = pair.pacers
    guide: Any = None
    if pa is not None or pb is not None:
        guide = pa.phase_at if pa is pb and pa is not None else (
            pa.phase_at if pa is not None else None,
            pb.phase_at if pb is not None else None,
        )
    markers = [(e.t_s, e.label) for _, e in pair.items if isinstance(e, Marker)]
    # The parts run from the session's first event to its last, as in a replay of the file.
    t0 = min(e.t_s for _, e in pair.items)
    t1 = max(e.t_s for _, e in pair.items)
    session = synchrony_session(beats[0], beats[1], guide=guide, segments=marker_segments(markers, t0, t1))
    return results, session, pair.names, pair.roles


def run_file(args: argparse.Namespace, path: str) -> int:
    """``vagal analyze PAIRFILE``: each person side by side, then together; returns the exit status."""
    from vagal.commands.analyze import render_table, to_json
    from vagal.commands.pair_session import segments_json
    from vagal.errors import VagalError
    from vagal.text import printable

    psd: str = args.psd or "welch"
    correct = not args.no_correct
    try:
        results, session, names, roles = analyse_pair_file(path, correct=correct, psd=psd)
    except VagalError as exc:
        print(f"vagal: {printable(str(exc), max_chars=None)}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        people = [
            {"person": i, "name": names[i], "role": roles[i], **to_json(path, res)}
            for i, (_, res) in enumerate(results)
        ]
        together = together_json(session.whole, names)
        together["segments"] = segments_json(session, names)
        print(json.dumps({"file": path, "people": people, "together": together}, indent=2, allow_nan=False))
        return EXIT_OK
    table = [(names[i], res) for i, (_, res) in enumerate(results)]
    print(render_table(table, psd=psd, corrected=correct))
    print()
    same = Alignment("start_times", 0.0, max(0.0, session.whole.t_end_s - session.whole.t_start_s))
    text = render_together(session.whole, names, same)
    # One file holds both: no lining up to report.
    print("\n".join(line for line in text.splitlines() if not line.startswith("Lined up")))
    for seg in session.segments:
        from vagal.clock import clock_text
        from vagal.hrv.synchrony import describe

        print(f"  {clock_text(seg.start_s)}-{clock_text(seg.end_s)} {printable(seg.label, max_chars=40)}: "
              f"{describe(seg.result, names)}")
    return EXIT_OK
