"""The session pipeline the dashboard runs: source → engine → recorder, plus injected events.

Design decision: this is the only place the UI touches the source. It runs as one async
worker on the app's event loop and reports through callbacks that post typed messages,
so widgets only ever render state. The recorder writes from its own thread (see
:mod:`vagal.sessions.writer`), so the disk never stalls the loop; the engine is cheap per
beat. Events the person makes (markers, pacer changes) are *injected*: folded into the
engine and written to the recording exactly like events from the source, and offered to
the source too (the simulator breathes with the pacer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from vagal.engine.snapshot import Snapshot
from vagal.events import Event, Marker, PacerChanged
from vagal.sources.base import BeatSource

log = logging.getLogger(__name__)


class EngineLike(Protocol):
    """What the dashboard needs from ``vagal.engine.core.Engine``."""

    @property
    def snapshot(self) -> Snapshot: ...
    def push(self, event: Event) -> Snapshot: ...
    def tick(self, t_s: float) -> Snapshot: ...
    def hr_trace(self, span_s: float) -> tuple[Any, Any]: ...
    def rr_trace(self, span_s: float) -> tuple[Any, Any]: ...


class Sink(Protocol):
    """Anything that takes events (the session recorder)."""

    def write(self, event: Event) -> None: ...
    def close(self) -> None: ...


class Pipeline:
    """Runs a source into an engine and sinks; closes everything exactly once.

    Args:
        source: The beat source (strap, simulator or replay).
        engine: The live engine.
        sinks: Where every event also goes (the recorder), in order.
    """

    def __init__(self, source: BeatSource, engine: EngineLike, sinks: Sequence[Sink] = ()) -> None:
        self.source = source
        self.engine = engine
        self.sinks = list(sinks)
        self.closed = False

    async def run(self, on_event: Callable[[Event, Snapshot], None]) -> None:
        """Connect, then fold every event until the source ends (or is closed).

        Args:
            on_event: Called with each event and the snapshot after it.

        Raises:
            VagalError: The source could not connect, or failed (the caller shows it).
        """
        async with self.source:
            async for event in self.source:
                on_event(event, self._fold(event))

    def inject(self, event: Marker | PacerChanged) -> Snapshot:
        """Fold an event the person made, record it, and offer it to the source."""
        snapshot = self._fold(event)
        send = getattr(self.source, "send", None)
        if callable(send):
            send(event)
        return snapshot

    def _fold(self, event: Event) -> Snapshot:
        snapshot = self.engine.push(event)
        for sink in self.sinks:
            sink.write(event)
        return snapshot

    async def close(self) -> None:
        """Stop the source and close the sinks (drains the recording to disk). Idempotent."""
        if self.closed:
            return
        self.closed = True
        try:
            await self.source.close()
        finally:
            for sink in self.sinks:
                sink.close()
