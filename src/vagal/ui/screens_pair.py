"""The end of a session for two: a kind summary of both people and of the two together;
and each person's check-in, before and after.

Said in words, the way the one-person summary is: each person's heart rate, RMSSD and
coherence, and how settled each said they felt coming in and leaving, then how the two
hearts moved together against chance, per part of the session between markers, and a plain
reminder that this is not a score of the two people.

The check-ins are the one-person question (:class:`~vagal.ui.screens_checkin.CheckInPanel`)
asked of each person in turn, both panels side by side with the person's name: a number
answers, ``s`` or Esc skips, one key each. Before the session they are a dialog over the
dashboard (:class:`PairCheckInScreen`); after it they sit above the summary, as the
one-person summary holds its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from vagal.ui.screens_checkin import QUESTIONS, CheckInPanel, When
from vagal.ui.widgets.pair import MORE, NOT_A_SCORE, NOT_YET

Answer = tuple[int, str] | None
"""One person's check-in: (settled 1..5, a few words), or None when skipped."""


def checkin_words(name: str, check_ins: list[dict[str, Any]]) -> str:
    """"Sam came in at 2 (a little settled) and left at 4 (mostly settled)." ("" for none)."""
    from vagal.metrics import SETTLED_WORDS
    from vagal.text import printable

    def step(c: dict[str, Any]) -> str:
        words = f', "{printable(c["words"])}"' if c.get("words") else ""
        return f"{c['settled']} ({SETTLED_WORDS.get(c['settled'], '?')}{words})"

    before = next((c for c in check_ins if c.get("when") == "before"), None)
    after = next((c for c in reversed(check_ins) if c.get("when") == "after"), None)
    if before and after:
        return f"{name} came in at {step(before)} and left at {step(after)}."
    if before:
        return f"{name} came in at {step(before)}."
    if after:
        return f"{name} leaves at {step(after)}."
    return ""


def summary_text(s: dict[str, Any]) -> Text:
    """The summary for two (``pair_summary``'s dict) as calm lines."""
    from vagal.clock import clock_text

    out = Text()
    names = [p["name"] for p in s["people"]]
    out.append("Thank you for practising together", "bold")
    out.append(f"  ({clock_text(s['duration_s'])})\n\n")
    for p in s["people"]:
        role = f" ({p['role']})" if p.get("role") else ""
        out.append(f"{p['name']}{role}", "bold")
        hr, rmssd = p.get("mean_hr_bpm"), p.get("rmssd_ms")
        coh = p.get("coherence", p.get("coherence_mean"))  # the session's, else the live mean
        bits = [f"heart {hr:.0f} bpm on average" if hr else "no heart rate yet"]
        bits.append(f"RMSSD {rmssd:.0f} ms" if rmssd else "RMSSD needs a little longer")
        if coh is not None:
            from vagal.ui.widgets.pair import coherence_words

            bits.append(f"coherence mostly {coherence_words(coh)}")
        if p.get("guide_rate_per_min") and not s.get("shared_guide", True):
            bits.append(f"own guide {p['guide_rate_per_min']:g}/min")
        out.append(": " + ", ".join(bits) + "\n")
    felt = [w for w in (checkin_words(p["name"], p.get("check_ins") or []) for p in s["people"]) if w]
    if felt:
        out.append("\n" + "\n".join(felt) + "\n")
    t = s["together"]
    out.append("\nTogether: ", "bold")
    if t.get("above_chance") is None:
        out.append(t.get("reason") or "the session was shorter than two minutes of both hearts")
    else:
        out.append(MORE if t["above_chance"] else NOT_YET.removesuffix(" yet"))
        if t.get("leader") and t.get("wcc_lag_s_median") is not None:
            follower = names[1] if t["leader"] == names[0] else names[0]
            out.append(f"; {follower} followed {t['leader']} by about {abs(t['wcc_lag_s_median']):.0f} s")
        if t.get("shared_coherence_pct") is not None:
            out.append(f"; both in tune with the guide {t['shared_coherence_pct']:.0f} % of the time")
    out.append("\n")
    for seg in t.get("segments", []):
        out.append(f"  {clock_text(seg['start_s'])}–{clock_text(seg['end_s'])} {seg['label']}: ")
        if seg.get("above_chance") is None:
            out.append(seg.get("reason") or "too short to say", "dim")
        else:
            out.append(MORE if seg["above_chance"] else "no more in step than chance")
        out.append("\n")
    if s.get("shared_guide", True):
        out.append(
            "\nThe guide's own rhythm is counted in chance: two people breathing with one guide look "
            "in step by construction, so only more than that is called in step.\n"
        )
    else:
        out.append("\nEach person's own guide is counted in chance: only more than the two guides "
                   "bring is called in step.\n")
    out.append(NOT_A_SCORE[:1].upper() + NOT_A_SCORE[1:] + ".\n", "dim")
    from vagal.text import printable

    if s.get("recording"):
        out.append(f"\nSaved to {printable(s['recording'], max_chars=None)}\n")
    elif s.get("source") == "replay" and s.get("file"):
        out.append(f"\nReplayed from {printable(str(s['file']), max_chars=None)}\n")
    else:
        out.append("\nNot recorded.\n")
    return out


