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
from typing import TYPE_CHECKING, ClassVar, Final, Protocol

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
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
        id: str | None = None,  # noqa: A002 - Textual's name
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
        self.frames = 0
        """Frames drawn so far (tests check that the guide keeps moving)."""
        self._timer: Timer | None = None
        self._last_key: tuple[object, ...] | None = None
        self._styles: dict[tuple[int, int], Style] = {}
        self._style_key: tuple[object, ...] | None = None
        self.step()

    def on_mount(self) -> None:
        self._timer = self.set_interval(1 / self.fps, self.step, name="breath-guide")

    def step(self) -> None:
        """Read the pacer at the current time and redraw if anything visible changed."""
        state = self.pacer.state_at(self.time_source())
        if state.phase != self.phase:
            self.phase = state.phase
            if self.is_mounted:
                self.post_message(self.PhaseChanged(state.phase))
        self.volume = state.volume
        self.remaining_s = state.phase_remaining_s
        key = (self.phase, round(self.volume * 400), self.countdown, self.size)
        if key != self._last_key:
            self._last_key = key
            self.frames += 1
            self.refresh()

    @property
    def countdown(self) -> int:
        """The whole seconds shown by the countdown (at least 1)."""
        return max(1, math.ceil(self.remaining_s - 1e-9))

    @property
    def word(self) -> str:
        """The phase in plain words ("Inhale", "Exhale", "Hold")."""
        return PHASE_WORDS.get(self.phase, "")

    # -- drawing -----------------------------------------------------------------------

    def _palette(self) -> dict[tuple[int, int], Style]:
        """Styles for (top, bottom) coverage levels, cached until the colours change."""
        _, background = self.background_colors
        disc = self.get_component_styles("breath-guide--disc").color
        key = (background, disc)
        if key != self._style_key:
            self._style_key = key
            self._styles = {}
            shades = [background.blend(disc, i / _LEVELS) for i in range(_LEVELS + 1)]
            for top in range(_LEVELS + 1):
                for bottom in range(_LEVELS + 1):
                    self._styles[(top, bottom)] = Style(
                        color=shades[top].rich_color, bgcolor=shades[bottom].rich_color
                    )
        return self._styles

    def _layout(self) -> tuple[int, int, int, int]:
        """(word rows, word scale, disc top row, disc rows) for the current size."""
        width, height = self.size
        word_scale = fit_scale("EXHALE", width - 2, max(3, height // 4), max_scale=3)
        word_rows = len(render_big("EXHALE", word_scale)) if word_scale else 1
        disc_top = word_rows + 1
        return word_rows, word_scale, disc_top, max(1, height - disc_top)

    def render_line(self, y: int) -> Strip:
        width, _height = self.size
        if width <= 0:
            return Strip.blank(0)
        text_style = self.get_component_rich_style("breath-guide--text")
        word_rows, word_scale, disc_top, disc_rows = self._layout()
        if y < disc_top:
            return self._text_line(y, word_rows, word_scale, width, text_style)
        return self._disc_line(y - disc_top, disc_rows, width, text_style)

    def _text_line(self, y: int, word_rows: int, scale: int, width: int, style: Style) -> Strip:
        if y >= word_rows:
            return Strip.blank(width, self.rich_style)
        if scale == 0:
            text = f"{self.word} {self.countdown}"
        else:
            text = render_big(self.word, scale)[y]
        pad = max(0, (width - len(text)) // 2)
        line = (" " * pad + text).ljust(width)[:width]
        return Strip([Segment(line, self.rich_style + style)], width)

    def _disc_line(self, row: int, rows: int, width: int, text_style: Style) -> Strip:
        palette = self._palette()
        # Pixels are half a cell tall, so a circle of radius r cells wide spans r pixel rows.
        max_radius = max(1.0, min(width / 2 - 1, rows - 0.5))
        radius = max_radius * (0.3 + 0.7 * min(1.0, max(0.0, self.volume)))
        cx = width / 2
        cy = rows  # centre in pixel rows (2 per text row)
        tops = self._coverage(2 * row + 0.5 - cy, radius, cx, width)
        bottoms = self._coverage(2 * row + 1.5 - cy, radius, cx, width)
        cells = [(t, b) for t, b in zip(tops, bottoms, strict=True)]
        overlay = self._countdown_overlay(row, rows, width)
        segments: list[Segment] = []
        run_text: list[str] = []
        run_style: Style | None = None
        for x, (t, b) in enumerate(cells):
            ch = overlay[x] if overlay else " "
            if ch != " ":
                level = (t + b) // 2
                bg = palette[(level, level)].bgcolor
                style = text_style + Style(bgcolor=bg)
            elif t == b:
                ch, style = " ", palette[(t, b)]  # one colour: a plain space is cheaper to draw
            else:
                ch, style = "▀", palette[(t, b)]
            if style is not run_style and style != run_style:
                if run_text and run_style is not None:
                    segments.append(Segment("".join(run_text), run_style))
                run_text, run_style = [], style
            run_text.append(ch)
        if run_text and run_style is not None:
            segments.append(Segment("".join(run_text), run_style))
        return Strip(segments, width)

    @staticmethod
    def _coverage(dy: float, radius: float, cx: float, width: int) -> list[int]:
        """Edge-shaded coverage levels of one pixel row of the disc, per column."""
        if abs(dy) >= radius:
            return [0] * width
        half = math.sqrt(radius * radius - dy * dy)
        levels = []
        for x in range(width):
            inside = half - abs(x + 0.5 - cx) + 0.5
            levels.append(_LEVELS if inside >= 1 else (0 if inside <= 0 else round(inside * _LEVELS)))
        return levels

    def _countdown_overlay(self, row: int, rows: int, width: int) -> str:
        """The countdown's characters on this disc row ("" when the row has none)."""
        text = str(self.countdown)
        scale = fit_scale(text, width, max(1, rows // 2), max_scale=3)
        if scale == 0:
            lines: tuple[str, ...] = (text,)
        else:
            lines = render_big(text, scale)
        first = (rows - len(lines)) // 2
        if not first <= row < first + len(lines):
            return ""
        line = lines[row - first]
        pad = max(0, (width - len(line)) // 2)
        return (" " * pad + line).ljust(width)[:width]
