"""Metric tiles (value, warm-up reason and trend), the coherence indicator, and heart rate now.

Each tile holds a reactive :class:`~vagal.engine.snapshot.Metric`; a ``watch_`` method
keeps a short history for the sparkline. When a metric is not valid yet the tile shows
its reason in plain words (from ``Metric.reason``), never a misleading number.
"""

from __future__ import annotations

import math
from collections import deque
from typing import ClassVar, Final

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from vagal.engine.snapshot import NOT_YET, Metric, Snapshot
from vagal.ui.widgets.bigtext import fit_scale, render_big

_SPARKS: Final = "▁▂▃▄▅▆▇█"
TREND_EVERY_S: Final = 2.0
"""Session seconds between trend samples: a 30-column sparkline covers a minute."""
TREND_POINTS: Final = 60
CAUTION_WORDS: Final = "read with care"
"""Under a value the engine flags (many irregular beats, breathing far from the guide, a
peak at the band's edge); a click on the tile gives the reason in full."""


def sparkline(values: list[float], width: int) -> str:
    """The last ``width`` values as a one-row sparkline ("" when there are none)."""
    data = [v for v in values if not math.isnan(v)][-width:]
    if not data or width <= 0:
        return ""
    lo, hi = min(data), max(data)
    span = hi - lo
    if span <= 1e-12:
        return _SPARKS[3] * len(data)
    return "".join(_SPARKS[min(7, int((v - lo) / span * 7.999))] for v in data)


def without_name(reason: str, title: str) -> str:
    """"RMSSD needs 30 s of beats" → "needs 30 s of beats" under a tile titled RMSSD."""
    first = title.split()[0].lower() if title.split() else ""
    if first and reason.lower().startswith(first) and " needs " in reason:
        return reason[reason.index(" needs ") + 1 :]
    return reason


def _fit(words: str, width: int) -> str:
    """``words`` cut to ``width`` columns with "…" (Textual would wrap them otherwise)."""
    return words if len(words) <= width else words[: max(0, width - 1)] + "…"


def _wrap(words: str, width: int) -> list[str]:
    """``words`` wrapped at spaces onto lines of ``width``, a "(…)" aside kept whole if it fits."""
    tokens: list[str] = []
    aside: list[str] | None = None
    for word in words.split():
        if aside is not None:
            aside.append(word)
            if word.endswith(")"):
                joined = " ".join(aside)
                tokens.extend([joined] if len(joined) <= width else aside)
                aside = None
        elif word.startswith("(") and not word.endswith(")"):
            aside = [word]
        else:
            tokens.append(word)
    tokens.extend(aside or [])
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = f"{current} {token}" if current else token
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = token
    lines.append(current)
    return lines


def _reason_lines(words: str, width: int, rows: int = 2) -> str:
    """A warm-up reason on at most ``rows`` lines of ``width``.

    When it does not fit, the progress aside is shortened ("(12 s so far)" → "(12 s)"),
    then left out, before anything is cut with "…": a cut mid-word ("(12 s s…") says
    nothing.
    """
    rows = max(1, rows)
    candidates = [words]
    if " so far)" in words:
        candidates.append(words.replace(" so far)", ")"))
    if " (" in words:
        candidates.append(words[: words.index(" (")])
    for candidate in candidates:
        lines = _wrap(candidate, width)
        if len(lines) <= rows and all(len(line) <= width for line in lines):
            return "\n".join(lines)
    lines = _wrap(candidates[-1], width)
    if len(lines) > rows:
        lines = [*lines[: rows - 1], lines[rows - 1][: max(0, width - 1)] + "…"]
    return "\n".join(line[:width] for line in lines)


