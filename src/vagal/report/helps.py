"""What helps you: for each pattern or practice, how the sessions went, on average.

Design decision: a session belongs to the pattern it followed longest (the gentle start's
easing does not count), or to "no guide"; still readings (``vagal check``) are readings,
not practice, and are left out. For each kind the view gives the number of sessions and,
for each of :data:`vagal.metrics.WHAT_HELPS`, the mean change and its spread (the sample
standard deviation) over the sessions that have it:

* heart rate, RMSSD and coherence: the last two minutes minus the first two
  (``vagal.report.person.start_and_end``);
* settled: the check-in after minus the check-in before.

Below :data:`MIN_SESSIONS` sessions with a value, a figure says "not enough sessions yet"
instead of a number. Kinds are listed in the order they were first used: this view
describes sessions, and never ranks them, or the person.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from vagal.metrics import WHAT_HELPS

START_END_S: Final = 120.0
"""The start and the end of a session: its first and last 2 minutes (as the end-of-session
summary says them), long enough for RMSSD, HF and coherence (docs/methods.md §1.1).
Defined here, numpy-free, so that ``vagal history`` read back from the index imports no numpy;
``vagal.report.person`` gives it too."""
MIN_SESSIONS: Final = 3
"""Fewer sessions with a value than this give no average ("not enough sessions yet")."""
NOT_ENOUGH: Final = "not enough sessions yet"
NO_GUIDE: Final = "no guide"


class HelpsSession(Protocol):
    """What a session gives this view (``vagal.report.history.SessionSummary`` has it)."""

    @property
    def day(self) -> str: ...
    @property
    def start(self) -> str: ...
    @property
    def pattern(self) -> str: ...
    @property
    def kind(self) -> str: ...
    def change(self, key: str) -> float | None: ...


@dataclass(frozen=True, slots=True)
class Change:
    """The mean of one change over a kind's sessions, and its spread."""

    mean: float | None
    """None below :data:`MIN_SESSIONS` values."""
    sd: float | None
    """Sample standard deviation (None below :data:`MIN_SESSIONS` values)."""
    n: int
    """Sessions with a value."""
    values: tuple[float, ...] = ()
    """The sessions' own changes (for the plot)."""

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "sd": self.sd, "n": self.n,
                "note": NOT_ENOUGH if self.mean is None else None}


@dataclass(frozen=True)
class HelpRow:
    """One pattern or practice."""

    kind: str
    sessions: int
    first_day: str
    changes: dict[str, Change] = field(default_factory=dict)
    """Keyed by :data:`vagal.metrics.WHAT_HELPS`."""

    @property
    def enough(self) -> bool:
        """Whether the kind has :data:`MIN_SESSIONS` sessions."""
        return self.sessions >= MIN_SESSIONS

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sessions": self.sessions,
            "first_day": self.first_day,
            "changes": {k: c.to_dict() for k, c in self.changes.items()},
        }


def change_of(values: Sequence[float]) -> Change:
    """Mean and sample SD of ``values``, or no number below :data:`MIN_SESSIONS`."""
    n = len(values)
    if n < MIN_SESSIONS:
        return Change(None, None, n, tuple(values))
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    return Change(mean, sd, n, tuple(values))


def what_helps(sessions: Iterable[HelpsSession]) -> list[HelpRow]:
    """The view's rows, one per pattern or practice, in the order they were first used."""
    groups: dict[str, list[HelpsSession]] = {}
    for s in sorted(sessions, key=lambda s: s.start):
        if s.kind == "check":
            continue
        groups.setdefault(s.pattern or NO_GUIDE, []).append(s)
    rows: list[HelpRow] = []
    for kind, group in groups.items():
        changes: dict[str, Change] = {}
        for key in WHAT_HELPS:
            vals = [v for v in (s.change(key) for s in group) if v is not None and math.isfinite(v)]
            changes[key] = change_of(vals)
        rows.append(HelpRow(kind, len(group), group[0].day, changes))
    return rows
