"""Read any supported file into a :class:`~vagal.sessions.recording.Recording`.

``load_recording(path)`` detects the format from the content (not only the name) and
dispatches to the reader. Readers for further formats register in ``_detect``.
"""

from __future__ import annotations

from pathlib import Path

from vagal.errors import InputFileError
from vagal.sessions.recording import Recording
from vagal.sessions.rrlist import read_rr_list


def _read_bytes(path: str | Path) -> bytes:
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputFileError(str(path), "no such file") from None
    except IsADirectoryError:
        raise InputFileError(str(path), "is a folder, not a file") from None
    except OSError as exc:
        raise InputFileError(str(path), f"cannot be read ({exc.strerror})") from None


def load_recording(path: str | Path) -> Recording:
    """Read a recording in any supported format.

    Raises:
        InputFileError: The file is missing, unreadable, or holds no usable RR values;
            the message names the file and, where it can, the line.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(str(path), "no such file")
    if p.is_dir():
        raise InputFileError(str(path), "is a folder, not a file")
    data = _read_bytes(p)
    if not data.strip():
        raise InputFileError(str(path), "the file is empty")
    from vagal.sessions.reader import looks_like_session, read_session

    if looks_like_session(data[:4096]):
        return read_session(p, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(str(path), "is not a text file") from None
    return read_rr_list(p, text)
