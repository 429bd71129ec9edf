"""devices/: every strap family we support has a profile, every claim has a source, names match.

Also decodes the payload fixtures kept next to the profiles (devices/*.payloads.toml) with
the real parser: each states its provenance, and none pretends to be a real capture.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from vagal.devices import (
    GENERIC_PROFILE_ID,
    PAYLOAD_SUFFIX,
    DeviceProfile,
    load_profile,
    load_profiles,
    match_profile,
    profiles_dir,
)
from vagal.errors import InputFileError
from vagal.gatt import parse_heart_rate_measurement

REPO = Path(__file__).resolve().parent.parent

ISSUE_FAMILIES = {
    "polar-h10", "polar-h9", "polar-h7", "polar-oh1", "polar-verity-sense",
    "garmin-hrm-pro", "garmin-hrm-dual", "garmin-hrm-fit",
    "wahoo-tickr", "wahoo-tickr-x", "wahoo-tickr-fit",
    "coospo-h808s", "coospo-h6", "coospo-h9z",
    "suunto-smart-sensor", "movesense", "magene-h64", GENERIC_PROFILE_ID,
}  # fmt: skip


@pytest.fixture(scope="module")
def profiles() -> list[DeviceProfile]:
    return load_profiles()


def test_every_family_of_the_issue_has_a_profile(profiles: list[DeviceProfile]) -> None:
    assert {p.id for p in profiles} == ISSUE_FAMILIES


def test_profiles_come_from_the_bundled_folder_that_ships_in_the_wheel() -> None:
    assert profiles_dir() == REPO / "devices"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["devices"] == "vagal/_data/devices"


def test_every_claim_names_a_source_or_says_unverified(profiles: list[DeviceProfile]) -> None:
    for p in profiles:
        claims = ["name_pattern", "sends_rr", "rr_resolution", "settle_s", "battery_service"]
        claims += ["quirks"] if p.quirks else []
        for claim in claims:
            source = p.sources.get(claim, "")
            assert source, f"{p.id}: {claim} has no source"
            assert any(w in source for w in ("http", "unverified", "vagal", "fallback", "doi.org")), (
                p.id,
                claim,
            )


def test_optical_arm_bands_are_marked_as_sending_no_rr(profiles: list[DeviceProfile]) -> None:
    by_id = {p.id: p for p in profiles}
    for optical in ("polar-oh1", "polar-verity-sense", "wahoo-tickr-fit"):
        assert by_id[optical].sends_rr == "no" and by_id[optical].sends_rr_flag is False
        assert any("HRV" in q for q in by_id[optical].quirks)
    assert by_id["polar-h10"].sends_rr_flag is True
    assert by_id[GENERIC_PROFILE_ID].sends_rr_flag is None


@pytest.mark.parametrize(
    ("advertised", "profile_id"),
    [
        ("Polar H10 62EA1D2E", "polar-h10"),
        ("Polar H7 D7904C14", "polar-h7"),  # the name in polar-ble-sdk issue 305's raw advertisement
        ("Polar H9 1A2B3C4D", "polar-h9"),
        ("Polar OH1 1A2B3C4D", "polar-oh1"),
        ("Polar Sense 1A2B3C4D", "polar-verity-sense"),
        ("polar h10 62ea1d2e", "polar-h10"),
        ("TICKR 1A2B", "wahoo-tickr"),
        ("TICKR X 1A2B", "wahoo-tickr-x"),
        ("TICKR FIT 1A2B", "wahoo-tickr-fit"),
        ("HRM-Pro:123456", "garmin-hrm-pro"),
        ("HRM-Pro+:123456", "garmin-hrm-pro"),
        ("HRM-Dual:123456", "garmin-hrm-dual"),
        ("HRM-Fit:123456", "garmin-hrm-fit"),
        ("H808S 12345", "coospo-h808s"),
        ("COOSPO H6M 12345", "coospo-h6"),
        ("H9Z 12345", "coospo-h9z"),
        ("Suunto Smart Sensor", "suunto-smart-sensor"),
        ("Movesense 203030000116", "movesense"),
        ("Magene H64 1234", "magene-h64"),
        ("Polar H100 watch", GENERIC_PROFILE_ID),  # not an H10
        ("Some Heart Thing", GENERIC_PROFILE_ID),
        (None, GENERIC_PROFILE_ID),
    ],
)
def test_advertised_names_match_their_family(
    profiles: list[DeviceProfile], advertised: str | None, profile_id: str
) -> None:
    found = match_profile(advertised, profiles)
    assert found is not None and found.id == profile_id


def test_no_generic_profile_means_no_match(profiles: list[DeviceProfile]) -> None:
    specific = [p for p in profiles if not p.generic]
    assert match_profile("Some Heart Thing", specific) is None


GOOD = """id = "x"
name = "X"
vendor = "V"
name_pattern = '^X'
sends_rr = "yes"
rr_resolution = "1/1024 s"
settle_s = 5
battery_service = true
[sources]
name_pattern = "unverified"
sends_rr = "unverified"
rr_resolution = "unverified"
settle_s = "unverified"
battery_service = "unverified"
"""


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("id = ", "not valid TOML"),
        (GOOD.replace('vendor = "V"\n', ""), "lacks vendor"),
        (GOOD.replace('id = "x"', 'id = "y"'), "must equal the file name"),
        (
            GOOD.replace('sends_rr = "yes"', 'sends_rr = "sometimes"'),
            "sends_rr must be one of yes, no, some-modes",
        ),
        (GOOD.replace("name_pattern = '^X'", "name_pattern = '(['"), "not a regular expression"),
        (GOOD.replace('sends_rr = "unverified"\n', ""), "claims without a source: sends_rr"),
        (GOOD.replace('vendor = "V"', 'vendor = "V"\nquirk = ["typo"]'), "unknown field"),
        (GOOD.replace("settle_s = 5", "settle_s = -1"), "settle_s must be >= 0"),
    ],
)
def test_a_broken_profile_is_one_clear_error(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(InputFileError, match=match) as e:
        load_profile(path)
    assert str(e.value).startswith(str(path))


def test_a_good_profile_and_payload_files_are_told_apart(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(GOOD)
    (tmp_path / f"x{PAYLOAD_SUFFIX}").write_text('provenance = "built"\n')
    [p] = load_profiles(tmp_path)
    assert (p.id, p.settle_s, p.battery_service, p.quirks, p.path) == (
        "x",
        5.0,
        True,
        (),
        tmp_path / "x.toml",
    )


def _fixture_files() -> list[Path]:
    return sorted((REPO / "devices").glob(f"*{PAYLOAD_SUFFIX}"))


def test_payload_fixtures_sit_next_to_a_profile(profiles: list[DeviceProfile]) -> None:
    ids = {p.id for p in profiles}
    files = _fixture_files()
    assert {"polar-h10", "polar-h7", GENERIC_PROFILE_ID} <= {
        f.name.removesuffix(PAYLOAD_SUFFIX) for f in files
    }
    for f in files:
        assert f.name.removesuffix(PAYLOAD_SUFFIX) in ids


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: p.name)
def test_payload_fixtures_decode_as_stated(path: Path) -> None:
    doc = tomllib.loads(path.read_text())
    provenance = doc["provenance"]
    assert provenance and ("captured" in provenance.lower() or "not captured" in provenance.lower()
                           or "built" in provenance.lower())  # fmt: skip
    assert doc["payload"]
    for p in doc["payload"]:
        data = bytes.fromhex(p["hex"])
        assert p.get("note"), p
        if "error" in p:
            with pytest.raises(ValueError, match=p["error"]):
                parse_heart_rate_measurement(data)
            continue
        m = parse_heart_rate_measurement(data)
        contact = p["sensor_contact"]
        assert m.heart_rate == p["heart_rate"], p
        assert m.rr_raw == tuple(p["rr_raw"]), p
        assert m.rr_intervals_ms == tuple(v * 1000 / 1024 for v in p["rr_raw"])
        assert m.sensor_contact is (None if contact == "unsupported" else contact), p
        assert m.energy_expended_kj == p.get("energy_expended_kj"), p
