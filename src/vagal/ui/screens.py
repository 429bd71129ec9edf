"""Modal screens: help, quit confirmation, and the optional label of a marker.

Words are plain and gentle. Nothing here can lose data: quitting always closes the
recording cleanly (the app does that after the confirmation returns).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

HELP_TEXT = """\
[b]Breathe with the circle.[/b] It grows as you breathe in and shrinks as you
breathe out. The word says what to do now, the number counts down the
seconds left. There is nothing to get right: follow the rhythm as far as
feels comfortable.

[b]Keys[/b]
  p / P        next / previous breathing pattern
  + / -        breathe a little faster / slower
  m            mark this moment (you can add a few words)
  t            heart trace: heart rate or RR interval
  f            presentation mode: large circle and numbers only
  c            a soft tone at each change of breath, higher to breathe
               in, lower to breathe out (off at start; without a sound
               player it is the terminal's bell, which some terminals
               show as a flash)
  l            light or dark colours
  ?            this help
  q            stop the session (the recording is saved)

[b]Replaying a session[/b] (the guide breathes the patterns in the file)
  space        pause / resume
  ← / →        10 s back / forward
  n / N        next / previous marker
  [ / ]        slower / faster (above 2× the circle stands still, so that
               it never flickers)

[b]What the numbers mean[/b] (click a tile to read this on the dashboard)
  RMSSD        beat-to-beat variation over the last minute (ms)
  coherence    how much the heart rhythm follows one slow wave (peak
               ratio)
  LF/HF        low- to high-frequency power
  RSA          how far heart rate rises and falls with each breath (bpm)
  breathing    breaths per minute, estimated from the heart rhythm

vagal is not a medical device."""
"""What the help says. No line is wider than 74 columns, so it reads without wrapping
at 80 (the dialog's border, padding and scrollbar take 6)."""


class HelpScreen(ModalScreen[None]):
    """What the dashboard shows and which keys do what."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss_help", "Close", show=True),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = "vagal"
            dialog.border_subtitle = "Esc to close · scroll for more"
            yield Static(HELP_TEXT, id="help-text")

    def action_dismiss_help(self) -> None:
        """Close the help."""
        self.dismiss(None)


class QuitScreen(ModalScreen[bool]):
    """Asks before stopping a session that is being recorded."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Stop and save", show=False),
        Binding("n,escape", "answer(False)", "Keep going", show=False),
    ]

    def __init__(self, where: str) -> None:
        """Make the dialog.

        Args:
            where: Where the recording is saved (shown so the person knows).
        """
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            yield Label("Stop this session?", id="quit-title")
            yield Static(f"Everything so far is saved in\n{self.where}", id="quit-where")
            with Horizontal(id="quit-buttons"):
                yield Button("Keep going (n)", id="keep")
                yield Button("Stop and save (y)", id="stop")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "stop")

    def action_answer(self, stop: bool) -> None:
        """Close the dialog with the answer."""
        self.dismiss(stop)


class MarkerScreen(ModalScreen[str | None]):
    """Asks for an optional label for a marker; Enter keeps it, Esc drops the marker."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, at: str) -> None:
        """Make the dialog.

        Args:
            at: The session time of the marker, as shown ("3:12").
        """
        super().__init__()
        self.at = at

    def compose(self) -> ComposeResult:
        with Vertical(id="marker-dialog"):
            yield Label(f"Marker at {self.at}", id="marker-title")
            field = Input(placeholder="a few words (optional)", max_length=120, id="marker-label")
            field.cursor_blink = False  # nothing on screen blinks
            yield field
            yield Label("Enter to keep · Esc to cancel", id="marker-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """Drop the marker."""
        self.dismiss(None)
