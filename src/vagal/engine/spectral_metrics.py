"""The spectral room: when to recompute LF/HF, coherence and the breath metrics, and the maths.

Design decisions:
* The metrics are recomputed on a timer of *session* time (every ``spectral_every_s``),
  never per beat and never on the wall clock, so a replay at maximum speed gives exactly
  the numbers a real-time session would.
* They take the batch core's steps on the trailing windows, with the live settings of
  docs/methods.md §2.6: LF/HF on the last 120 s (cubic spline at 4 Hz, one Hann segment,
  **linear** detrend, ``vagal.hrv.spectral.band_powers``; never on less than 2 minutes),
  coherence on the last 64 s (or 128 s; ``vagal.hrv.coherence.coherence_ratio``),
  breathing rate, RSA and phase synchrony on the last 60 s. The resampling and the
  one-segment periodogram are :mod:`vagal.hrv.live_spectral`'s lean copies of the core's
  ``resample`` and ``psd_welch`` (the live fast path of the same maths, equal to 1e-9,
  tested): the same beats given to ``vagal.hrv`` give the same numbers.
* The breath metrics follow the breathing guide: the running pacer when one is given,
  else one rebuilt from recorded ``PacerChanged`` events (a replay); with neither, RSA uses
  breath cycles found in the data and phase synchrony has no value.
* Every metric without a value says why, in plain words, decided here where the maths
  decides it.

numpy and scipy are imported at the first recompute, not with the engine.

References:
    docs/methods.md §2.2, §2.6, §6.1, §6.3, §6.4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Protocol

from vagal.engine.snapshot import NOT_YET, Metric, seconds_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vagal.events import PacerChanged
    from vagal.hrv.breath import Spectrum
    from vagal.pacer import Pacer

    FloatArray = npt.NDArray[np.float64]

LF_HF_WINDOW_S: Final = 120.0
"""LF/HF needs at least 2 minutes (docs/methods.md §2.6); never shown on less."""
DEFAULT_COHERENCE_WINDOW_S: Final = 64.0
COHERENCE_CHOICES_S: Final = (64.0, 128.0)
BREATH_WINDOW_S: Final = 60.0
"""Breathing rate, RSA and phase synchrony use the last 60 s (§6.3, §6.4)."""
DEFAULT_SPECTRAL_EVERY_S: Final = 5.0
"""Spectral timer, session seconds (HeartMath updates coherence every 5 s; §6.1)."""
FS_HZ: Final = 4.0
"""Resampling rate for every spectral metric (§2.2)."""
RSA_CYCLES: Final = 5
MIN_RSA_CYCLES: Final = 3
MIN_COHERENCE_BEATS: Final = 50
GUIDE_MISMATCH_PER_MIN: Final = 1.0
"""Breathing more than 1 breath/min away from the guide gets a caution (docs/methods.md §6.3)."""
SPECTRAL_METRICS: Final = (
    "lf_ms2",
    "hf_ms2",
    "lf_hf",
    "coherence",
    "rsa_bpm",
    "breathing_rate_per_min",
    "phase_sync",
    "phase_lag_s",
)
"""The Snapshot metrics recomputed on the spectral timer (the metric fields of :class:`SpectralValues`)."""


class PacerLike(Protocol):
    """What the engine needs from a pacer (``vagal.pacer.Pacer``)."""

    def phase_at(self, t_s: float) -> float:
        """Continuous phase in breaths; whole numbers are starts of the in-breath."""
        ...

    def rate_at(self, t_s: float) -> float:
        """Instantaneous pace, breaths/min."""
        ...


@dataclass(slots=True)
class SpectralValues:
    """The spectral metrics from one recompute (or why there are none)."""

    lf_ms2: Metric = NOT_YET
    hf_ms2: Metric = NOT_YET
    lf_hf: Metric = NOT_YET
    coherence: Metric = NOT_YET
    rsa_bpm: Metric = NOT_YET
    breathing_rate_per_min: Metric = NOT_YET
    phase_sync: Metric = NOT_YET
    phase_lag_s: Metric = NOT_YET
    t_s: float | None = None
    """Session time of the recompute; None before the first."""

    @classmethod
    def none(cls, reason: str, t_s: float | None = None) -> SpectralValues:
        """Every spectral metric without a value, for the same reason."""
        m = Metric(None, reason)
        return cls(m, m, m, m, m, m, m, m, t_s)

    def as_dict(self) -> dict[str, Metric]:
        """The metrics by :data:`SPECTRAL_METRICS` name (the Snapshot field names)."""
        return {
            "lf_ms2": self.lf_ms2,
            "hf_ms2": self.hf_ms2,
            "lf_hf": self.lf_hf,
            "coherence": self.coherence,
            "rsa_bpm": self.rsa_bpm,
            "breathing_rate_per_min": self.breathing_rate_per_min,
            "phase_sync": self.phase_sync,
            "phase_lag_s": self.phase_lag_s,
        }


BATCH: Final = 256
"""Recomputes kept before they are made together (~1 MB of inputs; the speed gain levels off)."""


@dataclass(slots=True)
class Pending:
    """The inputs of one recompute, kept until it is made (its ``values`` once made)."""

    nn_t: tuple[float, ...]
    nn_rr: tuple[float, ...]
    covered_s: float
    any_beats: bool
    t_s: float
    values: SpectralValues | None = field(default=None)


def recompute_one(metrics: SpectralMetrics, p: Pending) -> SpectralValues:
    """The one-at-a-time recompute of ``p`` (``metrics.values`` is left as it was)."""
    kept = metrics.values
    try:
        return metrics.recompute(p.nn_t, p.nn_rr, p.covered_s, any_beats=p.any_beats, t_s=p.t_s)
    finally:
        metrics.values = kept


class SpectralMetrics:
    """Schedules and computes the spectral and breath metrics.

    Args:
        coherence_window_s: Coherence window, 64 or 128 s.
        every_s: Session seconds between recomputes.
        pacer: The running breathing pacer, if any (else recorded ``PacerChanged`` events
            are followed).
    """

    __slots__ = ("_next_t_s", "_own_pacer", "coherence_window_s", "every_s", "pacer", "values")

    def __init__(self, coherence_window_s: float, every_s: float, pacer: PacerLike | None = None) -> None:
        self.coherence_window_s = coherence_window_s
        self.every_s = every_s
        self.pacer = pacer
        self._own_pacer: Pacer | None = None
        """A pacer rebuilt from ``PacerChanged`` events when none was given."""
        self.values = SpectralValues()
        """The metrics of the last recompute."""
        self._next_t_s: float | None = None

    @property
    def span_s(self) -> float:
        """How much accepted NN the windows need, seconds (with 5 s to spare for the spline)."""
        return max(LF_HF_WINDOW_S, self.coherence_window_s, BREATH_WINDOW_S) + 5.0

    def due(self, t_s: float) -> bool:
        """Move the timer to session time ``t_s``; True when a recompute is due now."""
        nxt = self._next_t_s
        if nxt is None:
            self._next_t_s = t_s + self.every_s
            return False
        if t_s < nxt:
            return False
        every = self.every_s
        self._next_t_s = nxt + every * (math.floor((t_s - nxt) / every) + 1)
        return True

    def clear(self, reason: str) -> None:
        """Every metric without a value for ``reason`` (a gap), until the next recompute."""
        self.values = SpectralValues.none(reason)

    def follow(self, event: PacerChanged) -> None:
        """Follow a recorded pattern change when no live pacer was given (replays)."""
        if self.pacer is not None:
            return  # the live pacer already knows: the app changed it and sent this event
        from vagal.pacer import BreathPattern, PaceError, pacer_from_events

        try:
            if self._own_pacer is None:
                self._own_pacer = pacer_from_events([event])
            else:
                self._own_pacer.set_pattern(event.t_s, BreathPattern.from_event(event), ramp_s=event.ramp_s)
        except (PaceError, ValueError):
            self._own_pacer = None  # a pattern we cannot follow: no pacer-based metrics

    def pacer_reference(self, t_s: float) -> tuple[float, float] | None:
        """(start of an in-breath, cycle length s) of the pacer around ``t_s``, if any.

        The pacer's continuous phase (in breaths; whole numbers are the starts of the
        in-breath) places the cycle; during a ramp the current rate gives its length.
        """
        pacer: PacerLike | None = self.pacer if self.pacer is not None else self._own_pacer
        if pacer is None:
            return None
        phi = float(pacer.phase_at(t_s))
        rate = float(pacer.rate_at(t_s))
        if not rate > 0:
            return None
        cycle_s = 60.0 / rate
        return t_s - (phi - math.floor(phi)) * cycle_s, cycle_s

    def recompute(
        self, nn_t: Sequence[float], nn_rr: Sequence[float], covered_s: float, *, any_beats: bool, t_s: float
    ) -> SpectralValues:
        """Recompute every metric on the trailing windows ending at the last NN.

        Args:
            nn_t: Times of the accepted NN of the current segment, seconds, oldest first.
            nn_rr: Those NN intervals, ms.
            covered_s: Seconds of steady beats behind them.
            any_beats: Whether any beat has arrived in the session (for the words).
            t_s: Session time of the recompute.

        Returns:
            The new values (also kept in ``values``).
        """
        n = len(nn_t)
        if n < 3:
            reason = "waiting for steady beats" if any_beats else "waiting for beats"
            self.values = SpectralValues.none(reason, t_s)
            return self.values
        spec = SpectralValues(t_s=t_s)

        import numpy as np

        from vagal.hrv.live_spectral import TrailingSpline, periodogram

        t = np.fromiter(nn_t, dtype=np.float64, count=n)
        rr = np.fromiter(nn_rr, dtype=np.float64, count=n)
        t_end = float(t[-1])
        covered = covered_s
        cw = self.coherence_window_s
        want_lf = covered >= LF_HF_WINDOW_S
        want_coh = covered >= cw
        want_breath = covered >= BREATH_WINDOW_S
        # Each window is the beats of its last seconds plus the one before , all
        # ending at the last beat: one spline system through the longest serves every window.
        j_lf = _first(t, t_end, LF_HF_WINDOW_S) if want_lf else n
        j_coh = _first(t, t_end, cw) if want_coh else n
        j_br = _first(t, t_end, BREATH_WINDOW_S) if want_breath else n
        j0 = min(j_lf, j_coh, j_br)
        spline: TrailingSpline | None = TrailingSpline(t[j0:], rr[j0:]) if n - j0 >= 4 else None

        def on_grid(j: int) -> tuple[FloatArray, FloatArray]:
            if spline is None or n - j < 4:
                from vagal.hrv.live_spectral import resample

                return resample(t[j:], rr[j:], FS_HZ)
            return spline.on_grid(j - j0, FS_HZ)

        grid: tuple[FloatArray, FloatArray] | None = None
        """An even 4 Hz series ending near t_end that the breath metrics can slice."""

        # LF, HF, LF/HF on the last 120 s: never on less. The same steps as the batch core:
        # resample (cubic, 4 Hz) → Hann periodogram with linear detrend → band_powers.
        if not want_lf:
            so_far = f"({seconds_text(covered)} so far)"
            spec.lf_ms2 = Metric(None, f"LF needs 2 min of steady beats {so_far}")
            spec.hf_ms2 = Metric(None, f"HF needs 2 min of steady beats {so_far}")
            spec.lf_hf = Metric(None, f"LF/HF needs 2 min of steady beats {so_far}")
        else:
            tg, xg = on_grid(j_lf)
            grid = (tg, xg) if tg.size else None
            f, p = periodogram(xg, FS_HZ)
            lf_metrics(spec, f, p)

        # Coherence on the last 64 s (or 128 s): the steps of
        # vagal.hrv.coherence.coherence_from_rr (resample, a grid ending at the last beat,
        # linear detrend, Hann periodogram, coherence_ratio), so the numbers are the same.
        # (Reusing the 120 s spline's values would save a little but moves the ratio by up to
        # 3 % on real data: the spline then reaches beyond the window's first beat.)
        if not want_coh:
            spec.coherence = Metric(
                None, f"coherence needs {seconds_text(cw)} of steady beats ({seconds_text(covered)} so far)"
            )
        else:
            n_coh = n - j_coh
            if n_coh < MIN_COHERENCE_BEATS:
                need = f"{MIN_COHERENCE_BEATS} clean beats in {seconds_text(cw)}"
                spec.coherence = Metric(None, f"coherence needs {need} ({n_coh} so far)")
            else:
                tg, xg = on_grid(j_coh)
                nw = round(cw * FS_HZ)
                tc = t_end - _back_steps(nw)
                xc = np.interp(tc, tg, xg)
                if grid is None:
                    grid = (tc, xc)
                fc, pc = periodogram(xc, FS_HZ)
                coherence_metric(spec, fc, pc)

        # Breathing rate, RSA and phase synchrony on the last 60 s.
        if not want_breath:
            msg = f"needs {seconds_text(BREATH_WINDOW_S)} of steady beats ({seconds_text(covered)} so far)"
            spec.breathing_rate_per_min = Metric(None, "breathing rate " + msg)
            spec.rsa_bpm = Metric(None, "RSA " + msg)
            spec.phase_sync = Metric(None, "synchrony " + msg)
            spec.phase_lag_s = Metric(None, "synchrony " + msg)
        else:
            if grid is None:
                grid = on_grid(j_br)
            self._breath_metrics(spec, grid[0], grid[1])
        self.values = spec
        return spec

    def _breath_metrics(self, spec: SpectralValues, tg: FloatArray, xg: FloatArray) -> None:
        """Breathing rate, RSA and synchrony on the last 60 s of an even 4 Hz RR series."""
        from vagal.hrv import breath as rsa
        from vagal.hrv.live_spectral import periodogram

        k = round(BREATH_WINDOW_S * FS_HZ)
        tg, xg = tg[-k:], xg[-k:]
        if tg.size < 16:
            few = Metric(None, "too few beats in the last minute")
            spec.breathing_rate_per_min = spec.rsa_bpm = spec.phase_sync = spec.phase_lag_s = few
            return
        ref = self.pacer_reference(float(tg[-1]))
        f, p = periodogram(xg, FS_HZ)
        f_breath = breath_rate_metric(spec, f, p, ref)
        hr = 60000.0 / xg
        hr_spec = rsa.spectrum(hr)
        hr_bp = rsa.band_pass(hr, FS_HZ, *rsa.rsa_band_hz(f_breath), spec=hr_spec)
        rsa_metrics(spec, tg, hr, hr_spec, hr_bp, ref)


# The steps after the arrays, shared by the one-at-a-time recompute and the batched one
# (vagal.engine.spectral_batch), so both word and round the same numbers the same way.


def lf_metrics(spec: SpectralValues, f: FloatArray, p: FloatArray) -> None:
    """LF, HF and LF/HF from the 120 s window's periodogram."""
    from vagal.hrv.live_spectral import lf_hf_powers

    lf, hf, ratio = lf_hf_powers(f, p) if f.size >= 2 else (math.nan, math.nan, math.nan)
    lf_words(spec, lf, hf, ratio)


