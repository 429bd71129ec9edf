"""The breathing pacer: a pure model of breathing patterns (no clock, no I/O).

Design decision: the pacer is a *cycle phase* ``φ(t)`` (in breaths, a float) integrated
from an instantaneous rate, plus a fixed map from the fraction ``φ mod 1`` to the phase
name and the target lung volume. A ramp or a pattern change only ever changes the
*rate* from some moment on; ``φ`` itself never jumps. A change of pattern requested
mid-breath lets the current breath finish at the old timing and takes effect at the
next cycle boundary (``φ`` an integer, lungs empty), where every pattern agrees on the
volume (0), so the volume curve stays continuous too. From there the rate goes
linearly from the rate in effect to the new target over ``ramp_s``: nobody is forced
into a sudden rhythm.

The history is a list of segments, each starting at a cycle boundary with a linear
rate ramp; ``state_at(t)`` bisects it (O(log n) in the number of changes) and
evaluates closed forms (``φ`` is quadratic during a ramp, linear after it, and its
inverse is a root of a quadratic), so the UI can call it 30 times per second and the
engine at each spectral recompute. Any ``t ≥ start_s`` may be queried, in any order.

The volume is a cosine ease: 0 → 1 during the inhale, 1 during a hold after the
inhale, 1 → 0 during the exhale, 0 during a hold after the exhale (zero slope at each
phase change, so the guide never snaps).

Safety envelope: no holds unless a pattern with holds is chosen (a bare rate
gives inhale:exhale 2:3 and no holds), every slow-breathing preset has a cycle of at
least 8 s, rates outside 2-30 breaths/min are rejected, and a ramp from the person's
own rate (``ramp_from_per_min``) is offered at the start.

References: docs/methods.md §6.4-6.5 (resonance breathing, 6/min, exhalation a little longer
than inhalation: Lehrer, Vaschillo & Vaschillo 2000; Lehrer & Gevirtz 2014; Shaffer &
Meehan 2020). Coherent breathing at 5.5/min with equal halves: Elliott & Edmonson 2005,
*The New Science of Breath*. Box breathing 4-4-4-4 and 4-7-8 (Weil): common practice.
Physiological (cyclic) sigh, a double inhale then a long exhale: Balban et al. 2023,
Cell Rep Med 4:100895.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Protocol

from vagal.errors import VagalError
from vagal.events import BreathPhase, PacerChanged

MIN_RATE_PER_MIN: Final = 2.0
"""Slowest pace accepted (a 30 s breath)."""
MAX_RATE_PER_MIN: Final = 30.0
"""Fastest pace accepted (a 2 s breath)."""
DEFAULT_RAMP_S: Final = 120.0
"""Ramp from the person's own rate to the target at the start: 2 min, as gentle as the
stepped resonance protocol's 2-min epochs (docs/methods.md §6.5)."""
DEFAULT_CHANGE_RAMP_S: Final = 30.0
"""Ramp of the rate after a pattern change mid-session (3-5 breaths at slow rates)."""
SAFE_MIN_CYCLE_S: Final = 8.0
"""Every slow-breathing preset keeps a cycle at least this long."""
_MIN_RAMP_S: Final = 1e-3
"""A shorter ramp is no ramp (and would only invite overflow in the closed forms)."""
_DOUBLE_INHALE_SPLIT: Final = 0.7
"""A double inhale spends 70 % of the inhale on the first, deep pull ..."""
_DOUBLE_INHALE_FIRST_VOLUME: Final = 0.75
"""... which fills the lungs to 75 %; the short top-up pull fills the rest."""


class PaceError(VagalError, ValueError):
    """A breathing pattern or pace could not be used (bad spec, rate out of range…)."""


