"""A simulated person's heart: heart rate as a continuous signal, beats by IPFM.

Design decision: a small, causal, reduced-order model, stepped at 10 Hz, so that it can
follow a breathing pacer that changes mid-session and run for hours. Heart rate (bpm)
is the sum of four parts:

* **Baseline and slow drift**: a resting rate of 60-70 bpm plus an Ornstein-Uhlenbeck
  drift (time constant 90 s, SD about 2 bpm): the very-low-frequency wander of a
  person sitting still.
* **Baroreflex resonance**: a second-order band-pass resonator, centre ``f0`` near
  0.1 Hz (one per person, 0.085-0.105 Hz, i.e. a resonance rate of 5.1-6.3 breaths/min)
  and quality factor Q = 2, with unit gain and zero phase at ``f0``. It stands in for
  the closed baroreflex loop whose delay makes heart rate and blood pressure ring near
  0.1 Hz (DeBoer, Karemaker & Strackee 1987; Vaschillo et al. 2002 describe heart rate
  as a resonating system with its resonance near 0.1 Hz). It is driven by lung volume
  (breathing) and by broadband "vasomotor" noise. The noise alone gives the
  spontaneous **Mayer waves** near 0.1 Hz (LF power); breathing at the resonance rate
  (about 6/min) drives the loop at its peak, so the respiratory swing of heart rate
  grows several-fold and HR oscillates in phase with breathing, as in resonance
  breathing (Lehrer, Vaschillo & Vaschillo 2000; Lehrer & Gevirtz 2014).
* **Direct respiratory (vagal) gating**: lung volume through a first-order low-pass
  (time constant 0.5 s): heart rate rises on the in-breath at any breathing rate
  (respiratory sinus arrhythmia, HF power at 12-15 breaths/min).
* **Beat-to-beat jitter**: the IPFM threshold varies a little from beat to beat.

Beats come from the integral pulse frequency modulation (IPFM) model (Rompelman et al. 1977; Mateo & Laguna
2000): the integral of the instantaneous rate HR(t)/60 is accumulated and a
beat fires each time it reaches the (jittered) threshold 1, so RR intervals follow
from a continuous HR signal instead of being drawn one by one.

Breathing: without a guide the person breathes spontaneously at 12-15/min with
breath-to-breath variability in period (CV 12 %), inhale fraction and depth. With a
guide (``breathing(t_s) -> lung volume 0..1``, e.g. ``Pacer.volume_at``) the person
follows it with a short lag (0.4-0.9 s) and some compliance noise, joining it
gradually (time constant 15 s) instead of at once.

A person's resonance can be set (``resonance_rate_per_min``, for the resonance
resonance assessment). A set resonance is sharper than a drawn one (Q = 4 instead of 2)
so that breathing at it gives a clearly larger heart-rate swing than 0.5 breaths/min
away: with Q = 2 the swing at 5.0/min is only about 4 % above 4.5 and 5.5/min, within
the noise of a two-minute step (see docs/simulator.md).

Two people (:class:`PairModel`, :func:`simulate_pair_rr`): person A is exactly the
single person of the same seed; person B is drawn from a child generator of the seed.
With ``coupling`` c in 0..1, B follows A with a lag of d seconds (2-4 s, drawn per seed):
B's lung volume is ``(1 - c)·(B's own breathing) + c·(A's lung volume d s earlier)`` and
B's heart-rate fluctuation is ``(1 - c)·(B's own) + c·(A's, d s earlier)``. With c = 0
they are two independent people, who may follow the same guide or each their own.

All randomness comes from one seed through independent child generators (heart,
breathing, compliance), so the same seed gives the same person and the same beats,
whatever else is switched on. Typical figures (checked in tests/test_simulator.py with
neurokit2): HR 60-70 bpm, RMSSD 25-60 ms at 12-15/min; LF and HF of a few hundred to
about a thousand ms²; LF power several times higher when breathing at 6/min than at 12/min.

References: see docs/simulator.md.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

STEP_S: Final = 0.1
"""Model step, seconds (10 Hz: twenty times the fastest breathing the model sees)."""
_NOISE_BLOCK: Final = 4096
"""Normal variates drawn per call to the generator (one draw per step is slow)."""

SET_RESONANCE_Q: Final = 4.0
"""Quality factor of a resonance set with ``resonance_rate_per_min`` (a drawn one has 2).

