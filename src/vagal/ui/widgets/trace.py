"""The scrolling heart-rate trace with the pacer's rhythm drawn under it on the same time axis.

The trace is a braille line plot (2 × 4 dots a cell) of the last ``span_s`` seconds of
heart rate (or RR), with a band of eighth-blocks beneath it showing the pacer's target
lung volume at the same moments: when the heart follows the breath, the peaks of the line
sit over the crests of the band. NaN in the data (a gap) breaks the line. The band takes
each phase's tint from the guide (cool in, warm out, sage for a hold), so the rhythm under
the trace reads as the disc does. It is redrawn when what it shows moves (a new beat, or
time moving on by a dot column), never at the guide's frame rate.
The data comes as float arrays (views of the app's :class:`~vagal.ui.trace_buffer.TraceBuffer`),
and the columns are binned with numpy: a redraw costs the same however long the session.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import TYPE_CHECKING, ClassVar, Final

from rich.segment import Segment
from rich.style import Style
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from vagal.ui.trace_buffer import TraceKind

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

DEFAULT_SPAN_S: Final = 90.0
"""Seconds of history shown: 1.5 min, so several slow breaths are on screen."""
_BRAILLE_BASE: Final = 0x2800
_DOT_BITS: Final = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""Braille dot bits by (row 0..3 from the top, column 0..1)."""
_EIGHTHS: Final = " ▁▂▃▄▅▆▇█"
_GUTTER: Final = 7
"""Columns on the left for the axis labels."""
UNITS: Final[dict[str, str]] = {"hr": "bpm", "rr": "ms"}
TITLES: Final[dict[str, str]] = {"hr": "heart rate", "rr": "RR interval"}


