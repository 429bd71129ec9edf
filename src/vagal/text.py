"""Text from outside, made safe to show: device names, labels, file contents.

Design decision: anything vagal did not write itself (a strap's advertised name, a
manufacturer string, a session label, a marker typed by a therapist, a line of a file)
can carry control characters. Printed as they are, ``ESC ] 0 ; … BEL`` sets the terminal's
title and ``ESC [ 2 J`` clears the screen; bidirectional overrides (U+202E) make a name
read backwards. :func:`printable` shows every such character as a visible escape
(``\\x1b``, ``\\u202e``), so the person sees exactly what was sent and nothing acts on
their terminal. The file keeps the text intact; only what is shown is changed.

Markup (Rich's ``[bold]``, matplotlib's ``$…$`` mathtext) is not this module's business:
the dashboard passes outside text as plain ``rich.text.Text`` and the report draws it with
``parse_math=False``; this module only removes what a terminal or a font would act on.
"""

from __future__ import annotations

import unicodedata
from typing import Final

__all__ = ["MAX_SHOWN_CHARS", "printable"]

MAX_SHOWN_CHARS: Final = 200
"""Longest outside text shown in one place; longer text ends in "…" (the file keeps it all)."""

_BIDI_AND_INVISIBLE: Final = frozenset(
    {
        0x061C,  # Arabic letter mark
        0x200B, 0x200E, 0x200F,  # zero-width space, left-to-right and right-to-left marks
        0x2028, 0x2029,  # line and paragraph separators
        *range(0x202A, 0x202F),  # embeddings and overrides
        *range(0x2066, 0x206A),  # isolates
        0xFEFF,  # zero-width no-break space (byte-order mark)
    }
)
"""Format characters that reorder or hide text; shown escaped. (Other format characters,
such as the zero-width joiner inside an emoji, are harmless and kept.)"""


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: object, *, max_chars: int | None = MAX_SHOWN_CHARS) -> str:
    """``text`` as a person may safely see it on a terminal, a screen or a page.

    Control characters (C0, DEL, C1: Unicode category Cc, which includes ESC, BEL, CR and
    newline), surrogates, unassigned code points and the bidirectional and invisible
    format characters are replaced by a visible escape such as ``\\x1b``. Everything else
    (accents, other scripts, emoji) is kept as it is.

    Args:
        text: Any value; not-a-string is shown by ``str()`` (a label that a damaged file
            stored as a number still shows).
        max_chars: Cut to this many characters of the result, ending in "…" (None: never).

    Returns:
        A single line with nothing a terminal acts on.
    """
    s = text if isinstance(text, str) else str(text)
    if s.isprintable() and not any(ord(c) in _BIDI_AND_INVISIBLE for c in s):
        out = s
    else:
        parts: list[str] = []
        for ch in s:
            cat = unicodedata.category(ch)
            if cat in ("Cc", "Cs", "Cn") or ord(ch) in _BIDI_AND_INVISIBLE or cat in ("Zl", "Zp"):
                parts.append(_escape(ch))
            else:
                parts.append(ch)
        out = "".join(parts)
    if max_chars is not None and len(out) > max_chars:
        out = out[: max(1, max_chars - 1)] + "…"
    return out
