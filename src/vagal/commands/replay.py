"""``vagal replay FILE|NAME|latest [--speed X] [--headless] [--json] [--pace …]``.

Builds a :class:`~vagal.sources.replay.ReplaySource` and hands it to the same session
runner as ``demo`` and ``live`` (``vagal.commands.session_runner.run_session``): the dashboard,
or with ``--headless`` the whole live pipeline without UI and a summary at the end.
A replay is not recorded again (it is already a file): its options say ``no_record``.

``FILE`` is a path; or a name as ``vagal sessions`` prints it (a file in the sessions
folder, with or without ``.vagal.jsonl``); or ``latest``, the newest session there. With
the dashboard the replay waits at the end of the file, so it can go back or start again.
A session of two people (format 2) is replayed for two (:mod:`vagal.commands.replay_pair`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vagal.errors import InputFileError, VagalError
from vagal.options import SessionOptions

LATEST = "latest"
"""The name that means the newest session in the sessions folder."""


def options(args: argparse.Namespace) -> SessionOptions:
    """The replay command line as :class:`~vagal.options.SessionOptions` (never recorded, no check-in).

    Raises:
        VagalError: ``--json`` without ``--headless``.
    """
    from vagal.commands.session_runner import session_options

    # The replay parser has no --record: never record a replay by accident.
    return session_options(args, "replay", speed=args.speed, no_record=True, checkin=False)


def _start_of(path: Path) -> str:
    """The ``start`` in a session file's header (its first line only), or "" when unreadable."""
    import json

    try:
        with open(path, "rb") as f:
            first = f.readline(64 * 1024)
        header = json.loads(first.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return ""
    start = header.get("start") if isinstance(header, dict) else None
    return start if isinstance(start, str) else ""


def latest_session(folder: Path) -> Path:
    """The newest session in ``folder``: by the start time in its header, then by its name.

    Reads only the first line of each file (a folder of hour-long sessions answers at once).

    Raises:
        InputFileError: The folder holds no session.
    """
    from datetime import datetime

    from vagal.sessions.listing import session_files
    from vagal.sessions.notes import is_notes_file

    def when(p: Path) -> tuple[float, str]:
        start = _start_of(p)
        try:
            return datetime.fromisoformat(start).timestamp(), p.name
        except ValueError:
            try:
                return p.stat().st_mtime, p.name
            except OSError:
                return 0.0, p.name

    files = [p for p in session_files(folder) if not is_notes_file(p)]
    if not files:
        raise InputFileError(LATEST, f"there is no session in {folder} yet",
                             hint="Record one with: vagal demo")
    return max(files, key=when)


def resolve(name: str) -> Path:
    """The file ``vagal replay NAME`` means: a path, a name in the sessions folder, or ``latest``.

    A path that exists wins; else a file of that name (or that name with ``.vagal.jsonl``)
    in the sessions folder; else the path as given, so reading it says plainly that it is
    not there.

    Raises:
        InputFileError: ``latest`` and the sessions folder holds no session.
    """
    from vagal.paths import sessions_dir
    from vagal.sessions.writer import SESSION_SUFFIX

    given = Path(name)
    if name == LATEST and not given.exists():
        return latest_session(sessions_dir())
    if given.exists() or given.parent != Path("."):
        return given
    folder = sessions_dir()
    for candidate in (folder / name, folder / f"{name}{SESSION_SUFFIX}"):
        if candidate.is_file():
            return candidate
    return given


def run(args: argparse.Namespace) -> int:
    """Replay a file; returns the exit status.

    Raises:
        InputFileError: The file cannot be read or holds no beats.
        ReplaySpeedError: ``--speed`` is outside 0.25–64 (or max).
        VagalError: The file holds no beats.
    """
    from vagal.commands.session_runner import run_session
    from vagal.sources.replay import ReplaySource, check_speed
    from vagal.text import printable

    check_speed(args.speed)
    opts = options(args)
    path = resolve(args.file)
    shown = str(path) if args.file == LATEST else args.file
    from vagal.commands.replay_pair import is_pair_file

    if is_pair_file(path):  # two people: the same views for two (commands/replay_pair.py)
        from vagal.commands.replay_pair import run_replay_pair

        return run_replay_pair(args, path, printable(shown, max_chars=None))
    # With the dashboard the replay waits at its end, so ← and a new start still work.
    source = ReplaySource(path, speed=args.speed, hold_at_end=not opts.headless)
    if source.recording.n_beats == 0:
        raise VagalError(f"{shown}: holds no beats to replay.")
    if opts.headless:
        # The dashboard says it in its status line; headless, only this line can.
        for dmg in source.recording.damage[:1]:
            shown_dmg = printable(f"{shown}: {dmg}", max_chars=None)  # the damage quotes the file
            print(f"vagal: note: {shown_dmg}; replaying what was readable.", file=sys.stderr)
    elif args.file == LATEST:
        print(f"Replaying {printable(str(path), max_chars=None)}", file=sys.stderr)
    return run_session(source, opts)
