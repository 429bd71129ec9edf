"""The one small async interface every beat source implements.

A source is an async context manager (connect on enter, close on exit) and an async
iterator of :mod:`vagal.events`. Downstream code (engine, recorder, dashboard) cannot
tell the strap, the simulator and a replayed file apart.

Contract:
* ``async with source:`` connects (or opens the file). It raises a
  :class:`vagal.errors.VagalError` subclass with a one-line message when it cannot.
* ``async for event in source:`` yields events in time order. The first events are a
  ``SourceState("connecting"/"connected")`` and a ``DeviceInfo``. A drop-out yields
  ``SourceState("reconnecting")`` and, once the link is back, a ``Gap``; the iterator
  itself does not end on a drop-out. It ends when the source is exhausted (replay,
  a simulator with a duration) or after ``close()``, with a final
  ``SourceState("ended")``.
* Malformed data never raises out of the iterator: it is yielded as
  ``PayloadRejected`` and counted in ``stats``.
* ``t_s`` of every event comes from the source's clock (session seconds).

Some sources can do more, and say so by type rather than by attribute lookups: each
capability is a small runtime-checkable Protocol that the driver and the dashboard ask
for with ``isinstance``:

* :class:`Clocked`: the source exposes the clock that stamps its events (the simulator,
  a replay), so the driver ticks and the dashboard draws on the same time axis.
* :class:`Named`: the source has a name to show before its ``DeviceInfo`` arrives.
* :class:`TakesEvents`: the source wants to hear events the person made (a pacer change).
* :class:`ReplayControls`: the transport of a replay (pause, seek, speed, markers).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from vagal.events import Event, Marker

if TYPE_CHECKING:
    from vagal.clock import Clock


@dataclass(slots=True)
class SourceStats:
    """Counters a source keeps while it runs (shown in the status line and summaries)."""

    payloads: int = 0
    """Notifications (or simulated/replayed payloads) received."""
    rejected: int = 0
    """Payloads that could not be decoded and were skipped."""
    beats: int = 0
    reconnects: int = 0
    gap_s: float = 0.0
    """Total time without data (drop-outs, contact loss)."""


async def sleep_until_or(clock: Clock, t_s: float, interrupt: asyncio.Event) -> None:
    """Wait until ``clock`` reaches ``t_s`` or ``interrupt`` is set, whichever comes first.

    The waiter that lost is cancelled and awaited, so no task outlives the call.
    """
    sleeper = asyncio.ensure_future(clock.sleep_until(t_s))
    waker = asyncio.ensure_future(interrupt.wait())
    try:
        await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, waker):
            if not task.done():
                task.cancel()
        await asyncio.gather(sleeper, waker, return_exceptions=True)


class ClosesOnExit:
    """Mixin for sources: ``async with source`` yields the source, leaving the block closes it.

    A source whose ``__aenter__`` does real work (connecting) overrides it; ``close()`` is
    the source's own.
    """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        raise NotImplementedError


@runtime_checkable
class BeatSource(Protocol):
    """An async context manager and async iterator of events (see the module docstring)."""

    stats: SourceStats

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def __aiter__(self) -> AsyncIterator[Event]: ...

    async def close(self) -> None:
        """Stop the source; the iterator ends after yielding ``SourceState("ended")``."""
        ...


@runtime_checkable
class Clocked(Protocol):
    """A source whose events are stamped by a clock others may read (session seconds)."""

    @property
    def clock(self) -> Clock:
        """The clock behind every event's ``t_s``."""
        ...


@runtime_checkable
class Named(Protocol):
    """A source with a name for the status line (a strap's name, a file's name)."""

    @property
    def name(self) -> str:
        """What to call the source, shown literally."""
        ...


@runtime_checkable
class TakesEvents(Protocol):
    """A source that follows events the person makes (pacer changes, markers)."""

    def send(self, event: Event) -> None:
        """Take one event; must not block (it is called on the event loop)."""
        ...


@runtime_checkable
class ReplayControls(Protocol):
    """The transport of a replayed recording (:class:`vagal.sources.replay.ReplaySource`).

    The dashboard shows the transport keys only for a source of this type. Times are
    session seconds of the file; speeds are session seconds per wall second.
    """

    @property
    def paused(self) -> bool:
        """True while paused (no events are emitted)."""
        ...

    @property
    def speed(self) -> float:
        """Replay speed: 0.25 to 64, or ``inf`` (as fast as possible)."""
        ...

    @property
    def position_s(self) -> float:
        """Where the replay is, session seconds."""
        ...

    @property
    def duration_s(self) -> float:
        """Session time of the recording's last event."""
        ...

    @property
    def markers(self) -> tuple[Marker, ...]:
        """The recording's markers, in time order."""
        ...

    def pause(self) -> None:
        """Stop where it is."""
        ...

    def resume(self) -> None:
        """Go on from where it was paused."""
        ...

    def seek(self, t_s: float) -> None:
        """Continue from session time ``t_s`` (clamped to the recording)."""
        ...

    def seek_marker(self, direction: int) -> Marker | None:
        """Jump to the next (+1) or previous (-1) marker; None when there is none that way."""
        ...

    def set_speed(self, speed: float) -> None:
        """Change the speed without a jump in replay time."""
        ...
