"""The session index: what ``vagal sessions`` and ``vagal history`` computed, kept in SQLite.

Listing years of sessions re-read and re-analysed every file on every run (1,000 ten-minute
sessions: 271 s). The index keeps each file's result, keyed by the file's path, size,
modification and change times and inode, and by the *analysis version*: a hash of vagal's
version and of the source of every module the result depends on, so a changed analysis
recomputes everything by itself. A file whose key no longer matches is read again.

Design decisions:

* **A cache, never the truth.** Nothing is ever only in the index: deleting it loses
  nothing, the next run rebuilds it from the session files. Every value read back is
  checked (JSON of the right shape, for the same path); one that is not is recomputed.
* **A damaged or foreign index is rebuilt, never trusted.** The file must be a regular file
  of ours (not a link), SQLite must open it, ``PRAGMA quick_check`` must say ``ok``, and
  its application id and schema version must be this module's. Otherwise it is deleted and
  built anew. Values are JSON only (never pickle: a planted index must not run code).
* **Private.** The index holds summaries of the person's sessions: it is created 0600
  (its folder 0700 when vagal creates it), and put back to 0600 if found wider.
* **Never in the way.** When the index cannot be opened or written (read-only folder, a
  locked or full disk), the command computes as before, without it.
* **Progress.** Building it for many files shows a progress line on stderr (a terminal only,
  so piped output stays clean).

Lives in the data folder (``vagal.paths.data_dir()``) as :data:`INDEX_NAME`, one for every
sessions folder (entries are keyed by absolute path; files gone from a folder are pruned
when that folder is listed).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final, Self, TypeVar, cast

T = TypeVar("T")

INDEX_NAME: Final = "sessions-index.sqlite3"
APPLICATION_ID: Final = 0x76616731
"""``PRAGMA application_id``: "vag1". Another program's SQLite file is not ours."""
SCHEMA_VERSION: Final = 1
"""``PRAGMA user_version`` of the layout below; another one is rebuilt."""
PROGRESS_FROM: Final = 20
"""Show a progress line when at least this many files must be read."""
COMMIT_EVERY: Final = 50
"""Entries per transaction while building: an interrupted build keeps what it did."""

_SCHEMA: Final = """
CREATE TABLE entries (
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    version TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, path)
) WITHOUT ROWID
"""


def index_path() -> Path:
    """Where the index lives: :data:`INDEX_NAME` in the data folder."""
    from vagal.paths import data_dir

    return data_dir() / INDEX_NAME


def fingerprint(path: Path) -> str | None:
    """The key of a file's contents as the index sees them; None when it cannot be stat'ed.

    Size, modification and change times (ns) and inode: a session file only ever grows
    (append-only), and any write or replacement moves at least one of them.
    """
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None  # a pipe or a device: read it each time (reading refuses it with its reason)
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def analysis_version(*packages: str) -> str:
    """A hash of vagal's version and the source of every module of ``packages``.

    Args:
        packages: Sub-package or module names under ``vagal`` ("hrv", "sessions",
            "report/history.py"): folders are hashed file by file, sorted.

    Returns:
        A short hex digest; it changes when any of that code changes.
    """
    import vagal

    root = Path(vagal.__file__).resolve().parent
    h = hashlib.sha256(vagal.__version__.encode())
    for name in packages:
        p = root / name
        files = sorted(p.glob("*.py")) if p.is_dir() else [p]
        for f in files:
            h.update(f.name.encode())
            with contextlib.suppress(OSError):
                h.update(f.read_bytes())
    return h.hexdigest()[:24]


