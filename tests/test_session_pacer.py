"""The guide starts gently: ``--ramp-from`` (default 12/min) slows to the pattern over 2 minutes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vagal.cli import build_parser
from vagal.commands import demo, replay
from vagal.commands.session_runner import make_pacer
from vagal.errors import VagalError
from vagal.options import SessionOptions
from vagal.pacer import DEFAULT_RAMP_S


def _args(*argv: str) -> SessionOptions:
    return demo.options(build_parser().parse_args(["demo", *argv]))


def test_by_default_the_guide_starts_at_a_resting_rate_and_slows_to_the_pattern() -> None:
    pacer = make_pacer(_args())
    assert pacer.state_at(0.0).rate_per_min == pytest.approx(12.0)
    mid = pacer.state_at(DEFAULT_RAMP_S / 2).rate_per_min
    assert 6.0 < mid < 12.0
    assert pacer.state_at(DEFAULT_RAMP_S + 30.0).rate_per_min == pytest.approx(6.0)


def test_ramp_off_starts_at_the_pattern() -> None:
    assert make_pacer(_args("--ramp-from", "off")).state_at(0.0).rate_per_min == pytest.approx(6.0)


def test_a_pattern_faster_than_the_start_rate_starts_at_once() -> None:
    pacer = make_pacer(_args("--pace", "15", "--ramp-from", "12"))
    assert pacer.state_at(0.0).rate_per_min == pytest.approx(15.0)


@pytest.mark.parametrize("value", ["fast", "40", "-3"])
def test_a_bad_ramp_from_is_one_clear_error(value: str) -> None:
    with pytest.raises(VagalError):
        make_pacer(_args("--ramp-from", value))


def test_cli_bad_ramp_from_exits_2_with_one_line() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "vagal",
            "demo",
            "--headless",
            "--no-record",
            "--duration",
            "5",
            "--speed",
            "max",
            "--ramp-from",
            "fast",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "--ramp-from" in out.stderr
    assert "Traceback" not in out.stderr


# -- the gentle start is recorded, and a replay breathes with it ---------------------------


def test_the_gentle_start_and_later_changes_are_recorded_and_rebuilt_exactly() -> None:
    from vagal.pacer import PRESETS, Pacer, pacer_from_events
    from vagal.sessions.codec import event_from_dict, event_to_dict

    live = Pacer(PRESETS["resonance"], ramp_from_per_min=12.0)
    events = [
        live.start_event(),
        live.set_pattern(301.3, PRESETS["box"]),
        live.set_pattern(500.0, PRESETS["calm"]),
    ]
    assert events[0].ramp_from_per_min == 12.0 and events[0].ramp_s == DEFAULT_RAMP_S
    stored = [event_from_dict(event_to_dict(e)) for e in events]
    assert stored == events
    rebuilt = pacer_from_events(stored)
    assert rebuilt is not None
    for k in range(7000):
        t = k * 0.1
        assert rebuilt.volume_at(t) == pytest.approx(live.volume_at(t), abs=1e-12)
        assert rebuilt.rate_at(t) == pytest.approx(live.rate_at(t), abs=1e-12)
    assert all(rebuilt.has_event(e) for e in events)


def test_a_replay_breathes_with_the_recorded_guide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record a demo with the gentle start, replay it headless: the engine's guide eases too."""
    from vagal.commands.session_runner import run_session
    from vagal.engine import core
    from vagal.sources.replay import ReplaySource

    path = tmp_path / "s.vagal.jsonl"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "vagal",
            "demo",
            "--headless",
            "--duration",
            "200",
            "--speed",
            "max",
            "--seed",
            "3",
            "--record",
            str(path),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(path.read_text().splitlines()[1])["ramp_from_per_min"] == 12.0

    engines: list[core.Engine] = []

    class SpyEngine(core.Engine):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            engines.append(self)

    monkeypatch.setattr(core, "Engine", SpyEngine)
    argv = ["replay", str(path), "--headless", "--json", "--speed", "max"]
    args = replay.options(build_parser().parse_args(argv))
    assert run_session(ReplaySource(path, speed=float("inf")), args) == 0
    pacer = engines[0].pacer
    assert pacer is not None
    assert pacer.rate_at(0.0) == pytest.approx(12.0)
    assert pacer.rate_at(60.0) == pytest.approx(9.0, abs=0.3)
    assert pacer.rate_at(150.0) == pytest.approx(6.0)


def test_the_report_draws_the_gentle_start_as_easing_then_steady() -> None:
    import numpy as np

    from vagal.pacer import PRESETS, Pacer
    from vagal.report.data import pacer_spans
    from vagal.sessions.recording import from_rr

    start = Pacer(PRESETS["resonance"], ramp_from_per_min=12.0).start_event()
    rec = from_rr("x", "vagal", np.full(600, 1000.0), pacer=(start,))
    spans = pacer_spans(rec, 600.0)
    assert [(s.start_s, s.end_s, s.from_per_min) for s in spans] == [(0.0, 120.0, 12.0), (120.0, 600.0, None)]
    assert all(s.rate_per_min == pytest.approx(6.0) for s in spans)


def test_json_without_headless_is_said_not_ignored() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "vagal", "demo", "--json", "--no-record"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "--headless" in out.stderr and "Traceback" not in out.stderr
