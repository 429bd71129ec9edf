"""Soft sound cues for eyes-closed practice: a short tone at each change of breath.

Design decision: no audio dependency. A tone is a tiny WAV file written once (pure
Python, :mod:`wave`), played by the platform's own player without waiting for it
(``afplay`` on macOS, ``pw-play``/``paplay``/``aplay`` on Linux, :mod:`winsound` on
Windows). Tones are gentle: soft volume, a raised-cosine fade in and out (no click). The
two phases differ twice over, so they can be told apart with the eyes closed and without
an ear for pitch: the in-breath's tone glides up (G4 → C5), the out-breath's glides down
(C5 → G4); a hold gets a quieter, steady A4.

Where no player exists (a session over SSH, a bare console) the only cue left is the
terminal's bell, and some terminals show a bell as a flash. So the bell is never the cue
by surprise: the app says so and uses it only when asked twice, and then it rings once at
each in-breath and never otherwise (one sound per breath: the in-breath is the bell, the
out-breath the silence after it). Off by default (``--sound``, or the ``c`` key).
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Final, Literal

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ: Final = 22050
TONE_S: Final = 0.35
"""Length of a cue, seconds: long enough to hear a glide, short enough not to intrude."""
FADE_S: Final = 0.06
"""Raised-cosine fade at each end, seconds (no click)."""
VOLUME: Final = 0.2
"""Peak amplitude, 0..1 of full scale: soft."""
TONES_HZ: Final[dict[str, tuple[float, float]]] = {
    "inhale": (392.0, 523.25),  # G4 → C5: rising
    "hold_in": (440.0, 440.0),  # A4, steady
    "exhale": (523.25, 392.0),  # C5 → G4: settling
    "hold_out": (440.0, 440.0),
}
"""The pitch at the start and at the end of each phase's tone, Hz."""
HOLD_VOLUME: Final = 0.12
"""A hold's tone is quieter: nothing to do but stay."""
BELL_PHASES: Final = frozenset({"inhale"})
"""With the bell as the cue, the phases it rings for (once a breath)."""
CueKind = Literal["tones", "bell"]
_PLAYERS: Final = (("afplay",), ("pw-play",), ("paplay",), ("aplay", "-q"))


def tone_wav(
    freq_hz: float, *, to_hz: float | None = None, duration_s: float = TONE_S, volume: float = VOLUME
) -> bytes:
    """A mono 16-bit WAV of a sine tone with soft edges, steady or gliding.

    Args:
        freq_hz: Pitch at the start, Hz (> 0).
        to_hz: Pitch at the end, Hz (> 0; None: the same, a steady tone). The pitch
            glides along a geometric line (even musical steps).
        duration_s: Length, seconds (> 0).
        volume: Peak amplitude as a fraction of full scale, 0..1.

    Returns:
        The WAV file's bytes.

    Raises:
        ValueError: A parameter is out of range (named in the message).
    """
    if not freq_hz > 0:
        raise ValueError(f"freq_hz must be > 0, got {freq_hz=}")
    end_hz = freq_hz if to_hz is None else to_hz
    if not end_hz > 0:
        raise ValueError(f"to_hz must be > 0, got {to_hz=}")
    if not duration_s > 0:
        raise ValueError(f"duration_s must be > 0, got {duration_s=}")
    if not 0 <= volume <= 1:
        raise ValueError(f"volume must be within 0..1, got {volume=}")
    n = max(1, round(duration_s * SAMPLE_RATE_HZ))
    fade = max(1, min(n // 2, round(FADE_S * SAMPLE_RATE_HZ)))
    frames = bytearray()
    ratio = end_hz / freq_hz
    phase = 0.0
    for i in range(n):
        edge = min(i, n - 1 - i)
        gain = 0.5 - 0.5 * math.cos(math.pi * edge / fade) if edge < fade else 1.0
        sample = volume * gain * math.sin(phase)
        frames += struct.pack("<h", round(sample * 32767))
        # The phase is the running sum of the pitch, so a glide has no jumps in it.
        phase += 2 * math.pi * freq_hz * ratio ** (i / max(1, n - 1)) / SAMPLE_RATE_HZ
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE_HZ)
        w.writeframes(bytes(frames))
    return out.getvalue()


def find_player() -> list[str] | None:
    """The command that plays a WAV file here (None: no player, or Windows' winsound)."""
    for cmd in _PLAYERS:
        path = shutil.which(cmd[0])
        if path:
            return [path, *cmd[1:]]
    return None


class Cues:
    """Plays the cue for a phase without ever blocking the screen.

    Args:
        bell: The fallback (the app's terminal bell), rung only once :attr:`allow_bell`
            is set, and only at the phases in :data:`BELL_PHASES`.
        player: The command to play a WAV file with; default: :func:`find_player`.
            ``[]`` means "bell only".
    """

    def __init__(self, bell: Callable[[], None], player: list[str] | None = None) -> None:
        self.bell = bell
        self.player = find_player() if player is None else player
        self.allow_bell = False
        """True once the person chose the bell as the cue (it may flash: never by surprise)."""
        self.played: list[str] = []
        """Phases cued so far (what a test checks)."""
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._files: dict[str, Path] = {}
        self._children: list[subprocess.Popen[bytes]] = []

    @property
    def kind(self) -> CueKind:
        """"tones" when a player (or Windows' own sound) is here, else "bell"."""
        return "tones" if self.player or sys.platform == "win32" else "bell"

    def _file(self, phase: str) -> Path:
        path = self._files.get(phase)
        if path is None:
            if self._dir is None:
                self._dir = tempfile.TemporaryDirectory(prefix="vagal-cues-")
            path = Path(self._dir.name) / f"{phase}.wav"
            start_hz, end_hz = TONES_HZ.get(phase, (440.0, 440.0))
            volume = HOLD_VOLUME if phase.startswith("hold") else VOLUME
            path.write_bytes(tone_wav(start_hz, to_hz=end_hz, volume=volume))
            self._files[phase] = path
        return path

    def play(self, phase: str) -> None:
        """Cue the start of ``phase`` ("inhale", "hold_in", "exhale", "hold_out").

        A tone for every phase when a player is here; the bell only at an in-breath.
        """
        self.played.append(phase)
        self._children = [c for c in self._children if c.poll() is None]  # reap finished players
        try:
            if sys.platform == "win32" and not self.player:
                import winsound

                winsound.PlaySound(str(self._file(phase)), winsound.SND_FILENAME | winsound.SND_ASYNC)
                return
            if self.player:
                self._children.append(
                    subprocess.Popen(
                        [*self.player, str(self._file(phase))],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                return
        except OSError as exc:
            log.info("the sound player could not start (%s)", exc)
            self.player = []
        if self.allow_bell and phase in BELL_PHASES:
            self.bell()

    def close(self) -> None:
        """Stop players still sounding and remove the tone files."""
        for child in self._children:
            if child.poll() is None:
                child.terminate()
                child.wait(timeout=1)
        self._children = []
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
            self._files = {}
