"""Benchmark: replaying a two-person session at full speed, counting both people's beats.

There is no ``vagal replay`` of a two-person file yet (the dashboard for two is not there,
and ``replay`` reads one person). What exists is the two-person fold of
:mod:`vagal.commands.pair_session` (``PairState``: one engine per person, the live together
view every 5 s, the whole-session together view at the end): it is what ``vagal demo
--pair --headless`` runs behind its simulated straps. This benchmark gives it a recorded
two-person session instead of the simulator:

* **data**: ``vagal demo --pair --headless --speed max --duration S --record FILE`` (two
  simulated people; a recorded pair session: no real one exists), made once per run.
* **whole process**: a fresh interpreter that reads the file (``read_session`` per person),
  merges the two people's events in time order and folds them through ``PairState`` with
  the live together view, then builds ``pair_summary`` (what ``--json`` prints): CPU time
  (user + system), wall time and peak RSS, beats/s over both people's beats.
* **engines alone**: the same events through two bare ``Engine``s in process (no together
  view, no summary), so the cost of each layer shows.

Target (issue 13): ≥ 5,000 beats/s whole process, counting both people's beats.

Run:  python benchmarks/bench_pair_replay.py                  (an hour: about a minute)
      python benchmarks/bench_pair_replay.py --duration 600   (quicker)
"""

from __future__ import annotations

import argparse
import heapq
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET_BEATS_PER_S = 5_000.0


def _pair_events(path: Path) -> tuple[list[tuple[int, Any]], int, Any]:
    """Both people's events merged in time order as (person, event); their beat count; the pacer."""
    from vagal.events import Beat
    from vagal.pacer import pacer_from_events
    from vagal.sessions.reader import read_session

    per = [read_session(path, person=p) for p in (0, 1)]
    streams = [[(e.t_s, p, k, e) for k, e in enumerate(rec.events or [])] for p, rec in enumerate(per)]
    merged = [(p, e) for _, p, _, e in heapq.merge(*streams)]
    beats = sum(1 for _, e in merged if isinstance(e, Beat))
    from vagal.events import PacerChanged

    changes = [e for p, e in merged if p == 0 and isinstance(e, PacerChanged)]
    pacer = pacer_from_events(changes) if changes else None
    # the session's own events (the guide) once, as person 0 folds them into both engines
    merged = [(p, e) for p, e in merged if not (p == 1 and not hasattr(e, "person"))]
    return merged, beats, pacer


def child(path: Path) -> None:
    """The whole-process run: read, fold both people with the together view, summarise."""
    from vagal.commands.pair_session import new_state, pair_summary

    events, _beats, pacer = _pair_events(path)
    state = new_state(pacer)
    for person, event in events:
        state.push(person, event)
    summary = pair_summary(state, names=("A", "B"), roles=(None, None), devices=("A", "B"), recorder=None)
    assert summary["people"], "no people in the summary"


def whole_process(path: Path) -> tuple[float, float, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        sys.exit(f"bench_pair_replay: the child failed: {err[-800:]}")
    if proc.stderr:
        proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def engines_alone(path: Path) -> float:
    from vagal.engine.core import Engine

    events, _beats, pacer = _pair_events(path)
    engines = (Engine(pacer=pacer), Engine(pacer=pacer))
    t0 = time.process_time()
    for person, event in events:
        if hasattr(event, "person"):
            engines[person].fold(event)
        else:
            for e in engines:
                e.fold(event)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=3600.0, help="session seconds of the pair file (3600)")
    ap.add_argument("--runs", type=int, default=1, help="whole-process runs (best kept)")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pair.vagal.jsonl"
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HOME": tmp, "XDG_DATA_HOME": tmp}
        cmd = [sys.executable, "-m", "vagal", "demo", "--pair", "--headless", "--speed", "max", "--no-checkin"]
        cmd += ["--duration", f"{args.duration:g}", "--seed", "1", "--record", str(path)]
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
        _events, beats, _pacer = _pair_events(path)
        print(f"data: vagal demo --pair, {args.duration / 3600:.2f} h recorded, {beats:,} beats of both people")
        best = min((whole_process(path) for _ in range(args.runs)), key=lambda r: r[1])
        wall, cpu, rss = best
        print("\nwhole process: read the pair file, fold both people with the live together view, pair summary")
        print(
            f"  wall {wall:6.1f} s  CPU {cpu:6.1f} s  {beats / cpu:7,.0f} beats/s (CPU)  "
            f"{beats / wall:7,.0f} beats/s (wall)  peak RSS {rss:5.0f} MB"
        )
        cpu_engines = engines_alone(path)
        print(f"\ntwo engines alone (in process): CPU {cpu_engines:.1f} s, {beats / cpu_engines:,.0f} beats/s")
        print(f"  layers around the engines (imports, reading, together view, summary): {cpu - cpu_engines:.1f} s CPU")
        met = "met" if beats / cpu >= TARGET_BEATS_PER_S else "NOT met"
        print(f"  target {TARGET_BEATS_PER_S:,.0f} beats/s whole process: {met}")
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
