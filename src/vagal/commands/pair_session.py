"""Two people in one session: ``vagal demo --pair`` (headless), one engine per person.

Design decision: nothing below the session changes for two people. Each person's strap
is its own :class:`~vagal.sources.base.BeatSource` and each person has their own
:class:`~vagal.engine.core.Engine`, exactly as a one-person session has; this module only
merges the two event streams in time order, says whose each event is (``person`` on the
person-bound event types, :mod:`vagal.events`), records both in one session file (format
2, docs/session-format.md) and adds what only two people have: the together view,
:mod:`vagal.hrv.synchrony` against chance (docs/methods.md §9). Live, every 5 s of session
time once both hearts cover two minutes (``synchrony_live``, about 3-4 ms each); at the
end, over the whole session (``synchrony_session``), which is the figure to quote.

The summary (``--json``) is ``{"people": [...], "together": {...}, ...}``: each person's
object holds the one-person headless summary keys (``vagal demo --headless --json``),
plus ``person``, ``name``, ``role`` and ``device``; ``together`` holds the
:meth:`~vagal.hrv.synchrony.SynchronyResult.as_dict` keys plus ``leader``, ``words``,
``reasons`` and ``live`` (the last live result). docs/methods.md §9.9-§9.10 names them.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import random
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, TextIO

from vagal.engine.pair import GuideSpec, PairBeats, PairState, is_person_bound, marker_segments, new_state
from vagal.errors import VagalError

if TYPE_CHECKING:
    from vagal.events import Event
    from vagal.hrv.synchrony import SessionSynchrony
    from vagal.options import SessionOptions
    from vagal.pacer import Pacer
    from vagal.sessions.writer import Recorder
    from vagal.sources.base import BeatSource

ROLES: Final = ("partner", "parent", "child", "therapist", "client")
"""The roles a person can have in a shared session (``--roles``)."""
__all__ = [
    "GuideSpec", "PairBeats", "PairState", "marker_segments", "merged", "new_state", "pair_summary", "tag",
]
DEFAULT_NAMES: Final = ("A", "B")
"""What the two people are called when ``--names`` is not given."""
MAX_NAME_CHARS: Final = 40
"""A name longer than this is cut (it is shown on one line beside the other)."""


def parse_names(text: str | None) -> tuple[str, str]:
    """``--names "Sam,Alex"`` as two names (A's, B's).

    Raises:
        VagalError: Not two non-empty names separated by a comma.
    """
    if text is None:
        return DEFAULT_NAMES
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        from vagal.text import printable

        raise VagalError(
            "--names takes two names separated by a comma (e.g. \"Sam,Alex\"), got "
            f"{printable(text, max_chars=60)!r}."
        )
    from vagal.text import printable

    # Names are outside text: shown literally (no terminal escapes), on one line each.
    return printable(parts[0], max_chars=MAX_NAME_CHARS), printable(parts[1], max_chars=MAX_NAME_CHARS)


def parse_roles(text: str | None) -> tuple[str | None, str | None]:
    """``--roles parent,child`` as two roles (A's, B's); None when not given.

    Raises:
        VagalError: Not two roles of :data:`ROLES` separated by a comma.
    """
    if text is None:
        return None, None
    parts = [p.strip().lower() for p in text.split(",")]
    if len(parts) != 2 or any(p not in ROLES for p in parts):
        from vagal.text import printable

        raise VagalError(
            f"--roles takes two of {', '.join(ROLES)} separated by a comma (e.g. parent,child), "
            f"got {printable(text, max_chars=60)!r}."
        )
    return parts[0], parts[1]


def _is_person_bound(event: Event) -> bool:
    return is_person_bound(event)


def tag(event: Event, person: int) -> Event:
    """The event as person ``person``'s (unchanged for person 0 and for the session's own events)."""
    if person == 0 or not _is_person_bound(event):
        return event
    return dataclasses.replace(event, person=person)  # type: ignore[arg-type]


async def merged(sources: Sequence[BeatSource]) -> AsyncIterator[tuple[int, Event]]:
    """Each source's events, tagged with its person, merged in time order (A first at equal times).

    The sources must already be entered. Each is read one event ahead, so on a real clock
    an event waits at most for the other strap's next one (about a second).
    """
    its = [s.__aiter__() for s in sources]

    async def next_of(i: int) -> Event | None:
        try:
            return await its[i].__anext__()
        except StopAsyncIteration:
            return None

    pending = [await next_of(i) for i in range(len(its))]
    while any(p is not None for p in pending):
        i = min(
            (k for k, p in enumerate(pending) if p is not None),
            key=lambda k: (pending[k].t_s, k),  # type: ignore[union-attr]
        )
        ev = pending[i]
        assert ev is not None
        yield i, tag(ev, i)
        pending[i] = await next_of(i)


def segments_json(session: SessionSynchrony, names: tuple[str, str]) -> list[dict[str, Any]]:
    """``together.segments``: each part between markers, with the together keys of its own."""
    from vagal.commands.analyze_pair import together_json

    return [
        {
            "label": seg.label,
            "start_s": round(seg.start_s, 1),
            "end_s": round(seg.end_s, 1),
            **together_json(seg.result, names),
        }
        for seg in session.segments
    ]


def pair_pacers(
    args: argparse.Namespace, opts: SessionOptions, roles: tuple[str | None, str | None]
) -> tuple[Pacer, Pacer]:
    """Each person's guide for ``--pace``, ``--ramp-from`` and ``--roles``.

    ``--pace 6,8`` gives each person their own guide (A's, B's); one pace is one guide for
    both (the same pacer twice). Without ``--pace``, a child (``--roles``) gets the child's
    guide (:data:`vagal.pacer.CHILD_PACE_PER_MIN`) and the other the default, each their own.

    Raises:
        VagalError: A bad pace.
    """
    from vagal.commands.session_runner import make_pacer
    from vagal.pacer import CHILD_PACE_PER_MIN, PaceError, split_pair_pace
    from vagal.sessions.own_pace import resolve_pace

    raw = getattr(args, "pace", None)
    given = raw is not None  # demo and live: None when no --pace was typed
    specs: tuple[str, str] | None
    try:
        specs = split_pair_pace(raw) if given and raw is not None else None
    except PaceError as exc:
        raise VagalError(f"--pace: {exc}.") from None
    if specs is None and not given and "child" in roles:
        specs = tuple(  # type: ignore[assignment]
            f"{CHILD_PACE_PER_MIN:g}" if r == "child" else (opts.pace or "resonance") for r in roles
        )
    if specs is None:
        one = make_pacer(opts)
        return one, one
    out = []
    for person, spec in enumerate(specs):
        one = make_pacer(dataclasses.replace(opts, pace=resolve_pace(spec)))
        out.append(_owned(one, person))
    return out[0], out[1]


def _owned(pacer: Pacer, person: int) -> Pacer:
    """The same guide, as ``person``'s own (its events say whose)."""
    from vagal.pacer import Pacer

    first = pacer.start_event()
    return Pacer(
        pacer.pattern,
        start_s=pacer.start_s,
        ramp_from_per_min=first.ramp_from_per_min,
        ramp_s=first.ramp_s if first.ramp_from_per_min is not None else 0.0,
        person=person,
    )


