"""Benchmark: vagal's full HRV analysis of a day of beats, against neurokit2's ``hrv()``.

What is measured, in one run on this machine:

* **vagal, a day**: the longest real recording in ../shared/data (``pyhrv_nsr_1h.csv``,
  4,684 beats, 1 h) TILED to 100,000 beats (21.3 copies ≈ 21 h, joined end to end on one
  time axis; there is no real day-long recording yet) through ``vagal.hrv.analyze_rr``
  with its defaults: artifact correction, time domain, 4 Hz spline + smoothness priors +
  Welch, Poincaré, sample entropy, DFA α1/α2, coherence every 5 s. Best of 3 runs.
* **vagal, strap-like day**: the same beats moved to a 1/1024 s grid with ±4 ms jitter,
  so that nearly every template is distinct (what a BLE strap gives; correction then leaves
  ~1,900 distinct NN values): the worst case for sample entropy (its bitset count instead
  of the summed-area table). Best of 3.
* **whole process**: ``vagal analyze FILE`` in a fresh interpreter (``python -m vagal``),
  best of 5: the 5-minute sample (the start-up target, ≤ 0.5 s) and both days written to
  CSV files, so that import and file reading count as a person feels them.
* **neurokit2 ``hrv()``** (time + frequency + nonlinear, its defaults, no correction) on
  the first 1,171 and 2,342 beats (and 4,684 with ``--full``), and vagal on the very same
  beats: measured times and their ratio, in process and as whole processes (each
  importing its library and reading the same CSV). neurokit2 grows about as N² (~11 s for
  2,342 beats), so 100,000 beats would take hours: its time there is EXTRAPOLATED from a
  power law through the two largest measured sizes, and printed as such.

Run:  python benchmarks/bench_hrv.py            (about a minute)
      python benchmarks/bench_hrv.py --full     (adds neurokit2 on the whole hour, ~1 min more)
      python benchmarks/bench_hrv.py --quick    (neurokit2 on 586 and 1,171 beats only)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
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
TARGET_STARTUP_S = 0.5
TARGET_RATIO = 10.0
SAMPLE_5MIN = REPO / "samples" / "pyhrv_nsr_5min.csv"
_NK_SCRIPT = (
    "import sys, warnings, numpy as np\n"
    "warnings.simplefilter('ignore')\n"
    "import neurokit2 as nk\n"
    "rr = np.loadtxt(sys.argv[1], skiprows=1)\n"
    "nk.hrv(np.concatenate(([0], np.cumsum(rr))).astype(np.int64), sampling_rate=1000)\n"
)


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


def _whole_process(args: list[str], repeat: int) -> float:
    """Best wall time of a fresh interpreter running ``args`` (output discarded)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return min(times)