Chosen so that two-minute steps 0.5 breaths/min apart can be told apart, as the stepped
assessment presumes (docs/methods.md §6.5): over seeds 0-9 with the resonance at 5.0/min, the
heart-rate swing per breath at 5.0/min is 1.16× that at 5.5/min and 1.20× that at 4.5/min
(medians of the per-seed ratios; Q = 2: 1.04× both). docs/simulator.md has the table."""
RESONANCE_RATE_RANGE_PER_MIN: Final = (3.0, 12.0)
"""Accepted resonance rates: adults 4.5-6.5, children 6.5-9.5 breaths/min (docs/methods.md
§6.5), with room."""
PAIR_LAG_RANGE_S: Final = (2.0, 4.0)
"""Range from which person B's lag behind person A is drawn (uniform, per seed)."""
_PERSON_B_KEY: Final = 0xB
"""Spawn key of person B's seed sequence (A is the seed's own person)."""
_COUPLING_KEY: Final = 0xC0
"""Spawn key of the pair's own draws (the lag)."""

Breathing = Callable[[float], float]
"""Target lung volume 0..1 as a function of session time, seconds."""


class Heart(Protocol):
    """What a simulated strap needs from a heart: its rate now and its beats up to a time."""

    @property
    def hr_bpm(self) -> float:
        """The continuous heart rate at the model's current time."""
        ...

    def beats_until(self, t_s: float) -> list[float]:
        """The beat times up to ``t_s`` not returned before."""
        ...


@dataclass(frozen=True, slots=True)
class Person:
    """The simulated person's constants (drawn from the seed by :meth:`draw`)."""

    hr_rest_bpm: float = 65.0
    """Resting heart rate."""
    drift_sd_bpm: float = 2.0
    """SD of the slow drift of heart rate."""
    drift_tau_s: float = 90.0
    """Time constant of the slow drift."""
    resonance_hz: float = 0.095
    """Centre of the baroreflex resonance (0.1 Hz ≈ 6 breaths/min)."""
    resonance_q: float = 2.0
    """Quality factor of the resonance (centre / -3 dB bandwidth)."""
    baro_gain_bpm: float = 11.0
    """HR swing (peak to trough, bpm) per full breath (volume 0 → 1) at the resonance, via the loop."""
    vagal_gain_bpm: float = 5.0
    """HR swing (peak to trough, bpm) per full breath by direct respiratory gating."""
    vagal_tau_s: float = 0.5
    """Time constant of direct respiratory gating."""
    mayer_sd_bpm: float = 2.0
    """SD of the spontaneous Mayer waves (the resonator driven by noise alone)."""
    jitter_cv: float = 0.011
    """Beat-to-beat jitter of the IPFM threshold (fraction of one beat)."""
    breath_rate_per_min: float = 13.5
    """Spontaneous breathing rate."""
    breath_period_cv: float = 0.12
    """Breath-to-breath variability of the spontaneous period."""
    breath_depth: float = 0.8
    """Mean depth of a spontaneous breath (1 = a full paced breath)."""
    follow_lag_s: float = 0.6
    """Lag of the person behind the breathing guide."""
    follow_join_s: float = 15.0
    """Time constant with which the person joins the guide."""
    follow_compliance: float = 0.96
    """Share of the guide in the person's breathing once joined (0..1); the rest is their own rhythm."""
    follow_lag_sd_s: float = 0.25
    """Compliance noise: the lag behind the guide wanders by this much (SD, time constant 10 s)."""

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Person:
        """A plausible resting adult, different for each seed."""
        return cls(
            hr_rest_bpm=float(rng.uniform(60.0, 70.0)),
            drift_sd_bpm=float(rng.uniform(1.5, 2.5)),
            resonance_hz=float(rng.uniform(0.085, 0.105)),
            baro_gain_bpm=float(rng.uniform(9.0, 13.0)),
            vagal_gain_bpm=float(rng.uniform(4.0, 6.0)),
            mayer_sd_bpm=float(rng.uniform(1.6, 2.4)),
            jitter_cv=float(rng.uniform(0.008, 0.014)),
            breath_rate_per_min=float(rng.uniform(12.0, 15.0)),
            breath_depth=float(rng.uniform(0.7, 0.9)),
            follow_lag_s=float(rng.uniform(0.4, 0.9)),
            follow_join_s=float(rng.uniform(10.0, 20.0)),
            follow_compliance=float(rng.uniform(0.93, 0.99)),
        )

    def with_resonance(self, rate_per_min: float, q: float = SET_RESONANCE_Q) -> Person:
        """The same person with their resonance set to ``rate_per_min`` and quality factor ``q``.

        Args:
            rate_per_min: Resonance rate, breaths/min (3-12; adults 4.5-6.5, children 6.5-9.5).
            q: Quality factor; default :data:`SET_RESONANCE_Q` (sharper than a drawn person's 2).

        Raises:
            ValueError: A value is out of range.
        """
        lo, hi = RESONANCE_RATE_RANGE_PER_MIN
        if not (math.isfinite(rate_per_min) and lo <= rate_per_min <= hi):
            raise ValueError(
                f"resonance_rate_per_min must be {lo:g} to {hi:g} breaths/min, got {rate_per_min!r}"
            )
        if not (math.isfinite(q) and 0.5 <= q <= 20.0):
            raise ValueError(f"resonance_q must be 0.5 to 20, got {q!r}")
        return dataclasses.replace(self, resonance_hz=rate_per_min / 60.0, resonance_q=q)


