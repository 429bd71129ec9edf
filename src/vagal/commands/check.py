"""``vagal check``: a short still reading, compared with your own usual range.

Three minutes by default, without a guide, sitting or lying as the person chooses
(``--position``): on a strap (as ``vagal live``), on the simulator (``--demo``, with demo's
``--speed`` and ``--seed``), or from a file another app recorded (``vagal check FILE``).
The reading is recorded as a session like any other, with ``"source": "check"`` in its
header, so it is listed, replayable and reportable; ``--no-record`` keeps it out of the
sessions folder (and out of the usual range).

What it says comes from :mod:`vagal.report.baseline`: RMSSD and heart rate of the beats
after the first minute (the batch core), against the usual range of the person's earlier
readings in the same position, in gentle words. Before five readings there is no range,
and it says how many there are so far. A demo reading is compared only with demo readings,
and a real one only with real ones.

The session is run by the same runner as ``demo`` and ``live`` (``run_session`` with
``guide=False``), always without the dashboard: a still reading has no guide to look at.
``--headless`` is accepted for the same command line as ``demo``, and changes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import random
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vagal.errors import VagalError

if TYPE_CHECKING:
    from vagal.sessions.recording import Recording


def _check_args(args: argparse.Namespace) -> None:
    duration: float = args.duration
    if not (math.isfinite(duration) and duration > 0):
        raise VagalError(f"--duration must be a positive number of seconds, got {duration:g}.")
    if args.file is not None and args.demo:
        raise VagalError("a reading comes from a file or from the simulator, not both.",
                         hint="Drop FILE or --demo.")
    if not args.demo and (args.speed != 1.0 or args.seed is not None):
        raise VagalError("--speed and --seed are for the simulator.", hint="Add --demo.")
    if args.file is not None and args.device is not None:
        raise VagalError("--device is for a strap; a file reading needs none.")


def _options(args: argparse.Namespace, mode: str, seed: int | None, record: Path | None) -> Any:
    from vagal.options import SessionOptions

    return SessionOptions(
        mode="demo" if mode == "demo" else "live",
        devices=(args.device,) if args.device else (),
        speed=args.speed,
        duration_s=args.duration,
        headless=True,
        json=True,  # the runner's summary is read back, not shown (the reading is what is shown)
        record=record,
        no_record=False,
        label=args.label,
        seed=seed,
    )


def _run_reading(args: argparse.Namespace, record: Path | None) -> tuple[int, Path | None, dict[str, Any]]:
    """Run the still reading through the session runner; returns (status, recording, runner summary)."""
    from vagal.commands.session_runner import run_session

    position: str = args.position
    minutes = f"{args.duration / 60:g} minute{'s' if args.duration != 60 else ''}"
    still = "Sit comfortably" if position == "sitting" else "Lie down comfortably"
    header: dict[str, Any] = {"position": position, "check_s": args.duration}
    if args.demo:
        from vagal.clock import MonotonicClock, VirtualClock
        from vagal.sources.simulated import SimulatedSource

        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
        clock = VirtualClock() if math.isinf(args.speed) else MonotonicClock(args.speed)
        source: Any = SimulatedSource(seed=seed, clock=clock, duration_s=args.duration, breathing=None)
        header.update({"seed": seed, "demo": True})
        opts = _options(args, "demo", seed, record)
    else:
        import asyncio

        from vagal.commands.live import RESOLVE_GRACE_S
        from vagal.sources.bleak_source import BleakSource, choose_strap, discover_straps

        timeout_s: float = args.timeout
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise VagalError(f"--timeout must be more than 0 seconds, got {timeout_s:g}.")
        print(f"Looking for {'the strap ' + repr(args.device) if args.device else 'a heart-rate strap'}…",
              file=sys.stderr)
        straps = asyncio.run(discover_straps(timeout_s, wanted=args.device, grace_s=RESOLVE_GRACE_S))
        strap = choose_strap(straps, args.device)
        from vagal.text import printable

        print(f"Connecting to {printable(strap.label)}…", file=sys.stderr)
        source = BleakSource(strap.address, name=strap.name, profile=strap.profile,
                             connect_timeout_s=timeout_s)
        opts = _options(args, "live", None, record)
    print(f"{still} and breathe as you usually do; the reading takes {minutes}.", file=sys.stderr)
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        status = run_session(source, opts, guide=False, kind="check", header=header)
    summary: dict[str, Any] = {}
    try:
        summary = json.loads(captured.getvalue() or "{}")
    except ValueError:
        summary = {}
    rec_path = summary.get("recording")
    return status, (Path(rec_path) if rec_path else None), summary


def _record_file_reading(rec: Recording, args: argparse.Namespace) -> Path:
    """A reading from another app's file, written into the sessions folder as a check session."""
    from vagal.report.data import recorded_start
    from vagal.sessions.recording import beat_events
    from vagal.sessions.writer import Recorder, default_session_path, make_header

    start = recorded_start(rec.meta)
    if start is None:
        start = datetime.fromtimestamp(Path(rec.path).stat().st_mtime).astimezone()
    if start.tzinfo is None:
        start = start.astimezone()
    path = Path(args.record) if args.record else default_session_path("check", start=start, label=args.label)
    header = make_header(
        source="check", start=start, label=args.label or rec.meta.get("label"), position=args.position,
        converted_from={"path": Path(rec.path).name, "format": rec.format},
    )
    events = list(rec.events) if rec.events is not None else beat_events(rec)
    with Recorder(path, header) as writer:
        for e in events:
            writer.write(e)
    return path


