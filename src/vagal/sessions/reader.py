"""Read a vagal session file, up to any damage, and report the damage as data.

A session is a header line and then one JSON event per line (docs/session-format.md).
The reader never raises for damage after the header:

* a last line without its newline that does not parse is the usual trace of a crash or
  ``kill -9``: it is dropped and reported as "truncated last line";
* a bad line in the middle (not JSON, zero bytes from a power cut, an event with a
  missing field, a beat earlier than the beat before it) ends the reading there: everything before it is returned, and the
  damage says which line and why, and how many lines after it were not read;
* only a missing or unreadable header is an error (:class:`~vagal.errors.SessionFileError`
  naming line 1), because without it nothing can be trusted.

Beats marked ``settling`` (the first seconds after a (re)connect, unreliable on straps)
are kept in ``events`` but left out of ``rr_ms``, with a break before the next beat,
so that analysis sees only what the live metrics used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vagal.errors import SessionFileError
from vagal.events import Beat, DeviceInfo, Event, Gap, Marker, PacerChanged
from vagal.sessions.codec import EventDecodeError, event_from_dict, event_to_dict
from vagal.sessions.recording import Damage, Recording, from_rr, read_file
from vagal.sessions.writer import FORMAT_NAME, FORMAT_VERSION

SUPPORTED_FORMAT_VERSION = FORMAT_VERSION


def looks_like_session(head: bytes) -> bool:
    """True when a file should be read as a vagal session (for format detection).

    Any file whose first non-blank character is ``{`` goes to the session reader: a
    vagal header is recognised there, and anything else gets a clear error naming line 1
    (no other supported format starts with a JSON object).
    """
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _header(path: str, first: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SessionFileError(
            path, "the header is not valid JSON; this is not a readable vagal session", line=1
        ) from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT_NAME:
        raise SessionFileError(path, f"the first line is not a vagal session header (format {FORMAT_NAME!r})", line=1)
    version = obj.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SessionFileError(path, "the header has no format_version", line=1)
    if version > SUPPORTED_FORMAT_VERSION:
        raise SessionFileError(
            path,
            f"written by a newer vagal (session format {version}; this vagal reads up to {SUPPORTED_FORMAT_VERSION})",
            line=1,
            hint="Update vagal to read it.",
        )
    return obj


def read_events(path: str | Path, data: bytes | None = None) -> tuple[dict[str, Any], list[Event], list[Damage], int]:
    """Parse a session file into its header, events and damage.

    Args:
        path: The file (named in messages; read unless ``data`` is given).
        data: The file's bytes, if already read.

    Returns:
        ``(header, events, damage, unknown)``; ``unknown`` counts events of types this
        vagal does not know (written by a newer one), which are skipped.

    Raises:
        SessionFileError: The file cannot be read, is empty, or its header is unreadable.
    """
    p = str(path)
    if data is None:
        data = read_file(path, SessionFileError)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    ends_with_newline = lines[-1] == b""
    if ends_with_newline:
        lines.pop()
    if not lines or not lines[0].strip():
        raise SessionFileError(p, "the file is empty (no session header)", line=1)
    header = _header(p, lines[0])
    events: list[Event] = []
    damage: list[Damage] = []
    unknown = 0
    last_beat_t = float("-inf")
    n = len(lines)
    for i in range(1, n):
        lineno = i + 1
        raw = lines[i]
        is_last = i == n - 1
        if not raw.strip():
            continue  # a blank line is harmless
        reason: str | None = None
        event: Event | None = None
        if b"\x00" in raw:
            reason = "zero bytes instead of text (the disk lost power while writing?)"
        else:
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                reason = "not UTF-8 text"
            except ValueError:
                reason = "not a complete JSON object"
            else:
                if not isinstance(obj, dict):
                    reason = "not a JSON object"
                else:
                    try:
                        event = event_from_dict(obj)
                    except EventDecodeError as exc:
                        reason = str(exc)
                    except (TypeError, ValueError) as exc:
                        reason = f"not a valid event ({exc})"
                    else:
                        if event is None:
                            unknown += 1
                            continue
        if reason is None and isinstance(event, Beat):
            # Sources place every beat after the one before; one that goes back in time is
            # damage (a changed digit), and read past it would fold the time axis back.
            if event.t_s < last_beat_t:
                reason = f"a beat at {event.t_s:g} s, before the one at {last_beat_t:g} s"
            last_beat_t = max(last_beat_t, event.t_s)
        if reason is None:
            assert event is not None
            events.append(event)
            continue
        if is_last and not ends_with_newline and b"\x00" not in raw:
            damage.append(Damage(lineno, "truncated last line (the recording was cut off here)"))
        else:
            rest = n - i - 1
            more = f"; {rest} line{'s' if rest != 1 else ''} after it not read" if rest else ""
            damage.append(Damage(lineno, f"{reason}{more}"))
        break
    return header, events, damage, unknown


def read_session(path: str | Path, data: bytes | None = None) -> Recording:
    """Read a vagal session into a :class:`Recording` (format "vagal").

    ``meta`` holds the header's keys, plus ``device`` (from the header or the first
    ``DeviceInfo`` event), ``session_duration_s`` (the last event's time),
    ``settling_beats`` and ``unknown_events`` counts.

    Raises:
        SessionFileError: The header is missing or unreadable (see :func:`read_events`).
    """
    header, events, damage, unknown = read_events(path, data)
    rr: list[float] = []
    t: list[float] = []
    brk: list[bool] = []
    gaps: list[Gap] = []
    markers: list[Marker] = []
    pacer: list[PacerChanged] = []
    device: dict[str, Any] | None = header.get("device") if isinstance(header.get("device"), dict) else None
    pending_break = False
    settling = 0
    last_t = 0.0
    for ev in events:
        last_t = max(last_t, ev.t_s)
        if isinstance(ev, Beat):
            if ev.settling:
                settling += 1
                pending_break = True
                continue
            rr.append(ev.rr_ms)
            t.append(ev.t_s)
            brk.append(pending_break)
            pending_break = False
        elif isinstance(ev, Gap):
            gaps.append(ev)
            pending_break = True
        elif isinstance(ev, Marker):
            markers.append(ev)
        elif isinstance(ev, PacerChanged):
            pacer.append(ev)
        elif isinstance(ev, DeviceInfo) and device is None:
            device = _device_dict(ev)
    if brk:
        brk[0] = False  # nothing before the first beat to span
    meta: dict[str, Any] = dict(header)
    meta["device"] = device
    meta["session_duration_s"] = last_t
    meta["settling_beats"] = settling
    meta["unknown_events"] = unknown
    return from_rr(
        str(path),
        "vagal",
        rr,
        t_s=t,
        breaks=brk,
        gaps=tuple(gaps),
        markers=tuple(markers),
        pacer=tuple(pacer),
        meta=meta,
        damage=tuple(damage),
        events=tuple(events),
    )


def _device_dict(ev: DeviceInfo) -> dict[str, Any]:
    d = event_to_dict(ev)
    del d["t"], d["type"]
    return d