class _Normals:
    """Standard normal variates from a generator, drawn in blocks (deterministic)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._rng.standard_normal(_NOISE_BLOCK).tolist()
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return v


def _ease(x: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(max(x, 0.0), 1.0))


class SpontaneousBreathing:
    """Unpaced breathing: each breath has its own period, inhale fraction and depth.

    Must be queried at non-decreasing times (the model steps forward).
    """

    def __init__(self, person: Person, rng: np.random.Generator, *, start_s: float = 0.0) -> None:
        self._p = person
        self._rng = rng
        self._t0 = start_s
        self._new_breath()

    def _new_breath(self) -> None:
        mean_s = 60.0 / self._p.breath_rate_per_min
        period = mean_s * (1.0 + self._p.breath_period_cv * float(self._rng.standard_normal()))
        self._period_s = min(max(period, 0.5 * mean_s), 2.0 * mean_s)
        self._inhale_frac = float(self._rng.uniform(0.36, 0.46))
        self._depth = self._p.breath_depth * float(self._rng.uniform(0.8, 1.2))

    def __call__(self, t_s: float) -> float:
        while t_s - self._t0 >= self._period_s:
            self._t0 += self._period_s
            self._new_breath()
        u = max(t_s - self._t0, 0.0) / self._period_s
        if u < self._inhale_frac:
            return self._depth * _ease(u / self._inhale_frac)
        return self._depth * (1.0 - _ease((u - self._inhale_frac) / (1.0 - self._inhale_frac)))


def _resonator(f0_hz: float, q: float, dt_s: float) -> tuple[tuple[float, ...], tuple[float, float], float]:
    """Exact zero-order-hold discretisation of ``x'' + (w0/Q) x' + w0² x = u``.

    Returns:
        ``(a11, a12, a21, a22)``, ``(b1, b2)`` and ``c`` with output ``y = c·x2``: the
        band-pass ``c·s/(s² + (w0/Q)s + w0²)``, unit gain and zero phase at ``f0``.
    """
    import numpy as np
    from scipy.linalg import expm

    w0 = 2.0 * math.pi * f0_hz
    a = np.array([[0.0, 1.0], [-w0 * w0, -w0 / q]])
    # expm of the augmented matrix gives both Ad and Bd (Van Loan).
    m = np.zeros((3, 3))
    m[:2, :2] = a * dt_s
    m[:2, 2] = [0.0, dt_s]
    e = expm(m)
    return (
        (float(e[0, 0]), float(e[0, 1]), float(e[1, 0]), float(e[1, 1])),
        (float(e[0, 2]), float(e[1, 2])),
        w0 / q,
    )


def _stationary_sd(ad: tuple[float, ...], bd: tuple[float, float], c: float) -> float:
    """SD of ``c·x2`` when the resonator is driven by unit white noise held over each step."""
    import numpy as np
    from scipy.linalg import solve_discrete_lyapunov

    a = np.array([[ad[0], ad[1]], [ad[2], ad[3]]])
    b = np.array([[bd[0]], [bd[1]]])
    p = solve_discrete_lyapunov(a, b @ b.T)
    return float(c * math.sqrt(p[1, 1]))


class _Follow:
    """What a following person (B) reads of the person they follow (A): A's lung volume and
    heart-rate fluctuation ``lag_steps`` model steps ago, and how strongly B follows."""

    def __init__(self, coupling: float, lag_steps: int, volume: float, hr_dev_bpm: float) -> None:
        self.coupling = coupling
        self._history: deque[tuple[float, float]] = deque(
            [(volume, hr_dev_bpm)] * (lag_steps + 1), maxlen=lag_steps + 1
        )

    def push(self, volume: float, hr_dev_bpm: float) -> None:
        """Record A's values at A's newest step (call once per step, before B steps)."""
        self._history.append((volume, hr_dev_bpm))

    @property
    def lagged(self) -> tuple[float, float]:
        """A's ``(lung volume, HR fluctuation in bpm)`` ``lag_steps`` steps before A's newest step."""
        return self._history[0]


class HeartModel:
    """Heart rate and beat times of one simulated person, stepped causally.

    Args:
        seed: Seed for ``numpy.random.default_rng``; None: a fresh random person.
        breathing: The breathing guide, lung volume 0..1 at a session time (e.g.
            ``Pacer.volume_at``); None: spontaneous breathing only.
        start_s: Session time at which the simulation starts.
        person: The person's constants; default: drawn from the seed.
        resonance_rate_per_min: Set the person's resonance rate (breaths/min), with the
            sharper :data:`SET_RESONANCE_Q` unless ``resonance_q`` is given; None: as drawn.
        resonance_q: Set the resonance's quality factor; None: as drawn (2), or
            :data:`SET_RESONANCE_Q` when ``resonance_rate_per_min`` is given.

    Raises:
        ValueError: A resonance override is out of range.
    """

    def __init__(
        self,
        seed: int | np.random.SeedSequence | None = None,
        *,
        breathing: Breathing | None = None,
        start_s: float = 0.0,
        person: Person | None = None,
        resonance_rate_per_min: float | None = None,
        resonance_q: float | None = None,
        _follow: _Follow | None = None,
    ) -> None:
        import numpy as np

        root = np.random.default_rng(seed)
        person_rng, heart_rng, breath_rng, follow_rng = root.spawn(4)
        drawn = person if person is not None else Person.draw(person_rng)
        if resonance_rate_per_min is not None or resonance_q is not None:
            drawn = drawn.with_resonance(
                resonance_rate_per_min if resonance_rate_per_min is not None else 60.0 * drawn.resonance_hz,
                resonance_q if resonance_q is not None else SET_RESONANCE_Q,
            )
        self.person = drawn
        self._follow = _follow
        p = self.person
        self._breathing = breathing
        self._spontaneous = SpontaneousBreathing(p, breath_rng, start_s=start_s)
        self._pulse = float(heart_rng.uniform(0.0, 1.0))
        """IPFM integral since the last beat (a random start: the first beat comes at a random moment)."""
        self._noise = _Normals(heart_rng)
        self._follow_noise = _Normals(follow_rng)
        self._ad, self._bd, self._c = _resonator(p.resonance_hz, p.resonance_q, STEP_S)
        self._mayer_scale = p.mayer_sd_bpm / _stationary_sd(self._ad, self._bd, self._c)
        self._drift_a = math.exp(-STEP_S / p.drift_tau_s)
        self._drift_b = p.drift_sd_bpm * math.sqrt(1.0 - self._drift_a**2)
        self._vagal_a = math.exp(-STEP_S / p.vagal_tau_s)
        self._join_a = math.exp(-STEP_S / p.follow_join_s)
        self._depth_a = math.exp(-STEP_S / 20.0)
        self._lag_a = math.exp(-STEP_S / 10.0)
        self.t_s = start_s
        self._t_start = start_s
        # State.
        self._x1 = 0.0
        self._x2 = 0.0
        self._vagal = 0.0
        self._drift = p.drift_sd_bpm * self._noise()
        self._join = 0.0
        self._depth_dev = 0.0
        self._lag_dev = 0.0
        self.volume = self._volume_followed(start_s)
        """The person's lung volume at ``t_s`` (0..1)."""
        self._hr = self._rate_now()
        self._threshold = self._next_threshold()

    def _next_threshold(self) -> float:
        return 1.0 + self.person.jitter_cv * self._noise()

    def _volume(self, t_s: float) -> float:
        spont = self._spontaneous(t_s)
        if self._breathing is None:
            return spont
        p = self.person
        self._lag_dev = self._lag_a * self._lag_dev + p.follow_lag_sd_s * math.sqrt(1 - self._lag_a**2) * (
            self._follow_noise()
        )
        lag_s = max(p.follow_lag_s + self._lag_dev, 0.1)
        guide = min(max(self._breathing(max(t_s - lag_s, self._t_start)), 0.0), 1.0)
        # Joining gradually: the share of the guide grows towards the compliance.
        self._join = self._join_a * self._join + (1.0 - self._join_a) * p.follow_compliance
        # Depth of the guided breaths wanders slowly around 0.9 of the guide (SD 0.06).
        self._depth_dev = self._depth_a * self._depth_dev + 0.06 * math.sqrt(1 - self._depth_a**2) * (
            self._follow_noise()
        )
        w = self._join
        return (1.0 - w) * spont + w * (0.9 + self._depth_dev) * guide

    def _volume_followed(self, t_s: float) -> float:
        """The person's lung volume; a following person mixes in the lagged leader's."""
        own = self._volume(t_s)
        f = self._follow
        if f is None:
            return own
        return (1.0 - f.coupling) * own + f.coupling * f.lagged[0]

    @property
    def hr_dev_bpm(self) -> float:
        """The person's own heart-rate fluctuation now: drift + vagal gating + baroreflex, bpm."""
        return self._drift + self._vagal + self._c * self._x2

    def _rate_now(self) -> float:
        p = self.person
        f = self._follow
        if f is None:
            return p.hr_rest_bpm + self._drift + self._vagal + self._c * self._x2
        return p.hr_rest_bpm + (1.0 - f.coupling) * self.hr_dev_bpm + f.coupling * f.lagged[1]

    def _step(self) -> None:
        """Advance all states by one step."""
        p = self.person
        t = self.t_s + STEP_S
        v = self._volume_followed(t)
        self.volume = v
        drive = v - 0.5
        # Baroreflex resonator: breathing (gain set so a full breath at f0 swings
        # baro_gain_bpm peak to trough) plus vasomotor noise (Mayer waves).
        u = p.baro_gain_bpm * drive + self._mayer_scale * self._noise()
        x1, x2 = self._x1, self._x2
        a, b = self._ad, self._bd
        self._x1 = a[0] * x1 + a[1] * x2 + b[0] * u
        self._x2 = a[2] * x1 + a[3] * x2 + b[1] * u
        self._vagal = self._vagal_a * self._vagal + (1.0 - self._vagal_a) * p.vagal_gain_bpm * drive
        self._drift = self._drift_a * self._drift + self._drift_b * self._noise()
        self.t_s = t
        self._hr = min(max(self._rate_now(), 35.0), 180.0)

    @property
    def hr_bpm(self) -> float:
        """The continuous heart rate at ``t_s``."""
        return self._hr

    def beats_until(self, t_s: float) -> list[float]:
        """Step the model up to ``t_s`` and return the beat times that fell in between.

        Beats are where the IPFM integral ∫HR/60 dt reaches the threshold; within a
        step the integral is taken as linear (HR changes by well under 0.1 bpm per step).
        """
        out: list[float] = []
        while self.t_s + STEP_S <= t_s + 1e-12:
            self._advance(out)
        return out

    def _advance(self, out: list[float]) -> None:
        """One model step; the beats that fell in it are appended to ``out``."""
        t0 = self.t_s
        hr0 = self._hr
        self._step()
        inc = 0.5 * (hr0 + self._hr) / 60.0 * STEP_S
        pulse = self._pulse + inc
        while pulse >= self._threshold:
            pulse -= self._threshold
            # Fraction of the step at which the threshold was crossed.
            frac = 1.0 - pulse / inc
            out.append(t0 + frac * STEP_S)
            self._threshold = self._next_threshold()
        self._pulse = pulse


