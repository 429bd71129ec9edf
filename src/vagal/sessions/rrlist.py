"""Plain RR lists: one interval per line, milliseconds or seconds, optional header.

This is what Kubios and Elite HRV export, and what ``../shared/data`` holds. Units are
detected from the values (a median below 10 means seconds). Blank lines and ``#``
comments are skipped. A line that is not a number (other than a first-line header) is
an error naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vagal.errors import InputFileError
from vagal.sessions.recording import Recording, from_rr

_SECONDS_MEDIAN_LIMIT = 10.0
"""A series whose median is below this is in seconds (no heart beats in < 10 ms)."""


def read_rr_list(path: str | Path, text: str | None = None) -> Recording:
    """Read a plain RR list.

    Args:
        path: The file (used for messages; read unless ``text`` is given).
        text: The file's content, if already read.

    Returns:
        A Recording with format "rr-list" (RR in ms).

    Raises:
        InputFileError: Unreadable file, a non-numeric line, or no values at all.
    """
    p = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputFileError(p, "no such file") from None
        except IsADirectoryError:
            raise InputFileError(p, "is a folder, not a file") from None
        except UnicodeDecodeError:
            raise InputFileError(p, "is not a text file") from None
        except OSError as exc:
            raise InputFileError(p, f"cannot be read ({exc.strerror})") from None
    values: list[float] = []
    first_data_line: int | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        field = line.split(",")[0].split(";")[0].split("\t")[0].strip()
        try:
            v = float(field)
        except ValueError:
            if first_data_line is None and not values:
                first_data_line = lineno  # a header line
                continue
            raise InputFileError(p, f"not an RR value: {raw.strip()[:40]!r}", line=lineno) from None
        if not np.isfinite(v) or v <= 0:
            raise InputFileError(p, f"not a positive RR value: {raw.strip()[:40]!r}", line=lineno)
        values.append(v)
    if not values:
        raise InputFileError(p, "no RR values found", line=None)
    rr = np.asarray(values, dtype=np.float64)
    unit = "ms"
    if float(np.median(rr)) < _SECONDS_MEDIAN_LIMIT:
        rr = rr * 1000.0
        unit = "s"
    return from_rr(p, "rr-list", rr, meta={"unit_in_file": unit})
