"""Snapshot tests of the dashboard's main layouts (pytest-textual-snapshot).

Deterministic by construction: a seeded simulator on a virtual clock, held still at a
chosen session time (so the breathing guide, the clock in the status line and the trace
are frozen), the app built by the same factory as ``vagal demo``, animations off, and
trends kept from the driver's snapshots rather than from screen frames. Compared on what
a person sees, cell by cell (tests/snapshot_compare.py), not on the SVG's text. Update with
``pytest tests/test_ui_snapshots.py --snapshot-update`` and look at the SVGs before
committing them (``rsvg-convert x.svg -o x.png``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Self

import pytest
from textual.pilot import Pilot

from vagal.clock import VirtualClock
from vagal.events import Event
from vagal.pacer import PRESETS, Pacer
from vagal.sources.simulated import SimulatedSource
from vagal.ui.app import VagalApp, make_app

HOLD_AT_S = 151.3
"""Session time at which the simulated strap is held: early in an in-breath (resonance,
4 s in and 6 s out from 0 s), all metrics warm."""
EXHALE_AT_S = 156.3
"""Mid-exhale of the same breathing."""
SIZES = [(60, 18), (80, 24), (100, 30), (200, 60)]
"""The sizes every main view is pictured at."""


class HeldSource:
    """Passes a source's events on until ``hold_at_s``, then waits (time stands still)."""

    def __init__(self, inner: SimulatedSource, hold_at_s: float) -> None:
        self.inner = inner
        self.hold_at_s = hold_at_s
        self.clock = inner.clock
        self.stats = inner.stats
        self._closed = asyncio.Event()
        self.held = asyncio.Event()
        self.last_t_s = 0.0
        """The time of the last event passed on, s."""

    async def __aenter__(self) -> Self:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    async def close(self) -> None:
        self._closed.set()
        await self.inner.close()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        async for event in self.inner:
            if event.t_s > self.hold_at_s:
                break
            self.last_t_s = event.t_s
            yield event
        self.clock.jump_to(self.hold_at_s)  # type: ignore[attr-defined]
        self.held.set()
        await self._closed.wait()
        async for event in self.inner:
            yield event  # the final SourceState("ended")


def demo_app(
    *, recording: Path | None = None, hold_at_s: float = HOLD_AT_S, pattern: str = "resonance"
) -> tuple[VagalApp, HeldSource]:
    clock = VirtualClock()
    pacer = Pacer(PRESETS[pattern])
    inner = SimulatedSource(seed=11, clock=clock, breathing=pacer.volume_at)
    source = HeldSource(inner, hold_at_s)
    app = make_app(source, pacer=pacer, clock=clock, recording=recording, mode="demo")  # type: ignore[arg-type]
    app.animation_level = "none"
    return app, source


def held(source: HeldSource, press: tuple[str, ...] = ()) -> Any:
    """Wait until the source is held, press `press`, then do what the app's timers would.

    The status clock and the trace refresh run on wall-clock timers, which may or may not
    fire before the screenshot; calling them here shows the screen as it settles. Keys that
    change what the trace draws (``l``: its colours) go in `press`, so the refresh follows
    them; keys pressed by ``snap_compare(press=…)`` come after it.
    """

    async def run_before(pilot: Pilot[Any]) -> None:
        await asyncio.wait_for(source.held.wait(), 30)
        app = pilot.app
        assert isinstance(app, VagalApp)
        # Every event passed on has reached the engine (on a loaded machine the driver's
        # messages may still be queued when the source is held: the trace would be short).
        for _ in range(200):
            await pilot.pause()
            if app.driver.engine.snapshot.t_s >= source.last_t_s:
                break
        for _ in range(3):
            await pilot.pause()
        if press:
            await pilot.press(*press)
        app._tick()
        app._refresh_trace()
        app.query_one("#breath-guide").step()  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_main_layout(snap_compare: Any, size: tuple[int, int]) -> None:
    """The home view, breathing in."""
    app, source = demo_app()
    assert snap_compare(app, terminal_size=size, run_before=held(source))


@pytest.mark.parametrize("size", [(60, 18), (100, 30)], ids=["60x18", "100x30"])
def test_exhale(snap_compare: Any, size: tuple[int, int]) -> None:
    """Breathing out: the warm tint, the ring at the smallest disc, the arrow down."""
    app, source = demo_app(hold_at_s=EXHALE_AT_S)
    assert snap_compare(app, terminal_size=size, run_before=held(source))


@pytest.mark.parametrize("size", [(60, 18), (100, 30)], ids=["60x18", "100x30"])
def test_hold(snap_compare: Any, size: tuple[int, int]) -> None:
    """A hold (box breathing, 4-4-4-4, at 7.3 s into a breath): sage, still, no ring."""
    app, source = demo_app(pattern="box")
    assert snap_compare(app, terminal_size=size, run_before=held(source))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_presentation_mode(snap_compare: Any, size: tuple[int, int]) -> None:
    app, source = demo_app()
    assert snap_compare(app, terminal_size=size, run_before=held(source), press=["f"])


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_details_view(snap_compare: Any, size: tuple[int, int]) -> None:
    app, source = demo_app()
    assert snap_compare(app, terminal_size=size, run_before=held(source), press=["d"])


def test_sixteen_colours(snap_compare: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """ANSI mode (TERM=screen, xterm): the terminal's own palette and background."""
    import vagal.ui.app as app_module

    monkeypatch.setattr(app_module, "color_depth", lambda app: "16")
    app, source = demo_app()
    assert snap_compare(app, terminal_size=(100, 30), run_before=held(source))


def test_help_screen(snap_compare: Any) -> None:
    app, source = demo_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=held(source), press=["question_mark"])


def test_quit_dialog_while_recording(snap_compare: Any) -> None:
    app, source = demo_app(recording=Path("sessions/2026-11-24 demo.vagal"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=held(source), press=["q"])


def test_light_colours(snap_compare: Any) -> None:
    app, source = demo_app()
    # The trace keeps the strips it drew until its next refresh (a wall-clock timer), so "l"
    # is pressed before the refresh: the screen as it looks once that timer has fired.
    assert snap_compare(app, terminal_size=(100, 30), run_before=held(source, press=("l",)))


def test_marker_dialog(snap_compare: Any) -> None:
    app, source = demo_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=held(source), press=["m", *"felt calmer"])
