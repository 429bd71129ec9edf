"""The breathing guide: a calm disc that grows on the in-breath and shrinks on the out-breath.

Design decision: the guide reads the pacer *directly* on its own timer (``fps`` frames a
second, 20 by default) instead of waiting for engine snapshots, so it keeps moving when
the strap drops out, the engine is busy or the disk is slow: the person keeps breathing
even when the data stops. Each frame costs one pass of arithmetic per text row, not per
pixel: the disc is drawn with half blocks (two pixel rows a cell) and its edge is shaded
by coverage, so it grows smoothly rather than in whole-cell steps. A frame that would
look the same as the last one is not redrawn (holds, a paused replay).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, ClassVar, Final, Protocol

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from vagal.ui.widgets.bigtext import fit_scale, render_big

if TYPE_CHECKING:
    from textual.timer import Timer

    from vagal.events import BreathPhase

DEFAULT_FPS: Final = 20
"""Frames per second of the guide; the issue asks for at least 20."""
_LEVELS: Final = 12
"""Shades of the disc's edge (coverage steps)."""
PHASE_WORDS: Final[dict[str, str]] = {
    "inhale": "Inhale",
    "hold_in": "Hold",
    "exhale": "Exhale",
    "hold_out": "Hold",
}


class PacerStateLike(Protocol):
    """What the guide reads from ``vagal.pacer.PacerState``."""

    @property
    def phase(self) -> BreathPhase: ...
    @property
    def phase_remaining_s(self) -> float: ...
    @property
    def volume(self) -> float: ...


class PacerLike(Protocol):
    """What the guide reads from ``vagal.pacer.Pacer``."""

    def state_at(self, t_s: float) -> PacerStateLike: ...


@dataclass(frozen=True, slots=True)
class _FrameSetup:
    """Per-frame constants of the guide's drawing."""

    key: tuple[object, ...] | None
    base: Style
    text: Style
    palette: dict[tuple[int, int], Style]
    word_rows: int
    word_scale: int
    disc_top: int
    disc_rows: int
    radius: float
    count_lines: tuple[str, ...]
    count_top: int


