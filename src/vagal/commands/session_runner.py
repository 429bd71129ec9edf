"""The session runner shared by ``vagal demo``, ``vagal live`` and ``vagal replay``.

Each command turns its parsed arguments into a :class:`~vagal.options.SessionOptions`
(:func:`session_options`); from here down nothing sees the command line.
``run_session(source, options)`` builds the pacer, the engine and the recorder the same way
for every source, then either hands them to the dashboard or, with ``--headless``, runs
the :class:`~vagal.engine.driver.Driver` itself: calm progress lines on stderr every few
seconds of session time, and a summary at the end on stdout (``--json`` for JSON), so
piped output stays clean.

Recording is on by default for demo and live (``--no-record`` to opt out, ``--record
PATH`` to choose the file); a replay is never recorded again. SIGINT and SIGTERM end a
headless session cleanly: the source is closed, its last events are folded and written,
and the recorder is closed in ``finally``, so the file is always complete.
"""

from __future__ import annotations

import asyncio
import json
import math
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from vagal.clock import clock_text
from vagal.errors import VagalError
from vagal.metrics import LIVE, metric
from vagal.options import SessionMode, SessionOptions
from vagal.text import printable

if TYPE_CHECKING:
    import argparse

    from vagal.engine.core import Engine
    from vagal.engine.driver import Driver, Sink
    from vagal.engine.final import SessionLog
    from vagal.engine.snapshot import Metric, Snapshot
    from vagal.events import Event
    from vagal.pacer import Pacer
    from vagal.sessions.writer import Recorder
    from vagal.sources.base import BeatSource

PROGRESS_EVERY_S: Final = 10.0
"""A progress line every 10 s of session time…"""
PROGRESS_EVERY_FAST_S: Final = 60.0
"""…or every minute of session time when running as fast as possible."""


def session_options(args: argparse.Namespace, mode: SessionMode, **specific: Any) -> SessionOptions:
    """The options every session command shares (``--pace``, ``--ramp-from``, ``--sound``,
    ``--headless``, ``--json``), read from ``args``, plus the ones only that command has.

    Args:
        args: The parsed command line of demo, live or replay (all three have those flags).
        mode: Which command it is.
        **specific: The command's own :class:`~vagal.options.SessionOptions` fields
            (``speed``, ``duration_s``, ``record``…).

    Raises:
        VagalError: ``--json`` without ``--headless``, or ``--pace mine`` before any
            assessment was kept.
    """
    from vagal.sessions.own_pace import default_pace, resolve_pace

    if args.json and not args.headless:
        raise VagalError(
            "--json prints the summary of a session without the dashboard.", hint="Add --headless."
        )
    return SessionOptions(
        mode=mode,
        # "mine": the kept resonance assessment's pattern
        # no --pace in demo and live: the own pace if the person made it the default
        pace=(resolve_pace(args.pace) if args.pace is not None
              else default_pace() if mode in ("demo", "live") else None),
        ramp_from=args.ramp_from,
        sound=args.sound,
        headless=args.headless,
        json=args.json,
        **specific,
    )


def recording_options(args: argparse.Namespace) -> dict[str, Any]:
    """``--record``, ``--no-record`` and ``--label`` as ``SessionOptions`` fields (demo and live)."""
    return {
        "record": Path(args.record) if args.record else None,
        "no_record": args.no_record,
        "label": args.label,
    }