class SessionIndex:
    """An open index (use :func:`open_index`; close it with :meth:`close` or ``with``)."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._pending = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit what was put and close."""
        with contextlib.suppress(sqlite3.Error):
            self._db.commit()
        self._db.close()

    def get(self, kind: str, keys: Sequence[str], version: str) -> dict[str, tuple[str, str]]:
        """The stored ``{path: (fingerprint, value JSON)}`` of ``keys`` for ``kind`` at ``version``."""
        out: dict[str, tuple[str, str]] = {}
        try:
            rows = self._db.execute(
                "SELECT path, fingerprint, value FROM entries WHERE kind = ? AND version = ?", (kind, version)
            ).fetchall()
        except sqlite3.Error:
            return out
        wanted = set(keys)
        for path, fp, value in rows:
            if path in wanted and isinstance(fp, str) and isinstance(value, str):
                out[path] = (fp, value)
        return out

    def put(self, kind: str, key: str, fp: str, version: str, value: str) -> None:
        """Store one entry (committed every :data:`COMMIT_EVERY` and at :meth:`close`)."""
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO entries (kind, path, fingerprint, version, value) "
                "VALUES (?, ?, ?, ?, ?)",
                (kind, key, fp, version, value),
            )
            self._pending += 1
            if self._pending >= COMMIT_EVERY:
                self._db.commit()
                self._pending = 0
        except sqlite3.Error:
            pass  # a cache that cannot be written is only slower

    def prune(self, kind: str, prefix: str, keep: Iterable[str]) -> None:
        """Forget ``kind`` entries whose path starts with ``prefix`` and is not in ``keep``."""
        keep_set = set(keep)
        try:
            rows = self._db.execute("SELECT path FROM entries WHERE kind = ?", (kind,)).fetchall()
            gone = [
                (kind, p)
                for (p,) in rows
                if isinstance(p, str) and p.startswith(prefix) and p not in keep_set
            ]
            if gone:
                self._db.executemany("DELETE FROM entries WHERE kind = ? AND path = ?", gone)
        except sqlite3.Error:
            pass

    def prune_stale(self, kind: str, prefix: str, fp: str) -> None:
        """Forget ``kind`` entries whose key starts with ``prefix`` and whose fingerprint is not ``fp``."""
        try:
            rows = self._db.execute(
                "SELECT path, fingerprint FROM entries WHERE kind = ?", (kind,)
            ).fetchall()
            gone = [(kind, p) for p, f in rows if isinstance(p, str) and p.startswith(prefix) and f != fp]
            if gone:
                self._db.executemany("DELETE FROM entries WHERE kind = ? AND path = ?", gone)
        except sqlite3.Error:
            pass


def _is_ours(db: sqlite3.Connection) -> bool:
    """True when the open file is an intact index of this layout."""
    try:
        if db.execute("PRAGMA quick_check").fetchone() != ("ok",):
            return False
        if db.execute("PRAGMA application_id").fetchone() != (APPLICATION_ID,):
            return False
        if db.execute("PRAGMA user_version").fetchone() != (SCHEMA_VERSION,):
            return False
        cols = [r[1] for r in db.execute("PRAGMA table_info(entries)").fetchall()]
        return cols == ["kind", "path", "fingerprint", "version", "value"]
    except sqlite3.Error:
        return False


