"""``vagal sessions [--json]``: the recorded sessions, newest first.

Date, duration, device, mean heart rate, RMSSD, coherence and markers for each file in
the sessions folder. A damaged file is listed as damaged, with what could be read.
Each file's summary is kept in the session index (:mod:`vagal.sessions.index`), so only
new or changed files are read again.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vagal.sessions.listing import SessionSummary

LISTING_CODE = ("hrv", "sessions", "events.py", "commands/sessions.py")
"""The code a listing's numbers come from: a change to it recomputes every entry."""

from vagal.text import printable


def _duration(s: float | None) -> str:
    from vagal.clock import clock_text

    return "–" if s is None else clock_text(round(s))


def _num(v: float | None, fmt: str) -> str:
    return "–" if v is None else format(v, fmt)


def _when(start: str | None) -> str:
    if not start:
        return "unknown date"
    try:
        return datetime.fromisoformat(start).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return printable(start[:16])


def _decode(path: Path, data: Any) -> SessionSummary:
    """An index entry back to a summary; ValueError when it is not one of this file."""
    from dataclasses import fields

    from vagal.sessions.listing import SessionSummary

    if not isinstance(data, dict) or set(data) != {f.name for f in fields(SessionSummary)}:
        raise ValueError("not a listing entry")
    if data["path"] != str(path):
        raise ValueError("an entry of another path")
    return SessionSummary(**data)


def list_indexed(folder: Path) -> list[SessionSummary]:
    """``vagal.sessions.listing.list_sessions(folder)``, read through the session index."""
    from vagal.sessions.index import analysis_version, cached_per_file
    from vagal.sessions.listing import _sort_key, session_files, summarize

    items = cached_per_file(
        session_files(folder),
        kind="listing",
        version=analysis_version(*LISTING_CODE),
        compute=summarize,
        encode=lambda s: s.to_dict(),
        decode=_decode,
        folder=folder,
    )
    return sorted(items, key=_sort_key, reverse=True)


def run(args: argparse.Namespace) -> int:
    """Print the list; returns 0 (an empty or missing folder is not an error)."""
    from vagal.paths import sessions_dir

    folder = sessions_dir()
    items = list_indexed(folder)
    if args.json:
        print(json.dumps({"folder": str(folder), "sessions": [s.to_dict() for s in items]}, indent=2))
        return 0
    # Labels, marker labels, device names and file names come from the files: every one is
    # shown through printable() (the --json output keeps them intact, escaped by JSON itself).
    shown_folder = printable(folder, max_chars=None)
    if not items:
        print(f"No sessions recorded yet (in {shown_folder}). Start one with: vagal demo")
        return 0
    print(f"{len(items)} session{'s' if len(items) != 1 else ''} in {shown_folder}, newest first:\n")
    header = (
        f"{'date':<16}  {'length':>7}  {'heart':>7}  {'RMSSD':>6}  {'coher.':>6}  {'device':<18}  markers"
    )
    print(header)
    for s in items:
        name = printable(s.path.rsplit("/", 1)[-1])
        if s.error is not None:
            print(f"{'':<16}  {name}: unreadable ({printable(s.error, max_chars=None)})")
            continue
        marks = ", ".join(printable(m["label"] or "·") for m in s.markers) if s.markers else ""
        device = printable(s.device or "–", max_chars=18)
        print(
            f"{_when(s.start):<16}  {_duration(s.duration_s):>7}  {_num(s.mean_hr_bpm, '.0f'):>3} bpm"
            f"  {_num(s.rmssd_ms, '.0f'):>3} ms  {_num(s.coherence, '.2f'):>6}  {device:<18}  {marks}"
        )
        extra = [name]
        if s.label:
            extra.insert(0, printable(s.label))
        if s.damage:
            d = s.damage[0]
            extra.append(f"damaged at line {d['line']} ({d['reason']})")
        print(f"{'':<16}  " + printable(" · ".join(extra), max_chars=None))
    return 0
