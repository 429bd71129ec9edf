"""One person's readings: the home tiles beside the guide, the details view, and the words
shown across the room.

Design decision: every tile and row here comes from the metric registry
(:mod:`vagal.metrics`: :data:`~vagal.metrics.TILES` for the home view,
:data:`~vagal.metrics.DETAILS` for the details view), built in a loop, with the person in
each widget id (``person=""`` for a session of one, so the ids stay ``#rmssd``, ``#coherence``
…). A session of two people builds two :class:`Readings` (and two :class:`DetailsView`,
two :class:`CalmWords`) from the same loop, side by side.

The widgets repaint only when what they show changes: a beat that leaves every number as
it was costs nothing on screen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, Final

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.widget import Widget

from vagal.clock import clock_text
from vagal.engine.snapshot import Metric, Snapshot
from vagal.metrics import DETAILS, MetricInfo, metric, shown_in
from vagal.ui.widgets.bigtext import fit_words, render_words
from vagal.ui.widgets.tiles import (
    COHERENCE_LEVELS,
    CoherenceTile,
    HeartRateNow,
    MetricTile,
    Trends,
    _wrap,
    coherence_level,
    without_name,
)

HR_ONLY_REASON: Final = "this strap sends no RR intervals"
"""Each tile's words when the strap sends heart rate only: no HRV will ever come, so no
"waiting for beats" either."""
HR_EXPLANATION: Final = (
    "Heart rate averaged over about one breath, so that its rise on the in-breath and fall on "
    "the out-breath do not make it jump. The trace below shows every beat."
)


def tile_infos() -> tuple[MetricInfo, ...]:
    """The home tiles, in order, from the registry."""
    return shown_in("tile")


class Readings(Vertical):
    """One person's home tiles: heart rate, then the registry's tiles (coherence, RMSSD…).

    Args:
        trends: The trends whose histories the sparklines draw.
        person: Appended to each tile's id ("" for one person: ``#rmssd``; "-b": ``#rmssd-b``).
        id: Textual id of the panel.
        classes: Textual CSS classes.
    """

    DEFAULT_CSS = """
    Readings {
        height: 1fr;
    }
    """

    def __init__(
        self, trends: Trends, *, person: str = "", id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.trends = trends
        self.person = person

    def compose(self) -> ComposeResult:
        hr = metric("hr_smoothed_bpm")
        yield HeartRateNow(hr.title, hr.unit, explanation=HR_EXPLANATION, id=f"heart-rate{self.person}")
        for info in tile_infos():
            cls = CoherenceTile if info.key == "coherence" else MetricTile
            yield cls(
                info.title,
                info.unit,
                decimals=info.live_digits,
                history=self.trends.history.get(info.key),
                explanation=info.explanation,
                id=f"{info.css_id}{self.person}",
            )

    def tile(self, key: str) -> MetricTile:
        """The tile showing the registry's ``key``."""
        return self.query_one(f"#{metric(key).css_id}{self.person}", MetricTile)

    @property
    def heart_rate(self) -> HeartRateNow:
        """The heart-rate tile."""
        return self.query_one(f"#heart-rate{self.person}", HeartRateNow)

    def show(self, snap: Snapshot, *, hr_only: bool = False) -> None:
        """Show a snapshot's metrics on the tiles.

        Args:
            snap: The live state.
            hr_only: The strap sends no RR intervals: say so instead of "waiting".
        """
        for info in tile_infos():
            shown = snap.metric(info.key)
            if hr_only and not shown.valid:
                shown = replace(shown, reason=HR_ONLY_REASON)
            self.tile(info.key).update_metric(shown)


def _value(info: MetricInfo, m: Metric) -> str:
    if m.value is None:
        return "–"
    return f"{info.text(m.value, live=True)} {info.unit}".rstrip()


