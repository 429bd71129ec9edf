"""Replay a recording through the same interface as the strap and the simulator.

Design decision: for vagal sessions the *stored events* are re-emitted (beats, gaps,
contact changes, markers, pacer changes, and the raw payloads too), not re-decoded from
the raw bytes. The stored beats are exactly what the live session used: their time
axis, settling flags and contact judgements came from the arrival times, which a
re-decode would have to reconstruct. Re-emitting them makes a replay reproduce the
session's live metrics, and keeps a file replayable after the decoder changes. The
``RawPayload`` events still flow, so a consumer that wants to re-decode can.

For formats with RR values only (RR lists, Polar, OpenHRV, WFDB…), ``Beat`` events are
synthesised from ``t_s``/``rr_ms``, and a ``Gap(reason="no_data")`` is emitted before
every beat that follows a break. Gaps stay gaps.

Timing: each event is emitted when the clock reaches the latest ``t_s`` seen so far
(a beat is back-dated from its notification, so it comes right after the payload that
carried it, as it did live). Speed scales the clock: 0.25x to 64x, or ``float('inf')``,
"as fast as possible" on a :class:`~vagal.clock.VirtualClock` with no sleeping.

Seeking keeps the file's own times: after ``seek(t_s)`` the next events carry times from
``t_s`` on. A jump forward is announced with ``Gap(reason="paused")`` over the skipped
stretch; every seek (forward or back) with ``SourceState("streaming", detail="jumped to
m:ss")``. After a jump back, time goes backwards: a consumer that folds events (the
engine) should start afresh when it sees that state.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from collections.abc import AsyncIterator
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Final

from vagal.clock import Clock, MonotonicClock, ReplayClock, VirtualClock
from vagal.errors import VagalError
from vagal.events import (
    Beat,
    DeviceInfo,
    Event,
    Gap,
    Marker,
    PayloadRejected,
    RawPayload,
    SourceState,
)
from vagal.sources.base import ClosesOnExit, SourceStats, sleep_until_or

if TYPE_CHECKING:
    from vagal.sessions.recording import Recording

MIN_SPEED: Final = 0.25
MAX_SPEED: Final = 64.0
_MARKER_BACK_S: Final = 1.0
"""seek_marker(-1) within this many seconds after a marker goes to the one before it."""


class ReplaySpeedError(VagalError):
    """A replay speed outside what is offered."""


def check_speed(speed: float) -> float:
    """Return ``speed`` if it is offered (0.25 to 64, or infinity), else raise ReplaySpeedError."""
    if math.isinf(speed) and speed > 0:
        return speed
    if not (MIN_SPEED <= speed <= MAX_SPEED):
        raise ReplaySpeedError(
            f"replay speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}, or max (as fast as possible); "
            f"got {speed:g}."
        )
    return speed


def _fmt_time(t_s: float) -> str:
    m, s = divmod(int(max(t_s, 0.0)), 60)
    return f"{m}:{s:02d}"


class ReplaySource(ClosesOnExit):
    """A recorded session (or any supported file) as a :class:`~vagal.sources.base.BeatSource`.

    It also implements :class:`~vagal.sources.base.ReplayControls` (the dashboard's
    transport keys), :class:`~vagal.sources.base.Clocked` and :class:`~vagal.sources.base.Named`.

    Args:
        recording: A :class:`~vagal.sessions.recording.Recording`, or a path read with
            :func:`~vagal.sessions.formats.load_recording`.
        clock: The clock to follow, one a replay can steer (default: a MonotonicClock at
            ``speed``, or a VirtualClock for ``float('inf')``).
        speed: 0.25 to 64, or ``float('inf')`` for as fast as possible.

    Raises:
        InputFileError: The file cannot be read.
        ReplaySpeedError: ``speed`` is outside 0.25–64 and not infinite.
    """

    def __init__(
        self, recording: Recording | str | Path, *, clock: ReplayClock | None = None, speed: float = 1.0
    ) -> None:
        from vagal.sessions.recording import Recording

        if not isinstance(recording, Recording):
            from vagal.sessions.formats import load_recording

            recording = load_recording(recording)
        self.recording: Recording = recording
        self._speed = check_speed(speed)
        if clock is None:
            clock = VirtualClock() if math.isinf(speed) else MonotonicClock(speed)
        self._clock: ReplayClock = clock
        self.stats = SourceStats()
        self._events: list[Event] = self._build_events()
        self._due: list[float] = list(accumulate((e.t_s for e in self._events), max)) if self._events else []
        self._origin_s = min(0.0, self._due[0]) if self._due else 0.0
        if recording.events is None and recording.n_beats:
            # RR-only files start where their first beat starts (a CSV may begin at 100 s).
            self._origin_s = float(recording.t_s[0] - recording.rr_ms[0] / 1000.0)
        self._index = 0
        self._paused = False
        self._paused_at = 0.0
        self._closed = False
        self._wake = asyncio.Event()
        self._seeks = 0
        self._jump: tuple[float, float] | None = None
        self._last_t_s = self._origin_s
        if not isinstance(self._clock, VirtualClock):
            self._set_clock_time(self._origin_s)

    # --- what the dashboard asks ---------------------------------------------------------------

    @property
    def name(self) -> str:
        """The file's name."""
        return Path(self.recording.path).name

    @property
    def speed(self) -> float:
        """Replay speed: 0.25 to 64, or ``inf``."""
        return self._speed

    @property
    def clock(self) -> Clock:
        """The clock the replay follows (session time of the file)."""
        return self._clock

    @property
    def paused(self) -> bool:
        """True while paused."""
        return self._paused

    @property
    def duration_s(self) -> float:
        """Session time of the last event (the end of the replay)."""
        return self._due[-1] if self._due else 0.0

    @property
    def position_s(self) -> float:
        """Current replay time, session seconds."""
        if self._paused:
            return self._paused_at
        return float(min(max(self._clock.now(), self._origin_s), self.duration_s))

    @property
    def markers(self) -> tuple[Marker, ...]:
        """The recording's markers, in time order."""
        return tuple(sorted(self.recording.markers, key=lambda m: m.t_s))

    # --- controls ---------------------------------------------------------------------------------

    def pause(self) -> None:
        """Stop the clock where it is (no events are emitted while paused)."""
        if not self._paused:
            self._paused_at = self.position_s
            self._paused = True
            self._wake.set()

    def resume(self) -> None:
        """Continue from where it was paused."""
        if self._paused:
            self._set_clock_time(self._paused_at)
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
        self._set_clock_time(now)
        self._wake.set()

    def seek(self, t_s: float) -> None:
        """Continue from session time ``t_s`` (clamped to the recording)."""
        target = min(max(float(t_s), self._origin_s), self.duration_s)
        self._jump = (self._last_t_s, target)
        self._index = bisect.bisect_left(self._due, target)
        self._set_clock_time(target)
        if self._paused:
            self._paused_at = target
        self._seeks += 1
        self._wake.set()

    def seek_marker(self, direction: int) -> Marker | None:
        """Jump to the next (``+1``) or previous (``-1``) marker.

        Returns:
            The marker jumped to, or None when there is none in that direction
            (going back before the first marker goes to the start).
        """
        pos = self.position_s
        markers = self.markers
        if direction > 0:
            target = next((m for m in markers if m.t_s > pos + 1e-6), None)
        else:
            before = [m for m in markers if m.t_s < pos - _MARKER_BACK_S]
            target = before[-1] if before else None
            if target is None:
                self.seek(self._origin_s)
                return None
        if target is not None:
            self.seek(target.t_s)
        return target

    # --- the BeatSource protocol ------------------------------------------------------------------

    async def close(self) -> None:
        """Stop; the iterator ends after ``SourceState("ended")``."""
        self._closed = True
        self._wake.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        rec = self.recording
        t0 = self._origin_s
        if self._index == 0 and not self._paused:
            self._set_clock_time(t0)  # the replay starts when iteration starts, not at construction
        yield self._device_info(t0)
        detail = f"replaying {self.name}"
        if rec.damage:
            detail += f" (damaged at line {rec.damage[0].line}: replaying what was readable)"
        yield SourceState(t0, "connected", detail)
        yield SourceState(t0, "streaming", detail)
        while not self._closed:
            if self._jump is not None:
                before, after = self._jump
                self._jump = None
                if after > before:
                    yield Gap(before, after, "paused")
                yield SourceState(after, "streaming", f"jumped to {_fmt_time(after)}")
                self._last_t_s = after
                continue
            if self._index >= len(self._events):
                break
            due = self._due[self._index]
            if not await self._wait_until(due):
                continue  # paused, sought or closed meanwhile: look again
            event = self._events[self._index]
            self._index += 1
            self._count(event)
            self._last_t_s = max(self._last_t_s, event.t_s)
            yield event
        yield SourceState(max(self._last_t_s, self.position_s if not self._closed else self._last_t_s), "ended")

    # --- internals --------------------------------------------------------------------------------

    def _set_clock_time(self, t_s: float) -> None:
        self._clock.jump_to(t_s)

    async def _wait_until(self, due: float) -> bool:
        """Wait until the clock reaches ``due``; False when interrupted by a control."""
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
                    self._set_clock_time(due)
                await asyncio.sleep(0)  # let the consumer and the UI run
                return self._seeks == seeks and not self._closed and not self._paused
            if self._clock.now() >= due:
                return True
            self._wake.clear()
            await sleep_until_or(self._clock, due, self._wake)

    def _count(self, event: Event) -> None:
        s = self.stats
        if isinstance(event, RawPayload):
            s.payloads += 1
        elif isinstance(event, PayloadRejected):
            s.rejected += 1
        elif isinstance(event, Beat):
            s.beats += 1
        elif isinstance(event, Gap):
            s.gap_s += event.duration_s

    def _device_info(self, t_s: float) -> DeviceInfo:
        dev = self.recording.meta.get("device") or {}
        return DeviceInfo(
            t_s,
            "replay",
            self.name,
            manufacturer=dev.get("manufacturer"),
            model=dev.get("model") or dev.get("name"),
            firmware=dev.get("firmware"),
            profile=dev.get("profile"),
            sends_rr=True,
        )

    def _build_events(self) -> list[Event]:
        rec = self.recording
        if rec.events is not None:
            # The original source's identity, start-up states and end are replaced by the
            # replay's own; states later on (a reconnect) are part of the story and stay.
            out_events: list[Event] = []
            started = False
            for e in rec.events:
                started = started or isinstance(e, (RawPayload, Beat))
                if isinstance(e, DeviceInfo) or (isinstance(e, SourceState) and (not started or e.state == "ended")):
                    continue
                out_events.append(e)
            return out_events
        from vagal.sessions.recording import beat_events

        return beat_events(rec)
