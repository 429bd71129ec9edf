"""The BLE tests skip with a reason when the D-Bus stand-in is missing, and fail under CI's flag.

Runs pytest on one BLE test in a subprocess whose PATH has no dbus-daemon.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
ONE_TEST = "tests/ble/test_bleak_source.py::test_discover_finds_the_strap_and_its_profile"


def _run_without_dbus_daemon(tmp_path: Path, require: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VAGAL_REQUIRE_BLE_TESTS"}
    env["PATH"] = str(tmp_path)  # an empty folder: no dbus-daemon on it
    if require is not None:
        env["VAGAL_REQUIRE_BLE_TESTS"] = require
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", ONE_TEST],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


@pytest.mark.ble
def test_missing_stand_in_skips_with_the_reason(tmp_path: Path) -> None:
    proc = _run_without_dbus_daemon(tmp_path, None)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 skipped" in proc.stdout
    assert "Bluetooth stand-in unavailable: missing dbus-daemon" in proc.stdout


@pytest.mark.ble
def test_missing_stand_in_fails_when_ci_requires_it(tmp_path: Path) -> None:
    proc = _run_without_dbus_daemon(tmp_path, "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "VAGAL_REQUIRE_BLE_TESTS=1 makes this a failure" in proc.stdout
