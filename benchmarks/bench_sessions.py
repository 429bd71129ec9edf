"""Benchmark: ``vagal sessions`` and ``vagal history`` over years of sessions, with the index.

What is measured, in one run on this machine:

* **data**: N sessions (default 1,000: a year and a half of daily practice), each 10–30
  minutes of real beats (consecutive stretches of ``pyhrv_nsr_1h.csv``, taken in turn; there
  is no real archive of a thousand sessions: the output says so), recorded with vagal's own
  writer into a fresh data folder (``VAGAL_DATA_DIR``), one a day at 07:00.
* **straightforward** (what every run did before the index): ``list_sessions`` and
  ``collect_history`` in process, every file read and analysed; with ``--sample K`` only
  the first K files are timed and the figure is **scaled** to N (labelled so).
* **whole process**, each in a fresh interpreter: ``vagal sessions --json`` and ``vagal
  history --json`` on first use (the index is built) and warm (best of 3; target ≤ 1 s each),
  then after one more session is recorded (only it is read and analysed, for both: the
  index keeps each file's entry), and cold (the index deleted: every file read again).

Run:  python benchmarks/bench_sessions.py                   (1,000 sessions: several minutes)
      python benchmarks/bench_sessions.py --n 200 --sample 50
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
TARGET_WARM_S = 1.0


def _write_sessions(folder: Path, n: int) -> int:
    """N sessions of 10–30 min of real beats, one a day; returns the beats written."""
    from vagal import events as ev
    from vagal.sessions.writer import Recorder, make_header

    rr_all = np.loadtxt(DATA / "pyhrv_nsr_1h.csv", skiprows=1)
    t_all = np.cumsum(rr_all) / 1000.0
    rng = np.random.default_rng(13)
    start = datetime(2025, 6, 1, 7, 0, tzinfo=timezone(timedelta(hours=1)))
    pos = 0.0
    beats = 0
    for k in range(n):
        minutes = float(rng.uniform(10.0, 30.0))
        if pos + minutes * 60.0 > float(t_all[-1]):
            pos = 0.0
        m = (t_all > pos) & (t_all <= pos + minutes * 60.0)
        pos += minutes * 60.0
        rr = rr_all[m]
        t = np.cumsum(rr) / 1000.0
        name = folder / f"{(start + timedelta(days=k)):%Y-%m-%d-%H%M}.vagal.jsonl"
        with Recorder(name, make_header(source="live", start=start + timedelta(days=k))) as rec:
            rec.write(ev.DeviceInfo(0.0, "strap", "Polar H10 A1", model="H10"))
            for ti, ri in zip(t.tolist(), rr.tolist(), strict=True):
                rec.write(ev.Beat(ti, ri, round(60000 / ri), True))
        beats += int(rr.size)
    return beats


class _Timed:
    """Wall and CPU seconds of whole ``vagal`` processes (CPU is the steadier figure under load)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.cpu: dict[str, float] = {}

    def run(self, *args: str) -> float:
        """Run ``vagal ARGS``; returns the wall seconds and keeps the CPU seconds (best) by command."""
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "vagal", *args], env=self.env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"bench_sessions: vagal {' '.join(args)} failed")
        self.last_cpu = usage.ru_utime + usage.ru_stime
        return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="sessions (1,000)")
    ap.add_argument("--sample", type=int, default=0, help="time the straightforward path on this many files, scaled")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        sessions = data / "sessions"
        sessions.mkdir(parents=True)
        os.environ["VAGAL_DATA_DIR"] = str(data)
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        t0 = time.perf_counter()
        beats = _write_sessions(sessions, args.n)
        print(f"data: {args.n:,} sessions, {beats:,} real beats (stretches of pyhrv_nsr_1h.csv in turn), "
              f"written in {time.perf_counter() - t0:.0f} s")

        from vagal.report.history import collect_history
        from vagal.sessions.listing import list_sessions

        print("\nstraightforward, in process (every file read and analysed; before the index):")
        if args.sample:
            sample = Path(tmp) / "sample"
            sample.mkdir()
            for p in sorted(sessions.iterdir())[: args.sample]:
                os.link(p, sample / p.name)
            folder, scale, how = sample, args.n / args.sample, f"{args.sample} files timed, scaled to {args.n:,}"
        else:
            folder, scale, how = sessions, 1.0, "all files"
        t0 = time.perf_counter()
        list_sessions(folder)
        straight_sessions = (time.perf_counter() - t0) * scale
        t0 = time.perf_counter()
        collect_history(folder)
        straight_history = (time.perf_counter() - t0) * scale
        print(f"  sessions {straight_sessions:7.1f} s   history {straight_history:7.1f} s   ({how})")

        print("\nwhole process, vagal CLI:")
        timed = _Timed(env)

        def both(*args: str) -> tuple[float, float]:
            wall = timed.run(*args)
            return wall, timed.last_cpu

        def best(*args: str) -> tuple[float, float]:
            runs = [both(*args) for _ in range(3)]
            return min(r[0] for r in runs), min(r[1] for r in runs)

        first_s, first_h = both("sessions", "--json"), both("history", "--json")
        print(f"  first use (builds the index): sessions {first_s[0]:6.1f} s wall {first_s[1]:6.1f} s CPU"
              f"   history {first_h[0]:6.1f} s wall {first_h[1]:6.1f} s CPU")
        warm_s, warm_h = best("sessions", "--json"), best("history", "--json")
        print(f"  warm, best of 3:              sessions {warm_s[0]:6.2f} s wall {warm_s[1]:6.2f} s CPU"
              f"   history {warm_h[0]:6.2f} s wall {warm_h[1]:6.2f} s CPU")
        ok = warm_s[0] <= TARGET_WARM_S and warm_h[0] <= TARGET_WARM_S
        ok_cpu = warm_s[1] <= TARGET_WARM_S and warm_h[1] <= TARGET_WARM_S
        print(f"  target ≤ {TARGET_WARM_S:.0f} s warm: wall {'met' if ok else 'NOT met'}, CPU {'met' if ok_cpu else 'NOT met'}")
        print(f"  straightforward / warm (wall): sessions {straight_sessions / warm_s[0]:,.0f}x   "
              f"history {straight_history / warm_h[0]:,.0f}x")
        _write_one_more(sessions)
        one_s, one_h = both("sessions", "--json"), both("history", "--json")
        print(f"  after one more session:       sessions {one_s[0]:6.2f} s wall {one_s[1]:6.2f} s CPU"
              f"   history {one_h[0]:6.2f} s wall {one_h[1]:6.2f} s CPU   (only the new file analysed)")
        size = (data / "sessions-index.sqlite3").stat().st_size
        print(f"  index size: {size / 1e6:.1f} MB")
        (data / "sessions-index.sqlite3").unlink()
        cold_s, cold_h = both("sessions", "--json"), both("history", "--json")
        print(f"  cold (index deleted, rebuilt): sessions {cold_s[0]:6.1f} s wall {cold_s[1]:6.1f} s CPU"
              f"   history {cold_h[0]:6.1f} s wall {cold_h[1]:6.1f} s CPU")
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")


def _write_one_more(folder: Path) -> None:
    from vagal import events as ev
    from vagal.sessions.writer import Recorder, make_header

    rr = np.loadtxt(DATA / "pyhrv_nsr_5min.csv", skiprows=1)
    t = np.cumsum(rr) / 1000.0
    start = datetime(2030, 1, 1, 7, 0, tzinfo=UTC)
    with Recorder(folder / "one-more.vagal.jsonl", make_header(source="live", start=start)) as rec:
        for ti, ri in zip(t.tolist(), rr.tolist(), strict=True):
            rec.write(ev.Beat(ti, ri, round(60000 / ri), True))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
