"""The dashboard shows outside text escaped: a strap's name, a replayed file's name, marker labels.

A name advertised as ``"Polar H10 \\x1b]0;title\\x07\\x1b[2J"`` set the
terminal's title when the dashboard drew it (seen in tmux: ``#{pane_title}`` became the
name's title while replaying a session whose device and markers carried it). The widgets
that draw outside text are driven here with such text, through Textual's pilot.
"""

from __future__ import annotations

from typing import Any

from vagal.ui.widgets.status import MarkerList, Status, StatusBar

EVIL = "\x1b]0;pwned\x07\x1b[2J\u202e\x9b31m"
EVIL_SHOWN = r"\x1b]0;pwned\x07\x1b[2J\u202e\x9b31m"
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


async def test_the_status_line_shows_a_strap_name_and_a_detail_escaped() -> None:
    from textual.app import App

    class One(App[None]):
        def compose(self) -> Any:
            yield StatusBar()

    app = One()
    async with app.run_test(size=(200, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.status = Status(kind="strap", name=f"Polar {EVIL}", state="streaming", recording=True, t_s=9.0)
        await pilot.pause()
        shown = bar.render().plain
        assert not any(c in shown for c in CONTROLS), shown
        assert shown.startswith(f"Polar {EVIL_SHOWN} · ")
        bar.status = Status(kind="replay", name=f"s{EVIL}.vagal.jsonl", state="streaming", t_s=9.0)
        await pilot.pause()
        shown = bar.render().plain
        assert not any(c in shown for c in CONTROLS), shown
        assert shown.startswith(f"replay · s{EVIL_SHOWN}.vagal.jsonl · ")


async def test_the_marker_list_shows_labels_escaped() -> None:
    from textual.app import App

    class One(App[None]):
        def compose(self) -> Any:
            yield MarkerList()

    app = One()
    async with app.run_test(size=(80, 6)) as pilot:
        markers = app.query_one(MarkerList)
        markers.markers = ((12.0, f"talk {EVIL}"), (30.0, "calm"))
        await pilot.pause()
        shown = markers.render().plain
        assert not any(c in shown for c in CONTROLS), shown
        assert shown.splitlines()[1:] == [f"   0:12 talk {EVIL_SHOWN}", "   0:30 calm"]


def test_the_dashboards_notices_show_outside_text_literally(monkeypatch: Any) -> None:
    """A notice may name a device, a file or a label (a source's error, a notes file that
    cannot be written): no Textual markup is read in it and no control character passes."""
    from textual.app import App

    from vagal.ui.app import VagalApp

    seen: list[tuple[str, str, bool]] = []

    def record(self: App[Any], message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        seen.append((message, title, markup))

    monkeypatch.setattr(App, "notify", record)
    app = VagalApp.__new__(VagalApp)  # only the notice path is exercised
    app.notify(f"Could not reach [b]Polar[/b] {EVIL}.\nTry again.", title=f"strap {EVIL}")
    (message, title, markup), = seen
    assert markup is False
    assert message == f"Could not reach [b]Polar[/b] {EVIL_SHOWN}.\nTry again."
    assert title == f"strap {EVIL_SHOWN}"
