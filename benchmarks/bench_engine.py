"""Benchmark: a day of beats through the full live engine, against the naive per-beat recompute.

What is measured, in one run on this machine:

* **engine**: the longest real recording in ../shared/data (``pyhrv_nsr_1h.csv``, 4,684
  beats, 1 h) tiled to about a day (21 copies ≈ 98,000 beats ≈ 21 h; the copies are
  joined end to end on one time axis) and pushed beat by beat through
  ``vagal.engine.core.Engine`` with a pacer, i.e. the full metric set: RMSSD/SDNN/pNN50
  on 60 s, the causal artifact classifier, LF/HF on 120 s, coherence on 64 s, breathing
  rate, RSA and phase synchrony on 60 s (spectral metrics every 5 s of session time),
  the snapshot after every beat. Beats per second and µs per beat.
* **naive**: what a live app built on a peer library would do at every beat: recompute
  the same window metrics with neurokit2 (``hrv_time`` on the last 60 s,
  ``hrv_frequency`` on the last 120 s with 4 Hz interpolation, ``signal_psd`` on the
  last 64 s for coherence and on the last 60 s for the breathing rate, ``signal_filter``
  + ``signal_findpeaks`` for RSA and ``signal_phase`` for synchrony), timed on a sample
  of beats spread over the same data (the whole day at ~8 ms a beat would take hours).
* **memory**: a second pass under tracemalloc: traced memory after a quarter of the beats
  and at the end (flat: the engine's state is bounded by its windows).

Run:  python benchmarks/bench_engine.py            (about a minute)
      python benchmarks/bench_engine.py --quick    (3 copies, 10 naive samples)
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
TARGET_BEATS_PER_S = 10_000.0
TARGET_RATIO = 100.0


def _longest_recording() -> Path:
    files = sorted(DATA.glob("*.csv")) or sorted((REPO / "samples").glob("*.csv"))
    if not files:
        sys.exit("bench_engine: no recordings in ../shared/data or samples/")
    return max(files, key=lambda p: np.loadtxt(p, skiprows=1).size)


def _beats(rr_ms: np.ndarray) -> list[Any]:
    from vagal.events import Beat

    t = np.cumsum(rr_ms) / 1000.0
    return [Beat(a, b) for a, b in zip(t.tolist(), rr_ms.tolist(), strict=True)]


def _engine() -> Any:
    from vagal.engine.core import Engine
    from vagal.pacer import Pacer

    return Engine(pacer=Pacer())


def run_engine(beats: list[Any]) -> float:
    """Seconds to push every beat through a fresh engine."""
    engine = _engine()
    engine.push(beats[0])  # first recompute imports scipy: not part of the per-beat cost
    for b in beats[1:400]:
        engine.push(b)
    engine = _engine()
    gc.collect()
    t0 = time.perf_counter()
    for b in beats:
        engine.push(b)
    return time.perf_counter() - t0


def run_memory(beats: list[Any]) -> tuple[int, int, int]:
    """(traced bytes after 1/4 of the beats, at the end, peak) for a fresh engine."""
    engine = _engine()
    quarter = len(beats) // 4
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    at_quarter = 0
    for i, b in enumerate(beats):
        engine.push(b)
        if i == quarter:
            gc.collect()
            at_quarter = tracemalloc.get_traced_memory()[0] - base
    gc.collect()
    end, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return at_quarter, end - base, peak - base


def _naive_beat(nk: Any, rr_ms: np.ndarray, t_s: np.ndarray, i: int, pace_hz: float) -> None:
    """Every window metric the engine keeps, recomputed with neurokit2 for beat i."""

    def window(window_s: float) -> np.ndarray:
        first = int(np.searchsorted(t_s, t_s[i] - window_s, side="right"))
        return rr_ms[first : i + 1]

    def peaks(rr: np.ndarray) -> np.ndarray:
        return np.concatenate(([0.0], np.cumsum(rr))).round().astype(int)

    # RMSSD/SDNN/pNN50 on 60 s; LF/HF on 120 s.
    nk.hrv_time(peaks(window(60.0)), sampling_rate=1000)
    nk.hrv_frequency(peaks(window(120.0)), sampling_rate=1000, interpolation_rate=4, normalize=False)
    # Coherence: the PSD of the last 64 s of RR at 4 Hz.
    rri, _, _ = nk.intervals_process(window(64.0), interpolate=True, interpolation_rate=4)
    nk.signal_psd(rri, sampling_rate=4, method="welch", normalize=False)
    # Breathing rate: the PSD peak of the last 60 s; RSA: extrema of band-passed heart rate;
    # synchrony: Hilbert phase of heart rate against the pacer's phase.
    rri, t_grid, _ = nk.intervals_process(window(60.0), interpolate=True, interpolation_rate=4)
    psd = nk.signal_psd(rri, sampling_rate=4, method="welch", normalize=False)
    band = psd[(psd["Frequency"] >= 0.05) & (psd["Frequency"] < 0.5)]
    float(band["Frequency"].iloc[int(np.argmax(band["Power"].to_numpy()))])
    hr = nk.signal_filter(60000.0 / rri, sampling_rate=4, lowcut=0.05, highcut=0.5)
    nk.signal_findpeaks(-hr)
    nk.signal_findpeaks(hr)
    phase = nk.signal_phase(hr)
    np.abs(np.mean(np.exp(1j * (phase - 2.0 * np.pi * pace_hz * np.asarray(t_grid, dtype=float)))))


def run_naive(rr_ms: np.ndarray, samples: int) -> float:
    """Mean seconds per beat to recompute the same window metrics with neurokit2."""
    import neurokit2 as nk

    t = np.cumsum(rr_ms) / 1000.0
    idx = np.linspace(200, rr_ms.size - 1, samples).astype(int)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _naive_beat(nk, rr_ms, t, int(idx[0]), 0.1)  # warm up imports and caches
        for i in idx:
            t0 = time.perf_counter()
            _naive_beat(nk, rr_ms, t, int(i), 0.1)
            times.append(time.perf_counter() - t0)
    return float(np.mean(times))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--copies", type=int, default=21, help="tile the recording this many times (default 21 ≈ a day)"
    )
    ap.add_argument("--naive-samples", type=int, default=40, help="beats timed for the naive approach")
    ap.add_argument("--quick", action="store_true", help="3 copies, 10 naive samples (while developing)")
    args = ap.parse_args()
    copies, samples = (3, 10) if args.quick else (args.copies, args.naive_samples)

    path = _longest_recording()
    one = np.loadtxt(path, skiprows=1, dtype=np.float64)
    rr = np.tile(one, copies)
    beats = _beats(rr)
    hours = float(rr.sum()) / 3.6e6
    print(
        f"data:    {path.name} ({one.size:,} beats, {one.sum() / 3.6e6:.2f} h) tiled {copies}x "
        f"= {rr.size:,} beats, {hours:.1f} h of session time"
    )

    secs = run_engine(beats)
    per_beat_us = secs / len(beats) * 1e6
    rate = len(beats) / secs
    print(
        f"engine:  {rate:,.0f} beats/s, {per_beat_us:.1f} µs/beat "
        f"(full metric set, spectral every 5 s of session time; {secs:.2f} s in all)"
    )

    naive_us = run_naive(one, samples) * 1e6
    ratio = naive_us / per_beat_us
    print(
        f"naive:   {naive_us:,.0f} µs/beat (the same window metrics with neurokit2 at every beat: "
        f"hrv_time 60 s, hrv_frequency 120 s, PSDs of 64 s and 60 s, band-passed HR extrema and "
        f"phase; mean of {samples} beats)"
    )
    print(f"ratio:   the engine is {ratio:,.0f}x cheaper per beat than the naive approach")

    q, end, peak = run_memory(beats)
    print(
        f"memory:  traced {q / 1024:,.0f} KiB after 1/4 of the beats, {end / 1024:,.0f} KiB at the end "
        f"(peak {peak / 1024:,.0f} KiB)"
    )

    checks = [
        (f"≥ {TARGET_BEATS_PER_S:,.0f} beats/s", rate >= TARGET_BEATS_PER_S),
        (f"≥ {TARGET_RATIO:.0f}x cheaper than naive", ratio >= TARGET_RATIO),
        ("memory flat (end ≤ 1.25 × quarter + 64 KiB)", end <= 1.25 * q + 65536),
    ]
    for name, ok in checks:
        print(f"target:  {name}: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
