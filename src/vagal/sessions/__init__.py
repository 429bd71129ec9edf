"""Sessions: crash-safe recording, reading (with damage reports), replay and other tools' formats.

The names below are loaded on first use (``__getattr__``), so ``import vagal.sessions``
stays cheap and the recorder thread does not pull in numpy.

* :class:`~vagal.sessions.writer.Recorder`, :func:`~vagal.sessions.writer.open_recorder`: write.
* :func:`~vagal.sessions.formats.load_recording`: read any supported file.
* :func:`~vagal.sessions.segment.segments`: split a recording at its markers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vagal.sessions.formats import load_recording
    from vagal.sessions.recording import Damage, Recording
    from vagal.sessions.segment import Segment, segments
    from vagal.sessions.writer import Recorder, RecordingError, open_recorder

_LAZY = {
    "load_recording": "vagal.sessions.formats",
    "Recording": "vagal.sessions.recording",
    "Damage": "vagal.sessions.recording",
    "Segment": "vagal.sessions.segment",
    "segments": "vagal.sessions.segment",
    "Recorder": "vagal.sessions.writer",
    "RecordingError": "vagal.sessions.writer",
    "open_recorder": "vagal.sessions.writer",
}

__all__ = [
    "Damage",
    "Recorder",
    "Recording",
    "RecordingError",
    "Segment",
    "load_recording",
    "open_recorder",
    "segments",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'vagal.sessions' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
