"""Injectable clocks: real monotonic time, scaled time for replay, and a virtual clock for tests.

A clock gives session seconds (0 at ``start``) and can wait until a session time. Sources
and the driver take one, so the same code runs in real time, at 8x, or as fast as
possible on a virtual clock with no sleeping (compare ``textual/clock.py``).
"""

from __future__ import annotations

import time
from typing import Protocol


def clock_text(t_s: float) -> str:
    """Session time as "m:ss" (or "h:mm:ss" past an hour), whole seconds cut off.

    Shared by the dashboard, the headless progress lines and the tables of
    ``vagal sessions`` and ``vagal analyze`` (which round first).
    """
    t = max(0, int(t_s))
    h, rest = divmod(t, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Clock(Protocol):
    """Session time in seconds, how fast it runs, and a way to wait for it."""

    @property
    def speed(self) -> float:
        """Session seconds per wall second: 1 in real time, 4 for a replay at 4x,
        ``inf`` for a virtual clock that runs as fast as possible (no ticker is needed then)."""
        ...

    def now(self) -> float:
        """Current session time in seconds."""
        ...

    async def sleep_until(self, t_s: float) -> None:
        """Return once session time has reached ``t_s`` (at once if it has)."""
        ...


class ReplayClock(Clock, Protocol):
    """A clock a replay can steer: its session time can be set (a seek) and its pace changed."""

    def jump_to(self, t_s: float) -> None:
        """Set session time to ``t_s`` (seek)."""
        ...

    def set_speed(self, speed: float) -> None:
        """Run at ``speed`` from now on, without a jump in session time."""
        ...


class MonotonicClock:
    """Real time from ``time.monotonic()``, optionally scaled by ``speed`` (replay at 4x…)."""

    def __init__(self, speed: float = 1.0, *, start_s: float = 0.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed=}")
        self._speed = speed
        self._origin = time.monotonic()
        self._offset_s = start_s

    @property
    def speed(self) -> float:
        """Session seconds per wall second."""
        return self._speed

    def now(self) -> float:
        return self._offset_s + (time.monotonic() - self._origin) * self._speed

    def set_speed(self, speed: float) -> None:
        """Change speed without a jump in session time."""
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed=}")
        self._offset_s = self.now()
        self._origin = time.monotonic()
        self._speed = speed

    def jump_to(self, t_s: float) -> None:
        """Set session time (seek in replay)."""
        self._offset_s = t_s
        self._origin = time.monotonic()

    async def sleep_until(self, t_s: float) -> None:
        delay = (t_s - self.now()) / self._speed
        if delay > 0:
            import asyncio  # here, not at the top: `vagal analyze` needs only clock_text (asyncio ~35 ms)

            await asyncio.sleep(delay)


class VirtualClock:
    """A clock that only moves when something waits on it: "as fast as possible".

    ``sleep_until`` jumps time forward and yields to the event loop once, so other tasks
    still run. Tests can also set ``t_s`` directly.
    """

    def __init__(self, start_s: float = 0.0) -> None:
        self.t_s = start_s

    @property
    def speed(self) -> float:
        """Infinite: time moves only with what waits on it."""
        return float("inf")

    def now(self) -> float:
        return self.t_s

    def advance(self, dt_s: float) -> None:
        self.t_s += dt_s

    def set_speed(self, speed: float) -> None:
        """Nothing to change: a virtual clock has no pace of its own (it is always "as fast as possible")."""
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed=}")

    def jump_to(self, t_s: float) -> None:
        self.t_s = t_s

    async def sleep_until(self, t_s: float) -> None:
        self.t_s = max(self.t_s, t_s)
        import asyncio

        await asyncio.sleep(0)
