"""Snapshots of the session's flow: the check-in, the end-of-session summary, the marker list.

Built like tests/test_ui_snapshots.py (a seeded simulator on a virtual clock, held still
at a chosen session time, animations off), so each screen is the same on every run. The
summary waits for its final numbers (worked out in a thread) before the picture is taken.
Update with ``--snapshot-update`` and look at the SVGs as PNGs (``rsvg-convert``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.test_ui_snapshots import HOLD_AT_S, HeldSource
from vagal.clock import VirtualClock
from vagal.pacer import Pacer
from vagal.sources.simulated import SimulatedSource
from vagal.ui.app import VagalApp, make_app


def _app(*, checkin: bool = False, recording: Path | None = None) -> tuple[VagalApp, HeldSource]:
    clock = VirtualClock()
    pacer = Pacer()
    inner = SimulatedSource(seed=11, clock=clock, breathing=pacer.volume_at)
    source = HeldSource(inner, HOLD_AT_S)
    app = make_app(source, pacer=pacer, clock=clock, recording=recording, mode="demo", checkin=checkin)  # type: ignore[arg-type]
    app.animation_level = "none"
    return app, source


def _held_then(source: HeldSource, *keys: str, summary: bool = False) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await asyncio.wait_for(source.held.wait(), 30)
        for _ in range(3):
            await pilot.pause()
        app = pilot.app
        assert isinstance(app, VagalApp)
        # What the dashboard's wall-clock timers would do (as tests/test_ui_snapshots.py does),
        # so the dashboard behind a dialog is the same on every run.
        app._tick()
        app._refresh_trace()
        app.dashboard.query_one("#breath-guide").step()  # type: ignore[attr-defined]
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        if summary:
            for _ in range(500):  # the final numbers come from a worker thread
                if app.summary is not None and app.summary.final is not None:
                    break
                await asyncio.sleep(0.02)
                await pilot.pause()
            assert app.summary is not None and app.summary.final is not None
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_end_of_session_summary(snap_compare: Any, size: tuple[int, int]) -> None:
    app, source = _app(checkin=False)
    assert snap_compare(app, terminal_size=size, run_before=_held_then(source, "M", "q", summary=True))


def test_check_in_before(snap_compare: Any) -> None:
    app, source = _app(checkin=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_held_then(source, "3"))


def test_marker_list(snap_compare: Any) -> None:
    app, source = _app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_held_then(source, "M", "e"))
