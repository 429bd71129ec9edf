"""Run a vagal command on a damaged file and judge the outcome by one rule: a correct result, or one calm line and exit 2.

The rule: a correct result, or one line on stderr and exit status 2; never a traceback,
never a hang. Commands run in-process through :func:`vagal.cli.main` (fast enough to try
hundreds of files) with stdout and stderr captured and a wall-clock alarm, or through a
real subprocess for the few cases that must prove the whole program.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

CASE_TIMEOUT_S: Final = float(os.environ.get("VAGAL_FUZZ_TIMEOUT_S", "30"))
"""A command that takes longer than this on a file of a few hundred beats hangs (the
slowest honest run, a report under load, takes about 10 s). ``VAGAL_FUZZ_TIMEOUT_S``
sets another bound (shorter, to run the tests against an old tree that hangs)."""


class Hang(BaseException):
    """Raised by the alarm inside a command that ran past ``CASE_TIMEOUT_S``."""


@dataclass
class Outcome:
    """What one command did with one file."""

    argv: list[str]
    status: int | None
    """Exit status; None when the command raised or hung."""
    stdout: str
    stderr: str
    crash: str = ""
    """The traceback when ``main()`` raised instead of returning."""
    hung: bool = False


@contextlib.contextmanager
def _alarm(timeout_s: float) -> Iterator[None]:
    if not hasattr(signal, "setitimer"):  # not on Windows: no alarm, no hang check
        yield
        return

    def ring(signum: int, frame: object) -> None:
        raise Hang

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_in_process(argv: list[str], *, data_dir: Path, timeout_s: float = CASE_TIMEOUT_S) -> Outcome:
    """``vagal ARGV`` through :func:`vagal.cli.main`, with ``VAGAL_DATA_DIR`` set to ``data_dir``."""
    from vagal.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("VAGAL_DATA_DIR")
    os.environ["VAGAL_DATA_DIR"] = str(data_dir)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _alarm(timeout_s):
            status = main(argv)
    except Hang:
        return Outcome(argv, None, out.getvalue(), err.getvalue(), hung=True)
    except SystemExit as exc:  # argparse; not expected here
        return Outcome(argv, int(exc.code or 0), out.getvalue(), err.getvalue())
    except BaseException:  # noqa: BLE001 - the point: anything that escapes main() is a traceback
        return Outcome(argv, None, out.getvalue(), err.getvalue(), crash=traceback.format_exc())
    finally:
        if saved is None:
            os.environ.pop("VAGAL_DATA_DIR", None)
        else:
            os.environ["VAGAL_DATA_DIR"] = saved
    return Outcome(argv, status, out.getvalue(), err.getvalue())


def run_subprocess(argv: list[str], *, data_dir: Path, cwd: Path, timeout_s: float = CASE_TIMEOUT_S) -> Outcome:
    """``python -m vagal ARGV`` in a real process (the whole program, start-up included)."""
    env = {**os.environ, "VAGAL_DATA_DIR": str(data_dir)}
    env.pop("VAGAL_SESSIONS_DIR", None)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "vagal", *argv],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return Outcome(argv, None, str(exc.stdout or ""), str(exc.stderr or ""), hung=True)
    return Outcome(argv, done.returncode, done.stdout, done.stderr)


def _finite(obj: Any) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_finite(v) for v in obj)
    return True


def broken_rules(outcome: Outcome) -> list[str]:
    """Why ``outcome`` breaks the rule (empty when it keeps it)."""
    if outcome.hung:
        return ["hang"]
    if outcome.crash or "Traceback (most recent call last)" in outcome.stderr:
        return ["traceback: " + (outcome.crash or outcome.stderr).strip().splitlines()[-1][:200]]
    lines = [ln for ln in outcome.stderr.splitlines() if ln.strip()]
    if outcome.status == 2:
        if len(lines) != 1 or not lines[0].startswith("vagal: "):
            return [f"exit 2 with {len(lines)} stderr lines: {lines[:3]!r}"]
        return []
    if outcome.status != 0:
        return [f"exit status {outcome.status}"]
    if "--json" in outcome.argv:
        try:
            obj = json.loads(outcome.stdout, parse_constant=lambda c: float("nan"))
        except ValueError:
            return [f"--json printed no JSON: {outcome.stdout[:80]!r}"]
        if not _finite(obj):
            return ["--json printed a non-finite number"]
    return []
