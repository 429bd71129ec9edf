"""The Heart Rate Measurement codec (0x2A37), against the Bluetooth layout.

Known answers come from payloads documented elsewhere: the bytes python-dbusmock's fake
strap sends in shared/ble (README output), and payloads built by hand from the Heart
Rate Service 1.0 layout (flags, 8/16-bit HR, energy expended, RR in 1/1024 s). The
profile fixtures in devices/*.payloads.toml are checked in tests/test_devices.py.
Hypothesis covers every flag combination (round trip) and arbitrary bytes.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vagal.gatt import (
    MS_PER_RR_UNIT,
    encode_heart_rate_measurement,
    parse_heart_rate_measurement,
    rr_ms_to_raw,
)


def test_shared_ble_readme_payloads() -> None:
    """The four notifications printed in shared/ble/README.md ("probe.py" output)."""
    cases = [
        ("10 3c 00 04", 60, [1.0]),
        ("10 3e de 03", 62, [0.966796875]),
        ("10 40 c0 03 bb 03", 64, [0.9375, 0.9326171875]),
        ("10 3d ef 03", 61, [0.9833984375]),
    ]
    for hex_bytes, hr, rr_s in cases:
        m = parse_heart_rate_measurement(bytes.fromhex(hex_bytes))
        assert m.heart_rate == hr
        assert m.rr_intervals_ms == tuple(v * 1000 for v in rr_s)
        assert m.sensor_contact is None
        assert m.energy_expended_kj is None


def test_rr_is_exact_never_rounded() -> None:
    # 0x03bb = 955 units = 932.6171875 ms exactly: a float holds it with no rounding.
    m = parse_heart_rate_measurement(bytes.fromhex("10 40 c0 03 bb 03"))
    assert m.rr_raw == (0x03C0, 0x03BB)
    assert m.rr_intervals_ms == (937.5, 932.6171875)
    assert MS_PER_RR_UNIT == 0.9765625


def test_sixteen_bit_heart_rate_contact_energy_and_rr() -> None:
    # flags 0x1f: uint16 HR, contact supported + detected, energy, RR.
    data = bytes([0x1F, 0x2C, 0x01, 0x10, 0x27, 0x00, 0x02, 0x01, 0x02])
    m = parse_heart_rate_measurement(data)
    assert m.heart_rate == 300
    assert m.sensor_contact is True
    assert m.energy_expended_kj == 10000
    assert m.rr_raw == (512, 513)
    assert m.rr_intervals_ms == (500.0, 513 * 1000 / 1024)
    assert m.flags == 0x1F


@pytest.mark.parametrize(
    ("flags", "contact"),
    [(0x00, None), (0x02, None), (0x04, False), (0x06, True)],
    ids=["unsupported", "detected-bit-without-support", "supported-not-detected", "supported-detected"],
)
def test_contact_bits(flags: int, contact: bool | None) -> None:
    # Bit 1 means nothing unless bit 2 (supported) is set (Heart Rate Service 1.0 §3.1.1.2).
    assert parse_heart_rate_measurement(bytes([flags, 70])).sensor_contact is contact


def test_reserved_bits_are_ignored() -> None:
    m = parse_heart_rate_measurement(bytes([0xE0 | 0x10, 70, 0x00, 0x04]))
    assert m.heart_rate == 70 and m.rr_raw == (1024,)


def test_rr_flag_with_no_values_is_an_empty_tuple() -> None:
    assert parse_heart_rate_measurement(bytes([0x10, 70])).rr_intervals_ms == ()


def test_bytearray_and_memoryview_accepted() -> None:
    raw = bytes.fromhex("10 3c 00 04")
    assert parse_heart_rate_measurement(bytearray(raw)) == parse_heart_rate_measurement(memoryview(raw))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (bytes([0x00]), "8-bit heart rate"),
        (bytes([0x01, 0x3C]), "16-bit heart rate"),
        (bytes([0x08, 0x3C, 0x01]), "energy expended"),
        (bytes([0x10, 0x3C, 0x00]), "even number"),
        (bytes([0x10, 0x3C, 0x00, 0x04, 0x01]), "even number"),
        (bytes([0x00, 0x3C, 0x00, 0x04]), "trailing"),
    ],
    ids=["empty", "no-hr8", "short-hr16", "short-energy", "odd-rr", "odd-rr-after-one", "rr-without-flag"],
)
def test_malformed_payloads_say_what_is_wrong(data: bytes, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_heart_rate_measurement(data)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"heart_rate": -1}, "heart_rate"),
        ({"heart_rate": 70_000}, "heart_rate"),
        ({"heart_rate": 300, "uint16": False}, "8-bit"),
        ({"heart_rate": 60, "rr_raw": [70_000]}, "RR value"),
        ({"heart_rate": 60, "energy_expended_kj": -5}, "energy_expended_kj"),
    ],
)
def test_encode_rejects_values_that_do_not_fit(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        encode_heart_rate_measurement(**kwargs)  # type: ignore[arg-type]


def test_encode_matches_fake_strap_bytes() -> None:
    # shared/ble/fake_hr_strap.py hr_payload(75, [819, 820]) and the README's first payload.
    assert encode_heart_rate_measurement(75, [819, 820]) == bytes([0x10, 75, 0x33, 0x03, 0x34, 0x03])
    assert encode_heart_rate_measurement(60, [1024]) == bytes.fromhex("10 3c 00 04")
    assert encode_heart_rate_measurement(60) == bytes([0x00, 60])


def test_rr_ms_to_raw_round_trips_the_units() -> None:
    assert rr_ms_to_raw(1000.0) == 1024
    assert rr_ms_to_raw(932.6171875) == 955


@given(
    heart_rate=st.integers(0, 0xFFFF),
    force16=st.booleans(),
    contact=st.sampled_from([None, True, False]),
    energy=st.none() | st.integers(0, 0xFFFF),
    rr_raw=st.lists(st.integers(0, 0xFFFF), max_size=9),
)
def test_round_trip_over_every_flag_combination(
    heart_rate: int, force16: bool, contact: bool | None, energy: int | None, rr_raw: list[int]
) -> None:
    uint16 = True if (force16 or heart_rate > 0xFF) else None
    data = encode_heart_rate_measurement(
        heart_rate, rr_raw, sensor_contact=contact, energy_expended_kj=energy, uint16=uint16
    )
    m = parse_heart_rate_measurement(data)
    assert m.heart_rate == heart_rate
    assert m.sensor_contact is contact
    assert m.energy_expended_kj == energy
    assert m.rr_raw == tuple(rr_raw)
    assert m.rr_intervals_ms == tuple(v * 1000 / 1024 for v in rr_raw)
    assert bool(m.flags & 0x01) == bool(uint16)


@given(st.binary(max_size=40))
def test_random_bytes_parse_or_raise_value_error_only(data: bytes) -> None:
    try:
        m = parse_heart_rate_measurement(data)
    except ValueError as exc:
        assert str(exc)
        return
    # Whatever parses re-encodes to the same meaning.
    again = parse_heart_rate_measurement(
        encode_heart_rate_measurement(
            m.heart_rate,
            m.rr_raw,
            sensor_contact=m.sensor_contact,
            energy_expended_kj=m.energy_expended_kj,
            uint16=bool(m.flags & 0x01) or None,
        )
    )
    assert (again.heart_rate, again.sensor_contact, again.energy_expended_kj, again.rr_raw) == (
        m.heart_rate,
        m.sensor_contact,
        m.energy_expended_kj,
        m.rr_raw,
    )
