"""The replay for two on the dashboard: the one-person replay's keys (space, ←/→, [ and ],
n), a seek that keeps the analysis, a pause that stops the clock, a start again after the
end, and a snapshot of a paused replay at 100×30.

Deterministic: a recorded simulated pair (seed 3) replayed on a hand-moved clock (the test
moves it; nothing sleeps), through the same factory as ``vagal replay PAIRFILE``.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from vagal.commands.pair_session import pair_summary, simulate_pair_session
from vagal.commands.replay_pair import PairFile, load_pair_file
from vagal.engine.pair import new_state
from vagal.events import Beat, Marker
from vagal.pacer import Pacer, parse_pace
from vagal.sessions.writer import Recorder, make_header
from vagal.sources.replay_pair import PairReplay
from vagal.ui.pair_app import PairApp, make_pair_app
from vagal.ui.widgets.guide import BreathGuide
from vagal.ui.widgets.pair import NEEDS_TIME, PersonTile, TogetherPanel

DURATION_S = 300.0
NAMES = ("Sam", "Alex")


class HandClock:
    """A replay clock that moves only when the test moves it (``advance``); waiters wake then."""

    def __init__(self) -> None:
        self.t_s = 0.0
        self._speed = 1.0
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        return self.t_s

    def set_speed(self, speed: float) -> None:
        self._speed = speed

    def jump_to(self, t_s: float) -> None:
        self.t_s = t_s
        self._wake()

    def advance(self, dt_s: float) -> None:
        self.t_s += dt_s
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def sleep_until(self, t_s: float) -> None:
        while self.t_s < t_s:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            await fut


@pytest.fixture(scope="module")
def pair_file(tmp_path_factory: pytest.TempPathFactory) -> PairFile:
    path = tmp_path_factory.mktemp("pairreplay") / "two.vagal.jsonl"
    pacer = Pacer(parse_pace("resonance"))
    rec = Recorder(path, make_header(source="demo", pacer=pacer.start_event(),
                                     people=[{"name": "Sam"}, {"name": "Alex"}]))  # fmt: skip
    with ThreadPoolExecutor(1) as pool:  # its own event loop, off the test's
        run = functools.partial(
            simulate_pair_session, seed=3, coupling=0.8, duration_s=DURATION_S, pacer=pacer,
            names=NAMES, recorder=rec, live=False,
        )  # fmt: skip
        pool.submit(run).result()
    rec.close()
    return load_pair_file(path)


def replay_app(pair: PairFile) -> tuple[PairApp, PairReplay, HandClock]:
    clock = HandClock()
    replay = PairReplay(pair.items, speed=1.0, clock=clock, hold_at_end=True)
    app = make_pair_app(
        replay, names=pair.names, roles=pair.roles, pacers=pair.pacers, mode="replay",
        fold_pacer_start=False, fps=1.0, stop=replay.close, replay=replay, title=pair.path.name,
        summarise=functools.partial(pair_summary, names=pair.names, roles=pair.roles, devices=pair.devices,
                                    recorder=None, extra={"source": "replay", "file": str(pair.path)}),
    )  # fmt: skip
    return app, replay, clock


async def _until(pilot: Pilot[Any], done: Callable[[], bool]) -> None:
    for _ in range(2000):
        if done():
            return
        await pilot.pause()
    raise AssertionError("the replay did not get there")


async def _play_to(pilot: Pilot[Any], app: PairApp, clock: HandClock, t_s: float) -> None:
    """Move the clock to ``t_s`` and wait until the app has folded everything due by then."""
    replay = app.replay
    assert replay is not None
    clock.advance(t_s - clock.t_s)
    due = [e.t_s for _, e in replay.events_until(t_s)]
    await _until(pilot, lambda: app.state.t_s >= max(due) - 1e-9)
    app.refresh_view()
    await pilot.pause()


def _straight(pair: PairFile, t_s: float) -> Any:
    """The state a replay played from the start, event by event, has when its clock reads
    ``t_s`` (every event due by then folded)."""
    state = new_state(pair.pacers)
    due = -float("inf")
    for person, event in pair.items:
        due = max(due, event.t_s)  # a beat is back-dated a little: an event is due at the latest time yet
        if due > t_s:
            break
        state.push(person, event)
    return state


def _assert_same(app: PairApp, pair: PairFile, t_s: float) -> None:
    want = _straight(pair, t_s)
    for got_engine, want_engine in zip(app.state.engines, want.engines, strict=True):
        for key in ("hr_smoothed_bpm", "rmssd_ms", "coherence"):
            got, exp = getattr(got_engine.snapshot, key), getattr(want_engine.snapshot, key)
            assert got.valid == exp.valid
            assert got.value == pytest.approx(exp.value, abs=1e-9)
    assert app.state.beats[0].t_s == want.beats[0].t_s and app.state.beats[1].t_s == want.beats[1].t_s
    assert app.state.live_result is not None and want.live_result is not None
    assert app.state.live_result.as_dict() == want.live_result.as_dict()


# --- keys --------------------------------------------------------------------------------------


async def test_the_transport_keys_are_offered_in_a_replay_only(pair_file: PairFile) -> None:
    app, _, _ = replay_app(pair_file)
    async with app.run_test(size=(100, 30)):
        for action in ("pause", "seek", "speed", "next_marker"):
            assert app.check_action(action, ()) is True
    live = make_pair_app(replay_app(pair_file)[1], names=NAMES, roles=(None, None), pacers=pair_file.pacers)
    assert all(live.check_action(a, ()) is False for a in ("pause", "seek", "speed", "next_marker"))


async def test_a_seek_keeps_the_analysis_forward_and_back(pair_file: PairFile) -> None:
    app, replay, clock = replay_app(pair_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await _play_to(pilot, app, clock, 200.0)
        await pilot.press("right")
        await pilot.pause()
        assert replay.position_s == pytest.approx(210.0)
        # Nothing went back to warm-up: the tiles keep their numbers, the panel its answer.
        for tile in app.query(PersonTile):
            assert tile.hr_bpm is not None and tile.rmssd_ms is not None and tile.coherence is not None
        assert not app.query_one(TogetherPanel).headline().startswith(f"together: {NEEDS_TIME}")
        _assert_same(app, pair_file, 210.0)
        await pilot.press("left", "left")
        await pilot.pause()
        assert replay.position_s == pytest.approx(190.0)
        assert app.state.t_s <= 190.0  # went back: nothing from after 190 s is in it
        _assert_same(app, pair_file, 190.0)
        for tile in app.query(PersonTile):
            assert tile.hr_bpm is not None and tile.rmssd_ms is not None
        # It plays on from there, each event once.
        await _play_to(pilot, app, clock, 230.0)
        _assert_same(app, pair_file, 230.0)


async def test_space_pauses_the_clock_and_says_so(pair_file: PairFile) -> None:
    app, replay, clock = replay_app(pair_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await _play_to(pilot, app, clock, 150.0)
        await pilot.press("space")
        await pilot.pause()
        assert replay.paused
        status = str(app.query_one("#pair-status").render())
        assert "paused" in status and "2:30 / 5:00" in status
        assert all(g.rest_words == ("Paused.",) for g in app.query(BreathGuide))
        t_before = app.state.t_s
        clock.advance(30.0)
        for _ in range(20):
            await pilot.pause()
        assert replay.position_s == pytest.approx(150.0) and app.state.t_s == t_before
        await pilot.press("space")
        await pilot.pause()
        assert not replay.paused and "paused" not in str(app.query_one("#pair-status").render())
        assert all(g.rest_words == () for g in app.query(BreathGuide))
        clock.advance(5.0)
        await _until(pilot, lambda: app.state.t_s > 152.0)
        assert replay.position_s == pytest.approx(155.0)


async def test_brackets_change_the_speed_and_the_guide_rests_when_fast(pair_file: PairFile) -> None:
    app, replay, clock = replay_app(pair_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await _play_to(pilot, app, clock, 60.0)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert replay.speed == 2.0 and clock.speed == 2.0
        assert "replay 2×" in str(app.query_one("#pair-status").render())
        assert all(g.rest_words == () for g in app.query(BreathGuide))
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert replay.speed == 4.0
        assert app.query_one(BreathGuide).rest_words == ("The guide rests while the replay runs at 4×.",)
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert replay.speed == 0.5 and replay.position_s == pytest.approx(60.0)


async def test_at_the_end_it_waits_space_starts_again_and_q_sums_up_all_of_it(pair_file: PairFile) -> None:
    from vagal.ui.screens_pair import PairSummaryScreen

    app, replay, clock = replay_app(pair_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await _play_to(pilot, app, clock, DURATION_S + 5.0)
        await _until(pilot, lambda: replay.at_end)
        app.refresh_view()
        await pilot.pause()
        assert not app.ended  # it waits at the end for the people
        assert app.query_one(BreathGuide).rest_words == ("The replay has reached its end.",)
        assert any("reached its end" in n.message for n in app._notifications)
        await pilot.press("space")
        await pilot.pause()
        assert not replay.at_end and replay.position_s == pytest.approx(replay.origin_s)
        assert app.state.t_s <= replay.origin_s + 1e-9  # started afresh
        await _play_to(pilot, app, clock, clock.t_s + 100.0)
        await pilot.press("q")
        screen = app.screen
        assert isinstance(screen, PairSummaryScreen)
        await _until(pilot, lambda: screen.summary is not None)
        summary = screen.summary
        assert summary is not None
        # The summary covers the furthest point reached (all of it), each beat once.
        for person, p in enumerate(summary["people"]):
            n = sum(isinstance(e, Beat) and not e.settling and who == person for who, e in pair_file.items)
            assert p["n_beats"] == n > 200
        await pilot.press("q")
    assert app.return_code == 0


async def test_n_jumps_to_the_next_marker(tmp_path: Path, pair_file: PairFile) -> None:
    marker = Marker(t_s=120.0, label="settled")
    items = list(pair_file.items)
    due = list(itertools.accumulate((e.t_s for _, e in items), max))
    items.insert(bisect.bisect_right(due, marker.t_s), (0, marker))
    pair = PairFile(**{**pair_file.__dict__, "items": tuple(items)})
    app, replay, clock = replay_app(pair)
    async with app.run_test(size=(100, 30)) as pilot:
        await _play_to(pilot, app, clock, 30.0)
        await pilot.press("n")
        await pilot.pause()
        assert replay.position_s == pytest.approx(120.0)
        await _play_to(pilot, app, clock, 125.0)
        assert app.state.markers == [(120.0, "settled")]  # played once, where it is
        assert all(tile.hr_bpm is not None for tile in app.query(PersonTile))
        await pilot.press("N")  # back to the marker just passed
        await pilot.pause()
        assert replay.position_s == pytest.approx(120.0)


# --- snapshot ----------------------------------------------------------------------------------


def test_snapshot_replay_paused(snap_compare: Any, pair_file: PairFile) -> None:
    app, _, clock = replay_app(pair_file)

    async def run_before(pilot: Pilot[Any]) -> None:
        await _play_to(pilot, app, clock, 241.3)
        await pilot.press("space")
        await pilot.pause()
        app.refresh_view()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


# --- PairState.replay_to -----------------------------------------------------------------------


def test_pair_state_replay_to_equals_pushing_one_by_one_at_many_cut_points(pair_file: PairFile) -> None:
    """The fast rebuild after a seek leaves the state push of each event leaves: both engines'
    snapshots, the beats, the kept events, the markers and the live together view (fails if
    an event goes to the wrong person, is dropped, or the live view's due time is lost)."""
    items = list(pair_file.items)
    items.insert(len(items) // 2, (0, Marker(t_s=items[len(items) // 2][1].t_s, label="middle")))
    for cut in (1, 50, len(items) // 3, len(items) // 2 + 1, len(items) - 7, len(items)):
        slow = new_state(pair_file.pacers)
        for person, event in items[:cut]:
            slow.push(person, event)
        fast = new_state(pair_file.pacers)
        fast.replay_to(items[:cut])
        for a, b in zip(fast.engines, slow.engines, strict=True):
            for key in ("hr_smoothed_bpm", "rmssd_ms", "coherence", "hr_bpm"):
                got, want = getattr(a.snapshot, key), getattr(b.snapshot, key)
                assert got.valid == want.valid and got.reason == want.reason
                assert got.value == pytest.approx(want.value, abs=1e-9)
        assert fast.kept == slow.kept and fast.markers == slow.markers
        assert (fast.first_t_s, fast.t_s, fast.live_updates) == (slow.first_t_s, slow.t_s, slow.live_updates)
        for p in (0, 1):
            assert fast.beats[p] == slow.beats[p]
        if slow.live_result is None:
            assert fast.live_result is None
        else:
            assert fast.live_result is not None and fast.live_result.as_dict() == slow.live_result.as_dict()
