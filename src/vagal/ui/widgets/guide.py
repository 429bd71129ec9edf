"""The breathing guide: a calm disc that grows on the in-breath and shrinks on the out-breath.

Design decisions:

* The guide reads the pacer *directly* on its own timer (``fps`` frames a second, 20 by
  default) instead of waiting for engine snapshots, so it keeps moving when the strap
  drops out, the engine is busy or the disk is slow: the person keeps breathing even when
  the data stops. The pacer's volume is a cosine ease, so the motion starts and ends
  softly.
* Each phase is told apart at a glance, without reading: its own soft tint (cool for the
  in-breath, warm for the out-breath, sage for a hold), and a faint ring where the disc is
  going (the full size while breathing in, the smallest while breathing out). A hold has
  no ring and does not move. Under the disc, the phase word with an arrow (↑ in, ↓ out).
* The disc is the largest thing in its space and centred in it; the countdown is drawn in
  the disc, sized to fit the *smallest* disc of the breath, so it never spills out (when
  even the smallest font would not fit, the count goes beside the word instead).
* The disc is drawn with half blocks (two square pixels a cell). In truecolor its edge
  and ring are shaded by coverage, so it grows smoothly rather than in whole-cell steps;
  with 256 or 16 colours each pixel is one whole palette colour (a blend would be rounded
  to an unrelated palette entry: the speckled edge seen in review).
* A frame that looks the same as the last one is not drawn, and a frame in which only the
  disc's size changed repaints only the box around the disc: the rest of the screen is
  left alone.
* When time runs fast (``--speed`` above 2, a fast replay) the guide rests: a still disc
  and plain words that say why, and which pattern it would breathe.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Final, Protocol

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from vagal.ui.widgets.bigtext import render_big
from vagal.ui.widgets.theme import color_depth

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from textual.timer import Timer

    from vagal.events import BreathPhase

DEFAULT_FPS: Final = 20
"""Frames per second of the guide; the issue asks for at least 20."""
MIN_FRACTION: Final = 0.35
"""The disc's radius with the lungs empty, as a share of its radius with them full."""
_LEVELS: Final = 12
"""Shades of the disc's edge (coverage steps, truecolor only)."""
_RING_LEVELS: Final = 4
"""Shades of the ring (coverage steps, truecolor only)."""
_RING_SHADE: Final = 0.3
"""Where the ring crosses the disc it is the disc's tint this much towards the background."""
PHASE_WORDS: Final[dict[str, str]] = {
    "inhale": "Inhale",
    "hold_in": "Hold",
    "exhale": "Exhale",
    "hold_out": "Hold",
}
PHASE_TINTS: Final[dict[str, str]] = {
    "inhale": "inhale",
    "hold_in": "hold",
    "exhale": "exhale",
    "hold_out": "hold",
}
"""Which tint (component class ``breath-guide--<tint>``) each phase is drawn in."""
ARROWS: Final[dict[str, str]] = {"inhale": "↑", "exhale": "↓", "hold": "·"}
"""The direction cue beside the word: up and out, down and in, still."""
REST_WORDS: Final = ("The guide rests while time runs fast.",)
"""What a resting guide says when it is not told more."""

_Key = tuple[int, int]
"""A pixel: (disc coverage 0.._LEVELS, ring coverage 0.._RING_LEVELS)."""
_BG: Final[_Key] = (0, 0)
_MAX_LINES: Final = 4000
"""Disc lines kept for drawing again (a few breaths' worth at 200 × 60)."""
_MIN_STEP: Final = 0.5
"""The disc's radius moves in steps of at least this many pixels (a pixel is half a cell tall)."""
_STEP_SHARE: Final = 0.02
"""... and of at least this share of its full radius (a large disc moves in larger steps)."""


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
class GuideLayout:
    """Where the guide draws, for one size (pixels are half a cell tall, one cell wide)."""

    width: int
    height: int
    radius: float
    """The disc's radius with the lungs full, pixels (columns)."""
    cx: float
    """The disc's centre, in pixels from the left."""
    cy: float
    """The disc's centre, in pixels from the top (two a row)."""
    label_row: int
    """The text row of the phase word (-1: no room for it)."""
    count_scale: int
    """The countdown's font scale inside the disc (0: beside the word instead)."""

    @property
    def min_radius(self) -> float:
        """The disc's radius with the lungs empty, pixels."""
        return self.radius * MIN_FRACTION


