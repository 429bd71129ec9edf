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
  markers…); cheap per beat (O(1) time-domain updates).
* ``tick(t_s) -> Snapshot`` – advance time without a beat (the spectral metrics are
  recomputed on a timer, every ``spectral_every_s``; gaps in data are noticed here).
* ``snapshot`` – the latest Snapshot.
* ``hr_trace(span_s) -> (t_s array, hr_bpm array)`` – the recent instantaneous heart
  rate for the scrolling trace (NaN at gaps so that a plot breaks there).
* ``rr_trace(span_s) -> (t_s array, rr_ms array)`` – the same for RR.
* ``summary() -> dict`` – whole-session figures for the end-of-session summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The live state after the last event."""

    t_s: float = 0.0
    """Session time of this snapshot, seconds."""
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
    """Coherence ratio (peak ratio, METHODS.md §6.1); not HeartMath's proprietary score."""
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
    gaps: int = 0
    gap_total_s: float = 0.0
    markers: tuple[tuple[float, str], ...] = field(default_factory=tuple)
    """The most recent markers, (t_s, label), oldest first."""
    spectral_t_s: float | None = None
    """Session time of the last spectral recompute (LF/HF, coherence, RSA…); None before the first."""
    covered_s: float = 0.0
    """Seconds of steady beats since the last gap (what the windows can use)."""
