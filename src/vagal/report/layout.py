"""Text that flows down a page: measured, wrapped, never past the margins.

Design decision: matplotlib places text at a point and does not wrap it to a width (its
``wrap=True`` wraps to the figure's edge, and only at draw time, which is how the history
footnote ran off the page). Pages of words need more: a paragraph wrapped to a column,
the next one below it, and the room left known before a chart is placed. :class:`Flow`
measures every line with the same font engine the PDF and PNG backends use (Agg's
FreeType metrics of DejaVu Sans), so a wrapped line is exactly as wide as it will print.
Outside text goes through :func:`vagal.text.printable` before it gets here; mathtext is off
for the whole report (``style.RC``), so a "$" is a dollar sign.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from vagal.report import style

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure


@lru_cache(maxsize=1)
def _renderer() -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(8, 8, 72)  # type: ignore[no-untyped-call]  # 72 dpi: widths come out in points


@lru_cache(maxsize=4096)
def text_width_pt(text: str, size_pt: float, weight: str = "normal") -> float:
    """The printed width of one line of ``text``, points."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=style.RC["font.family"], size=size_pt, weight=weight)
    w, _, _ = _renderer().get_text_width_height_descent(text, prop, ismath=False)
    return float(w)


SURE_PT: Final = 3.0
"""How far (points, plus :data:`SURE_FRACTION` of the width) :func:`estimate_width_pt` may be
from :func:`text_width_pt`; beyond it the estimate decides, within it the exact measure does."""
SURE_FRACTION: Final = 0.15
LATIN_END: Final = 0x250
"""Text with a character from here on (other scripts, combining marks, emoji) is always measured."""


@lru_cache(maxsize=8)
def _advances(size_pt: float, weight: str) -> Callable[[str], float]:
    """Each character's advance at ``size_pt`` (points), from the font's unhinted metrics, cached."""
    from matplotlib.font_manager import FontProperties, findfont, get_font
    from matplotlib.ft2font import LoadFlags

    path = findfont(FontProperties(family=style.RC["font.family"], size=size_pt, weight=weight))

    @lru_cache(maxsize=1024)
    def advance(ch: str) -> float:
        font = get_font(path)
        font.set_size(size_pt, 72)  # the shared font: Agg sets its own size before every use
        glyph = font.load_char(ord(ch), flags=LoadFlags.NO_HINTING)
        return float(glyph.linearHoriAdvance) / 65536.0

    return advance


def estimate_width_pt(text: str, size_pt: float, weight: str = "normal") -> float:
    """About :func:`text_width_pt` (the sum of the characters' advances), a thousand times faster.

    Shaping one line with FreeType costs about 1 ms, and greedy wrapping measures every
    candidate line; the estimate settles the candidates far from the limit, and only the few
    near it are measured exactly, so the lines are the ones exact measuring gives.
    """
    advance = _advances(size_pt, weight)
    return sum(advance(ch) for ch in text)


def _fits(text: str, limit: float, size_pt: float, weight: str) -> bool:
    """``text_width_pt(text) <= limit``, measured exactly only when the estimate is near the limit."""
    if not text.isascii() and max(map(ord, text)) >= LATIN_END:
        return text_width_pt(text, size_pt, weight) <= limit  # other scripts: always measured
    est = estimate_width_pt(text, size_pt, weight)
    sure = SURE_PT + SURE_FRACTION * limit
    if est <= limit - sure:
        return True
    if est > limit + sure:
        return False
    return text_width_pt(text, size_pt, weight) <= limit


def wrap(text: str, width_in: float, size_pt: float, *, weight: str = "normal",
         max_lines: int | None = None) -> list[str]:
    """``text`` broken into lines no wider than ``width_in`` (words kept whole where they fit).

    A word longer than a line (a 200-character label without spaces) is broken between
    characters. With ``max_lines`` the last line kept ends in "…" when text is left over.
    """
    limit = width_in * 72.0
    lines: list[str] = []
    for para in text.split("\n"):
        words = para.split(" ")
        line = ""
        for word in words:
            cand = word if not line else f"{line} {word}"
            if _fits(cand, limit, size_pt, weight):
                line = cand
                continue
            if line:
                lines.append(line)
                line = ""
            while not _fits(word, limit, size_pt, weight) and len(word) > 1:
                # The longest head of the word that fits (binary search over its length).
                lo, hi = 1, len(word)
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if _fits(word[:mid], limit, size_pt, weight):
                        lo = mid
                    else:
                        hi = mid - 1
                lines.append(word[:lo])
                word = word[lo:]
            line = word
        lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and not _fits(last + "…", limit, size_pt, weight):
            last = last[:-1]
        kept[-1] = last.rstrip() + "…"
        return kept
    return lines


def line_h_in(size_pt: float) -> float:
    """The height of one line of ``size_pt`` text, inches."""
    return size_pt * style.LINE / 72.0


