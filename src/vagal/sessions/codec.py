"""Events to JSON objects and back: the line format of a vagal session file.

One mapping per event class, derived from the dataclass fields and their type hints, so
that a field added to :mod:`vagal.events` is written *and read back* without touching
this module (a field of a type the reader cannot check fails at import, in every test).
``t_s`` is written as ``t`` (every line has one, so a spreadsheet can sort on it); bytes
are written as lowercase hex without spaces; ``None`` fields are left out to keep lines
short. A reader ignores keys it does not know (a newer vagal may add some) and rejects
lines that lack a field the event needs or hold a value of the wrong kind, with a reason
in plain words. Besides the types, a few fields have physical bounds (``FIELD_BOUNDS``):
an RR interval over a minute or a time more than a week from the start is damage, not
data. Pure standard library: the recorder thread needs no numpy.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable
from typing import Any, Final, Literal

from vagal.events import (
    AssessmentStep,
    Beat,
    CheckIn,
    ContactChanged,
    DeviceInfo,
    Event,
    Gap,
    HeartRateOnly,
    Marker,
    Note,
    PacerChanged,
    PayloadRejected,
    RawPayload,
    SourceState,
)

TYPE_NAMES: Final[dict[type[Any], str]] = {
    RawPayload: "raw",
    PayloadRejected: "rejected",
    Beat: "beat",
    HeartRateOnly: "hr",
    ContactChanged: "contact",
    Gap: "gap",
    SourceState: "state",
    DeviceInfo: "device",
    Marker: "marker",
    CheckIn: "checkin",
    PacerChanged: "pacer",
    AssessmentStep: "assessment_step",
    Note: "note",
}
"""The ``type`` value written for each event class (documented in docs/session-format.md)."""

EVENT_CLASSES: Final[dict[str, type[Any]]] = {name: cls for cls, name in TYPE_NAMES.items()}

_FIELDS: Final[dict[type[Any], tuple[dataclasses.Field[Any], ...]]] = {
    cls: dataclasses.fields(cls) for cls in TYPE_NAMES
}


MAX_RR_MS: Final = 60_000.0
"""The longest value any reader takes as an RR interval, ms.

No heart pauses for a minute, and no strap can report much more (the Bluetooth RR field
tops out at 64 s). A larger value is a corrupt file or a corrupt payload; taken as a beat,
it would stretch the time axis beyond what the replay and report windows can hold (1e308
ms crashed both).
"""


MIN_RR_MS: Final = 1000.0 / 1024.0
"""The shortest value any reader takes as an RR interval, ms: one unit of the Bluetooth
field (1/1024 s). No heart beats a thousand times a second; a smaller value is a corrupt
digit (0.0001 ms gave an infinite heart rate, which no file can hold)."""


MAX_SESSION_S: Final = 7 * 24 * 3600.0
"""No event of a session is more than a week from its start: a time beyond that is a
damaged digit (a beat at 1e12 s made analyze and report try to build arrays of terabytes)."""

MAX_HR_BPM: Final = 65_535
"""The largest heart rate the Bluetooth field can carry (uint16)."""

MAX_PERSON: Final = 1
"""The last person index a session holds: two people, 0 (A) and 1 (B)."""

FIELD_BOUNDS: Final[dict[str, tuple[float, float, bool]]] = {
    # name: (low, high, low_is_exclusive)
    "t_s": (-MAX_SESSION_S, MAX_SESSION_S, False),
    "start_s": (-MAX_SESSION_S, MAX_SESSION_S, False),
    "end_s": (-MAX_SESSION_S, MAX_SESSION_S, False),
    "rr_ms": (MIN_RR_MS, MAX_RR_MS, False),
    "hr_bpm": (0, MAX_HR_BPM, False),
    "battery_pct": (0, 100, False),
    "inhale_s": (0.0, 3600.0, False),
    "hold_in_s": (0.0, 3600.0, False),
    "exhale_s": (0.0, 3600.0, False),
    "hold_out_s": (0.0, 3600.0, False),
    "ramp_s": (0.0, MAX_SESSION_S, False),
    "ramp_from_per_min": (0.0, 600.0, False),
    "settled": (1, 5, False),
    "person": (0, MAX_PERSON, False),
    "scored_from_s": (-MAX_SESSION_S, MAX_SESSION_S, False),
    "rate_per_min": (2.0, 30.0, False),  # the pacer's range (vagal.pacer)
    "index": (0, 10_000, False),
    "count": (1, 10_000, False),
}
"""Physical bounds of numeric fields, by field name (the names carry their units).

