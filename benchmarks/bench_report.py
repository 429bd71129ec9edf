"""Time ``vagal report`` on an hour-long session: the issue's target is under 3 s on this machine.

Measures the whole command as a person runs it (a fresh ``python -m vagal report``
process: interpreter start, imports, reading, analysis, drawing, writing), once per output
format, and the in-process steps separately (analysis vs drawing) for the PDF. The session
is the real hour in ``../shared/data/pyhrv_nsr_1h.csv`` written as a vagal session by the
Recorder with three markers, a breathing-guide span and a 20 s gap, so every element of the
report is drawn.

Usage::

    python benchmarks/bench_report.py            # best of 3 per format
    python benchmarks/bench_report.py --repeat 5
    python benchmarks/bench_report.py --against /work/main   # another tree's src, in the same run

Timing lives here, never in a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parent.parent
TARGET_S: Final = 3.0
"""The issue's limit for an hour-long session."""


def _session(folder: Path) -> Path:
    sys.path.insert(0, str(REPO))
    from tests.conftest import SHARED_DATA, load_rr
    from tests.report_helpers import write_session

    src = SHARED_DATA / "pyhrv_nsr_1h.csv"
    rr = load_rr(src)
    return write_session(
        folder / "hour.vagal.jsonl",
        rr,
        start=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        markers=[(0.0, "baseline"), (600.0, "breathing"), (3000.0, "recovery")],
        gap=(1800.0, 1820.0),
        pacer=[(600.0, 4.0, 6.0), (3000.0, 0.0, 0.0)],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", help="another checkout (its src/ is run beside this one's, e.g. /work/main)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        session = _session(folder)
        from vagal.sessions.formats import load_recording

        rec = load_recording(session)
        print(f"session: {rec.n_beats} beats, {rec.duration_s / 60:.1f} min, {len(rec.markers)} markers, {len(rec.gaps)} gap")
        trees = [("this", REPO / "src")] + ([("against", Path(args.against) / "src")] if args.against else [])
        worst = 0.0
        for fmt in ("pdf", "png", "svg"):
            for name, src in trees:
                walls, cpus = [], []
                for k in range(args.repeat):
                    out = folder / f"r-{name}-{k}.{fmt}"
                    env = {**os.environ, "PYTHONPATH": str(src)}
                    t0 = time.perf_counter()
                    proc = subprocess.Popen([sys.executable, "-m", "vagal", "report", str(session), "-o", str(out)],
                                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    _, status, usage = os.wait4(proc.pid, 0)
                    walls.append(time.perf_counter() - t0)
                    cpus.append(usage.ru_utime + usage.ru_stime)
                    if os.waitstatus_to_exitcode(status) != 0:
                        sys.exit(f"bench_report: vagal report failed ({name}, {fmt})")
                best = min(walls)
                if name == "this":
                    worst = max(worst, best)
                print(f"vagal report → {fmt} ({name}, {src}): wall best {best:.2f} s, median "
                      f"{statistics.median(walls):.2f} s; CPU best {min(cpus):.2f} s, median "
                      f"{statistics.median(cpus):.2f} s (n={args.repeat}, {out.stat().st_size / 1024:.0f} KiB)")
        from vagal.report.data import build_report_data
        from vagal.report.render import render_report

        t0 = time.perf_counter()
        data = build_report_data(rec)
        t1 = time.perf_counter()
        render_report(data, folder / "inproc.pdf")
        t2 = time.perf_counter()
        print(f"in process (warm imports after the first): analysis {t1 - t0:.2f} s, drawing PDF {t2 - t1:.2f} s")
        verdict = "within" if worst < TARGET_S else "OVER"
        print(f"{verdict} the {TARGET_S:g} s target (slowest format's best run: {worst:.2f} s)")
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
