"""Snapshot comparison on what a person sees: each cell's character, colours and weight.

pytest-textual-snapshot stores Rich's SVG export of the screen and, by default, compares
the SVG text once the export's random id prefix is removed. That text also carries things
nobody sees: Rich numbers its style classes (``.terminal-r14 { fill: #a0a0a0 }``) in the
order it meets styles, blank runs included, so a style on a run of spaces, or a different
split of a line into runs, renumbers every class after it and fails the snapshot with the
screen unchanged. `VisibleSVGImageExtension` keeps the plugin's storage, report and
``--snapshot-update`` and changes only the comparison: both SVGs are read back into a grid
of cells (character, resolved text style, background colour) and the grids are compared.
A changed colour, word, weight or background still fails; class names, ids, clip paths
and run boundaries do not count.

The grid follows Rich's `Console.export_svg` layout: a cell is ``char_width`` = 12.2 px
wide and ``line_height`` = 24.4 px high; a run's background is a ``crispEdges`` rect at
``y = row * 24.4 + 1.5``, its text a ``<text>`` at ``y = row * 24.4 + 20``. Runs of spaces
without a background draw nothing, so blank cells are compared by background only, and
a space's text style counts only for the decorations a space shows (underline, strike).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from pytest_textual_snapshot import SVGImageExtension
from rich.cells import cell_len

CHAR_WIDTH_PX = 12.2
LINE_HEIGHT_PX = 24.4
RECT_TOP_PX = 1.5
TEXT_BASELINE_PX = 20.0

_CLASS = re.compile(r"\.terminal-(?:[\w]+-)?(r\d+)\s*\{([^}]*)\}")
_RECT = re.compile(
    r'<rect fill="([^"]+)" x="([-\d.]+)" y="([-\d.]+)" width="([-\d.]+)" height="[-\d.]+"'
    r' shape-rendering="crispEdges"\s*/>'
)
_TEXT = re.compile(
    r'<text class="terminal-(?:[\w]+-)?(r\d+)" x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*)</text>'
)
_TITLE = re.compile(r'<text class="terminal-(?:[\w]+-)?title"[^>]*>([^<]*)</text>')
_VIEWBOX = re.compile(r'<svg[^>]*viewBox="([^"]+)"')
_SPACE_DECORATIONS = ("text-decoration",)


def _declarations(css: str, *, blank: bool) -> tuple[str, ...]:
    """A style's declarations, normalised; for a blank cell only those a space shows."""
    decls = sorted(" ".join(d.split()).lower() for d in css.split(";") if d.strip())
    if blank:
        decls = [d for d in decls if d.startswith(_SPACE_DECORATIONS)]
    return tuple(decls)


@dataclass(frozen=True)
class Screen:
    """What an SVG screenshot shows."""

    view_box: str
    """The picture's size (terminal columns and rows, in Rich's pixels)."""
    title: str
    """The window title drawn above the terminal."""
    text: dict[tuple[int, int], tuple[str, tuple[str, ...]]]
    """(row, column) → (character, text style) for every cell that shows something."""
    background: dict[tuple[int, int], str]
    """(row, column) → background colour (#rrggbb) for every cell that has one."""

    def differences(self, other: Screen, limit: int = 12) -> list[str]:
        """Plain descriptions of where `other` looks different, at most `limit` of them."""
        out = []
        if self.view_box != other.view_box:
            out.append(f"size {self.view_box} → {other.view_box}")
        if self.title != other.title:
            out.append(f"title {self.title!r} → {other.title!r}")
        for name, mine, theirs in (
            ("text", self.text, other.text),
            ("background", self.background, other.background),
        ):
            for cell in sorted(mine.keys() | theirs.keys()):
                if mine.get(cell) != theirs.get(cell):
                    where = f"row {cell[0]}, column {cell[1]}"
                    out.append(f"{name} at {where}: {mine.get(cell)} → {theirs.get(cell)}")
        return out[:limit]


def visible(svg: str) -> Screen:
    """Read a Rich SVG export back into the cells it shows.

    Args:
        svg: The SVG text (as `App.export_screenshot` writes it, with or without its id prefix).

    Returns:
        The screen's size, title, and each cell's character, text style and background.
    """
    classes = {name: css for name, css in _CLASS.findall(svg)}
    background: dict[tuple[int, int], str] = {}
    for fill, x, y, width in _RECT.findall(svg):
        row = round((float(y) - RECT_TOP_PX) / LINE_HEIGHT_PX)
        first = round(float(x) / CHAR_WIDTH_PX)
        for col in range(first, first + round(float(width) / CHAR_WIDTH_PX)):
            background[row, col] = fill.lower()
    text: dict[tuple[int, int], tuple[str, tuple[str, ...]]] = {}
    for name, x, y, content in _TEXT.findall(svg):
        row = round((float(y) - TEXT_BASELINE_PX) / LINE_HEIGHT_PX)
        col = round(float(x) / CHAR_WIDTH_PX)
        for ch in html.unescape(content).replace("\N{NO-BREAK SPACE}", " "):
            blank = ch.isspace()
            style = _declarations(classes.get(name, ""), blank=blank)
            if not blank or style:
                text[row, col] = (" " if blank else ch, style)
            col += cell_len(ch)
    title = _TITLE.search(svg)
    view_box = _VIEWBOX.search(svg)
    return Screen(
        view_box=view_box[1] if view_box else "",
        title=html.unescape(title[1]) if title else "",
        text=text,
        background=background,
    )


class VisibleSVGImageExtension(SVGImageExtension):  # type: ignore[misc]
    """pytest-textual-snapshot's SVG snapshots, compared on what they show."""

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        """Whether the two screenshots look the same, cell by cell."""
        return visible(str(serialized_data)) == visible(str(snapshot_data))
