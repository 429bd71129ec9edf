"""The look of the dashboard: the guide in the centre, the views, the colours.

Colours are checked against xterm's own 256-colour table (its 6×6×6 cube and grey ramp,
as xterm's 256colres.pl makes them), not against anything vagal computes; "red" is a hue
within 20° of pure red with some saturation.
"""

from __future__ import annotations

import colorsys
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.color import ColorType
from textual.app import App

import vagal.ui
from tests.test_ui_app import beats, build, opening, settle
from vagal.clock import VirtualClock
from vagal.pacer import PRESETS
from vagal.ui.widgets.guide import BreathGuide
from vagal.ui.widgets.readings import CalmWords, DetailsView, PresenceFoot, Readings
from vagal.ui.widgets.theme import VAGAL_DARK, VAGAL_LIGHT
from vagal.ui.widgets.tiles import breath_mean_hr

SIZES = [(60, 18), (80, 24), (100, 30), (200, 60), (250, 70)]


def _xterm_256() -> set[tuple[int, int, int]]:
    """Entries 16–255 of the xterm palette (the ones a terminal does not let themes change)."""
    levels = (0, 95, 135, 175, 215, 255)
    cube = {(r, g, b) for r in levels for g in levels for b in levels}
    greys = {(8 + 10 * i,) * 3 for i in range(24)}
    return cube | greys


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _is_red(rgb: tuple[int, int, int]) -> bool:
    hue, saturation, value = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    degrees = hue * 360
    return (degrees <= 20 or degrees >= 340) and saturation >= 0.25 and value >= 0.2


def _all_colours() -> dict[str, str]:
    """Every colour vagal's stylesheet and themes set: where → #rrggbb."""
    found: dict[str, str] = {}
    css = (Path(vagal.ui.__file__).parent / "app.tcss").read_text()
    for i, hex_colour in enumerate(re.findall(r"#[0-9a-fA-F]{6}\b", css)):
        found[f"app.tcss #{i}"] = hex_colour
    for theme in (VAGAL_DARK, VAGAL_LIGHT):
        for field in ("primary", "secondary", "accent", "warning", "error", "success", "foreground",
                      "background", "surface", "panel", "boost"):
            value = getattr(theme, field)
            if value:
                found[f"{theme.name}.{field}"] = value
        for name, value in theme.variables.items():
            match = re.match(r"#[0-9a-fA-F]{6}", value)
            if match:
                found[f"{theme.name}.{name}"] = match[0]
    return found


def test_every_colour_is_an_xterm_256_entry_and_none_is_red() -> None:
    """At 256 colours (tmux, screen, macOS Terminal) a colour between entries is rounded per
    channel: the soft blue disc turned teal. An entry of the table is shown as it is."""
    palette = _xterm_256()
    colours = _all_colours()
    assert len(colours) > 40  # the stylesheet was read
    off = {where: c for where, c in colours.items() if _rgb(c) not in palette}
    assert off == {}
    red = {where: c for where, c in colours.items() if _is_red(_rgb(c))}
    assert red == {}
    assert _is_red((215, 95, 95)) and not _is_red((215, 175, 135))  # the check itself tells them apart


@dataclass
class StillPacerState:
    phase: Any
    phase_remaining_s: float
    volume: float


class StillPacer:
    """A pacer held at one moment (the guide reads only ``state_at``)."""

    def __init__(self, phase: str, remaining_s: float, volume: float) -> None:
        self.state = StillPacerState(phase, remaining_s, volume)

    def state_at(self, t_s: float) -> StillPacerState:
        return self.state


class GuideOnly(App[None]):
    CSS_PATH = Path(vagal.ui.__file__).parent / "app.tcss"

    def __init__(self, pacer: StillPacer) -> None:
        super().__init__()
        self.pacer = pacer
        self.register_theme(VAGAL_DARK)
        self.theme = VAGAL_DARK.name  # the dashboard's colours

    def compose(self) -> Any:
        yield BreathGuide(self.pacer, lambda: 0.0, id="breath-guide")


