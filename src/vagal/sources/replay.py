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
engine) should start afresh when it sees that state, or, better, rebuild its state from
:meth:`ReplaySource.events_until` (the stream up to the new position, as if played from
the start) and set ``announce_jumps`` to False, so no gap is announced over a stretch it
has analysed (the dashboard does that: a seek keeps the analysis).

For the dashboard the stream does not end at the end of the file (``hold_at_end``): the
replay waits there, paused (:attr:`ReplaySource.at_end`), so that going back or starting
again works; it ends when it is closed. Headless replays end at the end of the file.

Markers noted beside the file after it was recorded (``<file>.notes.jsonl``,
:mod:`vagal.sessions.notes`) are part of the replay: a label given later replaces the
recorded marker's, other notes are markers at their times. :meth:`ReplaySource.add_marker`
adds one during the replay (the caller keeps it in the notes file).

The replay's :attr:`~ReplaySource.clock` reads the replay's position, so it stands still
while the replay is paused or waits at its end: the driver's ticks never see a drop-out in
a paused replay.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from array import array
from collections.abc import AsyncIterator, Sequence
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
YIELD_EVERY: Final = 32
"""At full speed the replay lets the loop run (the consumer's tasks, the UI) every this many
events, not after each: an await per event costs a fifth of a headless replay."""
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


class _PositionClock:
    """The replay's position as a :class:`~vagal.clock.Clock`: still while paused or at the end."""

    def __init__(self, replay: ReplayTransport) -> None:
        self._replay = replay

    @property
    def speed(self) -> float:
        """The replay's clock's speed (``inf`` as fast as possible)."""
        return self._replay._clock.speed

    def now(self) -> float:
        return self._replay.position_s

    async def sleep_until(self, t_s: float) -> None:
        await self._replay._clock.sleep_until(t_s)


class ReplayTransport:
    """The transport a replay shares, for one person or two: pause, seek, speed, the end.

    A subclass sets, in its ``__init__``: ``_speed``, ``_clock``, ``_origin_s``, ``_due``
    (when each event falls due, the running maximum of the times), ``_index``, ``_paused``,
    ``_paused_at``, ``_closed``, ``_at_end``, ``_seeks``, ``_unyielded``, ``_furthest_s`` and
    ``_wake``; and gives ``markers``. Its stream waits for each event with
    :meth:`_wait_until`, which returns False when a control or the close came first.
    """

    _speed: float
    _clock: ReplayClock
    _origin_s: float
    _due: Sequence[float]
    _index: int
    _paused: bool
    _paused_at: float
    _closed: bool
    _at_end: bool
    _seeks: int
    _unyielded: int
    _furthest_s: float
    _wake: asyncio.Event

    @property
    def markers(self) -> tuple[Marker, ...]:
        """The file's markers, in time order."""
        raise NotImplementedError

    def _on_seek(self, target: float) -> None:
        """What a subclass does at a seek to ``target``, before the index moves (nothing here)."""

    @property
    def speed(self) -> float:
        """Replay speed: 0.25 to 64, or ``inf``."""
        return self._speed

    @property
    def clock(self) -> Clock:
        """The replay's position as a clock (session time of the file; still while paused)."""
        return _PositionClock(self)

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
    def at_end(self) -> bool:
        """True while a ``hold_at_end`` replay waits at the end of the file."""
        return self._at_end

    @property
    def furthest_s(self) -> float:
        """The latest session time the replay has reached, seconds (a summary covers up to here)."""
        return self._furthest_s

    def pause(self) -> None:
        """Stop the clock where it is (no events are emitted while paused)."""
        if not self._paused:
            self._paused_at = self.position_s
            self._paused = True
            self._wake.set()

    def resume(self) -> None:
        """Continue from where it was paused; at the end of a held replay, start again."""
        if self._at_end:
            self.seek(self._origin_s)
            return
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
        """Continue from session time ``t_s`` (clamped to the recording).

        From the end of a held replay it plays on from there.
        """
        target = min(max(float(t_s), self._origin_s), self.duration_s)
        self._on_seek(target)
        self._index = bisect.bisect_left(self._due, target)
        self._set_clock_time(target)
        if self._at_end:
            self._at_end = False
            self._paused = False
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

    async def _wait_at_end(self) -> None:
        """Wait at the end, paused, for a jump back, a new start or the close."""
        if not self._at_end:
            self._paused_at = self.duration_s
            self._paused = True
            self._at_end = True
            self._furthest_s = max(self._furthest_s, self.duration_s)
        self._wake.clear()
        await self._wake.wait()

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
                self._unyielded += 1
                if self._unyielded < YIELD_EVERY:
                    return True
                self._unyielded = 0
                await asyncio.sleep(0)  # let the consumer and the UI run
                return self._seeks == seeks and not self._closed and not self._paused
            if self._clock.now() >= due:
                return True
            self._wake.clear()
            await sleep_until_or(self._clock, due, self._wake)



