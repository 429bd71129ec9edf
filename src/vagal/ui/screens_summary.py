"""The calm summary at the end of a session: how long, how the body answered, what was noted.

Design decision: the session ends kindly. When ``--duration`` is reached or the person
stops, the guide comes to rest and this screen takes its place: the duration; heart rate
and RMSSD over the first and the last two minutes; the time at each coherence level; the
markers and check-ins; where the session is saved (and, if the recording stopped early,
up to when); one key for the report and one to close. The after-session check-in sits at
the top. The numbers are the *final* ones: the batch core on the session's beats
(:func:`vagal.engine.final.final_summary`, what ``vagal analyze`` gives on the file),
worked out in a thread once the session has ended, and the screen says "final numbers"
once it has them. Words are plain and never judge: no score, no "better" or "worse".

The screen only shows; what its keys mean (record the check-in, make the report, leave)
is the app's, told by messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from vagal.clock import clock_text
from vagal.engine.final import COHERENCE_LEVEL_WORDS
from vagal.metrics import SETTLED_WORDS, metric
from vagal.text import printable
from vagal.ui.screens_checkin import CheckInPanel

MAX_MARKERS_SHOWN = 8
"""Markers listed on the summary (the report has them all)."""
BAR_COLUMNS = 24
"""Width of the longest bar of the coherence levels."""


@dataclass(frozen=True)
class SummaryFacts:
    """What the summary knows without working anything out."""

    title: str
    """"The session has ended." or "The replay has ended."."""
    session_s: float
    """How long the session ran, seconds."""
    what: str = ""
    """The source and the guide in plain words ("simulated strap · resonance, 6/min")."""
    ask_checkin: bool = False
    """Ask the after-session check-in."""
    recording: Path | None = None
    """The session file (or the replayed one)."""
    replay: bool = False
    """A replayed file (nothing was recorded now)."""
    stopped_at_s: float | None = None
    """When the recording stopped early (a full disk), session seconds; None: it did not."""
    stopped_why: str = ""
    """Why it stopped, in the recorder's words."""
    can_report: bool = False
    """The report key works (there is a file and a way to make its report)."""


def _value(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    info = metric(key)
    text = info.text(value, live=True)
    return f"{text} {info.unit}" if info.unit and not info.unit.startswith("/") else f"{text}{info.unit}"


def numbers_text(final: dict[str, Any]) -> Table:
    """Heart rate and RMSSD at the start, at the end and over the session, and coherence."""
    start = final.get("start") or {}
    end = final.get("end") or {}
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 2), header_style="dim")
    # The first header is not blank: a line's leading spaces are not drawn, so a blank one
    # would pull the column titles to the left of their numbers.
    table.add_column("·", no_wrap=True)
    for title in ("first 2 min", "last 2 min", "whole session"):
        table.add_column(title, justify="right", no_wrap=True)
    for name, key in (("heart rate", "mean_hr_bpm"), ("RMSSD", "rmssd_ms")):
        table.add_row(
            name, _value(key, start.get(key)), _value(key, end.get(key)), _value(key, final.get(key))
        )
    coherence = final.get("coherence")
    if coherence is not None:
        table.add_row("coherence", "", "", f"{_value('coherence', coherence)} peak ratio")
    return table


def levels_text(seconds: list[float] | tuple[float, ...]) -> Text:
    """The time at each coherence level, with a calm bar each ("" when there was no window)."""
    text = Text(end="")
    total = sum(seconds)
    if total <= 0:
        return text
    longest = max(seconds)
    for words, t in zip(COHERENCE_LEVEL_WORDS, seconds, strict=True):
        n = round(BAR_COLUMNS * t / longest) if longest > 0 else 0
        bar = "█" * n + ("▏" if n == 0 and t > 0 else "")
        text.append(f"  {words:<17}")
        text.append(f"{bar:<{BAR_COLUMNS}}", "#6a9ec0")
        text.append(f" {clock_text(round(t)):>6}\n")
    return text


