"""The Bluetooth Heart Rate Measurement characteristic (0x2A37): decode and encode.

Pure functions, no I/O. Layout (Bluetooth SIG, Heart Rate Service 1.0, §3.1):

======  ==========================================================================
byte 0  flags
        bit 0: heart-rate value format (0: uint8, 1: uint16 little-endian)
        bit 1: sensor contact detected (meaningful only when bit 2 is set)
        bit 2: sensor contact supported
        bit 3: energy expended present (uint16, kJ)
        bit 4: RR intervals present (uint16 each, units of 1/1024 s)
        bits 5-7: reserved (ignored)
1..     heart rate (1 or 2 bytes), energy expended (0 or 2 bytes), then RR values
======  ==========================================================================

References: docs/methods.md §0 (RR resolution, never round); OpenHRV ``sensor.py``
``_data_handler`` documents the same layout.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

HEART_RATE_SERVICE_UUID: Final = "0000180d-0000-1000-8000-00805f9b34fb"
HEART_RATE_MEASUREMENT_UUID: Final = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION_UUID: Final = "00002a38-0000-1000-8000-00805f9b34fb"
BATTERY_SERVICE_UUID: Final = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID: Final = "00002a19-0000-1000-8000-00805f9b34fb"
MANUFACTURER_NAME_UUID: Final = "00002a29-0000-1000-8000-00805f9b34fb"
MODEL_NUMBER_UUID: Final = "00002a24-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_UUID: Final = "00002a26-0000-1000-8000-00805f9b34fb"

RR_UNITS_PER_S: Final = 1024
"""RR intervals are sent in units of 1/1024 s."""
MS_PER_RR_UNIT: Final = 1000.0 / RR_UNITS_PER_S
"""0.9765625 ms: exact in binary floating point, so the conversion loses nothing."""

_FLAG_HR_UINT16: Final = 0x01
_FLAG_CONTACT_DETECTED: Final = 0x02
_FLAG_CONTACT_SUPPORTED: Final = 0x04
_FLAG_ENERGY: Final = 0x08
_FLAG_RR: Final = 0x10


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """One decoded Heart Rate Measurement notification."""

    heart_rate: int
    """Heart rate in beats per minute, as the strap computed it."""
    sensor_contact: bool | None
    """True/False when the strap supports contact detection, None when it does not."""
    energy_expended_kj: int | None
    """Accumulated energy expended in kJ, when present."""
    rr_intervals_ms: tuple[float, ...]
    """RR intervals in milliseconds, oldest first, exact (raw units × 1000/1024)."""
    rr_raw: tuple[int, ...]
    """The RR values as sent, in 1/1024 s units."""
    flags: int
    """The flags byte as received."""


def parse_heart_rate_measurement(data: bytes | bytearray | memoryview) -> HeartRateMeasurement:
    """Decode a Heart Rate Measurement (0x2A37) payload.

    Args:
        data: The characteristic value exactly as received.

    Returns:
        The decoded measurement. RR values are kept as exact floats in ms.

    Raises:
        ValueError: The payload is empty, too short for what its flags announce, or has
            an odd number of bytes where RR values should be. The message says which.
    """
    buf = bytes(data)
    if not buf:
        raise ValueError("empty Heart Rate Measurement payload (expected at least 2 bytes)")
    flags = buf[0]
    pos = 1
    if flags & _FLAG_HR_UINT16:
        if len(buf) < pos + 2:
            raise ValueError(
                f"payload of {len(buf)} bytes too short: flags 0x{flags:02x} announce a 16-bit heart rate"
            )
        (heart_rate,) = struct.unpack_from("<H", buf, pos)
        pos += 2
    else:
        if len(buf) < pos + 1:
            raise ValueError(
                f"payload of {len(buf)} bytes too short: flags 0x{flags:02x} announce an 8-bit heart rate"
            )
        heart_rate = buf[pos]
        pos += 1

    contact: bool | None = None
    if flags & _FLAG_CONTACT_SUPPORTED:
        contact = bool(flags & _FLAG_CONTACT_DETECTED)

    energy: int | None = None
    if flags & _FLAG_ENERGY:
        if len(buf) < pos + 2:
            raise ValueError(
                f"payload of {len(buf)} bytes too short: flags 0x{flags:02x} announce energy expended "
                f"at bytes {pos}-{pos + 1}"
            )
        (energy,) = struct.unpack_from("<H", buf, pos)
        pos += 2

    rest = len(buf) - pos
    rr_raw: tuple[int, ...] = ()
    if flags & _FLAG_RR:
        if rest % 2:
            raise ValueError(
                f"payload has {rest} bytes after the heart rate: RR intervals need an even number "
                f"(2 bytes each); flags 0x{flags:02x}"
            )
        rr_raw = struct.unpack_from(f"<{rest // 2}H", buf, pos)
    elif rest:
        raise ValueError(
            f"payload has {rest} unexpected trailing bytes: flags 0x{flags:02x} announce no RR intervals"
        )
    return HeartRateMeasurement(
        heart_rate=heart_rate,
        sensor_contact=contact,
        energy_expended_kj=energy,
        rr_intervals_ms=tuple(v * MS_PER_RR_UNIT for v in rr_raw),
        rr_raw=tuple(rr_raw),
        flags=flags,
    )


def encode_heart_rate_measurement(
    heart_rate: int,
    rr_raw: tuple[int, ...] | list[int] = (),
    *,
    sensor_contact: bool | None = None,
    energy_expended_kj: int | None = None,
    uint16: bool | None = None,
) -> bytes:
    """Build a Heart Rate Measurement payload, as a strap would send it.

    Used by the simulator (so its beats go through the real parser) and by tests.

    Args:
        heart_rate: Beats per minute (0-65535).
        rr_raw: RR intervals in 1/1024 s units (0-65535 each).
        sensor_contact: None (contact not supported), True or False.
        energy_expended_kj: Include the energy field when not None.
        uint16: Force the 16-bit heart-rate format; default: only when heart_rate > 255.

    Returns:
        The payload bytes.

    Raises:
        ValueError: A value does not fit its field.
    """
    if not 0 <= heart_rate <= 0xFFFF:
        raise ValueError(f"heart_rate must be in 0..65535, got {heart_rate=}")
    wide = heart_rate > 0xFF if uint16 is None else uint16
    if not wide and heart_rate > 0xFF:
        raise ValueError(f"heart_rate {heart_rate} does not fit the 8-bit format")
    flags = 0
    body = bytearray()
    if wide:
        flags |= _FLAG_HR_UINT16
        body += struct.pack("<H", heart_rate)
    else:
        body.append(heart_rate)
    if sensor_contact is not None:
        flags |= _FLAG_CONTACT_SUPPORTED
        if sensor_contact:
            flags |= _FLAG_CONTACT_DETECTED
    if energy_expended_kj is not None:
        if not 0 <= energy_expended_kj <= 0xFFFF:
            raise ValueError(f"energy_expended_kj must be in 0..65535, got {energy_expended_kj=}")
        flags |= _FLAG_ENERGY
        body += struct.pack("<H", energy_expended_kj)
    if rr_raw:
        for v in rr_raw:
            if not 0 <= v <= 0xFFFF:
                raise ValueError(f"RR value must be in 0..65535 (1/1024 s), got {v}")
        flags |= _FLAG_RR
        body += struct.pack(f"<{len(rr_raw)}H", *rr_raw)
    return bytes([flags]) + bytes(body)


def rr_ms_to_raw(rr_ms: float) -> int:
    """Convert an RR interval in ms to the nearest 1/1024 s unit a strap would send."""
    return round(rr_ms * RR_UNITS_PER_S / 1000.0)
