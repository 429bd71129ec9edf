"""The suite collects and runs on a machine without the Bluetooth test prerequisites.

The README's test command (`pip install -e '.[test]' && pytest`) installs neither
dbus-python nor python-dbusmock, and a fresh machine may have no dbus-daemon. There the
Bluetooth tests must skip with the reason, and under `VAGAL_REQUIRE_BLE_TESTS=1` (which
`.ci/run` sets) fail instead. Each prerequisite is hidden in turn from a pytest subprocess:
a Python module by a file of the same name on PYTHONPATH that raises ImportError
(PYTHONPATH comes before site-packages), and dbus-daemon by a PATH without it. The
subprocesses run only `ble`-marked tests, and this module is not marked, so it never
runs itself again.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ble.fixtures import importable

REPO = Path(__file__).resolve().parent.parent
REASON = "Bluetooth stand-in unavailable: missing "
REQUIRED = "VAGAL_REQUIRE_BLE_TESTS=1 makes this a failure"

HIDDEN_MODULE = {"dbus-python": "dbus", "python-dbusmock": "dbusmock"}
"""Python package (as the skip reason names it) → the module it provides."""


def _pytest(
    tmp_path: Path, hide: str, *args: str, require: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run pytest in the repository with one prerequisite hidden.

    Args:
        tmp_path: an empty folder of the calling test, for the hiding module or the PATH.
        hide: "dbus-python", "python-dbusmock" or "dbus-daemon".
        *args: pytest arguments.
        require: set VAGAL_REQUIRE_BLE_TESTS=1 (otherwise it is removed, as .ci/run sets it).

    Returns:
        The finished pytest process, its output as text.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("VAGAL_REQUIRE_BLE_TESTS", "PYTEST_ADDOPTS")}
    if hide == "dbus-daemon":
        env["PATH"] = str(tmp_path)  # an empty folder; pytest and vagal run as sys.executable -m
    else:
        module = HIDDEN_MODULE[hide]
        (tmp_path / f"{module}.py").write_text(f'raise ImportError("{module} hidden by {__name__}")\n')
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    if require:
        env["VAGAL_REQUIRE_BLE_TESTS"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
        check=False,
    )


def _summary(stdout: str) -> dict[str, int]:
    """Counts from pytest's last line ("19 passed, 27 skipped in 6.02s") by outcome."""
    last = stdout.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last)}


def test_the_whole_suite_collects_without_dbus_python(tmp_path: Path) -> None:
    proc = _pytest(tmp_path, "dbus-python", "--co", "-q")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "error" not in _summary(proc.stdout) and "errors" not in _summary(proc.stdout), out
    # The Bluetooth tests are collected (to be skipped when run), not left out.
    assert "tests/ble/test_bleak_source.py::test_discover_finds_the_strap_and_its_profile" in proc.stdout
    assert "tests/ble/test_ble_errors.py::test_no_adapter" in proc.stdout


@pytest.mark.parametrize("hide", ["dbus-python", "python-dbusmock", "dbus-daemon"])
def test_bluetooth_tests_skip_with_the_reason(tmp_path: Path, hide: str) -> None:
    proc = _pytest(tmp_path, hide, "-q", "-rs", "-m", "ble")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    counts = _summary(proc.stdout)
    assert counts.get("skipped", 0) > 0, out
    assert not {"failed", "error", "errors"} & counts.keys(), out
    # -rs lists every skip as "SKIPPED [count] where: reason"; each one names what is missing.
    skips = re.findall(r"^SKIPPED \[(\d+)\] (.*)$", proc.stdout, flags=re.MULTILINE)
    assert sum(int(n) for n, _ in skips) == counts["skipped"], out
    # python-dbusmock needs dbus-python: where dbus-python is missing anyway (a machine
    # without the ble-test extra), hiding python-dbusmock leaves dbus-python to be named.
    named = "dbus-python" if hide == "python-dbusmock" and not importable("dbus") else hide
    for _, line in skips:
        assert REASON + named in line, line


def test_bluetooth_tests_fail_when_ci_requires_them(tmp_path: Path) -> None:
    proc = _pytest(tmp_path, "dbus-python", "-q", "-m", "ble", require=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    counts = _summary(proc.stdout)
    assert counts.get("errors", counts.get("error", 0)) > 0, out
    assert "skipped" not in counts, out
    assert REASON + "dbus-python" in proc.stdout and REQUIRED in proc.stdout, out
