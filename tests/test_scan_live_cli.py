"""`vagal scan` and `vagal live` as a person runs them: a subprocess, exit codes, stdout vs stderr.

Bluetooth goes through real bleak in the subprocess, against the D-Bus BlueZ stand-in of
tests/ble (the subprocess finds it through DBUS_SYSTEM_BUS_ADDRESS).
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.ble.fixtures import POLAR_INFO, ble_env, bluez, strap, system_bus

__all__ = ["bluez", "strap", "system_bus"]


def vagal(
    *args: str, env: dict[str, str] | None = None, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vagal", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout_s,
        cwd=Path(__file__).resolve().parent.parent,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], starts: str) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("vagal: " + starts), proc.stderr
    assert proc.stdout == ""
    return last


@pytest.mark.ble
def test_scan_json_lists_the_strap_with_its_profile(strap: Any, system_bus: str) -> None:
    proc = vagal("scan", "--timeout", "1", "--json", env=ble_env(system_bus))
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert (row["name"], row["address"], row["profile"], row["sends_rr"]) == (
        "Polar H10 0A1B2C3D",
        strap.address,
        "polar-h10",
        "yes",
    )
    assert isinstance(row["rssi_dbm"], int)


@pytest.mark.ble
def test_scan_table(strap: Any, system_bus: str) -> None:
    proc = vagal("scan", "--timeout", "1", env=ble_env(system_bus))
    assert proc.returncode == 0, proc.stderr
    header, line = proc.stdout.strip().splitlines()
    assert header.split() == ["NAME", "ADDRESS", "SIGNAL", "PROFILE"]
    assert line.startswith("Polar H10 0A1B2C3D") and strap.address in line and "dBm" in line
    assert line.rstrip().endswith("Polar H10")


@pytest.mark.ble
def test_scan_with_no_system_bus_is_one_line(tmp_path: Path) -> None:
    env = ble_env(f"unix:path={tmp_path}/nothing")
    proc = vagal("scan", "--timeout", "1", env=env)
    assert_one_line_error(proc, "The D-Bus system bus could not be reached")


@pytest.mark.ble
def test_scan_with_no_adapter_is_one_line(bluez: Any, system_bus: str) -> None:
    proc = vagal("scan", "--timeout", "1", env=ble_env(system_bus))
    assert_one_line_error(proc, "No Bluetooth adapter was found.")


def test_scan_rejects_a_zero_timeout() -> None:
    assert_one_line_error(vagal("scan", "--timeout", "0"), "--timeout must be more than 0 seconds")


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (("live", "--headless", "--duration", "-5"), "--duration must be a positive number of seconds"),
        (("live", "--headless", "--duration", "nan"), "--duration must be a positive number of seconds"),
        (("live", "--timeout", "inf"), "--timeout must be more than 0 seconds"),
        (("scan", "--timeout", "inf"), "--timeout must be more than 0 seconds"),
    ],
)
def test_bad_numbers_are_refused_before_looking_for_a_strap(args: tuple[str, ...], starts: str) -> None:
    proc = vagal(*args)
    assert_one_line_error(proc, starts)
    assert "Looking for" not in proc.stderr


@pytest.mark.ble
def test_live_with_several_straps_asks_for_device(bluez: Any, system_bus: str) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap

    FakeHrStrap(bluez)
    FakeHrStrap(bluez, address="C0:FF:EE:00:00:02", name="TICKR X 1A2B", rssi=-70)
    proc = vagal("live", "--timeout", "3", "--headless", env=ble_env(system_bus))
    last = assert_one_line_error(proc, "Several heart-rate straps are in range:")
    assert "Polar H10 0A1B2C3D (C0:FF:EE:00:00:01)" in last and "TICKR X 1A2B (C0:FF:EE:00:00:02)" in last
    assert last.endswith("Choose one with --device NAME_OR_ADDRESS, or two people's with --device A --device B.")


@pytest.mark.ble
def test_live_with_an_unknown_device(strap: Any, system_bus: str) -> None:
    proc = vagal("live", "--device", "Garmin", "--timeout", "1", "--headless", env=ble_env(system_bus))
    last = assert_one_line_error(proc, "No strap matching 'Garmin' was found.")
    assert "Polar H10 0A1B2C3D" in last


@pytest.mark.ble
def test_live_with_nothing_in_range(strap: Any, system_bus: str) -> None:
    strap.set_advertising(False)
    proc = vagal("live", "--timeout", "1", "--headless", env=ble_env(system_bus))
    assert_one_line_error(proc, "No heart-rate strap was found in range.")


@pytest.mark.ble
@pytest.mark.skipif(
    importlib.util.find_spec("vagal.commands.session_runner") is None,
    reason="the shared session runner (vagal.commands.session_runner, engine developer) is not in the tree yet",
)
def test_live_headless_streams_from_the_strap_into_the_recording(
    strap: Any, system_bus: str, tmp_path: Path
) -> None:
    stop = threading.Event()

    def pump() -> None:  # one beat of 500 ms (1/1024 s units: 512) every 0.5 s, as a strap at 120 bpm
        while not stop.is_set() and not strap.is_notifying():
            time.sleep(0.02)
        while not stop.is_set() and strap.is_notifying():
            strap.push_hr(bytes([0x10, 120, 0x00, 0x02]))
            time.sleep(0.5)

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    record = tmp_path / "s.vagal"
    try:
        proc = vagal(
            "live", "--device", "polar", "--timeout", "3", "--headless", "--duration", "3",
            "--record", str(record), env=ble_env(system_bus),
        )  # fmt: skip
    finally:
        stop.set()
        t.join(2)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Connecting to Polar H10 0A1B2C3D (C0:FF:EE:00:00:01)" in proc.stderr
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    device = [r for r in lines if r.get("type") == "device"]
    assert device and device[0]["profile"] == "polar-h10" and device[0]["battery_pct"] == 87
    assert device[0]["manufacturer"] == POLAR_INFO["manufacturer"]
    beats = [r for r in lines if r.get("type") == "beat"]
    assert len(beats) >= 3 and all(b["rr_ms"] == 500.0 for b in beats)
    times = [b["t"] for b in beats]
    assert all(b > a for a, b in itertools.pairwise(times))
    assert not strap.is_notifying()  # the session closed the link when it ended


def test_bluetooth_modules_import_no_bleak_until_used() -> None:
    """`vagal scan --help` and importing the source stay fast: bleak loads only when scanning."""
    probe = (
        "import sys, json\n"
        "import vagal.sources.bleak_source, vagal.sources.ble_errors, vagal.devices\n"
        "import vagal.commands.scan, vagal.commands.live\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not loaded & {"bleak", "dbus_fast", "numpy", "textual", "matplotlib"}, loaded


@pytest.mark.ble
@pytest.mark.skipif(
    importlib.util.find_spec("vagal.commands.session_runner") is None,
    reason="the shared session runner (vagal.commands.session_runner, engine developer) is not in the tree yet",
)
def test_live_with_an_optical_band_says_hrv_is_not_possible(
    bluez: Any, system_bus: str, tmp_path: Path
) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap

    band = FakeHrStrap(bluez, name="Polar OH1 1A2B3C4D")
    stop = threading.Event()

    def pump() -> None:  # heart rate only, as an optical band sends it
        while not stop.is_set():
            if band.is_notifying():
                band.push_hr(bytes([0x00, 72]))
            time.sleep(0.5)

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    record = tmp_path / "oh1.vagal"
    try:
        proc = vagal(
            "live", "--timeout", "3", "--headless", "--duration", "1", "--record", str(record),
            env=ble_env(system_bus),
        )  # fmt: skip
    finally:
        stop.set()
        t.join(2)
    assert proc.returncode == 0, proc.stderr
    assert (
        "Note: Polar OH1 sends no RR intervals, so HRV is not possible; heart rate is still shown."
        in proc.stderr
    )
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    device = [r for r in lines if r.get("type") == "device"]
    assert device[0]["profile"] == "polar-oh1" and device[0]["sends_rr"] is False
    assert not [r for r in lines if r.get("type") == "beat"]


@pytest.mark.ble
@pytest.mark.skipif(
    importlib.util.find_spec("vagal.commands.session_runner") is None,
    reason="the shared session runner (vagal.commands.session_runner, engine developer) is not in the tree yet",
)
def test_live_when_the_strap_refuses_the_connection(strap: Any, system_bus: str, tmp_path: Path) -> None:
    strap.fail_connect("le-connection-abort-by-remote")
    proc = vagal(
        "live", "--timeout", "2", "--headless", "--duration", "1", "--record", str(tmp_path / "x.vagal"),
        env=ble_env(system_bus),
    )  # fmt: skip
    last = assert_one_line_error(
        proc, "Could not connect to the strap Polar H10 0A1B2C3D (le-connection-abort-by-remote)."
    )
    assert last.endswith("and try again.")


# --- anyone in radio range chooses the name -------------------------------

HOSTILE_NAME = "Polar H10 \x1b]0;title\x07\x1b[2J"
"""Sets the terminal's title and clears the screen when printed as it is."""
HOSTILE_SHOWN = r"Polar H10 \x1b]0;title\x07\x1b[2J"