def checkins_text(check_ins: list[dict[str, Any]]) -> str:
    """"You came in at 2 (a little settled) and left at 4 (mostly settled)." in plain words."""

    def step(c: dict[str, Any]) -> str:
        words = f', "{printable(c["words"])}"' if c.get("words") else ""
        return f"{c['settled']} ({SETTLED_WORDS.get(c['settled'], '?')}{words})"

    before = next((c for c in check_ins if c.get("when") == "before"), None)
    after = next((c for c in reversed(check_ins) if c.get("when") == "after"), None)
    if before and after:
        return f"You came in at {step(before)} and left at {step(after)}."
    if before:
        return f"You came in at {step(before)}."
    if after:
        return f"You leave at {step(after)}."
    return ""


def markers_text(markers: list[dict[str, Any]]) -> str:
    """The markers, one a line ("  3:12  talked about work · tense"), outside text shown literally."""
    lines: list[str] = []
    for m in markers[:MAX_MARKERS_SHOWN]:
        label = printable(m.get("label") or "") or "(no words yet)"
        feeling = f" · {printable(m['feeling'])}" if m.get("feeling") else ""
        lines.append(f"  {clock_text(m['t_s']):>7}  {label}{feeling}")
    more = len(markers) - MAX_MARKERS_SHOWN
    if more > 0:
        lines.append(f"  …and {more} more (the report lists them all)")
    return "\n".join(lines)


def _titled(title: str, body: Text) -> Text:
    """A bold title line over a plain body (the body keeps its own styles)."""
    out = Text(end="")
    out.append(f"{title}\n", "bold")
    out.append_text(body)
    return out


