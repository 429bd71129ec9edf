"""The eyes-closed cues: soft tones, told apart by pitch, played without blocking."""

from __future__ import annotations

import io
import math
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


def _crossings(s: list[int]) -> int:
    return sum(1 for a, b in pairwise(s) if a < 0 <= b)


def test_a_steady_tone_has_the_pitch_asked_for() -> None:
    s = _samples(tone_wav(440.0))
    assert _crossings(s) == pytest.approx(440.0 * TONE_S, abs=2)


@pytest.mark.parametrize("phase", ["inhale", "exhale"])
def test_the_in_breath_glides_up_and_the_out_breath_down(phase: str) -> None:
    """Told apart without an ear for pitch: the direction of the glide, counted in cycles."""
    start_hz, end_hz = TONES_HZ[phase]
    s = _samples(tone_wav(start_hz, to_hz=end_hz))
    third = len(s) // 3
    first, last = _crossings(s[:third]), _crossings(s[-third:])
    # The pitch at each end of a geometric glide, counted over a third of the tone each.
    seconds = third / SAMPLE_RATE_HZ
    ratio = end_hz / start_hz
    expect_first = start_hz * seconds * (ratio ** (1 / 3) - 1) / ((1 / 3) * math.log(ratio))
    expect_last = end_hz * seconds * (1 - ratio ** (-1 / 3)) / ((1 / 3) * math.log(ratio))
    assert first == pytest.approx(expect_first, abs=2) and last == pytest.approx(expect_last, abs=2)
    assert (last > first + 5) if phase == "inhale" else (first > last + 5)


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
    # One write per play (O_APPEND keeps a short line whole), and each player waited for before
    # the next starts: two players running at once must not interleave their lines.
    player.write_text(f'#!/bin/sh\nprintf "%s %s\\n" "$(head -c 4 "$1")" "$1" >> {log}\n')
    player.chmod(0o755)
    rings: list[int] = []
    cues = Cues(lambda: rings.append(1), player=[str(player)])
    for phase in ("inhale", "exhale"):
        cues.play(phase)
        for child in cues._children:
            child.wait(timeout=5)
    lines = log.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["RIFF", "RIFF"]
    assert lines[0].endswith("inhale.wav") and lines[1].endswith("exhale.wav")
    assert rings == []
    folder = Path(lines[0].split()[1]).parent
    cues.close()
    assert not folder.exists()


def test_without_a_player_the_bell_rings_only_when_chosen_and_once_a_breath() -> None:
    """Some terminals flash on a bell: never by surprise, and one ring a breath, not four."""
    rings: list[int] = []
    cues = Cues(lambda: rings.append(1), player=[])
    assert cues.kind == "bell" or sys.platform == "win32"
    cues.play("exhale")
    cues.play("inhale")
    assert rings == [] and cues.played == ["exhale", "inhale"]
    cues.allow_bell = True
    for phase in ("inhale", "hold_in", "exhale", "hold_out"):
        cues.play(phase)
    assert rings == [1]


def test_a_player_that_cannot_start_is_dropped_and_rings_no_bell_unasked(tmp_path: Path) -> None:
    rings: list[int] = []
    cues = Cues(lambda: rings.append(1), player=[str(tmp_path / "missing-player")])
    cues.play("inhale")
    cues.play("exhale")
    assert rings == [] and cues.player == []
    cues.close()
