"""The seam to the dashboard for two, ``commands/live_pair.run_dashboard_for_two``, driven
with a pilot: two fake straps on a clock the test moves (nothing sleeps), the very app
``vagal live --device A --device B`` runs, and one strap dropping out, which shows calmly
on that person's tile only while the other person's numbers go on.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any, Self

from vagal.commands.live_pair import run_dashboard_for_two
from vagal.events import Beat, Event, Gap, SourceState
from vagal.options import SessionOptions
from vagal.pacer import Pacer, parse_pace
from vagal.ui.pair_app import PairApp
from vagal.ui.screens_pair import PairSummaryScreen
from vagal.ui.widgets.pair import PersonTile

from .test_pair_replay_keys import HandClock

DROP_AT_S = 150.0
BACK_AT_S = 175.0


class FakeStrap:
    """A strap's stream on the test's clock: beats in a breathing rhythm, and, for one, a
    drop-out (``reconnecting``) from :data:`DROP_AT_S` to :data:`BACK_AT_S`, ended with a
    gap as a BleakSource ends one."""

    def __init__(self, clock: HandClock, name: str, *, base_ms: float, drops: bool) -> None:
        self.clock = clock
        self.name = name
        self.base_ms = base_ms
        self.drops = drops
        self.closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        self.closed = True
        self.clock.jump_to(self.clock.t_s)  # wake the stream so that it ends

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        yield SourceState(0.0, "connected", self.name)
        yield SourceState(0.0, "streaming", self.name)
        t = 0.0
        dropped = False
        while not self.closed:
            rr = self.base_ms + 60.0 * math.sin(2 * math.pi * t / 10.0)
            t += rr / 1000.0
            if self.drops and not dropped and t >= DROP_AT_S:
                dropped = True
                yield SourceState(DROP_AT_S, "reconnecting", "the strap went quiet")
                await self.clock.sleep_until(BACK_AT_S)
                if self.closed:
                    break
                yield Gap(DROP_AT_S, BACK_AT_S, "disconnected")
                yield SourceState(BACK_AT_S, "streaming", self.name)
                t = BACK_AT_S
                continue
            await self.clock.sleep_until(t)
            if self.closed:
                break
            yield Beat(t, rr, hr_bpm=round(60000 / rr))
        yield SourceState(self.clock.t_s, "ended")


def test_run_dashboard_for_two_with_a_pilot_and_one_strap_dropping_out() -> None:
    clock = HandClock()
    sources = (FakeStrap(clock, "Polar H10", base_ms=950.0, drops=False),
               FakeStrap(clock, "TICKR X", base_ms=780.0, drops=True))  # fmt: skip
    pacers = (Pacer(parse_pace("6"), person=0), Pacer(parse_pace("7.5"), person=1))
    seen: dict[str, Any] = {}

    async def drive(app: PairApp) -> int | None:
        async with app.run_test(size=(100, 30)) as pilot:
            tiles = app.query_one("#tile-a", PersonTile), app.query_one("#tile-b", PersonTile)

            async def play_to(t_s: float) -> None:
                clock.advance(t_s - clock.t_s)
                for _ in range(2000):
                    await pilot.pause()
                    if app.state.beats[0].t_s and app.state.beats[0].t_s[-1] >= t_s - 1.2:
                        break
                app.refresh_view()
                await pilot.pause()

            await play_to(140.0)
            assert all(tile.hr_bpm is not None for tile in tiles) and not any(t.strap for t in tiles)
            await play_to(165.0)  # Alex's strap is away, Sam's goes on
            seen["during"] = [str(t.render()) for t in tiles]
            seen["sam_beats_in_drop"] = sum(DROP_AT_S < x < 165.0 for x in app.state.beats[0].t_s)
            seen["alex_beats_in_drop"] = sum(DROP_AT_S < x < 165.0 for x in app.state.beats[1].t_s)
            await play_to(190.0)  # and back
            seen["after"] = [str(t.render()) for t in tiles]
            await pilot.press("q")
            screen = app.screen
            assert isinstance(screen, PairSummaryScreen)
            for _ in range(600):
                if screen.summary is not None:
                    break
                await asyncio.sleep(0.05)
            seen["summary"] = screen.summary
            await pilot.press("q")
        return app.return_code

    status = run_dashboard_for_two(
        sources,  # type: ignore[arg-type]
        names=("Sam", "Alex"), roles=("parent", "child"), pacers=pacers, recorder=None,
        options=SessionOptions(mode="live", people=2, checkin=False), clock=clock,
        run=lambda app: asyncio.run(drive(app)),
    )  # fmt: skip
    assert status == 0
    sam, alex = seen["during"]
    assert "strap away" in alex and "looking for it" in alex and "bpm" not in alex  # no stale numbers
    assert "strap" not in sam and "bpm" in sam  # only that person's tile says so
    assert seen["sam_beats_in_drop"] > 10 and seen["alex_beats_in_drop"] == 0
    assert all("bpm" in text and "strap" not in text for text in seen["after"])
    summary = seen["summary"]
    assert summary is not None and summary["source"] == "live"
    assert [p["guide_rate_per_min"] for p in summary["people"]] == [6.0, 7.5]
    assert [p["device"] for p in summary["people"]] == ["Polar H10", "TICKR X"]
    assert all(s.closed for s in sources)
