"""A tiny block font for words and numbers that can be read across a room.

Glyphs are 5 pixels tall and drawn with half-block characters, so one text row holds
two pixel rows: at ``scale=1`` a word is 3 rows tall, at ``scale=2`` 5 rows, at
``scale=3`` 8 rows. Only the characters the dashboard needs are defined (the phase
words, digits, a dash and a space); anything else renders as a space. Pure functions,
no Textual: the widgets cache the lines they get from :func:`render_big`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

GLYPH_ROWS: Final = 5
"""Pixel rows per glyph."""

_FONT: Final[dict[str, tuple[str, ...]]] = {
    "A": (".##.", "#..#", "####", "#..#", "#..#"),
    "D": ("###.", "#..#", "#..#", "#..#", "###."),
    "E": ("####", "#...", "###.", "#...", "####"),
    "H": ("#..#", "#..#", "####", "#..#", "#..#"),
    "I": ("###", ".#.", ".#.", ".#.", "###"),
    "L": ("#...", "#...", "#...", "#...", "####"),
    "N": ("#..#", "##.#", "#.##", "#..#", "#..#"),
    "O": (".##.", "#..#", "#..#", "#..#", ".##."),
    "X": ("#..#", "#..#", ".##.", "#..#", "#..#"),
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", ".##", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    "-": ("...", "...", "###", "...", "..."),
    " ": ("..", "..", "..", "..", ".."),
}
_HALF: Final = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def _pixels(text: str, scale: int) -> list[list[bool]]:
    """The text as rows of pixels, each font pixel ``scale`` wide and ``scale`` tall."""
    rows: list[list[bool]] = [[] for _ in range(GLYPH_ROWS)]
    for i, ch in enumerate(text.upper()):
        glyph = _FONT.get(ch, _FONT[" "])
        for r, line in enumerate(glyph):
            if i:
                rows[r].extend([False] * scale)  # one pixel of letter spacing
            for px in line:
                rows[r].extend([px == "#"] * scale)
    return [row for row in rows for _ in range(scale)]


@lru_cache(maxsize=256)
def render_big(text: str, scale: int = 1) -> tuple[str, ...]:
    """Render ``text`` in the block font.

    Args:
        text: Letters from the phase words, digits, "-" and spaces (case-insensitive).
        scale: Size factor, 1 or more (1 gives 3 rows).

    Returns:
        The text rows, all of the same width (see :func:`big_size`).
    """
    scale = max(1, scale)
    px = _pixels(text, scale)
    if len(px) % 2:
        px.append([False] * (len(px[0]) if px else 0))
    return tuple(
        "".join(_HALF[(top, bottom)] for top, bottom in zip(px[r], px[r + 1], strict=True))
        for r in range(0, len(px), 2)
    )


def big_size(text: str, scale: int = 1) -> tuple[int, int]:
    """The (width, height) in cells that :func:`render_big` gives for ``text``."""
    lines = render_big(text, scale)
    return (len(lines[0]) if lines else 0, len(lines))


def fit_scale(text: str, width: int, height: int, *, max_scale: int = 4) -> int:
    """The largest scale at which ``text`` fits in ``width`` × ``height`` cells (0: none fits)."""
    for scale in range(max_scale, 0, -1):
        w, h = big_size(text, scale)
        if w <= width and h <= height:
            return scale
    return 0
