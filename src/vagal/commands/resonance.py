"""``vagal resonance``: find the person's own breathing rate, their resonance frequency.

Three ways in (docs/methods.md §6.6 has the scoring):

* ``--demo`` (the simulated person; ``--resonance-rate`` sets theirs, ``--own-rate`` makes
  them ignore the guide and breathe at a pace of their own) or ``--device`` (a strap):
  the guide follows the stepped schedule (:func:`vagal.pacer.resonance_schedule`), each
  step is recorded as an ``AssessmentStep`` event beside the guide's ``PacerChanged``
  changes, and at the end every step is scored (:func:`vagal.hrv.resonance.score_assessment`).
  ``--refine`` adds a pass of half a step either side of the best rate, laid out when the
  first pass has been scored (:func:`vagal.pacer.continue_schedule`).
* ``--from SESSION``: a session recorded by ``vagal resonance`` is scored again from its
  own beats, guide and steps, exactly as it was scored live.
* ``--from a.txt b.txt … --rates 6.5,6,…``: one recording per rate, breathed by hand
  (:func:`vagal.hrv.resonance.score_recordings`).

Design decision: the live run and ``--from SESSION`` score through the same function on
the same events (:func:`assess`), so the two agree to the last digit; the live run scores
each pass on the beats up to its end, as a recording of it would. The guide's changes
and the step events go into the event stream through a thin source wrapper
(:class:`_Scheduled`), in time order, so they are analysed and recorded like any event.
A result is kept as the person's own pace (``--pace mine``; :mod:`vagal.sessions.own_pace`),
except a simulated person's (``--keep`` to keep that too).
Without ``--headless`` the assessment runs in the dashboard
(:mod:`vagal.ui.screens_resonance`: the step under way, a bar for each finished step, the
chosen rate at the end), fed by :class:`_Feed`; after it closes, the result is printed and
kept exactly as headless.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import json
import math
import random
import signal
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from vagal.errors import VagalError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vagal.engine.snapshot import Snapshot
    from vagal.events import AssessmentStep, Event
    from vagal.hrv.resonance import ResonanceResult
    from vagal.options import SessionOptions
    from vagal.pacer import BreathPattern, Pacer, ResonanceSchedule, ResonanceStep
    from vagal.sessions.recording import Recording
    from vagal.sources.base import BeatSource, SourceStats
    from vagal.ui.screens_resonance import StepBar, StepNow

SCORE_LAG_S: Final = 3.0
"""A pass is scored once the session is this far past its end: a strap delivers a beat up
to a notification (about 1 s) after it, so by then every beat of the pass is in."""
MIN_STEP_S: Final = 60.0
MAX_STEP_S: Final = 1800.0
"""``--step-s`` range: a minute is the shortest window whose spectrum can tell 0.5/min
steps apart (1/60 Hz = 1/min resolution already blurs them); 2 min is the protocol's."""
OWN_RATE_RANGE_PER_MIN: Final = (3.0, 30.0)
"""``--own-rate``: the rates a simulated person can breathe at."""


# --- the command line --------------------------------------------------------------------


def parse_rates(text: str) -> tuple[float, ...]:
    """``--rates 6.5,6,5.5`` as rates, breaths/min.

    Raises:
        VagalError: not a comma-separated list of numbers, or a rate outside 2-30/min.
    """
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        rates = tuple(float(p.removesuffix("/min")) for p in parts)
    except ValueError:
        raise VagalError(
            f"--rates takes breathing rates separated by commas (e.g. 6.5,6,5.5), got {text!r}."
        ) from None
    if not rates:
        raise VagalError(f"--rates takes breathing rates separated by commas (e.g. 6.5,6,5.5), got {text!r}.")
    for r in rates:
        if not (math.isfinite(r) and 2.0 <= r <= 30.0):
            raise VagalError(f"--rates: each rate must be 2 to 30 breaths/min, got {r:g}.")
    return rates


def _rates(args: argparse.Namespace) -> tuple[float, ...]:
    from vagal.pacer import ADULT_RATES_PER_MIN, CHILD_RATES_PER_MIN

    if args.rates is not None:
        if args.child:
            raise VagalError("--child and --rates both choose the rates.", hint="Give one of them.")
        return parse_rates(args.rates)
    return CHILD_RATES_PER_MIN if args.child else ADULT_RATES_PER_MIN


def _spacing(rates: Sequence[float]) -> float:
    """The protocol's step between rates, breaths/min (the refine pass goes half of it either side)."""
    diffs = [abs(a - b) for a, b in itertools.pairwise(rates) if abs(a - b) > 1e-9]
    return min(diffs) if diffs else 0.5


