"""The whole-session summary room: running totals that cost O(1) per beat.

Design decision: the end-of-session figures are kept as plain running sums (count, Σ RR,
Σ 60000/RR, Σ d² of successive differences, and the sum and count of each spectral
metric at every recompute), never as a list of beats, so memory stays flat over a day.
The sums are over *accepted* NN intervals only, and a successive difference is only ever
formed between two adjacent accepted beats (the time-domain room decides which), so the
whole-session RMSSD spans no gap and no flagged beat.

The figures are the live, causal ones: the batch core (``vagal.hrv.analyze_rr``) gives the
reference numbers of a recorded file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from vagal.engine.live_artifacts import BeatKind
    from vagal.engine.spectral_metrics import SpectralValues

SESSION_MEANS: Final = ("lf_hf", "coherence", "rsa_bpm", "breathing_rate_per_min", "phase_sync")
"""Spectral metrics whose session mean the summary gives, as ``<name>_mean``."""


@dataclass(slots=True)
class RunningMean:
    """The sum and count of a value seen now and then (a spectral metric at each recompute)."""

    total: float = 0.0
    count: int = 0

    def add(self, value: float) -> None:
        self.total += value
        self.count += 1

    @property
    def mean(self) -> float | None:
        """The mean so far; None before the first value."""
        return self.total / self.count if self.count else None


def _means() -> dict[str, RunningMean]:
    return {name: RunningMean() for name in SESSION_MEANS}


@dataclass(slots=True)
class SessionTotals:
    """Counts and running sums over the whole session (a gap resets the windows, not these)."""

    beats: int = 0
    """Beats received, flagged ones included."""
    artifacts: int = 0
    """Beats flagged and kept out of the metrics (not a number, out of order, or classified)."""
    rejected_payloads: int = 0
    """Notifications that could not be decoded."""
    kinds: dict[BeatKind, int] = field(default_factory=dict)
    """Flagged beats by kind ("ectopic", "missed", "extra", "longshort", "range", "order"), and
    "merged": beats that carry an extra beat's half back (corrected, used)."""
    nn_beats: int = 0
    """Accepted NN intervals."""
    sum_rr_ms: float = 0.0
    """Σ NN, ms."""
    sum_hr_bpm: float = 0.0
    """Σ 60000 / NN, bpm."""
    sum_d2_ms2: float = 0.0
    """Σ of squared successive differences between adjacent accepted NN, ms²."""
    n_diffs: int = 0
    """How many such differences."""
    spectral: dict[str, RunningMean] = field(default_factory=_means)
    """Each of :data:`SESSION_MEANS` at every recompute where it had a value."""

    def flag(self, kind: BeatKind) -> None:
        """Count one beat flagged as ``kind`` (kept out of the metrics)."""
        self.artifacts += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def note(self, kind: BeatKind) -> None:
        """Count one beat of ``kind`` that is still used ("merged")."""
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def add_nn(self, rr_ms: float, prev_rr_ms: float | None) -> None:
        """Add one accepted NN interval, and its difference with the one before when adjacent."""
        self.nn_beats += 1
        self.sum_rr_ms += rr_ms
        self.sum_hr_bpm += 60000.0 / rr_ms
        if prev_rr_ms is not None:
            d = rr_ms - prev_rr_ms
            self.sum_d2_ms2 += d * d
            self.n_diffs += 1

    def add_spectral(self, values: SpectralValues) -> None:
        """Add each session-mean metric that has a value in this recompute."""
        metrics = values.as_dict()
        for name, acc in self.spectral.items():
            value = metrics[name].value
            if value is not None:
                acc.add(value)

    def as_dict(self, *, gaps: int, gap_total_s: float) -> dict[str, Any]:
        """The summary (see :meth:`vagal.engine.core.Engine.summary`)."""
        n = self.nn_beats
        out: dict[str, Any] = {
            "n_beats": self.beats,
            "nn_beats": n,
            "artifacts": self.artifacts,
            "artifact_kinds": dict(sorted(self.kinds.items())),
            "artifacts_pct": 100.0 * self.artifacts / self.beats if self.beats else None,
            "gaps": gaps,
            "gap_total_s": gap_total_s,
            "mean_nn_ms": self.sum_rr_ms / n if n else None,
            "mean_hr_bpm": 60000.0 * n / self.sum_rr_ms if n else None,
            "mean_inst_hr_bpm": self.sum_hr_bpm / n if n else None,
            "rmssd_ms": math.sqrt(self.sum_d2_ms2 / self.n_diffs) if self.n_diffs else None,
        }
        for name, acc in self.spectral.items():
            out[f"{name}_mean"] = acc.mean
        return out


__all__ = ["SESSION_MEANS", "RunningMean", "SessionTotals"]
