"""Where vagal keeps things, and how it keeps them private.

``VAGAL_DATA_DIR`` overrides the data folder, ``VAGAL_SESSIONS_DIR`` the sessions folder and
``VAGAL_CONFIG_DIR`` the config folder (tests point them at a temporary folder).

Design decision: heart data is health data. Every folder vagal creates is 0700 and every
file it creates is 0600 (owner only), whatever the umask: the mode is set explicitly
after creating, because a umask only ever removes bits and a umask of 000 would otherwise
give 0644 from a careless ``open``. :func:`private_dir` and :func:`open_private` (or
:func:`create_private` for a raw descriptor) are the one way in: the recorder, ``convert``
and exports, and the notes beside a session use them. A data folder made by an older vagal
with 0755 is tightened to 0700 the first time vagal creates something in it (silently: it
is vagal's own folder); nothing outside vagal's data and sessions folders is ever
chmod-ed, only the folders and files vagal itself creates.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO, BinaryIO, Final, Literal, TextIO, overload

_PACKAGE_DIR = Path(__file__).resolve().parent

PRIVATE_DIR_MODE: Final = 0o700
"""Folders vagal creates: only their owner may list or enter them."""
PRIVATE_FILE_MODE: Final = 0o600
"""Files vagal creates: only their owner may read or write them."""


def data_dir() -> Path:
    """The user's vagal data folder (platformdirs), or ``$VAGAL_DATA_DIR``."""
    env = os.environ.get("VAGAL_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("vagal", appauthor=False))


def sessions_dir() -> Path:
    """The folder that holds recorded sessions (created on first use by the recorder)."""
    env = os.environ.get("VAGAL_SESSIONS_DIR")
    return Path(env) if env else data_dir() / "sessions"


def config_dir() -> Path:
    """The user's vagal config folder (platformdirs), or ``$VAGAL_CONFIG_DIR``: what vagal keeps
    for the person besides recordings (their own breathing pace from ``vagal resonance``)."""
    env = os.environ.get("VAGAL_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("vagal", appauthor=False))


def _own_roots() -> list[Path]:
    """vagal's data and sessions folders (resolved), the only existing folders it tightens."""
    try:
        return list({data_dir().resolve(), sessions_dir().resolve()})
    except (OSError, RuntimeError):
        return []


def _tighten(folder: Path) -> None:
    """chmod 0700 an existing folder of the current user that others may read or enter."""
    with contextlib.suppress(OSError):  # not ours to change (another owner, read-only disk): leave it
        st = folder.stat()
        if stat.S_IMODE(st.st_mode) & 0o077 and st.st_uid == getattr(os, "getuid", lambda: st.st_uid)():
            os.chmod(folder, PRIVATE_DIR_MODE)


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Make sure the folder ``path`` exists, with every folder created here private (0700).

    Missing folders (and missing parents) are created 0700 whatever the umask. An existing
    folder is left as it is, except vagal's own data and sessions folders and the folders
    between them and ``path``, which are tightened to 0700 when others may read them: a
    folder made by an older vagal with 0755 becomes private on first use. Nothing above
    vagal's folders (``~/.local/share``, the home folder) is touched.

    Args:
        path: The folder.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        OSError: A folder could not be created (a file is in the way, no permission,
            the disk is full).
    """
    folder = Path(path)
    missing: list[Path] = []
    p = folder
    while not p.is_dir():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it a moment ago
            d.mkdir(mode=PRIVATE_DIR_MODE)
        if not d.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(d))
        os.chmod(d, PRIVATE_DIR_MODE)  # the umask may have removed bits (0o700 & ~0o277)
    try:
        target = folder.resolve()
    except (OSError, RuntimeError):
        return folder
    for root in _own_roots():
        if target == root or root in target.parents:
            # The folders from the root down to ``path`` that already existed (older vagal's 0755).
            for d in [target, *target.parents]:
                _tighten(d)
                if d == root:
                    break
    return folder


def create_private(path: str | os.PathLike[str], *, append: bool = False, tighten: bool = False) -> int:
    """Open ``path`` for writing as a raw descriptor; a file created here is 0600.

    Args:
        path: The file. Its folder must exist (see :func:`private_dir`).
        append: False (the default): create the file, refusing an existing one
            (``O_EXCL``: never overwrite, and no race between two processes). True: append
            to the file, creating it (0600) if missing; an existing file keeps its mode,
            unless ``tighten``.
        tighten: With ``append``, put an existing file back to 0600 too (the notes beside
            a session: what a person noted is always private).

    Returns:
        A file descriptor opened for writing (``O_APPEND`` when ``append``); the caller closes it.

    Raises:
        FileExistsError: ``path`` exists and ``append`` is False.
        OSError: It cannot be created (no permission, the disk is full…).
    """
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if append:
        try:
            fd = os.open(path, flags | os.O_EXCL | os.O_APPEND, PRIVATE_FILE_MODE)
        except FileExistsError:
            fd = os.open(path, (flags & ~os.O_CREAT) | os.O_APPEND)
            if not tighten:
                return fd
    else:
        fd = os.open(path, flags | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        # Explicitly: the umask only removes bits, but a file must never be more open than 0600.
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


@overload
def open_private(path: str | os.PathLike[str], mode: Literal["x", "a"] = "x") -> TextIO: ...
@overload
def open_private(path: str | os.PathLike[str], mode: Literal["xb", "ab"]) -> BinaryIO: ...
def open_private(
    path: str | os.PathLike[str], mode: Literal["x", "a", "xb", "ab"] = "x"
) -> IO[str] | IO[bytes]:
    """Open a file vagal writes, private to the user (0600 when created here).

    Text modes write UTF-8 with ``\\n`` line ends. Use it for everything that holds a
    person's data: sessions, converted files, exports, the notes beside a session, reports.

    Args:
        path: The file. Its folder must exist (see :func:`private_dir`).
        mode: "x" / "xb": create, refusing an existing file (never overwrite);
            "a" / "ab": append, creating it if missing.

    Returns:
        An open file object (the caller closes it).

    Raises:
        FileExistsError: ``path`` exists and the mode is "x" or "xb".
        OSError: It cannot be created.
    """
    if mode not in ("x", "a", "xb", "ab"):
        raise ValueError(f"mode must be 'x', 'a', 'xb' or 'ab', got {mode!r}")
    fd = create_private(path, append=mode.startswith("a"))
    try:
        if mode.endswith("b"):
            return os.fdopen(fd, "ab" if mode == "ab" else "wb")
        return os.fdopen(fd, "a" if mode == "a" else "w", encoding="utf-8", newline="\n")
    except BaseException:
        os.close(fd)
        raise


def bundled_dir(name: str) -> Path:
    """A bundled data folder ("devices" or "samples").

    In an installed wheel it lives in ``vagal/_data/``; in a source checkout (or an
    editable install) it is the top-level folder of the repository.
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent.parent / name
