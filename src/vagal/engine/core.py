"""The live engine: events in, :class:`~vagal.engine.snapshot.Snapshot` out, stepped by hand.

Design decisions:
* No clock of its own. Time comes from the events and from ``tick(t_s)``; the spectral
  metrics are recomputed on a timer of *session* time (every ``spectral_every_s``), so a
  replay at maximum speed gives exactly the numbers a real-time session would.
* Per beat the work is O(1): running sums over the trailing time window
  (:class:`~vagal.engine.rings.WindowStats`) and a causal artifact classifier with two
  beats of delay (:mod:`vagal.engine.artifacts`). Everything the engine keeps is bounded
  by its windows, so memory is flat over a day of beats.
* Spectral metrics take the batch core's steps on the trailing windows, with the live
  settings of METHODS.md §2.6: LF/HF on the last 120 s (cubic spline at 4 Hz, one Hann
  segment, **linear** detrend, ``vagal.hrv.spectral.band_powers``; never on less than 2
  minutes), coherence on the last 64 s (or 128 s; ``vagal.hrv.coherence.coherence_ratio``),
  breathing rate, RSA and phase synchrony on the last 60 s. The resampling and the
  one-segment periodogram are :mod:`vagal.hrv.live_spectral`'s lean copies of
  ``vagal.hrv.spectral.resample`` and ``psd_welch`` (equal to 1e-9, tested): the same
  beats given to ``vagal.hrv`` give the same numbers.
* A gap (``Gap`` event, contact lost, a jump in the beat time axis) resets every window:
  no metric is ever computed across a gap. Settling beats and beats without contact are
  shown as heart rate but kept out of the metrics.
* Every metric says why it has no value yet, in plain words.

References:
    METHODS.md §1.1, §2.6, §5.3, §6, §7.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from vagal.engine.artifacts import RR_MAX_MS, RR_MIN_MS, BeatKind, CausalArtifactDetector, Verdict
from vagal.engine.rings import WindowStats
from vagal.engine.snapshot import NOT_YET, Metric, Snapshot
from vagal.events import (
    Beat,
    ContactChanged,
    Event,
    Gap,
    HeartRateOnly,
    Marker,
    PacerChanged,
    PayloadRejected,
    SourceState,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

DEFAULT_WINDOW_S: Final = 60.0
"""Live RMSSD/SDNN/pNN50 window (METHODS.md §1.1: 60 s is the safe choice, 30 s usable)."""
WINDOW_CHOICES_S: Final = (30.0, 60.0, 300.0)
MIN_TIME_DOMAIN_S: Final = 30.0
"""Time-domain metrics are shown after 30 s of beats, with a "settling" hint until the window is full."""
LF_HF_WINDOW_S: Final = 120.0
"""LF/HF needs at least 2 minutes (METHODS.md §2.6); never shown on less."""
DEFAULT_COHERENCE_WINDOW_S: Final = 64.0
COHERENCE_CHOICES_S: Final = (64.0, 128.0)
BREATH_WINDOW_S: Final = 60.0
"""Breathing rate, RSA and phase synchrony use the last 60 s (§6.3, §6.4)."""
DEFAULT_SPECTRAL_EVERY_S: Final = 5.0
"""Spectral timer, session seconds (HeartMath updates coherence every 5 s; §6.1)."""
FS_HZ: Final = 4.0
"""Resampling rate for every spectral metric (§2.2)."""
SMOOTH_BEATS: Final = 5
"""Heart rate for the big number: mean of the last 5 beats' rates (§1)."""
MAX_ARTIFACT_PCT: Final = 5.0
"""Above this share of flagged beats in the window, HRV carries a caution (greyed, §5.3)."""
NO_DATA_S: Final = 5.0
"""With no beat for this long, ``tick`` shows a drop-out (the source reports the gap itself)."""
JUMP_TOLERANCE_S: Final = 1.0
"""A beat whose interval does not join the previous beat within this is after a gap."""
RSA_CYCLES: Final = 5
MIN_RSA_CYCLES: Final = 3
MIN_COHERENCE_BEATS: Final = 50
GUIDE_MISMATCH_PER_MIN: Final = 1.0
"""Breathing more than 1 breath/min away from the guide gets a caution (METHODS.md §6.3)."""
TRACE_S: Final = 600.0
"""How much heart-rate/RR trace is kept for the dashboard."""
MAX_MARKERS: Final = 20
_MIN_RR_MS: Final = 250.0
"""Shortest RR in the trace buffer sizing (240 bpm)."""
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
"""The Snapshot metrics recomputed on the spectral timer (the metric fields of ``_Spectral``)."""
_SESSION_MEANS: Final = ("lf_hf", "coherence", "rsa_bpm", "breathing_rate_per_min", "phase_sync")
"""Spectral metrics whose session mean ``summary()`` gives, as ``<name>_mean``."""