def simulate_rr(
    duration_s: float,
    *,
    seed: int | None = None,
    breathing: Breathing | None = None,
    person: Person | None = None,
    resonance_rate_per_min: float | None = None,
    resonance_q: float | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Beats of a simulated person at rest, without strap, payloads or artifacts.

    Args:
        duration_s: Session seconds to simulate (> 0).
        seed: Seed; the same seed gives the same beats.
        breathing: Breathing guide (lung volume 0..1 at a session time), or None for
            spontaneous breathing at 12-15/min.
        person: Override the person drawn from the seed.
        resonance_rate_per_min: Set the resonance rate, breaths/min (see :class:`HeartModel`).
        resonance_q: Set the resonance's quality factor (see :class:`HeartModel`).

    Returns:
        ``(t_s, rr_ms)``: the time of each beat (end of its interval) and its RR interval
        in ms, exact floats (not quantised to 1/1024 s; the strap path does that).

    Raises:
        ValueError: ``duration_s`` is not a positive finite number.
    """
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be a positive number of seconds, got {duration_s!r}")
    model = HeartModel(
        seed,
        breathing=breathing,
        person=person,
        resonance_rate_per_min=resonance_rate_per_min,
        resonance_q=resonance_q,
    )
    return _as_rr(model.beats_until(duration_s))


def _as_rr(beats: list[float]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    import numpy as np

    t = np.asarray(beats, dtype=np.float64)
    # The first beat has no predecessor: drop it, as a strap does.
    return t[1:], np.diff(t) * 1000.0


_T = TypeVar("_T")
PerPerson = tuple[Breathing | None, Breathing | None]
"""Person A's and person B's breathing guides (None: spontaneous breathing)."""


def _per_person(value: _T | tuple[_T, _T], name: str) -> tuple[_T, _T]:
    """``(A's, B's)``: a pair as given, or one value for both."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{name} must be one value for both people or a pair (A, B), got {value!r}")
        return value[0], value[1]
    return value, value


