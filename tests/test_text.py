"""Outside text shown safely: nothing a terminal acts on survives, everything else does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vagal.text import MAX_SHOWN_CHARS, printable


def test_an_advertised_name_cannot_set_the_title_or_clear_the_screen() -> None:
    name = "Polar H10 \x1b]0;title\x07\x1b[2J"
    shown = printable(name)
    assert shown == "Polar H10 \\x1b]0;title\\x07\\x1b[2J"
    assert "\x1b" not in shown and "\x07" not in shown


def test_bidi_overrides_and_line_breaks_are_shown_not_obeyed() -> None:
    assert printable("abc\u202edef") == "abc\\u202edef"
    assert printable("one\ntwo\rthree") == "one\\x0atwo\\x0dthree"
    assert printable("a\u2028b") == "a\\u2028b"
    assert printable("\x9b31m") == "\\x9b31m"  # C1 CSI


def test_ordinary_text_is_kept_exactly() -> None:
    for text in ("talked about mum", "Zoë · 心拍 · 🙂", "cost $$ and $5, then $10", "[bold]x[/bold]", "a\u00a0b"):
        assert printable(text) == text


def test_non_text_is_shown_and_long_text_ends_in_an_ellipsis() -> None:
    assert printable(5) == "5"
    shown = printable("x" * 500)
    assert len(shown) == MAX_SHOWN_CHARS and shown.endswith("…")
    assert printable("x" * 500, max_chars=None) == "x" * 500


@given(st.text())
def test_no_control_character_survives(text: str) -> None:
    shown = printable(text, max_chars=None)
    assert all(not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0) for c in shown)
    assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in shown)
    if text.isprintable():
        assert shown == text
