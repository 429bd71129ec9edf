"""The person's own breathing pace, kept from their resonance assessment (``--pace mine``).

Design decision: one small JSON file in the user's config folder
(:func:`vagal.paths.config_dir`, ``own-pace.json``), private to the user: created 0600 in
a folder created 0700. It holds the latest result with its date and the breath pattern at
that rate, every earlier result under ``past`` (newest first), so a new assessment
never loses an old one (``vagal history`` lists them), and ``default``: whether the person
chose the kept pace as the default of ``vagal demo`` and ``vagal live`` (``--default``).
The file is replaced whole and atomically (a temporary file in the same folder, fsync,
rename): a crash leaves the old result or the new one, never half of either. A file of
that name that vagal did not write (no ``"kind": "vagal-own-pace"``) is never overwritten:
the person is told, and nothing is written.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from vagal.errors import VagalError
from vagal.paths import config_dir, private_dir

FILE_NAME: Final = "own-pace.json"
KIND: Final = "vagal-own-pace"
"""The ``kind`` that marks the file as vagal's (any other file of that name is left alone)."""
MAX_PAST: Final = 100
"""Earlier results kept (about two years of fortnightly assessments)."""
MAX_BYTES: Final = 1_000_000
"""A larger file is not one of ours (100 results are about 40 kB)."""


class OwnPaceError(VagalError):
    """The kept pace cannot be read or written (the message says why, in one line)."""


@dataclass(frozen=True, slots=True)
class OwnPace:
    """A kept assessment result: the rate, the breath at that rate, and when it was found."""

    rate_per_min: float
    """The chosen rate, breaths per minute."""
    inhale_s: float
    """The breath at that rate: seconds in…"""
    exhale_s: float
    """…seconds out…"""
    hold_in_s: float
    """…held full…"""
    hold_out_s: float
    """…and held empty (the person's chosen inhale:exhale ratio, stretched to the rate)."""
    assessed: str
    """When the assessment was made, ISO 8601 with zone."""
    confidence: str
    """"clear" or "close"."""
    close_rates_per_min: tuple[float, ...] = ()
    """The rates that came out about as well, best first."""
    source: str = ""
    """Where it came from: "demo", "live", "session" (a recording re-scored) or "files"."""
    recording: str | None = None
    """The recording (or the first file) it was found on, if any."""

    @property
    def pace_spec(self) -> str:
        """The pattern as a ``--pace`` value ("IN:OUT[:HOLD_IN:HOLD_OUT]" in seconds)."""
        parts = [self.inhale_s, self.exhale_s]
        if self.hold_in_s or self.hold_out_s:
            parts += [self.hold_in_s, self.hold_out_s]
        return ":".join(f"{x:.6g}" for x in parts)

    @property
    def date(self) -> str:
        """The day it was found, YYYY-MM-DD."""
        return self.assessed[:10]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object kept in the file."""
        return {
            "rate_per_min": self.rate_per_min,
            "inhale_s": self.inhale_s,
            "exhale_s": self.exhale_s,
            "hold_in_s": self.hold_in_s,
            "hold_out_s": self.hold_out_s,
            "assessed": self.assessed,
            "confidence": self.confidence,
            "close_rates_per_min": list(self.close_rates_per_min),
            "source": self.source,
            "recording": self.recording,
        }

    @classmethod
    def from_dict(cls, obj: Any) -> OwnPace:
        """Rebuild from the file's object.

        Raises:
            ValueError: a field is missing or of the wrong kind, or the rate is out of range.
        """
        if not isinstance(obj, dict):
            raise ValueError("not an object")  # noqa: TRY004 (the caller reads ValueError as damage)

        def num(key: str, lo: float, hi: float) -> float:
            v = obj.get(key, 0.0 if key.startswith("hold") else None)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= float(v) <= hi:
                raise ValueError(f"{key!r} is missing or out of range")
            return float(v)

        assessed = obj.get("assessed")
        if not isinstance(assessed, str):
            raise ValueError("'assessed' is missing")  # noqa: TRY004
        datetime.fromisoformat(assessed)  # raises ValueError when not a date
        close = obj.get("close_rates_per_min", [])
        if not isinstance(close, list) or not all(
            isinstance(r, (int, float)) and not isinstance(r, bool) for r in close
        ):
            raise ValueError("'close_rates_per_min' is not a list of rates")
        rec = obj.get("recording")
        return cls(
            rate_per_min=num("rate_per_min", 2.0, 30.0),
            inhale_s=num("inhale_s", 0.0, 3600.0),
            exhale_s=num("exhale_s", 0.0, 3600.0),
            hold_in_s=num("hold_in_s", 0.0, 3600.0),
            hold_out_s=num("hold_out_s", 0.0, 3600.0),
            assessed=assessed,
            confidence=str(obj.get("confidence", "")),
            close_rates_per_min=tuple(float(r) for r in close),
            source=str(obj.get("source", "")),
            recording=rec if isinstance(rec, str) else None,
        )


def own_pace_path() -> Path:
    """Where the kept pace lives: ``own-pace.json`` in the user's config folder."""
    return config_dir() / FILE_NAME


def _read_file(path: Path) -> dict[str, Any] | None:
    """The file's object, None when there is no file.

    Raises:
        OwnPaceError: the file is not one vagal wrote, or is damaged.
    """
    try:
        if path.stat().st_size > MAX_BYTES:
            raise OwnPaceError(f"{path} is not vagal's own-pace file (too large); left alone.")
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OwnPaceError(f"{path} cannot be read ({exc.strerror}).") from None
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        obj = None
    if not isinstance(obj, dict) or obj.get("kind") != KIND:
        raise OwnPaceError(
            f"{path} is not vagal's own-pace file; it was left alone.",
            hint="Move it away, or point VAGAL_CONFIG_DIR at another folder.",
        )
    return obj


