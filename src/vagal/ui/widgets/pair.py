"""Widgets for two people: the two heart-rate traces overlaid, a small tile per person, and
the together panel.

Design decision: the one-person widgets (:mod:`vagal.ui.widgets.guide`, ``trace``,
``tiles``) are reused through their public names and never changed here; what only two
people need lives in this module. Each person has one calm tint, used for their name, their
tile and their trace, so the eye links a name to a line without a legend to read:

============  ===========  ===========  ============
person        dark         light        16 colours
============  ===========  ===========  ============
A             ``#5fafd7``  ``#005f87``  cyan
B             ``#d7af5f``  ``#875f00``  yellow
both          ``#bcbcbc``  ``#4e4e4e``  default
============  ===========  ===========  ============

Sky blue and sand: the blue-yellow axis, the one people with red-green colour blindness
see best; neither is red, neither flashes. Where the two traces cross, the cell is drawn in
a quiet grey (a cell of braille dots holds one colour).

The together panel never shows a score of the two people: it says in words whether their
heart rhythms move together more than chance and the guide bring
(:func:`together_words`), the lag as who follows whom, and how much of the time both are in
tune with their guide.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Final

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from vagal.metrics import COHERENCE_LEVELS, coherence_level

if TYPE_CHECKING:
    from vagal.engine.snapshot import Snapshot
    from vagal.hrv.synchrony import SynchronyResult

TINTS_DARK: Final = ("#5fafd7", "#d7af5f")
"""Person A's and person B's tint on the dark theme."""
TINTS_LIGHT: Final = ("#005f87", "#875f00")
"""Person A's and person B's tint on the light theme."""
BOTH_DARK: Final = "#bcbcbc"
BOTH_LIGHT: Final = "#4e4e4e"
TRACE_SPAN_S: Final = 90.0
"""Seconds of heart rate across the trace (a minute and a half, as one person's trace)."""
_GUTTER: Final = 5
"""Columns left of the plot for the bpm axis ("72 ┤")."""
_BRAILLE_BITS: Final = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""Braille dot bits by (row within the cell, column within the cell)."""

NEEDS_TIME: Final = "needs 2 minutes of both hearts"
MORE: Final = "more in step than chance"
NOT_YET: Final = "no more in step than chance yet"
NOT_ENOUGH: Final = "not yet enough to compare with chance"
BIG_WORDS_MIN_ROWS: Final = 40
"""Across the room, on a screen at least this tall, the together words are drawn in the block
font (five rows), to be read from a sofa; smaller screens keep one line."""
NOT_A_SCORE: Final = "how two heart rhythms move, never a score of the two of you"


def tints(dark: bool) -> tuple[str, str, str]:
    """``(A's, B's, both)`` tints for the theme."""
    return (*TINTS_DARK, BOTH_DARK) if dark else (*TINTS_LIGHT, BOTH_LIGHT)


def coherence_words(ratio: float | None) -> str:
    """The gentle level for a coherence ratio ("settling in"), or "—" without one."""
    if ratio is None or not math.isfinite(ratio):
        return "—"
    return COHERENCE_LEVELS[coherence_level(ratio)][1]


def together_words(result: SynchronyResult | None) -> str:
    """The together panel's headline: "more in step than chance", "no more in step than
    chance yet", or "needs 2 minutes of both hearts" (never a number, never a score)."""
    if result is None or result.above_chance is None:
        return NEEDS_TIME
    return MORE if result.above_chance else NOT_YET


def lag_words(result: SynchronyResult | None, names: tuple[str, str]) -> str | None:
    """Who follows whom, in words ("Alex follows Sam by about 3 s"), only when above chance."""
    if result is None or not result.above_chance or result.wcc_lag_s_median is None:
        return None
    lag = result.wcc_lag_s_median
    if abs(lag) < 1.0:
        return "both hearts move at about the same moment"
    leader, follower = (names[0], names[1]) if lag > 0 else (names[1], names[0])
    return f"{follower} follows {leader} by about {abs(lag):.0f} s"


def shared_words(result: SynchronyResult | None) -> str | None:
    """How much of the time both were in tune with their guide at once, in words."""
    if result is None or result.shared_coherence_pct is None:
        return None
    pct = result.shared_coherence_pct
    if pct >= 50.0:
        return "both in tune with the guide much of the time"
    if pct > 0.0:
        return "both in tune with the guide at once now and then"
    return "not yet both in tune with the guide at the same time"


# -- the traces ----------------------------------------------------------------------------------


class PairTrace(Widget):
    """Both people's heart rate over the last minute and a half, overlaid, one tint each.

    The first row names the two in their tints; beneath, the bpm axis and both lines in
    braille dots (two columns and four rows of dots per cell).
    """

    DEFAULT_CSS = """
    PairTrace {
        height: 1fr;
        min-height: 4;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"pair-trace--axis"}

    def __init__(
        self,
        names: tuple[str, str],
        *,
        span_s: float = TRACE_SPAN_S,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Make the trace.

        Args:
            names: Person A's and person B's names (the first row).
            span_s: Seconds of history across the width.
            id: Textual id.
            classes: Textual CSS classes.
        """
        super().__init__(id=id, classes=classes)
        self.names = names
        self.span_s = span_s
        self.t_now_s = 0.0
        self.series: tuple[tuple[list[float], list[float]], tuple[list[float], list[float]]] = (
            ([], []),
            ([], []),
        )
        self._lines: list[Strip] | None = None
        self._look: tuple[object, ...] | None = None

    def set_data(
        self, t_now_s: float, series: Sequence[tuple[Sequence[float], Sequence[float]]]
    ) -> None:
        """Show new data: for each person, beat times (session seconds) and heart rates (bpm).

        Args:
            t_now_s: The session time at the right edge.
            series: ``((t_A, hr_A), (t_B, hr_B))``, times ascending.
        """
        a, b = series
        self.t_now_s = t_now_s
        self.series = ((list(a[0]), list(a[1])), (list(b[0]), list(b[1])))
        dots = max(1, (self.size.width - _GUTTER) * 2)
        column = math.floor(t_now_s / self.span_s * dots)
        look = (column, len(a[0]), len(b[0]), self.app.current_theme.dark if self.is_mounted else True)
        if look == self._look:
            return
        self._look = look
        self._lines = None
        self.refresh()

    def on_resize(self) -> None:
        self._lines = None
        self._look = None

    def render_line(self, y: int) -> Strip:
        if self._lines is None or len(self._lines) != self.size.height:
            base = self.rich_style  # the widget's own background under every cell
            self._lines = [line.apply_style(base) for line in self._draw(self.size.width, self.size.height)]
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width, self.rich_style)

    def _draw(self, width: int, height: int) -> list[Strip]:
        dark = self.app.current_theme.dark
        ta, tb, both = tints(dark)
        axis_style = self.get_component_rich_style("pair-trace--axis")
        legend = Text(" ")
        legend.append("━ ", Style(color=ta))
        legend.append(self.names[0], Style(color=ta, bold=True))
        legend.append("    ")
        legend.append("━ ", Style(color=tb))
        legend.append(self.names[1], Style(color=tb, bold=True))
        legend.append("   heart rate, last 1½ min", axis_style)
        legend.truncate(width)
        lines = [Strip(list(legend.render(self.app.console)), legend.cell_len).extend_cell_length(width)]
        rows = height - 1
        if rows <= 0:
            return lines[:height]
        plot_w = max(1, width - _GUTTER)
        t0 = self.t_now_s - self.span_s
        visible: list[tuple[list[float], list[float]]] = []
        for t, hr in self.series:
            i = bisect.bisect_left(t, t0)
            visible.append((t[i:], hr[i:]))
        values = [v for _, hr in visible for v in hr if math.isfinite(v)]
        if not values:
            words = Text(" waiting for both hearts", axis_style)
            out = [Strip(list(words.render(self.app.console)), words.cell_len).extend_cell_length(width)]
            out += [Strip.blank(width)] * (rows - 1)
            return lines + out
        lo, hi = min(values), max(values)
        if hi - lo < 10.0:  # at least 10 bpm of range: a flat heart is drawn flat, not noisy
            mid = (hi + lo) / 2
            lo, hi = mid - 5.0, mid + 5.0
        dots_w, dots_h = plot_w * 2, rows * 4
        grids = [[[0] * plot_w for _ in range(rows)] for _ in range(2)]
        for person, (t, hr) in enumerate(visible):
            prev: tuple[int, int] | None = None
            for ts, v in zip(t, hr, strict=True):
                if not math.isfinite(v):
                    prev = None
                    continue
                x = int((ts - t0) / self.span_s * (dots_w - 1))
                yy = round((hi - v) / (hi - lo) * (dots_h - 1))
                x = min(max(x, 0), dots_w - 1)
                yy = min(max(yy, 0), dots_h - 1)
                if prev is not None and x - prev[0] <= 8:
                    self._segment(grids[person], prev, (x, yy))
                else:
                    self._dot(grids[person], x, yy)
                prev = (x, yy)
        for r in range(rows):
            label = ""
            if r == 0:
                label = f"{hi:.0f}"
            elif r == rows - 1:
                label = f"{lo:.0f}"
            elif r == rows // 2 and rows >= 5:
                label = f"{(hi + lo) / 2:.0f}"
            segs = [Segment(f"{label:>3} ┤" if label else "    │", axis_style)]
            for c in range(plot_w):
                ba, bb = grids[0][r][c], grids[1][r][c]
                if not (ba or bb):
                    segs.append(Segment(" "))
                    continue
                color = both if ba and bb else (ta if ba else tb)
                segs.append(Segment(chr(0x2800 | ba | bb), Style(color=color)))
            lines.append(Strip(segs, width).extend_cell_length(width))
        return lines

    @staticmethod
    def _dot(grid: list[list[int]], x: int, y: int) -> None:
        r, c = divmod(y, 4)[0], x // 2
        if 0 <= r < len(grid) and 0 <= c < len(grid[0]):
            grid[r][c] |= _BRAILLE_BITS[y % 4][x % 2]

    @classmethod
    def _segment(cls, grid: list[list[int]], p: tuple[int, int], q: tuple[int, int]) -> None:
        (x0, y0), (x1, y1) = p, q
        n = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(n + 1):
            cls._dot(grid, round(x0 + (x1 - x0) * k / n), round(y0 + (y1 - y0) * k / n))


