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
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from vagal.events import Event

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
