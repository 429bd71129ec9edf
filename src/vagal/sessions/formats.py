"""Read any supported file into a :class:`~vagal.sessions.recording.Recording`.

``load_recording(path)`` detects the format from the content (not only the name) and
dispatches to the reader. Readers for further formats register in ``_detect``.
"""

from __future__ import annotations

from pathlib import Path

from vagal.errors import InputFileError
from vagal.sessions.recording import Recording
from vagal.sessions.rrlist import read_rr_list


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
    return read_rr_list(p)
