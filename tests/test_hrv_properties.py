"""Degenerate input never raises and never warns (pytest turns warnings into errors).

Too few beats, constant RR, zeros, negatives, 20 s intervals, NaN and inf: every metric is
a number or NaN/None with a reason, never an exception from numpy.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vagal.hrv import analyze_rr, time_domain
from vagal.hrv.analysis import JSON_KEYS
from vagal.hrv.artifacts import correct_artifacts, detect_artifacts
from vagal.hrv.coherence import coherence_from_rr, coherence_series
from vagal.hrv.nonlinear import dfa_alpha1, dfa_alpha2, poincare, sample_entropy
from vagal.hrv.spectral import band_powers, psd_lomb, psd_welch, resample

PLAUSIBLE = st.floats(min_value=300.0, max_value=1500.0)
ABSURD = st.sampled_from([0.0, -800.0, 1e-9, 20000.0, 1e9, float("nan"), float("inf"), -float("inf")])
ANY_RR = st.one_of(PLAUSIBLE, ABSURD)

series = st.one_of(
    st.lists(ANY_RR, max_size=12),
    st.lists(ANY_RR, min_size=50, max_size=400),
    st.lists(PLAUSIBLE, min_size=0, max_size=400),
    st.builds(lambda v, n: [v] * n, PLAUSIBLE, st.integers(0, 400)),  # constant RR
    st.builds(
        lambda base, bad, at: base[:at] + [bad] + base[at:],
        st.lists(PLAUSIBLE, min_size=100, max_size=300),
        ABSURD,
        st.integers(0, 100),
    ),
)

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(series)
def test_time_domain_never_raises(rr: list[float]) -> None:
    td = time_domain(rr)
    for name in ("mean_nn_ms", "sdnn_ms", "rmssd_ms", "sdsd_ms", "pnn50_pct"):
        v = getattr(td, name)
        assert np.isfinite(v) or name in td.reasons


@SETTINGS
@given(series, st.booleans(), st.sampled_from(["welch", "lomb"]))
def test_analyze_never_raises_and_explains_every_none(rr: list[float], correct: bool, psd: str) -> None:
    res = analyze_rr(rr, correct=correct, psd=psd)  # type: ignore[arg-type]
    d = res.to_dict()
    assert tuple(d) == (*JSON_KEYS, "quality")
    assert all(q.startswith("read with care: ") for q in d.pop("quality"))
    for k, v in d.items():
        if v is None:
            assert res.reasons.get(k), k
        else:
            assert np.isfinite(v), k
    assert d["n_beats"] == len(rr)
    assert 0.0 <= d["artifacts_pct"] <= 100.0


@SETTINGS
@given(series)
def test_nonlinear_and_artifacts_never_raise(rr: list[float]) -> None:
    poincare(rr)
    sample_entropy(rr)
    dfa_alpha1(rr)
    dfa_alpha2(rr)
    fixed = correct_artifacts(rr)
    assert fixed.rr_ms.size == fixed.t_s.size == fixed.breaks.size
    assert not np.any((fixed.rr_ms < 200) | (fixed.rr_ms > 3000))
    detect_artifacts(rr)


@SETTINGS
@given(st.lists(PLAUSIBLE, max_size=300))
def test_spectral_and_coherence_never_raise(rr: list[float]) -> None:
    t = np.cumsum(rr) / 1000.0 if rr else np.empty(0)
    _tg, xg = resample(t, rr)
    f, p = psd_welch(xg, 4.0)
    band_powers(f, p)
    fl, pl = psd_lomb(t, rr)
    band_powers(fl, pl)
    coherence_from_rr(t, rr)
    coherence_series(t, rr)
