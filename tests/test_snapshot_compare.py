"""The snapshot comparison fails on what a person sees and on nothing else.

Screens are drawn with Rich's own SVG export (what Textual's screenshots use), so the
SVG layout the comparison reads back is Rich's, not one written for the test.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pytest_textual_snapshot import normalize_svg
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tests.snapshot_compare import VisibleSVGImageExtension, visible

SNAPSHOTS = sorted((Path(__file__).parent / "__snapshots__").rglob("*.svg"))

CALM = Style(color="#c9a96e", bgcolor="#121212")
MUTED = Style(color="#a0a0a0", bgcolor="#121212", bold=True)


def _svg(segments: list[Segment], unique_id: str = "terminal-1") -> str:
    """Rich's SVG of one 20-column line made of `segments`."""
    console = Console(
        width=20, file=io.StringIO(), record=True, force_terminal=True, color_system="truecolor"
    )
    console.print(Text.assemble(*((seg.text, seg.style or "") for seg in segments)), end="")
    return console.export_svg(title="vagal", unique_id=unique_id)


SCREEN = [Segment("77 ", MUTED), Segment("bpm  ", CALM), Segment("calm", CALM)]


def test_class_numbers_ids_and_run_boundaries_do_not_count() -> None:
    same = [
        Segment("   ", Style(color="#123456", bgcolor="#121212")),  # blanks: their colour is unseen,
        Segment("77 ", MUTED),  # but it takes class r1 and renumbers the rest
        Segment("bpm", CALM),
        Segment("  c", CALM),  # the same text split into other runs
        Segment("alm", CALM),
    ]
    a = _svg([Segment("   ", Style(bgcolor="#121212")), *SCREEN], unique_id="terminal-1")
    b = _svg(same, unique_id="terminal-2")
    assert normalize_svg(a) != normalize_svg(b)  # the plugin's own comparison would fail here
    assert visible(a) == visible(b)
    assert VisibleSVGImageExtension().matches(serialized_data=a, snapshot_data=b)


def _changed(**runs: Segment) -> list[Segment]:
    """SCREEN with some of its three runs replaced (first, second, third) or one added (extra)."""
    out = [runs.get(key, seg) for key, seg in zip(("first", "second", "third"), SCREEN, strict=True)]
    return out + ([runs["extra"]] if "extra" in runs else [])


@pytest.mark.parametrize(
    "changed",
    [
        _changed(third=Segment("calM", CALM)),
        _changed(third=Segment("calm", Style(color="#c9a96f", bgcolor="#121212"))),
        _changed(third=Segment("calm", Style(color="#c9a96e", bgcolor="#131212"))),
        _changed(first=Segment("77 ", Style(color="#a0a0a0", bgcolor="#121212"))),  # not bold
        _changed(second=Segment("bpm ", CALM)),  # "calm" one column to the left
        _changed(extra=Segment(" ", Style(bgcolor="#121212"))),  # one more cell with a background
        _changed(second=Segment("bpm  ", CALM + Style(underline=True))),  # underlined
    ],
    ids=["letter", "text-colour", "background", "weight", "position", "one-more-cell", "underline"],
)
def test_a_visible_change_does_not_match(changed: list[Segment]) -> None:
    assert visible(_svg(SCREEN)) != visible(_svg(changed))
    assert not VisibleSVGImageExtension().matches(serialized_data=_svg(SCREEN), snapshot_data=_svg(changed))


def test_the_title_counts() -> None:
    assert visible(_svg(SCREEN)) != visible(_svg(SCREEN).replace(">vagal<", ">vagal 2<"))


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.name)
def test_on_the_stored_snapshots(path: Path) -> None:
    """Renumbering two style classes changes nothing seen; recolouring one does."""
    svg = path.read_text()
    shown = visible(svg)
    assert len(shown.text) > 100 and len(shown.background) > 100  # the reader found the screen
    # Style classes of runs that show a character (a run of blanks or a newline shows none).
    runs = re.findall(r'class="terminal-(?:\w+-)?(r\d+)"[^>]*>([^<]*)<', svg)
    used = sorted({name for name, text in runs if text.strip()}, key=lambda c: int(c[1:]))
    first, second = used[0], used[1]
    swapped = re.sub(
        rf"\bterminal-((?:\w+-)?)({first}|{second})\b",
        lambda m: f"terminal-{m[1]}{second if m[2] == first else first}",
        svg,
    )
    assert swapped != svg and visible(swapped) == shown
    css = re.search(rf"\.terminal-(?:\w+-)?{first} \{{ fill: (#[0-9a-f]{{6}})", svg)
    assert css is not None
    recoloured = svg.replace(css[0], css[0][:-1] + ("0" if css[1][-1] != "0" else "1"))
    assert visible(recoloured) != shown


def test_the_snapshot_tests_use_it(snap_compare: object) -> None:
    import pytest_textual_snapshot

    assert pytest_textual_snapshot.SVGImageExtension is VisibleSVGImageExtension