@dataclass(frozen=True, slots=True)
class BreathPattern:
    """One breath: inhale, optional hold, exhale, optional hold (seconds at the target rate)."""

    inhale_s: float
    """Inhale duration, seconds."""
    exhale_s: float
    """Exhale duration, seconds."""
    hold_in_s: float = 0.0
    """Hold after the inhale (lungs full), seconds."""
    hold_out_s: float = 0.0
    """Hold after the exhale (lungs empty), seconds."""
    name: str = "custom"
    """Preset name ("resonance", "box", …) or "custom"."""
    double_inhale: bool = False
    """The inhale is two pulls, a deep one then a short top-up (physiological sigh)."""

    def __post_init__(self) -> None:
        for label, value, minimum in (
            ("inhale_s", self.inhale_s, "> 0"),
            ("exhale_s", self.exhale_s, "> 0"),
            ("hold_in_s", self.hold_in_s, ">= 0"),
            ("hold_out_s", self.hold_out_s, ">= 0"),
        ):
            ok = math.isfinite(value) and (value > 0 if minimum == "> 0" else value >= 0)
            if not ok:
                raise PaceError(f"{label} must be a finite number of seconds {minimum}, got {value!r}")
        rate = self.rate_per_min
        if not MIN_RATE_PER_MIN <= rate <= MAX_RATE_PER_MIN:
            raise PaceError(
                f"breathing pattern {self.inhale_s:g}:{self.exhale_s:g}:"
                f"{self.hold_in_s:g}:{self.hold_out_s:g} s "
                f"gives {rate:.2f} breaths/min; allowed: {MIN_RATE_PER_MIN:g} to {MAX_RATE_PER_MIN:g}"
            )

    @property
    def cycle_s(self) -> float:
        """Duration of one breath, seconds."""
        return self.inhale_s + self.hold_in_s + self.exhale_s + self.hold_out_s

    @property
    def rate_per_min(self) -> float:
        """Breaths per minute."""
        return 60.0 / self.cycle_s

    @property
    def has_holds(self) -> bool:
        """True when the pattern holds the breath at all."""
        return self.hold_in_s > 0 or self.hold_out_s > 0

    def to_event(self, t_s: float) -> PacerChanged:
        """The event that records this pattern being chosen at ``t_s``."""
        return PacerChanged(
            t_s=t_s,
            preset=self.name,
            inhale_s=self.inhale_s,
            hold_in_s=self.hold_in_s,
            exhale_s=self.exhale_s,
            hold_out_s=self.hold_out_s,
        )

    @classmethod
    def from_event(cls, event: PacerChanged) -> BreathPattern:
        """Rebuild the pattern a recorded ``PacerChanged`` describes (presets keep their shape)."""
        preset = PRESETS.get(event.preset)
        if preset is not None and (
            preset.inhale_s,
            preset.hold_in_s,
            preset.exhale_s,
            preset.hold_out_s,
        ) == (event.inhale_s, event.hold_in_s, event.exhale_s, event.hold_out_s):
            return preset
        return cls(event.inhale_s, event.exhale_s, event.hold_in_s, event.hold_out_s, name=event.preset)

    def describe(self) -> str:
        """Plain words for the status line: "resonance · 6.0/min · in 4 s, out 6 s"."""
        parts = [f"in {_secs(self.inhale_s)}"]
        if self.hold_in_s:
            parts.append(f"hold {_secs(self.hold_in_s)}")
        parts.append(f"out {_secs(self.exhale_s)}")
        if self.hold_out_s:
            parts.append(f"hold {_secs(self.hold_out_s)}")
        return f"{self.name} · {self.rate_per_min:.1f}/min · {', '.join(parts)}"


def _secs(x: float) -> str:
    """Seconds for people: "4 s", "5.5 s" (never "5.45455 s")."""
    return f"{x:.1f}".rstrip("0").rstrip(".") + " s"


def _rate_pattern(rate_per_min: float, name: str = "custom") -> BreathPattern:
    """A pattern at ``rate_per_min`` with inhale:exhale 2:3 and no holds."""
    cycle_s = 60.0 / rate_per_min
    return BreathPattern(inhale_s=0.4 * cycle_s, exhale_s=0.6 * cycle_s, name=name)


PRESETS: Final[dict[str, BreathPattern]] = {
    "resonance": BreathPattern(4.0, 6.0, name="resonance"),
    "coherent": BreathPattern(60.0 / 11.0, 60.0 / 11.0, name="coherent"),
    "calm": BreathPattern(3.5, 5.0, name="calm"),
    "box": BreathPattern(4.0, 4.0, 4.0, 4.0, name="box"),
    "4-7-8": BreathPattern(4.0, 8.0, 7.0, 0.0, name="4-7-8"),
    "sigh": BreathPattern(4.0, 8.0, name="sigh", double_inhale=True),
}
"""The presets. resonance: 6/min, 4 s in, 6 s out (the default). coherent: 5.5/min, equal
halves. calm: about 7/min, 3.5 s in, 5 s out, a gentler start for people who find 6/min
hard. box: 4-4-4-4 with holds. 4-7-8: in 4, hold 7, out 8. sigh: a double inhale (deep
pull, short top-up) in 4 s, then a long 8 s exhale (5/min)."""
DEFAULT_PRESET: Final = "resonance"


def parse_pace(spec: str) -> BreathPattern:
    """Parse a ``--pace`` value.

    Args:
        spec: A rate in breaths/min ("6", "5.5": inhale:exhale 2:3, no holds), a preset
            name (see :data:`PRESETS`), or ``IN:OUT[:HOLD_IN[:HOLD_OUT]]`` in seconds.

    Returns:
        The pattern.

    Raises:
        PaceError: (a ``ValueError``) the spec is none of these, or its rate is outside
            2-30 breaths/min. The message lists the options and what was got.
    """
    text = spec.strip().lower()
    options = (
        f"a rate in breaths/min ({MIN_RATE_PER_MIN:g}-{MAX_RATE_PER_MIN:g}, e.g. 6 or 5.5), "
        f"a preset ({', '.join(PRESETS)}) or IN:OUT[:HOLD_IN[:HOLD_OUT]] in seconds (e.g. 4:6)"
    )
    if text in PRESETS:
        return PRESETS[text]
    if ":" in text:
        fields = text.split(":")
        try:
            values = [float(v) for v in fields]
        except ValueError:
            values = []
        if not 2 <= len(fields) <= 4 or len(values) != len(fields):
            raise PaceError(f"pace must be {options}; got {spec!r}")
        inhale_s, exhale_s, *holds = values
        hold_in_s = holds[0] if holds else 0.0
        hold_out_s = holds[1] if len(holds) > 1 else 0.0
        try:
            return BreathPattern(inhale_s, exhale_s, hold_in_s, hold_out_s)
        except PaceError as exc:
            raise PaceError(f"pace {spec!r}: {exc}") from None
    try:
        rate = float(text.removesuffix("/min"))
    except ValueError:
        raise PaceError(f"pace must be {options}; got {spec!r}") from None
    if not (math.isfinite(rate) and MIN_RATE_PER_MIN <= rate <= MAX_RATE_PER_MIN):
        raise PaceError(
            f"pace rate must be {MIN_RATE_PER_MIN:g} to {MAX_RATE_PER_MIN:g} breaths/min; got {spec!r}"
        )
    return _rate_pattern(rate)