def run(args: argparse.Namespace) -> int:
    """Run ``vagal resonance``; returns the exit status.

    Raises:
        VagalError: a bad option, a bad file, no strap; one line, exit 2.
    """
    if args.json and not args.headless and not args.from_files:
        raise VagalError("--json prints the result without the dashboard.", hint="Add --headless.")
    chosen = [
        name
        for name, on in (("--demo", args.demo), ("--device", args.device), ("--from", args.from_files))
        if on
    ]
    if len(chosen) > 1:
        raise VagalError(f"{' and '.join(chosen)} are different ways in.", hint="Give one of them.")
    if not chosen:
        raise VagalError(
            "vagal resonance needs a source of beats.",
            hint="Add --demo (the simulated person), --device STRAP, or --from FILE….",
        )
    if args.from_files:
        return _run_from(args)
    if not args.headless and math.isinf(args.speed):
        raise VagalError("--speed max runs without the dashboard.", hint="Add --headless.")
    step_s: float = args.step_s
    if not (math.isfinite(step_s) and MIN_STEP_S <= step_s <= MAX_STEP_S):
        raise VagalError(
            f"--step-s must be {MIN_STEP_S:g} to {MAX_STEP_S:g} seconds (the protocol's is 120), got "
            f"{step_s:g}."
        )
    if not args.demo:
        for flag, value in (("--resonance-rate", args.resonance_rate), ("--own-rate", args.own_rate)):
            if value is not None:
                raise VagalError(f"{flag} sets the simulated person's breathing.", hint="Add --demo.")
    return _run_guided(args)


# --- the schedule ------------------------------------------------------------------------


def make_schedule(
    rates: Sequence[float], base: BreathPattern, *, step_s: float, ramp_from_per_min: float | None
) -> ResonanceSchedule:
    """The first pass: ``rates`` at ``base``'s inhale:exhale, with a gentle start when asked.

    With a gentle start (from the person's usual rate, ``--ramp-from``) the first step's
    unscored time is the ramp plus the usual settling after a change; without, the
    schedule's own first settling time (the person first finds the guide).
    """
    from vagal.pacer import DEFAULT_FIRST_SETTLE_S, DEFAULT_RAMP_S, DEFAULT_SETTLE_S, resonance_schedule

    if ramp_from_per_min is not None and ramp_from_per_min > rates[0]:
        return resonance_schedule(
            rates,
            base=base,
            step_s=step_s,
            ramp_from_per_min=ramp_from_per_min,
            start_ramp_s=DEFAULT_RAMP_S,
            first_settle_s=DEFAULT_RAMP_S + DEFAULT_SETTLE_S,
        )
    return resonance_schedule(rates, base=base, step_s=step_s, first_settle_s=DEFAULT_FIRST_SETTLE_S)


def _ramp_from(spec: str) -> float | None:
    text = (spec or "off").strip().lower()
    if text in ("off", "none", "0"):
        return None
    try:
        rate = float(text)
    except ValueError:
        raise VagalError(
            f"--ramp-from takes a breathing rate in breaths/min (e.g. 12) or 'off', got {spec!r}."
        ) from None
    if not 2.0 <= rate <= 30.0:
        raise VagalError(f"--ramp-from must be a breathing rate between 2 and 30 per minute, got {spec}.")
    return rate


def _step_event(step: ResonanceStep) -> AssessmentStep:
    from vagal.events import AssessmentStep

    return AssessmentStep(**step.event_fields())  # type: ignore[arg-type]


@dataclass
class _Plan:
    """What the session still has to do: the passes, the events due, and the events seen."""

    passes: list[ResonanceSchedule]
    pacer: Pacer
    """The live guide (the engine's, and the simulated person's breathing)."""
    refine: bool
    spacing_per_min: float
    events: list[Event] = field(default_factory=list)
    """Every event of the session so far, as yielded (the recording holds these too)."""
    due: list[Event] = field(default_factory=list)
    done: bool = False
    first_result: ResonanceResult | None = None

    def __post_init__(self) -> None:
        first = self.passes[0]
        self.due = sorted([*first.events[1:], *(_step_event(s) for s in first.steps)], key=_order)

    def take_due(self, t_s: float) -> list[Event]:
        """The scheduled events due by ``t_s``, in time order (a pass is scored on the way)."""
        current = self.passes[-1]
        if not self.done and t_s >= current.end_s + SCORE_LAG_S:
            self._pass_ended(t_s)
        out: list[Event] = []
        while self.due and self.due[0].t_s <= t_s:
            out.append(self.due.pop(0))
        return out

    def _pass_ended(self, t_s: float) -> None:
        from vagal.events import PacerChanged
        from vagal.pacer import BreathPattern, PaceError, continue_schedule, refine_rates

        if not self.refine or len(self.passes) > 1:
            self.done = True
            return
        first = self.passes[0]
        self.first_result = score_pass(self.events, first.steps)
        best = self.first_result.best_rate_per_min
        if best is None:
            self.done = True
            return
        try:
            rates = refine_rates(best, spacing_per_min=self.spacing_per_min)
            again = continue_schedule(first, rates, start_s=t_s, refine=True)
        except PaceError:
            self.done = True  # a refine rate out of range: the first pass stands
            return
        new = again.events[len(first.events) :]
        for ev in new:
            assert isinstance(ev, PacerChanged)
            self.pacer.set_pattern(ev.t_s, BreathPattern.from_event(ev), ramp_s=ev.ramp_s)
        self.passes.append(again)
        self.due = sorted([*self.due, *new, *(_step_event(s) for s in again.steps)], key=_order)


