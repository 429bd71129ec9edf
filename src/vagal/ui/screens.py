"""Modal screens: help, quit confirmation, and the words of a marker (label and feeling).

Words are plain and gentle. Nothing here can lose data: quitting always closes the
recording cleanly (the app does that after the confirmation returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, OptionList, Static

from vagal.text import printable

HELP_TEXT = """\
[b]Breathe with the circle.[/b] It grows as you breathe in and shrinks as you
breathe out. The word says what to do now, the number counts down the
seconds left. There is nothing to get right: follow the rhythm as far as
feels comfortable.

[b]Keys[/b]
  p / P        next / previous breathing pattern
  + / -        breathe a little faster / slower
  m            mark this moment (you can add a few words and a feeling;
               in presentation mode the marker is silent: nothing shows)
  M            a marker without words, silent everywhere
  e            the list of markers: add or change their words later
  t            heart trace: heart rate or RR interval
  d            the details: every number, each with a plain line (Esc
               goes back)
  f            presentation mode: the circle and how in tune, for a
               client across the room (f or Esc goes back)
  c            a soft cue at each change of breath: a rising tone to
               breathe in, a falling one to breathe out (off at start;
               without a sound player it is the terminal's bell, once
               each breath, and only when asked for twice, since some
               terminals show a bell as a flash)
  l            light or dark colours
  ?            this help
  q            stop the session: a calm summary, with a key for the
               report (the recording is saved)

[b]Replaying a session[/b] (the guide breathes the patterns in the file)
  space        pause / resume (at the end: watch it again)
  ← / →        10 s back / forward (the numbers and the trace go on)
  n / N        next / previous marker
  [ / ]        slower / faster (above 2× the circle stands still, so that
               it never flickers)

[b]What the numbers mean[/b] (d shows them on the dashboard)
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
    """Asks before stopping a session that is being recorded; says what is saved, up to when."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Stop and save", show=False),
        Binding("n,escape", "answer(False)", "Keep going", show=False),
    ]

    def __init__(self, where: str, *, stopped_at: str | None = None, stopped_why: str = "") -> None:
        """Make the dialog.

        Args:
            where: Where the recording is saved (shown so the person knows).
            stopped_at: When the recording stopped early (a full disk), as shown ("4:38");
                None while it goes on.
            stopped_why: Why it stopped, in the recorder's words.
        """
        super().__init__()
        self.where = where
        self.stopped_at = stopped_at
        self.stopped_why = stopped_why

    def saved_words(self) -> str:
        """What is saved, and up to when."""
        if self.stopped_at is None and not self.stopped_why:
            return f"Everything so far is saved in\n{self.where}"
        upto = f"up to {self.stopped_at}" if self.stopped_at is not None else "up to where it stopped"
        why = f" ({self.stopped_why})" if self.stopped_why else ""
        return (
            f"The recording stopped at {self.stopped_at or 'some point'}{why}.\n"
            f"The session {upto} is saved in\n{self.where}"
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            yield Label("Stop this session?", id="quit-title")
            yield Static(self.saved_words(), id="quit-where", markup=False)
            with Horizontal(id="quit-buttons"):
                yield Button("Keep going (n)", id="keep")
                yield Button("Stop (y)", id="stop")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "stop")

    def action_answer(self, stop: bool) -> None:
        """Close the dialog with the answer."""
        self.dismiss(stop)


FEELING_WORDS: Final[tuple[str, ...]] = (
    "calm", "safe", "relieved", "tired", "tense", "anxious", "sad", "angry", "numb", "overwhelmed",
)
"""Feeling words offered to begin with (words typed before come first)."""
LABELS_OFFERED: Final = 6
"""Labels used before that the marker dialog lists to pick from."""


@dataclass(frozen=True, slots=True)
class MarkerNote:
    """What the person wrote for a marker: a label and a feeling word (either may be empty)."""

    label: str = ""
    feeling: str = ""


class MarkerScreen(ModalScreen[MarkerNote | None]):
    """Words for a marker: a label, picked from the ones used before or typed, and a feeling word.

    Enter keeps it (from either field), Tab moves between the fields and the list, Esc
    drops a new marker (or leaves a marker's words as they were).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(
        self,
        at: str,
        *,
        labels: Sequence[str] = (),
        feelings: Sequence[str] = (),
        label: str = "",
        feeling: str = "",
        later: bool = False,
    ) -> None:
        """Make the dialog.

        Args:
            at: The session time of the marker, as shown ("3:12").
            labels: Labels used before, newest first (offered to pick, and as completions).
            feelings: Feeling words used before, newest first.
            label: The marker's label so far (when words are added later).
            feeling: Its feeling word so far.
            later: Words for a marker made before (Esc keeps it as it was).
        """
        super().__init__()
        self.at = at
        self.labels = [printable(x) for x in labels if x]
        self.feelings = list(dict.fromkeys([*(printable(x) for x in feelings if x), *FEELING_WORDS]))
        self.label = label
        self.feeling = feeling
        self.later = later

    def compose(self) -> ComposeResult:
        with Vertical(id="marker-dialog"):
            yield Label(f"Marker at {self.at}", id="marker-title")
            field = Input(
                self.label,
                placeholder="a few words (optional)",
                max_length=120,
                suggester=SuggestFromList(self.labels, case_sensitive=False) if self.labels else None,
                id="marker-label",
            )
            field.cursor_blink = False  # nothing on screen blinks
            yield field
            feeling = Input(
                self.feeling,
                placeholder="a feeling word (optional): " + ", ".join(self.feelings[:4]) + "…",
                max_length=40,
                suggester=SuggestFromList(self.feelings, case_sensitive=False),
                id="marker-feeling",
            )
            feeling.cursor_blink = False
            yield feeling
            if self.labels:
                yield Label(
                    "used before (Tab to the list, ↑ ↓ and Enter to pick):", classes="marker-offer-title"
                )
                # Text, not markup: a label is outside text and is shown as it is.
                yield OptionList(*(Text(x) for x in self.labels[:LABELS_OFFERED]), id="marker-labels")
            hint = (
                "Enter to keep · Esc to leave it as it was" if self.later else "Enter to keep · Esc to cancel"
            )
            yield Label(hint, id="marker-hint")

    def on_mount(self) -> None:
        self.query_one("#marker-label", Input).focus()

    @on(OptionList.OptionSelected, "#marker-labels")
    def _label_picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        prompt = event.option.prompt
        self.query_one("#marker-label", Input).value = (
            prompt.plain if isinstance(prompt, Text) else str(prompt)
        )
        self.query_one("#marker-feeling", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(
            MarkerNote(
                self.query_one("#marker-label", Input).value.strip(),
                self.query_one("#marker-feeling", Input).value.strip(),
            )
        )

    def action_cancel(self) -> None:
        """Drop the marker (or, for words added later, keep it as it was)."""
        self.dismiss(None)
