"""Crash-safe session recording: every event written through as it happens.

Design decision: the caller (the engine's driver on the dashboard's event loop) only
puts events on a queue; a background thread turns them into JSON lines and writes
them. A slow or stalled disk therefore never blocks the breathing guide. The thread
hands its lines to the operating system as soon as the queue is empty and at least every
``flush_every_s`` (0.25 s) under a steady stream, so ``kill -9`` of vagal loses only
what is still in the queue: well under a second. It calls ``fsync`` about every second
(``fsync_every_s``), which bounds the loss in a power cut. The file is created exclusively
(``O_EXCL``), private to the user (0600, in a 0700 folder: :mod:`vagal.paths`), and only
ever appended to; nothing is rewritten in place.

The thread writes the file descriptor itself (no buffered file object), so it always knows
how far the file is complete. When the disk fills up (or any write fails), the recording
stops there: a line only partly written is cut off again (the one change vagal ever makes
to bytes it wrote, so the file ends on a whole line and reads back without damage),
:attr:`Recorder.error` says in plain words what happened, and
:attr:`Recorder.saved_until_s` says up to when the file holds the session. The session
itself goes on; only the recording has stopped.

The header (first line) is written and synced before ``Recorder(...)`` returns, so even a
session killed in its first second leaves a readable file; a disk already full at the start
is one :class:`RecordingError`, and the file that could not take even its header is
removed (it held nothing). See docs/session-format.md for the layout.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, NoReturn, Self

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
MAX_NAME_TRIES: Final = 1000
"""Default names tried (``…_demo``, ``…_demo-2`` … ``…_demo-1000``) before giving up."""

_STOP: Final = object()


class RecordingError(VagalError):
    """A session file could not be created or written.

    Attributes:
        path: The session file.
        reason: What went wrong, in plain words ("the disk is full"); None for other
            problems (an existing file, a bad header).
        saved_until_s: When the recording stopped part-way: the session time (s) up to
            which the file holds the session; None when it never started.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        path: Path | None = None,
        reason: str | None = None,
        saved_until_s: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.reason = reason
        self.saved_until_s = saved_until_s


def os_error_words(exc: OSError) -> str:
    """What a failed create or write means, in plain words ("the disk is full").

    Shared by the recorder and by ``convert`` (vagal.sessions.export), so a full disk reads
    the same everywhere.
    """
    code = exc.errno
    if code == errno.ENOSPC:
        return "the disk is full"
    if code == getattr(errno, "EDQUOT", errno.ENOSPC):
        return "your disk quota is used up"
    if code == errno.EFBIG:
        return "the file reached the largest size allowed here"
    if code == errno.EROFS:
        return "the disk is read-only"
    if code in (errno.EACCES, errno.EPERM):
        return "permission was denied"
    if code == errno.EIO:
        return "the disk reported an error"
    words = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
    return words[:1].lower() + words[1:]


def _reason(exc: OSError) -> tuple[str, str]:
    """(what happened, what to do) for a failed write or create of a recording, in plain words."""
    what = os_error_words(exc)
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return what, "Free some space on the disk, or record to another disk with --record PATH."
    if code == errno.EFBIG:
        return what, "Record to another disk with --record PATH, or raise the file size limit (ulimit -f)."
    if code == errno.EROFS:
        return what, "Record to another disk with --record PATH."
    if code in (errno.EACCES, errno.EPERM):
        return what, "Record to a folder you can write to, with --record PATH."
    if code == errno.EIO:
        return what, "Check the disk, and record to another one with --record PATH."
    return what, "Record to another place with --record PATH."