def _order(ev: Event) -> tuple[float, int]:
    from vagal.events import PacerChanged

    return (ev.t_s, 0 if isinstance(ev, PacerChanged) else 1)


class _Scheduled:
    """A beat source with the assessment's own events put in, in time order.

    The guide's changes and the ``AssessmentStep`` events are yielded at their times,
    just before the first source event at or after them; once the last pass has been
    scored the source is closed, and its last events (its ``SourceState("ended")``) pass.
    """

    def __init__(self, inner: BeatSource, plan: _Plan) -> None:
        self.inner = inner
        self.plan = plan
        self.stats: SourceStats = inner.stats
        """The wrapped source's counters (the same object)."""

    async def __aenter__(self) -> Self:
        await self.inner.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.inner.__aexit__(exc_type, exc, tb)

    async def close(self) -> None:
        """Stop the wrapped source."""
        await self.inner.close()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        plan = self.plan
        closing = False
        async for ev in self.inner:
            for due in plan.take_due(ev.t_s):
                plan.events.append(due)
                yield due
            plan.events.append(ev)
            yield ev
            if plan.done and not closing:
                closing = True
                await self.inner.close()


# --- scoring -----------------------------------------------------------------------------


def beats_of(
    events: Iterable[Event],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Beat times (s), RR (ms) and breaks of a session's events, as a recording of them reads.

    Settling beats are left out and break the series, as a gap does
    (:func:`vagal.sessions.reader.read_session` reads a session the same way).
    """
    import numpy as np

    from vagal.events import Beat, Gap

    t: list[float] = []
    rr: list[float] = []
    brk: list[bool] = []
    pending = False
    for ev in events:
        if isinstance(ev, Beat):
            if ev.settling:
                pending = True
                continue
            t.append(ev.t_s)
            rr.append(ev.rr_ms)
            brk.append(pending)
            pending = False
        elif isinstance(ev, Gap):
            pending = True
    if brk:
        brk[0] = False
    return np.asarray(t, dtype=np.float64), np.asarray(rr, dtype=np.float64), np.asarray(brk, dtype=np.bool_)


def score_pass(events: Sequence[Event], steps: Sequence[ResonanceStep]) -> ResonanceResult:
    """Score one pass on the session's beats up to the pass's end.

    Raises:
        VagalError: the beats are out of order (a damaged recording).
    """
    from vagal.hrv.resonance import score_assessment

    t, rr, brk = beats_of(events)
    end = max(s.end_s for s in steps)
    keep = t <= end
    try:
        return score_assessment(t[keep], rr[keep], steps, breaks=brk[keep])
    except ValueError as exc:
        raise VagalError(f"the beats cannot be scored: {exc}.") from None


@dataclass(frozen=True)
class Assessment:
    """The outcome of ``vagal resonance``: each pass's result and the final one."""

    passes: tuple[ResonanceResult, ...]
    """The first pass, and the refine pass when one was breathed."""
    result: ResonanceResult
    """The refine pass's result when it chose a rate, otherwise the first pass's."""
    planned_steps: int
    """Steps the schedule held (a session stopped early finished fewer)."""


def assess(events: Sequence[Event], steps: Sequence[ResonanceStep]) -> Assessment:
    """Score a guided assessment from its events and steps (live, and ``--from SESSION``).

    Steps are grouped into passes by their ``refine`` flag; a step that did not end before
    the last beat (a session stopped early) is left out.

    Raises:
        VagalError: no step was finished.
    """
    from dataclasses import replace as _replace

    t, _, _ = beats_of(events)
    last = float(t[-1]) if t.size else -math.inf
    finished = [s for s in steps if s.end_s <= last]
    planned = len(steps)
    results: list[ResonanceResult] = []
    for refine in (False, True):
        group = [s for s in finished if s.refine == refine]
        if group:
            results.append(score_pass(events, group))
    if not results:
        raise VagalError("the assessment stopped before its first step was over: nothing to score.")
    final = results[-1] if results[-1].best_rate_per_min is not None else results[0]
    if len(finished) < planned and final.best_rate_per_min is None and final.reason:
        final = _replace(
            final, reason=final.reason + f" (the assessment stopped after {len(finished)} of {planned} steps)"
        )
    return Assessment(tuple(results), final, planned)


# --- the guided run (simulator or strap) ------------------------------------------------


def _options(args: argparse.Namespace, mode: str, seed: int | None) -> SessionOptions:
    from vagal.commands.session_runner import recording_options, session_options

    specific: dict[str, Any] = {"seed": seed, "assessment": "resonance", **recording_options(args)}
    if mode == "demo":
        specific["speed"] = args.speed
    else:
        specific["devices"] = (args.device,)
    return session_options(args, "demo" if mode == "demo" else "live", **specific)


def _simulated_source(args: argparse.Namespace, seed: int, pacer: Pacer) -> BeatSource:
    import dataclasses

    import numpy as np

    from vagal.clock import MonotonicClock, VirtualClock
    from vagal.sources.physiology import RESONANCE_RATE_RANGE_PER_MIN, HeartModel
    from vagal.sources.simulated import SimArtifacts, SimulatedSource, SimulatedStrap

    rate: float | None = args.resonance_rate
    if rate is not None:
        lo, hi = RESONANCE_RATE_RANGE_PER_MIN
        if not (math.isfinite(rate) and lo <= rate <= hi):
            raise VagalError(f"--resonance-rate must be {lo:g} to {hi:g} breaths/min, got {rate:g}.")
    own: float | None = args.own_rate
    artifacts = SimArtifacts.typical() if args.artifacts else None
    clock = VirtualClock() if math.isinf(args.speed) else MonotonicClock(args.speed)
    if own is None:
        return SimulatedSource(
            seed=seed,
            clock=clock,
            breathing=pacer.volume_at,
            artifacts=artifacts,
            resonance_rate_per_min=rate,
        )
    lo, hi = OWN_RATE_RANGE_PER_MIN
    if not (math.isfinite(own) and lo <= own <= hi):
        raise VagalError(f"--own-rate must be {lo:g} to {hi:g} breaths/min, got {own:g}.")

    def strap(t0: float) -> SimulatedStrap:
        # The same person as without --own-rate (drawn from the seed), who breathes at
        # their own pace and not with the guide.
        seq = np.random.SeedSequence(seed)
        drawn = HeartModel(seq, resonance_rate_per_min=rate).person
        person = dataclasses.replace(drawn, breath_rate_per_min=own)
        heart = HeartModel(np.random.SeedSequence(seed), breathing=None, start_s=t0, person=person)
        return SimulatedStrap(seed=seed, heart=heart, artifacts=artifacts, start_s=t0)

    return SimulatedSource(seed=seed, clock=clock, artifacts=artifacts, strap_factory=strap)


def _strap_source(args: argparse.Namespace) -> BeatSource:
    from vagal.sources.bleak_source import BleakSource, choose_strap, discover_straps

    timeout_s: float = args.timeout
    if not (math.isfinite(timeout_s) and timeout_s > 0):
        raise VagalError(f"--timeout must be more than 0 seconds, got {timeout_s:g}.")
    wanted: str = args.device
    print(f"Looking for the strap {wanted!r}…", file=sys.stderr)
    straps = asyncio.run(discover_straps(timeout_s, wanted=wanted, grace_s=1.0))
    strap = choose_strap(straps, wanted)
    print(f"Connecting to {strap.label}…", file=sys.stderr)
    return BleakSource(strap.address, name=strap.name, profile=strap.profile, connect_timeout_s=timeout_s)


def _run_guided(args: argparse.Namespace) -> int:
    from vagal.engine.core import Engine
    from vagal.engine.driver import Driver
    from vagal.pacer import parse_pace
    from vagal.sessions.writer import open_recorder
    from vagal.sources.base import Clocked

    mode = "demo" if args.demo else "live"
    seed: int | None = None
    if mode == "demo":
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    opts = _options(args, mode, seed)
    rates = _rates(args)
    schedule = make_schedule(
        rates, parse_pace(opts.pace or "resonance"), step_s=args.step_s,
        ramp_from_per_min=_ramp_from(opts.ramp_from),
    )
    pacer = schedule.pacer()
    inner = _simulated_source(args, seed, pacer) if seed is not None else _strap_source(args)
    progress = _Progress(sys.stderr, every_s=60.0 if math.isinf(opts.speed) else 10.0)
    plan = _Plan([schedule], pacer, refine=args.refine, spacing_per_min=_spacing(rates))
    source = _Scheduled(inner, plan)
    engine = Engine(pacer=pacer)
    header: dict[str, Any] = {"assessment": "resonance"}
    if seed is not None:
        header["seed"] = seed
        if args.resonance_rate is not None:
            header["simulated_resonance_rate_per_min"] = args.resonance_rate
        if args.own_rate is not None:
            header["simulated_own_rate_per_min"] = args.own_rate
    recorder = (
        open_recorder(opts, source=mode, pacer=pacer.start_event(), **header) if opts.recording else None
    )
    progress.plan = plan
    clock = inner.clock if isinstance(inner, Clocked) else None
    if opts.headless:
        driver = Driver(
            source,
            engine,
            sinks=[recorder] if recorder is not None else [],
            on_event=progress.on_event,
            pacer=pacer,
            clock=clock,
        )
        print(_intro(schedule, args.refine), file=sys.stderr, flush=True)
        try:
            asyncio.run(_drive(driver))
        finally:
            if recorder is not None:
                recorder.close()
    else:
        _run_dashboard(source, plan, engine, pacer, recorder, opts, mode=mode, clock=clock)
    steps = [s for p in plan.passes for s in p.steps]
    try:
        outcome = assess(plan.events, steps)
    except VagalError:
        # Stopped (Ctrl-C) before a step was over: a choice the person made, not an error.
        where = f" The session is saved in {recorder.path}." if recorder is not None else ""
        print(
            f"The assessment was stopped before its first step was over: nothing to score yet.{where}",
            file=sys.stderr,
        )
        return 2 if recorder is not None and recorder.error is not None else 0
    kept = _keep(
        outcome.result,
        schedule.steps[0].pattern,
        source=mode,
        recording=recorder.path if recorder else None,
        allowed=_may_keep(args, mode),
        default=args.make_default,
    )
    extra: dict[str, Any] = {"source": mode, "recording": str(recorder.path) if recorder else None}
    if seed is not None:
        extra["seed"] = seed
        extra["simulated"] = {
            "resonance_rate_per_min": args.resonance_rate,
            "own_rate_per_min": args.own_rate,
        }
    _print(outcome, kept, extra, as_json=opts.json, note=_keep_note(args, mode, outcome, kept))
    if recorder is not None and recorder.error is not None:
        print(f"vagal: the recording stopped early: {recorder.error}", file=sys.stderr)
        return 2
    return 0


class _Feed:
    """What the assessment's dashboard panel reads (:class:`vagal.ui.screens_resonance.AssessmentFeed`).

    Steps scored so far are scored again only when one more has finished: each is scored
    among the finished steps of its pass, with the same function as the result.
    """

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self._scored: tuple[int, list[StepBar]] = (-1, [])
        self._result: tuple[str, str] | None = None

    def _steps(self) -> list[ResonanceStep]:
        return [s for p in self.plan.passes for s in p.steps]

    def step_at(self, t_s: float) -> StepNow | None:
        from vagal.ui.screens_resonance import StepNow

        for s in self._steps():
            if s.start_s <= t_s < s.end_s:
                return StepNow(s.index + 1, s.count, s.rate_per_min, s.end_s - t_s, refine=s.refine)
        return None

    def bars(self, t_s: float) -> list[StepBar]:
        from vagal.ui.screens_resonance import StepBar

        t, _, _ = beats_of(self.plan.events)
        last = float(t[-1]) if t.size else -math.inf
        finished = [s for s in self._steps() if s.end_s <= last]
        if len(finished) == self._scored[0]:
            return self._scored[1]
        out: list[StepBar] = []
        for refine in (False, True):
            group = [s for s in finished if s.refine == refine]
            if not group:
                continue
            try:
                scored = score_pass(self.plan.events, group).steps
            except VagalError:
                continue
            for s in scored:
                why = "" if s.followed else (s.reason or "not followed")
                out.append(StepBar(s.rate_per_min, s.score, why))
        self._scored = (len(finished), out)
        return out

    def result(self) -> tuple[str, str] | None:
        """The chosen rate in words and the honesty note, once the last pass is over."""
        from vagal.report.resonance import HONESTY, verdict

        if self._result is None and self.plan.done:
            try:
                outcome = assess(self.plan.events, self._steps())
            except VagalError:
                return None
            self._result = (verdict(outcome.result), HONESTY)
        return self._result


def _run_dashboard(
    source: _Scheduled,
    plan: _Plan,
    engine: Any,
    pacer: Pacer,
    recorder: Any,
    opts: SessionOptions,
    *,
    mode: str,
    clock: Any,
) -> None:
    """The assessment in the dashboard, until the person leaves its summary; the recording is closed."""
    from vagal.clock import MonotonicClock
    from vagal.ui.screens_resonance import AssessmentFeed, make_resonance_app

    feed = _Feed(plan)
    app = make_resonance_app(
        source,
        AssessmentFeed(feed.step_at, feed.bars, feed.result),
        engine=engine,
        pacer=pacer,
        clock=clock if clock is not None else MonotonicClock(),
        sinks=[recorder] if recorder is not None else [],
        recording=recorder.path if recorder is not None else None,
        mode="demo" if mode == "demo" else "live",
        sound=opts.sound,
        title=getattr(source.inner, "name", "") or "",
    )
    try:
        app.run()
    finally:
        for sink in app.sinks:
            sink.close()
        if recorder is not None:
            recorder.close()


async def _drive(driver: Any) -> None:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, driver.stop)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    try:
        await driver.run()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _intro(schedule: ResonanceSchedule, refine: bool) -> str:
    from vagal.hrv.resonance import _rate

    rates = " → ".join(_rate(r) for r in schedule.rates_per_min)
    minutes = (schedule.end_s - schedule.start_s) / 60.0
    more = ", then a short second pass around the best rate" if refine else ""
    return (
        f"Resonance assessment: {len(schedule.steps)} steps ({rates} breaths a minute), about "
        f"{minutes:.0f} minutes{more}. Breathe along with the guide; there is nothing to get right."
    )


