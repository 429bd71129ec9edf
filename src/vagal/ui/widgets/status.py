"""The status line and the list of recent markers.

Plain words only: what the source is, whether it is connected and touching the skin,
how clean the signal is, whether the session is being recorded and for how long, and
which metrics are still warming up. A drop-out reads "reconnecting… 12 s": calm and
factual, never an alarm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from vagal.clock import clock_text
from vagal.events import SourceKind, SourceStateName
from vagal.text import printable

_STATE_WORDS: dict[str, str] = {
    "connecting": "connecting…",
    "connected": "connected",
    "streaming": "receiving beats",
    "reconnecting": "reconnecting…",
    "disconnected": "disconnected",
    "ended": "ended",
}


@dataclass(frozen=True, slots=True)
class Status:
    """Everything the status line shows (one immutable value, replaced as a whole)."""

    kind: SourceKind = "simulator"
    name: str = ""
    """Strap name, "simulated strap" or the replayed file's name."""
    battery_pct: int | None = None
    state: SourceStateName = "connecting"
    detail: str = ""
    """The source's own words for its state ("attempt 3")."""
    contact: bool | None = None
    quality_pct: float | None = None
    gap_s: float | None = None
    """Seconds since the data stopped (drop-out or contact loss), None while data flows."""
    recording: bool = False
    t_s: float = 0.0
    warming: tuple[str, ...] = field(default_factory=tuple)
    """Names of the metrics still warming up."""
    replay_speed: float | None = None
    """Replay speed (None when not replaying)."""
    replay_paused: bool = False
    duration_s: float | None = None
    """Length of the replayed recording."""

    def source_text(self) -> str:
        """"Polar H10 · battery 80 %", "simulated strap", "replay of a.vagal"."""
        if self.kind == "replay":
            return f"replay · {self.name}" if self.name else "replay"
        name = self.name or ("simulated strap" if self.kind == "simulator" else "strap")
        if self.battery_pct is not None:
            return f"{name} · battery {self.battery_pct} %"
        return name

    def connection_text(self) -> str:
        """"receiving beats", "reconnecting… 12 s", "no skin contact"."""
        words = _STATE_WORDS.get(self.state, self.state)
        if self.state == "reconnecting" and self.gap_s is not None:
            words = f"reconnecting… {self.gap_s:.0f} s"
        elif self.contact is False:
            words = "no skin contact" + (f" · {self.gap_s:.0f} s" if self.gap_s is not None else "")
        elif self.state in ("streaming", "connected") and self.gap_s is not None and self.gap_s >= 3:
            words = f"waiting for beats… {self.gap_s:.0f} s"
        return words

    def time_text(self) -> str:
        """"recording 3:12", "not recording · 3:12", or the replay position."""
        if self.replay_speed is not None:
            total = f" / {clock_text(self.duration_s)}" if self.duration_s else ""
            speed = "as fast as possible" if math.isinf(self.replay_speed) else f"{self.replay_speed:g}×"
            paused = " · paused" if self.replay_paused else ""
            return f"{clock_text(self.t_s)}{total} · {speed}{paused}"
        return (
            f"recording {clock_text(self.t_s)}"
            if self.recording
            else f"not recording · {clock_text(self.t_s)}"
        )


class StatusBar(Widget):
    """One line: source · connection · signal · recording and time · warm-up."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        padding: 0 1;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"status-bar--quiet", "status-bar--notice"}

    status: reactive[Status] = reactive(Status)
    """What is shown."""

    def render(self) -> Text:
        s = self.status
        quiet = self.get_component_rich_style("status-bar--quiet")
        notice = self.get_component_rich_style("status-bar--notice")
        sep = (" · ", quiet)
        # The strap's name (its own to choose) and a replayed file's name: shown escaped.
        parts: list[tuple[str, object]] = [(printable(s.source_text()), ""), sep]
        connection = s.connection_text()
        calm = s.state == "streaming" and s.contact is not False and s.gap_s is None
        parts += [(connection, "" if calm else notice), sep]
        if s.quality_pct is not None and s.gap_s is None and s.state != "reconnecting":
            # (While no data comes, the last window's figure would read as a live one.)
            parts += [(f"signal {s.quality_pct:.0f} %", ""), sep]
        parts.append((s.time_text(), ""))
        # Narrow (60 columns): the time and the connection matter most; the signal figure
        # goes first, then the source's name, so that the clock is never cut off.
        for drop in ("signal", "source"):
            if sum(len(words) for words, _ in parts) <= self.size.width:
                break
            at = 4 if drop == "signal" and len(parts) > 5 else (0 if drop == "source" else -1)
            if at >= 0:
                del parts[at : at + 2]
        if s.warming:
            # The list when it fits, else the words alone, else nothing (each tile says it
            # too): never a list cut off after a comma.
            room = self.size.width - sum(len(words) for words, _ in parts) - len(sep[0])
            for warming in ("warming up: " + ", ".join(s.warming), "warming up"):
                if len(warming) <= room:
                    parts += [sep, (warming, quiet)]
                    break
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for words, style in parts:
            text.append(words, style)  # type: ignore[arg-type]
        return text


class MarkerList(Widget):
    """The last few markers, newest last ("3:12 talked about work")."""

    DEFAULT_CSS = """
    MarkerList {
        height: 1fr;
        min-height: 2;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"marker-list--title", "marker-list--time"}

    markers: reactive[tuple[tuple[float, str], ...]] = reactive(tuple)
    """(t_s, label) pairs, oldest first."""
    position_s: reactive[float | None] = reactive(None)
    """In a replay, where it is: the list shows the last marker passed and those to come
    (dimmed). None: the newest markers."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # With ``height: auto`` the list asks for a row per marker (a hint's row when there
        # are none) under its title; the stylesheet's max-height caps it.
        return 1 + max(1, len(self.markers))

    def watch_markers(self, old: tuple[tuple[float, str], ...], new: tuple[tuple[float, str], ...]) -> None:
        if len(old) != len(new):
            self.refresh(layout=True)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        time_style = self.get_component_rich_style("marker-list--time")
        text.append("Markers", self.get_component_rich_style("marker-list--title"))
        rows = max(0, self.size.height - 1)
        markers = self.markers
        if self.position_s is None:
            start = max(0, len(markers) - rows)
            passed = len(markers)
        else:
            passed = sum(1 for t_s, _ in markers if t_s <= self.position_s + 0.5)
            start = max(0, min(passed - 1, len(markers) - rows))
        shown = markers[start : start + rows] if rows else ()
        if not markers:
            hint = "none in this recording" if self.position_s is not None else "press m to mark a moment"
            if len(hint) > self.size.width:
                hint = "none here" if self.position_s is not None else "m marks a moment"
            text.append(f"\n{hint}", time_style)
        for i, (t_s, label) in enumerate(shown, start):
            text.append("\n")
            text.append(f"{clock_text(t_s):>7} ", time_style)
            text.append(printable(label) or "(marker)", "" if i < passed else time_style)
        return text
