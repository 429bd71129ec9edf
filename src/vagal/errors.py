"""One error hierarchy for everything vagal reports to a person.

Library code raises these with enough structure for each boundary (CLI, TUI) to render
them: the CLI prints ``str(error)`` as one line on stderr and exits with status 2; the TUI
shows a calm notification. ``hint`` carries the one sentence that says what to do.
"""

from __future__ import annotations


class VagalError(Exception):
    """Base class of every error vagal turns into a one-line message.

    Args:
        message: What happened, in plain words.
        hint: What the person can do about it (optional, one sentence).
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if not self.hint:
            return self.message
        # File errors end without a full stop ("…:12: not an RR value '…'"): give the hint its sentence.
        stop = "" if self.message.endswith((".", "!", "?")) else "."
        return f"{self.message}{stop} {self.hint}"


class InputFileError(VagalError):
    """A file could not be read, or holds no usable data.

    Attributes:
        path: The file.
        line: The 1-based line where the problem is, if it is at a line.
    """

    def __init__(self, path: str, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


class BluetoothError(VagalError):
    """Bluetooth is unavailable, or a strap could not be reached."""


class DeviceNotFoundError(BluetoothError):
    """No heart-rate strap matched what was asked for."""


class SessionFileError(InputFileError):
    """A session file is damaged beyond its first line (its header is unreadable)."""