def run_session(
    source: BeatSource,
    options: SessionOptions,
    *,
    pacer: Pacer | None = None,
    header: dict[str, Any] | None = None,
    guide: bool = True,
    kind: str | None = None,
) -> int:
    """Run a session on ``source``: the dashboard, or headless with ``options.headless``.

    Args:
        source: The beat source (not yet connected).
        options: What the person asked for (see :func:`session_options`).
        pacer: A pacer already built (the demo shares its pacer with the simulated
            person's breathing); default: one built from ``options.pace``. A replay follows the
            breathing patterns recorded in the file instead.
        header: Extra header keys for the recording (e.g. the demo's seed).
        guide: False for a session without a breathing guide (``vagal check``'s still reading).
        kind: The recording's ``source`` in its header and file name (default: the mode;
            "check" for a still reading).

    Returns:
        The exit status: 0, or 2 when the recording failed on the way.

    Raises:
        VagalError: Bad ``--pace``, the recording cannot be created, the source cannot connect.
    """
    from vagal.engine.core import Engine

    mode = options.mode
    if not guide:
        pacer = None  # a still reading: no guide to follow, none recorded
    elif pacer is None and mode != "replay":
        pacer = make_pacer(options)  # parses --pace, refusing a bad one
    elif pacer is None:
        # A replay breathes with the guide the file recorded (its gentle start and changes
        # too); a file that recorded none gets the one given with --pace, and none without.
        # The engine follows the same pacer, so synchrony and RSA per breath are computed.
        from vagal.pacer import pacer_from_events
        from vagal.sources.replay import ReplaySource

        if isinstance(source, ReplaySource):
            pacer = pacer_from_events(source.recording.pacer)
        if pacer is None and options.pace:
            pacer = make_pacer(options)
    # Headless at full speed nobody reads a snapshot between progress lines: the spectral
    # recomputes are made in batches (the same numbers, bit for bit).
    engine = Engine(pacer=pacer, batch=options.headless and math.isinf(options.speed))
    recorder = _open_recorder(options, pacer, header or {}, kind=kind)
    try:
        if not options.headless:
            from vagal.engine.final import SessionLog
            from vagal.ui.app import run_dashboard

            log = SessionLog()
            sinks: list[Sink] = [recorder] if recorder is not None else []
            sinks.append(log)
            if pacer is not None and mode != "replay":
                start = pacer.start_event()
                engine.push(start)
                for sink in sinks:
                    sink.write(start)
            status: int = run_dashboard(
                source,
                options,
                engine=engine,
                pacer=pacer,
                sinks=sinks,
                recording=recorder.path if recorder is not None else None,
                make_report=report_here,
            )
            return status
        return _run_headless(source, options, engine, pacer, recorder)
    finally:
        if recorder is not None:
            recorder.close()


