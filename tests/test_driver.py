"""The async driver: source → engine → sinks, injected events, ticks, clean stops.

Sources run on a virtual clock (no sleeping) except where the real-time ticker is the
point, and there the clock runs 200× so a 5 s drop-out takes 25 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Self

import numpy as np
import numpy.typing as npt
import pytest

from vagal.clock import MonotonicClock, VirtualClock
from vagal.engine.core import Engine
from vagal.engine.driver import Driver
from vagal.events import Beat, Event, Marker, PacerChanged, SourceState
from vagal.pacer import Pacer, parse_pace
from vagal.sources.base import BeatSource, SourceStats
from vagal.sources.simulated import SimulatedSource


class ListSink:
    """A sink that keeps what it is given."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def write(self, event: Event) -> None:
        self.events.append(event)


class BrokenSink:
    def write(self, event: Event) -> None:
        raise OSError("disk full")


class StallingSource:
    """Real beats, then nothing for a while (a drop-out the source does not report)."""

    def __init__(self, rr_ms: npt.NDArray[np.float64], clock: MonotonicClock, stall_s: float) -> None:
        self.clock = clock
        self.stats = SourceStats()
        self._rr = rr_ms
        self._stall_s = stall_s
        self._closed = asyncio.Event()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self._closed.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        t = 0.0
        for rr in self._rr.tolist():
            t += rr / 1000.0
            await self.clock.sleep_until(t)
            yield Beat(t, rr)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), self._stall_s / self.clock.speed)
        yield SourceState(self.clock.now(), "ended")


def _demo_source(pacer: Pacer, duration_s: float = 120.0) -> SimulatedSource:
    return SimulatedSource(seed=4, clock=VirtualClock(), duration_s=duration_s, breathing=pacer.volume_at)


async def test_every_event_reaches_engine_and_sink_in_order() -> None:
    pacer = Pacer(parse_pace("6"))
    source = _demo_source(pacer)
    assert isinstance(source, BeatSource)
    engine = Engine(pacer=pacer)
    sink = ListSink()
    snaps = []
    driver = Driver(source, engine, sinks=[sink], on_snapshot=snaps.append, pacer=pacer)
    final = await driver.run()
    # The initial pattern is recorded first, then the source's stream, ending with "ended".
    assert isinstance(sink.events[0], PacerChanged) and sink.events[0].rate_per_min == 6.0
    assert isinstance(sink.events[-1], SourceState) and sink.events[-1].state == "ended"
    beat_times = [e.t_s for e in sink.events if isinstance(e, Beat)]
    assert beat_times == sorted(beat_times)
    n_beats = sum(isinstance(e, Beat) for e in sink.events)
    assert final.beats == n_beats > 100
    assert len(snaps) == driver.events == len(sink.events)
    assert final.rmssd_ms.valid and final.coherence.valid
    assert not driver.stopped_early


async def test_injected_events_are_folded_and_recorded() -> None:
    pacer = Pacer(parse_pace("6"))
    source = _demo_source(pacer, duration_s=60.0)
    engine = Engine(pacer=pacer)
    sink = ListSink()
    driver = Driver(source, engine, sinks=[sink], pacer=pacer)

    def on_event(event: Event, snap: object) -> None:
        if isinstance(event, Beat) and 30.0 <= event.t_s and not engine.markers:
            driver.inject(Marker(event.t_s, "calmer now"))

    driver.on_event = on_event
    await driver.run()
    markers = [e for e in sink.events if isinstance(e, Marker)]
    assert len(markers) == 1 and markers[0].label == "calmer now"
    assert engine.markers == ((markers[0].t_s, "calmer now"),)


async def test_until_stops_cleanly_with_a_final_ended() -> None:
    pacer = Pacer()
    source = SimulatedSource(seed=1, clock=VirtualClock(), breathing=pacer.volume_at)  # endless
    sink = ListSink()
    driver = Driver(source, Engine(pacer=pacer), sinks=[sink], until_s=45.0)
    await asyncio.wait_for(driver.run(), timeout=30.0)
    assert driver.stopped_early
    last = sink.events[-1]
    assert isinstance(last, SourceState) and last.state == "ended"
    assert 45.0 <= last.t_s < 50.0