class PacerLike(Protocol):
    """What the engine needs from a pacer (``vagal.pacer.Pacer``)."""

    def phase_at(self, t_s: float) -> float:
        """Continuous phase in breaths; whole numbers are starts of the in-breath."""
        ...

    def rate_at(self, t_s: float) -> float:
        """Instantaneous pace, breaths/min."""
        ...


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Live analysis settings (defaults per METHODS.md §7.3)."""

    window_s: float = DEFAULT_WINDOW_S
    """RMSSD/SDNN/pNN50/quality window, seconds: 30, 60 (default) or 300."""
    coherence_window_s: float = DEFAULT_COHERENCE_WINDOW_S
    """Coherence window, seconds: 64 (default) or 128."""
    spectral_every_s: float = DEFAULT_SPECTRAL_EVERY_S
    """How often (session seconds) the spectral metrics are recomputed, 1–5."""
    smooth_beats: int = SMOOTH_BEATS
    trace_s: float = TRACE_S

    def __post_init__(self) -> None:
        if self.window_s not in WINDOW_CHOICES_S:
            raise ValueError(f"window_s must be one of {WINDOW_CHOICES_S}, got {self.window_s!r}")
        if self.coherence_window_s not in COHERENCE_CHOICES_S:
            raise ValueError(
                f"coherence_window_s must be one of {COHERENCE_CHOICES_S}, got {self.coherence_window_s!r}"
            )
        if not 0 < self.spectral_every_s <= 30:
            raise ValueError(f"spectral_every_s must be in (0, 30], got {self.spectral_every_s!r}")
        if self.smooth_beats < 1:
            raise ValueError(f"smooth_beats must be >= 1, got {self.smooth_beats!r}")
        if not self.trace_s > 0:
            raise ValueError(f"trace_s must be > 0, got {self.trace_s!r}")


@dataclass(slots=True)
class _Spectral:
    """The spectral metrics from the last recompute."""

    lf_ms2: Metric = NOT_YET
    hf_ms2: Metric = NOT_YET
    lf_hf: Metric = NOT_YET
    coherence: Metric = NOT_YET
    rsa_bpm: Metric = NOT_YET
    breathing_rate_per_min: Metric = NOT_YET
    phase_sync: Metric = NOT_YET
    phase_lag_s: Metric = NOT_YET
    t_s: float | None = None

    @classmethod
    def none(cls, reason: str, t_s: float | None = None) -> _Spectral:
        """Every spectral metric without a value, for the same reason."""
        spec = cls(t_s=t_s)
        m = Metric(None, reason)
        for name in SPECTRAL_METRICS:
            setattr(spec, name, m)
        return spec


def _s(x: float) -> str:
    """Seconds for a person: "45 s", "2 min"."""
    if x >= 120 and x % 60 == 0:
        return f"{x / 60:.0f} min"
    return f"{x:.0f} s"


class Engine:
    """Folds events into live HRV metrics (see :mod:`vagal.engine.snapshot` for the contract).

    Args:
        settings: Analysis settings; defaults per METHODS.md.
        pacer: The breathing pacer, when one runs (``vagal.pacer.Pacer``). Without it,
            the engine rebuilds one from ``PacerChanged`` events (a replayed session);
            with neither, RSA uses breath cycles detected in the data and phase
            synchrony has no value.
    """

    def __init__(self, settings: EngineSettings | None = None, *, pacer: PacerLike | None = None) -> None:
        self.settings = settings or EngineSettings()
        self._pacer = pacer
        self._own_pacer: Any = None
        """A pacer rebuilt from ``PacerChanged`` events when none was given."""
        w = self.settings.window_s
        self._stats = WindowStats(w)
        self._detector = CausalArtifactDetector()
        self._span_s = max(LF_HF_WINDOW_S, self.settings.coherence_window_s, BREATH_WINDOW_S) + 5.0
        self._nn: deque[tuple[float, float]] = deque()
        """Accepted NN (t_s, rr_ms) of the current segment, for the spectral windows."""
        self._flagged: deque[float] = deque()
        """Times of flagged beats still inside the time-domain window."""
        self._seg_start_s: float | None = None
        """Start of the first accepted interval of the current segment (None: nothing yet)."""
        self._last_ok_rr: float | None = None
        """The last committed NN when the next one may form a difference with it."""
        self._last_commit_t: float | None = None
        self._last_beat_t: float | None = None
        self._last_rr: float | None = None
        self._last_hr_strap: int | None = None
        self._last_settling = False
        self._recent_hr: deque[float] = deque(maxlen=self.settings.smooth_beats)
        n_trace = int(self.settings.trace_s * 1000.0 / _MIN_RR_MS) + 64
        self._trace: deque[tuple[float, float]] = deque(maxlen=n_trace)
        self._spec = _Spectral()
        self._next_spec_t: float | None = None
        self._markers: deque[tuple[float, str]] = deque(maxlen=MAX_MARKERS)
        self.kinds: dict[BeatKind, int] = {}
        """Flagged beats by kind ("ectopic", "missed", "extra", "longshort", "range", "order"),
        and "merged": beats that carry an extra beat's half back (corrected, used)."""
        self.on_verdict: Any = None
        """Optional ``callable(t_s, rr_ms, kind)`` told of every decided beat (tests, recorder)."""
        self._totals = [0.0, 0.0, 0.0, 0.0, 0.0]
        """Whole session: accepted NN, Σ rr_ms, Σ 60000/rr_ms, Σ d², successive differences."""
        self._spec_sums: dict[str, list[float]] = {}
        """Whole session: (Σ value, count) of each spectral metric at every recompute."""
        self._beats = 0
        self._artifacts = 0
        self._rejected = 0
        self._contact: bool | None = None
        self._source_state: Any = "connecting"
        self._gap_started_s: float | None = None
        self._gaps = 0
        self._after_gap_event = False
        """True from a Gap event until the next beat: a late first beat is the same gap."""
        self._gap_total_s = 0.0
        self._t_s = 0.0
        self._snap = Snapshot()

    # ------------------------------------------------------------------ public API

    @property
    def snapshot(self) -> Snapshot:
        """The latest snapshot."""
        return self._snap

    @property
    def pacer(self) -> PacerLike | None:
        return self._pacer

    def push(self, event: Event) -> Snapshot:
        """Fold one event and return the new snapshot.

        Args:
            event: Any :mod:`vagal.events` event, in time order.

        Returns:
            The snapshot after the event.
        """
        if isinstance(event, Beat):
            self._on_beat(event)
        elif isinstance(event, Gap):
            self._on_gap(event)
        elif isinstance(event, ContactChanged):
            self._contact = event.contact
            if not event.contact:
                if self._gap_started_s is None:
                    self._gap_started_s = event.t_s
                self._reset_windows()
            self._advance(event.t_s)
        elif isinstance(event, HeartRateOnly):
            self._last_hr_strap = event.hr_bpm
            if event.hr_bpm > 0 and (self._last_beat_t is None or event.t_s - self._last_beat_t > NO_DATA_S):
                # A strap without RR intervals (optical bands): its heart rate still draws the
                # trace, as the interval it implies (display only; never part of a metric).
                self._trace.append((event.t_s, 60000.0 / event.hr_bpm))
            if event.contact is not None:
                self._contact = event.contact
            self._advance(event.t_s)
        elif isinstance(event, SourceState):
            self._source_state = event.state
            if event.state in ("reconnecting", "disconnected") and self._gap_started_s is None:
                self._gap_started_s = event.t_s
            if event.state == "ended":
                self._commit(self._detector.flush())
                self._recompute(max(event.t_s, self._t_s))
            self._advance(event.t_s)
        elif isinstance(event, PacerChanged):
            self._on_pacer_changed(event)
            self._advance(event.t_s)
        elif isinstance(event, Marker):
            self._markers.append((event.t_s, event.label))
            self._advance(event.t_s)
        elif isinstance(event, PayloadRejected):
            self._rejected += 1
            self._advance(event.t_s)
        else:
            self._advance(getattr(event, "t_s", self._t_s))
        self._snap = self._build()
        return self._snap

    def tick(self, t_s: float) -> Snapshot:
        """Advance session time without an event (the driver calls this every second).

        Recomputes the spectral metrics when their timer is due, and shows a drop-out when
        no beat has arrived for ``NO_DATA_S`` seconds.
        """
        if (
            self._last_beat_t is not None
            and self._gap_started_s is None
            and t_s - self._last_beat_t > NO_DATA_S
        ):
            self._gap_started_s = self._last_beat_t
        self._advance(t_s)
        self._snap = self._build()
        return self._snap

    def hr_trace(self, span_s: float) -> tuple[FloatArray, FloatArray]:
        """The recent instantaneous heart rate: ``(t_s, hr_bpm)``, NaN where a gap breaks it."""
        import numpy as np

        t, rr = self._trace_arrays(span_s)
        with np.errstate(divide="ignore", invalid="ignore"):
            hr = 60000.0 / rr
        return t, hr

    def rr_trace(self, span_s: float) -> tuple[FloatArray, FloatArray]:
        """The recent RR intervals: ``(t_s, rr_ms)``, NaN where a gap breaks it."""
        return self._trace_arrays(span_s)

    def summary(self) -> dict[str, Any]:
        """Whole-session figures for the end-of-session summary.

        Returns:
            A dict: ``n_beats``, ``nn_beats`` (accepted), ``artifacts`` and ``artifact_kinds``,
            ``artifacts_pct`` (the same keys as ``vagal analyze --json`` where they mean the same), ``gaps``, ``gap_total_s``, ``mean_nn_ms``, ``mean_hr_bpm``
            (60000 / mean NN), ``mean_inst_hr_bpm`` (mean of 60000 / NN), ``rmssd_ms``
            (over every successive difference of the session; none spans a gap or a flagged
            beat), and the session means of the spectral metrics at each recompute
            (``*_mean``; None when never valid). Values are None where not computable.
        """
        n, s_rr, s_hr, s_d2, n_d = self._totals
        out: dict[str, Any] = {
            "n_beats": self._beats,
            "nn_beats": int(n),
            "artifacts": self._artifacts,
            "artifact_kinds": dict(sorted(self.kinds.items())),
            "artifacts_pct": 100.0 * self._artifacts / self._beats if self._beats else None,
            "gaps": self._gaps,
            "gap_total_s": self._gap_total_s,
            "mean_nn_ms": s_rr / n if n else None,
            "mean_hr_bpm": 60000.0 * n / s_rr if n else None,
            "mean_inst_hr_bpm": s_hr / n if n else None,
            "rmssd_ms": math.sqrt(s_d2 / n_d) if n_d else None,
        }
        for name in _SESSION_MEANS:
            acc = self._spec_sums.get(name)
            out[f"{name}_mean"] = acc[0] / acc[1] if acc else None
        return out

    def window_beats(self) -> list[tuple[float, float]]:
        """The accepted (t_s, rr_ms) in the current time-domain window (for tests)."""
        return self._stats.beats()

    def spectral_beats(self) -> list[tuple[float, float]]:
        """The accepted (t_s, rr_ms) of the current segment held for the spectral windows."""
        return list(self._nn)

    # ------------------------------------------------------------------ beats

    def _on_beat(self, b: Beat) -> None:
        self._beats += 1
        t, rr = b.t_s, b.rr_ms
        if not (math.isfinite(t) and math.isfinite(rr) and rr > 0):
            # Not a number at all: counted and kept out (never shown as a heart rate).
            self._artifacts += 1
            self.kinds["range"] = self.kinds.get("range", 0) + 1
            return
        last = self._last_beat_t
        if last is not None and t <= last:
            # Not after the previous beat (a duplicate, or a clock that went back): bad data,
            # counted and kept out; it must not reach a spline that needs increasing times.
            self._artifacts += 1
            self.kinds["order"] = self.kinds.get("order", 0) + 1
            self._advance(t)
            return
        if last is not None and (t - rr / 1000.0) - last > JUMP_TOLERANCE_S:
            if self._after_gap_event:
                # The first beats after a reconnect came late: still the same drop-out.
                self._gap_total_s += (t - rr / 1000.0) - last
            else:
                # The time axis jumped with no Gap event (perhaps already shown as a drop-out
                # by ``tick``): treat it as one gap, never a long beat, and start afresh.
                self._count_gap(last, t - rr / 1000.0)
                self._reset_windows()
        self._after_gap_event = False
        if self._gap_started_s is not None and self._contact is not False:
            # Beats flow again: a drop-out seen by ``tick`` is over (the Gap event, if any,
            # has been counted already).
            self._gap_started_s = None
        self._last_beat_t = t
        self._last_rr = rr
        self._last_hr_strap = b.hr_bpm
        if b.contact is not None:
            self._contact = b.contact
        if last is not None and t - last > JUMP_TOLERANCE_S + rr / 1000.0:
            self._trace.append((last, math.nan))
        self._trace.append((t, rr))
        if b.settling or b.contact is False:
            self._last_settling = True
            if self._nn or self._stats.n:
                self._reset_windows()
            else:
                self._detector.reset()
            self._advance(t)
            return
        self._last_settling = False
        if RR_MIN_MS <= rr <= RR_MAX_MS:
            self._recent_hr.append(60000.0 / rr)
        self._commit(self._detector.push(t, rr))
        self._advance(t)

    def _commit(self, verdicts: list[Verdict]) -> None:
        for t, rr, kind, brk in verdicts:
            cb = self.on_verdict
            if cb is not None:
                cb(t, rr, kind)
            if kind == "merged":
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
            elif kind != "ok":
                self._artifacts += 1
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
                self._flagged.append(t)
                self._last_ok_rr = None
                continue
            if self._seg_start_s is None:
                self._seg_start_s = t - rr / 1000.0
            prev = None if brk else self._last_ok_rr
            self._stats.add(t, rr, prev_rr_ms=prev)
            tot = self._totals
            tot[0] += 1.0
            tot[1] += rr
            tot[2] += 60000.0 / rr
            if prev is not None:
                d = rr - prev
                tot[3] += d * d
                tot[4] += 1.0
            self._last_ok_rr = rr
            self._last_commit_t = t
            nn = self._nn
            nn.append((t, rr))
            cut = t - self._span_s
            while nn and nn[0][0] < cut:
                nn.popleft()
        if verdicts:
            t_end = verdicts[-1][0]
            cut = t_end - self.settings.window_s
            fl = self._flagged
            while fl and fl[0] <= cut:
                fl.popleft()

    def _on_pacer_changed(self, ev: PacerChanged) -> None:
        """Follow recorded pattern changes when no live pacer was given (replays)."""
        if self._pacer is not None:
            return  # the live pacer already knows: the app changed it and sent this event
        from vagal.pacer import BreathPattern, PaceError, pacer_from_events

        try:
            if self._own_pacer is None:
                self._own_pacer = pacer_from_events([ev])
            else:
                self._own_pacer.set_pattern(ev.t_s, BreathPattern.from_event(ev), ramp_s=ev.ramp_s)
        except (PaceError, ValueError):
            self._own_pacer = None  # a pattern we cannot follow: no pacer-based metrics

    # ------------------------------------------------------------------ gaps

    def _on_gap(self, g: Gap) -> None:
        self._count_gap(g.start_s, g.end_s)
        self._after_gap_event = True
        self._reset_windows()
        self._gap_started_s = None
        if g.reason == "contact_lost":
            self._contact = True
        self._trace.append((g.start_s, math.nan))
        # The next beat continues from the gap's end: its time jump is this gap, not another.
        if self._last_beat_t is None or g.end_s > self._last_beat_t:
            self._last_beat_t = g.end_s
        self._advance(g.end_s)

    def _count_gap(self, start_s: float, end_s: float) -> None:
        self._gaps += 1
        self._gap_total_s += max(0.0, end_s - start_s)

    def _reset_windows(self) -> None:
        """No metric across a gap: forget every window (the counters stay)."""
        self._detector.reset()
        self._stats.reset()
        self._nn.clear()
        self._flagged.clear()
        self._recent_hr.clear()
        self._seg_start_s = None
        self._last_ok_rr = None
        self._last_commit_t = None
        self._spec = _Spectral.none("starting again after a gap")

    # ------------------------------------------------------------------ time and spectra

    def _advance(self, t_s: float) -> None:
        self._t_s = max(self._t_s, t_s)
        nxt = self._next_spec_t
        if nxt is None:
            self._next_spec_t = self._t_s + self.settings.spectral_every_s
        elif self._t_s >= nxt:
            self._recompute(self._t_s)
            every = self.settings.spectral_every_s
            self._next_spec_t = nxt + every * (math.floor((self._t_s - nxt) / every) + 1)

    def covered_s(self) -> float:
        """Seconds of steady beats behind the current window (since the last gap)."""
        if self._seg_start_s is None or self._last_commit_t is None:
            return 0.0
        return self._last_commit_t - self._seg_start_s

    def _pacer_reference(self, t_s: float) -> tuple[float, float] | None:
        """(start of an in-breath, cycle length s) of the pacer around ``t_s``, if any.

        The pacer's continuous phase (in breaths; whole numbers are the starts of the
        in-breath) places the cycle; during a ramp the current rate gives its length.
        """
        pacer = self._pacer if self._pacer is not None else self._own_pacer
        if pacer is None:
            return None
        phi = float(pacer.phase_at(t_s))
        rate = float(pacer.rate_at(t_s))
        if not rate > 0:
            return None
        cycle_s = 60.0 / rate
        return t_s - (phi - math.floor(phi)) * cycle_s, cycle_s

    def _recompute(self, t_s: float) -> None:
        """Recompute every spectral metric on the trailing windows ending at the last NN."""
        nn = self._nn
        covered = self.covered_s()
        n = len(nn)
        if n < 3:
            reason = "waiting for steady beats" if self._beats else "waiting for beats"
            self._spec = _Spectral.none(reason, t_s)
            return
        spec = _Spectral(t_s=t_s)

        import numpy as np

        from vagal.hrv.live_spectral import periodogram, resample
        from vagal.hrv.coherence import coherence_ratio
        from vagal.hrv.spectral import band_powers

        t = np.fromiter((p[0] for p in nn), dtype=np.float64, count=n)
        rr = np.fromiter((p[1] for p in nn), dtype=np.float64, count=n)
        t_end = float(t[-1])
        grid: tuple[FloatArray, FloatArray] | None = None
        """An even 4 Hz series ending near t_end that the breath metrics can slice."""

        # LF, HF, LF/HF on the last 120 s: never on less. The same steps as the batch core:
        # resample (cubic, 4 Hz) → Hann periodogram with linear detrend → band_powers.
        if covered < LF_HF_WINDOW_S:
            so_far = f"({_s(covered)} so far)"
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
        cw = self.settings.coherence_window_s
        if covered < cw:
            spec.coherence = Metric(None, f"coherence needs {_s(cw)} of steady beats ({_s(covered)} so far)")
        else:
            tw, rw = _window(t, rr, t_end, cw)
            if tw.size < MIN_COHERENCE_BEATS:
                spec.coherence = Metric(
                    None, f"coherence needs {MIN_COHERENCE_BEATS} clean beats in {_s(cw)} ({tw.size} so far)"
                )
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
            msg = f"needs {_s(BREATH_WINDOW_S)} of steady beats ({_s(covered)} so far)"
            spec.breathing_rate_per_min = Metric(None, "breathing rate " + msg)
            spec.rsa_bpm = Metric(None, "RSA " + msg)
            spec.phase_sync = Metric(None, "synchrony " + msg)
            spec.phase_lag_s = Metric(None, "synchrony " + msg)
        else:
            if grid is None:
                tw, rw = _window(t, rr, t_end, BREATH_WINDOW_S)
                grid = resample(tw, rw, FS_HZ)
            self._breath_metrics(spec, grid[0], grid[1])
        self._spec = spec
        for name in _SESSION_MEANS:
            m: Metric = getattr(spec, name)
            if m.value is not None:
                acc = self._spec_sums.setdefault(name, [0.0, 0.0])
                acc[0] += m.value
                acc[1] += 1.0

    def _breath_metrics(self, spec: _Spectral, tg: FloatArray, xg: FloatArray) -> None:
        """Breathing rate, RSA and synchrony on the last 60 s of an even 4 Hz RR series."""
        from vagal.hrv import breath as rsa
        from vagal.hrv.live_spectral import periodogram

        k = round(BREATH_WINDOW_S * FS_HZ)
        tg, xg = tg[-k:], xg[-k:]
        if tg.size < 16:
            for name in ("breathing_rate_per_min", "rsa_bpm", "phase_sync", "phase_lag_s"):
                setattr(spec, name, Metric(None, "too few beats in the last minute"))
            return
        ref = self._pacer_reference(float(tg[-1]))
        br = rsa.breathing_rate_per_min(*periodogram(xg, FS_HZ), paced=ref is not None)
        if br is None:
            spec.breathing_rate_per_min = Metric(None, "no breathing rhythm found")
        else:
            caution = None
            if ref is not None and abs(br - 60.0 / ref[1]) > GUIDE_MISMATCH_PER_MIN:
                # METHODS.md §6.3: more than 1 breath/min away from the guide.
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

    # ------------------------------------------------------------------ snapshot

    def _trace_arrays(self, span_s: float) -> tuple[FloatArray, FloatArray]:
        import numpy as np

        cut = self._t_s - span_s
        pts = [p for p in self._trace if p[0] >= cut]
        if self._gap_started_s is not None and pts and not math.isnan(pts[-1][1]):
            pts.append((self._gap_started_s, math.nan))
        t = np.fromiter((p[0] for p in pts), dtype=np.float64, count=len(pts))
        v = np.fromiter((p[1] for p in pts), dtype=np.float64, count=len(pts))
        return t, v

    def _build(self) -> Snapshot:
        st = self._stats
        w = self.settings.window_s
        covered = self.covered_s()
        n_ok = st.n
        n_bad = len(self._flagged)
        total = n_ok + n_bad

        if self._last_rr is not None:
            hr = Metric(60000.0 / self._last_rr, settling=self._last_settling)
            rr = Metric(self._last_rr, settling=self._last_settling)
        elif self._last_hr_strap:
            hr = Metric(float(self._last_hr_strap), settling=True)
            rr = Metric(None, "the strap sends heart rate only, no RR intervals")
        else:
            hr = rr = NOT_YET
        if self._recent_hr:
            hrs = Metric(
                sum(self._recent_hr) / len(self._recent_hr),
                settling=len(self._recent_hr) < self.settings.smooth_beats,
            )
        elif self._last_settling:
            hrs = Metric(None, "settling after connecting")
        else:
            hrs = hr if self._last_rr is None else Metric(None, "waiting for steady beats")

        quality = Metric(100.0 * n_ok / total) if total else NOT_YET
        need = min(MIN_TIME_DOMAIN_S, w)
        if self._gap_started_s is not None:
            reason: str | None = "paused: no beats are coming in"
        elif self._last_settling and n_ok == 0:
            reason = "settling after connecting"
        elif n_ok == 0:
            reason = "waiting for beats" if self._beats == 0 else "waiting for steady beats"
        elif covered < need or st.n_diffs < 2:
            reason = None  # per-metric text below
        else:
            reason = ""
        if reason == "":
            settling = covered < w
            caution = None
            if total and 100.0 * n_bad / total > MAX_ARTIFACT_PCT:
                # METHODS.md §5.3: grey out, do not hide; the beats used are still clean.
                caution = f"{100.0 * n_bad / total:.0f} % of the beats in the last {_s(w)} were irregular and left out"
            rmssd = Metric(st.rmssd_ms(), settling=settling, caution=caution)
            sdnn = Metric(st.sdnn_ms(), settling=settling, caution=caution)
            pnn50 = Metric(st.pnn50_pct(), settling=settling, caution=caution)
        elif reason is None:
            so_far = f"({_s(covered)} so far)"
            rmssd = Metric(None, f"RMSSD needs {_s(need)} of beats {so_far}")
            sdnn = Metric(None, f"SDNN needs {_s(need)} of beats {so_far}")
            pnn50 = Metric(None, f"pNN50 needs {_s(need)} of beats {so_far}")
        else:
            rmssd = sdnn = pnn50 = Metric(None, reason)

        spec = self._spec
        if self._gap_started_s is not None:
            spec_m = dict.fromkeys(SPECTRAL_METRICS, Metric(None, "paused: no beats are coming in"))
        else:
            spec_m = {
                "lf_ms2": spec.lf_ms2,
                "hf_ms2": spec.hf_ms2,
                "lf_hf": spec.lf_hf,
                "coherence": spec.coherence,
                "rsa_bpm": spec.rsa_bpm,
                "breathing_rate_per_min": spec.breathing_rate_per_min,
                "phase_sync": spec.phase_sync,
                "phase_lag_s": spec.phase_lag_s,
            }
        return Snapshot(
            t_s=self._t_s,
            hr_bpm=hr,
            hr_smoothed_bpm=hrs,
            rr_ms=rr,
            rmssd_ms=rmssd,
            sdnn_ms=sdnn,
            pnn50_pct=pnn50,
            quality_pct=quality,
            beats=self._beats,
            artifacts=self._artifacts,
            rejected_payloads=self._rejected,
            contact=self._contact,
            source_state=self._source_state,
            gap_started_s=self._gap_started_s,
            gaps=self._gaps,
            gap_total_s=self._gap_total_s,
            markers=tuple(self._markers),
            spectral_t_s=spec.t_s,
            covered_s=covered,
            **spec_m,
        )


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


__all__ = ["Engine", "EngineSettings", "PacerLike"]
