"""SessionOptions: built in vagal.commands from the command line, the only thing below it sees.

The parser is the real one (``vagal.cli.build_parser``); the modules below the CLI are
imported in a fresh interpreter to show they never load argparse.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from vagal.cli import build_parser
from vagal.commands import demo, live, replay
from vagal.errors import VagalError
from vagal.options import SessionOptions


def test_demo_options_come_from_its_flags(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        ["demo", "--pace", "5.5", "--ramp-from", "off", "--record", str(tmp_path / "s.vagal.jsonl"),
         "--label", "Anna", "--duration", "90", "--speed", "max", "--seed", "3", "--headless", "--json", "--sound"]
    )  # fmt: skip
    opts = demo.options(args)
    assert opts == SessionOptions(
        mode="demo",
        pace="5.5",
        ramp_from="off",
        record=tmp_path / "s.vagal.jsonl",
        label="Anna",
        duration_s=90.0,
        speed=math.inf,
        seed=3,
        headless=True,
        json=True,
        sound=True,
    )
    assert opts.recording
    assert demo.options(args, seed=7).seed == 7  # a drawn seed replaces a missing --seed


def test_live_and_replay_options() -> None:
    opts = live.options(build_parser().parse_args(["live", "--device", "Polar H10", "--no-record"]))
    assert opts.mode == "live" and opts.devices == ("Polar H10",) and opts.people == 1
    assert opts.no_record and not opts.recording and opts.ramp_from == "12"
    opts = replay.options(build_parser().parse_args(["replay", "s.vagal.jsonl", "--speed", "4"]))
    assert opts.mode == "replay" and opts.speed == 4.0 and not opts.recording


def test_json_without_headless_is_refused_before_anything_starts() -> None:
    with pytest.raises(VagalError, match="--json prints the summary of a session without the dashboard"):
        replay.options(build_parser().parse_args(["replay", "s.vagal.jsonl", "--json"]))


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [("people", 0, "people must be at least 1"), ("speed", 0.0, "speed must be > 0"),
     ("duration_s", -5.0, "duration_s must be a positive"), ("duration_s", math.nan, "duration_s must be")],
)  # fmt: skip
def test_options_are_checked(field: str, value: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SessionOptions(**{field: value})  # type: ignore[arg-type]


def test_only_the_cli_and_the_commands_load_argparse() -> None:
    """The engine, the driver, the recorder, the replay, the dashboard and the report never see argparse."""
    below = [
        "vagal.options",
        "vagal.metrics",
        "vagal.engine.core",
        "vagal.engine.driver",
        "vagal.sessions.writer",
        "vagal.sources.replay",
        "vagal.ui.app",
        "vagal.report.render",
    ]
    code = f"import {', '.join(below)}, sys, json; print(json.dumps('argparse' in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) is False
    # The probe sees argparse where it is loaded (it would pass vacuously otherwise).
    code = "import vagal.cli, sys; print('argparse' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


@pytest.mark.parametrize("module", ["vagal.metrics", "vagal.options", "vagal.ui.trace_buffer"])
def test_the_registry_and_the_options_load_nothing_heavy(module: str) -> None:
    code = f"import {module}, sys, json; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & {"numpy", "scipy", "textual", "bleak", "matplotlib", "argparse"}
