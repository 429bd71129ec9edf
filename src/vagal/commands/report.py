"""``vagal report SESSION [-o OUT]``: a PDF/PNG/SVG report of one recording.

Any file vagal reads gets a report (a vagal session, a plain RR list, an imported file).
A session for two (format 2) gets the report for two (:mod:`vagal.report.pair_render`);
a session of ``vagal resonance`` the one-page assessment report (:mod:`vagal.report.resonance`).
Without ``-o`` the report is a PDF named after the recording in the current folder (the
sessions folder is hidden away in the user's data folder, where nobody would find it).
It prints where it wrote the file, and never replaces one: an existing OUT is refused with
one line, as ``convert`` and ``--record`` do.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vagal.sessions.recording import Recording

_GLYPH_MISSING = re.compile(r"Glyph (\d+) .*missing from font")
"""matplotlib's warning for a character its font cannot draw (the number is the code point)."""
_SESSION_SUFFIXES = (".vagal.jsonl", ".jsonl", ".csv", ".txt", ".hrm", ".rr")


def default_output(source: str | Path, folder: Path | None = None) -> Path:
    """The default report path: the recording's name with ``.pdf``, in ``folder`` (default: the current one).

    ``…/sessions/2026-11-24_17-15-02_demo.vagal.jsonl`` → ``./2026-11-24_17-15-02_demo.pdf``.
    """
    p = Path(source)
    name = p.name
    for suffix in _SESSION_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        name = p.stem
    return (folder if folder is not None else Path.cwd()) / f"{name or 'report'}.pdf"


def _resonance_drawer(recording: Recording) -> Callable[[Path], object]:
    from vagal.commands.resonance import beats_of, session_assessment
    from vagal.pacer import pacer_from_events
    from vagal.report.resonance import render_resonance_report

    outcome = session_assessment(recording)
    t, rr, _ = beats_of(list(recording.events or ()))
    pacer = pacer_from_events(recording.pacer)
    volume: Callable[[float], float] = pacer.volume_at if pacer is not None else (lambda _t: 0.0)
    label = str(recording.meta.get("label") or "")
    started = str(recording.meta.get("start") or "")[:16].replace("T", " ")
    return lambda path: render_resonance_report(outcome.passes, outcome.result, t, rr, volume, path,
                                                label=label, started=started)


def run(args: argparse.Namespace) -> int:
    """Build and write the report; returns the exit status."""
    from vagal.commands._output import check_output
    from vagal.report import ReportError
    from vagal.sessions.formats import load_recording

    out = Path(args.output) if args.output else default_output(args.file)
    if out.is_dir():
        raise ReportError(f"{out} is a folder; give a file name ending in .pdf, .png or .svg.")
    check_output(out)
    recording = load_recording(args.file)

    from vagal.commands.resonance import is_assessment
    from vagal.report.pair import is_pair

    draw: Callable[[Path], object]
    if is_assessment(recording):  # a session of vagal resonance: the one-page assessment report
        draw = _resonance_drawer(recording)
    elif is_pair(recording):  # a session for two: their page, the together page, each one's appendix
        from vagal.report.pair import build_pair_report_data
        from vagal.report.pair_render import render_pair_report

        pair = build_pair_report_data(args.file)
        draw = lambda path: render_pair_report(pair, path)
    else:
        from vagal.report.data import build_report_data
        from vagal.report.render import render_report

        data = build_report_data(recording)
        draw = lambda path: render_report(data, path)
    with warnings.catch_warnings(record=True) as caught:
        # A label or marker in a script the font lacks (张伟, 🌿): matplotlib warns once per
        # character with a source line; one calm line says it instead.
        warnings.filterwarnings("always", message=_GLYPH_MISSING.pattern, category=UserWarning)
        try:
            draw(out)
        except FileExistsError:
            raise ReportError(f"{out} already exists; vagal never replaces a file.",
                              hint="Choose another name with -o.") from None
        except OSError as exc:
            raise ReportError(f"cannot write the report to {out} ({exc.strerror or exc}).") from None
    missing: list[str] = []
    for w in caught:
        m = _GLYPH_MISSING.search(str(w.message))
        if m is None:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        elif chr(int(m.group(1))) not in missing:
            missing.append(chr(int(m.group(1))))
    from vagal.text import printable  # the characters, the file and out are outside text

    if missing:
        print(
            f"vagal: note: the report's font has no {printable(' '.join(missing), max_chars=None)}; "
            "they show as empty boxes.",
            file=sys.stderr,
        )
    for dmg in recording.damage[:1]:
        print(printable(f"vagal: note: {args.file} was read past a problem ({dmg}).", max_chars=None),
              file=sys.stderr)
    print(f"Report written to {printable(out.absolute(), max_chars=None)}")
    return 0