# -- per person ----------------------------------------------------------------------------------


class PersonTile(Widget):
    """One person's small tile: their name, heart rate (smoothed), RMSSD and coherence in words."""

    DEFAULT_CSS = """
    PersonTile {
        height: auto;
        min-height: 3;
        padding: 0 1;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"person-tile--quiet", "person-tile--value"}

    def __init__(
        self,
        person: int,
        name: str,
        role: str | None,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Make the tile.

        Args:
            person: 0 (A) or 1 (B): which tint.
            name: The person's name (shown literally).
            role: Their role ("parent"), or None.
            id: Textual id.
            classes: Textual CSS classes.
        """
        super().__init__(id=id, classes=classes)
        self.person = person
        self.person_name = name
        self.role = role
        self.guide_words = ""
        """Their guide, when each person has their own ("6/min")."""
        self.hr_bpm: float | None = None
        self.rmssd_ms: float | None = None
        self.coherence: float | None = None
        self.reason = "waiting for beats"
        self.strap = ""
        """The strap's state in calm words, when it is not simply streaming."""
        self.compact = False
        """Fewer rows (small terminals): the coherence words without their title."""

    def show(self, snapshot: Snapshot, *, strap: str = "") -> None:
        """Show a person's latest snapshot (and their strap's state in words)."""
        hr = snapshot.hr_smoothed_bpm if snapshot.hr_smoothed_bpm.valid else snapshot.hr_bpm
        new = (
            None if hr.value is None else round(hr.value),
            None if snapshot.rmssd_ms.value is None else round(snapshot.rmssd_ms.value),
            coherence_words(snapshot.coherence.value),
            hr.reason or snapshot.rmssd_ms.reason or "",
            strap,
        )
        old = (
            None if self.hr_bpm is None else round(self.hr_bpm),
            None if self.rmssd_ms is None else round(self.rmssd_ms),
            coherence_words(self.coherence),
            self.reason,
            self.strap,
        )
        self.hr_bpm = hr.value
        self.rmssd_ms = snapshot.rmssd_ms.value
        self.coherence = snapshot.coherence.value
        self.reason = new[3]
        self.strap = strap
        if new != old:
            self.refresh(layout=True)

    def render(self) -> Text:
        tint = tints(self.app.current_theme.dark)[self.person]
        quiet = self.get_component_rich_style("person-tile--quiet")
        value = self.get_component_rich_style("person-tile--value")
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(self.person_name, Style(color=tint, bold=True))
        if self.role:
            out.append(f" · {self.role}", quiet)
        if self.guide_words:
            out.append(f"\nguide {self.guide_words}", quiet)
        out.append("\n")
        if self.strap:
            # The strap is away: its words in place of numbers that would only be stale.
            out.append(self.strap, quiet)
            return out
        if self.hr_bpm is None:
            out.append(self.reason or "waiting for beats", quiet)
        else:
            out.append("heart  ", quiet)
            out.append(f"{self.hr_bpm:.0f}", value)
            out.append(" bpm\n", quiet)
            out.append("RMSSD  ", quiet)
            if self.rmssd_ms is None:
                out.append("in a moment", quiet)
            else:
                out.append(f"{self.rmssd_ms:.0f}", value)
                out.append(" ms", quiet)
        if not self.compact:
            out.append("\ncoherence\n", quiet)
        else:
            out.append("\n")
        out.append(coherence_words(self.coherence), Style(color=tint))
        return out