def _earlier_readings(demo: bool, exclude: Path | None) -> list[Any]:
    """The person's earlier still readings (real ones for a real reading, demo ones for a demo)."""
    from vagal.commands.history import read_history
    from vagal.paths import sessions_dir

    history = read_history(sessions_dir(), since=None, include_demo=demo)
    return [
        r for s in history.sessions
        if s.demo == demo and (exclude is None or s.file != exclude.name)
        for r in ([s.reading()] if s.reading() is not None else [])
    ]


def run(args: argparse.Namespace) -> int:
    """Take (or read) the reading, compare it with the usual range, print it; returns the exit status."""
    from vagal.report.baseline import reading_values, reading_words, usual_range_before
    from vagal.report.data import recorded_start
    from vagal.sessions.formats import load_recording
    from vagal.text import printable

    _check_args(args)
    status = 0
    summary: dict[str, Any] = {}
    temp: tempfile.TemporaryDirectory[str] | None = None
    try:
        if args.file is not None:
            rec = load_recording(args.file)
            saved = None if args.no_record else _record_file_reading(rec, args)
            demo = False
        else:
            record = Path(args.record) if args.record else None
            if args.no_record:
                # The reading is read back from its file: without recording, a private temporary one.
                temp = tempfile.TemporaryDirectory(prefix="vagal-check-")
                record = Path(temp.name) / "check.vagal.jsonl"
            status, saved, summary = _run_reading(args, record)
            if saved is None:
                raise VagalError("the reading was not recorded, so it cannot be read back.")
            rec = load_recording(saved)
            if args.no_record:
                saved = None
            demo = bool(args.demo)
        rmssd, hr, quality, settle_s = reading_values(rec)
        start = recorded_start(rec.meta)
        day = start.date() if start is not None else date.today()
        usual = usual_range_before(_earlier_readings(demo, saved), day, args.position)
        if rmssd is None:
            words = [("The reading was too short or too broken to give an RMSSD (it needs a minute of steady "
                      "beats "
                     "after the first minute).")]
            compared: dict[str, str | None] = {"rmssd": None, "hr": None}
        else:
            words, compared = reading_words(rmssd, hr, usual)
        care = [q[:1].upper() + q[1:] + "." for q in quality]
    finally:
        if temp is not None:
            temp.cleanup()
    out = {
        "reading": {
            "file": str(saved) if saved is not None else None,
            "from_file": str(args.file) if args.file is not None else None,
            "start": start.isoformat() if start is not None else None,
            "position": args.position,
            "demo": demo,
            "duration_s": rec.duration_s,
            "settle_s": settle_s,
            "rmssd_ms": rmssd,
            "ln_rmssd": math.log(rmssd) if rmssd else None,
            "mean_hr_bpm": hr,
            "quality": list(quality),
        },
        "usual_range": usual.to_dict(),
        "compared": compared,
        "words": words,
        "session": summary or None,
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=True, indent=2, allow_nan=False))
    else:
        when = f"{start:%Y-%m-%d %H:%M}" if start is not None else "today"
        print(f"Still reading, {args.position}, {when}{' (simulated)' if demo else ''}:")
        for line in words + care:
            print(f"  {line}")
        if saved is not None:
            print(f"Saved to {printable(str(saved), max_chars=None)}")
        elif args.no_record:
            print("Not recorded (--no-record), so it does not count towards your usual range.")
    return status