class PairQuestions(Horizontal):
    """Both people's check-in side by side, asked in turn (A first; a click picks the other).

    Posts :class:`PairQuestions.CheckedIn` for each answer and :class:`PairQuestions.Done`
    once both have answered or skipped.
    """

    DEFAULT_CSS = """
    PairQuestions { height: auto; }
    PairQuestions > CheckInPanel { width: 1fr; margin: 0 1; }
    """

    class CheckedIn(Message):
        """One person answered."""

        def __init__(self, person: int, settled: int, words: str) -> None:
            super().__init__()
            self.person = person
            self.settled = settled
            self.words = words

    class Done(Message):
        """Both have answered or skipped: ``answers`` is A's and B's."""

        def __init__(self, answers: tuple[Answer, Answer]) -> None:
            super().__init__()
            self.answers = answers

    def __init__(self, names: tuple[str, str], when: When, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names = names
        self.when: When = when
        self.answers: list[Answer] = [None, None]
        self.done = [False, False]

    def compose(self) -> ComposeResult:
        for person in range(2):
            yield CheckInPanel(self.when, id=f"checkin-{'ab'[person]}")

    def on_mount(self) -> None:
        for person, panel in enumerate(self.panels()):
            question = f"{self.names[person]} — {QUESTIONS[self.when]}"  # the name: outside text
            panel.query_one("#checkin-question", Static).update(Text(question))
        self._ask(0)

    def panels(self) -> tuple[CheckInPanel, CheckInPanel]:
        """A's and B's question."""
        return self.query_one("#checkin-a", CheckInPanel), self.query_one("#checkin-b", CheckInPanel)

    def _ask(self, person: int) -> None:
        panels = self.panels()
        other = 1 - person
        panels[person].focus()
        panels[person].query_one("#checkin-hint", Static).update("press a number · s to skip")
        if not self.done[other]:
            panels[other].query_one("#checkin-hint", Static).update(Text(f"after {self.names[person]}"))

    def _person(self, panel: CheckInPanel) -> int:
        return 0 if panel.id == "checkin-a" else 1

    @on(CheckInPanel.Answered)
    def _answered(self, message: CheckInPanel.Answered) -> None:
        message.stop()
        person = self._person(message.panel)
        self.answers[person] = (message.settled, message.words)
        message.panel.query_one("#checkin-hint", Static).update("thank you")
        self.post_message(self.CheckedIn(person, message.settled, message.words))
        self._next(person)

    @on(CheckInPanel.Skipped)
    def _skipped(self, message: CheckInPanel.Skipped) -> None:
        message.stop()
        person = self._person(message.panel)
        message.panel.query_one("#checkin-hint", Static).update("skipped")
        self._next(person)

    def _next(self, person: int) -> None:
        self.done[person] = True
        if not self.done[1 - person]:
            self._ask(1 - person)
            return
        self.post_message(self.Done((self.answers[0], self.answers[1])))


class PairCheckInScreen(ModalScreen[tuple[Answer, Answer]]):
    """The check-in before a session for two, over the dashboard: dismissed with A's and B's answers."""

    DEFAULT_CSS = """
    PairCheckInScreen { align: center middle; }
    PairCheckInScreen > #pair-checkin-box { width: 100%; max-width: 150; height: auto; }
    PairCheckInScreen CheckInPanel { background: $surface; }
    """

    def __init__(self, names: tuple[str, str], when: When = "before") -> None:
        super().__init__()
        self.names = names
        self.when: When = when

    def compose(self) -> ComposeResult:
        yield PairQuestions(self.names, self.when, id="pair-checkin-box")

    @on(PairQuestions.CheckedIn)
    def _checked_in(self, message: PairQuestions.CheckedIn) -> None:
        message.stop()  # the answers go back together when both are done

    @on(PairQuestions.Done)
    def _done(self, message: PairQuestions.Done) -> None:
        message.stop()
        self.dismiss(message.answers)


class PairSummaryScreen(Screen[None]):
    """The summary for two, computed off the UI loop (the whole-session null takes a moment),
    with the check-in after the session above it when it is asked."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,enter,escape", "leave", "Leave"),
    ]

    class CheckedIn(Message):
        """One person said how settled they feel after the session (the app records it)."""

        def __init__(self, person: int, settled: int, words: str) -> None:
            super().__init__()
            self.person = person
            self.settled = settled
            self.words = words

    class CheckInsDone(Message):
        """Both have answered or skipped the check-in after the session (the recording may close)."""

    def __init__(
        self,
        compute: Callable[[], dict[str, Any]],
        *,
        names: tuple[str, str] = ("A", "B"),
        ask_checkin: bool = False,
    ) -> None:
        """Make the screen.

        Args:
            compute: Returns the summary for two (run in a thread).
            names: Person A's and B's names (the check-in's).
            ask_checkin: Ask each how settled they feel now, above the summary.
        """
        super().__init__()
        self.compute = compute
        self.names = names
        self.ask_checkin = ask_checkin
        self.summary: dict[str, Any] | None = None
        self.after: list[dict[str, Any] | None] = [None, None]
        """Each person's check-in given here (shown with the session's)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="pair-summary"):
            if self.ask_checkin:
                yield PairQuestions(self.names, "after", id="pair-summary-checkin")
            yield Static("Putting the session together…", id="pair-summary-text")
        yield Footer()

    def on_mount(self) -> None:
        self._work()

    @work(thread=True, exclusive=True, exit_on_error=False, group="pair-summary")
    def _work(self) -> None:
        summary = self.compute()
        self.app.call_from_thread(self._show, summary)

    def _show(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        self._draw()

    def _draw(self) -> None:
        summary = self.summary
        if summary is None:
            return
        shown = {**summary, "people": [dict(p) for p in summary["people"]]}
        for person, p in enumerate(shown["people"]):
            given = self.after[person]
            if given is not None:
                p["check_ins"] = [*(p.get("check_ins") or []), given]
        self.query_one("#pair-summary-text", Static).update(summary_text(shown))

    @on(PairQuestions.CheckedIn)
    def _checked_in(self, message: PairQuestions.CheckedIn) -> None:
        message.stop()
        self.after[message.person] = {"when": "after", "settled": message.settled, "words": message.words}
        self.post_message(self.CheckedIn(message.person, message.settled, message.words))
        self._draw()

    @on(PairQuestions.Done)
    def _done(self, message: PairQuestions.Done) -> None:
        message.stop()
        self.query_one(PairQuestions).display = False
        self.focus()
        self.post_message(self.CheckInsDone())

    def action_leave(self) -> None:
        self.app.exit(0)