class Trends:
    """A short history of each metric, sampled every ``every_s`` of session time.

    Fed from the driver's callback with every snapshot (not from the screen's frames), so
    the trend is the same however fast a replay runs or however busy the screen is.

    Args:
        fields: Snapshot attribute names to follow ("rmssd_ms", …).
        every_s: Session seconds between samples.
        points: Samples kept per metric.
    """

    def __init__(self, fields: list[str], *, every_s: float = TREND_EVERY_S, points: int = TREND_POINTS) -> None:
        self.every_s = every_s
        self.history: dict[str, deque[float]] = {f: deque(maxlen=points) for f in fields}
        self._next_s = -math.inf

    def add(self, snapshot: Snapshot, t_s: float | None = None) -> None:
        """Take a sample from ``snapshot`` if one is due (invalid metrics add nothing).

        Args:
            snapshot: The live state.
            t_s: The session time it stands for (the engine's time now, which moves with
                every event even when the snapshot does not change); default its own ``t_s``.
        """
        t = snapshot.t_s if t_s is None else t_s
        if t < self._next_s:
            return
        self._next_s = t + self.every_s
        for name, values in self.history.items():
            value = snapshot.metric(name).value
            if value is not None:
                values.append(float(value))


class MetricTile(Widget):
    """One live metric: its name, value (or why there is none yet) and trend."""

    DEFAULT_CSS = """
    MetricTile {
        width: 1fr;
        height: 4;
        padding: 0 1;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metric-tile--title",
        "metric-tile--value",
        "metric-tile--reason",
        "metric-tile--trend",
    }

    metric: reactive[Metric] = reactive(NOT_YET)
    """The value shown."""

    def __init__(
        self,
        title: str,
        unit: str,
        *,
        decimals: int = 0,
        history: deque[float] | None = None,
        explanation: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Make a tile.

        Args:
            title: The metric's short name ("RMSSD").
            unit: Unit shown after the value ("ms"; "" for none).
            decimals: Digits after the decimal point.
            history: The trend to draw (kept by :class:`Trends`, which sees every snapshot).
            explanation: What the number means, shown when the tile is clicked.
            id: Textual id.
            classes: Textual CSS classes.
        """
        super().__init__(id=id, classes=classes)
        self.title = title
        self.unit = unit
        self.decimals = decimals
        self.history: deque[float] = history if history is not None else deque(maxlen=TREND_POINTS)
        self.explanation = explanation

    def on_click(self) -> None:
        """A click explains the number in plain words (and why to read it with care, if so)."""
        caution = self.metric.caution if self.metric.valid else None
        words = " ".join(w for w in (self.explanation, f"Read this one with care: {caution}." if caution else "") if w)
        if words:
            self.notify(words, title=self.title, timeout=8)

    def _value_style(self) -> Style:
        """Bold as usual; greyed when the engine says to read the value with care."""
        name = "metric-tile--reason" if self.metric.caution else "metric-tile--value"
        return self.get_component_rich_style(name)

    def update_metric(self, metric: Metric) -> None:
        """Show a new value (the trend may have grown too, so always redraw)."""
        self.metric = metric
        self.refresh()

    @property
    def _rows(self) -> int:
        """Lines under the title (a reason may use all of them: there is no trend yet)."""
        return max(1, self.size.height - 1)

    def _append_reason(self, text: Text, width: int) -> None:
        """Why there is no value yet, in plain words on the rows under the title."""
        reason = _reason_lines(without_name(self.metric.reason or "not yet", self.title), width, self._rows)
        text.append(reason, self.get_component_rich_style("metric-tile--reason"))

    def value_text(self) -> str:
        """The value as shown ("42 ms"), or "–" when not valid."""
        value = self.metric.value
        if value is None:
            return "–"
        unit = f" {self.unit}" if self.unit else ""
        return f"{value:.{self.decimals}f}{unit}"

    def render(self) -> Text:
        width = max(1, self.size.width)
        title = self.get_component_rich_style("metric-tile--title")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(_fit(self.title, width), title)
        if self.metric.valid:
            text.append("\n")
            text.append(_fit(self.value_text(), width), self._value_style())
            if self.metric.settling and len(self.value_text()) + 9 <= width:
                text.append(" settling", self.get_component_rich_style("metric-tile--reason"))
        else:
            # Not valid yet: the reason in plain words, on up to two lines (no trend to show).
            text.append("\n")
            self._append_reason(text, width)
            return text
        text.append("\n")
        text.append(sparkline(list(self.history), width), self.get_component_rich_style("metric-tile--trend"))
        if self.metric.caution and self._rows >= 3:
            # The full words are one click away (a tile is 14 columns wide at 80).
            text.append("\n")
            words = CAUTION_WORDS if len(CAUTION_WORDS) <= width else CAUTION_WORDS.removeprefix("read ")
            text.append(_fit(words, width), self.get_component_rich_style("metric-tile--reason"))
        return text


