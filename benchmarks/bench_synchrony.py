"""Benchmark: the live together view's recompute, and whole sessions, against a direct WCC loop.

What is measured, in one run on this machine:

* **live**: a seeded simulated pair (coupling 0.8, one 6/min guide, 15 minutes), and
  ``vagal.hrv.synchrony.synchrony_live`` recomputed every 5 s of session time from 2:00 to
  15:00 (157 recomputes), each over the last 2 minutes *with its 500 surrogates* (drawn
  from B's stretches of the last 10 minutes), from the beats as the engine would hold them
  (the whole session so far). Milliseconds per
  recompute: wall time and this process's CPU time (the machine is shared: wall time
  includes waiting for a core), median, 95th percentile and worst. Target: < 20 ms.
  Also the stages of one recompute at 12:00: the heart-rate grids (splines: A's last
  2 minutes, B's last 10), the guide's phase on the grid, and the core.
* **direct loop**: what a straight port of rMEA's ``MEAccf`` does (a Pearson r per window
  and lag with ``np.corrcoef``), for the observed windows of the same 2 minutes only (no
  surrogates): its time next to vagal's whole recompute, and their ratio.
* **offline**: ``synchrony_session`` over a whole 15-minute and a whole 1-hour pair (500
  surrogates each).

Run:  python benchmarks/bench_synchrony.py           (about 30 s)
      python benchmarks/bench_synchrony.py --quick   (fewer recomputes, no hour)
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

TARGET_MS = 20.0


def _pair(duration_s: float, seed: int) -> tuple[Any, Any, Any]:
    from vagal.hrv.synchrony import PersonBeats
    from vagal.pacer import Pacer
    from vagal.sources.physiology import simulate_pair_rr

    pacer = Pacer()
    pb = simulate_pair_rr(duration_s, seed=seed, breathing=pacer.volume_at, coupling=0.8)
    return PersonBeats(*pb.a), PersonBeats(*pb.b), pacer


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - w0) * 1000.0, (time.process_time() - c0) * 1000.0, out


def _upto(p: Any, t_s: float) -> Any:
    from vagal.hrv.synchrony import PersonBeats

    t = np.asarray(p.t_s)
    k = int(np.searchsorted(t, t_s, side="right"))
    return PersonBeats(t[:k], np.asarray(p.rr_ms)[:k])


def _direct_wcc_ms(hr_a: np.ndarray, hr_b: np.ndarray) -> float:
    w, lag, step = 120, 20, 20
    t0 = time.perf_counter()
    for s in range(lag, hr_a.size - w - lag + 1, step):
        for tau in range(-lag, lag + 1):
            np.corrcoef(hr_a[s : s + w], hr_b[s + tau : s + tau + w])
    return (time.perf_counter() - t0) * 1000.0


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer recomputes and no hour-long session")
    args = ap.parse_args()

    from vagal.hrv import synchrony as sy

    a, b, pacer = _pair(900.0, seed=1)
    sy.synchrony_live(a, b, now_s=300.0, guide=pacer.phase_at)  # first call: scipy's import
    nows = np.arange(120.0, 900.0 + 1e-9, 5.0)
    if args.quick:
        nows = nows[::4]
    walls, cpus, above = [], [], 0
    for now in nows:
        ca, cb = _upto(a, now), _upto(b, now)
        wall, cpu, res = _timed(
            lambda ca=ca, cb=cb, now=now: sy.synchrony_live(ca, cb, now_s=now, guide=pacer.phase_at)
        )
        walls.append(wall)
        cpus.append(cpu)
        above += bool(res.above_chance)
    print(
        f"live recompute (last 2 min, {sy.DEFAULT_N_SURROGATES} surrogates), {len(nows)} recomputes every 5 s:"
    )
    print(
        f"  wall ms: median {statistics.median(walls):.1f}, p95 {_pct(walls, 95):.1f}, worst {max(walls):.1f}"
        f"   cpu ms: median {statistics.median(cpus):.1f}, p95 {_pct(cpus, 95):.1f}, worst {max(cpus):.1f}"
    )
    met = "met" if statistics.median(cpus) < TARGET_MS and _pct(cpus, 95) < TARGET_MS else "NOT met"
    print(f"  target < {TARGET_MS:.0f} ms per recompute: {met} (CPU time; median and p95)")
    print(f"  above chance in {above} of {len(nows)} recomputes (coupled pair)")

    # Stages of one recompute at 12:00 (as synchrony_live does them).
    now = 720.0
    pool = now - 600.0 + np.arange(2401) / 4.0
    mine = pool >= now - 120.0
    reps = 20
    t_grid = min(
        _timed(lambda: (sy.heart_rate_on_grid(a, pool[mine]), sy.heart_rate_on_grid(b, pool)))[1]
        for _ in range(reps)
    )
    t_guide = min(_timed(lambda: sy._sample_guide(pacer.phase_at, pool, 4.0))[1] for _ in range(reps))
    hr_a = np.full(pool.size, np.nan)
    hr_a[mine] = sy.heart_rate_on_grid(a, pool[mine])
    hr_b = sy.heart_rate_on_grid(b, pool)
    phase = sy._sample_guide(pacer.phase_at, pool, 4.0)

    def core() -> Any:
        return sy.synchrony_from_series(
            hr_a, hr_b, t0_s=pool[0], guide_a=phase, guide_b=phase, windows_from_s=now - 120.0, block_s=120.0
        )

    t_core = min(_timed(core)[1] for _ in range(reps))
    print(
        f"  stages (best of {reps}, cpu ms): heart-rate grids {t_grid:.2f}, guide phase {t_guide:.2f}, "
        f"core {t_core:.2f}"
    )
    hr_a, hr_b = hr_a[mine], hr_b[mine]
    t_direct = min(_direct_wcc_ms(hr_a, hr_b) for _ in range(3))
    t_whole = min(
        _timed(lambda: sy.synchrony_live(a, b, now_s=now, guide=pacer.phase_at))[0] for _ in range(5)
    )
    print(
        f"direct loop (np.corrcoef per window and lag, as rMEA's MEAccf; observed windows only): "
        f"{t_direct:.1f} ms vs vagal's whole recompute with 500 surrogates {t_whole:.1f} ms "
        f"(ratio {t_direct / t_whole:.1f}x)"
    )

    sessions = [("15 minutes", a, b, pacer)]
    if not args.quick:
        ha, hb, hp = _pair(3600.0, seed=2)
        sessions.append(("1 hour", ha, hb, hp))
    for label, pa, pb, pp in sessions:
        wall, cpu, out = _timed(lambda pa=pa, pb=pb, pp=pp: sy.synchrony_session(pa, pb, guide=pp.phase_at))
        w = out.whole
        print(
            f"offline whole session, {label}: {wall:.0f} ms wall, {cpu:.0f} ms cpu; {w.n_windows} windows, "
            f"mean peak r {w.wcc_peak_r_mean:.3f} vs p95 {w.surrogate_p95:.3f}, lag {w.wcc_lag_s_median} s"
        )


if __name__ == "__main__":
    main()
