"""The check-in: how settled a person feels before and after a session, in one key or none.

Design decision: optional and never in the way. A number from 1 to 5 answers (each with
its plain words, :data:`vagal.metrics.SETTLED_WORDS`), then a few words may follow
(Enter keeps them, or keeps none); ``s`` or Esc skips, always with one key. The panel
says nothing about what a number means for the person, and nothing is a score.

:class:`CheckInPanel` is the question itself (the summary screen holds the one after a
session); :class:`CheckInScreen` shows it before a session, over the dashboard. The app
records each answer as a :class:`~vagal.events.CheckIn` event.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Static

from vagal.metrics import SETTLED_WORDS

When = Literal["before", "after"]
QUESTIONS: dict[str, str] = {
    "before": "Before you begin: how settled do you feel right now?",
    "after": "How settled do you feel now?",
}
"""The question at each moment."""
WORDS_MAX = 80
"""The longest few words a check-in keeps, characters."""


def scale_text(chosen: int | None, width: int) -> Text:
    """The scale, "1 not settled   2 a little settled …", wrapped to ``width``, the chosen step bold."""
    text = Text(end="")
    column = 0
    for n, words in SETTLED_WORDS.items():
        item = f"{n} {words}"
        if column and column + 3 + len(item) > width:
            text.append("\n")
            column = 0
        elif column:
            text.append("   ")
            column += 3
        text.append(f"{n} ", "bold")
        text.append(words, "bold reverse" if n == chosen else "")
        column += len(item)
    return text


class _Scale(Widget):
    """The five steps of the scale on as few lines as fit."""

    DEFAULT_CSS = """
    _Scale { height: auto; }
    """
    chosen: reactive[int | None] = reactive(None, layout=True)

    def render(self) -> Text:
        return scale_text(self.chosen, max(20, self.size.width))

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(scale_text(self.chosen, max(20, width)).plain.splitlines()) or 1


class CheckInPanel(Vertical, can_focus=True):
    """How settled, 1 to 5; then an optional few words. Posts ``Answered`` or ``Skipped``."""

    DEFAULT_CSS = """
    CheckInPanel {
        height: auto;
        border: round $primary 40%;
        padding: 0 1;
    }
    CheckInPanel:focus-within { border: round $primary 70%; }
    CheckInPanel #checkin-question { text-style: bold; }
    CheckInPanel #checkin-words { display: none; margin-top: 1; }
    CheckInPanel.-chosen #checkin-words { display: block; }
    CheckInPanel #checkin-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(n), f"choose({n})", words, show=False) for n, words in SETTLED_WORDS.items()),
        Binding("s", "skip", "Skip", show=False),
        Binding("escape", "escape", "Skip", show=False),
    ]

    class Answered(Message):
        """The person said how settled they feel."""

        def __init__(self, panel: CheckInPanel, settled: int, words: str) -> None:
            super().__init__()
            self.panel = panel
            self.settled = settled
            """1..5."""
            self.words = words
            """The few words typed ("" for none)."""

    class Skipped(Message):
        """The person skipped the question."""

        def __init__(self, panel: CheckInPanel) -> None:
            super().__init__()
            self.panel = panel

    def __init__(self, when: When, *, id: str | None = None) -> None:
        """Make the question.

        Args:
            when: "before" or "after" the session (the question's words).
            id: Textual id.
        """
        super().__init__(id=id)
        self.when: When = when
        self.chosen: int | None = None
        self.done = False
        """True once answered or skipped (the keys do nothing more)."""

    def compose(self) -> ComposeResult:
        yield Static(QUESTIONS[self.when], id="checkin-question")
        yield _Scale(id="checkin-scale")
        field = Input(
            placeholder="a few words, if you like (Enter to keep)", max_length=WORDS_MAX, id="checkin-words"
        )
        field.cursor_blink = False  # nothing on screen blinks
        yield field
        yield Static("press a number · s to skip", id="checkin-hint")

    def action_choose(self, settled: int) -> None:
        """Choose a step of the scale; the few words come next (Enter keeps the answer)."""
        if self.done:
            return
        self.chosen = settled
        self.query_one(_Scale).chosen = settled
        self.add_class("-chosen")
        self.query_one("#checkin-hint", Static).update("Enter to keep · Esc to keep it without words")
        self.query_one("#checkin-words", Input).focus()

    def action_skip(self) -> None:
        """Skip the question (one key, always)."""
        if self.done:
            return
        self.done = True
        self.post_message(self.Skipped(self))

    def action_escape(self) -> None:
        """Esc: keep a chosen answer without words, or skip."""
        if self.chosen is not None:
            self._answer("")
        else:
            self.action_skip()

    @on(Input.Submitted, "#checkin-words")
    def _words_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer(event.value.strip())

    def _answer(self, words: str) -> None:
        if self.done or self.chosen is None:
            return
        self.done = True
        self.post_message(self.Answered(self, self.chosen, words))


class CheckInScreen(ModalScreen[tuple[int, str] | None]):
    """The check-in before a session, over the dashboard: dismissed with (settled, words) or None."""

    DEFAULT_CSS = """
    CheckInScreen { align: center middle; }
    CheckInScreen > #checkin-box { width: 76; max-width: 100%; height: auto; background: $surface; }
    """

    def __init__(self, when: When = "before") -> None:
        """Make the screen.

        Args:
            when: "before" (the screen is used before a session).
        """
        super().__init__()
        self.when: When = when

    def compose(self) -> ComposeResult:
        yield CheckInPanel(self.when, id="checkin-box")

    def on_mount(self) -> None:
        self.query_one(CheckInPanel).focus()

    @on(CheckInPanel.Answered)
    def _answered(self, message: CheckInPanel.Answered) -> None:
        message.stop()
        self.dismiss((message.settled, message.words))

    @on(CheckInPanel.Skipped)
    def _skipped(self, message: CheckInPanel.Skipped) -> None:
        message.stop()
        self.dismiss(None)


__all__ = ["QUESTIONS", "CheckInPanel", "CheckInScreen", "When", "scale_text"]
