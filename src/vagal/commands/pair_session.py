"""Two people in one session: ``vagal demo --pair`` (headless), one engine per person.

Design decision: nothing below the session changes for two people. Each person's strap
is its own :class:`~vagal.sources.base.BeatSource` and each person has their own
:class:`~vagal.engine.core.Engine`, exactly as a one-person session has; this module only
merges the two event streams in time order, says whose each event is (``person`` on the
person-bound event types, :mod:`vagal.events`), records both in one session file (format
2, docs/session-format.md) and adds what only two people have: the together view,
:mod:`vagal.hrv.synchrony` against chance (docs/methods.md §9). Live, every 5 s of session
time once both hearts cover two minutes (``synchrony_live``, about 10 ms each); at the
end, over the whole session (``synchrony_session``), which is the figure to quote. The live
view is made when it is read (a progress line, the summary, the dashboard), from the beats
each person had when it fell due: between two reads only the latest due one could be shown,
so a full-speed run does not make the others (tests/test_pair_live_deferred.py).

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
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TextIO

from vagal.errors import VagalError

if TYPE_CHECKING:
    from vagal.engine.core import Engine
    from vagal.events import Event
    from vagal.hrv.synchrony import PersonBeats, SynchronyResult
    from vagal.pacer import Pacer
    from vagal.sessions.writer import Recorder
    from vagal.sources.base import BeatSource

ROLES: Final = ("partner", "parent", "child", "therapist", "client")
"""The roles a person can have in a shared session (``--roles``)."""
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
    return hasattr(event, "person")


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


@dataclass
class _Beats:
    """One person's beats as they come (for the together view): not settling, breaks after gaps."""

    t_s: list[float] = field(default_factory=list)
    rr_ms: list[float] = field(default_factory=list)
    breaks: list[bool] = field(default_factory=list)
    pending_break: bool = False

    def add(self, event: Event) -> None:
        from vagal.events import Beat, Gap

        if isinstance(event, Beat):
            if event.settling:
                self.pending_break = True
                return
            self.t_s.append(event.t_s)
            self.rr_ms.append(event.rr_ms)
            self.breaks.append(self.pending_break and bool(self.t_s[:-1]))
            self.pending_break = False
        elif isinstance(event, Gap):
            self.pending_break = True

    def person_beats(self, *, correct: bool = False, upto: int | None = None) -> PersonBeats:
        import numpy as np

        from vagal.hrv.synchrony import PersonBeats

        t = np.asarray(self.t_s[:upto], dtype=np.float64)
        rr = np.asarray(self.rr_ms[:upto], dtype=np.float64)
        brk = np.asarray(self.breaks[:upto], dtype=np.bool_)
        if correct and rr.size >= 2:
            from vagal.hrv.artifacts import correct_artifacts

            fixed = correct_artifacts(rr, t_s=t, breaks=brk)
            return PersonBeats(fixed.t_s, fixed.rr_ms, fixed.breaks)
        return PersonBeats(t, rr, brk)


@dataclass
class PairState:
    """What a two-person session has folded so far: an engine and the beats per person."""

    engines: tuple[Engine, Engine]
    pacer: Pacer | None
    live: bool = True
    """Recompute the live together view every 5 s of session time."""
    beats: tuple[_Beats, _Beats] = field(default_factory=lambda: (_Beats(), _Beats()))
    first_t_s: float | None = None
    t_s: float = 0.0
    live_updates: int = 0
    _next_live_s: float | None = None
    _live: SynchronyResult | None = None
    _live_due: tuple[float, int, int] | None = None
    """The latest live recompute not made yet: (now_s, beats of each person then)."""

    @property
    def live_result(self) -> SynchronyResult | None:
        """The latest live together view, made when read (the beats lists only grow, and the
        guide's phase of a past time never changes, so it equals the one made on time)."""
        due = self._live_due
        if due is not None:
            from vagal.hrv.synchrony import synchrony_live

            self._live_due = None
            a, b = (p.person_beats(upto=n) for p, n in zip(self.beats, due[1:], strict=True))
            guide = self.pacer.phase_at if self.pacer is not None else None
            self._live = synchrony_live(a, b, now_s=due[0], guide=guide)
        return self._live

    def push(self, person: int, event: Event) -> None:
        """Fold one person's event (or a session event, ``person`` 0, into both engines)."""
        if self.first_t_s is None:
            self.first_t_s = event.t_s
        self.t_s = max(self.t_s, event.t_s)
        if _is_person_bound(event):
            self.engines[person].fold(event)
            self.beats[person].add(event)
        else:
            for engine in self.engines:
                engine.fold(event)
        if self.live:
            self._maybe_live()

    def _maybe_live(self) -> None:
        from vagal.hrv.synchrony import LIVE_RECOMPUTE_S, LIVE_SPAN_S

        if self._next_live_s is None:
            self._next_live_s = (self.first_t_s or 0.0) + LIVE_SPAN_S
        if self.t_s < self._next_live_s:
            return
        self._next_live_s += LIVE_RECOMPUTE_S * (
            math.floor((self.t_s - self._next_live_s) / LIVE_RECOMPUTE_S) + 1
        )
        self._live_due = (self.t_s, len(self.beats[0].t_s), len(self.beats[1].t_s))
        self.live_updates += 1

    def together(self) -> SynchronyResult:
        """The whole session's together view (artifacts corrected, as ``analyze`` does)."""
        from vagal.hrv.synchrony import synchrony_session

        a, b = (p.person_beats(correct=True) for p in self.beats)
        guide = self.pacer.phase_at if self.pacer is not None else None
        return synchrony_session(a, b, guide=guide).whole