def people_header(
    names: tuple[str,
                 str], roles: tuple[str | None, str | None], devices: tuple[dict[str, Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    """The header's ``people``: name, role (when given) and device of each person."""
    out: list[dict[str, Any]] = []
    for name, role, device in zip(names, roles, devices, strict=True):
        person: dict[str, Any] = {"name": name}
        if role is not None:
            person["role"] = role
        person["device"] = device
        out.append(person)
    return out


def pair_summary(
    state: PairState,
    *,
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    devices: tuple[str, str],
    recorder: Recorder | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The end-of-session summary for two: ``people`` and ``together`` (what ``--json`` prints)."""
    from vagal.commands.analyze_pair import together_json
    from vagal.commands.session_runner import session_summary

    out: dict[str, Any] = {
        "source": "demo",
        "duration_s": max(0.0, state.t_s - (state.first_t_s or 0.0)),
        **(extra or {}),
    }
    people = []
    for i, engine in enumerate(state.engines):
        one = session_summary(engine, state.first_t_s, mode="demo", recorder=None, events=state.kept[i])
        for key in ("source", "recording", "seed"):
            one.pop(key, None)
        people.append({"person": i, "name": names[i], "role": roles[i], "device": devices[i], **one})
    for i, pacer in enumerate(state.pacers):
        people[i]["guide_rate_per_min"] = (
            round(pacer.start_event().rate_per_min, 2) if pacer is not None else None
        )
    out["people"] = people
    out["shared_guide"] = state.shared_guide
    session = state.together_session()
    result = session.whole
    together = together_json(result, names)
    together["segments"] = segments_json(session, names)
    together["live"] = (
        {**state.live_result.as_dict(), "t_s": round(state.live_result.t_end_s, 1)}
        if state.live_result is not None
        else None
    )
    together["live_updates"] = state.live_updates
    out["together"] = together
    out["recording"] = str(recorder.path) if recorder is not None else None
    return out


def format_pair_summary(s: dict[str, Any]) -> str:
    """The summary for two as a few plain lines, calm, never a score of the two of them."""
    from vagal.clock import clock_text

    lines = [f"Session for two: {clock_text(s['duration_s'])} ({s['source']})"]
    for p in s["people"]:
        role = f" ({p['role']})" if p.get("role") else ""
        hr = p.get("mean_hr_bpm")
        rmssd = p.get("rmssd_ms")
        coh = p.get("coherence", p.get("coherence_mean"))  # the session's coherence (peak ratio)
        bits = [
            f"{p['n_beats']:,} beats",
            f"heart {hr:.0f} bpm on average" if hr else "heart: none yet",
            f"RMSSD {rmssd:.0f} ms" if rmssd else "RMSSD: none yet",
        ]
        if coh is not None:
            bits.append(f"coherence {coh:.1f} on average")
        lines.append(f"  {p['name']}{role}: " + ", ".join(bits))
    t = s["together"]
    lines.append(f"Together: {t['words']}.")
    if t["wcc_peak_r_mean"] is not None and t["surrogate_p95"] is not None:
        chance = "above" if t["above_chance"] else "not above"
        lines.append(
            f"  mean peak correlation {t['wcc_peak_r_mean']:.2f}, {chance} the chance level of "
            f"{t['surrogate_p95']:.2f} (the guide's own rhythm included)"
        )
    if t["shared_coherence_pct"] is not None:
        lines.append(f"  both in tune with the guide at once {t['shared_coherence_pct']:.0f} % of the time")
    if t.get("reason"):
        lines.append(f"  {t['reason']}")
    lines.append("  This shows how two heart rhythms moved; it is not a score of the two of you.")
    from vagal.text import printable

    lines.append(f"Saved to {printable(s['recording'], max_chars=None)}" if s["recording"] else "Not "
                                                                                                "recorded.")
    return "\n".join(lines)


async def run_pair_sources(
    sources: tuple[BeatSource, BeatSource],
    state: PairState,
    *,
    recorder: Recorder | None = None,
    until_s: float | None = None,
    progress: TextIO | None = None,
    progress_every_s: float = 60.0,
    names: tuple[str, str] = DEFAULT_NAMES,
    merge: Callable[[Sequence[BeatSource]], AsyncIterator[tuple[int, Event]]] = merged,
) -> None:
    """Fold both people's events into ``state`` (and the recorder) until the sources end.

    The guide's start is folded into both engines and recorded first. The sources are
    entered one after the other (two straps connect one at a time). SIGINT/SIGTERM end
    the run cleanly (both sources closed; their last events still folded and written).

    ``merge`` turns the entered sources into ``(person, event)`` pairs, events tagged:
    :func:`merged` (time order, for sources on one virtual clock) by default;
    ``vagal.commands.live_pair.arrival_merged`` for two real straps.
    """
    import contextlib

    from vagal.hrv.synchrony import describe

    for start in state.start_events():
        state.push(0, start)
        if recorder is not None:
            recorder.write(start)
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for s in sources:
            asyncio.ensure_future(s.close())

    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    next_progress: float | None = None
    stopping = False
    try:
        async with contextlib.AsyncExitStack() as stack:
            for s in sources:
                await stack.enter_async_context(s)
            async for person, event in merge(sources):
                state.push(person, event)
                if recorder is not None:
                    recorder.write(event)
                t = event.t_s
                if until_s is not None and not stopping and t >= (state.first_t_s or 0.0) + until_s:
                    stopping = True
                    stop()
                if progress is not None:
                    if next_progress is None:
                        next_progress = t + progress_every_s
                    elif t >= next_progress:
                        next_progress += progress_every_s * (
                            math.floor((t - next_progress) / progress_every_s) + 1
                        )
                        print(_progress_line(state, names, describe), file=progress, flush=True)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _progress_line(state: PairState, names: tuple[str, str], describe: Any) -> str:
    from vagal.clock import clock_text

    parts = []
    for name, engine in zip(names, state.engines, strict=True):
        snap = engine.snapshot
        if snap.source_state == "disconnected":  # let go (a strap lost for good)
            parts.append(f"{name}: no strap")
            continue
        if snap.gap_started_s is not None:
            parts.append(f"{name}: waiting for the strap")
            continue
        hr = snap.hr_smoothed_bpm if snap.hr_smoothed_bpm.valid else snap.hr_bpm
        parts.append(f"{name} heart {hr.value:.0f} bpm" if hr.value is not None else f"{name}: waiting for "
                                                                                     "beats")
    if state.live_result is not None:
        parts.append(f"together: {describe(state.live_result, names)}")
    return f"{clock_text(state.t_s - (state.first_t_s or 0.0)):>7}  " + " · ".join(parts)


def simulate_pair_session(
    *,
    seed: int,
    coupling: float,
    duration_s: float,
    pacer: Pacer | tuple[Pacer | None, Pacer | None] | None,
    names: tuple[str, str] = DEFAULT_NAMES,
    roles: tuple[str | None, str | None] = (None, None),
    recorder: Recorder | None = None,
    live: bool = True,
    progress: TextIO | None = None,
    artifacts: bool = False,
) -> dict[str, Any]:
    """A simulated pair (:class:`~vagal.sources.simulated.SimulatedPair`) on a virtual clock,
    through the straps' bytes, the decoders and one engine each, to the summary for two.

    The library form of ``vagal demo --pair --headless --speed max`` (the tests count
    seeds with it).

    Args:
        seed: The pair's seed.
        coupling: How strongly B follows A, 0..1.
        duration_s: Session seconds.
        pacer: The guide both follow, or each person's own ``(A's, B's)`` (their
            simulated breathing follows it too).
        names: What to call A and B.
        roles: Their roles (None: not given).
        recorder: Where to record (None: not recorded).
        live: Recompute the live together view every 5 s.
        progress: Where progress lines go (None: nowhere).
        artifacts: Let the straps produce typical artifacts and drop-outs.

    Returns:
        The summary (see :func:`pair_summary`).
    """
    from vagal.clock import VirtualClock
    from vagal.sources.simulated import PAIR_DEVICE_NAMES, SimArtifacts, SimulatedPair

    state = new_state(pacer, live=live)
    pair = SimulatedPair(
        seed=seed,
        breathing=_breathing(state),
        coupling=coupling,
        artifacts=SimArtifacts.typical() if artifacts else None,
    )
    sources = pair.sources(clock=VirtualClock(), duration_s=duration_s)
    asyncio.run(run_pair_sources(sources, state, recorder=recorder, progress=progress, names=names))
    return pair_summary(
        state,
        names=names,
        roles=roles,
        devices=PAIR_DEVICE_NAMES,
        recorder=recorder,
        extra={"seed": seed, "coupling": coupling, "simulated_lag_s": pair.lag_s},
    )


def _breathing(state: PairState) -> Any:
    """The simulated people's breathing: the shared guide's, or each their own guide's."""
    a, b = state.pacers
    if a is b:
        return a.volume_at if a is not None else None
    return (a.volume_at if a is not None else None, b.volume_at if b is not None else None)


def _coupling(value: float | None) -> float:
    c = 0.0 if value is None else float(value)
    if not (math.isfinite(c) and 0.0 <= c <= 1.0):
        raise VagalError(f"--coupling must be between 0 and 1, got {c:g}.")
    return c


def pair_session_options(args: argparse.Namespace, mode: str, **specific: Any) -> SessionOptions:
    """:func:`~vagal.commands.session_runner.session_options` for two: a ``--pace`` for each
    person (``6,8``) is read by :func:`pair_pacers`, not here (the options keep the first).

    Raises:
        VagalError: As ``session_options``.
    """
    from vagal.commands.session_runner import session_options

    one = argparse.Namespace(**vars(args))
    raw = getattr(args, "pace", None)
    if isinstance(raw, str) and "," in raw:
        one.pace = raw.split(",", 1)[0].strip() or "resonance"
    return session_options(one, mode, people=2, **specific)  # type: ignore[arg-type]


def run_demo_pair(args: argparse.Namespace) -> int:
    """``vagal demo --pair``: two simulated people, on the dashboard for two or headless;
    returns the exit status.

    Raises:
        VagalError: A bad option, a headless run without ``--duration``, or the recording
            cannot be created.
    """
    from vagal.commands.session_runner import check_duration, recording_options
    from vagal.sources.simulated import PAIR_DEVICE_NAMES

    check_duration(args)
    coupling = _coupling(getattr(args, "coupling", None))
    names = parse_names(getattr(args, "names", None))
    roles = parse_roles(getattr(args, "roles", None))
    if args.duration is None and args.headless:
        raise VagalError("a demo for two needs an end.", hint="Add --duration SECONDS.")
    if not args.headless and math.isinf(args.speed):
        raise VagalError("the dashboard for two runs in real time or faster, not at --speed max.",
                         hint="Add --headless, or give a speed such as 4.")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    opts = pair_session_options(
        args, "demo", speed=args.speed, duration_s=args.duration, seed=seed,
        checkin=not getattr(args, "no_checkin", False), **recording_options(args),
    )
    pacers = pair_pacers(args, opts, roles)
    recorder: Recorder | None = None
    if opts.recording:
        from vagal.sessions.writer import open_recorder

        devices = tuple({"kind": "simulator", "name": n} for n in PAIR_DEVICE_NAMES)
        recorder = open_recorder(
            opts,
            source="demo",
            # The header's guide is the shared one, or A's own (its person says so).
            pacer=pacers[0].start_event(),
            seed=seed,
            coupling=coupling,
            people=people_header(names, roles, devices),  # type: ignore[arg-type]
        )
    if not args.headless:
        return _dashboard(args, opts, seed, coupling, pacers, names, roles, recorder)
    try:
        if math.isinf(args.speed):
            summary = simulate_pair_session(
                seed=seed,
                coupling=coupling,
                duration_s=args.duration,
                pacer=pacers,
                names=names,
                roles=roles,
                recorder=recorder,
                progress=sys.stderr,
                artifacts=bool(args.artifacts),
            )
        else:
            summary = _realtime(args, seed, coupling, pacers, names, roles, recorder)
    finally:
        if recorder is not None:
            recorder.close()
    if opts.json:
        print(json.dumps(summary, indent=2, allow_nan=False))
    else:
        print(format_pair_summary(summary))
    if recorder is not None and recorder.error is not None:
        from vagal.text import printable

        print(f"vagal: the recording stopped early: {printable(str(recorder.error), max_chars=None)}",
              file=sys.stderr)
        return 2
    return 0


def _dashboard(
    args: argparse.Namespace,
    opts: SessionOptions,
    seed: int,
    coupling: float,
    pacers: tuple[Pacer, Pacer],
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    recorder: Recorder | None,
) -> int:
    """The simulated pair on the dashboard for two (a real clock at ``--speed``)."""
    from vagal.clock import MonotonicClock
    from vagal.sources.simulated import PAIR_DEVICE_NAMES, SimArtifacts, SimulatedPair
    from vagal.ui.pair_app import run_pair_dashboard

    state = new_state(pacers)
    pair = SimulatedPair(
        seed=seed,
        breathing=_breathing(state),
        coupling=coupling,
        artifacts=SimArtifacts.typical() if args.artifacts else None,
    )
    clock = MonotonicClock(args.speed)
    sources = pair.sources(clock=clock, duration_s=args.duration)
    import functools

    return run_pair_dashboard(
        merged_entered(sources),
        names=names,
        roles=roles,
        pacers=pacers,
        recorder=recorder,
        options=opts,
        clock=clock,
        stop=lambda: _close_all(sources),
        title="simulated pair",
        devices=PAIR_DEVICE_NAMES,
        summarise=functools.partial(
            pair_summary,
            names=names,
            roles=roles,
            devices=PAIR_DEVICE_NAMES,
            recorder=recorder,
            extra={"seed": seed, "coupling": coupling, "simulated_lag_s": pair.lag_s},
        ),
    )


async def _close_all(sources: Sequence[BeatSource]) -> None:
    for s in sources:
        await s.close()


async def merged_entered(sources: Sequence[BeatSource]) -> AsyncIterator[tuple[int, Event]]:
    """:func:`merged`, entering the sources first and leaving them at the end (or when the
    consumer stops early)."""
    import contextlib

    async with contextlib.AsyncExitStack() as stack:
        for s in sources:
            await stack.enter_async_context(s)
        async for item in merged(sources):
            yield item


def _realtime(
    args: argparse.Namespace,
    seed: int,
    coupling: float,
    pacer: tuple[Pacer, Pacer],
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    recorder: Recorder | None,
) -> dict[str, Any]:
    """The same at a finite ``--speed`` (a real clock, progress every 10 s of session time)."""
    from vagal.clock import MonotonicClock
    from vagal.sources.simulated import PAIR_DEVICE_NAMES, SimArtifacts, SimulatedPair

    state = new_state(pacer)
    pair = SimulatedPair(
        seed=seed,
        breathing=_breathing(state),
        coupling=coupling,
        artifacts=SimArtifacts.typical() if args.artifacts else None,
    )
    sources = pair.sources(clock=MonotonicClock(args.speed), duration_s=args.duration)
    asyncio.run(
        run_pair_sources(sources, state, recorder=recorder, progress=sys.stderr, progress_every_s=10.0,
                         names=names)
    )
    return pair_summary(
        state,
        names=names,
        roles=roles,
        devices=PAIR_DEVICE_NAMES,
        recorder=recorder,
        extra={"seed": seed, "coupling": coupling, "simulated_lag_s": pair.lag_s},
    )
