"""The guide starts gently: ``--ramp-from`` (default 12/min) slows to the pattern over 2 minutes."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from vagal.cli import build_parser
from vagal.commands._session import make_pacer
from vagal.errors import VagalError
from vagal.pacer import DEFAULT_RAMP_S


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["demo", *argv])


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
