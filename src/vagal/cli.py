"""The command line: parses, hands over to one ``vagal.commands`` module per command.

Thin by design. Each handler imports its module lazily, so ``vagal --help`` loads no
numpy, scipy, textual, bleak or matplotlib (tests/test_import_hygiene.py proves it).
A :class:`vagal.errors.VagalError` becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from vagal import __version__

EXIT_OK = 0
EXIT_ERROR = 2
"""Bad input, missing file, no Bluetooth…: one line on stderr, then this status."""

_DESCRIPTION = """\
vagal: heart-rate variability biofeedback in the terminal.
Connect a Bluetooth heart-rate strap, breathe with the guide, watch your nervous system settle.
Not a medical device."""

_EPILOG = """\
examples:
  vagal demo                       the dashboard on a simulated strap (no hardware needed)
  vagal live                       connect to the strap in range
  vagal live --device A --device B --names "Sam,Alex" --headless   two people, two straps
  vagal analyze samples/pyhrv_nsr_5min.csv
  vagal replay SESSION --speed 4
  vagal resonance --demo --headless   find the simulated person's own breathing rate
  vagal report SESSION -o report.pdf"""


def _add_pace(p: argparse.ArgumentParser, *, replay: bool = False, own_default: bool = False) -> None:
    # own_default (demo, live): None here, resolved at run time to the person's own pace when
    # they made it the default (vagal resonance --default), else resonance.
    p.add_argument(
        "--pace",
        metavar="RATE|PRESET",
        default=None if replay or own_default else "resonance",
        help="breathing pattern: a rate in breaths/min (e.g. 6, 5.5) or a preset "
        "(resonance, coherent, calm, box, 4-7-8, sigh), mine (your own rate, found by vagal resonance) "
        "or IN:OUT[:HOLD_IN[:HOLD_OUT]] seconds; with --pair, two separated by a comma give each person "
        "their own guide (e.g. 6,8); "
        + (
            "default: the guide the file recorded (a plain RR file recorded none); "
            "give the one followed to see synchrony and RSA per breath"
            if replay
            else "default: your own pace if you made it the default (vagal resonance --default), "
            "else resonance (6/min, 4 s in, 6 s out)"
            if own_default
            else "default: resonance (6/min, 4 s in, 6 s out)"
        ),
    )
    p.add_argument(
        "--ramp-from",
        metavar="RATE|off",
        default="off" if replay else "12",
        help="start the guide at this rate (breaths/min) and slow it gently to the pattern over "
        + (
            "2 minutes (with --pace; default off)"
            if replay
            else "2 minutes (default 12, a usual resting rate; off: start at the pattern's rate)"
        ),
    )
    p.add_argument("--sound", action="store_true",
                   help="a soft cue at each phase change (eyes-closed practice)")


def _add_recording(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--record", metavar="PATH", help="record the session to PATH exactly as given")
    g.add_argument("--no-record", action="store_true", help="do not record this session")
    p.add_argument("--label", metavar="TEXT", help="who or what is recorded (stored in the session)")


def _add_checkin(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-checkin",
        action="store_true",
        help="do not ask how settled you feel before and after the session",
    )


def _add_headless(p: argparse.ArgumentParser) -> None:
    p.add_argument("--headless", action="store_true",
                   help="no dashboard: progress on stderr, a summary at the end")
    p.add_argument("--json", action="store_true", help="with --headless: print the summary as JSON")


def _speed(text: str) -> float:
    if text in ("max", "inf"):
        return float("inf")
    try:
        value = float(text.rstrip("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number (e.g. 4) or 'max', got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"speed must be > 0, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number from 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed must be a whole number from 0, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command (shared by ``main`` and the tests)."""
    parser = argparse.ArgumentParser(
        prog="vagal",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vagal {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("demo", help="the dashboard on the built-in simulated strap (no hardware needed)")
    _add_pace(p, own_default=True)
    _add_recording(p)
    _add_headless(p)
    _add_checkin(p)
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this much session time")
    p.add_argument("--speed", type=_speed, default=1.0, metavar="FACTOR|max",
                   help="simulated time speed (default 1)")
    p.add_argument("--seed", type=_seed, default=None, help="random seed for a reproducible simulated person")
    p.add_argument(
        "--artifacts",
        action="store_true",
        help="let the simulated strap produce ectopic/missed beats, contact loss and drop-outs now and then",
    )
    p.add_argument("--pair", action="store_true",
                   help="two simulated people practising together")
    p.add_argument(
        "--coupling",
        type=float,
        default=0.0,
        metavar="0..1",
        help=(
            "with --pair: how strongly the second person's breathing and heart follow the first's (default 0)"
        ),
    )
    p.add_argument("--names", metavar="A,B",
                   help='with --pair: what to call the two people (e.g. "Sam,Alex")')
    p.add_argument("--roles", metavar="A,B",
                   help="with --pair: partner, parent, child, therapist or client, e.g. parent,child")

    p = sub.add_parser("live", help="connect to a Bluetooth heart-rate strap and start the dashboard")
    p.add_argument(
        "--device",
        action="append",
        metavar="NAME_OR_ADDRESS",
        help="which strap (default: the only one in range); give it twice for two people, one strap each",
    )
    p.add_argument("--names", metavar="A,B",
                   help='with two --device: what to call the two people (e.g. "Sam,Alex")')
    p.add_argument("--roles", metavar="A,B",
                   help="with two --device: partner, parent, child, therapist or client, e.g. parent,child")
    # demo --pair's flags, taken only to refuse them in one line (two straps: --device twice)
    p.add_argument("--pair", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--coupling", default=None, help=argparse.SUPPRESS)
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="how long to look for a strap (default 10)")
    _add_pace(p, own_default=True)
    _add_recording(p)
    _add_headless(p)
    _add_checkin(p)
    p.add_argument("--duration", type=float, metavar="SECONDS", help="with --headless: stop after this long")

    p = sub.add_parser("resonance", help="find your own breathing rate (resonance-frequency assessment)")
    g = p.add_argument_group("where the beats come from (one of)")
    g.add_argument("--demo", action="store_true", help="the simulated person")
    g.add_argument("--device", metavar="NAME_OR_ADDRESS", help="a Bluetooth strap")
    g.add_argument("--from", dest="from_files", nargs="+", metavar="FILE",
                   help="a session recorded by vagal resonance, or one recording per rate (with --rates)")
    p.add_argument("--rates", metavar="R,R,…", help="the rates in breaths/min (default 6.5,6,5.5,5,4.5)")
    p.add_argument("--child", action="store_true", help="the children's rates (9.5,8.5,7.5,6.5)")
    p.add_argument("--step-s", type=float, default=120.0, metavar="S",
                   help="scored seconds per rate (default 120)")
    p.add_argument("--refine", action="store_true",
                   help="then a second pass of half a step either side of the best")
    p.add_argument("--settle-s", type=float, default=0.0, metavar="S",
                   help="with one file per rate: seconds left out at the start of each (default 0)")
    _add_pace(p)
    _add_recording(p)
    _add_headless(p)
    p.add_argument("--speed", type=_speed, default=1.0, metavar="FACTOR|max",
                   help="with --demo: simulated time speed")
    p.add_argument("--seed", type=_seed, default=None,
                   help="with --demo: random seed for the simulated person")
    p.add_argument("--artifacts", action="store_true",
                   help="with --demo: let the simulated strap misbehave now and then")
    p.add_argument("--resonance-rate", type=float, metavar="R",
                   help="with --demo: the simulated person's resonance rate")
    p.add_argument("--own-rate", type=float, metavar="R",
                   help="with --demo: the simulated person ignores the guide and breathes at R/min")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="with --device: how long to look (default 10)")
    k = p.add_mutually_exclusive_group()
    k.add_argument("--keep", action="store_true",
                   help="keep the result as your own pace even from the simulator")
    k.add_argument("--no-keep", action="store_true", help="do not keep the result as your own pace")
    d = p.add_mutually_exclusive_group()
    d.add_argument("--default", dest="make_default", action="store_const", const=True, default=None,
                   help="make your own pace the default of vagal demo and vagal live (their --pace left out)")
    d.add_argument("--no-default", dest="make_default", action="store_const", const=False,
                   help="stop that: demo and live go back to resonance (6/min) when --pace is left out")

    p = sub.add_parser("scan", help="list nearby heart-rate straps")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S",
                   help="scan for this many seconds (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("replay", help="replay a recorded session (vagal, Polar, Kubios, Elite HRV, OpenHRV…)")
    p.add_argument(
        "file",
        metavar="FILE",
        help="a file, a name that vagal sessions lists, or latest (the newest session)",
    )
    p.add_argument("--speed", type=_speed, default=1.0, metavar="X|max",
                   help="0.25 to 64, or max (default 1)")
    _add_pace(p, replay=True)
    _add_headless(p)

    p = sub.add_parser("analyze", help="HRV analysis of RR recordings (time, frequency, nonlinear)")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument(
        "--pair",
        nargs=2,
        metavar=("A", "B"),
        help="two people's recordings made at the same time: each side by side, and together against chance",
    )
    p.add_argument("--json", action="store_true",
                   help="one JSON object per file (an array for several files)")
    p.add_argument("--no-correct", action="store_true", help="do not correct ectopic, missed and extra beats")
    p.add_argument(
        "--psd",
        choices=["welch", "lomb"],
        default="welch",
        help="spectral estimator (default welch; lomb for records with gaps)",
    )

    p = sub.add_parser("convert", help="convert between RR/session formats")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument(
        "--to",
        choices=["vagal", "csv", "kubios", "rr"],
        help="output format (default: from OUT's extension: .csv → csv, .txt → kubios, else vagal)",
    )

    p = sub.add_parser("sessions", help="list recorded sessions, newest first")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("report", help="a PDF/PNG/SVG report of a session")
    p.add_argument("file", metavar="SESSION")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="output file (.pdf, .png or .svg; default: PDF next to it)")

    p = sub.add_parser("history",
                       help="your sessions over time, what helps you, your usual range, your assessments")
    p.add_argument("--since", metavar="DATE", help="only sessions on or after this date (YYYY-MM-DD)")
    p.add_argument("--view", choices=["all", "trends", "helps", "baseline", "assessments"], default="all",
                   help="what to show: trends per day and week, what helps you, your usual range, "
                        "your breathing-rate assessments (default all)")
    p.add_argument("--include-demo", action="store_true", help="include simulated sessions (vagal demo)")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="also write a plot (.pdf, .png or .svg; never replaced)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("check", help="a short still reading, compared with your usual range")
    p.add_argument("file", metavar="FILE", nargs="?",
                   help="read it from a recording instead (any format vagal reads)")
    p.add_argument("--demo", action="store_true", help="on the simulated strap (no hardware needed)")
    p.add_argument("--position", choices=["sitting", "lying"], default="sitting",
                   help="how you take it; keep to one, readings are compared within a position "
                        "(default sitting)")
    p.add_argument("--duration", type=float, default=180.0, metavar="SECONDS",
                   help="length of the reading (default 180: a minute to settle, two to measure)")
    p.add_argument("--device", metavar="NAME_OR_ADDRESS", help="which strap (default: the only one in range)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="how long to look for a strap")
    p.add_argument("--speed", type=_speed, default=1.0, metavar="FACTOR|max",
                   help="with --demo: simulated time speed")
    p.add_argument("--seed", type=_seed, default=None,
                   help="with --demo: random seed of the simulated person")
    _add_recording(p)
    _add_headless(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from vagal.errors import VagalError

    parser = build_parser()
    if not (sys.argv[1:] if argv is None else list(argv)):
        # A bare ``vagal`` is someone asking what it does: the help, not an argparse error.
        parser.print_help()
        return EXIT_OK
    args = parser.parse_args(argv)
    module = importlib.import_module(f"vagal.commands.{args.command}")
    try:
        status: int = module.run(args)
    except VagalError as exc:
        from vagal.text import printable

        # Messages quote file contents, names and labels: shown with every control escaped.
        print(f"vagal: {printable(str(exc), max_chars=None)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return status
