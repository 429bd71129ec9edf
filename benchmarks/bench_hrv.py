"""Benchmark: vagal's full HRV analysis of a day of beats, against neurokit2's ``hrv()``.

What is measured, in one run on this machine:

* **vagal, a day**: the longest real recording in ../shared/data (``pyhrv_nsr_1h.csv``,
  4,684 beats, 1 h) TILED to 100,000 beats (21.3 copies ≈ 21 h, joined end to end on one
  time axis; there is no real day-long recording yet) through ``vagal.hrv.analyze_rr``
  with its defaults: artifact correction, time domain, 4 Hz spline + smoothness priors +
  Welch, Poincaré, sample entropy, DFA α1/α2, coherence every 5 s. Best of 3 runs.
* **vagal, strap-like day**: the same beats moved to a 1/1024 s grid with ±4 ms jitter,
  so that nearly every template is distinct (what a BLE strap gives); this is the worst
  case for sample entropy (its k-d tree path instead of the summed-area table).
* **neurokit2 ``hrv()``** (time + frequency + nonlinear, its defaults, no correction) on
  the first 1,171 and 2,342 beats (and 4,684 with ``--full``), and vagal on the very same
  beats: measured times and their ratio. neurokit2 grows about as N² (~11 s for 2,342
  beats), so 100,000 beats would take hours: its time there is EXTRAPOLATED from a power
  law through the two largest measured sizes, and printed as such.

Run:  python benchmarks/bench_hrv.py            (about 30 s)
      python benchmarks/bench_hrv.py --full     (adds neurokit2 on the whole hour, ~1 min more)
      python benchmarks/bench_hrv.py --quick    (neurokit2 on 586 and 1,171 beats only)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
DAY_BEATS = 100_000
TARGET_DAY_S = 1.0
TARGET_RATIO = 10.0


def _longest_recording() -> Path:
    files = sorted(DATA.glob("*.csv")) or sorted((REPO / "samples").glob("*.csv"))
    if not files:
        sys.exit("bench_hrv: no recordings in ../shared/data or samples/")
    return max(files, key=lambda p: np.loadtxt(p, skiprows=1).size)


def _best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _stages(rr: npt.NDArray[np.float64]) -> dict[str, float]:
    """Time of each stage of analyze_rr, called one by one on the same beats."""
    from vagal.hrv import time_domain
    from vagal.hrv.analysis import _welch_gapped
    from vagal.hrv.artifacts import correct_artifacts
    from vagal.hrv.coherence import coherence_series
    from vagal.hrv.nonlinear import dfa_alpha1, dfa_alpha2, poincare, sample_entropy

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    c = correct_artifacts(rr)
    out["artifacts"] = time.perf_counter() - t0
    nn, t, b = c.rr_ms, c.t_s, c.breaks
    steps: dict[str, Callable[[], Any]] = {
        "time domain": lambda: time_domain(nn, breaks=b),
        "spectrum": lambda: _welch_gapped(t, nn, b),
        "poincare": lambda: poincare(nn, breaks=b),
        "sampen": lambda: sample_entropy(nn, breaks=b),
        "dfa": lambda: (dfa_alpha1(nn), dfa_alpha2(nn)),
        "coherence": lambda: coherence_series(t, nn, breaks=b),
    }
    for name, fn in steps.items():
        t0 = time.perf_counter()
        fn()
        out[name] = time.perf_counter() - t0
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="neurokit2 on 586 and 1,171 beats only")
    g.add_argument("--full", action="store_true", help="neurokit2 also on the whole hour (4,684 beats)")
    args = parser.parse_args()

    from vagal.hrv import analyze_rr

    src = _longest_recording()
    hour = np.loadtxt(src, skiprows=1, dtype=np.float64)
    copies = DAY_BEATS / hour.size
    day = np.tile(hour, int(np.ceil(copies)))[:DAY_BEATS]
    rng = np.random.default_rng(0)
    strap = np.round((day + rng.uniform(-4, 4, day.size)) * 1.024) / 1.024  # 1/1024 s units
    print(
        f"data: {src.name} ({hour.size:,} beats, {hour.sum() / 3.6e6:.2f} h), the longest recording in {DATA}"
    )
    print(
        f"      TILED {copies:.1f}× to {day.size:,} beats ({day.sum() / 3.6e6:.1f} h): "
        "there is no real day-long recording; the copies are joined end to end"
    )

    analyze_rr(day[:2000])  # warm-up: scipy's first imports (~0.1 s) are not analysis time
    t_day = _best_of(lambda: analyze_rr(day), 3)
    t_strap = _best_of(lambda: analyze_rr(strap), 1)
    res = analyze_rr(day)
    print()
    print(f"vagal analyze_rr, {day.size:,} beats (tiled day):             {t_day:7.3f} s  (best of 3)")
    print(f"vagal analyze_rr, {day.size:,} beats (strap-like, 1/1024 s): {t_strap:7.3f} s  (1 run)")
    st = _stages(day)
    print("  stages on the tiled day: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in st.items()))
    st2 = _stages(strap)
    from vagal.hrv.artifacts import correct_artifacts

    n_values = np.unique(correct_artifacts(strap).rr_ms).size
    print(
        f"  sample entropy on the strap-like day: {st2['sampen'] * 1000:.0f} ms "
        f"({n_values:,} distinct NN values after correction: "
        f"{'block sweep' if n_values <= 1200 else 'k-d tree'} path)"
    )
    print(
        f"  result: RMSSD {res.rmssd_ms:.1f} ms, LF/HF {res.lf_hf:.2f}, SampEn {res.sampen:.3f}, "
        f"α1 {res.dfa_alpha1:.2f}, α2 {res.dfa_alpha2:.2f}, artifacts {res.artifacts_pct:.1f} %"
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import neurokit2 as nk

        sizes = [586, 1171] if args.quick else [1171, 2342] + ([hour.size] if args.full else [])
        print()
        print("neurokit2 hrv() (time + frequency + nonlinear, defaults) vs vagal analyze_rr, same beats:")
        measured: list[tuple[int, float, float]] = []
        for n in sizes:
            x = hour[:n]
            peaks = np.concatenate(([0], np.cumsum(x))).astype(np.int64)
            t_nk = _best_of(lambda p=peaks: nk.hrv(p, sampling_rate=1000), 1)
            t_v = statistics.median(_best_of(lambda x=x: analyze_rr(x), 1) for _ in range(5))
            measured.append((n, t_nk, t_v))
            print(
                f"  {n:>6,} beats: neurokit2 {t_nk:8.2f} s   vagal {t_v * 1000:7.1f} ms   ratio {t_nk / t_v:8.0f}×"
            )
    (n1, t1, _), (n2, t2, _) = measured[-2], measured[-1]
    k = np.log(t2 / t1) / np.log(n2 / n1)
    t_nk_day = t2 * (day.size / n2) ** k
    print(
        f"  {day.size:>6,} beats: neurokit2 ≈ {t_nk_day:8.0f} s EXTRAPOLATED (∝ N^{k:.2f} from {n1:,} and "
        f"{n2:,} beats; not run)   vagal {t_day:.3f} s   ratio ≈ {t_nk_day / t_day:,.0f}×"
    )
    print()
    ok_time = t_day < TARGET_DAY_S
    min_ratio = min(t_nk / t_v for _, t_nk, t_v in measured)
    ok_ratio = min_ratio >= TARGET_RATIO
    print(
        f"target: a day (100,000 beats) in < {TARGET_DAY_S:g} s: {'met' if ok_time else 'NOT met'} ({t_day:.3f} s)"
    )
    print(
        f"target: ≥ {TARGET_RATIO:g}× faster than neurokit2 hrv() on the same beats: "
        f"{'met' if ok_ratio else 'NOT met'} (smallest measured ratio {min_ratio:,.0f}×)"
    )
    return 0 if ok_time and ok_ratio else 1


if __name__ == "__main__":
    raise SystemExit(main())