async def test_a_failing_sink_does_not_end_the_session() -> None:
    pacer = Pacer()
    source = _demo_source(pacer, duration_s=30.0)
    good = ListSink()
    driver = Driver(source, Engine(), sinks=[BrokenSink(), good])
    await driver.run()
    assert driver.sink_errors == driver.events > 0
    assert len(good.events) == driver.events


async def test_real_time_ticker_shows_a_drop_out(nsr_5min: npt.NDArray[np.float64]) -> None:
    # 20x: the 12 s stall lasts 0.6 s of wall time, so even a loaded machine runs the ticker
    # inside it (at 200x it was 60 ms, and a busy event loop could miss it altogether).
    clock = MonotonicClock(speed=20.0)
    source = StallingSource(nsr_5min[:40], clock, stall_s=12.0)
    engine = Engine()
    seen_gap: list[float] = []

    def on_snapshot(snap: object) -> None:
        g = engine.snapshot.gap_started_s
        if g is not None:
            seen_gap.append(g)

    driver = Driver(source, engine, on_snapshot=on_snapshot, clock=clock, tick_every_s=0.5)
    assert driver.realtime
    await asyncio.wait_for(driver.run(), timeout=30.0)
    t_last_beat = float(np.sum(nsr_5min[:40]) / 1000.0)
    assert seen_gap and abs(seen_gap[0] - t_last_beat) < 1e-6


async def test_stop_from_outside_ends_the_run() -> None:
    pacer = Pacer()
    clock = MonotonicClock(speed=50.0)
    source = SimulatedSource(seed=2, clock=clock, breathing=pacer.volume_at)
    sink = ListSink()
    driver = Driver(source, Engine(pacer=pacer), sinks=[sink], pacer=pacer)
    task = asyncio.create_task(driver.run())
    await asyncio.sleep(0.2)
    driver.stop()
    await asyncio.wait_for(task, timeout=10.0)
    assert isinstance(sink.events[-1], SourceState) and sink.events[-1].state == "ended"
    assert driver.stopped_early


async def test_a_replayed_recording_ends_with_what_analyze_gives_on_the_last_window() -> None:
    """End to end: ReplaySource → Driver → Engine; the final 60 s window equals ``analyze_rr``."""
    from tests.conftest import real_recordings
    from vagal.hrv import analyze_rr
    from vagal.sources.replay import ReplaySource

    path = min(real_recordings(), key=lambda p: p.stat().st_size)
    source = ReplaySource(str(path), speed=float("inf"))
    engine = Engine()
    verdicts: list[tuple[float, float, str]] = []
    engine.on_verdict = lambda t, rr, kind: verdicts.append((t, rr, kind))
    final = await Driver(source, engine).run()
    assert final.rmssd_ms.value is not None and final.source_state == "ended"
    # The last 60 s of decided beats, with a break wherever a flagged beat was left out.
    verdicts.sort()
    t_end = engine.window_beats()[-1][0]
    rr: list[float] = []
    breaks: list[bool] = []
    brk = False
    for t, x, kind in verdicts:
        if kind not in ("ok", "merged"):
            brk = True
            continue
        if t_end - 60.0 < t <= t_end:
            rr.append(x)
            breaks.append(brk and len(rr) > 1)
        brk = False
    batch = analyze_rr(np.array(rr), breaks=np.array(breaks), correct=False)
    assert final.rmssd_ms.value == pytest.approx(batch.rmssd_ms, rel=1e-9)
    assert final.sdnn_ms.value == pytest.approx(batch.sdnn_ms, rel=1e-9)
    assert final.pnn50_pct.value == pytest.approx(batch.pnn50_pct, rel=1e-9)


