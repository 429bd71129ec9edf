"""The dashboard during ``vagal resonance``: the step panel, the bars, the result at the end.

A short simulated assessment (three rates, one-minute steps) on a virtual clock, built
from the command's own parts (its schedule, its plan, the wrapped source and the panel's
feed), held still at chosen session times so that each test states what the screen says
then. The scores behind the bars come from the same function as the command's result.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Self

import pytest
from textual.pilot import Pilot

from vagal.cli import main
from vagal.clock import VirtualClock
from vagal.commands.resonance import _Feed, _Plan, _Scheduled, assess, make_schedule
from vagal.engine.core import Engine
from vagal.events import Event
from vagal.pacer import PRESETS
from vagal.report.resonance import HONESTY, verdict
from vagal.sources.simulated import SimulatedSource
from vagal.ui.screens_resonance import (
    AssessmentFeed,
    AssessmentPanel,
    ResonanceApp,
    StepBar,
    bar_line,
    make_resonance_app,
)

RATES = (6.5, 5.5, 4.5)
STEP_S = 60.0


class Stops:
    """Passes a source's events on, stopping (time stands still) at each of ``at_s`` in turn."""

    def __init__(self, inner: SimulatedSource, at_s: list[float]) -> None:
        self.inner = inner
        self.clock = inner.clock
        self.stats = inner.stats
        self.name = "simulated strap"
        self.at_s = list(at_s)
        self.stopped = asyncio.Event()
        self.go = asyncio.Event()
        self.last_t_s = 0.0

    async def __aenter__(self) -> Self:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    async def close(self) -> None:
        await self.inner.close()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        async for event in self.inner:
            while self.at_s and event.t_s > self.at_s[0]:
                self.clock.jump_to(self.at_s.pop(0))
                self.go.clear()
                self.stopped.set()
                await self.go.wait()
                self.stopped.clear()
            self.last_t_s = event.t_s
            yield event


def assessment(at_s: list[float]) -> tuple[ResonanceApp, Stops, _Plan]:
    schedule = make_schedule(RATES, PRESETS["resonance"], step_s=STEP_S, ramp_from_per_min=None)
    pacer = schedule.pacer()
    clock = VirtualClock()
    stops = Stops(SimulatedSource(seed=3, clock=clock, breathing=pacer.volume_at, resonance_rate_per_min=5.5), at_s)
    plan = _Plan([schedule], pacer, refine=False, spacing_per_min=1.0)
    feed = _Feed(plan)
    app = make_resonance_app(
        _Scheduled(stops, plan),  # type: ignore[arg-type]
        AssessmentFeed(feed.step_at, feed.bars, feed.result),
        engine=Engine(pacer=pacer),
        pacer=pacer,
        clock=clock,
    )
    app.animation_level = "none"
    return app, stops, plan


async def settle(pilot: Pilot[Any], stops: Stops) -> None:
    """Wait until the source stopped and the engine has every event passed on."""
    await asyncio.wait_for(stops.stopped.wait(), 30)
    app = pilot.app
    assert isinstance(app, ResonanceApp)
    for _ in range(200):
        await pilot.pause()
        if app.driver.engine.snapshot.t_s >= stops.last_t_s:
            break
    for _ in range(3):
        await pilot.pause()


def panel_text(app: ResonanceApp) -> str:
    panel = app.dashboard.query_one(AssessmentPanel)
    panel.update_now()
    return panel.text


def test_bar_lines_are_calm() -> None:
    assert bar_line(StepBar(6.5, 1.0)) == " 6.5 ██████"
    assert bar_line(StepBar(5.5, 0.5)) == " 5.5 ███   "
    assert bar_line(StepBar(6.0, 0.0)) == "   6 ▏     "  # a sliver, never nothing
    assert bar_line(StepBar(4.5, None, "breathing at 12/min, not 4.5")) == " 4.5 left out"
    assert bar_line(StepBar(5.0, None)) == "   5 done"


@pytest.mark.slow
def test_the_panel_follows_the_steps_and_ends_with_the_rate() -> None:
    """Step 1, then step 2 with one bar, then step 3 with two; the summary gives the rate."""

    async def run() -> None:
        # 100 s: 29 s left of step 1 (ends 129.2 s); 200 s: step 2, 25 s left; 300 s: step 3.
        app, stops, plan = assessment([100.0, 200.0, 300.0])
        async with app.run_test(size=(100, 30)) as pilot:
            seen = []
            guide_words = []
            for _ in range(3):
                await settle(pilot, stops)
                seen.append(panel_text(app))
                app._pattern_shown(trace=False)
                guide_words.append(app._pattern_words.splitlines()[0])
                stops.go.set()
            assert seen[0] == "Step 1 of 3 · 6.5/min\n0:29 left in this step"
            # One step finished: followed, nothing to compare it with yet.
            assert seen[1] == "Step 2 of 3 · 5.5/min\n0:25 left in this step\n 6.5 done"
            lines = seen[2].splitlines()
            assert lines[:2] == ["Step 3 of 3 · 4.5/min", "0:30 left in this step"]
            assert [line[:5] for line in lines[2:]] == [" 6.5 ", " 5.5 "]
            assert all(line[5:].strip() and set(line[5:]) <= set("█▏▎▍▌▋▊▉ ") for line in lines[2:]), lines
            # The guide's words give the step's rate, not the schedule's last.
            assert guide_words == ["assessment · 6.5/min", "assessment · 5.5/min", "assessment · 4.5/min"]
            # The pace keys are off: the schedule sets the guide.
            before = app.pacer.pattern
            await pilot.press("plus", "p")
            assert app.pacer.pattern == before
            for _ in range(400):
                await pilot.pause()
                if app.summary is not None and app.result_words is not None:
                    break
            assert plan.done
            outcome = assess(plan.events, [s for p in plan.passes for s in p.steps])
            assert outcome.result.best_rate_per_min is not None
            words = (verdict(outcome.result), HONESTY)
            assert app.result_words == words
            for _ in range(20):
                await pilot.pause()
            shown = app.summary.query_one("#summary-resonance")  # type: ignore[union-attr]
            assert str(shown.render()) == f"{words[0]}\n{words[1]}"
            final = panel_text(app).splitlines()
            assert final[0] == words[0]
            assert len(final) == 4
            await pilot.press("q")

    asyncio.run(run())


def test_snapshot_of_the_last_step(snap_compare: Any) -> None:
    """Step 3 of 3 with the bars of the first two steps, at 100×30."""
    app, stops, _ = assessment([300.0])

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, stops)
        assert isinstance(pilot.app, ResonanceApp)
        pilot.app._tick()
        pilot.app._refresh_trace()
        pilot.app.dashboard.query_one(AssessmentPanel).update_now()
        pilot.app.query_one("#breath-guide").step()  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_the_command_opens_the_dashboard_then_says_what_came_of_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --headless the assessment runs in the dashboard; after it, the headless ending.

    The app is left at once here (its run is replaced), so nothing was scored: the same
    calm line as a headless run stopped before its first step was over.
    """
    ran: list[ResonanceApp] = []

    def run(self: ResonanceApp) -> int:
        ran.append(self)
        return 0

    monkeypatch.setattr(ResonanceApp, "run", run)
    assert main(["resonance", "--demo", "--no-record", "--seed", "4"]) == 0
    assert len(ran) == 1 and ran[0].feed.result() is None
    err = capsys.readouterr().err
    assert "stopped before its first step was over: nothing to score yet" in err
