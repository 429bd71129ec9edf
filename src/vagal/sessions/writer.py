"""Crash-safe session recording: every event written through as it happens.

Design decision: the caller (the engine's driver on the dashboard's event loop) only
puts events on a queue; a background thread turns them into JSON lines and writes
them. A slow or stalled disk therefore never blocks the breathing guide. The thread
flushes to the operating system as soon as the queue is empty and at least every
``flush_every_s`` (0.25 s) under a steady stream, so ``kill -9`` of vagal loses only
what is still in the queue: well under a second. It calls ``fsync`` about every second
(``fsync_every_s``), which bounds the loss in a power cut. The file is opened in
exclusive-create mode and only ever appended to; nothing is rewritten in place.

The header (first line) is written and flushed before ``Recorder(...)`` returns, so
even a session killed in its first second leaves a readable file. See
docs/session-format.md for the layout.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Final, Self

from vagal import __version__
from vagal.errors import VagalError
from vagal.events import DeviceInfo, Event, PacerChanged
from vagal.sessions.codec import event_to_dict

if TYPE_CHECKING:
    from vagal.options import SessionOptions

log = logging.getLogger(__name__)

FORMAT_NAME: Final = "vagal-session"
FORMAT_VERSION: Final = 1
"""Bumped only for changes an older reader would misread; new keys do not bump it."""
PAIR_FORMAT_VERSION: Final = 2
"""A two-person session (the header has ``people``; events carry ``person``): a version-1
reader would mix both people's beats into one, so it must refuse the file."""
SESSION_SUFFIX: Final = ".vagal.jsonl"
"""File extension of vagal sessions: JSON Lines, with ``.vagal`` to say whose."""
DEFAULT_FLUSH_EVERY_S: Final = 0.25
"""Longest time written lines stay in the process's buffer (kill -9 loses at most this)."""
DEFAULT_FSYNC_EVERY_S: Final = 1.0
"""How often the file is forced to the disk (a power cut loses about this much)."""

_STOP: Final = object()


class RecordingError(VagalError):
    """A session file could not be created or written."""


