"""The coherence ratio (docs/methods.md §6.1): known answers on built spectra and rhythms."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from vagal.hrv.coherence import coherence_from_rr, coherence_ratio, coherence_series


def _beats(rr_of_t, duration_s: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    t = [0.0]
    rr: list[float] = []
    while t[-1] < duration_s:
        r = float(rr_of_t(t[-1]))
        rr.append(r)
        t.append(t[-1] + r / 1000.0)
    return np.asarray(t[1:]), np.asarray(rr)


def test_ratio_of_a_built_spectrum() -> None:
    """A box of height 10 over 0.09–0.11 Hz on a floor of 1 over 0–0.5 Hz."""
    f = np.arange(0, 0.5, 0.001)
    p = np.ones_like(f)
    p[(f >= 0.09) & (f <= 0.11)] = 10.0
    k = int(np.flatnonzero(f >= 0.04)[0] + np.argmax(p[(f >= 0.04) & (f <= 0.26)]))
    win = np.abs(f - f[k]) <= 0.015 + 1e-12
    peak = np.trapezoid(p[win], f[win])
    tot = (f >= 0.0033) & (f < 0.4)
    total = np.trapezoid(p[tot], f[tot])
    assert coherence_ratio(f, p) == pytest.approx(peak / (total - peak), rel=1e-12)
    assert f[k] == pytest.approx(0.09)  # the first of equal maxima


def test_total_is_the_whole_spectrum_not_the_search_band() -> None:
    """Power above 0.26 Hz lowers the ratio (a common implementation mistake ignores it)."""
    f = np.arange(0, 0.5, 0.001)
    p = np.full_like(f, 0.1)
    p[np.abs(f - 0.1) < 0.005] = 10.0
    quiet = coherence_ratio(f, p)
    p2 = p.copy()
    p2[np.abs(f - 0.33) < 0.01] = 5.0
    assert coherence_ratio(f, p2) < quiet / 2


def test_a_slow_regular_rhythm_is_coherent_and_noise_is_not() -> None:
    rng = np.random.default_rng(11)
    t, rr = _beats(lambda s: 900 + 60 * np.sin(2 * np.pi * 0.1 * s), 200)
    coherent = coherence_from_rr(t, rr)
    assert coherent is not None and coherent > 5.0
    noise = 900 + 40 * rng.standard_normal(300)
    tn = np.cumsum(noise) / 1000
    incoherent = coherence_from_rr(tn, noise)
    assert incoherent is not None and incoherent < 1.0


def test_needs_a_full_window_of_beats() -> None:
    t, rr = _beats(lambda s: 900 + 60 * np.sin(2 * np.pi * 0.1 * s), 50)
    assert coherence_from_rr(t, rr) is None  # 50 s < 64 s
    assert coherence_from_rr(np.arange(1.0, 101.0), np.full(100, 1000.0)) is None  # constant: undefined
    assert coherence_from_rr([], []) is None


def test_series_windows_cover_the_stretch_from_first_to_last_beat_at_most_5_s_apart() -> None:
    t, rr = _beats(lambda s: 900 + 60 * np.sin(2 * np.pi * 0.1 * s), 300)
    ends, cr = coherence_series(t, rr)
    assert ends[-1] == pytest.approx(t[-1], abs=0.25)  # the last window ends at the last beat
    assert ends[0] == pytest.approx(t[0] + 64.0 - 0.25, abs=1e-9)  # the first starts at the first
    steps = np.diff(ends)
    assert steps.max() <= 5.0 + 1e-9 and steps.min() >= 4.75 - 1e-9  # evenly spread, 1 sample at most apart
    assert ends.size == int(np.ceil((ends[-1] - ends[0]) / 5.0 - 1e-9)) + 1  # no more windows than needed
    assert np.all(cr > 5.0)
    # the batch path and the one-window path agree on the same rhythm
    last = coherence_from_rr(t, rr)
    assert last is not None and cr[-1] == pytest.approx(last, rel=0.05)


def test_series_windows_never_span_a_gap() -> None:
    t, rr = _beats(lambda s: 900 + 60 * np.sin(2 * np.pi * 0.1 * s), 200)
    t2 = np.concatenate([t, t + 1000.0])
    rr2 = np.concatenate([rr, rr])
    breaks = np.zeros(t2.size, dtype=bool)
    breaks[t.size] = True
    ends, _ = coherence_series(t2, rr2, breaks=breaks)
    assert not np.any((ends > t[-1] + 1) & (ends < 1000.0 + t[0] + 64.0 - 0.5))
