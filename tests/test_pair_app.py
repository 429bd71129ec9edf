"""The dashboard for two (vagal.ui.pair_app): keys with a Pilot, and snapshots at 80×24,
100×30 and 200×60.

Deterministic by construction: a seeded simulated pair on a virtual clock, its events
collected up to a chosen session time and fed to the app, which then waits (time stands
still: the guide is drawn at that moment); the app is built by the same factory as
``vagal demo --pair``. Update with ``pytest tests/test_pair_app.py --snapshot-update`` and
look at the SVGs (``rsvg-convert x.svg -o x.png``) before committing them.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from vagal.clock import VirtualClock
from vagal.commands.pair_session import merged
from vagal.events import Event, Marker
from vagal.pacer import Pacer, parse_pace
from vagal.sessions.reader import read_events
from vagal.sessions.writer import Recorder, make_header
from vagal.sources.simulated import SimulatedPair
from vagal.ui.pair_app import PairApp, make_pair_app
from vagal.ui.widgets.guide import BreathGuide
from vagal.ui.widgets.pair import MORE, NEEDS_TIME, NOT_YET, PairTrace, TogetherPanel

HOLD_AT_S = 241.3
"""Session time at which the pair is held: four minutes in (the together view has a
result), early in an in-breath of the shared 6/min guide."""
SIZES = [(80, 24), (100, 30), (200, 60)]
NAMES = ("Sam", "Alex")


def _pacers(own: bool) -> tuple[Pacer, Pacer]:
    if own:
        return Pacer(parse_pace("6"), person=0), Pacer(parse_pace("8"), person=1)
    one = Pacer(parse_pace("resonance"))
    return one, one


@functools.cache
def _events(seed: int, coupling: float, own: bool, hold_at_s: float) -> tuple[tuple[int, Event], ...]:
    a, b = _pacers(own)
    pair = SimulatedPair(
        seed=seed, coupling=coupling, breathing=a.volume_at if a is b else (a.volume_at, b.volume_at)
    )
    sources = pair.sources(clock=VirtualClock(), duration_s=hold_at_s)

    async def collect() -> list[tuple[int, Event]]:
        out = []
        for s in sources:
            await s.__aenter__()
        async for item in merged(sources):
            if item[1].t_s > hold_at_s:
                break
            out.append(item)
        for s in sources:
            await s.close()
        return out

    # On a thread of its own: the async tests already run an event loop here.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return tuple(pool.submit(lambda: asyncio.run(collect())).result())


class Held:
    """The collected events, then a wait until the app stops the session (time stands still)."""

    def __init__(self, items: tuple[tuple[int, Event], ...]) -> None:
        self.items = items
        self.done = asyncio.Event()
        self.stopped = asyncio.Event()

    async def stop(self) -> None:
        self.stopped.set()

    def __aiter__(self) -> AsyncIterator[tuple[int, Event]]:
        return self._run()

    async def _run(self) -> AsyncIterator[tuple[int, Event]]:
        for item in self.items:
            yield item
        self.done.set()
        await self.stopped.wait()


def pair_app(
    *,
    own: bool = False,
    coupling: float = 0.8,
    hold_at_s: float = HOLD_AT_S,
    recorder: Recorder | None = None,
    roles: tuple[str | None, str | None] = ("partner", "partner"),
) -> tuple[PairApp, Held]:
    pacers = _pacers(own)
    held = Held(_events(3, coupling, own, hold_at_s))
    app = make_pair_app(
        held,
        names=NAMES,
        roles=roles,
        pacers=pacers,
        recorder=recorder,
        time_source=lambda: hold_at_s,
        stop=held.stop,
        title="simulated pair",
        fps=1.0,
    )
    return app, held


async def _settle(pilot: Pilot[Any], held: Held) -> None:
    await asyncio.wait_for(held.done.wait(), 120)
    app = pilot.app
    assert isinstance(app, PairApp)
    app.refresh_view()
    await pilot.pause()
    await pilot.pause()


# --- keys --------------------------------------------------------------------------------------


async def test_one_guide_for_both_and_the_together_words() -> None:
    app, held = pair_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, held)
        assert len(app.query(BreathGuide)) == 1
        panel = app.query_one(TogetherPanel)
        assert app.state.live_result is not None and app.state.live_result.above_chance is True
        assert panel.headline() == f"together: {MORE}"
        assert "Alex follows Sam" in str(panel.render())


async def test_before_two_minutes_the_panel_says_it_needs_them() -> None:
    app, held = pair_app(hold_at_s=61.3)
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, held)
        assert app.query_one(TogetherPanel).headline().startswith(f"together: {NEEDS_TIME}")


async def test_independent_people_are_no_more_in_step_than_chance() -> None:
    app, held = pair_app(coupling=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, held)
        assert app.query_one(TogetherPanel).headline() == f"together: {NOT_YET}"


async def test_own_guides_are_two_guides_side_by_side() -> None:
    app, held = pair_app(own=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, held)
        guides = list(app.query(BreathGuide))
        assert len(guides) == 2
        assert guides[0].region.x < guides[1].region.x  # side by side
        assert guides[0].pacer is app.state.pacers[0] and guides[1].pacer is app.state.pacers[1]


async def test_p_is_across_the_room_and_back() -> None:
    app, held = pair_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, held)
        guide = app.query_one(BreathGuide)
        before = guide.region.height
        await pilot.press("p")
        await pilot.pause()
        assert app.presentation and not app.query_one(PairTrace).display
        assert guide.region.height > before  # the guide takes the room the trace gave up
        await pilot.press("p")
        await pilot.pause()
        assert not app.presentation and app.query_one(PairTrace).display


async def test_m_marks_for_both_and_q_ends_with_the_summary_for_two(tmp_path: Path) -> None:
    path = tmp_path / "two.vagal.jsonl"
    rec = Recorder(path, make_header(source="demo", people=[{"name": "Sam"}, {"name": "Alex"}]))
    app, held = pair_app(recorder=rec)
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, held)
        await pilot.press("m")
        await pilot.pause()
        assert app.state.markers == [(app.state.t_s, "marker 1")]
        await pilot.press("q")
        await pilot.pause()
        assert app.ended and held.stopped.is_set()
        from vagal.ui.screens_pair import PairSummaryScreen

        screen = app.screen
        assert isinstance(screen, PairSummaryScreen)
        for _ in range(600):
            if screen.summary is not None:
                break
            await asyncio.sleep(0.05)
        summary = screen.summary
        assert summary is not None
        assert [p["name"] for p in summary["people"]] == list(NAMES)
        assert summary["together"]["above_chance"] is True
        assert [s["label"] for s in summary["together"]["segments"]] == ["start", "marker 1"]
        await pilot.press("q")
    assert app.return_code == 0
    _, events, damage, _ = read_events(path)
    assert damage == [] and any(isinstance(e, Marker) and e.label == "marker 1" for e in events)


# --- snapshots ---------------------------------------------------------------------------------


def _snap(snap_compare: Any, app: PairApp, held: Held, size: tuple[int, int], press: tuple[str, ...] = ()) -> bool:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot, held)
        for key in press:
            await pilot.press(key)
            await pilot.pause()

    result: bool = snap_compare(app, terminal_size=size, run_before=run_before)
    return result


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_one_guide(snap_compare: Any, size: tuple[int, int]) -> None:
    app, held = pair_app()
    assert _snap(snap_compare, app, held, size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_own_guides(snap_compare: Any, size: tuple[int, int]) -> None:
    app, held = pair_app(own=True, coupling=0.0, roles=("parent", "child"))
    assert _snap(snap_compare, app, held, size)


@pytest.mark.parametrize("size", [(100, 30), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_across_the_room(snap_compare: Any, size: tuple[int, int]) -> None:
    app, held = pair_app()
    assert _snap(snap_compare, app, held, size, press=("p",))


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_the_summary_for_two(snap_compare: Any, size: tuple[int, int]) -> None:
    from vagal.ui.screens_pair import PairSummaryScreen

    app, held = pair_app()

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot, held)
        await pilot.press("m")
        await pilot.press("q")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PairSummaryScreen)
        for _ in range(600):
            if screen.summary is not None:
                break
            await asyncio.sleep(0.05)
        app.clear_notifications()  # "Marked at 4:01." fades on its own; the picture is of the summary
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_a_replay_for_two_runs_to_its_summary(tmp_path: Path) -> None:
    """vagal replay PAIRFILE on the dashboard: the file's events through the same state, no
    marker key (a replay adds nothing to its file), then the summary for two."""
    import functools

    from vagal.clock import VirtualClock
    from vagal.commands.pair_session import pair_summary, simulate_pair_session
    from vagal.commands.replay_pair import load_pair_file, replay_events
    from vagal.ui.screens_pair import PairSummaryScreen

    path = tmp_path / "two.vagal.jsonl"
    a, b = _pacers(own=True)
    rec = Recorder(path, make_header(source="demo", pacer=a.start_event(), people=[{"name": "Sam"}, {"name": "Alex"}]))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # its own event loop, off the test's
        pool.submit(
            lambda: simulate_pair_session(seed=5, coupling=0.0, duration_s=200.0, pacer=(a, b), recorder=rec, live=False)
        ).result()
    rec.close()
    pair = load_pair_file(path)
    assert pair.names == NAMES and pair.pacers[0] is not pair.pacers[1]
    app = make_pair_app(
        replay_events(pair.items, VirtualClock()),
        names=pair.names, roles=pair.roles, pacers=pair.pacers, mode="replay",
        fold_pacer_start=False, time_source=lambda: 100.0, fps=1.0,
        summarise=functools.partial(pair_summary, names=pair.names, roles=pair.roles, devices=pair.devices,
                                    recorder=None, extra={"source": "replay", "file": str(path)}),
    )  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.check_action("add_marker", ()) is False
        screen = app.screen
        for _ in range(600):
            screen = app.screen
            if isinstance(screen, PairSummaryScreen) and screen.summary is not None:
                break
            await asyncio.sleep(0.05)
        assert isinstance(screen, PairSummaryScreen) and screen.summary is not None
        summary = screen.summary
        assert summary["source"] == "replay" and summary["shared_guide"] is False
        lines = [json.loads(x) for x in path.read_text().splitlines()[1:]]
        for person, p in enumerate(summary["people"]):
            n = sum(x["type"] == "beat" and x.get("person", 0) == person and not x["settling"] for x in lines)
            assert p["n_beats"] == n > 150
        assert "Replayed from" in str(screen.query_one("#pair-summary-text").render())
        await pilot.press("q")
    assert app.return_code == 0


async def test_t_switches_to_the_light_theme_and_the_tints_follow() -> None:
    from vagal.ui.widgets.pair import TINTS_DARK, TINTS_LIGHT
    from vagal.ui.widgets.theme import DARK, LIGHT

    app, held = pair_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, held)
        trace = app.query_one(PairTrace)
        dark = {seg.style.color.name for y in range(trace.size.height) for seg in trace.render_line(y)
                if seg.style is not None and seg.style.color is not None}  # fmt: skip
        assert app.theme == DARK and set(TINTS_DARK) <= dark
        await pilot.press("t")
        await pilot.pause()
        light = {seg.style.color.name for y in range(trace.size.height) for seg in trace.render_line(y)
                 if seg.style is not None and seg.style.color is not None}  # fmt: skip
        assert app.theme == LIGHT and set(TINTS_LIGHT) <= light and not set(TINTS_DARK) & light