def _cells(guide: BreathGuide) -> list[list[tuple[str, Any]]]:
    """Each cell of the guide: (character, its Rich style)."""
    rows = []
    for y in range(guide.size.height):
        row: list[tuple[str, Any]] = []
        for segment in guide.render_line(y):
            row += [(ch, segment.style) for ch in segment.text]
        rows.append(row)
    return rows


@pytest.mark.parametrize("size", [(24, 10), (40, 16), (70, 24), (140, 50), (170, 58)])
async def test_the_countdown_stays_inside_the_smallest_disc(size: tuple[int, int]) -> None:
    """At the end of an exhale (the smallest disc) every cell of the digit is on the disc."""
    app = GuideOnly(StillPacer("exhale", 8.5, 0.0))  # a "9": the widest digit, lungs empty
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        guide = app.query_one(BreathGuide)
        guide.step()
        tint = guide.get_component_styles("breath-guide--exhale").color.rich_color
        layout = guide.geometry
        cells = _cells(guide)
        # The countdown's cells are the bold ones (its own style); the disc's edge is not bold.
        digit = [(y, x) for y, row in enumerate(cells) for x, (ch, style) in enumerate(row)
                 if ch.strip() and style.bold and y != layout.label_row]
        if layout.count_scale == 0:
            assert digit == [] or all(y == layout.label_row for y, _ in digit)
            assert guide.label.endswith("9")  # beside the word instead
            return
        assert digit, "the countdown is drawn in the disc"
        for y, x in digit:
            style = cells[y][x][1]
            assert style.bgcolor == tint, (y, x)  # on the disc, never past its edge
        assert guide.label == "↓ Exhale"


