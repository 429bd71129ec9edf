"""CPU use of the live dashboard: ``vagal demo --no-record --no-checkin`` in a real terminal.

Runs the demo in a detached pane of its own tmux server (``tmux -L``: a real
pseudo-terminal, so Textual renders and writes every frame as it would for a person,
with truecolor announced), waits for it to settle, then reads the vagal process's
user + system CPU ticks from ``/proc/<pid>/stat`` at the start and end of the measuring
window. The pid is the pane's own process (``exec`` replaces the shell), checked by its
command line. Prints the percentage of one core per size (median of ``--repeat`` runs)
against the issue's limits: at most 5 % at 100x30 and 8 % at 200x60.

Usage::

    python benchmarks/bench_ui_cpu.py                        # 60 s at 100x30 and 200x60
    python benchmarks/bench_ui_cpu.py --size 200x60 --seconds 30 --repeat 1

Needs tmux and Linux (/proc). Timing lives here, never in a test.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Final

LIMITS_PCT: Final = {"100x30": 5.0, "200x60": 8.0}
"""The issue's limits, in percent of one core, per terminal size."""
DEFAULT_LIMIT_PCT: Final = 8.0
"""The limit for a size the issue does not name."""
WARMUP_S: Final = 6.0
"""Seconds to let the app start (imports, first layout) before measuring."""
DEFAULT_CMD: Final = f"{shlex.quote(sys.executable)} -m vagal demo --no-record --no-checkin"


def _cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/pid/stat)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces
    return int(fields[11]) + int(fields[12])


def _tmux(server: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", server, *args], capture_output=True, text=True, check=False)


def _pane_pid(server: str, session: str) -> int | None:
    """The pid of the vagal process: the pane's process once ``exec`` has replaced the shell."""
    for _ in range(100):
        out = _tmux(server, "display", "-p", "-t", session, "#{pane_pid}").stdout.strip()
        if out.isdigit():
            pid = int(out)
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except FileNotFoundError:
                cmd = ""
            if "vagal" in cmd and not cmd.startswith(("sh ", "/bin/sh ", "bash ")):
                return pid
        time.sleep(0.1)
    return None


def _screen(server: str, session: str) -> str:
    """The pane's text as a person would see it."""
    return _tmux(server, "capture-pane", "-p", "-t", session).stdout


_runs = 0


def measure(size: str, seconds: float, cmd: str) -> float | None:
    """Percent of one core used by ``cmd`` over ``seconds`` at ``size``; None when it failed."""
    cols, rows = (int(v) for v in size.lower().split("x"))
    global _runs
    _runs += 1
    server = f"bench{os.getpid()}-{_runs}"  # a fresh server a run: no race with the last one's exit
    session = "vagal"
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("TMUX", None)
    # exec: the pane's process is vagal itself, so its pid is known without a race.
    wrapped = f"exec {cmd}"
    subprocess.run(
        [
            "tmux",
            "-L",
            server,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            str(cols),
            "-y",
            str(rows),
            wrapped,
        ],
        check=True,
        env=env,
    )
    _tmux(server, "set-option", "-g", "remain-on-exit", "on")
    try:
        pid = _pane_pid(server, session)
        if pid is None:
            print(f"bench_ui_cpu: could not find the process of {cmd!r}", file=sys.stderr)
            print(_screen(server, session), file=sys.stderr)
            return None
        time.sleep(WARMUP_S)
        tick_hz = os.sysconf("SC_CLK_TCK")
        try:
            t0, c0 = time.monotonic(), _cpu_ticks(pid)
            time.sleep(seconds)
            t1, c1 = time.monotonic(), _cpu_ticks(pid)
        except FileNotFoundError:
            print(f"bench_ui_cpu: {cmd!r} ended before the measurement did; its screen:", file=sys.stderr)
            print(_screen(server, session), file=sys.stderr)
            return None
        screen = _screen(server, session)
    finally:
        _tmux(server, "send-keys", "-t", session, "q")
        time.sleep(1.0)
        _tmux(server, "kill-server")
    if "Quit" not in screen or "heart rate" not in screen:
        print("bench_ui_cpu: warning: the dashboard was not on screen at the end:", file=sys.stderr)
        print(screen, file=sys.stderr)
    return (c1 - c0) / tick_hz / (t1 - t0) * 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measuring window per run (default 60)")
    parser.add_argument(
        "--size", action="append", help="terminal size COLSxROWS, may repeat (default 100x30 and 200x60)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per size; the median is reported (default 3)"
    )
    parser.add_argument(
        "--cmd", default=DEFAULT_CMD, help="what to run (default: vagal demo --no-record --no-checkin)"
    )
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("bench_ui_cpu: tmux is needed", file=sys.stderr)
        return 2
    sizes = args.size or ["100x30", "200x60"]
    ok = True
    for size in sizes:
        runs: list[float] = []
        for _ in range(max(1, args.repeat)):
            pct = measure(size, args.seconds, args.cmd)
            if pct is None:
                return 2
            runs.append(pct)
        median = statistics.median(runs)
        limit = LIMITS_PCT.get(size, DEFAULT_LIMIT_PCT)
        verdict = "pass" if median <= limit else "FAIL"
        ok = ok and median <= limit
        shown = ", ".join(f"{r:.1f}" for r in runs)
        print(
            f"{size}: {median:.1f} % of one core (median of {len(runs)} x {args.seconds:g} s: {shown}); "
            f"limit <= {limit:g} %: {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
