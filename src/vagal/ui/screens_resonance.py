"""The dashboard during ``vagal resonance``: the usual screen with a small assessment panel.

The panel sits under the guide's words beside the guide: which step of how many, its
rate and the time left in it; for each finished step a small bar of its score (calm,
never red); and, once the last step is over, the chosen rate and how far to trust it,
which the end-of-session summary shows too. Nothing in it asks the person to try harder:
the bars compare the rates with each other, not the person with anyone.

Design decision: the UI knows nothing of the assessment's plan or its scoring (it may not
import ``vagal.commands``). ``vagal.commands.resonance`` hands in an
:class:`AssessmentFeed`, three plain callables that the panel reads once a second of wall
time on the app's own loop, the loop the session runs on. The rate keys (``p``, ``+``,
``-``) are off: the guide follows the assessment's schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final

from rich.text import Text
from textual.widgets import Static

from vagal.clock import clock_text
from vagal.ui.app import VagalApp

if TYPE_CHECKING:
    from pathlib import Path

    from vagal.clock import Clock
    from vagal.engine.core import Engine
    from vagal.engine.driver import Sink
    from vagal.pacer import Pacer
    from vagal.sources.base import BeatSource
    from vagal.ui.app import Mode

BAR_CELLS: Final = 6
"""Width of a finished step's score bar, cells (a score of 1 fills it)."""
_EIGHTHS: Final = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class StepNow:
    """The step under way."""

    number: int
    """1 for the first step of its pass."""
    count: int
    """Steps in the pass."""
    rate_per_min: float
    left_s: float
    """Session seconds left in the step."""
    refine: bool = False


@dataclass(frozen=True)
class StepBar:
    """A finished step: its rate and its combined score (0..1), or why it was left out."""

    rate_per_min: float
    score: float | None
    """None: not scored (left out, or the only step finished so far: nothing to compare with)."""
    left_out: str = ""
    """Why the step was left out of the choice (empty: it was scored)."""


@dataclass(frozen=True)
class AssessmentFeed:
    """What the panel reads, handed in by ``vagal.commands.resonance``."""

    step_at: Callable[[float], StepNow | None]
    """The step under way at a session time (None before the first or after the last)."""
    bars: Callable[[float], Sequence[StepBar]]
    """The steps finished by a session time, each with its score."""
    result: Callable[[], tuple[str, str] | None]
    """Once the assessment is over: (the chosen rate in words, how far to trust it); else None."""


def rate_text(rate_per_min: float) -> str:
    """A rate as the assessment writes it: 6.5, 6, 5.5."""
    return f"{rate_per_min:.2f}".rstrip("0").rstrip(".")


def bar_text(score: float) -> str:
    """A score 0..1 as a bar of :data:`BAR_CELLS` cells in eighths (at least a sliver)."""
    eighths = max(1, round(min(max(score, 0.0), 1.0) * BAR_CELLS * 8))
    full, part = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(BAR_CELLS)


def step_line(now: StepNow) -> str:
    """"Step 2 of 5 · 5.5/min" and "1:12 left in this step", on two lines (the side is narrow)."""
    which = "Refine" if now.refine else "Step"
    return (
        f"{which} {now.number} of {now.count} · {rate_text(now.rate_per_min)}/min\n"
        f"{clock_text(now.left_s)} left in this step"
    )


def bar_line(bar: StepBar) -> str:
    """"6.5 ███▌  " for a scored step, "6.5 left out" for one that was not followed, and
    "6.5 done" for one followed but not yet compared (the first step, alone so far)."""
    rate = rate_text(bar.rate_per_min).rjust(4)
    if bar.left_out:
        return f"{rate} left out"
    if bar.score is None:
        return f"{rate} done"
    return f"{rate} {bar_text(bar.score)}"