async def test_each_phase_has_its_own_tint_and_direction() -> None:
    seen = {}
    for phase in ("inhale", "exhale", "hold_in"):
        app = GuideOnly(StillPacer(phase, 2.5, 0.5))
        async with app.run_test(size=(60, 24)) as pilot:
            await pilot.pause()
            guide = app.query_one(BreathGuide)
            guide.step()
            centre = _cells(guide)[round(guide.geometry.cy / 2)][guide.size.width // 2 - 4]
            seen[phase] = (guide.label.split()[0], centre[1].bgcolor)
    assert [arrow for arrow, _ in seen.values()] == ["↑", "↓", "·"]
    assert len({colour for _, colour in seen.values()}) == 3


@pytest.mark.parametrize("size", SIZES)
async def test_the_guide_is_the_largest_thing_and_centred_at_every_size(size: tuple[int, int]) -> None:
    app = build(opening() + beats(0, 30))
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        guide = app.query_one(BreathGuide)
        area = guide.region.area
        others = [w for w in app.screen.query("*") if w is not guide and w.display and w.region.area
                  and w.parent is not None and not w.region.contains_region(guide.region)
                  and not guide.region.contains_region(w.region) and w.id not in ("main",)]
        largest = max(others, key=lambda w: w.region.area)
        assert area > largest.region.area, largest
        layout = guide.geometry
        assert layout.cx == pytest.approx(guide.size.width / 2)
        # The disc fills its space: its diameter is most of the guide's height or width.
        assert layout.radius >= 0.8 * min(guide.size.width / 2 - 2, guide.size.height - 2.5)
        # Heart rate is one small line, never big digits.
        assert app.query_one("#heart-rate").region.height <= 2


async def test_the_details_key_shows_the_lab_numbers_with_a_plain_line_each() -> None:
    app = build(opening() + beats(0, 150), clock=VirtualClock(150.0))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        home = str(app.query_one(Readings).query_one("#coherence").render()) + "".join(
            str(w.render()) for w in app.query_one(Readings).children
        )
        assert "LF/HF" not in home
        details = app.query_one(DetailsView)
        assert not details.visible or not app.query_one("#details-box").display
        await pilot.press("d")
        await pilot.pause()
        assert app.query_one("#details-box").display and not app.query_one("#trace").display
        shown = str(details.render())
        assert "LF/HF" in shown and "expected, not stress" in shown and "SDNN" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not app.query_one("#details-box").display and app.query_one("#trace").display


async def test_presentation_mode_shows_the_guide_the_level_and_a_quiet_way_out() -> None:
    clock = VirtualClock(90.0)
    app = build(opening() + beats(0, 90), clock=clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await pilot.pause()
        for hidden in ("#status", "#side", "#trace"):
            assert not app.query_one(hidden).display, hidden
        calm = app.query_one(CalmWords)
        foot = app.query_one(PresenceFoot)
        assert calm.display and foot.display
        assert str(foot.render()).startswith(foot.left) and "esc" in str(foot.render())
        assert re.fullmatch(r"(\d+ bpm|heart rate --) · \d+:\d\d", foot.left)
        guide = app.query_one(BreathGuide)
        assert guide.region.height > calm.region.height
        await pilot.press("escape")
        await pilot.pause()
        assert app.query_one("#status").display and app.query_one("#trace").display


async def test_plus_then_minus_comes_back_to_the_presets_name() -> None:
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.pacer.pattern.name == "resonance"
        await pilot.press("plus")
        assert app.pacer.pattern.name == "custom" and app.pacer.pattern.rate_per_min == pytest.approx(6.5)
        await pilot.press("minus")
        assert app.pacer.pattern == PRESETS["resonance"]
        await pilot.press("minus")
        assert app.pacer.pattern.name == "custom"


def test_heart_rate_over_a_breath_is_steady_while_the_beats_swing() -> None:
    """RSA makes beat-to-beat heart rate swing ±6 bpm within a breath; over one breath the
    average is the beats' rate (n beats in their time) and hardly moves."""
    t, rr, instant = [], [], []
    now = 0.0
    while now < 120:
        hr = 64 + 6 * math.sin(2 * math.pi * now / 10.0)  # 6 breaths a minute
        rr.append(60000.0 / hr)
        now += rr[-1] / 1000
        t.append(now)
        instant.append(hr)
    ts, rrs = np.array(t), np.array(rr)
    shown = [breath_mean_hr(ts, rrs, s, 10.0) for s in np.arange(30, 120, 0.5)]
    assert all(v is not None for v in shown)
    values = np.array(shown, dtype=float)
    assert np.ptp(instant[30:]) > 10  # the beats swing by more than 10 bpm
    assert np.ptp(values) < 1.5  # the number a person reads does not
    # Labelled truth: n beats in their own total time.
    inside = (ts > 60.0) & (ts <= 70.0)
    assert breath_mean_hr(ts, rrs, 70.0, 10.0) == pytest.approx(60000 * inside.sum() / rrs[inside].sum())


async def test_sixteen_colours_use_the_terminals_own_palette(monkeypatch: pytest.MonkeyPatch) -> None:
    """TERM=screen or xterm: the terminal's palette and background, so no widget leaves a
    patch of another black (seen in tmux)."""
    import vagal.ui.app as app_module

    monkeypatch.setattr(app_module, "color_depth", lambda app: "16")
    app = build()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.ansi_color
        guide = app.query_one(BreathGuide)
        guide.step()
        kinds = {
            colour.type
            for row in _cells(guide)
            for _, style in row
            for colour in (style.color, style.bgcolor)
            if colour is not None
        }
        assert kinds <= {ColorType.DEFAULT, ColorType.STANDARD}, kinds


@pytest.mark.parametrize("phase", ["inhale", "exhale", "hold_in"])
async def test_at_256_colours_the_guide_is_drawn_in_palette_entries_only(
    phase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No blend that a 256-colour terminal would round to another hue (the teal disc
    with a purple speckled edge): every colour of every cell is an entry of xterm's table."""
    import vagal.ui.widgets.guide as guide_module

    monkeypatch.setattr(guide_module, "color_depth", lambda app: "256")
    palette = _xterm_256()
    app = GuideOnly(StillPacer(phase, 2.5, 0.6))
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        guide = app.query_one(BreathGuide)
        guide.step()
        colours = {
            colour.triplet
            for row in _cells(guide)
            for _, style in row
            for colour in (style.color, style.bgcolor)
            if colour is not None and colour.triplet is not None
        }
        assert len(colours) >= 3  # background, disc, ring (and the count)
        off = {c.hex for c in colours if (c.red, c.green, c.blue) not in palette}
        assert off == set()
