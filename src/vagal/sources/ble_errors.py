"""Bleak, D-Bus and OS errors → one plain sentence that says what to do, per platform.

bleak raises structured errors (``BleakBluetoothNotAvailableError.reason``,
``BleakDBusError.dbus_error``, ``BleakDeviceNotFoundError.identifier``); on Linux a
missing system bus surfaces as a bare ``OSError`` from dbus-fast. This module is the one
place that renders them for a person; :class:`vagal.errors.BluetoothError` carries the
message, and the CLI prints it and exits with status 2. bleak itself is imported only
inside :func:`bluetooth_error`, so this module is cheap to import.
"""

from __future__ import annotations

import sys
from typing import Final

from vagal.errors import BluetoothError, DeviceNotFoundError

_WAKE_HINT: Final = (
    "Put the strap on (moisten the electrodes), keep it within a few metres, "
    "disconnect it from other apps or phones, and try again."
)

_PERMISSION_HINT: Final = {
    "darwin": "Grant Bluetooth permission to your terminal app in System Settings → Privacy & Security → "
    "Bluetooth, then restart the terminal.",
    "linux": "Add yourself to the bluetooth group (sudo usermod -aG bluetooth $USER, then log in again) "
    "or allow it in your polkit rules.",
    "win32": "Turn Bluetooth on in Settings → Bluetooth & devices, and allow apps to use it in "
    "Settings → Privacy & security.",
}
_POWER_HINT: Final = {
    "darwin": "Turn Bluetooth on in System Settings → Bluetooth (or Control Centre).",
    "linux": "Turn Bluetooth on (bluetoothctl power on, or your desktop's Bluetooth settings); "
    "if it is blocked, run rfkill unblock bluetooth.",
    "win32": "Turn Bluetooth on in Settings → Bluetooth & devices.",
}
_NO_ADAPTER_HINT: Final = {
    "darwin": "This Mac reports no Bluetooth hardware; check System Information → Bluetooth.",
    "linux": "Plug in a Bluetooth 4.0+ (LE) adapter, or check that yours is recognised (bluetoothctl list).",
    "win32": "Plug in a Bluetooth 4.0+ (LE) adapter, or check it in Device Manager.",
}

_BLUEZ_GONE: Final = frozenset(
    {
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoReply",
        "org.freedesktop.DBus.Error.Spawn.ServiceNotFound",
    }
)
_DENIED: Final = frozenset(
    {
        "org.freedesktop.DBus.Error.AccessDenied",
        "org.bluez.Error.NotAuthorized",
    }
)


def _platform_key(platform: str | None) -> str:
    p = sys.platform if platform is None else platform
    if p.startswith("linux"):
        return "linux"
    if p == "darwin":
        return "darwin"
    if p in ("win32", "cygwin"):
        return "win32"
    return "linux"


def bluetooth_error(
    exc: BaseException, *, platform: str | None = None, device: str | None = None
) -> BluetoothError:
    """Render a bleak/D-Bus/OS error as a :class:`~vagal.errors.BluetoothError`.

    Args:
        exc: What bleak (or the D-Bus connection under it) raised.
        platform: ``sys.platform`` to word the hint for (default: this machine).
        device: The strap's name or address, when the error concerns one.

    Returns:
        An error whose ``str()`` is one line: what happened, and what to do.
    """
    from bleak.exc import (
        BleakBluetoothNotAvailableError,
        BleakBluetoothNotAvailableReason,
        BleakDBusError,
        BleakDeviceNotFoundError,
        BleakError,
    )

    key = _platform_key(platform)
    strap = f"the strap {device}" if device else "the strap"

    if isinstance(exc, BleakBluetoothNotAvailableError):
        R = BleakBluetoothNotAvailableReason
        if exc.reason is R.NO_BLUETOOTH:
            return BluetoothError("No Bluetooth adapter was found.", hint=_NO_ADAPTER_HINT[key])
        if exc.reason is R.NO_BLE_CENTRAL_ROLE:
            return BluetoothError(
                "The Bluetooth adapter cannot talk to Bluetooth LE straps.",
                hint="Use a Bluetooth 4.0+ (LE) adapter.",
            )
        if exc.reason is R.POWERED_OFF:
            return BluetoothError("Bluetooth is switched off.", hint=_POWER_HINT[key])
        if exc.reason in (R.DENIED_BY_USER, R.DENIED_BY_SYSTEM, R.DENIED_BY_UNKNOWN):
            return BluetoothError("vagal was not allowed to use Bluetooth.", hint=_PERMISSION_HINT[key])
        return BluetoothError("Bluetooth is not available right now.", hint=_POWER_HINT[key])

    if isinstance(exc, BleakDeviceNotFoundError):
        who = device or exc.identifier
        return DeviceNotFoundError(
            f"No strap with address {who} was found.",
            hint="Check that it is worn and close by; vagal scan lists the straps in range.",
        )

    if isinstance(exc, BleakDBusError):
        name = exc.dbus_error
        if name in _BLUEZ_GONE:
            return BluetoothError(
                "The Bluetooth service (BlueZ) is not running.",
                hint="Start it (sudo systemctl start bluetooth) and try again.",
            )
        if name in _DENIED:
            return BluetoothError("vagal was not allowed to use Bluetooth.", hint=_PERMISSION_HINT[key])
        if name == "org.bluez.Error.NotReady":
            return BluetoothError("Bluetooth is switched off.", hint=_POWER_HINT[key])
        if name == "org.bluez.Error.InProgress":
            return BluetoothError(
                "Bluetooth is busy with another scan or connection.", hint="Wait a moment and try again."
            )
        detail = exc.dbus_error_details
        why = f" ({detail})" if detail else ""
        return BluetoothError(f"Could not connect to {strap}{why}.", hint=_WAKE_HINT)

    if isinstance(exc, PermissionError):
        return BluetoothError("vagal was not allowed to use Bluetooth.", hint=_PERMISSION_HINT[key])

    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)) and key == "linux":
        return BluetoothError(
            "The D-Bus system bus could not be reached, so BlueZ cannot be asked for Bluetooth.",
            hint="Start the system D-Bus and Bluetooth services (sudo systemctl start dbus bluetooth).",
        )

    if isinstance(exc, TimeoutError):
        return BluetoothError(f"{strap[0].upper()}{strap[1:]} did not answer in time.", hint=_WAKE_HINT)

    if isinstance(exc, BleakError):
        text = str(exc).strip().rstrip(".") or type(exc).__name__
        return BluetoothError(f"Bluetooth reported a problem: {text}.", hint=_WAKE_HINT)

    text = str(exc).strip().rstrip(".") or type(exc).__name__
    return BluetoothError(f"Bluetooth failed: {text}.", hint=_WAKE_HINT)


BLUETOOTH_FAILURES: Final = (OSError, TimeoutError)
"""Non-bleak exception types that Bluetooth calls raise (a missing D-Bus socket…).

Catch ``(BleakError, *BLUETOOTH_FAILURES)`` around bleak calls and pass the error to
:func:`bluetooth_error`. (``BleakError`` itself needs bleak imported; callers have it.)
"""