@dataclass(frozen=True, slots=True)
class PacerState:
    """Where the guide is at one moment."""

    t_s: float
    """Session time, seconds."""
    phase: BreathPhase
    """One of "inhale", "hold_in", "exhale", "hold_out"."""
    phase_elapsed_s: float
    """Seconds since this phase began."""
    phase_remaining_s: float
    """Seconds until this phase ends (at the current, possibly ramping, rate)."""
    volume: float
    """Target lung volume, 0 (empty) to 1 (full); smooth."""
    cycle: int
    """Number of whole breaths completed since the pacer started."""
    rate_per_min: float
    """Instantaneous pace, breaths per minute (differs from the pattern's during a ramp)."""
    pattern: BreathPattern
    """The pattern in effect."""


@dataclass(frozen=True, slots=True)
class _Segment:
    """A stretch of constant pattern, starting at a cycle boundary with a linear rate ramp."""

    t0_s: float
    phi0: float
    """Cycle phase at ``t0_s`` (an integer: segments start with empty lungs)."""
    r0_per_min: float
    r1_per_min: float
    ramp_s: float
    pattern: BreathPattern
    bounds: tuple[float, float, float, float] = field(init=False)
    """Cumulative cycle fractions at the end of inhale, hold_in, exhale, hold_out."""
    ramp_cycles: float = field(init=False)
    """Cycles breathed during the ramp."""

    def __post_init__(self) -> None:
        if self.ramp_s < _MIN_RAMP_S or self.r0_per_min == self.r1_per_min:
            object.__setattr__(self, "ramp_s", 0.0)
            object.__setattr__(self, "r0_per_min", self.r1_per_min)
        p = self.pattern
        c = p.cycle_s
        b1 = p.inhale_s / c
        b2 = b1 + p.hold_in_s / c
        b3 = b2 + p.exhale_s / c
        object.__setattr__(self, "bounds", (b1, b2, b3, 1.0))
        object.__setattr__(self, "ramp_cycles", self.ramp_s * (self.r0_per_min + self.r1_per_min) / 120.0)

    def rate_at(self, t_s: float) -> float:
        tau = t_s - self.t0_s
        if tau >= self.ramp_s:
            return self.r1_per_min
        return self.r0_per_min + (self.r1_per_min - self.r0_per_min) * tau / self.ramp_s

    def phi_at(self, t_s: float) -> float:
        tau = t_s - self.t0_s
        if tau < self.ramp_s:
            slope = (self.r1_per_min - self.r0_per_min) / self.ramp_s
            return self.phi0 + (self.r0_per_min * tau + 0.5 * slope * tau * tau) / 60.0
        return self.phi0 + self.ramp_cycles + self.r1_per_min * (tau - self.ramp_s) / 60.0

    def t_at(self, phi: float) -> float:
        """Inverse of ``phi_at`` (``phi ≥ phi0``)."""
        d = phi - self.phi0
        if d < self.ramp_cycles:
            delta = 60.0 * d  # breaths·s/min
            a = (self.r1_per_min - self.r0_per_min) / (2.0 * self.ramp_s)
            # a·τ² + r0·τ − delta = 0, the root in a stable form (rate stays > 0).
            disc = max(self.r0_per_min * self.r0_per_min + 4.0 * a * delta, 0.0)
            return self.t0_s + 2.0 * delta / (self.r0_per_min + math.sqrt(disc))
        return self.t0_s + self.ramp_s + 60.0 * (d - self.ramp_cycles) / self.r1_per_min


def _ease(x: float) -> float:
    """Cosine ease 0 → 1 on x in [0, 1], zero slope at both ends."""
    return 0.5 - 0.5 * math.cos(math.pi * min(max(x, 0.0), 1.0))


def _inhale_volume(x: float, double: bool) -> float:
    if not double:
        return _ease(x)
    if x < _DOUBLE_INHALE_SPLIT:
        return _DOUBLE_INHALE_FIRST_VOLUME * _ease(x / _DOUBLE_INHALE_SPLIT)
    rest = (x - _DOUBLE_INHALE_SPLIT) / (1.0 - _DOUBLE_INHALE_SPLIT)
    return _DOUBLE_INHALE_FIRST_VOLUME + (1.0 - _DOUBLE_INHALE_FIRST_VOLUME) * _ease(rest)


_PHASES: Final[tuple[BreathPhase, ...]] = ("inhale", "hold_in", "exhale", "hold_out")


def _check_rate(name: str, value: float) -> None:
    if not (math.isfinite(value) and MIN_RATE_PER_MIN <= value <= MAX_RATE_PER_MIN):
        raise PaceError(
            f"{name} must be {MIN_RATE_PER_MIN:g} to {MAX_RATE_PER_MIN:g} breaths/min, got {value!r}"
        )