class _Progress:
    """Calm lines on stderr: each step as it begins, and where the session is now and then."""

    def __init__(self, out: Any, *, every_s: float) -> None:
        self.out = out
        self.every_s = every_s
        self.plan: _Plan | None = None
        self._next_s: float | None = None
        self._t0: float | None = None

    def step(self, step: ResonanceStep) -> None:
        """Say that a step began."""
        from vagal.clock import clock_text
        from vagal.hrv.resonance import _rate

        which = "Refine step" if step.refine else "Step"
        print(
            f"{which} {step.index + 1} of {step.count}: {_rate(step.rate_per_min)} breaths a minute "
            f"({clock_text(step.end_s - step.start_s)})",
            file=self.out,
            flush=True,
        )

    def on_event(self, event: Event, snap: Snapshot) -> None:
        """After every event: announce steps, and a progress line every ``every_s``."""
        from vagal.commands.session_runner import progress_line
        from vagal.events import AssessmentStep

        if self._t0 is None:
            self._t0 = event.t_s
            self._next_s = event.t_s + self.every_s
        if isinstance(event, AssessmentStep) and self.plan is not None:
            for p in self.plan.passes:
                for s in p.steps:
                    if s.start_s == event.t_s and s.refine == event.refine:
                        self.step(s)
        if self._next_s is not None and event.t_s >= self._next_s:
            self._next_s += self.every_s * (math.floor((event.t_s - self._next_s) / self.every_s) + 1)
            print(progress_line(snap, event.t_s - self._t0), file=self.out, flush=True)