class Flow:
    """A column of text placed top-down on a page, in inches from the page's top-left corner.

    Args:
        fig: The page (a Figure, or a SubFigure of a stacked PNG).
        left_in: The column's left edge.
        width_in: The column's width.
        top_in: Where the first line goes.
    """

    def __init__(self, fig: Figure | SubFigure, *, left_in: float, width_in: float, top_in: float) -> None:
        self.fig = fig
        self.left_in = left_in
        self.width_in = width_in
        self.y_in = top_in
        w, h = _page_size(fig)
        self.page_w_in = w
        self.page_h_in = h

    def _xy(self, x_in: float, y_in: float) -> tuple[float, float]:
        return x_in / self.page_w_in, 1.0 - y_in / self.page_h_in

    def fraction(self, y_in: float) -> float:
        """A height from the top (inches) as a figure fraction from the bottom."""
        return 1.0 - y_in / self.page_h_in

    def text(
        self,
        text: str,
        *,
        size: float = style.BODY_PT,
        weight: str = "normal",
        color: str = style.INK,
        italic: bool = False,
        indent_in: float = 0.0,
        max_lines: int | None = None,
        after_in: float = 0.0,
    ) -> int:
        """Wrap and place a paragraph; returns the number of lines drawn."""
        lines = wrap(text, self.width_in - indent_in, size, weight=weight, max_lines=max_lines)
        lh = line_h_in(size)
        for line in lines:
            x, y = self._xy(self.left_in + indent_in, self.y_in)
            self.fig.text(
                x, y, line, fontsize=size, fontweight=weight, color=color, va="top", ha="left",
                fontstyle="italic" if italic else "normal",
            )
            self.y_in += lh
        self.y_in += after_in
        return len(lines)

    def height_of(self, text: str, *, size: float = style.BODY_PT, weight: str = "normal",
                  indent_in: float = 0.0) -> float:
        """How tall :meth:`text` would make ``text``, inches (nothing drawn)."""
        return len(wrap(text, self.width_in - indent_in, size, weight=weight)) * line_h_in(size)

    def heading(self, text: str, *, size: float = style.HEADING_PT) -> None:
        """A section heading with a little room above it."""
        self.y_in += 0.08
        self.text(text, size=size, weight="bold", after_in=0.03)

    def _cell_lines(self, row: Sequence[str], col_in: Sequence[float], k: int, size: float, align: str,
                    weight: str, wrap_cols: Collection[int], gap_in: float) -> list[str]:
        """Row ``row``'s cell ``k`` as the lines it is drawn in: the last cell wraps to the column's
        right edge; a left-aligned cell of ``wrap_cols`` wraps within its own column."""
        cell = row[k]
        if align != "left" or not cell:
            return [cell]
        if k == len(row) - 1:
            return wrap(cell, self.width_in - col_in[k], size, weight=weight)
        if k in wrap_cols and k + 1 < len(col_in):
            return wrap(cell, col_in[k + 1] - col_in[k] - gap_in, size, weight=weight)
        return [cell]

    def rows(
        self,
        rows: Sequence[Sequence[str]],
        col_in: Sequence[float],
        *,
        size: float = style.BODY_PT,
        align: Sequence[str] | None = None,
        colors: Sequence[str] | None = None,
        weights: Sequence[str] | None = None,
        wrap_cols: Collection[int] = (),
        gap_in: float = 0.08,
    ) -> None:
        """A table: each row's cells at the column offsets (inches from the column's left).

        The last cell wraps to the column's right edge; a left-aligned cell in one of
        ``wrap_cols`` wraps within its own column (up to ``gap_in`` before the next). A row is as tall
        as its tallest cell. Empty cells draw nothing. This is the one table of the reports
        (one person, two people, the resonance assessment).
        """
        align = align or ["left"] * len(col_in)
        lh = line_h_in(size)
        for row in rows:
            n_lines = 1
            for k, x_in in enumerate(col_in[: len(row)]):
                weight = weights[k] if weights else "normal"
                lines = self._cell_lines(row, col_in, k, size, align[k], weight, wrap_cols, gap_in)
                for j, line in enumerate(lines):
                    if not line:
                        continue
                    x, y = self._xy(self.left_in + x_in, self.y_in + j * lh)
                    self.fig.text(
                        x, y, line, fontsize=size, va="top", ha=align[k], fontweight=weight,
                        color=colors[k] if colors else style.INK,
                    )
                n_lines = max(n_lines, len(lines))
            self.y_in += n_lines * lh

    def rows_height(
        self,
        rows: Sequence[Sequence[str]],
        col_in: Sequence[float],
        *,
        size: float = style.BODY_PT,
        align: Sequence[str] | None = None,
        weights: Sequence[str] | None = None,
        wrap_cols: Collection[int] = (),
        gap_in: float = 0.08,
    ) -> float:
        """How tall :meth:`rows` would make ``rows``, inches (nothing drawn)."""
        align = align or ["left"] * len(col_in)
        total = 0
        for row in rows:
            total += max([1] + [
                len(self._cell_lines(row, col_in, k, size, align[k], weights[k] if weights else "normal",
                                     wrap_cols, gap_in))
                for k in range(min(len(row), len(col_in)))
            ])
        return total * line_h_in(size)

    def rule(self, *, color: str = style.RULE) -> None:
        """A thin line across the column at the current height."""
        from matplotlib.lines import Line2D

        x0, y = self._xy(self.left_in, self.y_in)
        x1, _ = self._xy(self.left_in + self.width_in, self.y_in)
        self.fig.add_artist(Line2D([x0, x1], [y, y], transform=self.fig.transSubfigure, color=color,
                                   linewidth=0.6))
        self.y_in += 0.04

    def gap(self, inches: float) -> None:
        """Leave ``inches`` of room."""
        self.y_in += inches


def _page_size(fig: Figure | SubFigure) -> tuple[float, float]:
    """The page's size in inches (a SubFigure's share of its stacked Figure)."""
    bbox = fig.bbox
    dpi = fig.dpi if hasattr(fig, "dpi") else fig.figure.dpi
    return float(bbox.width) / dpi, float(bbox.height) / dpi
