"""Benchmark: replay and seeking as a person uses them, whole process and each layer alone.

What is measured, in one run on this machine:

* **whole process**: ``python -m vagal replay DAY.csv --headless --speed max`` in a fresh
  interpreter (imports, reading, the source, the driver, the engine with the full metric set,
  the headless lines and summary). DAY is the longest real recording in ../shared/data
  (``pyhrv_nsr_1h.csv``, 4,684 beats) tiled 25× to 117,100 beats (~25 h; there is no real
  day-long recording: the output says so). Wall time, CPU time (user + system, the steadier
  figure on a shared machine) and the peak resident memory of that process.
* **engine alone**: the same file's events (``load_recording``) folded through
  ``vagal.engine.core.Engine(batch=True)`` in process (``Engine.fold``, as the headless replay does): the cost of the engine without the source, the
  driver and the output, so the cost of each layer shows.
* **before**: with ``--before REV`` the same whole-process replay of an earlier commit
  (``git archive REV src`` on ``PYTHONPATH``), interleaved with the current one, and the
  ratio.
* **seeking**: ``Engine.replay_to`` over the hour (every event of the recording up to its
  end: the worst seek), against the straightforward rebuild (``reset`` + ``push`` of each
  event), best of 3, and the ratio. Target: < 0.5 s.

Run:  python benchmarks/bench_replay.py                 (a few minutes under load)
      python benchmarks/bench_replay.py --copies 3      (a 3-hour file: quicker)
      python benchmarks/bench_replay.py --before main   (adds the earlier commit, interleaved)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
TARGET_BEATS_PER_S = 10_000.0
TARGET_SEEK_S = 0.5


def _longest_recording() -> Path:
    files = sorted(DATA.glob("*.csv")) or sorted((REPO / "samples").glob("*.csv"))
    if not files:
        sys.exit("bench_replay: no recordings in ../shared/data or samples/")
    return max(files, key=lambda p: np.loadtxt(p, skiprows=1).size)


def _write_day(src: Path, copies: int, folder: Path) -> tuple[Path, int]:
    rr = np.tile(np.loadtxt(src, skiprows=1), copies)
    out = folder / f"day_{copies}x.csv"
    out.write_text("rr_ms\n" + "\n".join(f"{v:g}" for v in rr.tolist()) + "\n")
    return out, int(rr.size)


def whole_process(day: Path, pythonpath: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one headless max-speed replay in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    cmd = [sys.executable, "-m", "vagal", "replay", str(day), "--headless", "--speed", "max"]
    # stderr to a file, not a pipe: a day's progress lines (one a minute) overfill a pipe
    # nobody reads until the end, and the replay then waits for ever.
    with tempfile.TemporaryFile() as err_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err_file)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err_file.seek(0)
            err = err_file.read().decode(errors="replace")
            sys.exit(f"bench_replay: replay failed ({proc.returncode}): {err[-500:]}")
    # ru_maxrss is in kB on Linux
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def _events(path: Path) -> list[Any]:
    """The events a replay of ``path`` sends (an RR list stands for its beats)."""
    from vagal.sessions.formats import load_recording
    from vagal.sessions.recording import beat_events

    rec = load_recording(path)
    return list(rec.events) if rec.events is not None else beat_events(rec)


def engine_alone(day: Path) -> tuple[float, int]:
    """(CPU s, events) to fold the file's events through a fresh engine in process, as the
    headless replay does (``Engine.fold``: no snapshot per event; the last one built)."""
    from vagal.engine.core import Engine

    events = _events(day)
    Engine(batch=True).replay_to(events[:2000])  # warm the imports (numpy, the first recompute)
    engine = Engine(batch=True)  # as the headless replay at full speed: recomputes in batches
    t0 = time.process_time()
    for e in events:
        engine.fold(e)
    engine.summary()  # the batches still queued
    assert engine.snapshot.t_s > 0
    return time.process_time() - t0, len(events)


def seeking(hour: Path) -> tuple[float, float]:
    """(replay_to s, reset + push each s), best of 3, over every event of an hour."""
    from vagal.engine.core import Engine

    events = _events(hour)
    engine = Engine()
    engine.replay_to(events[:500])
    fast = slow = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        engine.replay_to(events)
        fast = min(fast, time.perf_counter() - t0)
        t0 = time.perf_counter()
        engine.reset()
        for e in events:
            engine.push(e)
        slow = min(slow, time.perf_counter() - t0)
    return fast, slow


def _archive(rev: str, folder: Path) -> Path:
    """``git archive REV src`` unpacked under ``folder``; returns its ``src``."""
    tar = folder / "before.tar"
    with tar.open("wb") as f:
        subprocess.run(["git", "-C", str(REPO), "archive", rev, "src"], stdout=f, check=True)
    with tarfile.open(tar) as t:
        t.extractall(folder / "before", filter="data")
    return folder / "before" / "src"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=25, help="copies of the hour in the day file (25)")
    ap.add_argument("--runs", type=int, default=1, help="whole-process runs of each version (best kept)")
    ap.add_argument("--before", metavar="REV", help="also time this earlier commit, interleaved")
    args = ap.parse_args()

    src = _longest_recording()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        day, n_beats = _write_day(src, args.copies, folder)
        print(f"data: {src.name} tiled {args.copies}x = {n_beats:,} beats (a real hour repeated; no real day exists)")
        versions = {"now": REPO / "src"}
        if args.before:
            versions[f"before ({args.before})"] = _archive(args.before, folder)
        best: dict[str, tuple[float, float, float]] = {}
        for _ in range(args.runs):
            for name, path in versions.items():
                r = whole_process(day, path)
                if name not in best or r[1] < best[name][1]:
                    best[name] = r
        print("\nwhole process: vagal replay DAY --headless --speed max")
        for name, (wall, cpu, rss) in best.items():
            print(
                f"  {name:<16} wall {wall:6.1f} s  CPU {cpu:6.1f} s  "
                f"{n_beats / cpu:7,.0f} beats/s (CPU)  {n_beats / wall:7,.0f} beats/s (wall)  peak RSS {rss:5.0f} MB"
            )
        if args.before:
            now, before = best["now"], best[f"before ({args.before})"]
            print(f"  before / now: {before[1] / now[1]:.2f}x CPU, {before[0] / now[0]:.2f}x wall")
        cpu_engine, n_events = engine_alone(day)
        print(f"\nengine alone (in process, {n_events:,} events): CPU {cpu_engine:.1f} s, {n_beats / cpu_engine:,.0f} beats/s")
        now_cpu = best["now"][1]
        print(f"  layers around the engine (imports, source, driver, output): {now_cpu - cpu_engine:.1f} s CPU")
        print(f"  target {TARGET_BEATS_PER_S:,.0f} beats/s whole process: {'met' if n_beats / now_cpu >= TARGET_BEATS_PER_S else 'NOT met'}")
        print(f"  headless memory target 100 MB: {'met' if best['now'][2] < 100 else 'NOT met'} ({best['now'][2]:.0f} MB)")

        fast, slow = seeking(src)
        print(f"\nseeking to the end of an hour ({src.name}): replay_to {fast:.3f} s, reset + push each {slow:.3f} s")
        print(f"  ratio {slow / fast:.1f}x; target < {TARGET_SEEK_S} s: {'met' if fast < TARGET_SEEK_S else 'NOT met'}")
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores; figures are wall/CPU under that load)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
