"""Every sample counts: a wave at the start of a record and the same wave at its end weigh alike.

Every sample in the spectrum: ``psd_welch`` stretched its segments to cover the record, but where the stretched
length was odd, scipy's 50 % step left the last segment outside and the end of the record was
silently dropped (a 0.1 Hz wave in the last 125 s of a 2,198-sample series gave LF = 0; a real
30-minute record lost its last 128 s). Each test places the same wave only at the start and
only at the end of a record (or of a live window) and asks for the same band power.

The wave is a cosine burst centred on its own middle, so it is its own mirror image: the two
records are then mirror images of each other, and a segment plan that treats both ends alike
gives the same power. What is left is the periodic Hann window (scipy's, Kubios' and
neurokit2's "hann"), which is one sample off mirror symmetry; near the edge, where the window is
close to zero, that sample moves the power of a short burst by a few per cent. The tolerances
below are that effect with a margin (measured worst cases in the comments); a dropped end gives a
difference of 100 %.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vagal.hrv import analyze_rr
from vagal.hrv.coherence import coherence_from_rr, mean_coherence, window_starts
from vagal.hrv.live_spectral import periodogram
from vagal.hrv.live_spectral import resample as live_resample
from vagal.hrv.spectral import band_powers, psd_welch, segment_plan

FS = 4.0
FloatArray = npt.NDArray[np.float64]


def _burst(k: int, f_hz: float, amp_ms: float = 40.0) -> FloatArray:
    """k samples of a cosine at f_hz, centred on the burst's middle (its own mirror image)."""
    t = (np.arange(k) - (k - 1) / 2.0) / FS
    return amp_ms * np.cos(2 * np.pi * f_hz * t)


def _series(n: int, k: int, f_hz: float, where: str) -> FloatArray:
    x = np.full(n, 1000.0)
    sl = slice(0, k) if where == "start" else slice(n - k, n)
    x[sl] += _burst(k, f_hz)
    return x


def _lf(x: FloatArray) -> float:
    return band_powers(*psd_welch(x, FS)).lf_ms2


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b))


# --------------------------------------------------------------------------- the segment plan


@settings(max_examples=300, deadline=None)
@given(n=st.integers(8, 2_000_000), target=st.integers(8, 4096))
def test_the_segment_plan_covers_every_sample_with_half_overlap(n: int, target: int) -> None:
    nperseg, starts = segment_plan(n, target)
    assert starts[0] == 0 and starts[-1] + nperseg == n  # from the first sample to the last
    steps = np.diff(starts)
    assert np.all(steps < nperseg)  # no sample between two segments
    if starts.size > 1:
        s = (n - nperseg) / (starts.size - 1)
        assert nperseg / 2 <= s < nperseg / 2 + 1.5  # 50 % overlap, to within 1.5 samples
        assert np.all((steps == np.floor(s)) | (steps == np.ceil(s)))  # evenly spread
    # the plan reads the same from the end, up to the rounding of one start
    assert np.all(np.abs(starts + starts[::-1] - (n - nperseg)) <= 1)


def test_segment_lengths_stay_near_the_target() -> None:
    """Kubios' 256 s (1024 samples at 4 Hz): an hour gets 27 segments of 257 s, 5 minutes one of 300 s."""
    assert segment_plan(14_400, 1024)[0] == 1028 and segment_plan(14_400, 1024)[1].size == 27
    assert segment_plan(1_200, 1024)[0] == 1200
    for n in range(1025, 30_000, 97):
        nperseg, _ = segment_plan(n, 1024)
        assert 1024 * 0.8 <= nperseg <= 1024 * 1.25


# --------------------------------------------------------------------------- whole records


