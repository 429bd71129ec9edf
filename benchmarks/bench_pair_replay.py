"""Benchmark: replaying a two-person session at full speed, against one person, whole process.

What is measured, in one run on this machine:

* **data**: ``vagal demo --pair --headless --speed max --coupling 0.8 --duration S --record
  PAIR`` (two simulated people with the demo's guide; no real recording of two exists),
  and each person's part of it written out as a one-person session (their beats, gaps and
  device, and the shared guide: ``read_session(PAIR, person=i)``'s events), made once per run.
* **whole process**: ``python -m vagal replay FILE --headless --speed max`` in a fresh
  interpreter, on the pair file and on each one-person file: CPU time (user + system of
  that process, from ``wait4``), wall time and peak RSS. The pair's rate counts both
  people's beats; the one-person rate is both people's beats over the two one-person
  replays' CPU time together, so the ratio is the cost of a beat of two against a beat of one.
* **before**: with ``--before REV`` the same replays of an earlier commit (``git archive REV
  src`` on ``PYTHONPATH``), interleaved with the current tree's, run by run, and the ratios.
* **stages** (current tree, in process, warm imports): reading the file, folding it through
  ``PairState`` (two engines; the live together view falls due every 5 s and is made when
  read), each person's summary, the whole-session together view (500 surrogates), and the
  two engines alone on the same events, so the cost of each layer shows.

Targets (issues 13 and 14): ≥ 5,000 beats/s whole process counting both people's beats,
and a two-person replay at no less than half the one-person rate per beat.

Run:  python benchmarks/bench_pair_replay.py                          (an hour; about a minute)
      python benchmarks/bench_pair_replay.py --before main --runs 5   (the earlier commit, interleaved)
      python benchmarks/bench_pair_replay.py --duration 600           (quicker)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_BEATS_PER_S = 5_000.0
TARGET_RATIO = 0.5


def _record(folder: Path, duration_s: float) -> tuple[Path, tuple[Path, Path], tuple[int, int]]:
    """The pair file, each person's one-person file, and each person's beats."""
    from vagal.events import Beat
    from vagal.sessions.reader import read_people
    from vagal.sessions.writer import Recorder, make_header

    pair = folder / "pair.vagal.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HOME": str(folder), "XDG_DATA_HOME": str(folder)}
    cmd = [sys.executable, "-m", "vagal", "demo", "--pair", "--headless", "--speed", "max", "--no-checkin",
           "--coupling", "0.8", "--duration", f"{duration_s:g}", "--seed", "1", "--record", str(pair)]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)
    ones = []
    counts = []
    for i, rec in enumerate(read_people(pair)):
        one = folder / f"person{i}.vagal.jsonl"
        header = make_header(source="demo", start=None, pacer=rec.pacer[0] if rec.pacer else None)
        with Recorder(one, header) as out:
            for e in rec.events or ():
                out.write(dataclasses.replace(e, person=0) if getattr(e, "person", None) else e)  # type: ignore[arg-type]
        ones.append(one)
        counts.append(sum(1 for e in rec.events or () if isinstance(e, Beat)))
    return pair, (ones[0], ones[1]), (counts[0], counts[1])


def whole_process(path: Path, pythonpath: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one ``vagal replay FILE --headless --speed max``."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    cmd = [sys.executable, "-m", "vagal", "replay", str(path), "--headless", "--speed", "max"]
    with tempfile.TemporaryFile() as err_file:  # a file, not a pipe: progress lines must not block it
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err_file)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            err_file.seek(0)
            sys.exit(f"bench_pair_replay: the replay failed: {err_file.read().decode(errors='replace')[-800:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def _archive(rev: str, folder: Path) -> Path:
    """``git archive REV src`` unpacked under ``folder``; returns its ``src``."""
    tar = folder / "before.tar"
    with open(tar, "wb") as f:
        subprocess.run(["git", "-C", str(REPO), "archive", rev, "src"], stdout=f, check=True)
    with tarfile.open(tar) as t:
        t.extractall(folder / "before", filter="data")
    return folder / "before" / "src"


def stages(path: Path) -> dict[str, float]:
    """CPU seconds of each stage of the pair replay in process (imports warm)."""
    from vagal.commands.pair_session import pair_summary
    from vagal.commands.replay_pair import load_pair_file
    from vagal.commands.session_runner import session_summary
    from vagal.engine.core import Engine
    from vagal.engine.pair import is_person_bound, new_state

    load_pair_file(path)  # warm
    out: dict[str, float] = {}
    c = time.process_time()
    pair = load_pair_file(path)
    out["read the file (read_events once)"] = time.process_time() - c
    c = time.process_time()
    state = new_state(pair.pacers)
    for person, event in pair.items:
        state.push(person, event)
    out["fold through PairState (two engines)"] = time.process_time() - c
    c = time.process_time()
    for i, engine in enumerate(state.engines):
        session_summary(engine, state.first_t_s, mode="demo", recorder=None, events=state.kept[i])
    out["each person's summary"] = time.process_time() - c
    c = time.process_time()
    state.together_session()
    out["together view, whole session (500 surrogates)"] = time.process_time() - c
    c = time.process_time()
    _ = state.live_result
    out["the last live together view"] = time.process_time() - c
    c = time.process_time()
    pair_summary(state, names=pair.names, roles=pair.roles, devices=pair.devices, recorder=None)
    out["pair_summary (all of the three above again)"] = time.process_time() - c
    engines = (Engine(pacer=pair.pacers[0]), Engine(pacer=pair.pacers[1]))
    c = time.process_time()
    for person, event in pair.items:
        if is_person_bound(event):  # its person's (a guide of one person's included)
            engines[person].fold(event)
        else:
            for e in engines:
                e.fold(event)
    out["two engines alone (Engine.fold)"] = time.process_time() - c
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=3600.0, help="session seconds of the pair file (3600)")
    ap.add_argument("--runs", type=int, default=3, help="whole-process runs of each (best CPU kept)")
    ap.add_argument("--before", metavar="REV", help="also time this earlier commit, interleaved")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pair, ones, counts = _record(folder, args.duration)
        beats = sum(counts)
        print(f"data: vagal demo --pair --coupling 0.8, {args.duration / 3600:.2f} h recorded, "
              f"{counts[0]:,} + {counts[1]:,} = {beats:,} beats of both people; each person also alone")
        versions = {"now": REPO / "src"}
        if args.before:
            versions[f"before ({args.before})"] = _archive(args.before, folder)
        files = {"pair": pair, "A alone": ones[0], "B alone": ones[1]}
        best: dict[tuple[str, str], tuple[float, float, float]] = {}
        for _ in range(args.runs):  # interleaved: every version and file once per round
            for name, src in versions.items():
                for kind, path in files.items():
                    got = whole_process(path, src)
                    if (name, kind) not in best or got[1] < best[(name, kind)][1]:
                        best[(name, kind)] = got
        print(f"\nwhole process, vagal replay FILE --headless --speed max (best CPU of {args.runs}, interleaved):")
        rates = {}
        for name in versions:
            p, a, b = (best[(name, k)] for k in files)
            pair_rate = beats / p[1]
            one_rate = beats / (a[1] + b[1])
            rates[name] = (pair_rate, one_rate, p)
            print(f"  {name:>15}: pair {p[1]:5.2f} s CPU, {p[0]:5.2f} s wall, {p[2]:4.0f} MB: "
                  f"{pair_rate:7,.0f} beats/s CPU ({beats / p[0]:,.0f} wall)")
            print(f"  {'':>15}  one person: A {a[1]:.2f} s + B {b[1]:.2f} s CPU ({a[2]:.0f} MB): "
                  f"{one_rate:7,.0f} beats/s CPU; pair / one person per beat {pair_rate / one_rate:.2f}")
        if args.before:
            now, before = rates["now"], rates[f"before ({args.before})"]
            print(f"  before / now, pair replay CPU: {before[2][1] / now[2][1]:.2f}x "
                  f"(wall {before[2][0] / now[2][0]:.2f}x)")
        pair_rate, one_rate, _ = rates["now"]
        print(f"  target {TARGET_BEATS_PER_S:,.0f} beats/s whole process: "
              f"{'met' if pair_rate >= TARGET_BEATS_PER_S else 'NOT met'}; "
              f"at least half the one-person rate: {'met' if pair_rate >= TARGET_RATIO * one_rate else 'NOT met'}")
        print("\nstages in process (current tree, CPU s):")
        for label, cpu in stages(pair).items():
            print(f"  {label:<48} {cpu:6.3f}")
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