# --- from recordings ---------------------------------------------------------------------


def _run_from(args: argparse.Namespace) -> int:
    from vagal.sessions.formats import load_recording

    files: list[str] = args.from_files
    if args.demo or args.device:
        raise VagalError(
            "--from scores recordings; --demo and --device breathe a new assessment.", hint="Give one."
        )
    recordings = [load_recording(f) for f in files]
    stepped = [r for r in recordings if _steps_of(r)]
    if stepped:
        if len(recordings) > 1:
            raise VagalError(
                f"{stepped[0].path} holds a whole assessment; score it alone, or give one file per rate "
                "that holds no assessment."
            )
        return _from_session(args, recordings[0])
    return _from_files(args, recordings)


def _steps_of(rec: Recording) -> list[AssessmentStep]:
    from vagal.events import AssessmentStep

    return [e for e in rec.events or () if isinstance(e, AssessmentStep)]


def is_assessment(rec: Recording) -> bool:
    """Whether ``rec`` is a session recorded by ``vagal resonance`` (it holds assessment steps)."""
    return bool(_steps_of(rec))


def session_assessment(rec: Recording) -> Assessment:
    """Score the assessment a session recorded, as ``--from SESSION`` does (for its report).

    Raises:
        VagalError: no step can be scored.
    """
    from vagal.pacer import PaceError, resonance_steps_from_record

    sound = [r for r in _steps_of(rec) if r.t_s <= r.scored_from_s < r.end_s and 0 <= r.index < r.count]
    if not sound:
        raise VagalError(f"{rec.path}: no assessment step in it can be scored.")
    try:
        steps = resonance_steps_from_record(rec.pacer, sound)
    except PaceError as exc:
        raise VagalError(f"{rec.path}: {exc}.") from None
    return assess(list(rec.events or ()), steps)