def _check_ramp(value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise PaceError(f"ramp_s must be a finite number of seconds >= 0, got {value!r}")


class Pacer:
    """The breathing guide over time: phase and target lung volume at any moment.

    Args:
        pattern: The pattern to breathe (default: the "resonance" preset).
        start_s: Session time at which the first breath begins.
        ramp_from_per_min: The person's own breathing rate at the start (e.g. estimated
            from RSA); the pace goes gently from it to the pattern's rate over
            ``ramp_s``. None: start at the pattern's rate.
        ramp_s: Duration of that ramp, seconds.
        person: Whose own guide this is when each of two people has one (0: A, 1: B);
            every event it makes says so. None: the session's guide (one person's, or
            one shared by two).

    Raises:
        PaceError: ``ramp_from_per_min`` outside 2-30 breaths/min or a negative ramp.
    """

    def __init__(
        self,
        pattern: BreathPattern | None = None,
        *,
        start_s: float = 0.0,
        ramp_from_per_min: float | None = None,
        ramp_s: float = DEFAULT_RAMP_S,
        person: int | None = None,
    ) -> None:
        pattern = pattern if pattern is not None else PRESETS[DEFAULT_PRESET]
        _check_ramp(ramp_s)
        target = pattern.rate_per_min
        if ramp_from_per_min is None or ramp_s == 0:
            r0, ramp = target, 0.0
        else:
            _check_rate("ramp_from_per_min", ramp_from_per_min)
            r0, ramp = ramp_from_per_min, ramp_s
        self.start_s = start_s
        self._segments: list[_Segment] = [_Segment(start_s, 0.0, r0, target, ramp, pattern)]
        self._starts: list[float] = [start_s]
        self._last_request_s = start_s
        self.person = person
        """Whose own guide (0: A, 1: B), or None for the session's guide."""
        first = dataclasses.replace(pattern.to_event(start_s), person=person)
        if ramp:
            first = dataclasses.replace(first, ramp_from_per_min=r0, ramp_s=ramp)
        self._events: list[PacerChanged] = [first]

    @property
    def pattern(self) -> BreathPattern:
        """The pattern most recently chosen (it may take effect at the next breath)."""
        return self._segments[-1].pattern

    @property
    def last_change_s(self) -> float:
        """When the last change was asked for (``start_s`` before any): ``set_pattern`` needs
        ``t_s`` ≥ this."""
        return self._last_request_s

    @property
    def changes(self) -> int:
        """How many segments the history holds (1 + effective pattern changes)."""
        return len(self._segments)

    def start_event(self) -> PacerChanged:
        """The ``PacerChanged`` that records the initial pattern (at ``start_s``), with its gentle start."""
        return self._events[0]

    def has_event(self, event: PacerChanged) -> bool:
        """True when ``event`` is one this pacer made or followed (a replay need not apply it again)."""
        return event in self._events

    def _segment(self, t_s: float) -> _Segment:
        i = bisect.bisect_right(self._starts, t_s) - 1
        return self._segments[max(i, 0)]

    def phase_at(self, t_s: float) -> float:
        """Cycle phase in breaths since the start (continuous, increasing)."""
        t_s = max(t_s, self.start_s)
        return self._segment(t_s).phi_at(t_s)

    def rate_at(self, t_s: float) -> float:
        """Instantaneous pace at ``t_s``, breaths per minute."""
        t_s = max(t_s, self.start_s)
        return self._segment(t_s).rate_at(t_s)

    def volume_at(self, t_s: float) -> float:
        """Target lung volume 0..1 at ``t_s`` (cheap: what the breathing guide draws)."""
        t_s = max(t_s, self.start_s)
        seg = self._segment(t_s)
        phi = seg.phi_at(t_s)
        return self._volume(seg, phi - math.floor(phi))

    @staticmethod
    def _volume(seg: _Segment, u: float) -> float:
        b1, b2, b3, _ = seg.bounds
        if u < b1:
            return _inhale_volume(u / b1, seg.pattern.double_inhale)
        if u < b2:
            return 1.0
        if u < b3:
            return 1.0 - _ease((u - b2) / (b3 - b2))
        return 0.0

    def state_at(self, t_s: float) -> PacerState:
        """The full state at ``t_s`` (times before ``start_s`` give the state at the start)."""
        t_s = max(t_s, self.start_s)
        seg = self._segment(t_s)
        phi = seg.phi_at(t_s)
        cycle = math.floor(phi)
        u = phi - cycle
        lo = 0.0
        k = 0
        for k, hi in enumerate(seg.bounds):
            if u < hi or k == 3:
                break
            lo = hi
        hi = seg.bounds[k]
        # Zero-length holds are skipped by the comparisons above (lo == hi).
        t_begin = seg.t_at(max(cycle + lo, seg.phi0))
        t_end = seg.t_at(cycle + hi)
        return PacerState(
            t_s=t_s,
            phase=_PHASES[k],
            phase_elapsed_s=max(t_s - t_begin, 0.0),
            phase_remaining_s=max(t_end - t_s, 0.0),
            volume=self._volume(seg, u),
            cycle=cycle,
            rate_per_min=seg.rate_at(t_s),
            pattern=seg.pattern,
        )

    def next_breath_s(self, t_s: float) -> float:
        """When the first breath that begins at or after ``t_s`` begins (lungs empty), seconds.

        A time on a cycle boundary (within 1e-9 of a breath) is its own answer. Follows the
        changes already made; a later change could move breaths that have not started.
        """
        t_s = max(t_s, self.start_s)
        seg = self._segment(t_s)
        phi = seg.phi_at(t_s)
        # Segments begin on whole breaths, so the next boundary is always this segment's.
        return seg.t_at(float(math.ceil(phi - 1e-9)))

    def set_pattern(
        self, t_s: float, pattern: BreathPattern, *, ramp_s: float = DEFAULT_CHANGE_RAMP_S
    ) -> PacerChanged:
        """Change the pattern at ``t_s``, smoothly.

        The breath under way finishes at its old timing; the new pattern starts at the
        next cycle boundary (at once if ``t_s`` is on one), and its rate goes linearly
        from the rate in effect there to the new target over ``ramp_s``. The phase never
        jumps. A second change before the first took effect replaces it.

        Args:
            t_s: When the change was asked for (not earlier than the previous request).
            pattern: The new pattern.
            ramp_s: Seconds over which the rate moves to the new target (0: at once,
                still at a cycle boundary).

        Returns:
            The ``PacerChanged`` event to record (stamped ``t_s``).

        Raises:
            PaceError: ``t_s`` is before the previous change or the start, or ``ramp_s`` < 0.
        """
        _check_ramp(ramp_s)
        if not t_s >= self._last_request_s:
            raise PaceError(
                f"t_s must not be earlier than the previous pacer change ({self._last_request_s:g} s), "
                f"got {t_s!r}"
            )
        # Drop a change that was asked for but has not started yet.
        while len(self._segments) > 1 and self._segments[-1].t0_s > t_s:
            self._segments.pop()
            self._starts.pop()
        seg = self._segments[-1]
        phi = seg.phi_at(t_s)
        boundary = math.ceil(phi - 1e-12)
        t_b = t_s if boundary <= phi else max(seg.t_at(float(boundary)), t_s)
        r0 = seg.rate_at(t_b)
        new = _Segment(t_b, float(boundary), r0, pattern.rate_per_min, ramp_s, pattern)
        if t_b == seg.t0_s:
            self._segments[-1] = new
        else:
            self._segments.append(new)
            self._starts.append(t_b)
        self._last_request_s = t_s
        event = dataclasses.replace(pattern.to_event(t_s), ramp_s=ramp_s, person=self.person)
        self._events.append(event)
        return event


def pacer_from_events(events: Iterable[PacerChanged]) -> Pacer | None:
    """Rebuild the guide a recording breathed with, from its ``PacerChanged`` events.

    The first event starts the pacer (with its recorded gentle start); each later one is
    applied as the change it was, with its recorded ramp. The result knows the whole
    schedule, so it can be asked about any time (a replay that seeks).

    Returns:
        The pacer, or None when there are no events or one cannot be followed.
    """
    pacer: Pacer | None = None
    try:
        for ev in sorted(events, key=lambda e: e.t_s):
            pattern = BreathPattern.from_event(ev)
            if pacer is None:
                ramp_s = ev.ramp_s if ev.ramp_from_per_min is not None else 0.0
                pacer = Pacer(
                    pattern,
                    start_s=ev.t_s,
                    ramp_from_per_min=ev.ramp_from_per_min,
                    ramp_s=ramp_s,
                    person=ev.person,
                )
                pacer._events[0] = ev
            else:
                pacer.set_pattern(ev.t_s, pattern, ramp_s=ev.ramp_s)
                pacer._events[-1] = ev
    except (PaceError, ValueError):
        return None
    return pacer


# --- Two people: a shared guide, or one each ----------------------------------------------

CHILD_PACE_PER_MIN: Final = 7.5
"""A child's guide when no ``--pace`` is given (``--roles`` names a child): the middle of
children's resonance range, about 6.5-9.5 breaths/min against 4.5-6.5 in adults (Lehrer,
Vaschillo & Vaschillo 2000; Shaffer & Meehan 2020), so a child is not asked to breathe as
slowly as an adult."""


def child_pattern() -> BreathPattern:
    """The child's default pattern: :data:`CHILD_PACE_PER_MIN`, inhale:exhale 2:3, no holds."""
    return parse_pace(f"{CHILD_PACE_PER_MIN:g}")


def split_pair_pace(spec: str) -> tuple[str, str] | None:
    """``--pace 6,8`` as each person's own spec (A's, B's); None for one spec for both.

    Raises:
        PaceError: More than two specs, or an empty one.
    """
    if "," not in spec:
        return None
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 2 or not all(parts):
        raise PaceError(
            f"a pace for each of two people is two paces separated by a comma (e.g. 6,8); got {spec!r}"
        )
    return parts[0], parts[1]


def pacers_from_events(events: Iterable[PacerChanged]) -> tuple[Pacer | None, Pacer | None]:
    """Each person's guide in a two-person recording (A's, B's).

    A shared guide (events without ``person``) is one pacer for both (the same object);
    when each person had their own (``person`` 0 and 1), each gets theirs. A file that has
    both (a shared start, then own guides) gives each person the shared events followed by
    their own.

    Returns:
        ``(A's, B's)``; an entry is None when that person followed no guide.
    """
    evs = list(events)
    if all(e.person is None for e in evs):
        shared = pacer_from_events(evs)
        return shared, shared
    a = pacer_from_events(e for e in evs if e.person in (None, 0))
    b = pacer_from_events(e for e in evs if e.person in (None, 1))
    return a, b


# --- The stepped resonance-frequency assessment ------------------------------------------

ADULT_RATES_PER_MIN: Final = (6.5, 6.0, 5.5, 5.0, 4.5)
"""The adult protocol (Lehrer, Vaschillo & Vaschillo 2000): 0.5/min steps, fastest first, so
the breaths only lengthen and nobody starts at the hardest, slowest rate."""
CHILD_RATES_PER_MIN: Final = (9.5, 8.5, 7.5, 6.5)
"""The children's protocol over their usual range, 6.5-9.5/min (Shaffer & Meehan 2020), in
1/min steps: the same relative spacing as the adults' (1/min at 8/min is 12 %, 0.5/min at
5/min is 10 %; a resonance's width grows with its frequency), and four steps (about
11 minutes) instead of seven (about 19), which a child can sit through. The refine pass
(±0.5/min) then brings back the half steps."""
DEFAULT_STEP_S: Final = 120.0
"""Scored time per rate: 2 minutes, as in the published protocols (docs/methods.md §6.5)."""
DEFAULT_SETTLE_S: Final = 30.0
"""Unscored time at the start of each later step, from the change: the rate change's
20-s ramp, then at least one whole breath at the new rate (rounded up to a breath start),
so that the scored window holds only breaths at the step's own rate. A 0.5/min change is
small, and heart rate follows it within a breath or two (the baroreflex loop's ringing
decays with a time constant of Q/(π·f) ≈ 6-16 s at 0.1 Hz for Q = 2-5)."""
DEFAULT_FIRST_SETTLE_S: Final = 60.0
"""Unscored time at the start of the first step: the person first has to find the guide
(the simulator joins it with a time constant of 10-20 s; people take a few breaths)."""
DEFAULT_STEP_RAMP_S: Final = 20.0
"""Ramp between two steps' rates: about two breaths for a change of 0.5/min (under 1 s of
breath length over the ramp), gentler per breath than a mid-session change (30 s for any
change)."""
REFINE_FRACTION: Final = 0.5
"""The refine pass tries the best rate and half a step either side (±0.25/min for adults)."""
ASSESSMENT_PRESET: Final = "assessment"
"""The name of the patterns the assessment breathes (what its ``PacerChanged`` events say)."""


def pattern_at_rate(base: BreathPattern, rate_per_min: float) -> BreathPattern:
    """``base`` stretched to ``rate_per_min``: every phase keeps its share of the breath.

    The resonance preset (4 s in, 6 s out) at 5/min becomes 4.8 s in, 7.2 s out; a pattern
    with holds keeps its holds in proportion, a double inhale stays one.

    Raises:
        PaceError: ``rate_per_min`` outside 2-30 breaths/min.
    """
    _check_rate("rate_per_min", rate_per_min)
    k = base.rate_per_min / rate_per_min
    return BreathPattern(
        inhale_s=base.inhale_s * k,
        exhale_s=base.exhale_s * k,
        hold_in_s=base.hold_in_s * k,
        hold_out_s=base.hold_out_s * k,
        name=ASSESSMENT_PRESET,
        double_inhale=base.double_inhale,
    )


@dataclass(frozen=True, slots=True)
class ResonanceStep:
    """One rate of the assessment and the part of it that is scored.

    The fields other than ``pattern`` are what a recording needs to re-score the step
    exactly (the proposed ``AssessmentStep`` event); the pattern is in the
    ``PacerChanged`` recorded at ``start_s``.
    """

    index: int
    """Position in its pass, 0 first."""
    count: int
    """Steps in its pass."""
    rate_per_min: float
    """The guide's rate, breaths per minute."""
    pattern: BreathPattern
    """The breath the guide shows at that rate."""
    start_s: float
    """When the guide began this rate (a breath start; its ramp begins here), session seconds."""
    scored_from_s: float
    """Start of the scored window: the first breath that begins after the settling time."""
    end_s: float
    """End of the step and of its scored window: a breath start, a whole number of breaths
    at the step's rate after ``scored_from_s``."""
    refine: bool = False
    """True in the refine pass (±half a step around the best rate)."""

    @property
    def cycle_s(self) -> float:
        """One breath at this rate, seconds."""
        return 60.0 / self.rate_per_min

    @property
    def scored_s(self) -> float:
        """Length of the scored window, seconds."""
        return self.end_s - self.scored_from_s

    @property
    def breaths(self) -> int:
        """Whole breaths in the scored window."""
        return round(self.scored_s / self.cycle_s)

    def event_fields(self) -> dict[str, float | int | bool]:
        """The fields of the ``AssessmentStep`` event that records this step (``t_s`` = start)."""
        return {
            "t_s": self.start_s,
            "index": self.index,
            "count": self.count,
            "rate_per_min": self.rate_per_min,
            "scored_from_s": self.scored_from_s,
            "end_s": self.end_s,
            "refine": self.refine,
        }


@dataclass(frozen=True, slots=True)
class ResonanceSchedule:
    """The whole stepped assessment: its steps, and the guide's changes that breathe it.

    Built by :func:`resonance_schedule`; pure data (the :class:`Pacer` is rebuilt on demand,
    since a pacer is changed by ``set_pattern``).
    """

    steps: tuple[ResonanceStep, ...]
    """The steps, in order; each begins where the previous one ends."""
    events: tuple[PacerChanged, ...]
    """The guide's changes: one ``PacerChanged`` at each step's start (the first also
    carries the gentle start, if any)."""
    step_s: float
    """Scored time asked for per step, seconds (each step scores at least this)."""
    settle_s: float
    """Unscored time at the start of each step after the first, seconds."""
    first_settle_s: float
    """Unscored time at the start of the first step, seconds."""

    @property
    def start_s(self) -> float:
        """When the first step begins."""
        return self.steps[0].start_s

    @property
    def end_s(self) -> float:
        """When the last step ends (the assessment is over)."""
        return self.steps[-1].end_s

    @property
    def rates_per_min(self) -> tuple[float, ...]:
        """The rates, in the order breathed."""
        return tuple(s.rate_per_min for s in self.steps)

    def pacer(self) -> Pacer:
        """A fresh pacer that breathes the whole schedule (and stays at the last rate after it)."""
        pacer = pacer_from_events(self.events)
        assert pacer is not None  # the events were made by a Pacer
        return pacer

    def step_at(self, t_s: float) -> ResonanceStep | None:
        """The step under way at ``t_s`` (None before the first or from the last's end)."""
        i = bisect.bisect_right([s.start_s for s in self.steps], t_s) - 1
        if i < 0 or t_s >= self.end_s:
            return None
        return self.steps[i]

    def events_until(self, t_s: float) -> list[PacerChanged]:
        """The guide's changes due by ``t_s`` (a live session applies and records them as they fall due)."""
        return [e for e in self.events if e.t_s <= t_s]


def resonance_schedule(
    rates_per_min: Iterable[float] = ADULT_RATES_PER_MIN,
    *,
    base: BreathPattern | None = None,
    start_s: float = 0.0,
    step_s: float = DEFAULT_STEP_S,
    settle_s: float = DEFAULT_SETTLE_S,
    first_settle_s: float = DEFAULT_FIRST_SETTLE_S,
    ramp_s: float = DEFAULT_STEP_RAMP_S,
    ramp_from_per_min: float | None = None,
    start_ramp_s: float = DEFAULT_RAMP_S,
    refine: bool = False,
) -> ResonanceSchedule:
    """The stepped assessment: each rate held for ``step_s`` scored seconds after a settling time.

    Each step begins on a breath start. The guide changes there with
    :meth:`Pacer.set_pattern`, so the change is as gentle as any pacer change: the breath
    under way has finished, and the rate eases from the old to the new over ``ramp_s``.
    Scoring begins at the first breath that begins ``settle_s`` (``first_settle_s`` for
    the first step) after the step's start, and covers the fewest whole breaths at the
    step's rate that last ``step_s`` or more, so every scored window is whole breaths at
    one rate (exactly 120 s at the 0.5/min steps, which fit 2 minutes in whole breaths;
    up to one breath more at other rates).

    Args:
        rates_per_min: The rates in order (default the adult protocol, 6.5 → 4.5).
        base: The person's pattern; every step stretches it to its rate, keeping its
            inhale:exhale ratio and holds (default the resonance preset, 4:6).
        start_s: Session time at which the first step begins.
        step_s: Scored seconds per step (> 0; default 120 s).
        settle_s: Unscored seconds at the start of every later step (≥ ``ramp_s``).
        first_settle_s: Unscored seconds at the start of the first step (≥ the gentle
            start's ``start_ramp_s`` when ``ramp_from_per_min`` is given).
        ramp_s: Seconds over which the rate eases from one step's to the next.
        ramp_from_per_min: The person's own rate before the first step; the guide eases
            from it over ``start_ramp_s``. None: start at the first rate.
        start_ramp_s: Duration of that gentle start.
        refine: Mark the steps as the refine pass.

    Returns:
        The schedule.

    Raises:
        PaceError: no rates, a rate outside 2-30 breaths/min, or times out of range (the
            message names the argument).

    References:
        docs/methods.md §6.6.
    """
    rates = [float(r) for r in rates_per_min]
    if not rates:
        raise PaceError("rates_per_min must hold at least one rate")
    for r in rates:
        _check_rate("each of rates_per_min", r)
    for name, value in (("step_s", step_s),):
        if not (math.isfinite(value) and value > 0):
            raise PaceError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    for name, value in (
        ("settle_s", settle_s),
        ("first_settle_s", first_settle_s),
        ("ramp_s", ramp_s),
        ("start_ramp_s", start_ramp_s),
    ):
        if not (math.isfinite(value) and value >= 0):
            raise PaceError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
    if settle_s < ramp_s:
        raise PaceError(f"settle_s ({settle_s:g} s) must not be shorter than ramp_s ({ramp_s:g} s)")
    if ramp_from_per_min is not None and first_settle_s < start_ramp_s:
        raise PaceError(
            f"first_settle_s ({first_settle_s:g} s) must not be shorter than "
            f"start_ramp_s ({start_ramp_s:g} s)"
        )
    if not math.isfinite(start_s):
        raise PaceError(f"start_s must be a finite number of seconds, got {start_s!r}")
    base = base if base is not None else PRESETS[DEFAULT_PRESET]
    patterns = [pattern_at_rate(base, r) for r in rates]
    pacer = Pacer(patterns[0], start_s=start_s, ramp_from_per_min=ramp_from_per_min, ramp_s=start_ramp_s)
    events = [pacer.start_event()]
    steps: list[ResonanceStep] = []
    t = start_s
    for i, (rate, pattern) in enumerate(zip(rates, patterns, strict=True)):
        if i:
            events.append(pacer.set_pattern(t, pattern, ramp_s=ramp_s))
        scored_from = pacer.next_breath_s(t + (settle_s if i else first_settle_s))
        cycle = 60.0 / rate
        n = max(1, math.ceil(step_s / cycle - 1e-9))
        # The n-th breath start after scored_from (asked half a breath early: no rounding edge).
        end = pacer.next_breath_s(scored_from + (n - 0.5) * cycle)
        steps.append(ResonanceStep(i, len(rates), rate, pattern, t, scored_from, end, refine))
        t = end
    return ResonanceSchedule(tuple(steps), tuple(events), step_s, settle_s, first_settle_s)


def continue_schedule(
    previous: ResonanceSchedule,
    rates_per_min: Iterable[float],
    *,
    start_s: float,
    step_s: float | None = None,
    settle_s: float | None = None,
    ramp_s: float = DEFAULT_STEP_RAMP_S,
    refine: bool = True,
) -> ResonanceSchedule:
    """A further pass of the same guide, after ``previous`` (the refine pass of a live session).

    The guide goes on from ``previous`` without a break: at the first breath start at or
    after ``start_s`` it changes to the first new rate (as gently as any step, over
    ``ramp_s``), and every new step is laid out as :func:`resonance_schedule` lays out
    its later steps (settle, then whole breaths for ``step_s``). A live session decides the
    refine rates only once the first pass is scored, a few seconds after it ended, so
    ``start_s`` is then; until the change the guide stays at the last rate.

    Args:
        previous: The pass before (its guide's changes are kept).
        rates_per_min: The new pass's rates, in order.
        start_s: Not before this session time (≥ ``previous.end_s``).
        step_s: Scored seconds per step (default: ``previous``'s).
        settle_s: Unscored seconds at the start of every new step (default: ``previous``'s).
        ramp_s: Seconds over which the rate eases at each change.
        refine: Mark the new steps as the refine pass.

    Returns:
        The schedule of the new pass: ``steps`` are the new steps only, ``events`` all the
        guide's changes from the start of ``previous`` (so :meth:`ResonanceSchedule.pacer`
        breathes the whole session).

    Raises:
        PaceError: no rates, a rate outside 2-30 breaths/min, or ``start_s`` before
            ``previous.end_s``.
    """
    rates = [float(r) for r in rates_per_min]
    if not rates:
        raise PaceError("rates_per_min must hold at least one rate")
    for r in rates:
        _check_rate("each of rates_per_min", r)
    if not (math.isfinite(start_s) and start_s >= previous.end_s):
        raise PaceError(
            f"start_s must not be before the previous pass ends ({previous.end_s:g} s), got {start_s!r}"
        )
    step = previous.step_s if step_s is None else step_s
    settle = previous.settle_s if settle_s is None else settle_s
    if not (math.isfinite(step) and step > 0):
        raise PaceError(f"step_s must be a finite number of seconds > 0, got {step!r}")
    if not (math.isfinite(settle) and settle >= ramp_s >= 0):
        raise PaceError(f"settle_s ({settle!r} s) must be finite and not shorter than ramp_s ({ramp_s!r} s)")
    pacer = previous.pacer()
    base = previous.steps[0].pattern
    events = list(previous.events)
    steps: list[ResonanceStep] = []
    t = pacer.next_breath_s(start_s)
    for i, rate in enumerate(rates):
        pattern = pattern_at_rate(base, rate)
        events.append(pacer.set_pattern(t, pattern, ramp_s=ramp_s))
        scored_from = pacer.next_breath_s(t + settle)
        cycle = 60.0 / rate
        n = max(1, math.ceil(step / cycle - 1e-9))
        end = pacer.next_breath_s(scored_from + (n - 0.5) * cycle)
        steps.append(ResonanceStep(i, len(rates), rate, pattern, t, scored_from, end, refine))
        t = end
    return ResonanceSchedule(tuple(steps), tuple(events), step, settle, previous.first_settle_s)


def refine_rates(best_per_min: float, *, spacing_per_min: float = 0.5) -> tuple[float, float, float]:
    """The refine pass's rates: half a step faster, the best rate again, half a step slower.

    The best rate is breathed again so that all three are compared within one pass
    (scores are relative to the pass; heart rate and the person change over a session).
    For the adult protocol (0.5/min steps): best ± 0.25/min; for the children's (1/min),
    ± 0.5/min.

    Raises:
        PaceError: a rate would fall outside 2-30 breaths/min, or the spacing is not > 0.
    """
    if not (math.isfinite(spacing_per_min) and spacing_per_min > 0):
        raise PaceError(f"spacing_per_min must be > 0, got {spacing_per_min!r}")
    d = REFINE_FRACTION * spacing_per_min
    rates = (best_per_min + d, best_per_min, best_per_min - d)
    for r in rates:
        _check_rate("refine rate", r)
    return rates


class StepRecord(Protocol):
    """What a recording keeps of a step (the proposed ``AssessmentStep`` event has these fields)."""

    @property
    def t_s(self) -> float: ...
    @property
    def index(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def rate_per_min(self) -> float: ...
    @property
    def scored_from_s(self) -> float: ...
    @property
    def end_s(self) -> float: ...
    @property
    def refine(self) -> bool: ...


def resonance_steps_from_record(
    pacer_events: Iterable[PacerChanged], steps: Iterable[StepRecord]
) -> tuple[ResonanceStep, ...]:
    """The steps of an assessment a session recorded, to re-score it exactly (``--from SESSION``).

    Args:
        pacer_events: The recording's ``PacerChanged`` events (they rebuild the guide).
        steps: Its step records (``AssessmentStep`` events), in any order.

    Returns:
        The steps in time order, each with the pattern the guide breathed in its window.

    Raises:
        PaceError: the recording holds no guide that can be followed.
    """
    pacer = pacer_from_events(pacer_events)
    if pacer is None:
        raise PaceError("the recording holds no breathing guide to score the assessment against")
    return tuple(
        ResonanceStep(
            index=r.index,
            count=r.count,
            rate_per_min=r.rate_per_min,
            pattern=pacer.state_at(r.scored_from_s).pattern,
            start_s=r.t_s,
            scored_from_s=r.scored_from_s,
            end_s=r.end_s,
            refine=r.refine,
        )
        for r in sorted(steps, key=lambda r: r.t_s)
    )