COHERENCE_LEVELS: Final[tuple[tuple[float, str, str], ...]] = (
    (0.0, "finding a rhythm", "-level-0"),
    (0.5, "settling in", "-level-1"),
    (1.0, "steady", "-level-2"),
    (2.0, "in tune", "-level-3"),
)
"""(lowest coherence ratio, words, CSS class). Gentle words, not a grade: any level is fine."""


def coherence_level(ratio: float) -> int:
    """The index in :data:`COHERENCE_LEVELS` for a coherence ratio."""
    level = 0
    for i, (lowest, _, _) in enumerate(COHERENCE_LEVELS):
        if ratio >= lowest:
            level = i
    return level


class CoherenceTile(MetricTile):
    """The coherence ratio with a calm four-step meter and a plain-language level."""

    level: reactive[int | None] = reactive(None)
    """Index in :data:`COHERENCE_LEVELS`, None while coherence is warming up."""

    def watch_metric(self, metric: Metric) -> None:
        self.level = None if metric.value is None else coherence_level(metric.value)

    def watch_level(self, level: int | None) -> None:
        for i, (_, _, css) in enumerate(COHERENCE_LEVELS):
            self.set_class(level == i, css)

    @property
    def words(self) -> str:
        """The level in plain words ("" while warming up)."""
        return "" if self.level is None else COHERENCE_LEVELS[self.level][1]

    def render(self) -> Text:
        width = max(1, self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(self.title, self.get_component_rich_style("metric-tile--title"))
        text.append("\n")
        if self.level is None:
            self._append_reason(text, width)
            return text
        meter = "●" * (self.level + 1) + "○" * (len(COHERENCE_LEVELS) - 1 - self.level)
        text.append(f"{meter} {self.value_text()}"[:width], self._value_style())
        text.append("\n")
        text.append(_fit(self.words, width), self.get_component_rich_style("metric-tile--value"))
        text.append("\n")
        text.append(sparkline(list(self.history), width), self.get_component_rich_style("metric-tile--trend"))
        return text


class HeartRateNow(Widget):
    """Heart rate now, in big digits that scale with the space they get."""

    DEFAULT_CSS = """
    HeartRateNow {
        height: auto;
        min-height: 4;
        content-align: center middle;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"heart-rate--digits", "heart-rate--label"}

    hr_bpm: reactive[float | None] = reactive(None)
    """Smoothed heart rate, or None when there is none (warm-up, drop-out)."""
    note: reactive[str] = reactive("")
    """A short note under the number ("reconnecting… 12 s", "waiting for beats")."""
    max_scale: reactive[int] = reactive(2)
    """Largest font scale (presentation mode raises it)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        scale = fit_scale("888", width, 100, max_scale=self.max_scale) or 1
        return len(render_big("888", scale)) + 1

    @property
    def number(self) -> str:
        """The number shown ("--" when there is none)."""
        return "--" if self.hr_bpm is None else f"{self.hr_bpm:.0f}"

    def render(self) -> Text:
        width, height = self.size
        scale = fit_scale(self.number, width, max(3, height - 1), max_scale=self.max_scale)
        digits = self.get_component_rich_style("heart-rate--digits")
        label = self.get_component_rich_style("heart-rate--label")
        text = Text(justify="center", no_wrap=True, overflow="ellipsis", end="")
        if scale == 0:
            text.append(self.number, digits)
        else:
            text.append("\n".join(render_big(self.number, scale)), digits)
        text.append("\n")
        text.append(self.note or "heart rate, bpm", label)
        return text