def _create(path: Path) -> sqlite3.Connection:
    """A new, empty index at ``path`` (0600)."""
    from vagal.paths import create_private

    os.close(create_private(path))  # O_EXCL: never follows a link planted there
    db = sqlite3.connect(str(path), timeout=5.0)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.execute(_SCHEMA)
    db.commit()
    return db


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def open_index(path: Path | None = None) -> SessionIndex | None:
    """Open the index, rebuilding it when it is missing, damaged or foreign.

    Args:
        path: The index file (default :func:`index_path`).

    Returns:
        The index, or None when it cannot be used here (the caller computes without it).
    """
    path = index_path() if path is None else path
    try:
        if not path.parent.is_dir():
            from vagal.paths import private_dir

            private_dir(path.parent)  # every folder it makes 0700, whatever the umask
        try:
            st = path.lstat()
        except FileNotFoundError:
            return SessionIndex(_create(path), path)
        if stat.S_ISDIR(st.st_mode):
            return None  # a folder of that name is not ours to delete: list without the index
        if not stat.S_ISREG(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            _remove(path)  # a link, a pipe, someone else's file: never followed, never trusted
            return SessionIndex(_create(path), path)
        from vagal.paths import PRIVATE_FILE_MODE

        if stat.S_IMODE(st.st_mode) != PRIVATE_FILE_MODE:
            os.chmod(path, PRIVATE_FILE_MODE)
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(str(path), timeout=5.0)
            if _is_ours(db):
                return SessionIndex(db, path)
        except sqlite3.Error:
            pass
        if db is not None:
            db.close()
        _remove(path)
        return SessionIndex(_create(path), path)
    except (OSError, sqlite3.Error):
        return None


class _Progress:
    """``vagal: indexing sessions 12/1000`` on stderr, rewritten in place (a terminal only)."""

    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label
        self.on = total >= PROGRESS_FROM and sys.stderr.isatty()
        self.done = 0

    def step(self) -> None:
        self.done += 1
        if self.on and (self.done % 10 == 0 or self.done == self.total):
            width = 30
            filled = width * self.done // self.total
            bar = "█" * filled + "·" * (width - filled)
            sys.stderr.write(f"\rvagal: {self.label} {bar} {self.done}/{self.total}")
            sys.stderr.flush()

    def end(self) -> None:
        if self.on:
            sys.stderr.write("\n")
            sys.stderr.flush()


def cached_per_file(
    files: Sequence[Path],
    *,
    kind: str,
    version: str,
    compute: Callable[[Path], T],
    encode: Callable[[T], Any],
    decode: Callable[[Path, Any], T],
    folder: Path | None = None,
    index: SessionIndex | None = None,
    label: str = "indexing sessions",
) -> list[T]:
    """``[compute(f) for f in files]``, with each result kept in the index between runs.

    Args:
        files: The session files.
        kind: What is kept ("listing", …): each kind has its own entries.
        version: :func:`analysis_version` of the code ``compute`` runs.
        compute: The straightforward computation for one file (must not raise for a bad file).
        encode: A result as JSON-able data.
        decode: ``(path, data)`` back to a result; raise ``TypeError``, ``ValueError`` or
            ``KeyError`` when the data is not a valid result (it is then recomputed).
        folder: The folder listed: entries of files gone from it are pruned.
        index: An open index (default: :func:`open_index`, closed at the end).
        label: The progress line's words.

    Returns:
        The results in the order of ``files``, equal to computing each afresh.
    """
    if not files:
        return []  # nothing to keep: no index (and no data folder) is made for it
    own = index is None
    idx = open_index() if own else index
    if idx is None:
        return [compute(f) for f in files]
    try:
        keys = [str(f.absolute()) for f in files]
        stored = idx.get(kind, keys, version)
        out: list[T | None] = [None] * len(files)
        todo: list[int] = []
        for i, (f, key) in enumerate(zip(files, keys, strict=True)):
            fp = fingerprint(f)
            hit = stored.get(key)
            if fp is not None and hit is not None and hit[0] == fp:
                try:
                    out[i] = decode(f, json.loads(hit[1]))
                    continue
                except (TypeError, ValueError, KeyError, AttributeError):
                    pass  # not a valid entry: recompute it
            todo.append(i)
        progress = _Progress(len(todo), label)
        try:
            for i in todo:
                f = files[i]
                fp_before = fingerprint(f)
                result = compute(f)
                out[i] = result
                # Only keep a result of a file that did not change while it was read.
                if fp_before is not None and fingerprint(f) == fp_before:
                    try:
                        value = json.dumps(encode(result), allow_nan=False)
                    except (TypeError, ValueError):
                        value = None  # not plain JSON (a NaN): computed again next time
                    if value is not None:
                        idx.put(kind, keys[i], fp_before, version, value)
                progress.step()
        finally:
            progress.end()
        if folder is not None:
            prefix = str(folder.absolute()).rstrip(os.sep) + os.sep
            idx.prune(kind, prefix, keys)
        return cast("list[T]", out)
    finally:
        if own:
            idx.close()


def folder_fingerprint(folder: Path) -> str:
    """One key for everything in ``folder``: the names and :func:`fingerprint` of its entries.

    Any file added, removed, grown or replaced changes it (notes beside a session too).
    """
    h = hashlib.sha256()
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    for name in names:
        h.update(name.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        h.update((fingerprint(folder / name) or "-").encode())
        h.update(b"\0")
    return h.hexdigest()


def cached_folder(
    folder: Path,
    *,
    kind: str,
    variant: str,
    version: str,
    compute: Callable[[], T],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
) -> T:
    """``compute()``, a result over a whole folder, kept in the index until anything in it changes.

    For a view that needs every session at once (``vagal history``): one entry per folder
    and ``variant`` (the options), keyed by :func:`folder_fingerprint`. A changed folder is
    recomputed by ``compute`` (which may read its files through :func:`cached_per_file`, so
    that only the new or changed ones are analysed again). Entries of an older state of the
    folder are forgotten when a new one is kept.

    Args:
        folder: The sessions folder.
        kind: What is kept ("history").
        variant: The options that change the result ("since=2026-01-01").
        version: :func:`analysis_version` of the code ``compute`` runs.
        compute: The straightforward computation.
        encode: The result as JSON-able data.
        decode: Data back to a result; raise ``TypeError``, ``ValueError`` or ``KeyError``
            when it is not a valid one (it is then recomputed).

    Returns:
        Equal to ``compute()``.
    """
    idx = open_index() if folder.is_dir() else None
    if idx is None:
        return compute()
    try:
        key = f"{folder.absolute()}\0{variant}"
        fp = folder_fingerprint(folder)
        hit = idx.get(kind, [key], version).get(key)
        if hit is not None and hit[0] == fp:
            try:
                return decode(json.loads(hit[1]))
            except (TypeError, ValueError, KeyError, AttributeError):
                pass
        result = compute()
        if folder_fingerprint(folder) == fp:
            with contextlib.suppress(TypeError, ValueError):
                idx.put(kind, key, fp, version, json.dumps(encode(result), allow_nan=False))
                idx.prune_stale(kind, f"{folder.absolute()}\0", fp)
        return result
    finally:
        idx.close()


def to_json(obj: Any) -> Any:
    """A dataclass (of dataclasses, lists, tuples, dicts and plain values) as JSON-able data."""
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    return obj


_Convert = Callable[[Any], Any]


def _plain(hint: type) -> _Convert:
    """The check of a str, int, float or bool value (an int is taken for a float)."""
    if hint is float:

        def as_float(v: Any) -> Any:
            if type(v) is float:
                return v
            if isinstance(v, int) and not isinstance(v, bool):
                return float(v)
            if not isinstance(v, float):
                raise TypeError("expected float")
            return v

        return as_float

    def checked(v: Any) -> Any:
        if not isinstance(v, hint):
            raise TypeError(f"expected {hint.__name__}")
        return v

    return checked


def _as_is(v: Any) -> Any:
    return v


@functools.lru_cache(maxsize=256)
def _converter(hint: Any) -> _Convert:
    """``data -> value`` for one type hint, built once per hint (not per value read).

    The rules: a dataclass from an object of exactly its init fields; a list, a tuple (of
    fixed or any length) or a dict from a JSON list or object, each item by its hint; an
    optional value from null; an int taken for a float; str, int, float and bool checked;
    anything else (a Literal, Any) as it is. Raises TypeError, ValueError or KeyError for data
    that does not fit.
    """
    import dataclasses
    import types
    import typing

    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_converter(hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is list:
        item = _converter(args[0]) if args else None

        def as_list(v: Any) -> Any:
            if not isinstance(v, list):
                raise TypeError("expected a list")
            return [item(x) for x in v] if item is not None else list(v)

        return as_list
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            each = _converter(args[0])

            def as_tuple_of(v: Any) -> Any:
                if not isinstance(v, list):
                    raise TypeError("expected a list")
                return tuple(each(x) for x in v)

            return as_tuple_of
        items = [_converter(a) for a in args]

        def as_tuple(v: Any) -> Any:
            if not isinstance(v, list):
                raise TypeError("expected a list")
            return tuple(c(x) for c, x in zip(items, v, strict=True))

        return as_tuple
    if origin is dict:
        val = _converter(args[1]) if args else None

        def as_dict(v: Any) -> Any:
            if not isinstance(v, dict):
                raise TypeError("expected an object")
            return {k: val(x) for k, x in v.items()} if val is not None else dict(v)

        return as_dict
    if origin in (typing.Union, types.UnionType):
        optional = type(None) in args
        inner = [a for a in args if a is not type(None)]
        one = _converter(inner[0]) if len(inner) == 1 else _as_is

        def as_union(v: Any) -> Any:
            if v is None and optional:
                return None
            return one(v)

        return as_union
    if isinstance(hint, type) and hint in (str, int, float, bool):
        return _plain(hint)
    return _as_is


def _dataclass_converter(cls: type) -> _Convert:
    """A dataclass from an object of its init fields (its fields' converters made at first use:
    a dataclass may hold itself)."""
    built: list[tuple[frozenset[str], list[tuple[str, _Convert]]]] = []

    def build(d: Any) -> Any:
        if not isinstance(d, dict):
            raise TypeError(f"expected an object for {cls.__name__}")
        if not built:
            import dataclasses
            import typing

            hints = typing.get_type_hints(cls)
            names = [f.name for f in dataclasses.fields(cls) if f.init]
            built.append((frozenset(names), [(n, _converter(hints[n])) for n in names]))
        names_set, convs = built[0]
        if d.keys() != names_set:
            raise KeyError(f"the fields of {cls.__name__} differ")
        return cls(**{n: c(d[n]) for n, c in convs})

    return build


def from_json(cls: type[T], data: Any) -> T:
    """:func:`to_json`'s data back to ``cls``, guided by its fields' type hints.

    Raises:
        TypeError, ValueError, KeyError: The data does not fit ``cls``.
    """
    import typing

    return typing.cast(T, _converter(typing.cast(Any, cls))(data))


__all__ = [
    "APPLICATION_ID",
    "INDEX_NAME",
    "SCHEMA_VERSION",
    "SessionIndex",
    "analysis_version",
    "cached_folder",
    "cached_per_file",
    "fingerprint",
    "folder_fingerprint",
    "from_json",
    "index_path",
    "open_index",
    "to_json",
]
