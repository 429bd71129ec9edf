"""Biofeedback metrics on the simulated person: resonance breathing works, fast breathing does not.

The oracle is the simulator's own model (vagal.sources.physiology): heart rate is driven by
lung volume through a baroreflex resonator (unit gain and zero phase at ``f0``, quality
factor Q) plus direct vagal gating through a first-order low-pass. For a full breath at
frequency f, the predicted heart-rate swing (peak to trough) is therefore

    |baro_gain · 1/(1 + iQ(f/f0 − f0/f)) + vagal_gain · 1/(1 + i·2πf·τ)|

about 15 bpm at 6 breaths/min and about 7 bpm at 12/min for a typical person. The
engine, stepped by hand on the simulated beats with the same pacer, must find that.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vagal.engine.core import Engine
from vagal.events import Beat
from vagal.pacer import Pacer, parse_pace
from vagal.sources.physiology import Person, simulate_rr


def predicted_swing_bpm(p: Person, rate_per_min: float) -> float:
    """Peak-to-trough heart-rate swing the model predicts for full breaths at this rate."""
    f = rate_per_min / 60.0
    baro = p.baro_gain_bpm / complex(1.0, p.resonance_q * (f / p.resonance_hz - p.resonance_hz / f))
    vagal = p.vagal_gain_bpm / complex(1.0, 2.0 * math.pi * f * p.vagal_tau_s)
    return abs(baro + vagal)


def _session(seed: int, rate: float, duration_s: float = 600.0) -> tuple[Engine, Person]:
    person = Person.draw(np.random.default_rng(seed))
    pacer = Pacer(parse_pace(f"{rate:g}"))
    t, rr = simulate_rr(duration_s, seed=seed, breathing=pacer.volume_at, person=person)
    engine = Engine(pacer=pacer)
    for a, b in zip(t.tolist(), rr.tolist(), strict=True):
        engine.push(Beat(a, b))
    return engine, person


@pytest.mark.parametrize("seed", [1, 2])
def test_resonance_breathing_raises_rsa_and_coherence(seed: int) -> None:
    slow, person = _session(seed, 6.0)
    fast, _ = _session(seed, 12.0)
    s6, s12 = slow.summary(), fast.summary()
    # RSA amplitude as the model predicts at each rate (the person follows the guide with
    # 93-99 % compliance and a wandering lag, hence the tolerance).
    for summary, rate in ((s6, 6.0), (s12, 12.0)):
        assert summary["rsa_bpm_mean"] == pytest.approx(predicted_swing_bpm(person, rate), rel=0.25)
    assert s6["rsa_bpm_mean"] > 1.6 * s12["rsa_bpm_mean"]
    # Coherence: one dominant peak at 6/min, not at 12/min.
    assert s6["coherence_mean"] > 2.0 * s12["coherence_mean"]
    assert s6["coherence_mean"] > 1.0
    # Heart rate follows the breath closely at the resonance rate.
    assert s6["phase_sync_mean"] > 0.85
    assert slow.snapshot.phase_sync.valid and slow.snapshot.phase_lag_s.valid
    assert slow.snapshot.coherence.caution is None  # the peak is inside its band, at the pace
    assert slow.snapshot.breathing_rate_per_min.caution is None


@pytest.mark.parametrize("rate", [6.0, 12.0])
def test_breathing_rate_from_rr_matches_the_guide(rate: float) -> None:
    engine, _ = _session(5, rate, duration_s=300.0)
    br = engine.summary()["breathing_rate_per_min_mean"]
    assert br == pytest.approx(rate, abs=1.0)


def test_spontaneous_breathing_rsa_uses_detected_cycles() -> None:
    """Without a guide, RSA comes from breath cycles found in the heart rate itself."""
    person = Person.draw(np.random.default_rng(7))
    t, rr = simulate_rr(300.0, seed=7, person=person)
    engine = Engine()
    for a, b in zip(t.tolist(), rr.tolist(), strict=True):
        snap = engine.push(Beat(a, b))
    assert snap.rsa_bpm.valid and snap.rsa_bpm.value is not None
    expected = predicted_swing_bpm(person, person.breath_rate_per_min) * person.breath_depth
    assert snap.rsa_bpm.value == pytest.approx(expected, rel=0.5)
    assert snap.breathing_rate_per_min.value == pytest.approx(person.breath_rate_per_min, abs=2.5)
    assert snap.phase_sync.value is None


def test_not_following_the_guide_is_said_gently() -> None:
    """The person breathes at 12/min while the guide shows 6/min: the rate says so (§6.3)."""
    person = Person.draw(np.random.default_rng(9))
    own = Pacer(parse_pace("12"))
    guide = Pacer(parse_pace("6"))
    t, rr = simulate_rr(240.0, seed=9, breathing=own.volume_at, person=person)
    engine = Engine(pacer=guide)
    for a, b in zip(t.tolist(), rr.tolist(), strict=True):
        snap = engine.push(Beat(a, b))
    m = snap.breathing_rate_per_min
    assert m.value == pytest.approx(12.0, abs=1.0)
    assert m.caution is not None and "the guide is at 6.0/min" in m.caution
    followed, _ = _session(9, 6.0, duration_s=240.0)
    assert followed.snapshot.breathing_rate_per_min.caution is None
