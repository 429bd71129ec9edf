"""Strap profiles: what vagal knows about each family of heart-rate straps.

The knowledge is data, not code (as in well-kept device libraries): one TOML file per strap family in the
bundled ``devices/`` folder (``vagal/_data/devices`` in the wheel), read at run time with
``tomllib``. A profile is matched on the advertised name; the app uses it to warn (an
optical arm band that sends no RR intervals cannot give HRV) and to label recordings
(``DeviceInfo.profile``, ``DeviceInfo.sends_rr``). Every claim carries a source, or says
"unverified". Files named ``*.payloads.toml`` next to a profile hold payload fixtures
for the tests, not profiles.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias, get_args

from vagal.errors import InputFileError

SendsRR: TypeAlias = Literal["yes", "no", "some-modes"]
"""Whether a strap family sends RR intervals: always, never, or only in some modes."""

GENERIC_PROFILE_ID: Final = "generic-hrs"
"""The fallback for any device that offers the Heart Rate Service but matches no family."""

PAYLOAD_SUFFIX: Final = ".payloads.toml"

_REQUIRED: Final = (
    "id",
    "name",
    "vendor",
    "name_pattern",
    "sends_rr",
    "rr_resolution",
    "settle_s",
    "battery_service",
)
_CLAIMS: Final = ("name_pattern", "sends_rr", "rr_resolution", "battery_service", "quirks", "settle_s")
_KNOWN: Final = frozenset((*_REQUIRED, "kind", "quirks", "sources"))


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """One strap family, as described by its TOML file."""

    id: str
    """Stable id, the file's stem ("polar-h10"); written into recordings."""
    name: str
    """Display name ("Polar H10")."""
    vendor: str
    kind: str
    """What sort of device ("chest strap (ECG)", "optical arm band (PPG)"…)."""
    name_pattern: str
    """Regular expression matched (``re.search``, case-insensitive) against the advertised name."""
    sends_rr: SendsRR
    rr_resolution: str
    """How fine the RR values are ("1/1024 s", or "unknown")."""
    settle_s: float
    """Seconds after a (re)connect whose RR values are kept out of metrics."""
    battery_service: bool
    """Whether the strap offers the Battery Service (0x180F)."""
    quirks: tuple[str, ...] = ()
    """Known quirks, in plain words."""
    sources: dict[str, str] = field(default_factory=dict)
    """Where each claim comes from (a URL or public thread), or "unverified"."""
    path: Path | None = None
    """The TOML file it was read from."""

    @property
    def generic(self) -> bool:
        return self.id == GENERIC_PROFILE_ID

    @property
    def sends_rr_flag(self) -> bool | None:
        """``DeviceInfo.sends_rr``: True/False, or None when it depends on the mode."""
        return {"yes": True, "no": False}.get(self.sends_rr)

    def match_length(self, advertised_name: str) -> int | None:
        """How many characters of ``advertised_name`` the pattern matched, or None."""
        m = re.search(self.name_pattern, advertised_name, flags=re.IGNORECASE)
        return None if m is None else m.end() - m.start()


def _profile_from(path: Path, raw: dict[str, Any]) -> DeviceProfile:
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise InputFileError(str(path), f"strap profile lacks {', '.join(missing)}")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise InputFileError(
            str(path), f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_KNOWN))}"
        )
    if raw["id"] != path.stem:
        raise InputFileError(str(path), f"id {raw['id']!r} must equal the file name {path.stem!r}")
    if raw["sends_rr"] not in get_args(SendsRR):
        raise InputFileError(
            str(path), f"sends_rr must be one of {', '.join(get_args(SendsRR))}, got {raw['sends_rr']!r}"
        )
    try:
        re.compile(raw["name_pattern"])
    except re.error as exc:
        raise InputFileError(str(path), f"name_pattern is not a regular expression: {exc}") from None
    sources = {str(k): str(v) for k, v in raw.get("sources", {}).items()}
    unsourced = [c for c in _CLAIMS if raw.get(c) not in (None, [], "") and c not in sources]
    if unsourced:
        raise InputFileError(
            str(path), f'claims without a source: {", ".join(unsourced)} (cite one, or write "unverified")'
        )
    settle_s = float(raw["settle_s"])
    if not settle_s >= 0:
        raise InputFileError(str(path), f"settle_s must be >= 0, got {settle_s!r}")
    return DeviceProfile(
        id=raw["id"],
        name=raw["name"],
        vendor=raw["vendor"],
        kind=str(raw.get("kind", "")),
        name_pattern=raw["name_pattern"],
        sends_rr=raw["sends_rr"],
        rr_resolution=str(raw["rr_resolution"]),
        settle_s=settle_s,
        battery_service=bool(raw["battery_service"]),
        quirks=tuple(str(q) for q in raw.get("quirks", ())),
        sources=sources,
        path=path,
    )


def load_profile(path: Path) -> DeviceProfile:
    """Read one profile file.

    Raises:
        InputFileError: The file is not TOML, lacks a field, or has a claim without a source.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(str(path), f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputFileError(str(path), f"could not be read: {exc.strerror or exc}") from None
    return _profile_from(path, raw)


def profiles_dir() -> Path:
    """The bundled ``devices/`` folder (a checkout's top level, or ``vagal/_data`` in a wheel)."""
    from vagal.paths import bundled_dir

    return bundled_dir("devices")


def load_profiles(folder: Path | None = None) -> list[DeviceProfile]:
    """Every profile in ``folder`` (default: the bundled ``devices/``), sorted by id."""
    folder = profiles_dir() if folder is None else folder
    paths = sorted(p for p in folder.glob("*.toml") if not p.name.endswith(PAYLOAD_SUFFIX))
    return [load_profile(p) for p in paths]


def match_profile(
    advertised_name: str | None, profiles: list[DeviceProfile] | None = None
) -> DeviceProfile | None:
    """The profile for a device that offers the Heart Rate Service.

    The family whose pattern matches the longest part of the name wins ("TICKR X 1A2B"
    is a TICKR X, not a TICKR). With no family match (or no name), the generic Heart
    Rate Service profile is returned when present.

    Args:
        advertised_name: The name the device advertises (may be None on some platforms).
        profiles: Profiles to choose from (default: the bundled ones).
    """
    profiles = load_profiles() if profiles is None else profiles
    best: DeviceProfile | None = None
    best_len = -1
    for p in profiles:
        if p.generic or not advertised_name:
            continue
        n = p.match_length(advertised_name)
        if n is not None and n > best_len:
            best, best_len = p, n
    if best is not None:
        return best
    return next((p for p in profiles if p.generic), None)