def test_the_issue_example_a_wave_in_the_last_125_s_of_2198_samples() -> None:
    """Before: LF 147.7 ms² with the wave at the start, 0.0 with it at the end."""
    k = 500  # 125 s
    start, end = _lf(_series(2198, k, 0.1, "start")), _lf(_series(2198, k, 0.1, "end"))
    assert end > 50.0
    assert _rel(start, end) < 0.025


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.floats(3.0, 120.0),
    burst_s=st.floats(60.0, 300.0),
    f_hz=st.floats(0.05, 0.14),
)
def test_welch_gives_a_wave_at_the_end_the_power_of_the_same_wave_at_the_start(
    minutes: float, burst_s: float, f_hz: float
) -> None:
    """Record lengths from 3 minutes to 2 hours at 4 Hz, any sample count (odd or even).

    Tolerance 2.5 % (measured worst 1.9 %, for a 60 s burst: the periodic Hann window)."""
    n = int(minutes * 60 * FS)
    k = min(int(burst_s * FS), n // 2)
    start, end = _lf(_series(n, k, f_hz, "start")), _lf(_series(n, k, f_hz, "end"))
    assert start > 0.1  # the burst is seen at all
    assert _rel(start, end) < 0.025, (n, k, f_hz, start, end)


def _beats(duration_s: float, rr0_ms: float, burst_s: float, f_hz: float, where: str) -> tuple[FloatArray, FloatArray]:
    """Beats every rr0_ms; their RR values carry a centred cosine burst at the start or the end."""
    t = np.arange(1, int(duration_s * 1000 / rr0_ms) + 1) * (rr0_ms / 1000.0)
    rr = np.full(t.size, rr0_ms)
    t0 = t[0] if where == "start" else t[-1] - burst_s
    m = (t >= t0) & (t <= t0 + burst_s)
    rr[m] += 40.0 * np.cos(2 * np.pi * f_hz * (t[m] - t0 - burst_s / 2))
    return t, rr


@pytest.mark.parametrize("minutes", [12.0, 12.4, 30.0, 30.1, 61.7])
def test_analyze_sees_the_end_of_odd_length_records(minutes: float) -> None:
    """Through ``analyze_rr`` (beats → spline → smoothness priors → Welch), 12- and 30-minute
    records among them: the last 125 s carry as much LF power as the first 125 s."""
    out = []
    for where in ("start", "end"):
        t, rr = _beats(minutes * 60, 857.0, 125.0, 0.1, where)
        out.append(analyze_rr(rr, t_s=t, correct=False).lf_ms2)
    assert out[1] > 10.0
    assert _rel(out[0], out[1]) < 0.025


# --------------------------------------------------------------------------- live windows


def _live_window(rr0_ms: float, window_s: float, burst_s: float, f_hz: float, where: str) -> tuple[FloatArray, FloatArray]:
    """The beats the engine takes for a window (the last window_s seconds and the beat before),
    beats every rr0_ms (a multiple of the 0.25 s grid, so that beats and grid coincide), with a
    burst in the RR values at the start or the end of that window."""
    n = round(window_s * 1000 / rr0_ms) + 1
    t = 10.0 + np.arange(n) * (rr0_ms / 1000.0)  # t[0] = t[-1] − window_s: the beat before the window
    rr = np.full(n, rr0_ms)
    t0 = t[0] if where == "start" else t[-1] - burst_s
    m = (t >= t0 - 1e-9) & (t <= t0 + burst_s + 1e-9)
    rr[m] += 40.0 * np.cos(2 * np.pi * f_hz * (t[m] - t0 - burst_s / 2))
    return t, rr


@settings(max_examples=60, deadline=None)
@given(rr0=st.sampled_from([500.0, 750.0, 1000.0, 1250.0]), burst_s=st.floats(30.0, 60.0), f_hz=st.floats(0.05, 0.14))
def test_the_live_120_s_window_weighs_its_start_and_its_end_alike(rr0: float, burst_s: float, f_hz: float) -> None:
    """The engine's LF/HF window (spline → linear detrend → one Hann periodogram over the whole
    window): a burst in its first quarter to half against the same burst in its last. Tolerance
    6 % (measured worst 4 % for a 30 s burst, 1.2 % for 60 s: the periodic Hann window)."""
    lf = []
    for where in ("start", "end"):
        t, rr = _live_window(rr0, 120.0, burst_s, f_hz, where)
        _, xg = live_resample(t, rr, FS)
        lf.append(band_powers(*periodogram(xg, FS)).lf_ms2)
    assert lf[0] > 1.0
    assert _rel(lf[0], lf[1]) < 0.06, (rr0, burst_s, f_hz, lf)


@settings(max_examples=60, deadline=None)
@given(rr0=st.sampled_from([500.0, 1000.0]), burst_s=st.floats(20.0, 32.0), f_hz=st.floats(0.06, 0.14))
def test_the_live_64_s_coherence_window_weighs_its_start_and_its_end_alike(
    rr0: float, burst_s: float, f_hz: float
) -> None:
    """``coherence_from_rr`` on its 64 s window (what the engine computes every 5 s), bursts of a
    third to a half of it. Tolerance 6 %."""
    cr = []
    for where in ("start", "end"):
        cr.append(coherence_from_rr(*_live_window(rr0, 64.0, burst_s, f_hz, where)))
    assert cr[0] is not None and cr[1] is not None
    assert _rel(cr[0], cr[1]) < 0.06, (rr0, burst_s, f_hz, cr)


# --------------------------------------------------------------------------- a record's coherence


@settings(max_examples=300, deadline=None)
@given(n=st.integers(256, 200_000), step=st.integers(1, 40))
def test_coherence_windows_cover_every_sample(n: int, step: int) -> None:
    w = 256
    starts = window_starts(n, w, step)
    assert starts[0] == 0 and starts[-1] + w == n
    assert np.all(np.diff(starts) <= step) and np.all(np.diff(starts) >= 1 if starts.size > 1 else True)
    assert starts.size == -(-(n - w) // step) + 1  # no more windows than the step asks for


@settings(max_examples=25, deadline=None)
@given(minutes=st.floats(3.0, 120.0), burst_s=st.floats(64.0, 128.0), f_hz=st.floats(0.06, 0.14))
def test_a_records_coherence_weighs_its_start_and_its_end_alike(minutes: float, burst_s: float, f_hz: float) -> None:
    """The mean of the 64 s ratios over a record (what ``analyze`` reports): a slow rhythm in the
    first minutes against the same rhythm in the last, on the same quiet background (mirrored, so
    that it is the same read from either end). Tolerance 2 %: before, up to 4.75 s at the start of
    every stretch were in no window, so a rhythm there counted less."""
    n_beats = int(minutes * 60)
    rng = np.random.default_rng(n_beats)
    noise = rng.standard_normal(n_beats)
    background = 1000.0 + 3.0 * (noise + noise[::-1])
    out = []
    for where in ("start", "end"):
        t, rr = _beats(n_beats, 1000.0, burst_s, f_hz, where)
        value, _ = mean_coherence(t, rr - 1000.0 + background)
        out.append(value)
    assert out[0] is not None and out[1] is not None
    assert _rel(out[0], out[1]) < 0.02, (minutes, burst_s, f_hz, out)