A value outside is damage. Pacer fields are only kept finite and sane here; whether a
pattern can be breathed is the pacer's rule (the reader asks it).
"""


class EventDecodeError(ValueError):
    """A JSON object that is not a valid event (the message says why, in plain words)."""


def event_to_dict(event: Event) -> dict[str, Any]:
    """The JSON object for one event (without the ``wall`` key, which the recorder adds).

    Raises:
        TypeError: ``event`` is not one of the classes in :mod:`vagal.events`.
    """
    cls = type(event)
    name = TYPE_NAMES.get(cls)
    if name is None:
        raise TypeError(f"not a vagal event: {event!r}")
    out: dict[str, Any] = {"t": event.t_s, "type": name}
    for f in _FIELDS[cls]:
        if f.name == "t_s":
            continue
        value = getattr(event, f.name)
        if value is None:
            continue
        if f.name == "person" and value == 0 and cls is not PacerChanged:
            continue  # a one-person session's lines stay exactly as they were (format 1)
        # (a guide's person is None when it is the session's: 0 on a guide is A's own guide)
        if f.name == "feeling" and value == "":
            continue  # a marker without a feeling word is written as it was before feelings
        if isinstance(value, bytes):
            value = value.hex()
        out[f.name] = value
    return out


# --- reading: one checker per field, built once from the type hints ------------------------------

_Check = Callable[[str, str, Any], Any]
"""``check(event_name, key, json_value) -> python_value``; raises EventDecodeError."""


def _bad(name: str, key: str, what: str) -> EventDecodeError:
    where = name if " " in name else f"{name} event"  # "beat event", or "the header's device"
    return EventDecodeError(f"{where}: {key!r} is {what}")


def _number(name: str, key: str, value: Any) -> float:
    if value is None:
        raise _bad(name, key, "empty (null), not a number")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(name, key, "not a number")
    try:
        x = float(value)
    except OverflowError:  # a 400-digit integer
        raise _bad(name, key, "a number far too large") from None
    if not math.isfinite(x):
        raise _bad(name, key, "not a finite number")
    return x


def _bounded(field_name: str, check: _Check) -> _Check:
    bounds = FIELD_BOUNDS.get(field_name)
    if bounds is None:
        return check
    low, high, exclusive = bounds

    def bounded(name: str, key: str, value: Any) -> Any:
        x = check(name, key, value)
        if x is None:
            return None
        if x > high:
            if field_name in ("t_s", "start_s", "end_s", "scored_from_s"):
                raise _bad(name, key, "more than a week into the session")
            if field_name == "rr_ms":
                raise _bad(name, key, "over a minute, not a heartbeat")
            raise _bad(name, key, f"{x:g}, above {high:g}")
        if x < low or (exclusive and x == low):
            if field_name in ("t_s", "start_s", "end_s", "scored_from_s"):
                raise _bad(name, key, "more than a week before the session")
            if field_name == "rr_ms":
                raise _bad(name, key, "under a millisecond, not a heartbeat" if x > 0 else "not positive")
            raise _bad(name, key, f"{x:g}, below {low:g}")
        return x

    return bounded


def _to_float(name: str, key: str, value: Any) -> float:
    return _number(name, key, value)


def _to_int(name: str, key: str, value: Any) -> int:
    x = _number(name, key, value)
    if not x.is_integer():
        raise _bad(name, key, "not a whole number")
    return int(x)


def _to_bool(name: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad(name, key, "not true/false")
    return value


def _to_str(name: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _bad(name, key, "not text")
    return value


def _to_bytes(name: str, key: str, value: Any) -> bytes:
    if not isinstance(value, str):
        raise _bad(name, key, "not hex text")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _bad(name, key, "not valid hex") from None


_SCALARS: Final[dict[Any, _Check]] = {
    float: _to_float,
    int: _to_int,
    bool: _to_bool,
    str: _to_str,
    bytes: _to_bytes,
}


def _literal(options: tuple[Any, ...]) -> _Check:
    def check(name: str, key: str, value: Any) -> Any:
        if value not in options or isinstance(value, bool):
            allowed = ", ".join(str(o) for o in options)
            shown = value if isinstance(value, str) and len(value) <= 20 else "something else"
            raise _bad(name, key, f"{shown!r}, not one of {allowed}")
        return value

    return check


def _optional(check: _Check) -> _Check:
    def optional(name: str, key: str, value: Any) -> Any:
        return None if value is None else check(name, key, value)

    return optional


def _checker(cls: type[Any], field_name: str, hint: Any) -> _Check:
    """The checker for one field, from its type hint.

    Raises:
        TypeError: The hint is not one this module can check (add it here).
    """
    origin = typing.get_origin(hint)
    if origin is Literal:
        return _literal(typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return _optional(_checker(cls, field_name, args[0]))
    check = _SCALARS.get(hint)
    if check is None:
        raise TypeError(f"{cls.__name__}.{field_name}: codec cannot read a field of type {hint!r}")
    return _bounded(field_name, check) if hint in (float, int) else check


def _checkers(cls: type[Any]) -> tuple[tuple[str, str, bool, _Check], ...]:
    """``(field, key, required, check)`` for every field of an event class."""
    hints = typing.get_type_hints(cls)
    return tuple(
        (
            f.name,
            "t" if f.name == "t_s" else f.name,
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            _checker(cls, f.name, hints[f.name]),
        )
        for f in dataclasses.fields(cls)
    )


_CHECKERS: Final[dict[type[Any], tuple[tuple[str, str, bool, _Check], ...]]] = {
    cls: _checkers(cls) for cls in TYPE_NAMES
}


def event_from_dict(obj: dict[str, Any]) -> Event | None:
    """Rebuild an event from its JSON object.

    Returns:
        The event, or None for a ``type`` this vagal does not know (written by a newer one).

    Raises:
        EventDecodeError: A known type with a missing or ill-typed field, or a value
            outside its physical bounds; the message names the field.
    """
    name = obj.get("type")
    if not isinstance(name, str):
        raise EventDecodeError("line has no event type")
    cls = EVENT_CLASSES.get(name)
    if cls is None:
        return None
    kwargs: dict[str, Any] = {}
    for field_name, key, required, check in _CHECKERS[cls]:
        if key not in obj:
            if required:
                raise EventDecodeError(f"{name} event without {key!r}")
            continue
        value = check(name, key, obj[key])
        if value is None and required:
            raise _bad(name, key, "empty (null)")
        kwargs[field_name] = value
    if cls is Gap and kwargs["end_s"] < kwargs["start_s"]:
        raise EventDecodeError("gap event ends before it starts")
    event: Event = cls(**kwargs)
    return event


def check_fields(cls: type[Any], obj: dict[str, Any], *, what: str) -> tuple[dict[str, Any], list[str]]:
    """The keys of ``obj`` that are valid fields of ``cls``, and why the others are not.

    For objects that hold an event's fields without being an event line (the header's
    ``device`` and ``pacer``): only the keys present are checked, none is required, and
    keys that are not fields of ``cls`` are kept as they are.

    Args:
        cls: An event class (:class:`~vagal.events.DeviceInfo`, …).
        obj: The JSON object.
        what: How to name the object in the reasons ("the header's device").

    Returns:
        ``(clean, problems)``: ``obj`` without its ill-typed fields, and one plain
        sentence per field left out.
    """
    checks = {key: check for _, key, _, check in _CHECKERS[cls]}
    clean: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in obj.items():
        check = checks.get(key)
        if check is None:
            clean[key] = value
            continue
        try:
            clean[key] = check(what, key, value)
        except EventDecodeError as exc:
            problems.append(f"{exc}; left out")
    return clean, problems