def load_own_pace(path: Path | None = None) -> OwnPace | None:
    """The latest kept result, or None when no assessment was kept yet.

    Raises:
        OwnPaceError: the file is there but damaged or not vagal's.
    """
    path = path if path is not None else own_pace_path()
    obj = _read_file(path)
    if obj is None:
        return None
    try:
        return OwnPace.from_dict(obj.get("latest"))
    except ValueError as exc:
        raise OwnPaceError(f"{path} is damaged ({exc}); run vagal resonance again to replace it.") from None


def _write(path: Path, obj: dict[str, Any]) -> None:
    """Replace ``path`` with ``obj`` atomically, 0600.

    Raises:
        OwnPaceError: the file cannot be written.
    """
    text = json.dumps(obj, indent=2, allow_nan=False) + "\n"
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".own-pace.", suffix=".tmp", dir=path.parent)  # 0600
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OwnPaceError(f"cannot keep the result in {path} ({exc.strerror}).") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def keep_own_pace(pace: OwnPace, path: Path | None = None, *, default: bool | None = None) -> Path:
    """Keep ``pace`` as the latest result; the one before goes to ``past``.

    ``default``: True makes the kept pace the default of ``vagal demo`` and ``vagal live``
    (their ``--pace`` left out), False stops that, None leaves it as it was.

    The folder is created 0700 and the file 0600 (both private to the user); the file is
    replaced atomically.

    Returns:
        The file written.

    Raises:
        OwnPaceError: a file of that name is not vagal's (it is left alone), or the folder
            or file cannot be written.
    """
    path = path if path is not None else own_pace_path()
    try:
        private_dir(path.parent)  # every folder it makes 0700, whatever the umask
    except OSError as exc:
        raise OwnPaceError(f"cannot create the folder {path.parent} ({exc.strerror}).") from None
    old = _read_file(path)
    past: list[Any] = []
    if old is not None:
        if isinstance(old.get("latest"), dict):
            past.append(old["latest"])
        if isinstance(old.get("past"), list):
            past.extend(old["past"])
    obj = {"kind": KIND, "version": 1, "latest": pace.to_dict(), "past": past[:MAX_PAST]}
    obj["default"] = default if default is not None else bool(old is not None and old.get("default") is True)
    _write(path, obj)
    return path


def past_results(path: Path | None = None) -> tuple[OwnPace, ...]:
    """Every kept result, newest first (the latest, then ``past``); damaged entries are left out.

    Raises:
        OwnPaceError: the file is there but not vagal's.
    """
    path = path if path is not None else own_pace_path()
    obj = _read_file(path)
    if obj is None:
        return ()
    entries = [obj.get("latest")] + (obj["past"] if isinstance(obj.get("past"), list) else [])
    out: list[OwnPace] = []
    for entry in entries:
        with contextlib.suppress(ValueError):
            out.append(OwnPace.from_dict(entry))
    return tuple(out)


def is_default(path: Path | None = None) -> bool:
    """Whether the person chose the kept pace as their default (``vagal resonance --default``).

    Raises:
        OwnPaceError: the file is there but not vagal's.
    """
    obj = _read_file(path if path is not None else own_pace_path())
    return bool(obj is not None and obj.get("default") is True)


def set_default(on: bool, path: Path | None = None) -> bool:
    """Make the kept pace the default of demo and live (``on``), or stop that.

    Returns:
        Whether the kept pace is now the default (False when there is no kept pace to make it).

    Raises:
        OwnPaceError: the file is not vagal's, or damaged, or cannot be written.
    """
    path = path if path is not None else own_pace_path()
    obj = _read_file(path)
    if obj is None:
        return False
    if on:
        load_own_pace(path)  # a damaged latest is said here, not at the next session
    obj["default"] = on
    _write(path, obj)
    return on


MINE: Final = "mine"
"""The ``--pace`` value that asks for the kept pace."""
DEFAULT_PACE: Final = "resonance"
"""The pace of demo and live when ``--pace`` is left out and no kept pace was made the default."""


def default_pace() -> str:
    """The pace of a session whose ``--pace`` was left out: the kept pattern when the person
    made it their default (``vagal resonance --default``), else :data:`DEFAULT_PACE`.

    Raises:
        OwnPaceError: the file is there but damaged or not vagal's.
    """
    if is_default():
        pace = load_own_pace()
        if pace is not None:
            return pace.pace_spec
    return DEFAULT_PACE


def resolve_pace(spec: str) -> str:
    """``spec`` as given, or for ``--pace mine`` the kept pattern as ``IN:OUT[:HOLD_IN:HOLD_OUT]``.

    Raises:
        OwnPaceError: ``mine`` and no assessment was kept yet (or the file is damaged).
    """
    if spec.strip().lower() != MINE:
        return spec
    pace = load_own_pace()
    if pace is None:
        raise OwnPaceError("No assessment yet: run vagal resonance first.")
    return pace.pace_spec


__all__ = [
    "DEFAULT_PACE",
    "FILE_NAME",
    "OwnPace",
    "OwnPaceError",
    "default_pace",
    "is_default",
    "keep_own_pace",
    "load_own_pace",
    "own_pace_path",
    "past_results",
    "resolve_pace",
    "set_default",
]
