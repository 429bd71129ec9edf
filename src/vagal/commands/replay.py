"""``vagal replay FILE [--speed X] [--headless] [--json] [--pace …]``.

Builds a :class:`~vagal.sources.replay.ReplaySource` and hands it to the same session
runner as ``demo`` and ``live`` (``vagal.commands.session_runner.run_session``): the dashboard,
or with ``--headless`` the whole live pipeline without UI and a summary at the end.
A replay is not recorded again (it is already a file): its options say ``no_record``.
"""

from __future__ import annotations

import argparse
import sys

from vagal.errors import VagalError
from vagal.options import SessionOptions


def options(args: argparse.Namespace) -> SessionOptions:
    """The replay command line as :class:`~vagal.options.SessionOptions` (never recorded).

    Raises:
        VagalError: ``--json`` without ``--headless``.
    """
    from vagal.commands.session_runner import session_options

    # The replay parser has no --record: never record a replay by accident.
    return session_options(args, "replay", speed=args.speed, no_record=True)


def run(args: argparse.Namespace) -> int:
    """Replay a file; returns the exit status.

    Raises:
        InputFileError: The file cannot be read or holds no beats.
        ReplaySpeedError: ``--speed`` is outside 0.25–64 (or max).
        VagalError: The file holds no beats.
    """
    from vagal.commands.session_runner import run_session
    from vagal.sources.replay import ReplaySource, check_speed

    check_speed(args.speed)
    opts = options(args)
    source = ReplaySource(args.file, speed=args.speed)
    if source.recording.n_beats == 0:
        raise VagalError(f"{args.file}: holds no beats to replay.")
    if opts.headless:
        # The dashboard says it in its status line; headless, only this line can.
        for dmg in source.recording.damage[:1]:
            from vagal.text import printable

            shown = printable(f"{args.file}: {dmg}", max_chars=None)  # the damage quotes the file
            print(f"vagal: note: {shown}; replaying what was readable.", file=sys.stderr)
    return run_session(source, opts)
