"""ReplaySource: the recorded events again, on time, through the BeatSource interface.

Timing is checked on a VirtualClock (no sleeping): every event must come out when the
clock reaches its recorded time.
"""

from __future__ import annotations

import asyncio
from itertools import accumulate
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vagal import events as ev
from vagal.clock import MonotonicClock, VirtualClock
from vagal.sessions.recording import from_rr
from vagal.sessions.writer import Recorder, make_header
from vagal.sources.base import BeatSource
from vagal.sources.decode import PayloadDecoder
from vagal.sources.replay import ReplaySource, ReplaySpeedError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sessions"


def _payload(rr_ms: float) -> bytes:
    """A Heart Rate Measurement payload: flags (RR present), HR, one RR in 1/1024 s."""
    r = round(rr_ms * 1.024)
    return bytes([0x10, round(60000 / rr_ms), r & 0xFF, r >> 8])


def _record_real_session(path: Path, rr_ms: npt.NDArray[np.float64], markers: dict[int, str] | None = None) -> Path:
    """Decode real RR values sent as payloads at their arrival times, and record every event."""
    markers = markers or {}
    dec = PayloadDecoder()
    t = 0.0
    with Recorder(path, make_header(source="test")) as rec:
        rec.write(ev.DeviceInfo(0.0, "strap", "Polar H10 A1", model="H10"))
        for i, rr in enumerate(rr_ms.tolist()):
            t += rr / 1000.0
            arrival = t + 0.05  # a notification arrives just after its beat
            if i in markers:
                rec.write(ev.Marker(arrival, markers[i]))
            for e in dec.feed(arrival, _payload(rr)):
                rec.write(e)
    return path


async def _collect(src: ReplaySource) -> list[tuple[float, ev.Event]]:
    out: list[tuple[float, ev.Event]] = []
    async with src:
        async for e in src:
            out.append((src._clock.now(), e))
    return out