def report_here(session: Path) -> Path:
    """Write the report of ``session`` as a PDF in the current folder; returns where it went.

    The dashboard's report key calls this (in a worker thread). It runs ``vagal report``
    itself, in a process of its own, so the PDF is the one the command makes, matplotlib
    never loads into the dashboard, and nothing the command prints reaches the screen. The
    name is the session's, with ``-2``, ``-3``… when a file of that name is already there
    (a report never overwrites).

    Raises:
        VagalError: The report could not be made (the command's own line says why).
    """
    import subprocess

    from vagal.commands.report import default_output

    stem = default_output(session).stem
    out = Path.cwd() / f"{stem}.pdf"
    n = 2
    while out.exists():
        out = Path.cwd() / f"{stem}-{n}.pdf"
        n += 1
    done = subprocess.run(
        [sys.executable, "-m", "vagal", "report", str(session), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        why = lines[-1].removeprefix("vagal: ") if lines else f"vagal report exited with {done.returncode}"
        raise VagalError(why)
    return out


def check_duration(args: argparse.Namespace) -> None:
    """Refuse a ``--duration`` that is not a positive, finite number of seconds (shared by demo and live).

    Checked before the session starts (-5 used to end at once, nan never).

    Raises:
        VagalError: ``--duration`` is zero, negative, infinite or nan.
    """
    duration: float | None = args.duration
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise VagalError(f"--duration must be a positive number of seconds, got {duration:g}.")


def make_pacer(options: SessionOptions) -> Pacer:
    """The breathing guide for ``--pace`` and ``--ramp-from`` (shared by demo and live).

    By default the guide starts at a usual resting rate (12/min) and slows linearly to
    the chosen pattern over ``vagal.pacer.DEFAULT_RAMP_S`` (2 minutes), so nobody is
    asked to drop into a slow rhythm at once (the safety envelope of guided breathing).
    A pattern at or above the starting rate starts at once.

    Raises:
        VagalError: A bad ``--pace`` or ``--ramp-from``.
    """
    from vagal.pacer import Pacer, parse_pace

    pattern = parse_pace(options.pace or "resonance")
    spec = (options.ramp_from or "off").strip().lower()
    if spec in ("off", "none", "0"):
        return Pacer(pattern)
    try:
        start_per_min = float(spec)
    except ValueError:
        raise VagalError(
            f"--ramp-from takes a breathing rate in breaths/min (e.g. 12) or 'off', got {spec!r}."
        ) from None
    if not 2.0 <= start_per_min <= 30.0:
        raise VagalError(f"--ramp-from must be a breathing rate between 2 and 30 per minute, got {spec}.")
    if start_per_min <= pattern.rate_per_min:
        return Pacer(pattern)
    return Pacer(pattern, ramp_from_per_min=start_per_min)


def _open_recorder(
    options: SessionOptions, pacer: Pacer | None, header: dict[str, Any], *, kind: str | None = None
) -> Recorder | None:
    if not options.recording:
        return None
    from vagal.sessions.writer import open_recorder

    start = pacer.start_event() if pacer is not None else None
    return open_recorder(options, source=kind or options.mode, pacer=start, **header)


def _run_headless(
    source: BeatSource,
    options: SessionOptions,
    engine: Engine,
    pacer: Pacer | None,
    recorder: Recorder | None,
) -> int:
    from vagal.engine.driver import Driver
    from vagal.engine.final import SessionLog

    every = PROGRESS_EVERY_FAST_S if math.isinf(options.speed) else PROGRESS_EVERY_S
    progress = _Progress(every, sys.stderr)
    progress.recorder = recorder
    duration = options.duration_s
    log = SessionLog()
    sinks: list[Sink] = [recorder] if recorder is not None else []
    driver = Driver(
        source,
        engine,
        sinks=[*sinks, log],
        on_fold=progress.on_fold,
        pacer=pacer,
        until_s=None,
    )
    progress.engine = engine
    if duration is not None:
        # Session time starts at the source's first event; the driver stops at start + duration.
        progress.duration_s = duration
        progress.driver = driver

    async def main() -> None:
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, driver.stop)
                installed.append(sig)
            except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
                pass
        try:
            await driver.run()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    asyncio.run(main())
    if recorder is not None:
        recorder.close()
    # The stream is over and nothing will seek: the final numbers need only the beats' arrays,
    # so the event objects the source and the log hold are let go first (a day's are ~15 MB,
    # which would sit under the batch core's own peak: 105 -> 86 MB for a day's replay).
    release = getattr(source, "release", None)
    if callable(release):
        release()
    beats = log.take_beats()
    summary = session_summary(
        engine, progress.first_t_s, mode=options.mode, recorder=recorder, seed=options.seed, log=log,
        beats=beats,
    )  # fmt: skip
    if options.json:
        print(json.dumps(summary, indent=2, allow_nan=False))
    else:
        print(format_summary(summary))
    if recorder is not None and recorder.error is not None:
        print(f"vagal: {recorder.error}", file=sys.stderr)
        return 2
    return 0


class _Progress:
    """A calm line on stderr every ``every_s`` seconds of session time."""

    def __init__(self, every_s: float, out: TextIO) -> None:
        self.every_s = every_s
        self.out = out
        self.first_t_s: float | None = None
        self.duration_s: float | None = None
        self.driver: Driver | None = None
        self.recorder: Recorder | None = None
        self.engine: Engine | None = None
        """Where :meth:`on_fold` reads the snapshot, only when a line is due."""
        self._next_s: float | None = None
        self._said_stopped = False

    def on_event(self, event: Event, snap: Snapshot) -> None:
        """A line when one is due, from the snapshot after ``event``."""
        self._on(event, snap)

    def on_fold(self, event: Event) -> None:
        """A line when one is due, from the engine's snapshot (built only then)."""
        self._on(event, None)

    def _on(self, event: Event, snap: Snapshot | None) -> None:
        t = event.t_s
        rec = self.recorder
        if rec is not None and rec.error is not None and not self._said_stopped:
            # Once, calmly, as it happens: the session (guide and numbers) goes on.
            self._said_stopped = True
            print(
                f"{clock_text(t - (self.first_t_s or 0.0)):>7}  the recording stopped ({rec.error.reason}); "
                f"the session goes on, and {printable(rec.path.name)} holds it up to "
                f"{clock_text(rec.saved_until_s)}",
                file=self.out,
                flush=True,
            )
        if self.first_t_s is None:
            self.first_t_s = t
            self._next_s = t + self.every_s
            if self.driver is not None and self.duration_s is not None:
                self.driver.until_s = t + self.duration_s
        if self._next_s is not None and t >= self._next_s:
            self._next_s += self.every_s * (math.floor((t - self._next_s) / self.every_s) + 1)
            if snap is None:
                assert self.engine is not None, "on_fold needs the engine"
                snap = self.engine.snapshot
            print(progress_line(snap, t - (self.first_t_s or 0.0)), file=self.out, flush=True)


def progress_line(snap: Snapshot, elapsed_s: float) -> str:
    """One calm progress line: where the session is, in plain words (the dashboard's digits)."""
    head = f"{clock_text(elapsed_s):>7}"
    if snap.gap_started_s is not None:
        return f"{head}  paused: no beats are coming in; waiting calmly for the strap"
    parts: list[str] = []
    hr = snap.hr_smoothed_bpm if snap.hr_smoothed_bpm.valid else snap.hr_bpm
    if hr.value is not None:
        parts.append(f"heart {_live('hr_smoothed_bpm', hr.value)}")
    rmssd = snap.rmssd_ms
    if rmssd.value is not None:
        parts.append(f"RMSSD {_live('rmssd_ms', rmssd.value)}" + (" (settling)" if rmssd.settling else ""))
    elif rmssd.reason:
        parts.append(f"settling: {rmssd.reason}")
    if snap.coherence.value is not None:
        parts.append(f"coherence {_live('coherence', snap.coherence.value)}")
    if snap.breathing_rate_per_min.value is not None:
        parts.append(f"breathing {_live('breathing_rate_per_min', snap.breathing_rate_per_min.value)}")
    return f"{head}  " + (" · ".join(parts) if parts else "waiting for the first beats")


def _live(key: str, value: float) -> str:
    """``value`` with the registry's dashboard digits and unit ("62 bpm", "6.0/min", "1.2")."""
    info = metric(key)
    text = info.text(value, live=True)
    if not info.unit:
        return text
    return f"{text}{info.unit}" if info.unit.startswith("/") else f"{text} {info.unit}"


def _metric(m: Metric) -> float | None:
    return None if m.value is None or not math.isfinite(m.value) else float(m.value)


def session_summary(
    engine: Engine,
    first_t_s: float | None,
    *,
    mode: str,
    recorder: Recorder | None,
    seed: int | None = None,
    log: SessionLog | None = None,
    events: Sequence[Event] | None = None,
    beats: tuple[Any, Any, Any] | None = None,
) -> dict[str, Any]:
    """The end-of-session summary (what ``--json`` prints): the final numbers, then the live ones.

    The numbers of the session are the batch core's on its beats
    (:func:`vagal.engine.final.final_summary`: the keys and values of ``vagal analyze
    --json``, then ``start``/``end``, ``coherence_levels_s``, ``markers`` and
    ``check_ins``), so a session's summary and ``vagal analyze`` on its file give one answer.
    Beside them: ``source``, ``session_s`` (session time from the first event to the
    last), ``gaps`` and ``gap_total_s``; ``live``, the live engine's whole-session figures
    (:meth:`Engine.summary`: what the dashboard showed, causal); ``last``, the final live
    values of the registry's :data:`vagal.metrics.LIVE` metrics, with ``last_reasons`` and
    ``last_cautions``; ``pace_per_min``; the demo's ``seed``; ``recording``; and, when the
    recording stopped early, ``saved_until_s``.

    Args:
        engine: The live engine at the end.
        first_t_s: Time of the session's first event (None: 0).
        mode: "demo", "live" or "replay".
        recorder: The recorder, if the session was recorded.
        seed: The demo's seed.
        log: The events of the session (the final numbers are computed on them).
        events: The events to compute the final numbers on instead of ``log``'s (a replay
            that jumped about gives its file's events up to where it reached).
        beats: The beats as :meth:`SessionLog.take_beats` gave them (``log`` then holds the
            other events only).
    """
    from vagal.engine.final import final_summary

    snap = engine.snapshot
    start = first_t_s if first_t_s is not None else 0.0
    out: dict[str, Any] = {"source": mode, "session_s": max(0.0, engine.t_s - start)}
    chosen = events if events is not None else (log.events if log is not None else [])
    out.update(final_summary(chosen, beats=beats))
    live = engine.summary()
    out["gaps"] = live.pop("gaps")
    out["gap_total_s"] = live.pop("gap_total_s")
    out["live"] = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in live.items()}
    last: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    cautions: dict[str, str] = {}
    for name in LIVE:
        m = snap.metric(name)
        last[name] = _metric(m)
        if m.value is None and m.reason:
            reasons[name] = m.reason
        if m.caution:
            cautions[name] = m.caution
    out["last"] = last
    out["last_reasons"] = reasons
    out["last_cautions"] = cautions
    pacer = engine.pacer
    if pacer is not None:
        out["pace_per_min"] = float(pacer.rate_at(snap.t_s))
    if seed is not None:
        out["seed"] = seed
    out["recording"] = str(recorder.path) if recorder is not None else None
    # Up to when the file holds the session, and why it stopped early (None: it did not).
    out["saved_until_s"] = recorder.saved_until_s if recorder is not None else None
    out["recording_stopped"] = recorder.error.reason if recorder is not None and recorder.error else None
    for k, v in list(out.items()):
        if isinstance(v, float) and not math.isfinite(v):
            out[k] = None
    return out


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _why(reasons: dict[str, str], key: str, label: str) -> str:
    """The engine's reason without the metric's own name ("LF/HF: needs 2 min…", not
    "LF/HF: LF/HF needs…")."""
    reason = reasons.get(key, "not available")
    if reason.lower().startswith(label.lower() + " "):
        reason = reason[len(label) + 1 :]
    return reason