def lf_words(spec: SpectralValues, lf: float, hf: float, ratio: float) -> None:
    """LF, HF and LF/HF as metrics (NaN: no value, with the reason)."""
    spec.lf_ms2 = _finite(lf, "no LF power in the window")
    spec.hf_ms2 = _finite(hf, "no HF power in the window")
    spec.lf_hf = _finite(ratio, "no HF power in the window")


def coherence_metric(spec: SpectralValues, fc: FloatArray, pc: FloatArray) -> None:
    """Coherence from the coherence window's periodogram."""
    from vagal.hrv.live_spectral import coherence_peak

    cr, edge = coherence_peak(fc, pc) if fc.size >= 2 else (math.nan, None)
    coherence_words(spec, cr, edge)


def coherence_words(spec: SpectralValues, cr: float, edge: int | None) -> None:
    """The coherence ratio as a metric, with a caution when its peak sits at an edge."""
    spec.coherence = (
        Metric(float(cr), caution=_EDGE_CAUTION.get(edge))
        if math.isfinite(cr)
        else Metric(None, "coherence is undefined for this window")
    )


def breath_rate_metric(
    spec: SpectralValues, f: FloatArray, p: FloatArray, ref: tuple[float, float] | None
) -> float | None:
    """The breathing rate from the last 60 s' periodogram; returns the breathing frequency
    the RSA band-pass centres on (the guide's, else the rate found, else None)."""
    from vagal.hrv.live_spectral import breath_peak_hz

    peak = breath_peak_hz(f, p, paced=ref is not None) if f.size >= 2 else None
    return breath_rate_words(spec, peak, ref)


