"""The thin async driver: source → engine → sinks, with a tick when no beats arrive.

Design decision: the only async code around the engine. It pulls events from a
:class:`~vagal.sources.base.BeatSource`, folds each into the engine, hands it to the sinks
(the recorder, whose ``write`` only queues: a slow disk never holds up the loop) and tells
``on_snapshot``. Events the person makes (markers, notes, pacer changes) come in through
``inject`` and take the same path, so they are analysed and recorded like source events.
In real time (a clock with a finite speed) the engine is ticked every ``tick_every_s``
so a drop-out shows even though no event arrives; on a virtual clock ("as fast as
possible") time only moves with the events, so there is no tick. There is one ticker per
session: the driver's own (headless), or, when a caller already runs a timer (the
dashboard's once-a-second clock), that timer calling :meth:`Driver.tick` (``ticker=False``).

Stopping (``stop()``, the duration, SIGINT/SIGTERM in the headless runner) closes the
source and keeps reading until its final ``SourceState("ended")``, so the recording ends
with a complete, closed stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, Protocol

from vagal.events import Event, PacerChanged, SourceState
from vagal.sources.base import Clocked, TakesEvents

if TYPE_CHECKING:
    from vagal.clock import Clock
    from vagal.engine.core import Engine
    from vagal.engine.snapshot import Snapshot
    from vagal.pacer import Pacer
    from vagal.sources.base import BeatSource

log = logging.getLogger(__name__)

DEFAULT_TICK_EVERY_S: Final = 1.0
"""How often the engine is ticked in real time (drop-outs show within about a second)."""


class Sink(Protocol):
    """A consumer of every event of a session (the recorder, :class:`vagal.sessions.writer.Recorder`).

    The driver only calls ``write``; whoever owns the session (the dashboard, the headless
    runner) closes each sink at the end and reads ``error`` to tell the person calmly when
    one stopped.
    """

    def write(self, event: Event) -> None:
        """Take one event; must not block and should not raise (a disk is slow or full)."""
        ...

    def close(self) -> None:
        """Finish: write out what is still queued and release the file (idempotent)."""
        ...

    @property
    def error(self) -> BaseException | None:
        """Why the sink stopped taking events, in words a person can read; None while it works."""
        ...


class Driver:
    """Runs a source into the engine and the sinks until the source ends or ``stop()``.

    Args:
        source: The beat source (not yet entered; the driver connects it).
        engine: The live engine.
        sinks: Where every event also goes, in order (``write(event)`` must not block).
        on_snapshot: Called with the snapshot after every event and every tick (the same
            object again when the event changed nothing it shows).
        on_event: Called with each event and the snapshot after it.
        on_fold: Called with each event once it is folded, without its snapshot: with
            neither ``on_snapshot`` nor ``on_event`` the engine builds no snapshot per event
            (``Engine.fold``; a headless run reads ``engine.snapshot`` when it shows one).
        pacer: The breathing pacer, if one runs: its initial pattern is folded and recorded
            first (a ``PacerChanged`` at the pacer's start).
        clock: Session clock for the ticks (default: the source's, when it is
            :class:`~vagal.sources.base.Clocked`); no ticks on a virtual clock (infinite speed).
        tick_every_s: Ticker period, session seconds.
        until_s: Stop once session time reaches this (None: run until the source ends).
        ticker: Run the driver's own ticker in real time. False when the caller calls
            :meth:`tick` from a timer of its own (the dashboard), so a session has one ticker.
    """

    def __init__(
        self,
        source: BeatSource,
        engine: Engine,
        *,
        sinks: Sequence[Sink] = (),
        on_snapshot: Callable[[Snapshot], None] | None = None,
        on_event: Callable[[Event, Snapshot], None] | None = None,
        on_fold: Callable[[Event], None] | None = None,
        pacer: Pacer | None = None,
        clock: Clock | None = None,
        tick_every_s: float = DEFAULT_TICK_EVERY_S,
        until_s: float | None = None,
        ticker: bool = True,
    ) -> None:
        if not tick_every_s > 0:
            raise ValueError(f"tick_every_s must be > 0, got {tick_every_s=}")
        self.source = source
        self.engine = engine
        self.sinks: list[Sink] = list(sinks)
        self.on_snapshot = on_snapshot
        self.on_event = on_event
        self.on_fold = on_fold
        self.pacer = pacer
        if clock is None and isinstance(source, Clocked):
            clock = source.clock
        self.clock: Clock | None = clock
        self.tick_every_s = tick_every_s
        self.until_s = until_s
        self.ticker = ticker
        self.sink_errors = 0
        """Exceptions raised by sinks (logged; the session goes on)."""
        self.events = 0
        """Events folded (from the source and injected)."""
        self.stopped_early = False
        """True when ``stop()`` or ``until_s`` ended the run before the source did."""
        self._stopping = False
        self._running = False
        """True once the source is connected and the pacer's start folded (ticks count from then)."""
        self._t_last_s = 0.0

    # ------------------------------------------------------------------ control

    def inject(self, event: Event) -> Snapshot:
        """Fold an event the person made (marker, note, pacer change) and record it.

        A ``PacerChanged`` is also offered to the source, if it takes events
        (:class:`~vagal.sources.base.TakesEvents`).
        """
        snap = self._fold(event) or self.engine.snapshot
        if isinstance(event, PacerChanged) and isinstance(self.source, TakesEvents):
            self.source.send(event)
        return snap

    def tick(self) -> Snapshot:
        """Tick the engine at the clock's time (real time only), as the driver's ticker does.

        For a caller that runs its own timer (``ticker=False``). Before the source is
        connected, after it ended, on a virtual clock or without a clock it only returns the
        latest snapshot: the engine's time moves with the session, as with the driver's ticker.
        """
        if not self._running or not self.realtime or self.clock is None:
            return self.engine.snapshot
        t = self.clock.now()
        snap = self.engine.tick(t)
        if self.on_snapshot is not None:
            self.on_snapshot(snap)
        if self.until_s is not None and t >= self.until_s:
            self.stop()
        return snap

    def stop(self) -> None:
        """Ask the run to end cleanly (safe to call from a signal handler via the loop)."""
        if self._stopping:
            return
        self._stopping = True
        self.stopped_early = True
        asyncio.ensure_future(self.source.close())

    @property
    def realtime(self) -> bool:
        """True when the clock runs at a finite speed (a ticker is needed)."""
        return self.clock is not None and not math.isinf(self.clock.speed)

    # ------------------------------------------------------------------ run

    async def run(self) -> Snapshot:
        """Connect, fold every event until the source ends (or ``stop()``), return the last snapshot.

        Raises:
            VagalError: The source could not connect (raised by the source).
        """
        ticker: asyncio.Task[None] | None = None
        async with self.source:
            if self.pacer is not None:
                self._fold(self.pacer.start_event())
            self._running = True
            if self.realtime and self.ticker:
                ticker = asyncio.create_task(self._tick_loop(), name="vagal-engine-tick")
            try:
                async for event in self.source:
                    self._fold(event)
                    if isinstance(event, SourceState) and event.state == "ended":
                        break
                    if self.until_s is not None and self._t_last_s >= self.until_s:
                        self.stop()
            finally:
                self._running = False
                if ticker is not None:
                    ticker.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await ticker
        return self.engine.snapshot

    async def _tick_loop(self) -> None:
        clock = self.clock
        assert clock is not None
        while not self._stopping:
            await asyncio.sleep(self.tick_every_s / clock.speed)
            self.tick()

    def _fold(self, event: Event) -> Snapshot | None:
        """Fold one event into the engine and the sinks; its snapshot, None when not built."""
        self.events += 1
        self._t_last_s = max(self._t_last_s, event.t_s)
        if self.on_event is None and self.on_snapshot is None:
            # Nobody looks at every snapshot: fold, and build one only when it is read.
            self.engine.fold(event)
            self._write(event)
            if self.on_fold is not None:
                self.on_fold(event)
            return None
        snap = self.engine.push(event)
        self._write(event)
        if self.on_fold is not None:
            self.on_fold(event)
        if self.on_event is not None:
            self.on_event(event, snap)
        if self.on_snapshot is not None:
            self.on_snapshot(snap)
        return snap

    def _write(self, event: Event) -> None:
        for sink in self.sinks:
            try:
                sink.write(event)
            except Exception:  # a sink must not end the session; it is logged and counted
                self.sink_errors += 1
                log.exception("a sink failed to take an event")
