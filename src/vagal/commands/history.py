"""``vagal history [--since DATE] [-o OUT] [--json]``: trends across the recorded sessions.

A table per day and per week in the terminal (or the same numbers as JSON), and with
``-o`` a plot file. An empty sessions folder gets a kind message and exit status 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path


def _since(text: str | None) -> date | None:
    from vagal.errors import VagalError

    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise VagalError(f"--since must be a date like 2026-11-01, got {text!r}.") from None


def run(args: argparse.Namespace) -> int:
    """Collect, print (table or JSON) and optionally plot; returns the exit status."""
    from vagal.paths import sessions_dir
    from vagal.report import ReportError

    since = _since(args.since)
    out = Path(args.output) if args.output else None
    if out is not None:
        from vagal.commands._output import check_output

        check_output(out)

    from vagal.report.history import collect_history, format_table, render_history

    history = collect_history(sessions_dir(), since=since)
    if args.json:
        # ASCII: JSON escapes C0 controls itself, but C1 and bidi characters only this way.
        print(json.dumps(history.to_dict(), ensure_ascii=True, indent=2))
    else:
        from vagal.text import printable

        # File names and damage reasons in the table come from the files.
        print("\n".join(printable(line, max_chars=None) for line in format_table(history).splitlines()))
    if out is not None:
        if not history.sessions:
            print("vagal: no plot written: there are no sessions to plot yet.", file=sys.stderr)
            return 0
        try:
            render_history(history, out)
        except OSError as exc:
            raise ReportError(f"cannot write the plot to {out} ({exc.strerror or exc}).") from None
        print(f"Plot written to {out}", file=sys.stderr if args.json else sys.stdout)
    return 0
