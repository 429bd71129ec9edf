"""What a person asked of a session, as one frozen value: :class:`SessionOptions`.

Design decision: the command line stops at ``vagal.commands``. Each session command
(``demo``, ``live``, ``replay``) turns its parsed arguments into a ``SessionOptions`` once,
and everything below (the session runner, the recorder, the dashboard) is handed that,
never an ``argparse.Namespace``: a layer below the CLI reads typed fields with units in
their names instead of looking attributes up by name. It lives here, beside
:mod:`vagal.events` and :mod:`vagal.clock`, rather than in ``vagal.commands``, because
``vagal.ui`` and ``vagal.sessions`` read it and must not import the commands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SessionMode = Literal["demo", "live", "replay"]
"""Which command runs the session: the simulator, a strap, or a recorded file."""
AssessmentKind = Literal["resonance"]
"""What a session assesses: the resonance frequency (``vagal resonance``)."""


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """The options of one demo, live or replay session (defaults as on the command line)."""

    mode: SessionMode = "demo"
    """Which command runs it."""
    people: int = 1
    """How many people are measured together (one today; a shared session has two)."""
    devices: tuple[str, ...] = ()
    """Which straps, by name or address (``--device``); empty: the only one in range."""
    pace: str = "resonance"
    """The breathing pattern as given: a rate, a preset or IN:OUT[:HOLD_IN[:HOLD_OUT]] (``--pace``)."""
    ramp_from: str = "off"
    """Start the guide at this rate (breaths/min) and slow it to the pattern, or "off" (``--ramp-from``)."""
    record: Path | None = None
    """Record to exactly this file (``--record``); None: the default file in the sessions folder."""
    no_record: bool = False
    """Do not record (``--no-record``; always so for a replay)."""
    label: str | None = None
    """Who or what is recorded, stored in the session (``--label``)."""
    speed: float = 1.0
    """Session seconds per wall second: 1 in real time, ``inf`` as fast as possible (``--speed``)."""
    duration_s: float | None = None
    """Stop after this much session time, seconds (``--duration``); None: at the end or on quitting."""
    headless: bool = False
    """No dashboard: progress lines on stderr, a summary at the end (``--headless``)."""
    json: bool = False
    """With ``headless``: print the summary as JSON (``--json``)."""
    sound: bool = False
    """A soft cue at each change of breath (``--sound``)."""
    seed: int | None = None
    """The simulated person's random seed (demo); stored in the summary and the recording."""
    assessment: AssessmentKind | None = None
    """The session is an assessment (``vagal resonance``): its guide follows the assessment's
    schedule, not ``pace`` (which gives only the inhale:exhale ratio); None: a practice session."""

    def __post_init__(self) -> None:
        if self.people < 1:
            raise ValueError(f"people must be at least 1, got {self.people!r}")
        if not self.speed > 0:
            raise ValueError(f"speed must be > 0 session seconds per second, got {self.speed!r}")
        if self.duration_s is not None and not (math.isfinite(self.duration_s) and self.duration_s > 0):
            raise ValueError(f"duration_s must be a positive number of seconds, got {self.duration_s!r}")

    @property
    def recording(self) -> bool:
        """True when this session is to be recorded (a replay never is)."""
        return self.mode != "replay" and not self.no_record


__all__ = ["AssessmentKind", "SessionMode", "SessionOptions"]