def _write_csv(path: Path, rr: npt.NDArray[np.float64]) -> Path:
    np.savetxt(path, rr, fmt="%.10g", header="rr_ms", comments="")  # 1/1024 s steps are exact in 10 digits
    return path


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

    analyze_rr(day[:2000])  # warm-up: the first calls' imports are not analysis time
    t_day = _best_of(lambda: analyze_rr(day), 3)
    t_strap = _best_of(lambda: analyze_rr(strap), 3)
    res = analyze_rr(day)
    print()
    print("in process (vagal.hrv.analyze_rr):")
    print(f"  {day.size:,} beats, tiled day:             {t_day:7.3f} s  (best of 3)")
    print(f"  {day.size:,} beats, strap-like (1/1024 s): {t_strap:7.3f} s  (best of 3)")
    st = _stages(day)
    print("  stages on the tiled day:      " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in st.items()))
    st2 = _stages(strap)
    print("  stages on the strap-like day: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in st2.items()))
    from vagal.hrv.artifacts import correct_artifacts
    from vagal.hrv.nonlinear import _SAT_MAX_CELLS

    n_values = np.unique(correct_artifacts(strap).rr_ms).size
    print(
        f"  (strap-like: {n_values:,} distinct NN values after correction: sample entropy takes "
        f"{'the summed-area table' if n_values**3 <= _SAT_MAX_CELLS else 'its bitset count'})"
    )
    print(
        f"  result: RMSSD {res.rmssd_ms:.1f} ms, LF/HF {res.lf_hf:.2f}, SampEn {res.sampen:.3f}, "
        f"α1 {res.dfa_alpha1:.2f}, α2 {res.dfa_alpha2:.2f}, artifacts {res.artifacts_pct:.1f} %"
    )

    tmp = Path(tempfile.mkdtemp(prefix="vagal-bench-"))
    day_csv = _write_csv(tmp / "day.csv", day)
    strap_csv = _write_csv(tmp / "strap_day.csv", strap)
    w_5min = _whole_process(["-m", "vagal", "analyze", str(SAMPLE_5MIN)], 5)
    w_day = _whole_process(["-m", "vagal", "analyze", str(day_csv)], 3)
    w_strap = _whole_process(["-m", "vagal", "analyze", str(strap_csv)], 3)
    w_help = _whole_process(["-m", "vagal", "--help"], 5)
    print()
    print("whole process (python -m vagal …, a fresh interpreter: imports, reading, analysis, output):")
    print(f"  vagal --help:                                {w_help:7.3f} s  (best of 5)")
    print(f"  vagal analyze {SAMPLE_5MIN.name} (5 min):   {w_5min:7.3f} s  (best of 5)")
    print(f"  vagal analyze, {day.size:,} beats, tiled day:  {w_day:7.3f} s  (best of 3)")
    print(f"  vagal analyze, {day.size:,} beats, strap-like: {w_strap:7.3f} s  (best of 3)")

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
            csv = _write_csv(tmp / f"first_{n}.csv", x)
            w_nk = _whole_process(["-c", _NK_SCRIPT, str(csv)], 1)
            w_v = _whole_process(["-m", "vagal", "analyze", str(csv)], 3)
            print(
                f"  {n:>6,} beats: in process  neurokit2 {t_nk:8.2f} s   vagal {t_v * 1000:7.1f} ms   "
                f"ratio {t_nk / t_v:8.0f}×"
            )
            print(
                f"  {'':>6}        whole process neurokit2 {w_nk:8.2f} s   vagal {w_v * 1000:7.1f} ms   "
                f"ratio {w_nk / w_v:8.1f}×"
            )
    shutil.rmtree(tmp, ignore_errors=True)
    (n1, t1, _), (n2, t2, _) = measured[-2], measured[-1]
    k = np.log(t2 / t1) / np.log(n2 / n1)
    t_nk_day = t2 * (day.size / n2) ** k
    print(
        f"  {day.size:>6,} beats: neurokit2 ≈ {t_nk_day:8.0f} s EXTRAPOLATED (∝ N^{k:.2f} from {n1:,} and "
        f"{n2:,} beats; not run)   vagal {t_day:.3f} s   ratio ≈ {t_nk_day / t_day:,.0f}×"
    )
    print()
    ok_time = max(t_day, t_strap) < TARGET_DAY_S
    ok_start = w_5min <= TARGET_STARTUP_S
    min_ratio = min(t_nk / t_v for _, t_nk, t_v in measured)
    ok_ratio = min_ratio >= TARGET_RATIO
    print(
        f"target: a day (100,000 beats) in < {TARGET_DAY_S:g} s in process, tiled and strap-like: "
        f"{'met' if ok_time else 'NOT met'} ({t_day:.3f} s, {t_strap:.3f} s)"
    )
    print(
        f"target: vagal analyze of a 5-minute file ≤ {TARGET_STARTUP_S:g} s whole process: "
        f"{'met' if ok_start else 'NOT met'} ({w_5min:.3f} s)"
    )
    print(
        f"target: ≥ {TARGET_RATIO:g}× faster than neurokit2 hrv() on the same beats: "
        f"{'met' if ok_ratio else 'NOT met'} (smallest measured ratio {min_ratio:,.0f}×)"
    )
    return 0 if ok_time and ok_ratio and ok_start else 1


if __name__ == "__main__":
    raise SystemExit(main())
