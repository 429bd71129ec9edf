"""Metric tiles (value, warm-up reason and trend), the coherence level, and heart rate now.

Each tile holds a :class:`~vagal.engine.snapshot.Metric` and a short history for its
sparkline. When a metric is not valid yet the tile shows its reason in plain words (from
``Metric.reason``), never a misleading number; a value the engine asks to read with care
is greyed, with "read with care" beneath it and the reason one click away.

A tile is small and quiet: its title, then its value with its trend beside it, on as many
rows as it is given (one row: title and value side by side). It repaints only when what
it shows changes, not with every beat.

Heart rate is shown small and smoothed over about one breath (:func:`breath_mean_hr`): a
number that jumps 69 → 63 → 75 within a breath works against calm, and the trace beneath
the guide carries the beat-to-beat detail.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, ClassVar, Final

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from vagal.engine.snapshot import NOT_YET, Metric, Snapshot

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

_SPARKS: Final = "▁▂▃▄▅▆▇█"
TREND_EVERY_S: Final = 2.0
"""Session seconds between trend samples: a 30-column sparkline covers a minute."""
TREND_POINTS: Final = 60
SPARK_MAX: Final = 16
"""The widest a tile's sparkline grows, columns (half a minute of trend)."""
CAUTION_WORDS: Final = "read with care"
"""Under a value the engine flags (many irregular beats, breathing far from the guide, a
peak at the band's edge); a click on the tile gives the reason in full."""
HR_WINDOW_MIN_S: Final = 8.0
HR_WINDOW_MAX_S: Final = 16.0
"""The heart rate shown is averaged over one breath of the guide, within these bounds
(seconds): long enough that the rise and fall within a breath (RSA) averages out."""
HR_MIN_BEATS: Final = 3
HR_STEP_BPM: Final = 0.75
"""The number shown moves only when the average has moved this far from it (bpm), so that
an average sitting at 64.5 does not flicker between 64 and 65."""


