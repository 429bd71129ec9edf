"""The end of a session for two: a kind summary of both people and of the two together.

Said in words, the way the one-person summary is: each person's heart rate, RMSSD and
coherence, then how the two hearts moved together against chance, per part of the session
between markers, and a plain reminder that this is not a score of the two people.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from vagal.ui.widgets.pair import MORE, NOT_A_SCORE, NOT_YET


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


class PairSummaryScreen(Screen[None]):
    """The summary for two, computed off the UI loop (the whole-session null takes a moment)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,enter,escape", "leave", "Leave"),
    ]

    def __init__(self, compute: Callable[[], dict[str, Any]]) -> None:
        """Make the screen.

        Args:
            compute: Returns the summary for two (run in a thread).
        """
        super().__init__()
        self.compute = compute
        self.summary: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="pair-summary"):
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
        self.query_one("#pair-summary-text", Static).update(summary_text(summary))

    def action_leave(self) -> None:
        self.app.exit(0)
