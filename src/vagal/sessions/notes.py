"""Notes beside a session: markers added later (in replay, or a label given afterwards).

Design decision: a recording is never rewritten, so what is added to it afterwards goes to
an append-only file beside it, ``<session>.notes.jsonl``, one marker a line in the session
format's own marker line (``{"t": …, "type": "marker", "label": …}``). Replay, ``vagal
report`` and ``vagal sessions`` read it. Reading is damage-tolerant: a line that is not a
marker is skipped, and a missing file is simply no notes.

(Minimal version of the agreed interface, written by the report branch because it needed
``read_notes`` first; the flow branch owns this module.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from vagal.events import Marker
from vagal.sessions.codec import EventDecodeError, event_from_dict, event_to_dict

NOTES_SUFFIX = ".notes.jsonl"


def notes_path(session: Path) -> Path:
    """The notes file beside ``session``: ``<session>.notes.jsonl``."""
    return session.with_name(session.name + NOTES_SUFFIX)


def append_marker(session: Path, marker: Marker) -> None:
    """Append one marker to the session's notes file (created 0600; flushed and synced).

    Raises:
        OSError: The notes file cannot be written.
    """
    path = notes_path(session)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(event_to_dict(marker), ensure_ascii=False, separators=(",", ":")) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_notes(session: Path) -> list[Marker]:
    """The markers in the session's notes file, in file order (missing file: ``[]``).

    Lines that are not valid marker lines (damage, a newer vagal's other notes) are skipped.
    """
    try:
        data = notes_path(session).read_bytes()
    except OSError:
        return []
    out: list[Marker] = []
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
        if not isinstance(obj, dict) or obj.get("type") != "marker":
            continue
        try:
            event = event_from_dict(obj)
        except (EventDecodeError, TypeError, ValueError):
            continue
        if isinstance(event, Marker):
            out.append(event)
    return out