def new_state(pacer: Pacer | None, *, live: bool = True) -> PairState:
    """A fresh :class:`PairState`: one engine per person, both with the shared guide."""
    from vagal.engine.core import Engine

    return PairState((Engine(pacer=pacer), Engine(pacer=pacer)), pacer, live=live)


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
        one = session_summary(engine, state.first_t_s, mode="demo", recorder=None)
        for key in ("source", "recording", "seed"):
            one.pop(key, None)
        people.append({"person": i, "name": names[i], "role": roles[i], "device": devices[i], **one})
    out["people"] = people
    result = state.together()
    together = together_json(result, names)
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
        coh = p.get("coherence_mean")
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
) -> None:
    """Fold both people's events into ``state`` (and the recorder) until the sources end.

    The guide's start is folded into both engines and recorded first. SIGINT/SIGTERM end
    the run cleanly (both sources closed; their last events still folded and written).
    """
    import contextlib

    from vagal.hrv.synchrony import describe

    if state.pacer is not None:
        start = state.pacer.start_event()
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
            async for person, event in merged(sources):
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
    pacer: Pacer | None,
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
        pacer: The guide both follow (their simulated breathing follows it too).
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

    pair = SimulatedPair(
        seed=seed,
        breathing=pacer.volume_at if pacer is not None else None,
        coupling=coupling,
        artifacts=SimArtifacts.typical() if artifacts else None,
    )
    sources = pair.sources(clock=VirtualClock(), duration_s=duration_s)
    state = new_state(pacer, live=live)
    asyncio.run(run_pair_sources(sources, state, recorder=recorder, progress=progress, names=names))
    return pair_summary(
        state,
        names=names,
        roles=roles,
        devices=PAIR_DEVICE_NAMES,
        recorder=recorder,
        extra={"seed": seed, "coupling": coupling, "simulated_lag_s": pair.lag_s},
    )


def _coupling(value: float | None) -> float:
    c = 0.0 if value is None else float(value)
    if not (math.isfinite(c) and 0.0 <= c <= 1.0):
        raise VagalError(f"--coupling must be between 0 and 1, got {c:g}.")
    return c


def run_demo_pair(args: argparse.Namespace) -> int:
    """``vagal demo --pair``: two simulated people, headless; returns the exit status.

    Raises:
        VagalError: A bad option, no ``--headless`` (the dashboard for two is not there
            yet), or the recording cannot be created.
    """
    from vagal.commands.session_runner import check_duration, make_pacer, recording_options, session_options
    from vagal.options import SessionOptions
    from vagal.sources.simulated import PAIR_DEVICE_NAMES

    check_duration(args)
    if not args.headless:
        raise VagalError(
            "two people run without the dashboard for now (the two-person screen is still to come).",
            hint="Add --headless.",
        )
    coupling = _coupling(getattr(args, "coupling", None))
    names = parse_names(getattr(args, "names", None))
    roles = parse_roles(getattr(args, "roles", None))
    if args.duration is None:
        raise VagalError("a demo for two needs an end.", hint="Add --duration SECONDS.")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    opts: SessionOptions = session_options(
        args, "demo", speed=args.speed, duration_s=args.duration, seed=seed, people=2,
        **recording_options(args),
    )
    pacer = make_pacer(opts)
    recorder: Recorder | None = None
    if opts.recording:
        from vagal.sessions.writer import open_recorder

        devices = tuple({"kind": "simulator", "name": n} for n in PAIR_DEVICE_NAMES)
        recorder = open_recorder(
            opts,
            source="demo",
            pacer=pacer.start_event(),
            seed=seed,
            coupling=coupling,
            people=people_header(names, roles, devices),  # type: ignore[arg-type]
        )
    try:
        if math.isinf(args.speed):
            summary = simulate_pair_session(
                seed=seed,
                coupling=coupling,
                duration_s=args.duration,
                pacer=pacer,
                names=names,
                roles=roles,
                recorder=recorder,
                progress=sys.stderr,
                artifacts=bool(args.artifacts),
            )
        else:
            summary = _realtime(args, seed, coupling, pacer, names, roles, recorder)
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


def _realtime(
    args: argparse.Namespace,
    seed: int,
    coupling: float,
    pacer: Pacer,
    names: tuple[str, str],
    roles: tuple[str | None, str | None],
    recorder: Recorder | None,
) -> dict[str, Any]:
    """The same at a finite ``--speed`` (a real clock, progress every 10 s of session time)."""
    from vagal.clock import MonotonicClock
    from vagal.sources.simulated import PAIR_DEVICE_NAMES, SimArtifacts, SimulatedPair

    pair = SimulatedPair(
        seed=seed,
        breathing=pacer.volume_at,
        coupling=coupling,
        artifacts=SimArtifacts.typical() if args.artifacts else None,
    )
    sources = pair.sources(clock=MonotonicClock(args.speed), duration_s=args.duration)
    state = new_state(pacer)
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