class SummaryScreen(Screen[None]):
    """The end of a session: a calm summary with the final numbers, the check-in and two keys."""

    DEFAULT_CSS = """
    SummaryScreen { align: center top; }
    SummaryScreen > #summary { width: 84; max-width: 100%; height: 1fr; padding: 0 2; }
    SummaryScreen #summary-title { text-style: bold; margin-top: 1; color: #6a9ec0; }
    SummaryScreen #summary-what { color: $text-muted; }
    SummaryScreen .summary-head { text-style: bold; margin-top: 1; }
    SummaryScreen .summary-note { color: $text-muted; }
    SummaryScreen #summary-checkin { margin-top: 1; }
    SummaryScreen #summary-levels { margin-top: 1; }
    SummaryScreen #summary-report { margin-top: 1; color: #6fa89a; }
    SummaryScreen #summary-saved { margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "report", "Make the report"),
        Binding("q,ctrl+c,ctrl+q", "close", "Close", key_display="q", priority=True),
    ]

    class CheckedIn(Message):
        """The after-session check-in was answered."""

        def __init__(self, settled: int, words: str) -> None:
            super().__init__()
            self.settled = settled
            self.words = words

    class ReportRequested(Message):
        """The person asked for the report."""

    class CloseRequested(Message):
        """The person asked to close."""

    def __init__(self, facts: SummaryFacts, compute: Callable[[], dict[str, Any]]) -> None:
        """Make the summary.

        Args:
            facts: What is known already (duration, file, whether to ask the check-in).
            compute: Works out the final numbers (run in a thread once the screen is shown).
        """
        super().__init__()
        self.facts = facts
        self.compute = compute
        self.final: dict[str, Any] | None = None
        """The final numbers, once worked out."""
        self.check_ins: list[dict[str, Any]] = []
        """The check-ins shown (the session's, and the one given here)."""
        self.checkin_pending = facts.ask_checkin

    def compose(self) -> ComposeResult:
        f = self.facts
        with VerticalScroll(id="summary"):
            yield Static(f.title, id="summary-title", markup=False)
            length = f"{clock_text(f.session_s)} " + ("replayed" if f.replay else "with the guide")
            yield Static(f"{length} · {f.what}" if f.what else length, id="summary-what", markup=False)
            if f.ask_checkin:
                yield CheckInPanel("after", id="summary-checkin")
            yield Static("Final numbers", classes="summary-head", id="summary-numbers-head")
            yield Static(
                "Working out the final numbers from every beat…", id="summary-numbers", classes="summary-note"
            )
            yield Static("", id="summary-levels")
            yield Static("", id="summary-markers")
            yield Static("", id="summary-checkins")
            yield Static(self._saved_words(), id="summary-saved", markup=False)
            yield Static("", id="summary-report")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.facts.ask_checkin:
            self.query_one(CheckInPanel).focus()
        self._work_out()

    @work(thread=True, exclusive=True, group="final-numbers", exit_on_error=False)
    def _work_out(self) -> None:
        final = self.compute()
        self.app.call_from_thread(self.show_final, final)

    def _saved_words(self) -> str:
        f = self.facts
        if f.recording is None:
            return "This session was not recorded."
        where = printable(str(f.recording))
        if f.replay:
            return f"Replayed from {where}"
        if f.stopped_why:
            upto = (
                f"up to {clock_text(f.stopped_at_s)}"
                if f.stopped_at_s is not None
                else "up to where it stopped"
            )
            return f"Saved {upto} in {where}. The recording stopped then: {f.stopped_why}"
        return f"Saved to {where}"

    def show_final(self, final: dict[str, Any]) -> None:
        """Show the final numbers (called once they are worked out)."""
        self.final = final
        self.query_one("#summary-numbers-head", Static).update(
            "Final numbers (from every beat, as vagal analyze gives them)"
        )
        quality = Text("".join(f"{q[:1].upper()}{q[1:]}.\n" for q in final.get("quality") or ()), "italic")
        body = self.query_one("#summary-numbers", Static)
        body.remove_class("summary-note")
        body.update(Group(numbers_text(final), quality) if quality.plain else numbers_text(final))
        levels = levels_text(final.get("coherence_levels_s") or [])
        if levels.plain:
            self.query_one("#summary-levels", Static).update(_titled("Time at each coherence level", levels))
        markers = final.get("markers") or []
        if markers:
            self.query_one("#summary-markers", Static).update(_titled("Markers", Text(markers_text(markers))))
        self.check_ins = [*final.get("check_ins", []), *self.check_ins]
        self._show_checkins()

    def _show_checkins(self) -> None:
        words = checkins_text(self.check_ins)
        self.query_one("#summary-checkins", Static).update(_titled("Check-ins", Text(words)) if words else "")

    @on(CheckInPanel.Answered)
    def _checked_in(self, message: CheckInPanel.Answered) -> None:
        message.stop()
        self.checkin_pending = False
        message.panel.display = False
        self.post_message(self.CheckedIn(message.settled, message.words))
        self.check_ins.append({"when": "after", "settled": message.settled, "words": message.words})
        self._show_checkins()
        self.focus()

    @on(CheckInPanel.Skipped)
    def _skipped(self, message: CheckInPanel.Skipped) -> None:
        message.stop()
        self.skip_checkin()

    def skip_checkin(self) -> None:
        """Put the after-session question away (skipped, or the report closed the recording)."""
        if not self.checkin_pending:
            return
        self.checkin_pending = False
        for panel in self.query(CheckInPanel):
            panel.done = True
            panel.display = False
        self.focus()

    def action_report(self) -> None:
        """Ask the app for the report."""
        if not self.facts.can_report:
            words = (
                "This session was not recorded, so there is no file to make a report from."
                if self.facts.recording is None
                else "A report cannot be made here."
            )
            self.report_status(words)
            return
        self.report_status("Making the report…")
        self.post_message(self.ReportRequested())

    def action_close(self) -> None:
        """Ask the app to close."""
        self.post_message(self.CloseRequested())

    def report_status(self, words: str) -> None:
        """Say how the report is going ("Report written to …"), literally."""
        self.query_one("#summary-report", Static).update(Text(words))


__all__ = [
    "SummaryFacts",
    "SummaryScreen",
    "checkins_text",
    "levels_text",
    "markers_text",
    "numbers_text",
]
