"""``vagal history [--since DATE] [--view VIEW] [--include-demo] [-o OUT] [--json]``: your sessions over time.

Three views of the same sessions: trends per day and week, "what helps you" (the average
change per pattern), and your usual range (from ``vagal check`` readings). The terminal
shows the chosen views (all three by default), ``--json`` every number, and ``-o`` a plot
file (a page per view). Simulated sessions stay out unless ``--include-demo``. An empty
sessions folder gets a kind message and exit status 0. ``-o`` never replaces a file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vagal.report.history import FileEntry, History, View

HISTORY_CODE = ("hrv", "sessions", "report", "events.py", "metrics.py")
"""The code the history's numbers come from: a change to it recomputes the index entry."""


def _since(text: str | None) -> date | None:
    from vagal.errors import VagalError

    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise VagalError(f"--since must be a date like 2026-11-01, got {text!r}.") from None


def read_entries(folder: Path, files: list[Path]) -> list[FileEntry]:
    """Each file's :class:`~vagal.report.history.FileEntry`, kept in the session index per file.

    Keyed by path, size, times and inode and by the analysis version (and the time zone: a
    file without a recorded start is dated by its local modification time), so after one
    new session only that file is read and analysed.
    """
    from vagal.report import history as report_history
    from vagal.sessions.index import analysis_version, cached_per_file, from_json, to_json

    def decode(path: Path, data: object) -> FileEntry:
        entry = from_json(report_history.FileEntry, data)
        if entry.summary is not None and entry.summary.file != path.name:
            raise ValueError("an entry of another file")
        return entry

    return cached_per_file(
        files,
        kind="history-file",
        version=f"{analysis_version(*HISTORY_CODE)};tz={time.tzname}",
        compute=lambda p: report_history.read_session_file(p),
        encode=to_json,
        decode=decode,
        folder=folder,
        label="reading sessions for history",
    )


def read_history(folder: Path, *, since: date | None, include_demo: bool) -> History:
    """Every session of ``folder`` summarised (``collect_history``), through the session index.

    Two layers: the whole history per folder and options, read back while nothing in the
    folder changed; under it each file's entry (:func:`read_entries`), so a new or changed
    session is the only one read again.
    """
    from vagal.report import history as report_history
    from vagal.sessions.index import analysis_version, cached_folder, from_json, to_json

    history: History = cached_folder(
        folder,
        kind="history",
        # Today and the time zone too: a view of "the last 7 days" or a local date moves with them.
        variant=f"since={since};demo={include_demo};today={date.today()};tz={time.tzname}",
        version=analysis_version(*HISTORY_CODE),
        compute=lambda: report_history.collect_history(
            folder, since=since, include_demo=include_demo, read=lambda files: read_entries(folder, files)
        ),
        encode=to_json,
        decode=lambda data: from_json(report_history.History, data),
    )
    return history


def run(args: argparse.Namespace) -> int:
    """Collect, print (table or JSON) and optionally plot; returns the exit status."""
    from vagal.paths import sessions_dir
    from vagal.report import ReportError
    from vagal.report.history import VIEWS, format_table, render_history

    since = _since(args.since)
    view = getattr(args, "view", None) or "all"
    views: tuple[View, ...] = VIEWS if view == "all" else tuple(v for v in VIEWS if v == view)
    out = Path(args.output) if args.output else None
    if out is not None:
        from vagal.commands._output import check_output

        check_output(out, new=True)

    history = read_history(sessions_dir(), since=since,
                           include_demo=bool(getattr(args, "include_demo", False)))
    if args.json:
        # ASCII: JSON escapes C0 controls itself, but C1 and bidi characters only this way.
        print(json.dumps(history.to_dict(), ensure_ascii=True, indent=2))
    else:
        from vagal.text import printable

        # File names and damage reasons in the table come from the files.
        print("\n".join(printable(line, max_chars=None)
                        for line in format_table(history, views).splitlines()))
    if out is not None:
        if not history.sessions:
            print("vagal: no plot written: there are no sessions to plot yet.", file=sys.stderr)
            return 0
        try:
            render_history(history, out, views)
        except FileExistsError:
            raise ReportError(f"{out} already exists; vagal never replaces a file.",
                              hint="Choose another name with -o.") from None
        except OSError as exc:
            raise ReportError(f"cannot write the plot to {out} ({exc.strerror or exc}).") from None
        print(f"Plot written to {out}", file=sys.stderr if args.json else sys.stdout)
    return 0
