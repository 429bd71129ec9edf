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
* **late in a long session**: a pair of ``--hours`` (24 by default) held as the session
  state holds them (``vagal.engine.pair.PairBeats``: the beats so far, as they came), and
  the live recompute as ``PairState.live_result`` makes it (``person_beats`` of each, then
  ``synchrony_live``) every 5 s over the last 10 minutes, beats arriving in between:
  milliseconds per recompute. Run it on an earlier commit too (``PYTHONPATH`` on a ``git
  archive`` of it) to see the whole-record copy that grew with the session.

Run:  python benchmarks/bench_synchrony.py           (about a minute: the day takes 10 s to simulate)
      python benchmarks/bench_synchrony.py --quick   (fewer recomputes, no hour, 4 hours for the long one)
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


def _late_in_a_long_session(hours: float) -> None:
    """The live recompute as the session state makes it, in the last 10 minutes of ``hours``."""
    from vagal.engine.pair import PairBeats
    from vagal.events import Beat
    from vagal.hrv import synchrony as sy

    a, b, pacer = _pair(hours * 3600.0, seed=3)
    held = (PairBeats(), PairBeats())
    streams = [list(zip(np.asarray(p.t_s).tolist(), np.asarray(p.rr_ms).tolist(), strict=True)) for p in (a, b)]
    start = hours * 3600.0 - 600.0
    nxt = [0, 0]
    for k, stream in enumerate(streams):  # all but the last 10 minutes, as they came
        while nxt[k] < len(stream) and stream[nxt[k]][0] < start:
            held[k].add(Beat(t_s=stream[nxt[k]][0], rr_ms=stream[nxt[k]][1]))
            nxt[k] += 1
    cpus = []
    for now in np.arange(start, hours * 3600.0 - 1.0, 5.0):
        for k, stream in enumerate(streams):  # the beats of the next 5 s arrive
            while nxt[k] < len(stream) and stream[nxt[k]][0] <= now:
                held[k].add(Beat(t_s=stream[nxt[k]][0], rr_ms=stream[nxt[k]][1]))
                nxt[k] += 1
        c0 = time.process_time()
        pa, pb = (h.person_beats(upto=len(h.t_s)) for h in held)
        sy.synchrony_live(pa, pb, now_s=float(now), guide=pacer.phase_at)
        cpus.append((time.process_time() - c0) * 1000.0)
    n = len(held[0].t_s) + len(held[1].t_s)
    print(
        f"late in a {hours:g}-hour session ({n:,} beats held), the live recompute as PairState makes it "
        f"(person_beats + synchrony_live), {len(cpus)} recomputes: cpu ms median {statistics.median(cpus):.1f}, "
        f"p95 {_pct(cpus, 95):.1f}, worst {max(cpus):.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer recomputes and no hour-long session")
    ap.add_argument("--hours", type=float, default=None, help="the long session's length (24; --quick: 4)")
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
    _late_in_a_long_session(args.hours if args.hours is not None else (4.0 if args.quick else 24.0))


if __name__ == "__main__":
    main()