def breath_mean_hr(
    t_s: FloatArray, rr_ms: FloatArray, now_s: float, window_s: float, *, min_beats: int = HR_MIN_BEATS
) -> float | None:
    """Heart rate over the last ``window_s`` seconds: 60,000 ÷ the mean RR interval.

    The mean of the intervals, not of the beats' own rates: it is the rate of the beats
    that came (n beats in their total time), as Kubios' "mean HR" is.

    Args:
        t_s: Beat times, session seconds.
        rr_ms: The RR interval ending at each beat, ms (NaN where the data breaks).
        now_s: The session time now.
        window_s: How far back to average, seconds.
        min_beats: The fewest beats that make a number.

    Returns:
        Beats per minute, or None with fewer than ``min_beats`` beats in the window.
    """
    import numpy as np

    if t_s.size == 0:
        return None
    n = min(t_s.size, rr_ms.size)
    t, rr = t_s[:n], rr_ms[:n]
    rr = rr[(t > now_s - window_s) & (t <= now_s) & np.isfinite(rr) & (rr > 0)]
    if rr.size < min_beats:
        return None
    return float(60000.0 / rr.mean())


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

    def __init__(
        self, fields: list[str], *, every_s: float = TREND_EVERY_S, points: int = TREND_POINTS
    ) -> None:
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
        height: 3;
        padding: 0 1;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metric-tile--title",
        "metric-tile--value",
        "metric-tile--reason",
        "metric-tile--trend",
    }

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
        self.metric: Metric = NOT_YET
        """The value shown."""
        self._shown: tuple[object, ...] | None = None

    def on_click(self) -> None:
        """A click explains the number in plain words (and why to read it with care, if so)."""
        caution = self.metric.caution if self.metric.valid else None
        words = " ".join(
            w for w in (self.explanation, f"Read this one with care: {caution}." if caution else "") if w
        )
        if words:
            self.notify(words, title=self.title, timeout=8)

    def _value_style(self) -> Style:
        """Bold as usual; greyed when the engine says to read the value with care."""
        name = "metric-tile--reason" if self.metric.caution else "metric-tile--value"
        return self.get_component_rich_style(name)

    def _look(self) -> tuple[object, ...]:
        """Everything the tile shows (a tile repaints only when this changes)."""
        return (self.metric, tuple(self.history)[-SPARK_MAX:])

    def update_metric(self, metric: Metric) -> None:
        """Show a new value (repainted only if the tile looks different)."""
        self.metric = metric
        look = self._look()
        if look != self._shown:
            self._shown = look
            self.watch_metric(metric)
            self.refresh()

    def watch_metric(self, metric: Metric) -> None:
        """A subclass hook: the metric shown changed."""

    @property
    def _rows(self) -> int:
        """Lines under the title (a reason may use all of them: there is no trend yet)."""
        return max(1, self.size.height - 1)

    def _append_reason(self, text: Text, width: int, rows: int | None = None) -> None:
        """Why there is no value yet, in plain words on the rows under the title."""
        reason = _reason_lines(
            without_name(self.metric.reason or "not yet", self.title),
            width,
            self._rows if rows is None else rows,
        )
        text.append(reason, self.get_component_rich_style("metric-tile--reason"))

    def value_text(self) -> str:
        """The value as shown ("42 ms"), or "–" when not valid."""
        value = self.metric.value
        if value is None:
            return "–"
        unit = f" {self.unit}" if self.unit else ""
        return f"{value:.{self.decimals}f}{unit}"

    def _one_row(self, text: Text, width: int, value: str, style: Style) -> Text:
        """Title and value on one row (a tile given a single row)."""
        title = self.title
        room = width - len(title) - 1
        if room < 3:
            text.append(_fit(value, width), style)
            return text
        text.append(title, self.get_component_rich_style("metric-tile--title"))
        text.append(" " * max(1, room - len(value[:room]) + 1))
        text.append(value[:room], style)
        return text

    def render(self) -> Text:
        width = max(1, self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        reason = self.get_component_rich_style("metric-tile--reason")
        if self.size.height <= 1:
            if self.metric.valid:
                return self._one_row(text, width, self.value_text(), self._value_style())
            short = without_name(self.metric.reason or "not yet", self.title)
            return self._one_row(text, width, short[: short.index(" (")] if " (" in short else short, reason)
        text.append(_fit(self.title, width), self.get_component_rich_style("metric-tile--title"))
        text.append("\n")
        if not self.metric.valid:
            # Not valid yet: the reason in plain words, on the rows there are (no trend to show).
            self._append_reason(text, width)
            return text
        value = _fit(self.value_text(), width)
        text.append(value, self._value_style())
        spark_room = min(SPARK_MAX, width - len(value) - 2)
        hint = CAUTION_WORDS if self.metric.caution else ("settling" if self.metric.settling else "")
        if spark_room >= 4:
            text.append("  ")
            text.append(
                sparkline(list(self.history), spark_room), self.get_component_rich_style("metric-tile--trend")
            )
        if hint and self._rows >= 2:
            text.append("\n")
            words = hint if len(hint) <= width else hint.removeprefix("read ")
            text.append(_fit(words, width), reason)
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

    level: int | None = None
    """Index in :data:`COHERENCE_LEVELS`, None while coherence is warming up."""

    def watch_metric(self, metric: Metric) -> None:
        level = None if metric.value is None else coherence_level(metric.value)
        if level != self.level:
            self.level = level
            for i, (_, _, css) in enumerate(COHERENCE_LEVELS):
                self.set_class(level == i, css)

    @property
    def words(self) -> str:
        """The level in plain words ("" while warming up)."""
        return "" if self.level is None else COHERENCE_LEVELS[self.level][1]

    def meter(self) -> str:
        """The four-step meter ("●●●○")."""
        level = self.level or 0
        return "●" * (level + 1) + "○" * (len(COHERENCE_LEVELS) - 1 - level)

    def render(self) -> Text:
        width = max(1, self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        title = self.get_component_rich_style("metric-tile--title")
        level_style = self._value_style()
        if self.size.height <= 1:
            if self.level is None:
                return super().render()
            shown = f"{self.meter()} {self.words}"
            if len(self.title) + 1 + len(shown) > width:
                shown = self.words  # narrow (60 columns): the words are what is read
            return self._one_row(text, width, shown, level_style)
        if self.level is None:
            text.append(_fit(self.title, width), title)
            text.append("\n")
            self._append_reason(text, width)
            return text
        # The ratio sits quietly after the title; the level in words is what is read.
        ratio = self.value_text()
        text.append(self.title, title)
        if len(self.title) + len(ratio) + 1 <= width:
            text.append(" " * (width - len(self.title) - len(ratio)))
            text.append(ratio, title)
        text.append("\n")
        text.append(_fit(f"{self.meter()} {self.words}", width), level_style)
        if self._rows >= 2:
            text.append("\n")
            if self.metric.caution:
                text.append(_fit(CAUTION_WORDS, width), self.get_component_rich_style("metric-tile--reason"))
            else:
                spark = sparkline(list(self.history), min(SPARK_MAX, width))
                text.append(spark, self.get_component_rich_style("metric-tile--trend"))
        return text


class HeartRateNow(Widget):
    """Heart rate now: a small number, averaged over about one breath."""

    DEFAULT_CSS = """
    HeartRateNow {
        width: 1fr;
        height: 2;
        padding: 0 1;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"heart-rate--digits", "heart-rate--label"}

    def __init__(
        self,
        title: str = "Heart rate",
        unit: str = "bpm",
        *,
        explanation: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Make the tile.

        Args:
            title: Its title.
            unit: The unit after the number.
            explanation: What the number means, shown when it is clicked.
            name: Textual name.
            id: Textual id.
            classes: Textual CSS classes.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.title = title
        self.unit = unit
        self.explanation = explanation
        self._hr_bpm: float | None = None
        self._note = ""

    @property
    def hr_bpm(self) -> float | None:
        """The heart rate shown (whole beats a minute), or None when there is none."""
        return self._hr_bpm

    @hr_bpm.setter
    def hr_bpm(self, value: float | None) -> None:
        shown = self._hr_bpm
        if value is None or not math.isfinite(value):
            new = None
        elif shown is None or abs(value - shown) >= HR_STEP_BPM:
            new = float(round(value))
        else:
            new = shown
        if new != shown:
            self._hr_bpm = new
            self.refresh()

    @property
    def note(self) -> str:
        """A short note instead of the number ("reconnecting… 12 s", "waiting for beats")."""
        return self._note

    @note.setter
    def note(self, value: str) -> None:
        if value != self._note:
            self._note = value
            self.refresh()

    @property
    def number(self) -> str:
        """The number shown ("--" when there is none)."""
        return "--" if self._hr_bpm is None else f"{self._hr_bpm:.0f}"

    def on_click(self) -> None:
        """A click says what the number is."""
        if self.explanation:
            self.notify(self.explanation, title=self.title, timeout=8)

    def render(self) -> Text:
        width, height = self.size
        digits = self.get_component_rich_style("heart-rate--digits")
        label = self.get_component_rich_style("heart-rate--label")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        value = f"{self.number} {self.unit}" if self._hr_bpm is not None else "--"
        if height <= 1:
            text.append(self.title, label)
            text.append(" ")
            if self._hr_bpm is None and self._note:
                text.append(self._note, label)
            else:
                text.append(value, digits)
            return text
        text.append(_fit(self.title, width), label)
        text.append("\n")
        text.append(value, digits)
        if self._note:
            room = width - len(value) - 3
            if room >= 6:
                text.append(" · ", label)
                text.append(_fit(self._note, room), label)
        return text