def _check_coupling(coupling: float, lag_s: float | None) -> None:
    if not (isinstance(coupling, (int, float)) and math.isfinite(coupling) and 0.0 <= coupling <= 1.0):
        raise ValueError(f"coupling must be 0 to 1, got {coupling!r}")
    if lag_s is not None and not (math.isfinite(lag_s) and STEP_S <= lag_s <= 10.0):
        raise ValueError(f"lag_s must be {STEP_S:g} to 10 seconds or None, got {lag_s!r}")


class PairModel:
    """Two simulated people stepped together at 10 Hz; person B may follow person A.

    Person A is exactly the single person of the same seed (``HeartModel(seed)``: same
    constants, same beats, whatever B does: A never reads B). Person B is drawn from a
    child seed sequence of the seed (spawn key 0xB), so B is another plausible person.

    Coupling (c = ``coupling``, d = ``lag_s``), applied at every model step:

    * breathing: B's lung volume is ``(1 - c)·v_B + c·v_A(t - d)``, where ``v_B`` is what
      B would breathe alone (spontaneously, or following B's guide) and ``v_A(t - d)`` is
      A's lung volume d seconds earlier: B breathes with A;
    * heart: B's heart rate is ``rest_B + (1 - c)·f_B + c·f_A(t - d)``, where ``f`` is a
      person's own heart-rate fluctuation (slow drift + respiratory gating + baroreflex,
      bpm around their resting rate): B's heart rhythm follows A's.

    So with c = 0.8, B's heart-rate fluctuation is mostly A's, d seconds later (positive
    lag: B follows A, the sign convention of :mod:`vagal.hrv.synchrony`); with c = 0 the two
    are independent. d is drawn per seed from :data:`PAIR_LAG_RANGE_S` (2-4 s) and
    rounded to the 0.1 s model step.

    Args:
        seed: Seed (a whole number, a SeedSequence, or None for a new pair each time).
        breathing: One guide for both (lung volume 0..1 at a session time, e.g.
            ``Pacer.volume_at``), a pair ``(guide_A, guide_B)`` (each may be None), or None
            (both breathe spontaneously).
        coupling: How strongly B follows A, 0..1.
        lag_s: B's lag behind A, seconds (0.1-10); None: drawn from the seed.
        resonance_rate_per_min: One resonance rate for both, a pair, or None (as drawn);
            see :class:`HeartModel`.
        start_s: Session time at which both start.

    Raises:
        ValueError: A parameter is out of range.
    """

    def __init__(
        self,
        seed: int | np.random.SeedSequence | None = None,
        *,
        breathing: Breathing | PerPerson | None = None,
        coupling: float = 0.0,
        lag_s: float | None = None,
        resonance_rate_per_min: float | tuple[float | None, float | None] | None = None,
        start_s: float = 0.0,
    ) -> None:
        import numpy as np

        _check_coupling(coupling, lag_s)
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.seed_sequences = (
            seq,
            np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, _PERSON_B_KEY)),
        )
        """Person A's and person B's seed sequences (their straps derive their artifacts from them)."""
        pair_rng = np.random.default_rng(
            np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, _COUPLING_KEY))
        )
        drawn_lag = float(pair_rng.uniform(*PAIR_LAG_RANGE_S))
        lag_steps = max(1, round((lag_s if lag_s is not None else drawn_lag) / STEP_S))
        self.coupling = float(coupling)
        """How strongly B follows A (0..1)."""
        self.lag_s = round(lag_steps * STEP_S, 6)
        """B's lag behind A, seconds (a whole number of 0.1 s steps)."""
        br_a, br_b = _per_person(breathing, "breathing")
        rf_a, rf_b = _per_person(resonance_rate_per_min, "resonance_rate_per_min")
        self.a = HeartModel(
            self.seed_sequences[0],
            breathing=br_a,
            start_s=start_s,
            resonance_rate_per_min=rf_a,
        )
        """Person A (leads)."""
        self._follow = _Follow(self.coupling, lag_steps, self.a.volume, self.a.hr_dev_bpm)
        self.b = HeartModel(
            self.seed_sequences[1],
            breathing=br_b,
            start_s=start_s,
            resonance_rate_per_min=rf_b,
            _follow=self._follow,
        )
        """Person B (follows A by ``coupling``)."""
        self._queues: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
        """Each person's beats not yet returned, with the model time at the end of their step."""

    @property
    def t_s(self) -> float:
        """Session time both models have reached."""
        return self.a.t_s

    def _advance_to(self, t_s: float) -> None:
        qa, qb = self._queues
        beats: list[float] = []
        while self.a.t_s + STEP_S <= t_s + 1e-12:
            self.a._advance(beats)
            qa.extend((b, self.a.t_s) for b in beats)
            beats.clear()
            self._follow.push(self.a.volume, self.a.hr_dev_bpm)
            self.b._advance(beats)
            qb.extend((b, self.b.t_s) for b in beats)
            beats.clear()

    def beats_until(self, person: int, t_s: float) -> list[float]:
        """Step both people up to ``t_s``; return person ``person``'s beats (0: A, 1: B) up
        to ``t_s`` that were not returned before (the other person's are kept for them).

        Exactly the beats a single :class:`HeartModel` would return for the same calls: those
        of the model steps that end by ``t_s``, even when the other person's strap has
        already stepped the pair further."""
        if person not in (0, 1):
            raise ValueError(f"person must be 0 (A) or 1 (B), got {person!r}")
        self._advance_to(t_s)
        queue = self._queues[person]
        n = 0
        while n < len(queue) and queue[n][1] <= t_s + 1e-12:
            n += 1
        out = [b for b, _ in queue[:n]]
        del queue[:n]
        return out

    def heart(self, person: int, *, start_s: float | None = None) -> PairedHeart:
        """One person's heart as a :class:`Heart` (what a simulated strap takes).

        Args:
            person: 0 (A) or 1 (B).
            start_s: Beats before this time are never returned (a strap that starts later
                does not see them); None: from the pair's start.
        """
        if person not in (0, 1):
            raise ValueError(f"person must be 0 (A) or 1 (B), got {person!r}")
        return PairedHeart(self, person, start_s)