def _line(key: str, value: float | None, then: str, *, why: str) -> str:
    """One summary line: the registry's title, then the value in the dashboard's digits and
    unit followed by ``then``, or ``why`` there is none."""
    title = metric(key).title
    return f"{title}: {_live(key, value)}{then}" if value is not None else f"{title}: {why}"


def _levels_text(seconds: Sequence[float]) -> str:
    """"finding a rhythm 2:10 · settling in 0:40 …": the time at each coherence level that had any."""
    from vagal.engine.final import COHERENCE_LEVEL_WORDS

    parts = [f"{words} {clock_text(round(t))}"
             for words, t in zip(COHERENCE_LEVEL_WORDS, seconds, strict=True) if t >= 1]
    return " · ".join(parts)


def _part_text(key: str, part: dict[str, Any] | None) -> str:
    value = None if part is None else part.get(key)
    return "–" if value is None else _live(key, value)


def checkin_text(c: dict[str, Any]) -> str:
    """"before: 2 (a little settled), "after the argument"" for one check-in."""
    from vagal.metrics import SETTLED_WORDS
    from vagal.text import printable

    words = f', "{printable(c["words"])}"' if c.get("words") else ""
    return f"{c['when']}: {c['settled']} ({SETTLED_WORDS.get(c['settled'], '?')}){words}"