class ReplaySource(ReplayTransport, ClosesOnExit):
    """A recorded session (or any supported file) as a :class:`~vagal.sources.base.BeatSource`.

    It also implements :class:`~vagal.sources.base.ReplayControls` (the dashboard's
    transport keys), :class:`~vagal.sources.base.Clocked` and :class:`~vagal.sources.base.Named`.

    Args:
        recording: A :class:`~vagal.sessions.recording.Recording`, or a path read with
            :func:`~vagal.sessions.formats.load_recording`.
        clock: The clock to follow, one a replay can steer (default: a MonotonicClock at
            ``speed``, or a VirtualClock for ``float('inf')``).
        speed: 0.25 to 64, or ``float('inf')`` for as fast as possible.
        hold_at_end: Wait at the end of the file (paused) instead of ending the stream, so
            the replay can go back or start again (the dashboard); it ends on ``close()``.
        notes: Replay the markers noted beside the file (``<file>.notes.jsonl``) too.

    Raises:
        InputFileError: The file cannot be read.
        ReplaySpeedError: ``speed`` is outside 0.25–64 and not infinite.
    """

    def __init__(
        self,
        recording: Recording | str | Path,
        *,
        clock: ReplayClock | None = None,
        speed: float = 1.0,
        hold_at_end: bool = False,
        notes: bool = True,
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
        self.hold_at_end = hold_at_end
        """Wait at the end of the file instead of ending the stream (see the module docstring)."""
        self.announce_jumps = True
        """Announce a jump forward with a ``Gap`` (False: the consumer rebuilds its state itself)."""
        self._events: list[Event] = self._build_events()
        if notes:
            from vagal.sessions.notes import read_notes

            for note in read_notes(Path(recording.path)):
                self._place_marker(note, due=False)
        # When each event falls due (the running maximum of the times), as one array of
        # doubles: a day's 117,000 Python floats in a list took 4.6 MB.
        self._due: array[float] = array("d", accumulate((e.t_s for e in self._events), max))
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
        self._unyielded = 0
        """Events sent at full speed since the replay last let the loop run."""
        self._jump: tuple[float, float] | None = None
        self._last_t_s = self._origin_s
        self._at_end = False
        self._furthest_s = self._origin_s
        if not isinstance(self._clock, VirtualClock):
            self._set_clock_time(self._origin_s)

    # --- what the dashboard asks ---------------------------------------------------------------

    @property
    def name(self) -> str:
        """The file's name."""
        return Path(self.recording.path).name

    @property
    def markers(self) -> tuple[Marker, ...]:
        """The recording's markers with the notes beside it, in time order."""
        return tuple(sorted((e for e in self._events if isinstance(e, Marker)), key=lambda m: m.t_s))

    def events_until(self, t_s: float) -> list[Event]:
        """The stream up to session time ``t_s``, as if played from the start without a jump.

        The opening states, then every event that comes before ``t_s`` (exactly those a
        :meth:`seek` to ``t_s`` skips over, so rebuilding from these and playing on from
        there folds each event once).
        """
        t0 = self._origin_s
        detail = f"replaying {self.name}"
        head: list[Event] = [SourceState(t0, "connected", detail), SourceState(t0, "streaming", detail)]
        return head + self._events[: bisect.bisect_left(self._due, t_s)]

    def add_marker(self, marker: Marker) -> None:
        """Add a marker made during the replay (a label for a recorded one at the same moment).

        It is shown again after a jump back; keeping it in the notes file is the caller's.
        """
        self._place_marker(marker, due=True)

    # --- controls ---------------------------------------------------------------------------------

    def _on_seek(self, target: float) -> None:
        self._jump = (self._last_t_s, target)

    # --- the BeatSource protocol ------------------------------------------------------------------

    def release(self) -> None:
        """Let go of the file's events: the stream is over and nothing will seek.

        What a headless replay does before its final numbers (a day's events are ~15 MB).
        After it the source is an empty file: no markers, no events to seek through.
        """
        import dataclasses

        self._events = []
        self._due = array("d")
        if self.recording.events is not None:
            self.recording = dataclasses.replace(self.recording, events=())

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
                if after > before and self.announce_jumps:
                    yield Gap(before, after, "paused")
                yield SourceState(after, "streaming", f"jumped to {_fmt_time(after)}")
                self._last_t_s = after
                continue
            if self._index >= len(self._events):
                if not self.hold_at_end:
                    break
                await self._wait_at_end()
                continue
            due = self._due[self._index]
            if not await self._wait_until(due):
                continue  # paused, sought or closed meanwhile: look again
            event = self._events[self._index]
            self._index += 1
            self._count(event)
            self._last_t_s = max(self._last_t_s, event.t_s)
            self._furthest_s = max(self._furthest_s, due)
            yield event
        yield SourceState(
            max(self._last_t_s, self.position_s if not self._closed else self._last_t_s), "ended"
        )

    # --- internals --------------------------------------------------------------------------------

    def _place_marker(self, marker: Marker, *, due: bool) -> None:
        """Put ``marker`` in the stream: in place of a marker at the same moment, else at its time."""
        from vagal.sessions.notes import SAME_MOMENT_S

        for i, e in enumerate(self._events):
            if isinstance(e, Marker) and abs(e.t_s - marker.t_s) <= SAME_MOMENT_S:
                self._events[i] = marker
                return
        if not due:
            times = list(accumulate((e.t_s for e in self._events), max))
            self._events.insert(bisect.bisect_right(times, marker.t_s), marker)
            return
        i = bisect.bisect_right(self._due, marker.t_s)
        self._events.insert(i, marker)
        # Every due time before i is at most the marker's, every one after it is later.
        self._due.insert(i, marker.t_s)
        if i < self._index:
            self._index += 1  # already passed: it is not played again until a jump back

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
                if isinstance(e, DeviceInfo) or (
                    isinstance(e, SourceState) and (not started or e.state == "ended")
                ):
                    continue
                out_events.append(e)
            return out_events
        from vagal.sessions.recording import beat_events

        return beat_events(rec)
