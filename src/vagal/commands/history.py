"""``vagal history [--since DATE] [--view VIEW] [--include-demo] [-o OUT] [--json]``: your sessions over time.

Three views of the same sessions: trends per day and week, "what helps you" (the average
change per pattern), and your usual range (from ``vagal check`` readings). The terminal
shows the chosen views (all three by default), ``--json`` every number, and ``-o`` a plot
file (a page per view). Simulated sessions stay out unless ``--include-demo``. An empty
sessions folder gets a kind message and exit status 0. ``-o`` never replaces a file.
Below them (and alone with ``--view assessments``), the breathing-rate assessments kept
by ``vagal resonance`` (:func:`vagal.sessions.own_pace.past_results`): date, best rate,
how clear; ``--json`` has them under ``assessments``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def assessment_rows(since: date | None) -> list[dict[str, Any]]:
    """The kept resonance assessments (``vagal resonance``), newest first, as JSON rows.

    Raises:
        OwnPaceError: the kept-pace file is not vagal's.
    """
    from vagal.sessions.own_pace import past_results

    rows = []
    for p in past_results():
        if since is not None and p.date < since.isoformat():
            continue
        rows.append({
            "date": p.date,
            "assessed": p.assessed,
            "best_rate_per_min": p.rate_per_min,
            "confidence": p.confidence or None,
            "close_rates_per_min": list(p.close_rates_per_min),
            "source": p.source or None,
            "recording": p.recording,
        })
    return rows


def format_assessments(rows: list[dict[str, Any]]) -> str:
    """The terminal table of past assessments: date, best rate, how clear, where from."""
    if not rows:
        return "Breathing-rate assessments: none kept yet (vagal resonance finds your own rate)."
    out = ["Breathing-rate assessments (vagal resonance), newest first",
           f"{'date':<12}{'rate/min':>9}   {'how clear':<22}{'from':<8}"]
    for r in rows:
        close = [f"{x:g}" for x in r["close_rates_per_min"]]
        how = ("clearly" if r["confidence"] == "clear"
               else f"close ({' or '.join(close)})" if r["confidence"] == "close" and close
               else r["confidence"] or "–")
        out.append(f"{r['date']:<12}{r['best_rate_per_min']:>9g}   {how:<22}{r['source'] or '–':<8}")
    out.append("The rate can differ from one day to the next (Capdevila et al. 2021): "
               "the newest is what --pace mine breathes.")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    """Collect, print (table or JSON) and optionally plot; returns the exit status."""
    from vagal.paths import sessions_dir
    from vagal.report import ReportError
    from vagal.report.history import VIEWS, format_table, render_history

    since = _since(args.since)
    view = getattr(args, "view", None) or "all"
    views: tuple[View, ...] = VIEWS if view == "all" else tuple(v for v in VIEWS if v == view)
    assessments = assessment_rows(since) if view in ("all", "assessments") else None
    if view == "assessments":
        if args.output:
            raise ReportError("-o plots the sessions' views; the assessments are a table only.",
                              hint="Leave out -o, or choose another --view.")
        if args.json:
            print(json.dumps({"assessments": assessments}, ensure_ascii=True, indent=2))
        else:
            from vagal.text import printable

            print("\n".join(printable(line, max_chars=None)
                            for line in format_assessments(assessments or []).splitlines()))
        return 0
    out = Path(args.output) if args.output else None
    if out is not None:
        from vagal.commands._output import check_output

        check_output(out, new=True)

    history = read_history(sessions_dir(), since=since,
                           include_demo=bool(getattr(args, "include_demo", False)))
    if args.json:
        # ASCII: JSON escapes C0 controls itself, but C1 and bidi characters only this way.
        obj = history.to_dict()
        obj["assessments"] = assessments
        print(json.dumps(obj, ensure_ascii=True, indent=2))
    else:
        from vagal.text import printable

        # File names and damage reasons in the table come from the files.
        text = format_table(history, views)
        if assessments:  # with no assessment kept, the sessions' views alone, as before
            text += "\n\n" + format_assessments(assessments)
        print("\n".join(printable(line, max_chars=None) for line in text.splitlines()))
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