def _no_control_bytes(text: str) -> bool:
    return not any(ch in text for ch in "\x1b\x07\x9b\u202e")


@pytest.mark.ble
def test_scan_shows_an_advertised_name_with_escapes_escaped(bluez: Any, system_bus: str) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap

    FakeHrStrap(bluez, name=HOSTILE_NAME)
    FakeHrStrap(bluez, address="C0:FF:EE:00:00:02", name="TICKR \u202eX 1A2B", rssi=-70)
    proc = vagal("scan", "--timeout", "1", env=ble_env(system_bus))
    assert proc.returncode == 0, proc.stderr
    assert _no_control_bytes(proc.stdout) and _no_control_bytes(proc.stderr), (proc.stdout, proc.stderr)
    header, *rows = proc.stdout.strip().splitlines()
    assert header.split() == ["NAME", "ADDRESS", "SIGNAL", "PROFILE"]
    polar = next(r for r in rows if "C0:FF:EE:00:00:01" in r)
    tickr = next(r for r in rows if "C0:FF:EE:00:00:02" in r)
    assert polar.startswith(HOSTILE_SHOWN + "  ")
    assert polar.rstrip().endswith("Polar H10")  # still recognised by its profile
    assert tickr.startswith(r"TICKR \u202eX 1A2B")  # a right-to-left override, shown, not obeyed
    # The columns still line up: the escaped name is what the width was measured on.
    assert polar.index("C0:FF:EE:00:00:01") == tickr.index("C0:FF:EE:00:00:02") == header.index("ADDRESS")


@pytest.mark.ble
def test_scan_json_keeps_the_name_intact_and_the_terminal_safe(bluez: Any, system_bus: str) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap

    FakeHrStrap(bluez, name=HOSTILE_NAME)
    proc = vagal("scan", "--timeout", "1", "--json", env=ble_env(system_bus))
    assert proc.returncode == 0, proc.stderr
    assert _no_control_bytes(proc.stdout)
    (row,) = json.loads(proc.stdout)
    assert row["name"] == HOSTILE_NAME  # a program reading the JSON gets exactly what was sent


@pytest.mark.ble
def test_an_error_that_names_the_straps_shows_them_escaped(bluez: Any, system_bus: str) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap

    FakeHrStrap(bluez, name=HOSTILE_NAME)
    FakeHrStrap(bluez, address="C0:FF:EE:00:00:02", name="TICKR X 1A2B", rssi=-70)
    proc = vagal("live", "--timeout", "3", "--headless", env=ble_env(system_bus))
    last = assert_one_line_error(proc, "Several heart-rate straps are in range:")
    assert _no_control_bytes(proc.stderr)
    assert f"{HOSTILE_SHOWN} (C0:FF:EE:00:00:01)" in last