def marker_text(m: dict[str, Any]) -> str:
    """"3:12 talked about work (tense)" for one marker (outside text shown literally)."""
    from vagal.text import printable

    label = printable(m.get("label") or "") or "(marker)"
    feeling = f" ({printable(m['feeling'])})" if m.get("feeling") else ""
    return f"{clock_text(m['t_s'])} {label}{feeling}"


def format_summary(s: dict[str, Any]) -> str:
    """The summary as a few plain lines: the final numbers (titles, units and digits from
    :mod:`vagal.metrics`), the start and the end, and what was noted."""
    gaps = s["gaps"]
    gap_text = "no gaps" if not gaps else f"{gaps} gap{'s' if gaps > 1 else ''} ({s['gap_total_s']:.0f} s)"
    pct = s.get("artifacts_pct")
    flag_text = f"{pct:.1f} % of beats corrected" if pct else "no beats corrected"
    last = s["last"]
    reasons = s["last_reasons"]
    final_reasons = s.get("reasons", {})
    live = s.get("live", {})
    start, end = s.get("start"), s.get("end")
    lines = [
        f"Session: {clock_text(s['session_s'])} ({s['source']}), {_count(s['n_beats'], 'beat')}, "
        + f"{flag_text}, {gap_text}. Final numbers:",
        _line("mean_hr_bpm", s["mean_hr_bpm"], " on average", why=final_reasons.get("mean_hr_bpm", "none"))
        + f"; first 2 min {_part_text('mean_hr_bpm', start)}, last 2 min {_part_text('mean_hr_bpm', end)}",
        _line("rmssd_ms", s["rmssd_ms"], " over the session", why=final_reasons.get("rmssd_ms", "none"))
        + f"; first 2 min {_part_text('rmssd_ms', start)}, last 2 min {_part_text('rmssd_ms', end)}",
        _line("lf_hf", s["lf_hf"], " over the session", why=final_reasons.get("lf_hf", "none")),
        _line(
            "coherence",
            s.get("coherence"),
            " on average (peak ratio)",
            why=final_reasons.get("coherence", _why(reasons, "coherence", "coherence")),
        ),
    ]
    levels = _levels_text(s.get("coherence_levels_s") or ())
    if levels:
        lines.append(f"Time at each coherence level: {levels}")
    lines.append(
        _line("rsa_bpm", live.get("rsa_bpm_mean"), " peak to trough", why=_why(reasons, "rsa_bpm", "RSA"))
    )
    breathing = _line(
        "breathing_rate_per_min",
        live.get("breathing_rate_per_min_mean"),
        " (from heart rhythm)",
        why=_why(reasons, "breathing_rate_per_min", "breathing rate"),
    )
    if s.get("pace_per_min") is not None:
        breathing += f", guide {_live('breathing_rate_per_min', s['pace_per_min'])}"
    lines.append(breathing)
    del last  # the last live values are in --json; the lines give the final numbers
    for q in s.get("quality") or ():
        lines.append(q[:1].upper() + q[1:] + ".")
    markers = s.get("markers") or []
    if markers:
        lines.append("Markers: " + "; ".join(marker_text(m) for m in markers))
    check_ins = s.get("check_ins") or []
    if check_ins:
        lines.append("Check-ins: " + "; ".join(checkin_text(c) for c in check_ins))
    if s["recording"] and s.get("recording_stopped"):
        lines.append(
            f"Saved to {printable(s['recording'], max_chars=None)} up to "
            f"{clock_text(s['saved_until_s'] or 0.0)} only: "
            f"the recording stopped there ({s['recording_stopped']})."
        )
    else:
        shown = printable(s["recording"], max_chars=None)  # a name given with --record may hold anything
        lines.append(f"Saved to {shown}" if s["recording"] else "Not recorded.")
    return "\n".join(lines)
