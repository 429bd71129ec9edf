"""A two-person session file replayed with a transport: pause, seek, speed, wait at the end.

Design decision: the events of a session for two are already read and tagged with their
person (``vagal.commands.replay_pair.load_pair_file``); this class only lets them out when
the clock reaches each one's time, as :class:`vagal.sources.replay.ReplaySource` does for one
person, and implements the same :class:`~vagal.sources.base.ReplayControls`. A jump is never
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

from vagal.clock import Clock, MonotonicClock, ReplayClock, VirtualClock
from vagal.events import Marker
from vagal.sources.base import sleep_until_or
from vagal.sources.replay import YIELD_EVERY, check_speed

if TYPE_CHECKING:
    from vagal.events import Event

_MARKER_BACK_S = 1.0
"""seek_marker(-1) within this many seconds after a marker goes to the one before it."""


class _PositionClock:
    """The replay's position as a clock: still while paused or at the end (the guide reads it)."""

    def __init__(self, replay: PairReplay) -> None:
        self._replay = replay

    @property
    def speed(self) -> float:
        return self._replay.speed

    def now(self) -> float:
        return self._replay.position_s

    async def sleep_until(self, t_s: float) -> None:
        await self._replay._clock.sleep_until(t_s)


class PairReplay:
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
    def clock(self) -> Clock:
        """The replay's position as a clock (still while paused)."""
        return _PositionClock(self)

    @property
    def speed(self) -> float:
        """Replay speed: 0.25 to 64, or ``inf``."""
        return self._speed

    @property
    def paused(self) -> bool:
        """True while paused (and while waiting at the end)."""
        return self._paused

    @property
    def origin_s(self) -> float:
        """Session time of the file's first event."""
        return self._origin_s

    @property
    def duration_s(self) -> float:
        """Session time of the last event (the end of the replay)."""
        return self._due[-1] if self._due else 0.0

    @property
    def position_s(self) -> float:
        """Where the replay is, session seconds of the file."""
        if self._paused:
            return self._paused_at
        return float(min(max(self._clock.now(), self._origin_s), self.duration_s))

    @property
    def at_end(self) -> bool:
        """True while the replay waits at the end of the file."""
        return self._at_end

    @property
    def furthest_s(self) -> float:
        """The latest session time reached (the summary covers up to here)."""
        return self._furthest_s

    @property
    def markers(self) -> tuple[Marker, ...]:
        """The file's markers, in time order."""
        return tuple(sorted((e for _, e in self._items if isinstance(e, Marker)), key=lambda m: m.t_s))

    def events_until(self, t_s: float) -> list[tuple[int, Event]]:
        """The stream up to ``t_s`` as if played from the start (exactly what a seek there skips)."""
        return self._items[: bisect.bisect_left(self._due, t_s)]

    # --- controls ------------------------------------------------------------------------------

    def pause(self) -> None:
        """Stop the clock where it is."""
        if not self._paused:
            self._paused_at = self.position_s
            self._paused = True
            self._wake.set()

    def resume(self) -> None:
        """Go on from where it was paused; at the end, start again."""
        if self._at_end:
            self.seek(self._origin_s)
            return
        if self._paused:
            self._clock.jump_to(self._paused_at)
            self._paused = False
            self._wake.set()

    def set_speed(self, speed: float) -> None:
        """Change the speed without a jump in replay time.

        Raises:
            ReplaySpeedError: ``speed`` is outside 0.25–64 and not infinite.
        """
        check_speed(speed)
        now = self.position_s
        self._speed = speed
        if not math.isinf(speed):
            self._clock.set_speed(speed)
        self._clock.jump_to(now)
        self._wake.set()

    def seek(self, t_s: float) -> None:
        """Continue from session time ``t_s`` (clamped to the file); from the end it plays on."""
        target = min(max(float(t_s), self._origin_s), self.duration_s)
        self._index = bisect.bisect_left(self._due, target)
        self._clock.jump_to(target)
        if self._at_end:
            self._at_end = False
            self._paused = False
        if self._paused:
            self._paused_at = target
        self._seeks += 1
        self._wake.set()

    def seek_marker(self, direction: int) -> Marker | None:
        """Jump to the next (+1) or previous (-1) marker; None when there is none that way
        (going back before the first goes to the start)."""
        pos = self.position_s
        if direction > 0:
            target = next((m for m in self.markers if m.t_s > pos + 1e-6), None)
        else:
            before = [m for m in self.markers if m.t_s < pos - _MARKER_BACK_S]
            target = before[-1] if before else None
            if target is None:
                self.seek(self._origin_s)
                return None
        if target is not None:
            self.seek(target.t_s)
        return target

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
                if not self._at_end:
                    self._paused_at = self.duration_s
                    self._paused = True
                    self._at_end = True
                    self._furthest_s = max(self._furthest_s, self.duration_s)
                self._wake.clear()
                await self._wake.wait()
                continue
            due = self._due[self._index]
            if not await self._wait_until(due):
                continue
            item = self._items[self._index]
            self._index += 1
            self._furthest_s = max(self._furthest_s, due)
            yield item

    async def _wait_until(self, due: float) -> bool:
        """Wait until the clock reaches ``due``; False when a control or the close came first."""
        seeks = self._seeks
        while True:
            if self._closed or self._seeks != seeks:
                return False
            if self._paused:
                self._wake.clear()
                await self._wake.wait()
                continue
            if math.isinf(self._speed) or isinstance(self._clock, VirtualClock):
                if self._clock.now() < due:
                    self._clock.jump_to(due)
                self._unyielded += 1
                if self._unyielded < YIELD_EVERY:
                    return True
                self._unyielded = 0
                await asyncio.sleep(0)
                return self._seeks == seeks and not self._closed and not self._paused
            if self._clock.now() >= due:
                return True
            self._wake.clear()
            await sleep_until_or(self._clock, due, self._wake)
