"""The eyes-closed cues: soft tones, told apart by pitch, played without blocking."""

from __future__ import annotations

import io
import struct
import sys
import wave
from itertools import pairwise
from pathlib import Path

import pytest

from vagal.ui.sound import SAMPLE_RATE_HZ, TONE_S, TONES_HZ, VOLUME, Cues, tone_wav


def _samples(data: bytes) -> list[int]:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, SAMPLE_RATE_HZ)
        raw = w.readframes(w.getnframes())
    return [v for (v,) in struct.iter_unpack("<h", raw)]


def test_tone_is_soft_short_and_starts_and_ends_silently() -> None:
    s = _samples(tone_wav(440.0))
    assert len(s) == round(TONE_S * SAMPLE_RATE_HZ)
    assert max(abs(v) for v in s) <= VOLUME * 32767 + 1
    assert max(abs(v) for v in s) > 0.9 * VOLUME * 32767
    assert abs(s[0]) < 50 and abs(s[-1]) < 50  # faded: no click


def test_tone_has_the_pitch_asked_for() -> None:
    s = _samples(tone_wav(TONES_HZ["inhale"]))
    crossings = sum(1 for a, b in pairwise(s) if a < 0 <= b)
    assert crossings == pytest.approx(TONES_HZ["inhale"] * TONE_S, abs=2)
    assert TONES_HZ["inhale"] > TONES_HZ["exhale"]  # in-breath higher, out-breath lower


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"freq_hz": 0.0}, "freq_hz"),
        ({"freq_hz": 440.0, "duration_s": 0.0}, "duration_s"),
        ({"freq_hz": 440.0, "volume": 1.5}, "volume"),
    ],
)
def test_tone_rejects_bad_parameters(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        tone_wav(**kwargs)


@pytest.mark.skipif(sys.platform == "win32", reason="uses a POSIX stand-in player")
def test_cues_play_through_the_player_and_clean_up(tmp_path: Path) -> None:
    log = tmp_path / "played.txt"
    player = tmp_path / "player"
    player.write_text(f'#!/bin/sh\nhead -c 4 "$1" >> {log}\necho " $1" >> {log}\n')
    player.chmod(0o755)
    rings: list[int] = []
    cues = Cues(lambda: rings.append(1), player=[str(player)])
    cues.play("inhale")
    cues.play("exhale")
    for child in cues._children:
        child.wait(timeout=5)
    lines = log.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["RIFF", "RIFF"]
    assert lines[0].endswith("inhale.wav") and lines[1].endswith("exhale.wav")
    assert rings == []
    folder = Path(lines[0].split()[1]).parent
    cues.close()
    assert not folder.exists()


def test_without_a_player_the_bell_is_the_cue() -> None:
    rings: list[int] = []
    cues = Cues(lambda: rings.append(1), player=[])
    cues.play("exhale")
    assert rings == [1] and cues.played == ["exhale"]


def test_a_player_that_cannot_start_falls_back_to_the_bell(tmp_path: Path) -> None:
    rings: list[int] = []
    cues = Cues(lambda: rings.append(1), player=[str(tmp_path / "missing-player")])
    cues.play("inhale")
    cues.play("exhale")
    assert rings == [1, 1] and cues.player == []
    cues.close()