def guide_layout(width: int, height: int, *, label_rows: int = 1) -> GuideLayout:
    """The largest centred disc that fits ``width`` × ``height`` cells with its word beneath.

    Args:
        width: Columns.
        height: Rows.
        label_rows: Rows of words under the disc.

    Returns:
        The layout (a disc of radius ≥ 1 even in the smallest space).
    """
    gap = 1 if height >= 14 else 0
    below = label_rows + gap if height >= 5 else 0
    disc_rows = max(1, height - below)
    # One pixel of margin around the disc and its ring, at the sides and top and bottom.
    radius = max(1.0, min(disc_rows - 1.5, width / 2 - 2.0))
    used_rows = min(disc_rows, math.ceil(radius + 1.5))
    top = max(0, (height - used_rows - below) // 2)
    cy = 2.0 * top + used_rows
    label_row = top + used_rows + gap if below else -1
    return GuideLayout(width, height, radius, width / 2, cy, label_row, _count_scale(radius * MIN_FRACTION))


def _count_scale(min_radius: float, digits: int = 1) -> int:
    """The largest countdown font scale whose glyphs stay inside the smallest disc (and its ring)."""
    for scale in (4, 3, 2, 1):
        w = (4 * digits - 1) * scale  # a 3-pixel glyph and a pixel of spacing per digit
        h = 5 * scale
        if math.hypot(w / 2, h / 2) <= min_radius - 1.5:
            return scale
    return 0


class BreathGuide(Widget):
    """The breathing disc with the phase word and a countdown of the current phase."""

    DEFAULT_CSS = """
    BreathGuide {
        width: 1fr;
        height: 1fr;
        min-height: 3;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "breath-guide--inhale",
        "breath-guide--exhale",
        "breath-guide--hold",
        "breath-guide--rest",
        "breath-guide--ring",
        "breath-guide--count",
        "breath-guide--words",
    }

    class PhaseChanged(Message):
        """The pacer moved to a new phase (inhale, hold, exhale): a cue for eyes-closed practice."""

        def __init__(self, phase: BreathPhase) -> None:
            super().__init__()
            self.phase: BreathPhase = phase
            """The phase that began."""

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
        self.phase: BreathPhase = "inhale"
        """The current phase ("inhale", "hold_in", "exhale", "hold_out")."""
        self.volume = 0.0
        """Target lung volume 0..1; the disc's size."""
        self.remaining_s = 0.0
        """Seconds left in the current phase (the countdown shows them rounded up)."""
        self.frames = 0
        """Frames drawn so far (tests check that the guide keeps moving)."""
        self._rest: tuple[str, ...] | None = None
        self._timer: Timer | None = None
        self._last_key: tuple[object, ...] | None = None
        self._last_box: Region | None = None
        self._layout_of: GuideLayout | None = None
        self._palette: _Palette | None = None
        self._frame: dict[int, Strip] = {}
        self._lines: dict[tuple[object, ...], Strip] = {}
        """Disc lines drawn before, by what they show: the radius moves in steps, so each
        breath draws the same lines again (cleared with the size, the theme or a rest)."""
        """Lines drawn for the current frame (Textual may ask for a line more than once)."""
        self._pixels: tuple[tuple[object, ...], npt.NDArray[np.int64]] | None = None
        """The current frame's pixels (:func:`_frame_pixels`), with what they were drawn for."""
        self.step()

    # -- state -------------------------------------------------------------------------

    @property
    def held(self) -> bool:
        """True: the guide rests (time runs too fast to breathe with), with words that say so."""
        return self._rest is not None

    @held.setter
    def held(self, value: bool) -> None:
        self.rest(REST_WORDS if value else None)

    @property
    def rest_words(self) -> tuple[str, ...]:
        """What a resting guide says (empty while it breathes)."""
        return self._rest or ()

    def rest(self, words: Sequence[str] | None) -> None:
        """Let the guide rest, with ``words`` saying why (None: breathe again).

        Args:
            words: One or two short lines ("The guide rests while the replay runs at 16×.",
                "resonance · 6.0/min · in 4 s, out 6 s"), or None to breathe again.
        """
        new = None if words is None else tuple(words)
        if new == self._rest:
            return
        self._rest = new
        self._last_key, self._frame, self._last_box, self._lines = None, {}, None, {}
        self._layout_of = None
        if new is not None:
            self.frames += 1
            self.refresh()
        else:
            self.step()

    @property
    def countdown(self) -> int:
        """The whole seconds shown by the countdown (at least 1)."""
        return max(1, math.ceil(self.remaining_s - 1e-9))

    @property
    def tint(self) -> str:
        """The tint of the current phase ("inhale", "exhale", "hold"; "rest" while resting)."""
        return "rest" if self._rest is not None else PHASE_TINTS.get(self.phase, "inhale")

    @property
    def word(self) -> str:
        """The phase in plain words ("Inhale", "Exhale", "Hold"; "" while resting)."""
        return "" if self._rest is not None else PHASE_WORDS.get(self.phase, "")

    @property
    def label(self) -> str:
        """The line under the disc: arrow, word and (when it does not fit the disc) the count."""
        if self._rest is not None:
            return " ".join(self._rest)
        text = f"{ARROWS[self.tint]} {self.word}"
        if self.geometry.count_scale == 0:
            text += f"  {self.countdown}"
        return text

    # -- the frame timer ---------------------------------------------------------------

    def on_mount(self) -> None:
        self._timer = self.set_interval(1 / self.fps, self.step, name="breath-guide")

    def on_resize(self) -> None:
        self._frame, self._last_box, self._layout_of, self._last_key = {}, None, None, None
        self._lines = {}
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._frame, self._palette, self._last_key = {}, None, None  # a new theme: new shades
        self._lines = {}

    def step(self) -> None:
        """Read the pacer at the current time and redraw if anything visible changed."""
        if self._rest is not None:
            return
        state = self.pacer.state_at(self.time_source())
        if state.phase != self.phase:
            self.phase = state.phase
            if self.is_mounted:
                self.post_message(self.PhaseChanged(state.phase))
        self.volume = state.volume
        self.remaining_s = state.phase_remaining_s
        if not self.is_mounted:
            return
        layout = self.geometry
        radius = self._radius(layout)
        levels = _LEVELS if self._palette is None or self._palette.smooth else 1
        key = (self.phase, round(radius * levels * 2), self.countdown, layout)
        last = self._last_key
        if key == last:
            return
        self._last_key = key
        self.frames += 1
        box = self._disc_box(layout, radius)
        if last is None or last[0] != key[0] or last[3] != key[3] or self._last_box is None:
            self._frame = {}
            self.refresh()
        elif key[2] != last[2]:
            # The count changed (once a second): repaint the disc's box, and the word's line
            # when the count sits beside it.
            self._frame = {}
            region = self._last_box.union(box)
            if layout.count_scale == 0 and layout.label_row >= 0:
                region = region.union(Region(0, layout.label_row, layout.width, 1))
            self.refresh(region)
        else:
            # Only the disc's size changed: repaint just the cells whose pixels changed (its
            # edge, a band a few cells wide), and keep every other line as it was drawn.
            self._refresh_changed(layout, radius)
        self._last_box = box

    def _refresh_changed(self, layout: GuideLayout, radius: float) -> None:
        """Repaint the cells whose pixels differ from the last frame's."""
        import numpy as np

        palette = self._get_palette()
        ring = self._ring(layout)
        before = self._pixels
        key = (radius, ring, palette.smooth, layout.width, layout.height, layout.cx, layout.cy)
        pixels = _frame_pixels(layout, radius, ring, smooth=palette.smooth)
        self._pixels = (key, pixels)
        if before is None or before[1].shape != pixels.shape:
            self._frame = {}
            self.refresh()
            return
        changed = before[1] != pixels
        cells = changed[0::2] | changed[1::2]
        regions = []
        for y in np.flatnonzero(cells.any(axis=1)).tolist():
            columns = np.flatnonzero(cells[y])
            first, last = int(columns[0]), int(columns[-1])
            regions.append(Region(first, y, last - first + 1, 1))
            self._frame.pop(y, None)
        if regions:
            self.refresh(*regions)

    # -- geometry ----------------------------------------------------------------------

    @property
    def geometry(self) -> GuideLayout:
        """The layout for the current size (worked out once per size and per rest)."""
        width, height = self.size
        layout = self._layout_of
        if layout is None or (layout.width, layout.height) != (width, height):
            rows = 2 if self._rest is not None and len(self._rest) > 1 and height >= 9 else 1
            layout = self._layout_of = guide_layout(width, height, label_rows=rows)
        return layout

    def _radius(self, layout: GuideLayout) -> float:
        """The disc's radius now, pixels."""
        if self._rest is not None:
            return layout.radius * (MIN_FRACTION + (1 - MIN_FRACTION) * 0.5)
        volume = min(1.0, max(0.0, self.volume))
        span = layout.radius - layout.min_radius
        # In steps of half a pixel (a quarter of a cell's height), or a fiftieth of the
        # full radius on a large disc: the edge still moves smoothly, shaded by coverage,
        # but a frame that would differ from the last by a hair's breadth is not drawn at
        # all (about half the frames of a breath).
        # The steps divide the way evenly, so that the full and the empty disc are exact.
        steps = max(1, math.ceil(span / max(_MIN_STEP, layout.radius * _STEP_SHARE)))
        return layout.min_radius + span * round(volume * steps) / steps

    def _ring(self, layout: GuideLayout) -> float | None:
        """Where the ring is drawn (pixels), or None: none in a hold or while resting."""
        tint = self.tint
        if tint == "inhale":
            return layout.radius + 1.0
        if tint == "exhale":
            return layout.min_radius if layout.min_radius >= 3 else None
        return None

    @staticmethod
    def _disc_box(layout: GuideLayout, radius: float) -> Region:
        """The cells the disc covers (with a pixel of margin), in widget coordinates."""
        top = max(0, math.floor((layout.cy - radius - 1) / 2))
        bottom = min(layout.height, math.ceil((layout.cy + radius + 1) / 2))
        left = max(0, math.floor(layout.cx - radius) - 1)
        right = min(layout.width, math.ceil(layout.cx + radius) + 1)
        return Region(left, top, max(0, right - left), max(0, bottom - top))

    # -- drawing -----------------------------------------------------------------------

    def _get_palette(self) -> _Palette:
        palette = self._palette
        if palette is None:
            _, background = self.background_colors
            tint = self.get_component_styles(f"breath-guide--{self.tint}").color
            ring = self.get_component_styles("breath-guide--ring").color
            depth = color_depth(self.app)
            palette = self._palette = _Palette(
                self.tint,
                background,
                tint,
                ring,
                smooth=depth == "truecolor",
                ansi=depth == "16",
                base=self.rich_style,
                count=self.rich_style + self.get_component_rich_style("breath-guide--count"),
                word=self.rich_style + self.get_component_rich_style(f"breath-guide--{self.tint}"),
                words=self.rich_style + self.get_component_rich_style("breath-guide--words"),
            )
        if palette.tint_name != self.tint:
            self._palette = None
            return self._get_palette()
        return palette

    def render_line(self, y: int) -> Strip:
        strip = self._frame.get(y)
        if strip is None:
            strip = self._frame[y] = self._draw_line(y)
        return strip

    def _draw_line(self, y: int) -> Strip:
        width = self.size.width
        if width <= 0:
            return Strip.blank(0)
        layout = self.geometry
        palette = self._get_palette()
        if layout.label_row >= 0 and layout.label_row <= y < layout.label_row + (2 if self._two_rows else 1):
            return self._label_line(y - layout.label_row, layout, palette)
        radius = self._radius(layout)
        ring = self._ring(layout)
        reach = max(radius, ring or 0.0) + 1.5
        if 2 * y + 2 < layout.cy - reach or 2 * y > layout.cy + reach:
            return Strip.blank(width, palette.base)
        count = self._count_lines(layout)
        k = y - self._count_top(layout, count)
        key = (y, radius, ring, palette.tint_name, count[k] if count and 0 <= k < len(count) else None)
        strip = self._lines.get(key)
        if strip is None:
            if len(self._lines) >= _MAX_LINES:
                self._lines.clear()
            strip = self._lines[key] = self._disc_line(y, layout, palette, radius, ring)
        return strip

    @property
    def _two_rows(self) -> bool:
        return self._rest is not None and len(self._rest) > 1 and self.geometry.height >= 9

    def _label_line(self, k: int, layout: GuideLayout, palette: _Palette) -> Strip:
        width = layout.width
        if self._rest is not None:
            lines = list(self._rest) if self._two_rows else [" ".join(self._rest)]
            text, style = (lines[k] if k < len(lines) else ""), palette.words
        else:
            text, style = self.label, palette.word
        text = text if len(text) <= width else text[: max(0, width - 1)] + "…"
        pad = max(0, (width - len(text)) // 2)
        return Strip(
            [
                Segment(" " * pad, palette.base),
                Segment(text, style),
                Segment(" " * (width - pad - len(text)), palette.base),
            ],
            width,
        )

    def _disc_line(
        self, y: int, layout: GuideLayout, palette: _Palette, radius: float, ring: float | None
    ) -> Strip:
        # The frame's pixels are worked out once, with numpy, for every row at once; a row
        # is then a few long runs (outside, edge, inside, edge, outside), built run by run.
        import numpy as np

        width = layout.width
        key = (radius, ring, palette.smooth, width, layout.height, layout.cx, layout.cy)
        if self._pixels is None or self._pixels[0] != key:
            self._pixels = (key, _frame_pixels(layout, radius, ring, smooth=palette.smooth))
        pixels = self._pixels[1]
        top, bottom = pixels[2 * y], pixels[2 * y + 1]
        pairs = top * _CODES + bottom
        cuts = (np.flatnonzero(pairs[1:] != pairs[:-1]) + 1).tolist()
        starts, ends = [0, *cuts], [*cuts, width]
        firsts = pairs[starts].tolist()
        cell = palette.cell
        segments: list[Segment] = []

        def runs(lo: int, hi: int) -> None:
            for a, b, code in zip(starts, ends, firsts, strict=True):
                a, b = max(a, lo), min(b, hi)
                if a < b:
                    ch, style = cell((_KEYS[code // _CODES], _KEYS[code % _CODES]))
                    segments.append(Segment(ch * (b - a), style))

        count = self._count_lines(layout)
        k = y - self._count_top(layout, count)
        if not count or not 0 <= k < len(count):
            runs(0, width)
            return Strip(segments, width)
        # The countdown sits in the middle of the disc: its glyphs over the disc's colour.
        line = count[k]
        start = max(0, round(layout.cx - len(line) / 2))
        end = min(width, start + len(line))
        runs(0, start)
        tops, bottoms = top.tolist(), bottom.tolist()
        for x in range(start, end):
            ch = line[x - start]
            pair = (_KEYS[tops[x]], _KEYS[bottoms[x]])
            if ch == " ":
                glyph, style = cell(pair)
                segments.append(Segment(glyph, style))
            else:
                segments.append(Segment(ch, palette.count + Style(bgcolor=palette.color(pair[0]))))
        runs(end, width)
        return Strip(segments, width)

    def _count_lines(self, layout: GuideLayout) -> tuple[str, ...]:
        if self._rest is not None or layout.count_scale == 0:
            return ()
        text = str(self.countdown)
        scale = layout.count_scale if len(text) == 1 else _count_scale(layout.min_radius, len(text))
        return render_big(text, scale) if scale else ()

    @staticmethod
    def _count_top(layout: GuideLayout, lines: tuple[str, ...]) -> int:
        return round(layout.cy / 2 - len(lines) / 2)


_KEYS: Final[tuple[_Key, ...]] = tuple((d, r) for d in range(_LEVELS + 1) for r in range(_RING_LEVELS + 1))
"""Every pixel, by its code ``disc * (_RING_LEVELS + 1) + ring``."""
_CODES: Final = len(_KEYS)


def _frame_pixels(
    layout: GuideLayout, radius: float, ring: float | None, *, smooth: bool
) -> npt.NDArray[np.int64]:
    """Every pixel of one frame (two pixel rows a text row) as its code in :data:`_KEYS`.

    The disc's edge pixels are shaded by how much of them the circle covers (truecolor;
    else a pixel is disc when at least half of it is), the ring's by how near they are to
    its line (else whole when within half a pixel of it: a line without gaps).

    Args:
        layout: Where the guide draws.
        radius: The disc's radius, pixels.
        ring: The ring's radius (pixels), or None for no ring.
        smooth: Shade by coverage (truecolor only).

    Returns:
        An int array of shape (2 × rows, columns).
    """
    import numpy as np

    dy = (np.arange(2 * layout.height, dtype=np.float64) + 0.5 - layout.cy)[:, None]
    dx = np.abs(np.arange(layout.width, dtype=np.float64) + 0.5 - layout.cx)[None, :]
    half = np.sqrt(np.maximum(0.0, radius * radius - dy * dy))
    inside = np.where(np.abs(dy) < radius, half - dx + 0.5, 0.0)
    disc = np.where(inside >= 1, _LEVELS, np.where(inside <= 0, 0, np.rint(inside * _LEVELS))).astype(
        np.int64
    )
    if not smooth:
        disc = np.where(disc * 2 >= _LEVELS, _LEVELS, 0)
    if ring is None:
        return disc * (_RING_LEVELS + 1)
    cover = 1.0 - np.abs(np.hypot(dx, dy) - ring)
    if smooth:
        lines = np.where(cover > 0, np.rint(cover * _RING_LEVELS), 0).astype(np.int64)
    else:
        lines = np.where(cover >= 0.5, _RING_LEVELS, 0)
    return disc * (_RING_LEVELS + 1) + lines


_CUBE: Final = (0, 95, 135, 175, 215, 255)
"""The levels of each channel in xterm's 6×6×6 colour cube."""


def _deeper(color: Color) -> Color:
    """The same hue one step deeper in the xterm colour cube (each channel one level down)."""

    def down(v: int) -> int:
        below = [level for level in _CUBE if level < v]
        return below[-1] if below else 0

    return Color(down(color.r), down(color.g), down(color.b))


class _Palette:
    """The colours and cell styles of one tint, cached until the theme or the tint changes."""

    def __init__(
        self,
        tint_name: str,
        background: Color,
        tint: Color,
        ring: Color,
        *,
        smooth: bool,
        ansi: bool,
        base: Style,
        count: Style,
        word: Style,
        words: Style,
    ) -> None:
        self.tint_name = tint_name
        self.smooth = smooth
        self.base, self.count, self.word, self.words = base, count, word, words
        self._background = background
        self._tint = tint
        self._ring = ring
        self._ansi = ansi
        # In ANSI mode the background is the terminal's own ("default"): it can only ever be
        # a background, never a foreground, so a cell half disc, half background is drawn
        # with whichever half block puts the disc in the foreground.
        self._bg_rich = RichColor.default() if ansi else background.rich_color
        self._colors: dict[_Key, RichColor] = {_BG: self._bg_rich}
        self._cells: dict[tuple[_Key, _Key], tuple[str, Style]] = {}

    def color(self, key: _Key) -> RichColor:
        """The colour of a pixel."""
        color = self._colors.get(key)
        if color is None:
            disc, ring = key
            # The ring is a faint line on the background, and on the disc a little of the
            # background in the disc's tint (the same hue, deeper).
            on_disc = self._tint.blend(self._background, _RING_SHADE)
            if self.smooth:
                shade = self._background.blend(self._tint, disc / _LEVELS)
                if ring:
                    line = self._ring.blend(on_disc, disc / _LEVELS)
                    shade = shade.blend(line, ring / _RING_LEVELS)
                color = shade.rich_color
            elif ring:
                # With 256 colours a blend would be rounded to an entry of another hue (an
                # olive ring on the tan disc): one step deeper in the colour cube instead.
                color = (_deeper(self._tint) if disc and not self._ansi else self._ring).rich_color
            elif disc:
                color = self._tint.rich_color
            else:
                color = self._bg_rich
            self._colors[key] = color
        return color

    def cell(self, pair: tuple[_Key, _Key]) -> tuple[str, Style]:
        """The character and style of a cell from its top and bottom pixels."""
        found = self._cells.get(pair)
        if found is None:
            top, bottom = pair
            ct, cb = self.color(top), self.color(bottom)
            if ct == cb:
                found = (" ", Style(bgcolor=ct))
            elif bottom == _BG:
                found = ("▀", Style(color=ct, bgcolor=self._bg_rich))
            elif top == _BG:
                found = ("▄", Style(color=cb, bgcolor=self._bg_rich))
            else:
                found = ("▀", Style(color=ct, bgcolor=cb))
            self._cells[pair] = found
        return found
