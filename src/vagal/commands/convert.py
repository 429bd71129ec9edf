"""``vagal convert IN OUT [--to vagal|csv|kubios|rr]``.

IN is any readable format (detected from its content). OUT is a vagal session unless
``--to`` or OUT's extension asks otherwise (``.csv`` → csv, ``.txt`` → kubios). OUT is
never overwritten. A damaged IN is converted up to the damage, and the damage is said.
"""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    """Convert one file; returns the exit status.

    Raises:
        InputFileError: IN cannot be read.
        ExportError: OUT exists already or cannot be written.
    """
    from vagal.errors import VagalError
    from vagal.sessions.export import export, format_for_output
    from vagal.sessions.formats import load_recording
    from vagal.text import printable

    # File names and the damage (which may quote the file) are outside text: shown escaped.
    shown_in = printable(args.input, max_chars=None)

    fmt = format_for_output(args.output, args.to)
    recording = load_recording(args.input)
    if recording.n_beats == 0:
        raise VagalError(f"{args.input}: holds no beats to convert.")  # cli.py shows it escaped
    for d in recording.damage:
        print(f"vagal: note: {printable(f'{shown_in}: {d}', max_chars=None)}; converted the rest.",
              file=sys.stderr)
    out = export(recording, args.output, fmt)
    shown_out = printable(out, max_chars=None)
    if fmt in ("kubios", "rr"):
        lost = _plural(int(recording.breaks[1:].sum()), "gap") + _plural(len(recording.markers), "marker")
        if lost:
            print(
                f"vagal: note: {shown_out} is a plain RR list, with no place for the "
                f"{' and the '.join(lost)} "
                "(a .csv or a vagal session keeps them).",
                file=sys.stderr,
            )
    print(f"Wrote {recording.n_beats} beats ({recording.format} → {fmt}) to {shown_out}", file=sys.stderr)
    return 0


def _plural(n: int, noun: str) -> list[str]:
    """``["2 gaps"]``, ``["1 gap"]``, or ``[]`` for none."""
    return [f"{n} {noun}{'s' if n != 1 else ''}"] if n else []
