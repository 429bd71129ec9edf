"""Notes beside a session: markers added or labelled after the moment, in an append-only file.

Design decision: a recording is never rewritten, yet a marker dropped silently in
presentation mode gets its label later, and a replay can mark moments of its own. Those
go to ``<session>.notes.jsonl`` beside the session file (:func:`notes_path`): one JSON
line per marker, in the session file's own event format (``"type": "marker"``, ``t`` in
the session's seconds), plus ``noted``, the wall-clock time it was written. The file is
created private (0600), only ever appended to, and each line is synced to the disk.

A note at the time of a recorded marker (within :data:`SAME_MOMENT_S`) is that marker's
label given later and replaces it; any other note is a marker of its own
(:func:`merge_markers`). Replay, ``vagal sessions`` and the report read the notes with
:func:`read_notes`, which reads past a damaged line and never raises for a missing file.

:func:`words_used` gives the labels and feeling words used before (in the sessions
folder's recent files and their notes), newest first, so the marker dialog can offer
them again; it reads only the lines that hold a marker.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Final

from vagal.errors import VagalError
from vagal.events import Marker
from vagal.paths import create_private
from vagal.sessions.codec import EventDecodeError, event_from_dict, event_to_dict

log = logging.getLogger(__name__)

NOTES_SUFFIX: Final = ".notes.jsonl"
"""Added to the session file's whole name: ``a.vagal.jsonl`` → ``a.vagal.jsonl.notes.jsonl``."""
SAME_MOMENT_S: Final = 0.001
"""A note this close to a recorded marker is that marker's label given later, seconds."""
MAX_NOTES_BYTES: Final = 4 * 1024 * 1024
"""A notes file larger than this is read up to here (a person types far fewer markers)."""
WORDS_FILES: Final = 40
"""How many of the newest session files :func:`words_used` looks in."""
WORDS_FILE_BYTES: Final = 32 * 1024 * 1024
"""A session file larger than this is skipped by :func:`words_used` (a long Holter import)."""
_MARKER_KEY: Final = b'"type":"marker"'


class NotesError(VagalError):
    """The notes beside a session could not be written."""


def notes_path(session: Path) -> Path:
    """Where the notes of ``session`` are kept: beside it, ``<session>.notes.jsonl``."""
    session = Path(session)
    return session.with_name(session.name + NOTES_SUFFIX)


def is_notes_file(path: Path) -> bool:
    """True for a notes file (not a session of its own; listings skip it)."""
    return Path(path).name.endswith(NOTES_SUFFIX)


def append_marker(session: Path, marker: Marker) -> None:
    """Add one marker to the notes beside ``session`` (created 0600; appended; synced).

    Raises:
        NotesError: The notes file cannot be created or written (the message says why), or
            something that is not a regular file is in its place.
    """
    path = notes_path(session)
    obj = event_to_dict(marker)
    line = {"t": obj.pop("t"), "noted": datetime.now().astimezone().isoformat(timespec="seconds"), **obj}
    data = (json.dumps(line, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n").encode(
        "utf-8"
    )
    try:
        if path.exists() and not path.is_file():
            raise NotesError(f"cannot keep the marker: {path} is not a regular file.")
        # Private whatever the umask (an existing file too): heart data and what a person noted.
        fd = create_private(path, append=True, tighten=True)
    except OSError as exc:
        raise NotesError(f"cannot keep the marker in {path} ({exc.strerror or exc}).") from None
    try:
        os.write(fd, data)
        os.fsync(fd)
    except OSError as exc:
        raise NotesError(f"cannot keep the marker in {path} ({exc.strerror or exc}).") from None
    finally:
        os.close(fd)


def _markers_in(data: bytes) -> list[Marker]:
    """The markers in JSON lines, skipping every line that is not a readable marker."""
    out: list[Marker] = []
    for raw in data.split(b"\n"):
        if _MARKER_KEY not in raw:
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
        if not isinstance(obj, dict):
            continue
        try:
            event = event_from_dict(obj)
        except (EventDecodeError, TypeError, ValueError, OverflowError):
            continue
        if isinstance(event, Marker):
            out.append(event)
    return out


def _read_bytes(path: Path, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of a regular file; None when it is missing or not one (a pipe)."""
    try:
        if not path.is_file():
            return None
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError:
        return None


def read_notes(session: Path) -> list[Marker]:
    """The markers noted beside ``session``, in the order they were noted.

    Damage-tolerant: a line that is not a readable marker is skipped (a cut last line, a
    changed byte). A missing notes file gives ``[]``; so does one that cannot be read.
    """
    data = _read_bytes(notes_path(session), MAX_NOTES_BYTES)
    return [] if data is None else _markers_in(data)


def merge_markers(recorded: Iterable[Marker], noted: Iterable[Marker]) -> tuple[Marker, ...]:
    """A session's markers with its notes: the markers a person sees, in time order.

    A note at the moment of a recorded marker (or of an earlier note) replaces it: that is
    a label given later. Every other note is a marker of its own.
    """
    merged: list[Marker] = list(recorded)
    for note in noted:
        for i, m in enumerate(merged):
            if abs(m.t_s - note.t_s) <= SAME_MOMENT_S:
                merged[i] = note
                break
        else:
            merged.append(note)
    return tuple(sorted(merged, key=lambda m: m.t_s))


def words_used(folder: Path, *, max_files: int = WORDS_FILES) -> tuple[list[str], list[str]]:
    """The marker labels and feeling words used before, newest first, each once.

    Looks in the newest ``max_files`` session files of ``folder`` and their notes (by
    modification time), reading only the lines that hold a marker. Never raises: an
    unreadable file is passed over.

    Returns:
        ``(labels, feelings)``.
    """
    try:
        files = [p for p in Path(folder).iterdir() if p.name.endswith(".jsonl")]
    except OSError:
        return [], []

    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    sessions = sorted((p for p in files if not is_notes_file(p)), key=mtime, reverse=True)[:max_files]
    labels: list[str] = []
    feelings: list[str] = []
    for session in sessions:
        recorded = _read_bytes(session, WORDS_FILE_BYTES)
        noted = _read_bytes(notes_path(session), MAX_NOTES_BYTES)
        markers = [*(_markers_in(recorded) if recorded else ()), *(_markers_in(noted) if noted else ())]
        for m in reversed(markers):  # the latest first
            for word, seen in ((m.label.strip(), labels), (m.feeling.strip(), feelings)):
                if word and word not in seen:
                    seen.append(word)
    return labels, feelings


__all__ = [
    "NOTES_SUFFIX",
    "NotesError",
    "append_marker",
    "is_notes_file",
    "merge_markers",
    "notes_path",
    "read_notes",
    "words_used",
]
