"""A two-person session file replayed with a transport: pause, seek, speed, wait at the end.

Design decision: the events of a session for two are already read and tagged with their
person (``vagal.commands.replay_pair.load_pair_file``); this class only lets them out when
the clock reaches each one's time, as :class:`vagal.sources.replay.ReplaySource` does for one
person, with the same transport (:class:`vagal.sources.replay.ReplayTransport`: pause, seek,
speed, the wait at the end), so it gives the same :class:`~vagal.sources.base.ReplayControls`. A jump is never
announced in the stream: the dashboard for two rebuilds both people's state from
:meth:`PairReplay.events_until` (the stream up to the new position, as if played from the
start) and plays on from there, so every event is folded once. At the end of the file the
replay waits, paused (:attr:`PairReplay.at_end`), so that going back or starting again
works; it ends when it is closed.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from collections.abc import AsyncIterator, Sequence
from itertools import accumulate
from typing import TYPE_CHECKING

from vagal.clock import MonotonicClock, ReplayClock, VirtualClock
from vagal.events import Marker
from vagal.sources.replay import ReplayTransport, check_speed

if TYPE_CHECKING:
    from vagal.events import Event

class PairReplay(ReplayTransport):
    """``(person, event)`` pairs let out in time with a clock a transport can steer.

    Args:
        items: ``(person, event)`` in file order (``PairFile.items``).
        speed: 0.25 to 64, or ``float('inf')`` (as fast as possible).
        clock: The clock to follow (default: a MonotonicClock at ``speed``, a VirtualClock
            for ``inf``); tests pass a VirtualClock.
        hold_at_end: Wait at the end (paused) instead of ending, until closed.

    Raises:
        ReplaySpeedError: ``speed`` is outside 0.25–64 and not infinite.
    """

    announce_jumps = False
    """A jump is never announced with a gap: the dashboard rebuilds its state itself."""

    def __init__(
        self,
        items: Sequence[tuple[int, Event]],
        *,
        speed: float = 1.0,
        clock: ReplayClock | None = None,
        hold_at_end: bool = True,
    ) -> None:
        self._speed = check_speed(speed)
        self._items = list(items)
        self._due = list(accumulate((e.t_s for _, e in self._items), max))
        self._origin_s = self._items[0][1].t_s if self._items else 0.0
        if clock is None:
            clock = VirtualClock(self._origin_s) if math.isinf(speed) else MonotonicClock(speed)
        self._clock: ReplayClock = clock
        self.hold_at_end = hold_at_end
        self._index = 0
        self._paused = False
        self._paused_at = self._origin_s
        self._closed = False
        self._at_end = False
        self._seeks = 0
        self._unyielded = 0
        self._furthest_s = self._origin_s
        self._wake = asyncio.Event()
        self._clock.jump_to(self._origin_s)

    # --- what the dashboard asks -----------------------------------------------------------

    @property
    def origin_s(self) -> float:
        """Session time of the file's first event."""
        return self._origin_s

    @property
    def markers(self) -> tuple[Marker, ...]:
        """The file's markers, in time order."""
        return tuple(sorted((e for _, e in self._items if isinstance(e, Marker)), key=lambda m: m.t_s))

    def events_until(self, t_s: float) -> list[tuple[int, Event]]:
        """The stream up to ``t_s`` as if played from the start (exactly what a seek there skips)."""
        return self._items[: bisect.bisect_left(self._due, t_s)]

    # --- controls ------------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop: the stream ends."""
        self._closed = True
        self._wake.set()

    # --- the stream ----------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[tuple[int, Event]]:
        return self._run()

    async def _run(self) -> AsyncIterator[tuple[int, Event]]:
        if self._index == 0 and not self._paused:
            self._clock.jump_to(self._origin_s)  # the replay starts when iteration starts
        while not self._closed:
            if self._index >= len(self._items):
                if not self.hold_at_end:
                    break
                await self._wait_at_end()
                continue
            due = self._due[self._index]
            if not await self._wait_until(due):
                continue
            item = self._items[self._index]
            self._index += 1
            self._furthest_s = max(self._furthest_s, due)
            yield item