class DetailsView(Widget):
    """The lab numbers (LF/HF, SDNN, synchrony…), each with one plain line: the ``d`` view.

    Sections and order are :data:`vagal.metrics.DETAILS`; the line beside each number is
    its registry entry's ``brief``. A value to read with care says why, beneath it.
    """

    DEFAULT_CSS = """
    DetailsView {
        height: auto;
        padding: 0 1;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "details--section",
        "details--name",
        "details--value",
        "details--brief",
        "details--reason",
    }
    NAME_W: ClassVar[int] = 16
    VALUE_W: ClassVar[int] = 12

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.values: dict[str, Metric] = {}
        """The metric shown on each row, by registry key."""
        self.counts: tuple[int, int] = (0, 0)
        """(beats received, beats left out as irregular)."""

    def show(self, snap: Snapshot) -> None:
        """Show a snapshot's numbers (repainted only when a row changes)."""
        values = {key: snap.metric(key) for _, keys in DETAILS for key in keys}
        counts = (snap.beats, snap.artifacts)
        if values != self.values or counts != self.counts:
            resize = not self.values
            self.values, self.counts = values, counts
            self.refresh(layout=resize)

    def _lines(self, width: int) -> list[list[tuple[str, str]]]:
        """The rows at ``width``: each a list of (text, component class) parts."""
        rows: list[list[tuple[str, str]]] = []
        brief_w = width - self.NAME_W - self.VALUE_W - 2
        for i, (section, keys) in enumerate(DETAILS):
            if i:
                rows.append([])
            rows.append([(section, "details--section")])
            for key in keys:
                info = metric(key)
                m = self.values.get(key, Metric(None, "waiting for beats"))
                name = info.title.ljust(self.NAME_W)[: self.NAME_W]
                value = _value(info, m).rjust(self.VALUE_W - 2)[: self.VALUE_W - 2] + "  "
                value_style = "details--reason" if (m.caution or not m.valid) else "details--value"
                words = info.brief if m.valid else without_name(m.reason or "not yet", info.title)
                words_style = "details--brief" if m.valid else "details--reason"
                parts = [(name, "details--name"), (value, value_style)]
                if brief_w >= 20:
                    lines = _wrap(words, brief_w)
                    rows.append([*parts, (lines[0], words_style)])
                    rows += [
                        [(" " * (self.NAME_W + self.VALUE_W), ""), (line, words_style)] for line in lines[1:]
                    ]
                else:
                    rows.append(parts)
                    rows += [[("    ", ""), (line, words_style)] for line in _wrap(words, max(10, width - 4))]
                if m.valid and m.caution:
                    indent = self.NAME_W + self.VALUE_W if brief_w >= 20 else 4
                    for line in _wrap(f"read with care: {m.caution}", max(10, width - indent)):
                        rows.append([(" " * indent, ""), (line, "details--reason")])
            if section == DETAILS[-1][0]:
                beats, left_out = self.counts
                rows.append([
                    ("Beats".ljust(self.NAME_W), "details--name"),
                    (f"{beats:,}".rjust(self.VALUE_W - 2) + "  ", "details--value"),
                    (f"{left_out:,} irregular, left out of the numbers"[: max(0, brief_w)], "details--brief"),
                ])
        return rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        width = max(1, self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        styles = {name: self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES}
        for i, row in enumerate(self._lines(width)):
            if i:
                text.append("\n")
            for words, name in row:
                text.append(words, styles.get(name, ""))
        return text


class CalmWords(Widget):
    """The coherence level in words, large: the one big text of presentation mode.

    While coherence warms up, one small quiet line says when it comes.
    """

    DEFAULT_CSS = """
    CalmWords {
        height: 1fr;
        content-align: center middle;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"calm-words--quiet"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.level: int | None = None
        self.reason = ""

    @property
    def words(self) -> str:
        """What it says: the level ("in tune"), or "coherence: needs 64 s…" while warming up."""
        if self.level is not None:
            return COHERENCE_LEVELS[self.level][1]
        return f"coherence: {self.reason}" if self.reason else ""

    def show(self, coherence: Metric) -> None:
        """Show a coherence metric (repainted only when the words change)."""
        level = None if coherence.value is None else coherence_level(coherence.value)
        reason = "" if level is not None else without_name(coherence.reason or "", "coherence")
        if (level, reason) != (self.level, self.reason):
            self.level, self.reason = level, reason
            for i, (_, _, css) in enumerate(COHERENCE_LEVELS):
                self.set_class(level == i, css)
            self.refresh()

    def render(self) -> Text:
        width, height = self.size
        words = self.words
        text = Text(justify="center", no_wrap=True, overflow="ellipsis", end="")
        if self.level is None:
            text.append(words, self.get_component_rich_style("calm-words--quiet"))
            return text
        scale = fit_words(words, width - 2, height, max_scale=3)
        text.append("\n".join(render_words(words, scale)) if scale else words)
        return text


class PresenceFoot(Widget):
    """Presentation mode's last line: heart rate and time, small; how to leave, quiet."""

    DEFAULT_CSS = """
    PresenceFoot {
        height: 1;
        padding: 0 2;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"presence-foot--number", "presence-foot--quiet"}
    HINT: ClassVar[str] = "f or esc: back to the dashboard"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.hr_bpm: float | None = None
        self.t_s = 0.0

    def show(self, hr_bpm: float | None, t_s: float) -> None:
        """Show heart rate (bpm, None: none) and the session time (s), once a second at most."""
        if (hr_bpm, int(t_s)) != (self.hr_bpm, int(self.t_s)):
            self.hr_bpm, self.t_s = hr_bpm, t_s
            self.refresh()

    @property
    def left(self) -> str:
        """"64 bpm · 12:05"."""
        hr = "heart rate --" if self.hr_bpm is None else f"{self.hr_bpm:.0f} bpm"
        return f"{hr} · {clock_text(self.t_s)}"

    def render(self) -> Text:
        width = self.size.width
        number = self.get_component_rich_style("presence-foot--number")
        quiet = self.get_component_rich_style("presence-foot--quiet")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        left, hint = self.left, self.HINT
        text.append(left, number)
        room = width - len(left)
        if room >= len(hint) + 2:
            text.append(" " * (room - len(hint)))
            text.append(hint, quiet)
        elif room >= 8:
            text.append(" " * (room - 3))
            text.append("esc", quiet)
        return text


__all__ = [
    "HR_EXPLANATION",
    "HR_ONLY_REASON",
    "CalmWords",
    "DetailsView",
    "PresenceFoot",
    "Readings",
    "tile_infos",
]