class PairedHeart:
    """One person of a :class:`PairModel`, seen as a single :class:`Heart`."""

    def __init__(self, pair: PairModel, person: int, start_s: float | None) -> None:
        self._pair = pair
        self.person_index = person
        """0 (A) or 1 (B)."""
        self._model = pair.a if person == 0 else pair.b
        self._start_s = start_s

    @property
    def person(self) -> Person:
        """The person's constants."""
        return self._model.person

    @property
    def hr_bpm(self) -> float:
        """The continuous heart rate at the pair's current time."""
        return self._model.hr_bpm

    def beats_until(self, t_s: float) -> list[float]:
        """This person's beats up to ``t_s`` not returned before."""
        beats = self._pair.beats_until(self.person_index, t_s)
        if self._start_s is not None:
            beats = [b for b in beats if b >= self._start_s]
        return beats


@dataclass(frozen=True, slots=True)
class PairBeats:
    """Both people's beats from :func:`simulate_pair_rr` and the truth of their coupling."""

    a: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
    """Person A's ``(t_s, rr_ms)``."""
    b: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
    """Person B's ``(t_s, rr_ms)``."""
    coupling: float
    """How strongly B follows A (0..1)."""
    lag_s: float
    """B's lag behind A, seconds (positive: B follows A)."""
    people: tuple[Person, Person]
    """A's and B's constants."""


