"""Benchmark: memory of replaying a day-long session in the dashboard, and headless.

* **dashboard**: a fresh interpreter runs the Textual app headless (``App.run_test``, the
  pilot the UI tests use) on ``ReplaySource(DAY, speed=inf, hold_at_end=True)``, as
  ``vagal replay DAY --speed max`` does, and while it plays seeks the way a person does: →
  and ← (10 s), and jumps far back and forward (the source's ``seek``, which the dashboard
  answers with ``Engine.replay_to``). It waits for the end of the file, then leaves. Its
  peak resident memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss``.
* **headless**: ``vagal replay DAY --headless --speed max`` in a fresh interpreter, peak RSS
  of that process (``os.wait4``).

DAY is the longest real recording in ../shared/data (``pyhrv_nsr_1h.csv``) tiled to about
24 hours (there is no real day-long recording). Targets (issue 13): dashboard < 300 MB,
headless < 100 MB.

Run:  python benchmarks/bench_ui_memory.py              (a day: a few minutes)
      python benchmarks/bench_ui_memory.py --copies 3   (3 hours: quicker)
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
TARGET_UI_MB = 300.0
TARGET_HEADLESS_MB = 100.0


def _write_day(copies: int, folder: Path) -> tuple[Path, int]:
    files = sorted(DATA.glob("*.csv")) or sorted((REPO / "samples").glob("*.csv"))
    if not files:
        sys.exit("bench_ui_memory: no recordings in ../shared/data or samples/")
    src = max(files, key=lambda p: np.loadtxt(p, skiprows=1).size)
    rr = np.tile(np.loadtxt(src, skiprows=1), copies)
    out = folder / f"day_{copies}x.csv"
    out.write_text("rr_ms\n" + "\n".join(f"{v:g}" for v in rr.tolist()) + "\n")
    return out, int(rr.size)


async def _drive(path: Path, timeout_s: float) -> dict[str, float]:
    from vagal.sources.replay import ReplaySource
    from vagal.ui.app import make_app

    source = ReplaySource(path, speed=math.inf, hold_at_end=True)
    app = make_app(source, mode="replay", clock=source.clock)
    seeks = 0
    t0 = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        duration = source.duration_s
        # far jumps a person makes with the slider or the marker keys: back to a quarter,
        # on to three quarters, back to the middle
        plan = [0.25, 0.75, 0.5]
        while not source.at_end:
            if time.perf_counter() - t0 > timeout_s:
                sys.exit(f"bench_ui_memory: the replay did not end within {timeout_s:.0f} s")
            await pilot.pause(0.2)
            pos = source.position_s / duration if duration else 1.0
            if plan and pos > plan[0] + 0.05:
                source.seek(plan.pop(0) * duration)
                seeks += 1
            elif pos > 0.1 and seeks < 12 and seeks % 2 == 0:
                await pilot.press("left")
                await pilot.press("right")
                seeks += 2
        await pilot.pause(0.5)
        await pilot.press("q")
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "seeks": float(seeks)}


def child(path: Path, timeout_s: float) -> None:
    res = asyncio.run(_drive(path, timeout_s))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux
    print(f"{peak:.1f} {res['wall_s']:.1f} {res['seeks']:.0f}")


def headless(path: Path) -> tuple[float, float, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, "-m", "vagal", "replay", str(path), "--headless", "--speed", "max"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench_ui_memory: the headless replay failed")
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=24, help="copies of the hour (24: about a day)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="give up after this many seconds")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.timeout)
        return
    with tempfile.TemporaryDirectory() as tmp:
        day, beats = _write_day(args.copies, Path(tmp))
        print(f"data: pyhrv_nsr_1h.csv tiled {args.copies}x = {beats:,} beats (a real hour repeated)")
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HOME": tmp, "XDG_DATA_HOME": tmp}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(day), "--timeout", str(args.timeout)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            sys.exit(f"bench_ui_memory: the dashboard run failed: {out.stderr[-800:]}")
        peak, wall, seeks = (float(x) for x in out.stdout.split()[-3:])
        ok = "met" if peak < TARGET_UI_MB else "NOT met"
        print(f"dashboard (Textual pilot, --speed max, {seeks:.0f} seeks): peak RSS {peak:.0f} MB, wall {wall:.0f} s")
        print(f"  target < {TARGET_UI_MB:.0f} MB: {ok}")
        _wall_h, cpu_h, rss_h = headless(day)
        ok = "met" if rss_h < TARGET_HEADLESS_MB else "NOT met"
        print(f"headless (vagal replay --headless --speed max): peak RSS {rss_h:.0f} MB, CPU {cpu_h:.1f} s")
        print(f"  target < {TARGET_HEADLESS_MB:.0f} MB: {ok}")
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