def make_header(
    *,
    source: str,
    start: datetime | None = None,
    label: str | None = None,
    device: DeviceInfo | None = None,
    pacer: PacerChanged | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The first line of a session file.

    Args:
        source: What produced the beats: "demo", "live", "replay", "convert"…
        start: Wall-clock time of session second 0, with time zone (default: now, local zone).
        label: Who or what is recorded, as the person typed it.
        device: What is known about the strap at the start (also recorded as an event).
        pacer: The breathing pattern at the start (also recorded as an event).
        **extra: Further keys to store (ignored by readers that do not know them).
    """
    start = start if start is not None else datetime.now().astimezone()
    if start.tzinfo is None:
        start = start.astimezone()
    header: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "vagal_version": __version__,
        "type": "header",
        "t": 0.0,
        "start": start.isoformat(timespec="milliseconds"),
        "source": source,
    }
    if label:
        header["label"] = label
    if device is not None:
        d = event_to_dict(device)
        del d["t"], d["type"]
        header["device"] = d
    if pacer is not None:
        p = event_to_dict(pacer)
        del p["t"], p["type"]
        p["rate_per_min"] = round(pacer.rate_per_min, 4)
        header["pacer"] = p
    header.update(extra)
    return header


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40]


def default_session_path(
    source: str, *, start: datetime | None = None, label: str | None = None, folder: Path | None = None
) -> Path:
    """A new file in the sessions folder with a readable, sortable name.

    ``2026-11-24_17-15-02_demo.vagal.jsonl`` (with ``_<label>`` before the suffix when a
    label is given); ``-2``, ``-3``… are added if two sessions start in the same second.
    """
    from vagal.paths import sessions_dir

    start = start if start is not None else datetime.now().astimezone()
    folder = folder if folder is not None else sessions_dir()
    stem = f"{start:%Y-%m-%d_%H-%M-%S}_{_slug(source) or 'session'}"
    if label and _slug(label):
        stem += f"_{_slug(label)}"
    path = folder / f"{stem}{SESSION_SUFFIX}"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}{SESSION_SUFFIX}"
        n += 1
    return path


class Recorder:
    """A sink that appends events to a session file from a background thread.

    It is a :class:`vagal.engine.driver.Sink`: ``write``, ``close`` and ``error``.

    Args:
        path: The file to create, exactly as given (any extension). It must not exist:
            a recording never overwrites anything.
        header: The header object (see :func:`make_header`); missing format keys are filled in.
        flush_every_s: See ``DEFAULT_FLUSH_EVERY_S``.
        fsync_every_s: See ``DEFAULT_FSYNC_EVERY_S``.

    Raises:
        RecordingError: The file exists already, or cannot be created.

    ``write(event)`` never blocks and never raises: if the disk fails, the thread stops,
    ``error`` says why, and later events are counted in ``dropped``. ``close()`` drains
    the queue, syncs and closes the file; it is idempotent.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        header: Mapping[str, Any] | None = None,
        *,
        flush_every_s: float = DEFAULT_FLUSH_EVERY_S,
        fsync_every_s: float = DEFAULT_FSYNC_EVERY_S,
    ) -> None:
        self.path = Path(path)
        given = dict(header or {})
        full = make_header(source=str(given.pop("source", "unknown")))
        full.update(given)
        full["format"] = FORMAT_NAME
        full["format_version"] = PAIR_FORMAT_VERSION if full.get("people") else FORMAT_VERSION
        self.header: dict[str, Any] = full
        self._start = _parse_start(str(full["start"]))
        self._flush_every_s = flush_every_s
        self._fsync_every_s = fsync_every_s
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.error: RecordingError | None = None
        """Set when writing failed; the recording stops there (what was written stays)."""
        self.written = 0
        """Events written to the file so far (by the thread)."""
        self.dropped = 0
        """Events not written because writing had failed."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordingError(
                f"cannot create the folder {self.path.parent} for the session ({exc.strerror or exc})."
            ) from None
        try:
            # "x": exclusive create, never truncate an existing file.
            self._file: IO[str] = open(self.path, "x", encoding="utf-8", newline="\n")  # noqa: SIM115
        except FileExistsError:
            raise RecordingError(
                f"{self.path} already exists; a recording never overwrites a file.",
                hint="Choose another name with --record.",
            ) from None
        except OSError as exc:
            raise RecordingError(f"cannot create the session file {self.path} ({exc.strerror}).") from None
        try:
            self._file.write(json.dumps(self.header, ensure_ascii=False, separators=(",", ":")) + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            self._file.close()
            raise RecordingError(f"cannot write the session file {self.path} ({exc.strerror}).") from None
        self._thread = threading.Thread(target=self._run, name=f"vagal-recorder:{self.path.name}", daemon=True)
        self._thread.start()

    @property
    def start(self) -> datetime:
        """Wall-clock time of session second 0 (the header's ``start``)."""
        return self._start

    @property
    def closed(self) -> bool:
        return self._closed

    def write(self, event: Event) -> None:
        """Queue one event for writing (returns at once; safe from any thread)."""
        with self._lock:  # never after the stop mark that close() puts on the queue
            if self._closed:
                return
            if self.error is not None:
                self.dropped += 1
                return
            self._queue.put(event)

    def close(self) -> None:
        """Write what is queued, sync to disk and close the file (idempotent, blocking)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _line(self, event: Event) -> str:
        obj = event_to_dict(event)
        wall = self._start + timedelta(seconds=event.t_s)
        # Key order: t, wall, type, then the fields; a reader does not depend on it.
        out = {"t": obj.pop("t"), "wall": wall.isoformat(timespec="milliseconds")}
        out.update(obj)
        return json.dumps(out, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"

    def _run(self) -> None:
        dirty = False  # written, not yet flushed to the OS
        unsynced = False  # flushed, not yet forced to disk
        last_flush = last_sync = time.monotonic()
        stopping = False
        try:
            while not stopping:
                now = time.monotonic()
                timeout: float | None = None
                if dirty:
                    timeout = max(0.0, last_flush + self._flush_every_s - now)
                if unsynced:
                    t_sync = max(0.0, last_sync + self._fsync_every_s - now)
                    timeout = t_sync if timeout is None else min(timeout, t_sync)
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    stopping = True
                elif item is not None:
                    try:
                        self._file.write(self._line(item))  # type: ignore[arg-type]
                    except (TypeError, ValueError):
                        log.warning("not a recordable event, not recorded: %r", item)
                    else:
                        self.written += 1
                        dirty = True
                now = time.monotonic()
                # Flush when the queue is empty (a quiet moment) or the interval is up.
                if dirty and (stopping or self._queue.empty() or now - last_flush >= self._flush_every_s):
                    self._file.flush()
                    dirty, unsynced, last_flush = False, True, now
                if unsynced and (stopping or now - last_sync >= self._fsync_every_s):
                    os.fsync(self._file.fileno())
                    unsynced, last_sync = False, now
        except OSError as exc:
            self.error = RecordingError(
                f"could not write the session file {self.path} ({exc.strerror}); "
                "the recording stops here, what was written is kept."
            )
            log.error("%s", self.error)
            # Count whatever is still queued as dropped.
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not _STOP:
                    self.dropped += 1
        finally:
            try:
                self._file.close()
            except OSError:
                pass


def _parse_start(text: str) -> datetime:
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise RecordingError(f"header 'start' is not an ISO-8601 time: {text!r}") from None
    return start if start.tzinfo is not None else start.astimezone()


def open_recorder(
    options: SessionOptions,
    *,
    source: str,
    device: DeviceInfo | None = None,
    pacer: PacerChanged | None = None,
    start: datetime | None = None,
    **extra: Any,
) -> Recorder | None:
    """Open the recorder a session's options ask for (``--record PATH`` / ``--no-record`` / ``--label``).

    Args:
        options: The session's options (``record``, ``no_record``, ``label``).
        source: "demo", "live", …: used in the header and the default file name.
        device: The strap, if already known.
        pacer: The breathing pattern at the start.
        start: Wall-clock time of session second 0 (default: now).
        **extra: Further header keys (e.g. ``seed=42`` for a demo).

    Returns:
        The recorder, or None when the session is not to be recorded.

    Raises:
        RecordingError: The file exists already or cannot be created.
    """
    if options.no_record:
        return None
    start = start if start is not None else datetime.now().astimezone()
    label = options.label
    path = options.record
    if path is None:
        path = default_session_path(source, start=start, label=label)
    header = make_header(source=source, start=start, label=label, device=device, pacer=pacer, **extra)
    return Recorder(path, header)