def test_is_a_beat_source(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    src = ReplaySource(from_rr("x.csv", "rr-list", nsr_5min), speed=float("inf"))
    assert isinstance(src, BeatSource)


async def test_replay_timing_matches_recorded_timestamps(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = _record_real_session(tmp_path / "s.vagal.jsonl", nsr_5min)
    from vagal.sessions import load_recording

    rec = load_recording(path)
    clock = VirtualClock()
    got = await _collect(ReplaySource(rec, clock=clock, speed=float("inf")))
    # Framing: who we are, then the stream, then the end.
    first = got[0][1]
    assert isinstance(first, ev.DeviceInfo) and first.kind == "replay" and first.name == "s.vagal.jsonl"
    assert first.model == "H10"
    assert isinstance(got[-1][1], ev.SourceState) and got[-1][1].state == "ended"
    body = [(now, e) for now, e in got[1:-1] if not isinstance(e, ev.SourceState)]
    original = [e for e in rec.events or () if not isinstance(e, ev.DeviceInfo)]
    assert [e for _, e in body] == original
    # Each event came out when the clock reached the latest time recorded so far.
    due = list(accumulate((e.t_s for e in original), max))
    assert [now for now, _ in body] == due
    # Beats keep their back-dated times: a beat follows the payload that carried it.
    beats = [e for e in original if isinstance(e, ev.Beat)]
    np.testing.assert_allclose([b.rr_ms for b in beats], np.round(nsr_5min * 1.024) / 1.024)


async def test_rr_only_formats_become_beats_and_gaps(nsr_5min: npt.NDArray[np.float64]) -> None:
    t = np.cumsum(nsr_5min) / 1000.0
    t[100:] += 30.0  # 30 s without data before beat 100
    breaks = np.zeros(nsr_5min.size, dtype=bool)
    breaks[100] = True
    rec = from_rr("x.csv", "csv-time", nsr_5min, t_s=t, breaks=breaks)
    got = [e for _, e in await _collect(ReplaySource(rec, clock=VirtualClock(), speed=float("inf")))]
    beats = [e for e in got if isinstance(e, ev.Beat)]
    np.testing.assert_array_equal([b.rr_ms for b in beats], nsr_5min)
    np.testing.assert_array_equal([b.t_s for b in beats], t)
    (gap,) = [e for e in got if isinstance(e, ev.Gap)]
    assert gap.start_s == t[99]
    assert gap.end_s == pytest.approx(t[100] - nsr_5min[100] / 1000.0)
    assert got.index(gap) == got.index(beats[100]) - 1


async def test_pause_stops_the_stream_and_resume_continues(nsr_5min: npt.NDArray[np.float64]) -> None:
    src = ReplaySource(from_rr("x.csv", "rr-list", nsr_5min), clock=VirtualClock(), speed=float("inf"))
    got: list[ev.Event] = []

    async def consume() -> None:
        async with src:
            async for e in src:
                got.append(e)
                if len(got) == 20:
                    src.pause()

    task = asyncio.create_task(consume())
    for _ in range(200):
        await asyncio.sleep(0)
    assert src.paused
    n = len(got)
    assert n == 20
    position = src.position_s
    for _ in range(200):
        await asyncio.sleep(0)
    assert len(got) == n and src.position_s == position  # nothing moved while paused
    src.resume()
    await asyncio.wait_for(task, timeout=30)
    assert sum(isinstance(e, ev.Beat) for e in got) == nsr_5min.size


async def test_seek_forward_is_a_gap_then_continues_there(nsr_5min: npt.NDArray[np.float64]) -> None:
    src = ReplaySource(from_rr("x.csv", "rr-list", nsr_5min), clock=VirtualClock(), speed=float("inf"))
    got: list[ev.Event] = []
    async with src:
        async for e in src:
            got.append(e)
            if isinstance(e, ev.Beat) and len(got) == 13:
                last_beat = e
                src.seek(120.0)
    k = got.index(last_beat)
    gap, state, nxt = got[k + 1 : k + 4]
    assert gap == ev.Gap(last_beat.t_s, 120.0, "paused")
    assert isinstance(state, ev.SourceState) and state.detail == "jumped to 2:00"
    assert isinstance(nxt, ev.Beat) and nxt.t_s >= 120.0
    t = np.cumsum(nsr_5min) / 1000.0
    assert nxt.t_s == t[np.searchsorted(t, 120.0)]


async def test_seek_marker_steps_through_markers(tmp_path: Path, nsr_5min: npt.NDArray[np.float64]) -> None:
    path = _record_real_session(tmp_path / "s.vagal.jsonl", nsr_5min, {70: "breathing", 200: "recovery"})
    src = ReplaySource(path, clock=VirtualClock(), speed=float("inf"))
    assert [m.label for m in src.markers] == ["breathing", "recovery"]
    m1, m2 = src.markers
    assert src.seek_marker(+1) == m1 and src.position_s == m1.t_s
    assert src.seek_marker(+1) == m2 and src.position_s == m2.t_s
    assert src.seek_marker(+1) is None
    src.seek(m2.t_s + 5.0)
    assert src.seek_marker(-1) == m2
    assert src.seek_marker(-1) == m1  # right at a marker: back goes to the one before
    assert src.seek_marker(-1) is None and src.position_s == 0.0
    # After seeking to the second marker, the replay continues from there.
    src.seek(m2.t_s)
    got = [e for _, e in await _collect(src)]
    marks = [e for e in got if isinstance(e, ev.Marker)]
    assert marks == [m2]


async def test_damaged_file_replays_what_was_readable() -> None:
    got = [e for _, e in await _collect(ReplaySource(FIXTURES / "corrupt_middle.vagal.jsonl", speed=float("inf")))]
    assert sum(isinstance(e, ev.Beat) for e in got) == 39  # read past the bad line 22
    states = [e for e in got if isinstance(e, ev.SourceState)]
    assert "damaged at line 22" in states[0].detail


def test_speed_is_checked() -> None:
    rec = from_rr("x.csv", "rr-list", [1000.0, 1000.0])
    for bad in (0.1, 100.0, 0.0, -1.0):
        with pytest.raises(ReplaySpeedError, match="between 0.25 and 64"):
            ReplaySource(rec, speed=bad)
    src = ReplaySource(rec, speed=4.0)
    assert isinstance(src._clock, MonotonicClock) and src._clock.speed == 4.0
    src.set_speed(0.25)
    assert src.speed == 0.25 and src._clock.speed == 0.25
    with pytest.raises(ReplaySpeedError):
        src.set_speed(65)
    assert isinstance(ReplaySource(rec, speed=float("inf"))._clock, VirtualClock)


async def test_close_ends_the_stream(nsr_5min: npt.NDArray[np.float64]) -> None:
    src = ReplaySource(from_rr("x.csv", "rr-list", nsr_5min), clock=VirtualClock(), speed=float("inf"))
    got: list[ev.Event] = []
    async with src:
        async for e in src:
            got.append(e)
            if len(got) == 10:
                await src.close()
    assert len(got) == 11
    assert isinstance(got[-1], ev.SourceState) and got[-1].state == "ended"


class ManualClock:
    """A real-time-like clock (it sleeps) whose time only the test moves: no timing in the test."""

    def __init__(self) -> None:
        self.t = 0.0
        self.speed = 1.0
        self._moved = asyncio.Event()

    def now(self) -> float:
        return self.t

    def jump_to(self, t_s: float) -> None:
        self.t = t_s
        self._moved.set()

    def set_speed(self, speed: float) -> None:
        self.speed = speed

    async def sleep_until(self, t_s: float) -> None:
        while self.t < t_s:
            self._moved.clear()
            await self._moved.wait()


async def _settle() -> None:
    for _ in range(50):
        await asyncio.sleep(0)


async def test_a_sleeping_replay_waits_for_its_clock_and_obeys_controls(nsr_5min: npt.NDArray[np.float64]) -> None:
    """The path ``vagal replay`` takes in real time: sleeping on the clock, woken by pause and seek."""
    clock = ManualClock()
    src = ReplaySource(from_rr("x.csv", "rr-list", nsr_5min), clock=clock)  # type: ignore[arg-type]
    t = np.cumsum(nsr_5min) / 1000.0
    beats: list[ev.Beat] = []
    got: list[ev.Event] = []

    async def consume() -> None:
        async with src:
            async for e in src:
                got.append(e)
                if isinstance(e, ev.Beat):
                    beats.append(e)

    task = asyncio.create_task(consume())
    await _settle()
    assert beats == []  # nothing is due at 0 s
    clock.jump_to(10.0)
    await _settle()
    assert [b.t_s for b in beats] == t[t <= 10.0].tolist()
    src.pause()
    clock.jump_to(50.0)  # time moves on, but a paused replay emits nothing
    await _settle()
    assert beats[-1].t_s <= 10.0 and src.position_s <= 10.0
    src.resume()  # back where it was paused
    await _settle()
    assert clock.now() <= 10.0 and beats[-1].t_s <= 10.0
    n_before = len(beats)
    src.seek(200.0)  # wakes the sleeping replay; the clock jumps with it
    await _settle()
    assert clock.now() == 200.0
    assert any(isinstance(e, ev.Gap) and e.end_s == 200.0 for e in got)
    assert len(beats) == n_before  # the next beat after 200 s is not due yet
    clock.jump_to(205.0)
    await _settle()
    assert [b.t_s for b in beats[n_before:]] == t[(t >= 200.0) & (t <= 205.0)].tolist()
    src.set_speed(float("inf"))  # the rest as fast as possible
    await asyncio.wait_for(task, timeout=30)
    assert beats[-1].t_s == t[-1]
    assert isinstance(got[-1], ev.SourceState) and got[-1].state == "ended"


async def test_original_start_up_states_are_replaced_later_states_kept(
    tmp_path: Path, nsr_5min: npt.NDArray[np.float64]
) -> None:
    beats = [ev.Beat(float(t), float(r)) for t, r in zip(np.cumsum(nsr_5min[:20]) / 1000.0, nsr_5min[:20], strict=True)]
    events: list[ev.Event] = [
        ev.SourceState(0.0, "connecting"),
        ev.SourceState(0.1, "connected"),
        ev.DeviceInfo(0.1, "strap", "Polar H10 A1"),
        *beats[:10],
        ev.SourceState(beats[9].t_s + 0.5, "reconnecting", "attempt 1"),
        ev.Gap(beats[9].t_s, beats[10].t_s - 0.9, "disconnected"),
        *beats[10:],
        ev.SourceState(beats[-1].t_s + 1.0, "ended"),
    ]
    path = tmp_path / "s.vagal.jsonl"
    with Recorder(path, make_header(source="live")) as rec:
        for e in events:
            rec.write(e)
    got = [e for _, e in await _collect(ReplaySource(path, speed=float("inf")))]
    states = [(e.state, e.detail) for e in got if isinstance(e, ev.SourceState)]
    assert states == [
        ("connected", "replaying s.vagal.jsonl"),
        ("streaming", "replaying s.vagal.jsonl"),
        ("reconnecting", "attempt 1"),
        ("ended", ""),
    ]
    assert next(e for e in got if isinstance(e, ev.DeviceInfo)).kind == "replay"
    assert sum(isinstance(e, ev.Gap) for e in got) == 1


async def test_rr_file_starting_late_replays_from_its_first_beat(nsr_5min: npt.NDArray[np.float64]) -> None:
    t = 100.0 + np.cumsum(nsr_5min) / 1000.0
    src = ReplaySource(from_rr("x.csv", "csv-time", nsr_5min, t_s=t), clock=VirtualClock(), speed=float("inf"))
    assert src.position_s == pytest.approx(100.0)
    got = await _collect(src)
    first_beat_at = next(now for now, e in got if isinstance(e, ev.Beat))
    assert first_beat_at == t[0]