def simulate_pair_rr(
    duration_s: float,
    *,
    seed: int | None = None,
    breathing: Breathing | PerPerson | None = None,
    coupling: float = 0.0,
    lag_s: float | None = None,
    resonance_rate_per_min: float | tuple[float | None, float | None] | None = None,
) -> PairBeats:
    """Beats of two simulated people at rest (no strap, no artifacts); see :class:`PairModel`.

    Args:
        duration_s: Session seconds to simulate (> 0).
        seed: Seed; the same seed gives the same pair and beats. Person A's beats are
            exactly ``simulate_rr(duration_s, seed=seed, breathing=guide_A)``'s.
        breathing: One guide for both, a pair ``(guide_A, guide_B)``, or None.
        coupling: How strongly B follows A, 0..1.
        lag_s: B's lag behind A, seconds; None: drawn from the seed (2-4 s).
        resonance_rate_per_min: One resonance rate for both, a pair, or None (as drawn).

    Returns:
        :class:`PairBeats`: each person's ``(t_s, rr_ms)`` (exact floats, the first beat
        dropped as a strap does) and the coupling's truth.

    Raises:
        ValueError: ``duration_s`` is not a positive number, or a parameter is out of range.
    """
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be a positive number of seconds, got {duration_s!r}")
    pair = PairModel(
        seed,
        breathing=breathing,
        coupling=coupling,
        lag_s=lag_s,
        resonance_rate_per_min=resonance_rate_per_min,
    )
    a = pair.beats_until(0, duration_s)
    b = pair.beats_until(1, duration_s)
    return PairBeats(_as_rr(a), _as_rr(b), pair.coupling, pair.lag_s, (pair.a.person, pair.b.person))
