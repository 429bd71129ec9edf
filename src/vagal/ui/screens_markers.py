"""The markers of a session, to give a marker its words later (outside presentation mode).

Design decision: in presentation mode a marker is dropped silently, so nothing the
therapist types appears on the client's screen. Its label and feeling come later, from
this list: outside presentation mode during the session, or in a replay. The list shows
each marker's time and words; Enter opens the marker dialog for it. The app keeps the
words (in the notes beside the session: a recording is never rewritten).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from vagal.clock import clock_text
from vagal.events import Marker
from vagal.text import printable


def marker_line(marker: Marker) -> Text:
    """" 3:12  talked about work · tense", or "(no words yet)"; outside text shown literally."""
    text = Text(f"{clock_text(marker.t_s):>7}  ", "dim")
    if marker.label or marker.feeling:
        text.append(printable(marker.label) or "(no label)")
        if marker.feeling:
            text.append(f" · {printable(marker.feeling)}", "italic")
    else:
        text.append("(no words yet)", "dim italic")
    return text


class MarkerListScreen(ModalScreen[Marker | None]):
    """The session's markers; Enter picks one to add or change its words, Esc closes."""

    DEFAULT_CSS = """
    MarkerListScreen { align: center middle; }
    MarkerListScreen > #marker-list-dialog {
        width: 70; max-width: 100%; height: auto; max-height: 90%;
        border: round #6a9ec0; background: $surface; padding: 0 1;
    }
    MarkerListScreen #marker-list-title { text-style: bold; margin-bottom: 1; }
    MarkerListScreen #marker-list { height: auto; max-height: 16; }
    MarkerListScreen #marker-list-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,e", "close", "Close", show=False)]

    def __init__(self, markers: Sequence[Marker]) -> None:
        """Make the list.

        Args:
            markers: The markers, in time order.
        """
        super().__init__()
        self.markers = list(markers)

    def compose(self) -> ComposeResult:
        with Vertical(id="marker-list-dialog"):
            yield Label("Markers: add or change their words", id="marker-list-title")
            if self.markers:
                yield OptionList(
                    *(Option(marker_line(m), id=str(i)) for i, m in enumerate(self.markers)), id="marker-list"
                )
                yield Label("↑ ↓ to choose · Enter for its words · Esc to close", id="marker-list-hint")
            else:
                yield Label("No markers yet: press m (or M) to mark a moment.", id="marker-list-hint")

    def on_mount(self) -> None:
        if self.markers:
            options = self.query_one(OptionList)
            options.highlighted = len(self.markers) - 1  # the newest: most often the one to name
            options.focus()

    @on(OptionList.OptionSelected, "#marker-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.markers[int(event.option.id or 0)])

    def action_close(self) -> None:
        """Close the list."""
        self.dismiss(None)


__all__ = ["MarkerListScreen", "marker_line"]
