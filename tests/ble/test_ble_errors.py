"""Bluetooth failures become one plain sentence that says what to do.

The first group provokes each failure through real bleak against the D-Bus stand-in
(no adapter, adapter off, BlueZ not running, no system bus at all). The second renders
bleak's own exception types for the platforms we cannot run here (macOS, Windows).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
)

from vagal.errors import BluetoothError, DeviceNotFoundError
from vagal.sources.ble_errors import bluetooth_error
from vagal.sources.bleak_source import discover_straps

pytestmark = pytest.mark.ble


@pytest.fixture
def no_system_bus(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/nothing-listens-here")
    yield


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and text.endswith((".", ")")) and len(text) < 300, text
    return text


async def test_no_system_bus(no_system_bus: None) -> None:
    with pytest.raises(BluetoothError) as e:
        await discover_straps(0.5)
    assert one_line(e.value).startswith("The D-Bus system bus could not be reached")
    assert "systemctl start dbus bluetooth" in str(e.value)


async def test_bluez_not_running(system_bus: str) -> None:
    # The bus is there, but nobody owns org.bluez.
    with pytest.raises(BluetoothError) as e:
        await discover_straps(0.5)
    assert one_line(e.value) == (
        "The Bluetooth service (BlueZ) is not running. Start it (sudo systemctl start bluetooth) and try again."
    )


async def test_no_adapter(bluez: Any) -> None:
    with pytest.raises(BluetoothError) as e:
        await discover_straps(0.5)
    assert one_line(e.value).startswith(
        "No Bluetooth adapter was found. Plug in a Bluetooth 4.0+ (LE) adapter"
    )


async def test_adapter_switched_off(bluez: Any) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap  # imports dbus: only once the stand-in is up

    strap = FakeHrStrap(bluez)
    strap.set_powered(False)
    with pytest.raises(BluetoothError) as e:
        await discover_straps(0.5)
    assert one_line(e.value).startswith("Bluetooth is switched off. Turn Bluetooth on (bluetoothctl power on")


async def test_nothing_in_range_is_an_empty_list_not_an_error(bluez: Any) -> None:
    from tests.ble.fake_hr_strap import FakeHrStrap  # imports dbus: only once the stand-in is up

    strap = FakeHrStrap(bluez)
    strap.set_advertising(False)
    assert await discover_straps(0.5) == []


R = BleakBluetoothNotAvailableReason


@pytest.mark.parametrize(
    ("platform", "reason", "expected"),
    [
        ("darwin", R.DENIED_BY_USER, "System Settings → Privacy & Security → Bluetooth"),
        ("darwin", R.DENIED_BY_SYSTEM, "System Settings → Privacy & Security → Bluetooth"),
        ("linux", R.DENIED_BY_SYSTEM, "bluetooth group"),
        ("win32", R.DENIED_BY_UNKNOWN, "Settings → Bluetooth & devices"),
        ("darwin", R.POWERED_OFF, "Turn Bluetooth on in System Settings"),
        ("win32", R.POWERED_OFF, "Turn Bluetooth on in Settings"),
        ("win32", R.NO_BLUETOOTH, "Device Manager"),
        ("linux", R.NO_BLE_CENTRAL_ROLE, "Bluetooth 4.0+ (LE)"),
    ],
)
def test_not_available_reasons_per_platform(platform: str, reason: Any, expected: str) -> None:
    err = bluetooth_error(BleakBluetoothNotAvailableError("bleak says", reason), platform=platform)
    assert isinstance(err, BluetoothError)
    assert expected in one_line(err)


@pytest.mark.parametrize(
    ("dbus_error", "expected"),
    [
        ("org.freedesktop.DBus.Error.AccessDenied", "bluetooth group"),
        ("org.bluez.Error.NotAuthorized", "bluetooth group"),
        ("org.freedesktop.DBus.Error.ServiceUnknown", "BlueZ) is not running"),
        (
            "org.bluez.Error.Failed",
            "Could not connect to the strap Polar H10 (le-connection-abort-by-remote)",
        ),
        ("org.bluez.Error.NotReady", "Bluetooth is switched off. Turn Bluetooth on (bluetoothctl power on"),
        ("org.bluez.Error.InProgress", "Bluetooth is busy with another scan or connection. Wait a moment"),
        ("org.bluez.Error.NotPermitted", "Could not connect to the strap Polar H10"),  # a GATT refusal
    ],
)
def test_dbus_errors(dbus_error: str, expected: str) -> None:
    err = bluetooth_error(
        BleakDBusError(dbus_error, ["le-connection-abort-by-remote"]), platform="linux", device="Polar H10"
    )
    assert expected in one_line(err)


def test_device_not_found_and_timeouts() -> None:
    err = bluetooth_error(BleakDeviceNotFoundError("AA:BB:CC:DD:EE:FF"))
    assert isinstance(err, DeviceNotFoundError)
    assert one_line(err).startswith("No strap with address AA:BB:CC:DD:EE:FF was found.")
    assert one_line(bluetooth_error(TimeoutError(), device="TICKR")).startswith(
        "The strap TICKR did not answer"
    )
    assert one_line(bluetooth_error(BleakError("weird\n"))).startswith("Bluetooth reported a problem: weird.")
    perm = bluetooth_error(PermissionError(13, "denied"), platform="linux")
    assert "bluetooth group" in one_line(perm)


def test_message_is_what_the_cli_prints() -> None:
    assert os.linesep not in str(bluetooth_error(BleakDBusError("org.bluez.Error.Failed", [])))
