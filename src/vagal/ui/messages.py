"""App-wide messages: what the session worker tells the dashboard, in the past tense.

The worker that runs the source → engine → recorder pipeline posts these; widgets
never read the source themselves. ``MetricsUpdated.can_replace`` lets a newer frame
replace one still waiting in the queue (toolong's ``messages.py`` does the same), so a
fast replay never floods the screen with stale snapshots.
"""

from __future__ import annotations

from textual.message import Message

from vagal.engine.snapshot import Snapshot
from vagal.errors import VagalError
from vagal.events import DeviceInfo, Marker, PacerChanged, SourceState


class MetricsUpdated(Message):
    """The engine produced a new snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot
        """The latest live state."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MetricsUpdated)


class DeviceChanged(Message):
    """The source told us what it is (strap name, battery…)."""

    def __init__(self, device: DeviceInfo) -> None:
        super().__init__()
        self.device = device


class SourceStateChanged(Message):
    """The source connected, dropped out, reconnected or ended."""

    def __init__(self, state: SourceState) -> None:
        super().__init__()
        self.state = state


class SessionEnded(Message):
    """The source has no more events (end of a replayed file, a demo's duration)."""


class SessionFailed(Message):
    """The source stopped with an error a person should read."""

    def __init__(self, error: VagalError) -> None:
        super().__init__()
        self.error = error


class MarkerAdded(Message):
    """A marker was added (by a key press, or replayed from a file)."""

    def __init__(self, marker: Marker) -> None:
        super().__init__()
        self.marker = marker


class PacerPatternChanged(Message):
    """The breathing pattern changed (a key press, or replayed from a file)."""

    def __init__(self, event: PacerChanged) -> None:
        super().__init__()
        self.event = event