class SteppedClock:
    """A real-time clock (speed 1) whose time only the test moves: no sleeping in the test."""

    def __init__(self, t_s: float = 0.0) -> None:
        self.t_s = t_s
        self.speed = 1.0
        self._moved = asyncio.Event()

    def now(self) -> float:
        return self.t_s

    def move_to(self, t_s: float) -> None:
        self.t_s = t_s
        self._moved.set()

    async def sleep_until(self, t_s: float) -> None:
        while self.t_s < t_s:
            self._moved.clear()
            await self._moved.wait()


class HeldSource:
    """Real beats, then nothing until closed (a strap that went quiet without saying so)."""

    def __init__(self, rr_ms: npt.NDArray[np.float64], clock: SteppedClock) -> None:
        self.clock = clock
        self.stats = SourceStats()
        self.quiet = asyncio.Event()
        self._rr = rr_ms
        self._closed = asyncio.Event()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        self._closed.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        t = 0.0
        for rr in self._rr.tolist():
            t += rr / 1000.0
            yield Beat(t, rr)
        self.quiet.set()
        await self._closed.wait()
        yield SourceState(self.clock.now(), "ended")


async def test_with_the_callers_ticker_only_its_ticks_move_the_engine(nsr_5min: npt.NDArray[np.float64]) -> None:
    """``ticker=False`` (the dashboard runs the one ticker): the driver starts no timer of its own,
    and ``tick()`` shows a drop-out at the clock's time, as the driver's ticker would."""
    clock = SteppedClock(1000.0)
    source = HeldSource(nsr_5min[:40], clock)
    engine = Engine()
    snaps: list[object] = []
    driver = Driver(source, engine, on_snapshot=snaps.append, ticker=False)
    assert driver.clock is clock and driver.realtime
    assert driver.tick() is engine.snapshot and not snaps  # before the source is connected: nothing
    task = asyncio.create_task(driver.run())
    await asyncio.wait_for(source.quiet.wait(), 10)
    t_last = float(np.sum(nsr_5min[:40]) / 1000.0)
    clock.move_to(t_last + 8.0)
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "vagal-engine-tick"]  # no timer of its own
    assert engine.snapshot.gap_started_s is None
    ticked = driver.tick()
    assert ticked.gap_started_s == pytest.approx(t_last) and snaps[-1] is ticked
    driver.stop()
    await asyncio.wait_for(task, 10)


async def test_without_a_snapshot_listener_the_driver_folds_and_ends_with_push_s_numbers() -> None:
    """Only ``on_fold``: no snapshot is built per event (``Engine.fold``); the snapshots read
    on the way and at the end, and the summary, are those of the one-by-one ``push`` run."""
    from tests.conftest import real_recordings
    from vagal.sources.replay import ReplaySource

    path = max(real_recordings(), key=lambda p: p.stat().st_size)
    pushed: list[tuple[float, object]] = []
    ref = Engine()
    ref_driver = Driver(ReplaySource(str(path), speed=float("inf")), ref)
    ref_driver.on_event = lambda e, snap: pushed.append((e.t_s, snap)) if isinstance(e, Beat) else None
    ref_final = await ref_driver.run()

    engine = Engine()
    seen: list[tuple[float, object]] = []
    built: list[int] = []
    original = engine._build

    def counting_build() -> object:
        built.append(1)
        return original()

    engine._build = counting_build
    driver = Driver(ReplaySource(str(path), speed=float("inf")), engine)
    every = max(1, len(pushed) // 50)
    beats = 0

    def on_fold(e: Event) -> None:
        nonlocal beats
        if isinstance(e, Beat):
            beats += 1
            if beats % every == 0:
                seen.append((e.t_s, engine.snapshot))

    driver.on_fold = on_fold
    final = await driver.run()
    assert final == ref_final and final.coherence.valid
    assert engine.summary() == ref.summary()
    expected = dict(pushed)
    assert len(seen) >= 40
    for t, snap in seen:
        assert snap == expected[t], f"at {t} s"
    assert len(built) < len(pushed) // 10  # built only when read, not per event