# -- together ------------------------------------------------------------------------------------


class TogetherPanel(Widget):
    """How the two hearts move together, in words, against chance: never a score."""

    DEFAULT_CSS = """
    TogetherPanel {
        height: auto;
        min-height: 1;
        padding: 0 1;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "together--title",
        "together--words",
        "together--quiet",
    }

    def __init__(self, names: tuple[str, str], *, id: str | None = None, classes: str | None = None) -> None:
        """Make the panel.

        Args:
            names: Person A's and person B's names.
            id: Textual id.
            classes: Textual CSS classes.
        """
        super().__init__(id=id, classes=classes)
        self.names = names
        self.result: SynchronyResult | None = None
        self.so_far_s = 0.0
        """Seconds both hearts have been seen (for the warm-up words)."""
        self.compact = False
        """One line only (presentation mode, small terminals)."""

    def show(self, result: SynchronyResult | None, *, so_far_s: float) -> None:
        """Show the latest live together view (None before the first)."""
        key = (
            together_words(result),
            lag_words(result, self.names),
            shared_words(result),
            int(so_far_s) // 5,
        )
        old = (
            together_words(self.result),
            lag_words(self.result, self.names),
            shared_words(self.result),
            int(self.so_far_s) // 5,
        )
        self.result, self.so_far_s = result, so_far_s
        if key != old:
            self.refresh(layout=True)

    def headline(self) -> str:
        """The words shown first: more / no more in step than chance (yet), or the warm-up."""
        words = together_words(self.result)
        if words == NEEDS_TIME:
            left = max(0, 120 - int(self.so_far_s))
            if left == 0 and self.result is not None:
                return f"together: {NOT_ENOUGH}"  # two minutes, but not yet enough to compare
            return f"together: {words}" + (f" ({_minutes(left)} to go)" if 0 < left < 120 else "")
        return f"together: {words}"

    def detail(self) -> str:
        """The second line: who follows whom and shared coherence, or why there is no answer yet."""
        details = [w for w in (lag_words(self.result, self.names), shared_words(self.result)) if w]
        if details:
            return "; ".join(details)
        if self.result is not None and self.result.above_chance is None and self.so_far_s >= 120:
            return self.result.reason or "each heart in its own rhythm is fine"
        return "each heart in its own rhythm is fine"

    def render(self) -> Text:
        title = self.get_component_rich_style("together--title")
        words = self.get_component_rich_style("together--words")
        quiet = self.get_component_rich_style("together--quiet")
        out = Text(no_wrap=True, overflow="ellipsis")
        head = self.headline().removeprefix("together: ")
        if self.compact and self.app.size.height >= BIG_WORDS_MIN_ROWS:
            from vagal.ui.widgets.bigtext import render_words

            big = render_words(head, 1)
            if big and len(big[0]) <= self.size.width - 2:
                # Across the room on a large screen: the words in the block font, centred.
                return Text("\n".join(big), style=words, justify="center", no_wrap=True)
        out.append("Together  ", title)
        out.append(head[:1].upper() + head[1:], words)
        if self.compact:
            return out
        out.append("\n")
        out.append(self.detail(), quiet)
        out.append("\n")
        out.append(NOT_A_SCORE, quiet)
        return out


def _minutes(s: int) -> str:
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"