class BreathGuide(Widget):
    """The breathing disc with the phase word and a countdown of the current phase."""

    DEFAULT_CSS = """
    BreathGuide {
        width: 1fr;
        height: 1fr;
        min-height: 5;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"breath-guide--disc", "breath-guide--text"}

    class PhaseChanged(Message):
        """The pacer moved to a new phase (inhale, hold, exhale): a cue for eyes-closed practice."""

        def __init__(self, phase: BreathPhase) -> None:
            super().__init__()
            self.phase: BreathPhase = phase
            """The phase that began."""

    phase: reactive[str] = reactive("inhale", layout=False, repaint=False)
    """The current phase ("inhale", "hold_in", "exhale", "hold_out")."""
    volume: reactive[float] = reactive(0.0, repaint=False)
    """Target lung volume 0..1; the disc's size."""
    remaining_s: reactive[float] = reactive(0.0, repaint=False)
    """Seconds left in the current phase (the countdown shows them rounded up)."""

    def __init__(
        self,
        pacer: PacerLike,
        time_source: Callable[[], float],
        *,
        fps: float = DEFAULT_FPS,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Make the guide.

        Args:
            pacer: The breathing pacer (its ``state_at(t_s)`` is read every frame).
            time_source: Session time in seconds (the app's clock).
            fps: Frames per second.
            name: Textual name.
            id: Textual id.
            classes: Textual CSS classes.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.pacer = pacer
        self.time_source = time_source
        self.fps = fps
        self._held = False
        self.frames = 0
        """Frames drawn so far (tests check that the guide keeps moving)."""
        self._timer: Timer | None = None
        self._last_key: tuple[object, ...] | None = None
        self._styles: dict[tuple[int, int], Style] = {}
        self._style_key: tuple[object, ...] | None = None
        self._setup: _FrameSetup | None = None
        self._last_box: Region | None = None
        self._layout_of: tuple[Size, tuple[int, int, int, int]] | None = None
        """The last size and its layout (the layout depends on the size only)."""
        self._frame: dict[int, Strip] = {}
        """Lines drawn for the current frame (Textual may ask for a line more than once)."""
        self.step()

    @property
    def held(self) -> bool:
        """True: the guide stands still (a fast replay would make it flicker).

        A still guide shows the disc alone: a frozen "Inhale 3" would ask for a breath
        that never ends.
        """
        return self._held

    @held.setter
    def held(self, value: bool) -> None:
        if value == self._held:
            return
        self._held = value
        self._last_key, self._frame, self._setup = None, {}, None
        if value:
            self.refresh()
        else:
            self.step()

    def on_mount(self) -> None:
        self._timer = self.set_interval(1 / self.fps, self.step, name="breath-guide")

    def on_resize(self) -> None:
        self._frame, self._setup, self._last_box = {}, None, None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._frame, self._setup = {}, None  # a new theme: new shades

    def step(self) -> None:
        """Read the pacer at the current time and redraw if anything visible changed."""
        if self.held:
            return
        state = self.pacer.state_at(self.time_source())
        if state.phase != self.phase:
            self.phase = state.phase
            if self.is_mounted:
                self.post_message(self.PhaseChanged(state.phase))
        self.volume = state.volume
        self.remaining_s = state.phase_remaining_s
        # Redraw only when the disc's edge moves by a visible shade step (or the words change),
        # and then only the box around the disc unless the words changed too: at 200x60 that
        # is what keeps the dashboard well under 10 % of a core.
        radius = self._radius()
        key = (self.phase, round(radius * _LEVELS * 2), self.countdown, self.size)
        if key == self._last_key:
            return
        last, self._last_key = self._last_key, key
        self._frame = {}
        self.frames += 1
        box = self._disc_box(radius)
        if last is None or last[0] != key[0] or last[2:] != key[2:] or self._last_box is None:
            self.refresh()
        else:
            self.refresh(self._last_box.union(box))
        self._last_box = box

    def _disc_box(self, radius: float) -> Region:
        """The cells the disc covers (with a cell of margin), in widget coordinates."""
        width = self.size.width
        _, _, disc_top, rows = self._layout()
        top = disc_top + max(0, math.floor((rows - radius) / 2) - 1)
        bottom = disc_top + min(rows, math.ceil((rows + radius) / 2) + 1)
        left = max(0, math.floor(width / 2 - radius) - 1)
        right = min(width, math.ceil(width / 2 + radius) + 1)
        return Region(left, top, max(0, right - left), max(0, bottom - top))

    @property
    def countdown(self) -> int:
        """The whole seconds shown by the countdown (at least 1)."""
        return max(1, math.ceil(self.remaining_s - 1e-9))

    @property
    def word(self) -> str:
        """The phase in plain words ("Inhale", "Exhale", "Hold"; "" while held)."""
        return "" if self._held else PHASE_WORDS.get(self.phase, "")

    # -- drawing -----------------------------------------------------------------------

    def _palette(self) -> dict[tuple[int, int], Style]:
        """Styles for (top, bottom) coverage levels, cached until the colours change."""
        _, background = self.background_colors
        disc = self.get_component_styles("breath-guide--disc").color
        key = (background, disc)
        if key != self._style_key:
            self._style_key = key
            shades = [background.blend(disc, i / _LEVELS) for i in range(_LEVELS + 1)]
            self._styles = {
                (top, bottom): Style(color=shades[top].rich_color, bgcolor=shades[bottom].rich_color)
                for top in range(_LEVELS + 1)
                for bottom in range(_LEVELS + 1)
            }
        return self._styles

    def _layout(self) -> tuple[int, int, int, int]:
        """(word rows, word scale, disc top row, disc rows) for the current size.

        Worked out once per size: every frame asks for it (20 times a second, three times a frame).
        """
        size = self.size
        if self._layout_of is not None and self._layout_of[0] == size:
            return self._layout_of[1]
        width, height = size
        word_scale = fit_scale("EXHALE", width - 2, max(3, height // 4), max_scale=3)
        word_rows = len(render_big("EXHALE", word_scale)) if word_scale else 1
        disc_top = word_rows + 1
        layout = (word_rows, word_scale, disc_top, max(1, height - disc_top))
        self._layout_of = (size, layout)
        return layout

    def _radius(self) -> float:
        """The disc's radius in cells (pixel rows are half a cell, so it is a circle)."""
        width = self.size.width
        rows = self._layout()[3]
        max_radius = max(1.0, min(width / 2 - 1, rows - 0.5))
        return max_radius * (0.3 + 0.7 * min(1.0, max(0.0, self.volume)))

    def render_line(self, y: int) -> Strip:
        strip = self._frame.get(y)
        if strip is None:
            strip = self._frame[y] = self._draw_line(y)
        return strip

    def _frame_setup(self) -> _FrameSetup:
        """What every line of this frame needs, computed once per frame."""
        setup = self._setup
        if setup is None or setup.key != self._last_key:
            word_rows, word_scale, disc_top, disc_rows = self._layout()
            width = self.size.width
            text = str(self.countdown)
            scale = fit_scale(text, width, max(1, disc_rows // 2), max_scale=3)
            count: tuple[str, ...] = () if self._held else ((text,) if scale == 0 else render_big(text, scale))
            setup = self._setup = _FrameSetup(
                key=self._last_key,
                base=self.rich_style,
                text=self.rich_style + self.get_component_rich_style("breath-guide--text"),
                palette=self._palette(),
                word_rows=word_rows,
                word_scale=word_scale,
                disc_top=disc_top,
                disc_rows=disc_rows,
                radius=self._radius(),
                count_lines=count,
                count_top=(disc_rows - len(count)) // 2,
            )
        return setup

    def _draw_line(self, y: int) -> Strip:
        width = self.size.width
        if width <= 0:
            return Strip.blank(0)
        f = self._frame_setup()
        if y < f.disc_top:
            return self._text_line(y, f, width)
        return self._disc_line(y - f.disc_top, f, width)

    def _text_line(self, y: int, f: _FrameSetup, width: int) -> Strip:
        if y >= f.word_rows or self._held:
            return Strip.blank(width, f.base)
        text = f"{self.word} {self.countdown}" if f.word_scale == 0 else render_big(self.word, f.word_scale)[y]
        pad = max(0, (width - len(text)) // 2)
        return Strip([Segment((" " * pad + text).ljust(width)[:width], f.text)], width)

    def _disc_line(self, row: int, f: _FrameSetup, width: int) -> Strip:
        palette = f.palette
        rows = f.disc_rows
        cx = width / 2
        tops = self._coverage(2 * row + 0.5 - rows, f.radius, cx, width)
        bottoms = self._coverage(2 * row + 1.5 - rows, f.radius, cx, width)
        cells = list(zip(tops, bottoms, strict=True))
        segments: list[Segment] = []

        def runs(part: list[tuple[int, int]]) -> None:
            # A disc row is a few long runs (outside, edge, inside, edge, outside).
            for (t, b), run in groupby(part):
                n = len(list(run))
                segments.append(Segment((" " if t == b else "▀") * n, palette[(t, b)]))

        k = row - f.count_top
        if not 0 <= k < len(f.count_lines):
            runs(cells)
            return Strip(segments, width)
        # The countdown sits in the middle of the disc: draw its glyphs over the disc's colour.
        line = f.count_lines[k]
        start = max(0, (width - len(line)) // 2)
        end = min(width, start + len(line))
        runs(cells[:start])
        for x in range(start, end):
            t, b = cells[x]
            ch = line[x - start]
            if ch == " ":
                segments.append(Segment(" " if t == b else "▀", palette[(t, b)]))
            else:
                level = (t + b) // 2
                segments.append(Segment(ch, f.text + Style(bgcolor=palette[(level, level)].bgcolor)))
        runs(cells[end:])
        return Strip(segments, width)

    @staticmethod
    def _coverage(dy: float, radius: float, cx: float, width: int) -> list[int]:
        """Edge-shaded coverage levels of one pixel row of the disc, per column."""
        if abs(dy) >= radius:
            return [0] * width
        half = math.sqrt(radius * radius - dy * dy)
        # Columns wholly inside or outside need no arithmetic: only the edges are shaded.
        levels = [0] * width
        full_lo = max(0, math.ceil(cx - half))
        full_hi = min(width - 1, math.floor(cx + half - 1))
        if full_hi >= full_lo:
            levels[full_lo : full_hi + 1] = [_LEVELS] * (full_hi - full_lo + 1)
        left = max(0, int(cx - half - 1))
        right = min(width, math.ceil(cx + half + 1))
        edges = (range(left, min(full_lo, right)), range(max(full_hi + 1, left), right))
        for x in (x for r in edges for x in r):
            inside = half - abs(x + 0.5 - cx) + 0.5
            levels[x] = _LEVELS if inside >= 1 else (0 if inside <= 0 else round(inside * _LEVELS))
        return levels
