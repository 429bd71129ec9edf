"""Markers split a session into segments (baseline / breathing / recovery…).

A marker names the stretch that *starts* at it: markers "breathing" at 120 s and
"recovery" at 420 s give "start" (0–120 s), "breathing" (120–420 s) and "recovery"
(420 s to the end). A beat belongs to the segment in which it ends (its ``t_s``).
The first beat of every segment is a break: its interval began in the previous segment,
so no beat-to-beat difference may cross a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from vagal.sessions.recording import Recording

FIRST_SEGMENT_LABEL: Final = "start"
"""Label of the stretch before the first marker."""
WHOLE_SESSION_LABEL: Final = "whole session"
"""Label of the only segment of a recording without markers."""


@dataclass(frozen=True)
class Segment:
    """A stretch of a recording between two markers."""

    label: str
    """The marker's label (``"marker 2"`` when it has none), or "start" / "whole session"."""
    start_s: float
    """Start, session seconds."""
    end_s: float
    """End, session seconds."""
    indices: npt.NDArray[np.intp]
    """Indices into the recording's ``rr_ms``/``t_s`` of the beats in this segment."""

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def n_beats(self) -> int:
        return int(self.indices.size)

    def select(
        self, recording: Recording
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """This segment's ``(rr_ms, t_s, breaks)``, ready for ``vagal.hrv.analyze_rr``."""
        rr = recording.rr_ms[self.indices]
        t = recording.t_s[self.indices]
        breaks = recording.breaks[self.indices].copy()
        if breaks.size:
            breaks[0] = True
        return rr, t, breaks


def segments(recording: Recording) -> list[Segment]:
    """Split a recording at its markers.

    Args:
        recording: Any recording (markers come from vagal sessions, or from formats that have them).

    Returns:
        One segment per stretch, in time order. Without markers, one "whole session"
        segment. The stretch before the first marker is left out when it is empty
        (the first marker at the very start).
    """
    t = recording.t_s
    if t.size:
        begin = min(0.0, float(t[0] - recording.rr_ms[0] / 1000.0))
        end = float(t[-1])
    else:
        begin, end = 0.0, 0.0
    end = max(end, float(recording.meta.get("session_duration_s", 0.0) or 0.0))
    markers = sorted(recording.markers, key=lambda m: m.t_s)
    if markers:
        end = max(end, markers[-1].t_s)
    bounds: list[tuple[str, float]] = []
    if not markers:
        bounds.append((WHOLE_SESSION_LABEL, begin))
    else:
        if markers[0].t_s > begin:
            bounds.append((FIRST_SEGMENT_LABEL, begin))
        for k, m in enumerate(markers, start=1):
            bounds.append((m.label or f"marker {k}", m.t_s))
    out: list[Segment] = []
    for k, (label, start_s) in enumerate(bounds):
        last = k == len(bounds) - 1
        end_s = end if last else bounds[k + 1][1]
        mask = (t >= start_s) & ((t <= end_s) if last else (t < end_s))
        out.append(Segment(label, start_s, end_s, np.flatnonzero(mask)))
    return out