def breath_rate_words(
    spec: SpectralValues, peak: tuple[int, float] | None, ref: tuple[float, float] | None
) -> float | None:
    """The breathing rate from its peak (bin, Hz) as a metric; returns the breathing frequency
    the RSA band-pass centres on."""
    br = None if peak is None else 60.0 * peak[1]
    if br is None:
        spec.breathing_rate_per_min = Metric(None, "no breathing rhythm found")
    else:
        caution = None
        if ref is not None and abs(br - 60.0 / ref[1]) > GUIDE_MISMATCH_PER_MIN:
            # docs/methods.md §6.3: more than 1 breath/min away from the guide.
            caution = f"breathing at about {br:.1f}/min; the guide is at {60.0 / ref[1]:.1f}/min"
        spec.breathing_rate_per_min = Metric(br, caution=caution)
    return 1.0 / ref[1] if ref is not None else (br / 60.0 if br is not None else None)


def rsa_metrics(
    spec: SpectralValues,
    tg: FloatArray,
    hr: FloatArray,
    hr_spec: Spectrum,
    hr_bp: FloatArray,
    ref: tuple[float, float] | None,
) -> None:
    """RSA and phase synchrony from the last 60 s' heart rate (and its band-pass)."""
    from vagal.hrv import breath as rsa

    if ref is not None:
        amps = rsa.rsa_pacer_cycles(tg, hr_bp, ref[0], ref[1])
    else:
        amps = rsa.rsa_detected_cycles(hr_bp, FS_HZ)
    amps = amps[-RSA_CYCLES:]
    if len(amps) < MIN_RSA_CYCLES:
        spec.rsa_bpm = Metric(None, f"RSA needs {MIN_RSA_CYCLES} full breaths ({len(amps)} so far)")
    else:
        amps.sort()
        m = len(amps)
        med = amps[m // 2] if m % 2 else 0.5 * (amps[m // 2 - 1] + amps[m // 2])
        spec.rsa_bpm = Metric(med)

    if ref is None:
        spec.phase_sync = Metric(None, "synchrony needs the breathing guide")
        spec.phase_lag_s = Metric(None, "synchrony needs the breathing guide")
    else:
        res = rsa.phase_sync(tg, hr, FS_HZ, ref[0], ref[1], spec=hr_spec)
        if res is None:
            spec.phase_sync = Metric(None, "synchrony needs two full breaths")
            spec.phase_lag_s = Metric(None, "synchrony needs two full breaths")
        else:
            spec.phase_sync = Metric(res[0])
            spec.phase_lag_s = Metric(res[1])


def _first(t: FloatArray, t_end: float, window_s: float) -> int:
    """Index of the first beat of the last ``window_s`` seconds' window: the beats after
    ``t_end - window_s`` plus the one before, so the spline covers the window (the same
    selection as :func:`vagal.hrv.coherence.coherence_from_rr`)."""
    import numpy as np

    return max(int(np.searchsorted(t, t_end - window_s, side="right")) - 1, 0)


_BACK_STEPS: dict[int, FloatArray] = {}


def _back_steps(nw: int) -> FloatArray:
    """``(nw - 1 - arange(nw)) / FS_HZ``: the coherence grid's offsets back from the last beat."""
    out = _BACK_STEPS.get(nw)
    if out is None:
        import numpy as np

        out = (nw - 1 - np.arange(nw, dtype=np.float64)) / FS_HZ
        out.setflags(write=False)
        _BACK_STEPS[nw] = out
    return out


_EDGE_CAUTION: Final[dict[int | None, str]] = {
    -1: "the strongest rhythm is at the slowest edge of the range coherence looks at",
    1: "the strongest rhythm is at the fastest edge of the range coherence looks at",
}
"""A caution when the coherence peak sits at an edge of its 0.04–0.26 Hz search band (§6.1)."""


def _finite(x: float, reason: str) -> Metric:
    return Metric(float(x)) if math.isfinite(x) else Metric(None, reason)


__all__ = [
    "BATCH",
    "BREATH_WINDOW_S",
    "COHERENCE_CHOICES_S",
    "DEFAULT_COHERENCE_WINDOW_S",
    "DEFAULT_SPECTRAL_EVERY_S",
    "LF_HF_WINDOW_S",
    "SPECTRAL_METRICS",
    "PacerLike",
    "Pending",
    "SpectralMetrics",
    "SpectralValues",
    "recompute_one",
]
