"""Time ``vagal report`` on an hour-long session for two, against the one-person report of person A.

Measures, as CPU time (the machine is shared; wall time would include waiting for a core):

* the whole command as a person runs it (a fresh ``python -m vagal report`` process:
  interpreter start, imports, reading, analysis, drawing, writing), PDF, best of ``--repeat``;
  the CPU time of the child process (``RUSAGE_CHILDREN``);
* the same for the one-person report of person A alone (their events written as a one-person
  session), in the same run, and the ratio of the two (the report for two draws two
  appendices and the together view, so about twice is expected);
* in process: the analysis (``build_pair_report_data``: both people's one-person numbers
  and the together view, 500 surrogates for the whole session and for each part) and the
  drawing of the PDF.

The session is a seeded simulated pair (coupling 0.8, the demo's guide), one hour, through
the straps' bytes and the recorder exactly as ``vagal demo --pair --record`` writes it, with
artifacts and three markers in its notes file.

Usage::

    python benchmarks/bench_report_pair.py              # best of 3
    python benchmarks/bench_report_pair.py --minutes 15 --repeat 5

Timing lives here, never in a test.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parent.parent
TARGET_S: Final = 3.0
"""Issue 15's limit for the report of an hour-long session (one person)."""


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _sessions(folder: Path, minutes: float) -> tuple[Path, Path]:
    from vagal.commands.pair_session import people_header, simulate_pair_session
    from vagal.commands.session_runner import make_pacer
    from vagal.events import Marker
    from vagal.options import SessionOptions
    from vagal.sessions.notes import append_marker
    from vagal.sessions.reader import read_events
    from vagal.sessions.writer import Recorder, make_header

    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    pair = folder / "pair.vagal.jsonl"
    pacer = make_pacer(SessionOptions(ramp_from="12"))
    devices = tuple({"kind": "simulator", "name": n} for n in ("Simulated strap A", "Simulated strap B"))
    header = make_header(source="demo", start=start, pacer=pacer.start_event(), seed=7, coupling=0.8,
                         people=people_header(("Sam", "Alex"), ("parent", "child"), devices))  # type: ignore[arg-type]
    with Recorder(pair, header) as rec:
        simulate_pair_session(seed=7, coupling=0.8, duration_s=minutes * 60.0, pacer=pacer, recorder=rec,
                              live=False, artifacts=True, names=("Sam", "Alex"))
    for frac, label in ((0.17, "talking"), (0.5, "breathing together"), (0.83, "quiet")):
        append_marker(pair, Marker(round(frac * minutes * 60.0, 1), label))
    # Person A alone, as a one-person session (the peer in the same run).
    one = folder / "one.vagal.jsonl"
    _, events, _, _ = read_events(pair)
    with Recorder(one, make_header(source="demo", start=start)) as rec:
        for e in events:
            if getattr(e, "person", 0) == 0:
                rec.write(e)
    for frac, label in ((0.17, "talking"), (0.5, "breathing together"), (0.83, "quiet")):
        append_marker(one, Marker(round(frac * minutes * 60.0, 1), label))
    return pair, one


def _command_cpu(session: Path, out: Path) -> float:
    c0 = _children_cpu_s()
    subprocess.run([sys.executable, "-m", "vagal", "report", str(session), "-o", str(out)], check=True,
                   capture_output=True)
    return _children_cpu_s() - c0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.process_time()
        pair, one = _sessions(folder, args.minutes)
        print(f"session for two: {args.minutes:g} min, written in {time.process_time() - t0:.1f} s CPU")
        best: dict[str, float] = {}
        for name, session in (("two", pair), ("one", one)):
            times = [_command_cpu(session, folder / f"{name}{k}.pdf") for k in range(args.repeat)]
            best[name] = min(times)
            print(f"vagal report ({'the pair' if name == 'two' else 'person A alone'}) → pdf: best {best[name]:.2f} s "
                  f"CPU (n={args.repeat}, {(folder / f'{name}0.pdf').stat().st_size / 1024:.0f} KiB)")
        print(f"ratio pair / one person: {best['two'] / best['one']:.2f}")

        from vagal.report.pair import build_pair_report_data
        from vagal.report.pair_render import render_pair_report

        build_pair_report_data(pair)  # warm the imports
        c0 = time.process_time()
        data = build_pair_report_data(pair)
        c1 = time.process_time()
        render_pair_report(data, folder / "inproc.pdf")
        c2 = time.process_time()
        print(f"in process (warm imports): analysis {c1 - c0:.2f} s CPU ({len(data.parts)} parts), "
              f"drawing the PDF {c2 - c1:.2f} s CPU")
        verdict = "within" if best["two"] < 2 * TARGET_S else "OVER"
        print(f"{verdict} twice the one-person {TARGET_S:g} s target for two people ({best['two']:.2f} s CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