class AssessmentPanel(Static):
    """The step under way, a bar for each finished step, and at the end the chosen rate."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"assessment-panel--bar"}
    DEFAULT_CSS = """
    AssessmentPanel { height: auto; max-height: 12; padding: 0 1; color: $text-muted; }
    AssessmentPanel > .assessment-panel--bar { color: #5f87af; }
    App:ansi AssessmentPanel > .assessment-panel--bar { color: ansi_blue; }
    """

    def __init__(self, feed: AssessmentFeed, now: Callable[[], float], **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.feed = feed
        self._now = now
        self.text = ""
        """What the panel shows now (the tests read it)."""

    def on_mount(self) -> None:
        self.update_now()
        self.set_interval(1.0, self.update_now, name="assessment")

    def update_now(self) -> None:
        """Read the feed at the session time now and show it."""
        t_s = self._now()
        lines: list[str] = []
        result = self.feed.result()
        now = self.feed.step_at(t_s)
        if result is not None:
            lines.append(result[0])
        elif now is not None:
            lines.append(step_line(now))
        else:
            lines.append("Settling in with the guide")
        for bar in self.feed.bars(t_s):
            lines.append(bar_line(bar))
        text = "\n".join(lines)
        if text != self.text:
            self.text = text
            # The bars in the trends' calm blue, the words muted.
            shown = Text(no_wrap=False)
            bar_style = self.get_component_rich_style("assessment-panel--bar")
            for k, line in enumerate(lines):
                if k:
                    shown.append("\n")
                rest = line.lstrip().partition(" ")[2]
                if k and rest and set(rest) <= set(_EIGHTHS + "█"):
                    shown.append(line[: len(line) - len(rest)])
                    shown.append(rest, bar_style)
                else:
                    shown.append(line)
            self.update(shown)


class ResonanceApp(VagalApp):
    """The dashboard with the assessment panel; the guide follows the schedule alone."""

    def __init__(self, *args: Any, feed: AssessmentFeed, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feed = feed
        self.result_words: tuple[str, str] | None = None
        """The chosen rate and the honesty note, once the summary has shown them."""

    def on_mount(self) -> None:
        super().on_mount()
        panel = AssessmentPanel(self.feed, self.time_source, id="assessment")
        self.dashboard.query_one("#side").mount(panel, after="#pacer-info")

    def _pacer_words(self) -> str:
        """The rate of the step under way (the pacer's own pattern is the schedule's last)."""
        pattern = self.pacer.state_at(max(self.pacer.start_s, self.time_source())).pattern
        name_rate, _, timing = pattern.describe().partition(" · ")[2].partition(" · ")
        lines = [f"{pattern.name} · {name_rate}", timing]
        cue = self._cue_words()
        if cue:
            lines.append(f"cue: {cue}")
        return "\n".join(lines)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The rate keys are off: the assessment's schedule sets the guide."""
        if action in ("next_preset", "change_rate"):
            return False
        return super().check_action(action, parameters)

    def _show_summary(self) -> None:
        had = self.summary is not None
        super()._show_summary()
        if had or self.summary is None:
            return
        result = self.feed.result()
        if result is None:
            return
        self.result_words = result
        summary = self.summary

        def add() -> None:
            box = summary.query_one("#summary")
            box.mount(
                Static(f"{result[0]}\n{result[1]}", id="summary-resonance", markup=False),
                after="#summary-what",
            )

        summary.call_after_refresh(add)


def make_resonance_app(
    source: BeatSource,
    feed: AssessmentFeed,
    *,
    engine: Engine,
    pacer: Pacer,
    clock: Clock,
    sinks: Sequence[Sink] = (),
    recording: Path | None = None,
    mode: Mode = "demo",
    sound: bool = False,
    title: str = "",
) -> ResonanceApp:
    """The assessment's dashboard on ``source`` (already wrapped with the schedule's events).

    The driver folds and records the pacer's first pattern, as the headless run's does.
    """
    from vagal.engine.driver import Driver
    from vagal.sources.base import Named

    driver = Driver(source, engine, sinks=sinks, pacer=pacer, clock=clock, ticker=False)
    return ResonanceApp(
        driver,
        pacer,
        clock.now,
        mode=mode,
        recording=recording,
        sound=sound,
        title=title or (source.name if isinstance(source, Named) else ""),
        feed=feed,
    )
