"""The session line codec: its checks come from the event dataclasses' type hints.

One round trip per event type with every field set to a value other than its default,
through real JSON text; a field of every type the codec reads; and the reasons it gives.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any, Literal

import pytest

from vagal import events as ev
from vagal.sessions.codec import (
    FIELD_BOUNDS,
    TYPE_NAMES,
    EventDecodeError,
    _checker,
    _checkers,
    event_from_dict,
    event_to_dict,
)


def _value(cls: type[Any], field: dataclasses.Field[Any], hint: Any) -> Any:
    """A value for ``field`` that differs from its default and lies inside its bounds."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        options = typing.get_args(hint)
        return options[-1] if field.default != options[-1] else options[0]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    base = args[0] if args else hint
    low, high, _ = FIELD_BOUNDS.get(field.name, (0.0, 1e6, False))
    if base is bool:
        return not field.default if isinstance(field.default, bool) else True
    if base is int:
        return int(min(high, max(low, 0) + 7))
    if base is float:
        return min(high, max(low, 0.0) + 1.2578125)
    if base is str:
        return f"{field.name} — ä ☺ \x1b[2J"
    if base is bytes:
        return b"\x10\x48\xab\x03"
    raise AssertionError(f"no test value for {cls.__name__}.{field.name}: {hint!r}")


def _full(cls: type[Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: _value(cls, f, hints[f.name]) for f in dataclasses.fields(cls)}
    if cls is ev.Gap:
        kwargs["end_s"] = kwargs["start_s"] + 3.5
    return cls(**kwargs)


@pytest.mark.parametrize("cls", list(TYPE_NAMES), ids=lambda c: c.__name__)
def test_every_field_of_every_event_type_round_trips(cls: type[Any]) -> None:
    event = _full(cls)
    for f in dataclasses.fields(cls):
        assert getattr(event, f.name) != f.default, f.name  # every field carries a value of its own
    line = json.dumps(event_to_dict(event), ensure_ascii=False)
    assert event_from_dict(json.loads(line)) == event


def test_every_event_type_is_in_the_vocabulary() -> None:
    assert set(TYPE_NAMES) == set(typing.get_args(ev.Event))


def test_a_new_field_of_any_readable_type_reads_back_without_touching_the_codec() -> None:
    """Before, a new numeric field was written fine and read back as "is not text"."""

    @dataclasses.dataclass(frozen=True)
    class Future:
        t_s: float
        resp_rate_per_min: float
        count: int
        flag: bool | None = None
        kind: Literal["a", "b"] = "a"
        note: str | None = None

    checks = {key: check for _, key, _, check in _checkers(Future)}
    assert checks["resp_rate_per_min"]("future", "resp_rate_per_min", 6) == 6.0
    assert checks["count"]("future", "count", 3.0) == 3
    assert checks["kind"]("future", "kind", "b") == "b"
    with pytest.raises(EventDecodeError, match="'kind' is 'c', not one of a, b"):
        checks["kind"]("future", "kind", "c")


def test_a_field_of_a_type_the_codec_cannot_read_fails_at_once() -> None:
    with pytest.raises(TypeError, match="codec cannot read a field of type"):
        _checker(ev.Beat, "when", list[float])


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ({"type": "beat", "t": 1.0, "rr_ms": 10**400}, "beat event: 'rr_ms' is a number far too large"),
        ({"type": "beat", "t": 1.0, "rr_ms": float("inf")}, "beat event: 'rr_ms' is not a finite number"),
        ({"type": "beat", "t": 1.0, "rr_ms": 61_000}, "beat event: 'rr_ms' is over a minute, not a heartbeat"),
        ({"type": "beat", "t": 1.0, "rr_ms": 0.0001}, "beat event: 'rr_ms' is under a millisecond, not a heartbeat"),
        ({"type": "beat", "t": 1.0, "rr_ms": 800, "hr_bpm": 72.5}, "beat event: 'hr_bpm' is not a whole number"),
        ({"type": "hr", "t": 1.0, "hr_bpm": None}, "hr event: 'hr_bpm' is empty (null), not a number"),
        ({"type": "device", "t": 0, "kind": "strap", "name": "x", "battery_pct": 101}, "device event: 'battery_pct' is 101, above 100"),
        ({"type": "device", "t": 0, "kind": "strap", "name": 5}, "device event: 'name' is not text"),
        ({"type": "gap", "t": 2, "start_s": 1, "end_s": 2, "reason": "lunch"}, "gap event: 'reason' is 'lunch', not one of"),
        ({"type": "state", "t": 1, "state": True}, "state event: 'state' is 'something else', not one of"),
        ({"type": "marker", "t": -1e12}, "marker event: 't' is more than a week before the session"),
        ({"type": "beat", "t": 1.0, "rr_ms": 800, "settling": "no"}, "beat event: 'settling' is not true/false"),
        ({"type": "raw", "t": 1.0, "data": "zz"}, "raw event: 'data' is not valid hex"),
    ],
)
def test_ill_typed_values_are_named_in_plain_words(obj: dict[str, Any], reason: str) -> None:
    with pytest.raises(EventDecodeError) as info:
        event_from_dict(obj)
    assert str(info.value).startswith(reason)


def test_a_marker_without_a_feeling_word_is_written_without_the_key() -> None:
    """Markers from before feelings, and markers with none, keep the old line; one with a word keeps it."""
    plain = event_to_dict(ev.Marker(12.5, "breathing"))
    assert plain == {"t": 12.5, "type": "marker", "label": "breathing"}
    felt = event_to_dict(ev.Marker(12.5, "talked about mum", feeling="tense"))
    assert felt["feeling"] == "tense"
    assert event_from_dict(plain) == ev.Marker(12.5, "breathing")
    assert event_from_dict(json.loads(json.dumps(felt))) == ev.Marker(12.5, "talked about mum", feeling="tense")
