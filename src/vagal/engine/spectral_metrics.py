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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from vagal.engine.snapshot import NOT_YET, Metric, seconds_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vagal.events import PacerChanged
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
        self, nn: Sequence[tuple[float, float]], covered_s: float, *, any_beats: bool, t_s: float
    ) -> SpectralValues:
        """Recompute every metric on the trailing windows ending at the last NN.

        Args:
            nn: The accepted (t_s, rr_ms) of the current segment, oldest first.
            covered_s: Seconds of steady beats behind them.
            any_beats: Whether any beat has arrived in the session (for the words).
            t_s: Session time of the recompute.

        Returns:
            The new values (also kept in ``values``).
        """
        n = len(nn)
        if n < 3:
            reason = "waiting for steady beats" if any_beats else "waiting for beats"
            self.values = SpectralValues.none(reason, t_s)
            return self.values
        spec = SpectralValues(t_s=t_s)

        import numpy as np

        from vagal.hrv.coherence import coherence_ratio
        from vagal.hrv.live_spectral import periodogram, resample
        from vagal.hrv.spectral import band_powers

        t = np.fromiter((p[0] for p in nn), dtype=np.float64, count=n)
        rr = np.fromiter((p[1] for p in nn), dtype=np.float64, count=n)
        t_end = float(t[-1])
        grid: tuple[FloatArray, FloatArray] | None = None
        """An even 4 Hz series ending near t_end that the breath metrics can slice."""
        covered = covered_s

        # LF, HF, LF/HF on the last 120 s: never on less. The same steps as the batch core:
        # resample (cubic, 4 Hz) → Hann periodogram with linear detrend → band_powers.
        if covered < LF_HF_WINDOW_S:
            so_far = f"({seconds_text(covered)} so far)"
            spec.lf_ms2 = Metric(None, f"LF needs 2 min of steady beats {so_far}")
            spec.hf_ms2 = Metric(None, f"HF needs 2 min of steady beats {so_far}")
            spec.lf_hf = Metric(None, f"LF/HF needs 2 min of steady beats {so_far}")
        else:
            tw, rw = _window(t, rr, t_end, LF_HF_WINDOW_S)
            tg, xg = resample(tw, rw, FS_HZ)
            grid = (tg, xg) if tg.size else None
            bp = band_powers(*periodogram(xg, FS_HZ))
            spec.lf_ms2 = _finite(bp.lf_ms2, "no LF power in the window")
            spec.hf_ms2 = _finite(bp.hf_ms2, "no HF power in the window")
            spec.lf_hf = _finite(bp.lf_hf, "no HF power in the window")

        # Coherence on the last 64 s (or 128 s): the steps of
        # vagal.hrv.coherence.coherence_from_rr (resample, a grid ending at the last beat,
        # linear detrend, Hann periodogram, coherence_ratio), so the numbers are the same.
        # (Reusing the 120 s spline would save ~100 µs per recompute but moves the ratio by
        # up to 3 % on real data: the spline then reaches beyond the window's first beat.)
        cw = self.coherence_window_s
        if covered < cw:
            spec.coherence = Metric(
                None, f"coherence needs {seconds_text(cw)} of steady beats ({seconds_text(covered)} so far)"
            )
        else:
            tw, rw = _window(t, rr, t_end, cw)
            if tw.size < MIN_COHERENCE_BEATS:
                need = f"{MIN_COHERENCE_BEATS} clean beats in {seconds_text(cw)}"
                spec.coherence = Metric(None, f"coherence needs {need} ({tw.size} so far)")
            else:
                tg, xg = resample(tw, rw, FS_HZ)
                if tg.size == 0:
                    tg, xg = tw, rw  # cannot happen with increasing beat times; stay safe
                nw = round(cw * FS_HZ)
                tc = t_end - (nw - 1 - np.arange(nw, dtype=np.float64)) / FS_HZ
                xc = np.interp(tc, tg, xg)
                if grid is None:
                    grid = (tc, xc)
                fc, pc = periodogram(xc, FS_HZ)
                cr = coherence_ratio(fc, pc)
                spec.coherence = (
                    Metric(float(cr), caution=_edge_caution(fc, pc))
                    if math.isfinite(cr)
                    else Metric(None, "coherence is undefined for this window")
                )

        # Breathing rate, RSA and phase synchrony on the last 60 s.
        if covered < BREATH_WINDOW_S:
            msg = f"needs {seconds_text(BREATH_WINDOW_S)} of steady beats ({seconds_text(covered)} so far)"
            spec.breathing_rate_per_min = Metric(None, "breathing rate " + msg)
            spec.rsa_bpm = Metric(None, "RSA " + msg)
            spec.phase_sync = Metric(None, "synchrony " + msg)
            spec.phase_lag_s = Metric(None, "synchrony " + msg)
        else:
            if grid is None:
                tw, rw = _window(t, rr, t_end, BREATH_WINDOW_S)
                grid = resample(tw, rw, FS_HZ)
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
        br = rsa.breathing_rate_per_min(*periodogram(xg, FS_HZ), paced=ref is not None)
        if br is None:
            spec.breathing_rate_per_min = Metric(None, "no breathing rhythm found")
        else:
            caution = None
            if ref is not None and abs(br - 60.0 / ref[1]) > GUIDE_MISMATCH_PER_MIN:
                # docs/methods.md §6.3: more than 1 breath/min away from the guide.
                caution = f"breathing at about {br:.1f}/min; the guide is at {60.0 / ref[1]:.1f}/min"
            spec.breathing_rate_per_min = Metric(br, caution=caution)

        hr = 60000.0 / xg
        f_breath = 1.0 / ref[1] if ref is not None else (br / 60.0 if br is not None else None)
        hr_spec = rsa.spectrum(hr)
        hr_bp = rsa.band_pass(hr, FS_HZ, *rsa.rsa_band_hz(f_breath), spec=hr_spec)
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


def _window(t: FloatArray, rr: FloatArray, t_end: float, window_s: float) -> tuple[FloatArray, FloatArray]:
    """The beats of the last ``window_s`` seconds, plus the one before, so the spline covers it.

    The same selection as :func:`vagal.hrv.coherence.coherence_from_rr`.
    """
    import numpy as np

    first = max(int(np.searchsorted(t, t_end - window_s, side="right")) - 1, 0)
    return t[first:], rr[first:]


def _edge_caution(f_hz: FloatArray, p: FloatArray) -> str | None:
    """A caution when the coherence peak sits at an edge of its 0.04–0.26 Hz search band (§6.1)."""
    import numpy as np

    from vagal.hrv.coherence import PEAK_SEARCH_HZ

    idx = np.flatnonzero((f_hz >= PEAK_SEARCH_HZ[0]) & (f_hz <= PEAK_SEARCH_HZ[1]))
    if idx.size < 3:
        return None
    k = int(np.argmax(p[idx]))
    if 0 < k < idx.size - 1:
        return None
    side = "slowest" if k == 0 else "fastest"
    return f"the strongest rhythm is at the {side} edge of the range coherence looks at"


def _finite(x: float, reason: str) -> Metric:
    return Metric(float(x)) if math.isfinite(x) else Metric(None, reason)


__all__ = [
    "BREATH_WINDOW_S",
    "COHERENCE_CHOICES_S",
    "DEFAULT_COHERENCE_WINDOW_S",
    "DEFAULT_SPECTRAL_EVERY_S",
    "LF_HF_WINDOW_S",
    "SPECTRAL_METRICS",
    "PacerLike",
    "SpectralMetrics",
    "SpectralValues",
]
