"""Benchmark: scoring a resonance assessment, per step, against neurokit2 on the same windows.

What is measured, in one run on this machine:

* **vagal**: ``vagal.hrv.resonance.score_assessment`` on a simulated adult assessment
  (5 steps, 13.5 min, about 900 beats; the simulated person follows the schedule's
  guide): the artifact correction over the whole series, then per step the RR spectrum,
  the breathing rate, RSA per guide breath, the phase, smoothness and the choice. Best
  of several repeats, after a warm-up (scipy's first import is not counted); reported
  per step.
* **neurokit2**: ``hrv_frequency`` (4 Hz interpolation, Welch) on each step's scored
  window of the same beats: one peer spectral analysis per step, the nearest thing a
  peer offers (neurokit2 has no resonance assessment).
* **first call**: the same scoring in a fresh interpreter, import included, as ``vagal
  resonance --from`` would pay it once.

Run:  python benchmarks/bench_resonance.py            (about 20 s)
      python benchmarks/bench_resonance.py --quick
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def _assessment(seed: int = 1) -> tuple[np.ndarray, np.ndarray, object]:
    import dataclasses

    from vagal.pacer import resonance_schedule
    from vagal.sources.physiology import Person, simulate_rr

    sched = resonance_schedule()
    person = dataclasses.replace(
        Person.draw(np.random.default_rng(seed)), resonance_hz=5.5 / 60, resonance_q=3.0
    )
    t, rr = simulate_rr(sched.end_s + 5.0, seed=seed, breathing=sched.pacer().volume_at, person=person)
    return t, rr, sched


def _best(fn: object, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def _first_call_s() -> float:
    code = (
        "import time, numpy as np\n"
        "t0 = time.perf_counter()\n"
        "from vagal.hrv.resonance import score_assessment\n"
        "from vagal.pacer import resonance_schedule\n"
        "s = resonance_schedule()\n"
        "t = np.cumsum(np.full(900, 900.0)) / 1000.0\n"
        "rr = 900.0 + 40.0 * np.sin(2 * np.pi * t / 10.0)\n"
        "score_assessment(t, rr, s.steps)\n"
        "print(time.perf_counter() - t0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    repeats = 5 if args.quick else 20

    from vagal.hrv.resonance import score_assessment

    t, rr, sched = _assessment()
    steps = sched.steps  # type: ignore[attr-defined]
    score_assessment(t, rr, steps)  # warm-up: scipy imports, caches
    vagal_s = _best(lambda: score_assessment(t, rr, steps), repeats)
    n = len(steps)
    print(f"assessment: {n} steps, {t.size} beats, {t[-1] / 60:.1f} min (simulated, seed 1)")
    print(
        f"vagal score_assessment: {vagal_s * 1e3:.1f} ms in all, {vagal_s / n * 1e3:.2f} ms per step (best of {repeats})"
    )

    try:
        import neurokit2 as nk
    except ImportError:
        print("neurokit2 not installed: no peer timing (pip install -e '.[test]')")
        nk = None
    if nk is not None:
        windows = []
        for s in steps:
            m = (t >= s.scored_from_s) & (t <= s.end_s)
            windows.append(rr[m])

        def peer() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for w in windows:
                    peaks = nk.intervals_to_peaks(w, sampling_rate=1000)
                    nk.hrv_frequency(peaks, sampling_rate=1000, interpolation_rate=4)

        peer()
        peer_s = _best(peer, max(3, repeats // 4))
        print(
            f"neurokit2 hrv_frequency on the same {n} windows: {peer_s * 1e3:.1f} ms, "
            f"{peer_s / n * 1e3:.2f} ms per step; vagal/neurokit2 = {vagal_s / peer_s:.2f}"
        )
    print(f"first call in a fresh interpreter (imports included): {_first_call_s() * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