class _FdOutput:
    """The session file as the writer thread sees it: an append-only descriptor.

    One small seam, so a test can stand in a disk that fills up after N bytes.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes | memoryview) -> int:
        """One ``write(2)``: returns the bytes taken (maybe fewer than given), or raises OSError."""
        return os.write(self.fd, data)

    def sync(self) -> None:
        """Force what was written to the disk (``fsync``)."""
        os.fsync(self.fd)

    def truncate(self, size: int) -> None:
        """Cut the file back to ``size`` bytes (only ever to undo a line half written)."""
        os.ftruncate(self.fd, size)

    def close(self) -> None:
        os.close(self.fd)


def _write_all(out: _FdOutput, data: bytes) -> None:
    """Write every byte of ``data`` (``write(2)`` may take fewer; a full disk raises OSError)."""
    view = memoryview(data)
    while view:
        n = out.write(view)
        if n <= 0:  # a disk that takes nothing and says nothing: treat it as full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[n:]


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
    """The first-choice name of a new session in the sessions folder: readable and sortable.

    ``2026-11-24_17-15-02_demo.vagal.jsonl``, with ``_<label>`` before the suffix when a
    label is given. Two sessions that start in the same second share it: the recorder
    (``Recorder(path, unique=True)``, which :func:`open_recorder` uses for the default name)
    then creates ``…-2``, ``…-3``… atomically, so neither fails (see :func:`numbered`).
    """
    from vagal.paths import sessions_dir

    start = start if start is not None else datetime.now().astimezone()
    folder = folder if folder is not None else sessions_dir()
    stem = f"{start:%Y-%m-%d_%H-%M-%S}_{_slug(source) or 'session'}"
    if label and _slug(label):
        stem += f"_{_slug(label)}"
    return folder / f"{stem}{SESSION_SUFFIX}"


def numbered(path: Path, n: int) -> Path:
    """``path`` with ``-n`` before its suffix (``a.vagal.jsonl`` → ``a-2.vagal.jsonl``); n=1 is ``path``."""
    if n == 1:
        return path
    name = path.name
    suffix = SESSION_SUFFIX if name.endswith(SESSION_SUFFIX) else path.suffix
    stem = name[: len(name) - len(suffix)] if suffix else name
    return path.with_name(f"{stem}-{n}{suffix}")


class Recorder:
    """A sink that appends events to a session file from a background thread.

    It is a :class:`vagal.engine.driver.Sink`: ``write``, ``close`` and ``error``.

    Args:
        path: The file to create, exactly as given (any extension). It must not exist:
            a recording never overwrites anything.
        header: The header object (see :func:`make_header`); missing format keys are filled in.
        unique: When ``path`` exists already, create ``…-2``, ``…-3``… instead (each try
            an exclusive create, so two recorders starting at once never get the same
            file); ``path`` then says which. For default names, never for a name the person
            gave with ``--record``.
        flush_every_s: See ``DEFAULT_FLUSH_EVERY_S``.
        fsync_every_s: See ``DEFAULT_FSYNC_EVERY_S``.

    Raises:
        RecordingError: The file exists already (and ``unique`` is False), or it cannot be
            created, or not even its header can be written (the disk is full: the file is
            then removed, it held nothing).

    ``write(event)`` never blocks and never raises: if the disk fails, the thread stops,
    ``error`` says why, ``saved_until_s`` says up to when the file holds the session, and
    later events are counted in ``dropped``. ``close()`` drains the queue, syncs and closes
    the file; it is idempotent.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        header: Mapping[str, Any] | None = None,
        *,
        unique: bool = False,
        flush_every_s: float = DEFAULT_FLUSH_EVERY_S,
        fsync_every_s: float = DEFAULT_FSYNC_EVERY_S,
    ) -> None:
        from vagal.paths import create_private, private_dir

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
        """Set when writing failed, in plain words; the recording stops there (what was written stays)."""
        self.saved_until_s: float = 0.0
        """Session time (s) of the last event known to be on disk (written and synced).

        0.0 until the first event is synced; it lags the session by up to
        ``fsync_every_s`` while recording, equals the last event after ``close()``, and
        stays where the file ends when the recording stopped early (a full disk)."""
        self.on_error: Callable[[RecordingError], None] | None = None
        """Called once, from the writer thread, when the recording stops early (optional)."""
        self.written = 0
        """Events written to the file so far (by the thread)."""
        self.dropped = 0
        """Events not written because writing had failed."""
        try:
            private_dir(self.path.parent)
        except OSError as exc:
            what, todo = _reason(exc)
            raise RecordingError(
                f"cannot create the folder {self.path.parent} for the session: {what}.",
                hint=todo,
                path=self.path,
                reason=what,
            ) from None
        n = 1
        while True:
            candidate = numbered(Path(path), n) if unique else self.path
            try:
                fd = create_private(candidate)  # O_EXCL: never truncate an existing file
            except FileExistsError:
                if unique and n < MAX_NAME_TRIES:
                    n += 1
                    continue
                raise RecordingError(
                    f"{candidate} already exists; a recording never overwrites a file.",
                    hint="Choose another name with --record.",
                    path=candidate,
                ) from None
            except OSError as exc:
                what, todo = _reason(exc)
                raise RecordingError(
                    f"cannot create the session file {candidate}: {what}.",
                    hint=todo,
                    path=candidate,
                    reason=what,
                ) from None
            break
        self.path = candidate
        self._out = _FdOutput(fd)
        self._size = 0
        """Bytes of whole lines in the file (the header included)."""
        line = json.dumps(self.header, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            _write_all(self._out, line.encode("utf-8"))
            self._out.sync()
        except OSError as exc:
            self._abandon_empty_file(exc)
        self._size = len(line.encode("utf-8"))
        self._thread = threading.Thread(
            target=self._run, name=f"vagal-recorder:{self.path.name}", daemon=True
        )
        self._thread.start()

    def _abandon_empty_file(self, exc: OSError) -> NoReturn:
        """Not even the header could be written: close, remove the file (it holds nothing), raise."""
        what, todo = _reason(exc)
        with contextlib.suppress(OSError):
            self._out.close()
        try:
            # Only this file, created by this recorder a moment ago, with no event in it.
            self.path.unlink()
            left = "so nothing was recorded (the empty file was removed)"
        except OSError:
            left = f"so nothing was recorded ({self.path} is left empty)"
        raise RecordingError(
            f"could not write the session file {self.path}: {what}, {left}.",
            hint=todo,
            path=self.path,
            reason=what,
        ) from None

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
        pending = bytearray()  # whole lines, not yet handed to the operating system
        pending_t: float | None = None  # session time of the last event in ``pending``
        pending_n = 0  # events in ``pending``
        written_t: float | None = None  # … of the last event handed over, not yet synced
        last_flush = last_sync = time.monotonic()
        stopping = False
        syncing = False  # the failure, if any, came from fsync (then a second fsync proves nothing)
        try:
            while not stopping:
                now = time.monotonic()
                timeout: float | None = None
                if pending:
                    timeout = max(0.0, last_flush + self._flush_every_s - now)
                if written_t is not None:
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
                        pending += self._line(item).encode("utf-8")  # type: ignore[arg-type]
                    except (TypeError, ValueError):
                        log.warning("not a recordable event, not recorded: %r", item)
                    else:
                        pending_n += 1
                        t = item.t_s  # type: ignore[attr-defined]
                        pending_t = t if pending_t is None else max(pending_t, t)
                now = time.monotonic()
                # Hand over when the queue is empty (a quiet moment) or the interval is up.
                if pending and (stopping or self._queue.empty() or now - last_flush >= self._flush_every_s):
                    _write_all(self._out, bytes(pending))
                    self._size += len(pending)
                    self.written += pending_n
                    pending.clear()
                    written_t, pending_t, pending_n, last_flush = pending_t, None, 0, now
                if written_t is not None and (stopping or now - last_sync >= self._fsync_every_s):
                    syncing = True
                    self._out.sync()
                    syncing = False
                    self.saved_until_s = max(self.saved_until_s, written_t)
                    written_t, last_sync = None, now
        except OSError as exc:
            self.dropped += pending_n
            self._stopped_early(exc, None if syncing else written_t)
        finally:
            with contextlib.suppress(OSError):
                self._out.close()

    def _stopped_early(self, exc: OSError, written_t: float | None) -> None:
        """A write or sync failed: keep the file whole up to its last line, say so, stop.

        Args:
            exc: The failure.
            written_t: Session time of the last event handed to the operating system
                since the last good sync, when a sync now may still put it on disk
                (None after a failed fsync: Linux reports a lost write only once, so a
                later fsync that succeeds proves nothing).
        """
        try:
            # A line half written ends the file in a fragment: cut it off again, so the file
            # ends on a whole line (its bytes were ours, a moment ago; no recorded event is lost).
            if os.fstat(self._out.fd).st_size > self._size:
                self._out.truncate(self._size)
            if written_t is not None:  # lines handed over before the failure are on disk now
                self._out.sync()
                self.saved_until_s = max(self.saved_until_s, written_t)
        except OSError:
            pass  # the reader reports a truncated last line; saved_until_s stays at the last sync
        what, todo = _reason(exc)
        from vagal.clock import clock_text

        when = clock_text(self.saved_until_s)
        hint = (
            "Free some space before the next session."
            if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
            else todo
        )
        self.error = RecordingError(
            f"{what}, so the recording stopped at {when}: {self.path} holds the session up to {when}.",
            hint=hint,
            path=self.path,
            reason=what,
            saved_until_s=self.saved_until_s,
        )
        # Not log.error: the logging fallback would print it over the dashboard; the session
        # runner and the dashboard read ``error`` and say it calmly themselves.
        log.info("%s", self.error)
        # Count whatever is still queued as dropped.
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                self.dropped += 1
        callback = self.on_error
        if callback is not None:
            try:
                callback(self.error)
            except Exception:  # a caller's callback must not take the writer thread down with it
                log.exception("the recording's on_error callback failed")


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
    header = make_header(source=source, start=start, label=label, device=device, pacer=pacer, **extra)
    if options.record is not None:
        return Recorder(options.record, header)  # exactly as given: an existing file is refused
    # A default name is vagal's choice: two sessions starting in the same second both get one.
    return Recorder(default_session_path(source, start=start, label=label), header, unique=True)
