"""Events to JSON objects and back: the line format of a vagal session file.

One mapping per event class, derived from the dataclass fields so that a field added to
:mod:`vagal.events` is written without touching this module. ``t_s`` is written as
``t`` (every line has one, so a spreadsheet can sort on it); bytes are written as
lowercase hex without spaces; ``None`` fields are left out to keep lines short. A
reader ignores keys it does not know (a newer vagal may add some) and rejects lines that
lack a field the event needs. Pure standard library: the recorder thread needs no numpy.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Final

from vagal.events import (
    Beat,
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
    PacerChanged: "pacer",
    Note: "note",
}
"""The ``type`` value written for each event class (documented in docs/session-format.md)."""

EVENT_CLASSES: Final[dict[str, type[Any]]] = {name: cls for cls, name in TYPE_NAMES.items()}

_FIELDS: Final[dict[type[Any], tuple[dataclasses.Field[Any], ...]]] = {
    cls: dataclasses.fields(cls) for cls in TYPE_NAMES
}


MAX_RR_MS: Final = 60_000.0
"""The longest value any reader takes as an RR interval, ms.

No heart pauses for a minute, and no strap can report it (the Bluetooth RR field tops out
at 64 s). A larger value is a corrupt file; taken as a beat, it would stretch the time axis
beyond what the replay and report windows can hold (1e308 ms crashed both).
"""


MAX_SESSION_S: Final = 7 * 24 * 3600.0
"""No event of a session is later than a week after its start: a later time is a damaged
digit (a beat at 1e12 s made analyze and report try to build arrays of terabytes)."""


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
        if isinstance(value, bytes):
            value = value.hex()
        out[f.name] = value
    return out


def event_from_dict(obj: dict[str, Any]) -> Event | None:
    """Rebuild an event from its JSON object.

    Returns:
        The event, or None for a ``type`` this vagal does not know (written by a newer one).

    Raises:
        EventDecodeError: A known type with a missing or ill-typed field.
    """
    name = obj.get("type")
    if not isinstance(name, str):
        raise EventDecodeError("line has no event type")
    cls = EVENT_CLASSES.get(name)
    if cls is None:
        return None
    kwargs: dict[str, Any] = {}
    for f in _FIELDS[cls]:
        key = "t" if f.name == "t_s" else f.name
        if key not in obj:
            if f.default is dataclasses.MISSING:
                raise EventDecodeError(f"{name} event without {key!r}")
            continue
        value = obj[key]
        if f.name in ("data",):
            if not isinstance(value, str):
                raise EventDecodeError(f"{name} event: {key!r} is not hex text")
            try:
                value = bytes.fromhex(value)
            except ValueError:
                raise EventDecodeError(f"{name} event: {key!r} is not valid hex") from None
        elif f.name in (
            "t_s",
            "rr_ms",
            "start_s",
            "end_s",
            "inhale_s",
            "hold_in_s",
            "exhale_s",
            "hold_out_s",
            "ramp_from_per_min",
            "ramp_s",
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise EventDecodeError(f"{name} event: {key!r} is not a number")
            value = float(value)
            if f.name in ("t_s", "start_s", "end_s") and value > MAX_SESSION_S:
                raise EventDecodeError(f"{name} event: {key!r} is more than a week into the session")
            if f.name == "rr_ms" and value <= 0:
                raise EventDecodeError(f"{name} event: 'rr_ms' is not positive")
            if f.name == "rr_ms" and value > MAX_RR_MS:
                raise EventDecodeError(f"{name} event: 'rr_ms' is over a minute, not a heartbeat")
        elif f.name in ("hr_bpm", "battery_pct"):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise EventDecodeError(f"{name} event: {key!r} is not a number")
            value = None if value is None else int(value)
        elif f.name in ("contact", "judged", "settling", "sends_rr"):
            if value is not None and not isinstance(value, bool):
                raise EventDecodeError(f"{name} event: {key!r} is not true/false")
        elif value is not None and not isinstance(value, str):
            raise EventDecodeError(f"{name} event: {key!r} is not text")
        kwargs[f.name] = value
    if cls is Gap and kwargs["end_s"] < kwargs["start_s"]:
        raise EventDecodeError("gap event ends before it starts")
    event: Event = cls(**kwargs)
    return event
