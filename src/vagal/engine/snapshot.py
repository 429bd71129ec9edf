"""What the engine tells the dashboard, the headless summary and the tests.

A :class:`Snapshot` is an immutable picture of the live state after an event. Each
metric is a :class:`Metric` that states when it is not yet valid, with a plain reason,
instead of showing a misleading number during warm-up or after a gap.

The engine (``vagal.engine.core.Engine``) contract, relied on by the UI and the driver:

* ``Engine(settings: EngineSettings | None = None, *, pacer=None)`` – no clock of its own;
  time comes from the events (``t_s``) and from ``tick(t_s)``. ``pacer`` is the running
  ``vagal.pacer.Pacer`` (for RSA per pacer cycle and phase synchrony); without one the
  engine follows recorded ``PacerChanged`` events.
* ``push(event) -> Snapshot`` – fold one event (beats, gaps, contact, pacer changes,
  markers…); cheap per beat (O(1) time-domain updates). When the event changed nothing a
  snapshot shows (a raw payload, a marker, a pacer change between recomputes), the
  *same* Snapshot object comes back, so a consumer can skip it with ``is``.
* ``tick(t_s) -> Snapshot`` – advance time without a beat (the spectral metrics are
  recomputed on a timer, every ``spectral_every_s``; gaps in data are noticed here).
* ``snapshot`` – the latest Snapshot.
* ``reset()`` – forget everything and start afresh with the same settings and pacer
  (a replay that jumps back).
* On demand, not in every snapshot: ``markers`` (the recent markers), ``gaps`` (how many
  so far), ``covered_s()`` (seconds of steady beats behind the windows).
* ``summary() -> dict`` – whole-session figures for the end-of-session summary.

The heart-rate trace the dashboard draws is the dashboard's own (``vagal.ui.trace_buffer``),
fed with the same events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from vagal.events import SourceStateName


@dataclass(frozen=True, slots=True)
class Metric:
    """A live value, or the reason it has none yet."""

    value: float | None = None
    """The value in the unit its name carries; None when not valid."""
    reason: str | None = None
    """Why there is no value yet, in plain words ("needs 30 s of beats, 12 s so far")."""
    settling: bool = False
    """Valid, but on less data than the full window: show it with a "settling" hint."""
    caution: str | None = None
    """Valid, but to be read with care, in plain words (e.g. more than 5 % of the beats in
    the window were irregular and left out): show it greyed, with this as the hint."""

    @property
    def valid(self) -> bool:
        return self.value is not None


NOT_YET = Metric(None, "waiting for beats")
PAUSED: Final = "paused: no beats are coming in"
"""Every metric's reason while a drop-out or a contact loss lasts."""


def seconds_text(x_s: float) -> str:
    """A stretch of time for a person: "45 s", "2 min" (whole minutes from 2 min on)."""
    if x_s >= 120 and x_s % 60 == 0:
        return f"{x_s / 60:.0f} min"
    return f"{x_s:.0f} s"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The live state after the last event."""

    t_s: float = 0.0
    """Session time of the event or tick that last changed what this snapshot shows, seconds."""
    hr_bpm: Metric = NOT_YET
    """Instantaneous heart rate (60000 / last RR, or the strap's value without RR)."""
    hr_smoothed_bpm: Metric = NOT_YET
    """Heart rate smoothed over the last few beats (for the big number)."""
    rr_ms: Metric = NOT_YET
    """Last RR interval."""
    rmssd_ms: Metric = NOT_YET
    sdnn_ms: Metric = NOT_YET
    pnn50_pct: Metric = NOT_YET
    lf_ms2: Metric = NOT_YET
    hf_ms2: Metric = NOT_YET
    lf_hf: Metric = NOT_YET
    coherence: Metric = NOT_YET
    """Coherence ratio (peak ratio, docs/methods.md §6.1); not HeartMath's proprietary score."""
    rsa_bpm: Metric = NOT_YET
    """Peak-to-trough heart-rate amplitude per breath (median of the last cycles)."""
    breathing_rate_per_min: Metric = NOT_YET
    """Breathing rate estimated from the RR series."""
    phase_sync: Metric = NOT_YET
    """How well heart rate follows the pacer, 0..1 (phase-locking value)."""
    phase_lag_s: Metric = NOT_YET
    """Heart-rate peak lag after the start of the in-breath, seconds."""
    quality_pct: Metric = NOT_YET
    """Percent of good beats in the RMSSD window."""
    beats: int = 0
    """Beats received (including flagged ones)."""
    artifacts: int = 0
    """Beats flagged as artifacts and kept out of the metrics."""
    rejected_payloads: int = 0
    contact: bool | None = None
    source_state: SourceStateName = "connecting"
    gap_started_s: float | None = None
    """When the current drop-out or contact loss began; None while data flows."""
    gap_total_s: float = 0.0
    """Seconds without data so far (every gap of the session)."""
    spectral_t_s: float | None = None
    """Session time of the last spectral recompute (LF/HF, coherence, RSA…); None before the first."""

    def metric(self, key: str) -> Metric:
        """The metric named ``key`` ("rmssd_ms"): the registry's keys (``vagal.metrics``) are field names.

        Raises:
            KeyError: No metric field has that name.
        """
        value = getattr(self, key, None)  # a lookup by the registry's key: the one dynamic access
        if not isinstance(value, Metric):
            raise KeyError(f"a Snapshot has no metric named {key!r}")
        return value