def _from_session(args: argparse.Namespace, rec: Recording) -> int:
    from vagal.pacer import PaceError, resonance_steps_from_record

    if args.rates is not None or args.child:
        raise VagalError(f"{rec.path} recorded its own rates; --rates and --child are for one file per rate.")
    records = _steps_of(rec)
    sound = [r for r in records if r.t_s <= r.scored_from_s < r.end_s and 0 <= r.index < r.count]
    if len(sound) < len(records):
        print(
            f"vagal: {rec.path}: {len(records) - len(sound)} assessment step(s) with impossible times "
            "or numbers left out",
            file=sys.stderr,
        )
    if not sound:
        raise VagalError(f"{rec.path}: no assessment step in it can be scored.")
    try:
        steps = resonance_steps_from_record(rec.pacer, sound)
    except PaceError as exc:
        raise VagalError(f"{rec.path}: {exc}.") from None
    events = list(rec.events or ())
    outcome = assess(events, steps)
    simulated = rec.meta.get("source") == "demo"
    source = "demo" if simulated else "session"
    kept = _keep(
        outcome.result,
        steps[0].pattern,
        source=source,
        recording=Path(rec.path),
        allowed=_may_keep(args, source),
        default=args.make_default,
    )
    extra: dict[str, Any] = {"source": "session", "recording": rec.path}
    if isinstance(rec.meta.get("seed"), int):
        extra["seed"] = rec.meta["seed"]
    if rec.damage:
        print(
            f"vagal: {rec.path}: {len(rec.damage)} damaged line(s) read around; the first: {rec.damage[0]}",
            file=sys.stderr,
        )
    _print(outcome, kept, extra, as_json=args.json, note=_keep_note(args, source, outcome, kept))
    return 0


