"""Two tiny block fonts for words and numbers that can be read across a room.

Glyphs are drawn with half-block characters, so one text row holds two pixel rows.

* The capital font (:func:`render_big`) is 5 pixels tall: at ``scale=1`` a word is 3
  rows tall, at ``scale=2`` 5 rows, at ``scale=3`` 8 rows. It has the digits (the
  guide's countdown), A–Z, a dash and a space.
* The small-letter font (:func:`render_words`) is 9 pixels tall (two for ascenders, five
  for the x-height, two for descenders), 5 rows at ``scale=1``. It writes calm words in
  lower case ("in tune", "settling in"): the one big text of presentation mode, which a
  person reads across a room without it shouting.

Anything not in a font renders as a space. Pure functions, no Textual: the widgets cache
the lines they get.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

GLYPH_ROWS: Final = 5
"""Pixel rows per capital glyph."""
WORD_ROWS: Final = 9
"""Pixel rows per small-letter glyph (ascender 2, x-height 5, descender 2)."""

_FONT: Final[dict[str, tuple[str, ...]]] = {
    "A": (".##.", "#..#", "####", "#..#", "#..#"),
    "B": ("###.", "#..#", "###.", "#..#", "###."),
    "C": (".###", "#...", "#...", "#...", ".###"),
    "D": ("###.", "#..#", "#..#", "#..#", "###."),
    "E": ("####", "#...", "###.", "#...", "####"),
    "F": ("####", "#...", "###.", "#...", "#..."),
    "G": (".###", "#...", "#.##", "#..#", ".###"),
    "H": ("#..#", "#..#", "####", "#..#", "#..#"),
    "I": ("###", ".#.", ".#.", ".#.", "###"),
    "J": ("..##", "...#", "...#", "#..#", ".##."),
    "K": ("#..#", "#.#.", "##..", "#.#.", "#..#"),
    "L": ("#...", "#...", "#...", "#...", "####"),
    "M": ("#...#", "##.##", "#.#.#", "#...#", "#...#"),
    "N": ("#..#", "##.#", "#.##", "#..#", "#..#"),
    "O": (".##.", "#..#", "#..#", "#..#", ".##."),
    "P": ("###.", "#..#", "###.", "#...", "#..."),
    "Q": (".##.", "#..#", "#..#", "#.#.", ".#.#"),
    "R": ("###.", "#..#", "###.", "#.#.", "#..#"),
    "S": (".###", "#...", ".##.", "...#", "###."),
    "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "U": ("#..#", "#..#", "#..#", "#..#", ".##."),
    "V": ("#...#", "#...#", ".#.#.", ".#.#.", "..#.."),
    "W": ("#...#", "#...#", "#.#.#", "##.##", "#...#"),
    "X": ("#..#", "#..#", ".##.", "#..#", "#..#"),
    "Y": ("#.#", "#.#", ".#.", ".#.", ".#."),
    "Z": ("####", "...#", ".##.", "#...", "####"),
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

# Small letters: rows 0-1 ascenders, 2-6 the x-height, 7-8 descenders.
_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "a": ("....", "....", ".##.", "...#", ".###", "#..#", ".###", "....", "...."),
    "b": ("#...", "#...", "###.", "#..#", "#..#", "#..#", "###.", "....", "...."),
    "c": ("....", "....", ".###", "#...", "#...", "#...", ".###", "....", "...."),
    "d": ("...#", "...#", ".###", "#..#", "#..#", "#..#", ".###", "....", "...."),
    "e": ("....", "....", ".##.", "#..#", "####", "#...", ".###", "....", "...."),
    "f": (".##", "#..", "###", "#..", "#..", "#..", "#..", "...", "..."),
    "g": ("....", "....", ".###", "#..#", "#..#", "#..#", ".###", "...#", ".##."),
    "h": ("#...", "#...", "###.", "#..#", "#..#", "#..#", "#..#", "....", "...."),
    "i": ("#", ".", "#", "#", "#", "#", "#", ".", "."),
    "j": (".#", "..", ".#", ".#", ".#", ".#", ".#", ".#", "#."),
    "k": ("#...", "#...", "#..#", "#.#.", "##..", "#.#.", "#..#", "....", "...."),
    "l": ("#.", "#.", "#.", "#.", "#.", "#.", ".#", "..", ".."),
    "m": (".....", ".....", "####.", "#.#.#", "#.#.#", "#.#.#", "#.#.#", ".....", "....."),
    "n": ("....", "....", "###.", "#..#", "#..#", "#..#", "#..#", "....", "...."),
    "o": ("....", "....", ".##.", "#..#", "#..#", "#..#", ".##.", "....", "...."),
    "p": ("....", "....", "###.", "#..#", "#..#", "#..#", "###.", "#...", "#..."),
    "q": ("....", "....", ".###", "#..#", "#..#", "#..#", ".###", "...#", "...#"),
    "r": ("....", "....", "#.##", "##..", "#...", "#...", "#...", "....", "...."),
    "s": ("....", "....", ".###", "#...", ".##.", "...#", "###.", "....", "...."),
    "t": (".#.", ".#.", "###", ".#.", ".#.", ".#.", "..#", "...", "..."),
    "u": ("....", "....", "#..#", "#..#", "#..#", "#..#", ".###", "....", "...."),
    "v": (".....", ".....", "#...#", "#...#", ".#.#.", ".#.#.", "..#..", ".....", "....."),
    "w": (".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#.", ".....", "....."),
    "x": ("....", "....", "#..#", "#..#", ".##.", "#..#", "#..#", "....", "...."),
    "y": ("....", "....", "#..#", "#..#", "#..#", "#..#", ".###", "...#", ".##."),
    "z": ("....", "....", "####", "...#", ".##.", "#...", "####", "....", "...."),
    " ": ("..", "..", "..", "..", "..", "..", "..", "..", ".."),
}
_HALF: Final = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def _pixels(text: str, font: dict[str, tuple[str, ...]], rows: int, scale: int) -> list[list[bool]]:
    """The text as rows of pixels, each font pixel ``scale`` wide and ``scale`` tall."""
    out: list[list[bool]] = [[] for _ in range(rows)]
    blank = font[" "]
    for i, ch in enumerate(text):
        glyph = font.get(ch, blank)
        for r, line in enumerate(glyph):
            if i:
                out[r].extend([False] * scale)  # one pixel of letter spacing
            for px in line:
                out[r].extend([px == "#"] * scale)
    return [row for row in out for _ in range(scale)]


def _halves(px: list[list[bool]]) -> tuple[str, ...]:
    if len(px) % 2:
        px.append([False] * (len(px[0]) if px else 0))
    return tuple(
        "".join(_HALF[(top, bottom)] for top, bottom in zip(px[r], px[r + 1], strict=True))
        for r in range(0, len(px), 2)
    )


@lru_cache(maxsize=256)
def render_big(text: str, scale: int = 1) -> tuple[str, ...]:
    """Render ``text`` in the capital block font.

    Args:
        text: Letters, digits, "-" and spaces (case-insensitive).
        scale: Size factor, 1 or more (1 gives 3 rows).

    Returns:
        The text rows, all of the same width (see :func:`big_size`).
    """
    return _halves(_pixels(text.upper(), _FONT, GLYPH_ROWS, max(1, scale)))


@lru_cache(maxsize=64)
def render_words(text: str, scale: int = 1) -> tuple[str, ...]:
    """Render ``text`` in the small-letter block font (5 rows at ``scale=1``).

    Args:
        text: Small letters and spaces (capitals are written small; other characters
            as spaces).
        scale: Size factor, 1 or more.

    Returns:
        The text rows, all of the same width.
    """
    return _halves(_pixels(text.lower(), _WORDS, WORD_ROWS, max(1, scale)))


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


def fit_words(text: str, width: int, height: int, *, max_scale: int = 3) -> int:
    """The largest scale at which ``text`` fits in the small-letter font (0: none fits)."""
    for scale in range(max_scale, 0, -1):
        lines = render_words(text, scale)
        if lines and len(lines[0]) <= width and len(lines) <= height:
            return scale
    return 0