class HeartTrace(Widget):
    """Heart rate (or RR) over the last minute and a half, above the breathing rhythm."""

    DEFAULT_CSS = """
    HeartTrace {
        height: 1fr;
        min-height: 4;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "heart-trace--line",
        "heart-trace--breath",
        "heart-trace--inhale",
        "heart-trace--exhale",
        "heart-trace--hold",
        "heart-trace--axis",
    }

    class Toggled(Message):
        """The person clicked the trace to switch between heart rate and RR."""

    kind: reactive[TraceKind] = reactive("hr")
    """What the line shows: heart rate (bpm) or RR interval (ms)."""

    def __init__(
        self,
        volume_at: Callable[[float], float] | None = None,
        *,
        phase_at: Callable[[float], str] | None = None,
        span_s: float = DEFAULT_SPAN_S,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Make the trace.

        Args:
            volume_at: The pacer's target lung volume 0..1 at a session time (None: no band).
            phase_at: The pacer's phase at a session time ("inhale", "hold_in", "exhale",
                "hold_out"), which tints the band (None: one colour).
            span_s: Seconds of history across the width.
            name: Textual name.
            id: Textual id.
            classes: Textual CSS classes.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.volume_at = volume_at
        self.phase_at = phase_at
        self.span_s = span_s
        self.t_now_s = 0.0
        self._t: FloatArray | None = None
        self._y: FloatArray | None = None
        self._cache: dict[int, Strip] = {}
        self._look: tuple[object, ...] | None = None

    def set_data(
        self, t_now_s: float, t_s: FloatArray | Sequence[float], values: FloatArray | Sequence[float]
    ) -> None:
        """Show new data (times in session seconds, values in bpm or ms, NaN at gaps).

        Args:
            t_now_s: The session time at the right edge.
            t_s: Sample times, ascending (an array is used as it is, not copied).
            values: One value per time.
        """
        import numpy as np

        t = np.asarray(t_s, dtype=np.float64)
        y = np.asarray(values, dtype=np.float64)
        self.t_now_s = t_now_s
        self._t, self._y = t, y
        # Nothing on screen moves until time has moved on by a dot column or a beat came:
        # then (and only then) the trace is drawn again.
        dots = max(1, (self.size.width - _GUTTER) * 2)
        column = math.floor(t_now_s / self.span_s * dots)
        last = (float(t[-1]), float(y[-1])) if t.size else None
        look = (column, t.size, last, self.kind)
        if look == self._look:
            return
        self._look = look
        self._cache.clear()
        self.refresh()

    def redraw(self) -> None:
        """Forget the drawn lines and draw again (the pattern under the trace changed)."""
        self._look = None
        self._cache.clear()
        self.refresh()

    def watch_kind(self) -> None:
        self._cache.clear()
        self._look = None

    def on_resize(self) -> None:
        self._cache.clear()
        self._look = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()  # a new theme: the strips hold the old colours

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(self.Toggled())

    # -- drawing -----------------------------------------------------------------------

    def _columns(self, plot_width: int) -> list[float]:
        """The mean value in each dot column (NaN where there is none)."""
        import numpy as np

        n = plot_width * 2
        if n <= 0:
            return []
        if self._t is None or self._y is None or self._t.size == 0:
            return [math.nan] * n
        start = self.t_now_s - self.span_s
        t, y = self._t, self._y[: self._t.size]
        # Truncated toward zero, as int() does: a sample a hair before the left edge lands in column 0.
        col = ((t - start) / self.span_s * n).astype(np.int64)
        gap = np.isnan(y)
        use = (col >= 0) & (col < n) & ~gap
        sums = np.bincount(col[use], weights=y[use], minlength=n)
        counts = np.bincount(col[use], minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            cols: list[float] = np.where(counts > 0, sums / counts, math.nan).tolist()
        # Heart beats are ~1 s apart but dot columns can be narrower: bridge short holes
        # (but never a real gap, which shows as NaN samples in the data).
        gap_t = set(col[gap].tolist())
        last = None
        for i, v in enumerate(cols):
            if i in gap_t:
                last = None
                continue
            if math.isnan(v):
                continue
            if last is not None and 1 < i - last <= max(2, n // 30):
                for j in range(last + 1, i):
                    f = (j - last) / (i - last)
                    cols[j] = cols[last] * (1 - f) + v * f
            last = i
        return cols

    def _range(self, cols: Sequence[float]) -> tuple[float, float]:
        import numpy as np

        valid = sorted(v for v in cols if not math.isnan(v))
        if not valid:
            return (50.0, 90.0) if self.kind == "hr" else (700.0, 1100.0)
        # A missed or extra beat makes one wild point; scale to the middle 96 % of the data
        # (outliers are drawn at the edge) so the breathing wave stays large and calm. In
        # the first seconds, when 4 % is less than one beat, leave out one beat's worth of
        # columns at each end instead (an early ectopic beat flattened the wave to 41-99 bpm).
        start = self.t_now_s - self.span_s
        beats = 0
        if self._t is not None and self._y is not None:
            beats = int(np.count_nonzero((self._t >= start) & ~np.isnan(self._y[: self._t.size])))
        cut = len(valid) // 50
        if beats >= 10:
            cut = max(cut, math.ceil(len(valid) / beats))
        lo, hi = valid[cut], valid[-1 - cut]
        least = 10.0 if self.kind == "hr" else 100.0
        if hi - lo < least:
            mid = (hi + lo) / 2
            lo, hi = mid - least / 2, mid + least / 2
        pad = (hi - lo) * 0.08
        return lo - pad, hi + pad

    def _build(self) -> dict[int, Strip]:
        width, height = self.size
        plot_w = max(0, width - _GUTTER)
        band_rows = 2 if height >= 7 else (1 if height >= 4 else 0)
        plot_rows = max(1, height - band_rows - 1)
        base = self.rich_style
        line_style = base + self.get_component_rich_style("heart-trace--line")
        band_style = base + self.get_component_rich_style("heart-trace--breath")
        tints = {
            tint: base + self.get_component_rich_style(f"heart-trace--{tint}")
            for tint in ("inhale", "exhale", "hold")
        }
        axis_style = base + self.get_component_rich_style("heart-trace--axis")
        cols = self._columns(plot_w)
        lo, hi = self._range(cols)
        dots_h = plot_rows * 4
        grid = [[0] * plot_w for _ in range(plot_rows)]
        prev: int | None = None
        for i, v in enumerate(cols):
            if math.isnan(v):
                prev = None
                continue
            y = round((hi - v) / (hi - lo) * (dots_h - 1))
            y = min(dots_h - 1, max(0, y))
            y0, y1 = (y, y) if prev is None else (min(prev, y), max(prev, y))
            cx, dx = divmod(i, 2)
            for yy in range(y0, y1 + 1):
                cy, dy = divmod(yy, 4)
                grid[cy][cx] |= _DOT_BITS[dy][dx]
            prev = y
        strips: dict[int, Strip] = {}
        unit = UNITS[self.kind]
        labels = {0: f"{hi:5.0f}", plot_rows - 1: f"{lo:5.0f}"}
        if plot_rows >= 3:
            labels[plot_rows // 2] = f"{unit:>5}"
        for r in range(plot_rows):
            text = "".join(chr(_BRAILLE_BASE + b) if b else " " for b in grid[r])
            label = labels.get(r, "").ljust(_GUTTER)[:_GUTTER]
            strips[r] = (
                Strip([Segment(label, axis_style), Segment(text, line_style)])
                .extend_cell_length(width, base)
                .crop(0, width)
            )
        if band_rows:
            strips.update(self._band(plot_rows, band_rows, plot_w, width, band_style, tints, axis_style))
        caption = f"{TITLES[self.kind]}, last {self.span_s:.0f} s  ·  the guide's breathing below it"
        # The caption's strip is as long as its words, then padded in the widget's own
        # background: a strip that claimed the full width left the rest unpainted (a dark
        # bar beside the caption in the light theme).
        line = Strip([Segment(" " * _GUTTER + caption[: max(0, plot_w)], axis_style)])
        strips[height - 1] = line.extend_cell_length(width, base).crop(0, width)
        return strips

    def _band(
        self,
        top: int,
        rows: int,
        plot_w: int,
        width: int,
        style: Style,
        tints: dict[str, Style],
        axis: Style,
    ) -> dict[int, Strip]:
        levels = rows * 8
        heights: list[int] = []
        phases: list[str] = []
        for x in range(plot_w):
            t = self.t_now_s - self.span_s + (x + 0.5) / max(1, plot_w) * self.span_s
            vol = self.volume_at(t) if self.volume_at is not None and t >= 0 else 0.0
            heights.append(round(min(1.0, max(0.0, vol)) * levels))
            phase = self.phase_at(t) if self.phase_at is not None and t >= 0 else ""
            phases.append("hold" if phase.startswith("hold") else phase)
        out: dict[int, Strip] = {}
        for r in range(rows):
            floor = (rows - 1 - r) * 8
            label = ("breath" if r == rows - 1 else "")[:_GUTTER].ljust(_GUTTER)
            segments = [Segment(label, axis)]
            for tint, run in groupby(zip(phases, heights, strict=True), key=lambda p: p[0]):
                text = "".join(_EIGHTHS[min(8, max(0, h - floor))] for _, h in run)
                segments.append(Segment(text, tints.get(tint, style)))
            out[top + r] = Strip(segments).extend_cell_length(width, self.rich_style).crop(0, width)
        return out

    def render_line(self, y: int) -> Strip:
        if not self._cache:
            self._cache = self._build()
        strip = self._cache.get(y)
        if strip is None:
            return Strip.blank(self.size.width, self.rich_style)
        return strip.extend_cell_length(self.size.width, self.rich_style)