def _from_files(args: argparse.Namespace, recordings: list[Recording]) -> int:
    from vagal.hrv.resonance import score_recordings
    from vagal.pacer import ADULT_RATES_PER_MIN, CHILD_RATES_PER_MIN

    if args.rates is not None:
        rates = _rates(args)
    else:
        rates = CHILD_RATES_PER_MIN if args.child else ADULT_RATES_PER_MIN
    n = len(recordings)
    if len(rates) != n:
        raise VagalError(
            f"{len(rates)} rates for {n} file{'s' if n != 1 else ''}: give one rate per file, in the same "
            "order, "
            "with --rates (e.g. --rates 6.5,6,5.5,5,4.5)."
        )
    if n < 2:
        raise VagalError(
            "one recording cannot be compared with others: give one file per rate, at least two."
        )
    settle_s: float = args.settle_s
    if not (math.isfinite(settle_s) and settle_s >= 0):
        raise VagalError(f"--settle-s must be 0 seconds or more, got {settle_s:g}.")
    pairs = []
    for rec in recordings:
        if rec.n_beats < 4:
            raise VagalError(f"{rec.path} holds {rec.n_beats} beat(s): too few to score a breathing rate.")
        pairs.append((rec.t_s, rec.rr_ms))
    try:
        result = score_recordings(pairs, rates, settle_s=settle_s)
    except ValueError as exc:
        raise VagalError(f"the recordings cannot be scored: {exc}.") from None
    outcome = Assessment((result,), result, n)
    kept = _keep(
        result,
        _base(args),
        source="files",
        recording=Path(recordings[0].path),
        allowed=_may_keep(args, "files"),
        default=args.make_default,
    )
    extra: dict[str, Any] = {"source": "files", "files": [r.path for r in recordings]}
    _print(outcome, kept, extra, as_json=args.json, note=_keep_note(args, "files", outcome, kept))
    return 0


# --- keeping the result -----------------------------------------------------------------


def _base(args: argparse.Namespace) -> BreathPattern:
    """The person's pattern (``--pace``, default 4:6) whose inhale:exhale the kept pace keeps."""
    from vagal.pacer import parse_pace
    from vagal.sessions.own_pace import resolve_pace

    return parse_pace(resolve_pace(args.pace))


def _may_keep(args: argparse.Namespace, source: str) -> bool:
    """A person's own result is kept unless ``--no-keep``; a simulated person's only with ``--keep``."""
    if args.no_keep:
        return False
    return bool(args.keep) or source != "demo"


def _keep(
    result: ResonanceResult,
    base: BreathPattern,
    *,
    source: str,
    recording: Path | None,
    allowed: bool,
    default: bool | None = None,
) -> Path | None:
    """Keep a chosen rate as the person's own pace, as ``base`` (their inhale:exhale) at that rate.

    ``default`` (``--default``, ``--no-default``): True makes the kept pace the default of
    demo and live, only with a result kept now; False stops that, result or not.
    """
    from vagal.pacer import pattern_at_rate
    from vagal.sessions.own_pace import OwnPace, keep_own_pace, set_default

    if not allowed or result.best_rate_per_min is None:
        if default is False:
            set_default(False)
        return None
    p = pattern_at_rate(base, result.best_rate_per_min)
    pace = OwnPace(
        rate_per_min=result.best_rate_per_min,
        inhale_s=round(p.inhale_s, 6),
        exhale_s=round(p.exhale_s, 6),
        hold_in_s=round(p.hold_in_s, 6),
        hold_out_s=round(p.hold_out_s, 6),
        assessed=datetime.now().astimezone().isoformat(timespec="seconds"),
        confidence=result.confidence or "",
        close_rates_per_min=result.close_rates_per_min,
        source=source,
        recording=str(recording) if recording is not None else None,
    )
    return keep_own_pace(pace, default=default)


def _keep_note(args: argparse.Namespace, source: str, outcome: Assessment, kept: Path | None) -> str:
    note = _keep_words(args, source, outcome, kept)
    if args.make_default is True:
        extra = ("Now the default pace of vagal demo and vagal live (--pace left out)." if kept is not None
                 else "Not made the default: no result was kept this time.")
        note = f"{note}\n{extra}" if note else extra
    elif args.make_default is False:
        extra = "vagal demo and vagal live go back to resonance (6/min) when --pace is left out."
        note = f"{note}\n{extra}" if note else extra
    return note


def _keep_words(args: argparse.Namespace, source: str, outcome: Assessment, kept: Path | None) -> str:
    if outcome.result.best_rate_per_min is None:
        return ""
    if kept is not None:
        return f"Kept as your own pace (use it with --pace mine): {kept}"
    if args.no_keep:
        return "Not kept (--no-keep)."
    if source == "demo":
        return "Not kept: this was the simulated person's rate, not yours (add --keep to keep it anyway)."
    return ""


# --- output -------------------------------------------------------------------------------


def result_dict(outcome: Assessment) -> dict[str, Any]:
    """The JSON of ``vagal resonance --json`` without where it came from.

    ``steps`` holds every pass's steps, each with ``refine``; the top-level verdict is the
    final one (:attr:`Assessment.result`), and ``passes`` each pass's own.
    """
    out = outcome.result.to_dict()
    if len(outcome.passes) > 1:
        # The words see every rate tried: the refine pass's slowest is not the slowest of all.
        from vagal.hrv.resonance import describe

        every = tuple(s for p in outcome.passes for s in p.steps)
        out["sentence"] = describe(dataclasses.replace(outcome.result, steps=every))
    all_steps: list[dict[str, Any]] = []
    for k, p in enumerate(outcome.passes):
        for s in p.steps:
            d: dict[str, Any] = dict(s.to_dict())
            d["refine"] = k == 1
            all_steps.append(d)
    out["steps"] = all_steps
    out["passes"] = [
        {k: v for k, v in p.to_dict().items() if k not in ("steps", "weights", "sentence")}
        for p in outcome.passes
    ]
    out["planned_steps"] = outcome.planned_steps
    out["finished_steps"] = len(all_steps)
    return out


def _print(
    outcome: Assessment,
    kept: Path | None,
    extra: dict[str, Any],
    *,
    as_json: bool,
    note: str,
) -> None:
    out = result_dict(outcome)
    out.update(extra)
    out["kept"] = str(kept) if kept is not None else None
    from vagal.sessions.own_pace import OwnPaceError, is_default

    try:
        out["own_pace_is_default"] = is_default()
    except OwnPaceError:
        out["own_pace_is_default"] = None  # a file of that name that is not vagal's
    if as_json:
        print(json.dumps(out, indent=2, allow_nan=False))
        return
    print(format_result(outcome, out, note))


def _num(x: float | None, fmt: str, unit: str = "") -> str:
    return "–" if x is None else f"{x:{fmt}}{unit}"


def format_result(outcome: Assessment, out: dict[str, Any], note: str) -> str:
    """The result in a few plain lines: a table of the steps, the verdict, and its honesty."""
    from vagal.hrv.resonance import _rate

    lines: list[str] = []
    for k, p in enumerate(outcome.passes):
        lines.append("Refine pass:" if k else "Steps:")
        lines.append("  rate/min   RSA bpm   LF peak ms² (at /min)   single peak   phase   score")
        for s in p.steps:
            lf_at = None if s.lf_peak_hz is None else s.lf_peak_hz * 60.0
            if s.followed:
                lines.append(
                    f"  {_rate(s.rate_per_min):>8}   {_num(s.rsa_bpm, '7.1f')}   "
                    f"{_num(s.lf_peak_ms2, '11.0f')} ({_num(lf_at, '.1f')})       "
                    f"{_num(s.peak_concentration, '9.2f')}   {_num(s.phase_deg, '+4.0f', '°')}   "
                    f"{_num(s.score, '5.2f')}"
                )
            else:
                lines.append(f"  {_rate(s.rate_per_min):>8}   left out: {s.reason}")
    result = outcome.result
    finished = sum(len(p.steps) for p in outcome.passes)
    if finished < outcome.planned_steps:
        lines.append(
            f"The assessment stopped after {finished} of {outcome.planned_steps} steps; those were scored."
        )
    lines.append(f"Result: {result.summary}")
    lines.append(out["sentence"])
    if note:
        lines.append(note)
    rec = out.get("recording")
    if out.get("source") in ("demo", "live"):
        lines.append(f"Saved to {rec}" if rec else "Not recorded.")
    return "\n".join(lines)
