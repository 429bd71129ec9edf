"""``vagal analyze --pair A B``: two people's recordings, side by side and together.

Truth: real recordings in ../shared/data that were certainly not made together (two
stretches of the pyhrv hour, half an hour apart) must not come out above chance; a
simulated pair whose person B follows person A (vagal.sources.physiology, coupling 0.8,
a known lag) written to two Polar Sensor Logger files must come out above chance with
the simulated lag (sign and size within 1 s), which it only can when the two files are
lined up by their start times (person B's file starts 37 s later).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import real_recordings
from vagal.hrv import analyze_rr
from vagal.pacer import Pacer
from vagal.sources.physiology import simulate_pair_rr

ONE_HOUR = next(p for p in real_recordings() if "1h" in p.name)
START = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)


def vagal(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(cwd), "VAGAL_DATA_DIR": str(cwd / "data")}
    return subprocess.run(
        [sys.executable, "-m", "vagal", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def _hour_stretch(t0: float, t1: float) -> np.ndarray:
    rr = np.loadtxt(ONE_HOUR, skiprows=1)
    t = np.cumsum(rr) / 1000.0
    return rr[(t >= t0) & (t < t1)]


def _rr_list(path: Path, rr: np.ndarray) -> Path:
    path.write_text("rr_ms\n" + "".join(f"{v:g}\n" for v in rr))
    return path


def _psl(path: Path, t_s: np.ndarray, rr_ms: np.ndarray) -> Path:
    """A Polar Sensor Logger RR file: each beat logged at its wall time START + t."""
    rows = ["Phone timestamp;RR-interval [ms]"]
    for t, v in zip(t_s, rr_ms, strict=True):
        stamp = (START + timedelta(seconds=float(t))).isoformat(timespec="milliseconds")
        rows.append(f"{stamp};{round(v)}")
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("a", "b"),
    [((0.0, 600.0), (1800.0, 2400.0)), ((1200.0, 1800.0), (2700.0, 3300.0))],
)
def test_real_recordings_not_made_together_are_not_above_chance(
    tmp_path: Path, a: tuple[float, float], b: tuple[float, float]
) -> None:
    rr_a, rr_b = _hour_stretch(*a), _hour_stretch(*b)
    fa, fb = _rr_list(tmp_path / "sam.txt", rr_a), _rr_list(tmp_path / "alex.txt", rr_b)
    out = vagal("analyze", "--pair", fa, fb, "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    together = obj["together"]
    assert together["above_chance"] is False
    assert together["n_surrogates"] == 500 and together["n_windows"] >= 100
    assert together["wcc_peak_r_mean"] < together["surrogate_p95"]
    assert together["words"] == "Each in your own rhythm right now"
    assert together["leader"] is None
    # Plain RR lists carry no start time: lined up by first beats, and the guess is said.
    assert obj["alignment"]["by"] == "first_beats" and obj["alignment"]["guessed"] is True
    assert "lined up by their first beats" in out.stderr
    assert out.stderr.count("\n") == 1
    # Per person: the one-person analysis of each file (checked against the core on the
    # same numbers, which neurokit2 cross-checks in test_hrv_analysis.py).
    people = obj["people"]
    assert [p["name"] for p in people] == ["sam.txt", "alex.txt"]
    for person, rr in zip(people, (rr_a, rr_b), strict=True):
        ref = analyze_rr(rr)
        assert person["n_beats"] == rr.size
        assert person["rmssd_ms"] == pytest.approx(ref.rmssd_ms, rel=1e-9)
        assert person["coherence"] == pytest.approx(ref.coherence, rel=1e-9)


def _coupled_files(tmp_path: Path, *, late_s: float) -> tuple[Path, Path, float, float]:
    six = Pacer()
    pb = simulate_pair_rr(660.0, seed=3, breathing=six.volume_at, coupling=0.8)
    (ta, ra), (tb, rb) = pb.a, pb.b
    keep_b = tb >= late_s  # B's strap was put on later; A's file starts first
    fa = _psl(tmp_path / "Polar_H10_A_RR.txt", ta, ra)
    fb = _psl(tmp_path / "Polar_H10_B_RR.txt", tb[keep_b], rb[keep_b])
    # Each file's session starts where its first beat's interval starts.
    offset = (tb[keep_b][0] - rb[keep_b][0] / 1000.0) - (ta[0] - ra[0] / 1000.0)
    return fa, fb, pb.lag_s, float(offset)


def test_a_simulated_coupled_pair_is_above_chance_with_its_lag(tmp_path: Path) -> None:
    fa, fb, lag, offset = _coupled_files(tmp_path, late_s=37.0)
    out = vagal("analyze", "--pair", fa, fb, "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # both files say when they started: nothing was guessed
    obj = json.loads(out.stdout)
    assert obj["alignment"]["by"] == "start_times" and obj["alignment"]["guessed"] is False
    # B's file starts 37 s after A's (to its first beat's interval): the files' times, to the ms.
    assert offset > 35.0
    assert obj["alignment"]["offset_s"] == pytest.approx(offset, abs=0.002)
    together = obj["together"]
    assert together["above_chance"] is True
    assert together["wcc_peak_r_mean"] > together["surrogate_p95"]
    assert together["wcc_lag_s_median"] > 0  # B follows A: the simulated sign
    assert together["wcc_lag_s_median"] == pytest.approx(lag, abs=1.0)  # and size
    assert together["leader"] == fa.name
    assert together["words"].startswith("Moving together")
    for key in ("wcc_peak_r_mean", "wcc_lag_s_median", "surrogate_p95", "above_chance", "shared_coherence_pct"):
        assert key in together


def test_the_same_files_lined_up_by_first_beats_lose_the_lag(tmp_path: Path) -> None:
    """Why the start times matter: B's beats 37 s off put the true lag far outside ±5 s."""
    fa, fb, lag, _ = _coupled_files(tmp_path, late_s=37.0)
    # The same beats as plain RR lists: no start times.
    from vagal.sessions.formats import load_recording

    ra, rb = load_recording(fa).rr_ms, load_recording(fb).rr_ms
    la, lb = _rr_list(tmp_path / "a.txt", ra), _rr_list(tmp_path / "b.txt", rb)
    out = vagal("analyze", "--pair", la, lb, "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    together = json.loads(out.stdout)["together"]
    assert not (together["above_chance"] and together["wcc_lag_s_median"] == pytest.approx(lag, abs=1.0))


def test_the_table_shows_both_people_and_the_together_part(tmp_path: Path) -> None:
    fa, fb, _, _ = _coupled_files(tmp_path, late_s=20.0)
    out = vagal("analyze", "--pair", fa, fb, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0]
    assert fa.name in header and fb.name in header
    assert "Together" in out.stdout and "above chance" in out.stdout
    assert f"{fb.name} follows {fa.name}" in out.stdout
    assert "by the start times both files carry" in out.stdout
    assert "not a score of the two of you" in out.stdout
    for word in ("out of sync", "fail", "poor", "score:"):
        assert word not in out.stdout.lower()


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    good = _rr_list(tmp_path / "good.txt", _hour_stretch(0.0, 300.0))
    one = tmp_path / "one.txt"
    one.write_text("rr_ms\n800\n")
    cases = [
        ("analyze", "--pair", good, tmp_path / "missing.txt"),
        ("analyze", "--pair", good, one),
        ("analyze", "--pair", good, tmp_path),
        ("analyze", "--pair", good, good, good),
        ("analyze",),
    ]
    for args in cases:
        out = vagal(*args, cwd=tmp_path)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert out.stdout == ""
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert "Traceback" not in out.stderr


def test_two_separate_demo_sessions_with_the_guide_use_it_and_are_not_above_chance(tmp_path: Path) -> None:
    """Two independent simulated people (seeds 1 and 2), each recorded by its own demo with
    the same guide: lined up by the sessions' start times, each person's guide (from the
    file) goes into the null, so their guide-driven likeness is not taken for moving together."""
    files = []
    for seed in (1, 2):
        path = tmp_path / f"demo{seed}.vagal.jsonl"
        made = vagal(
            "demo", "--headless", "--speed", "max", "--duration", "600", "--seed", str(seed), "--record", path,
            cwd=tmp_path,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        files.append(path)
    out = vagal("analyze", "--pair", *files, "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert obj["alignment"]["by"] == "start_times" and out.stderr == ""
    together = obj["together"]
    assert together["above_chance"] is False
    assert together["wcc_peak_r_mean"] > 0.7  # alike by construction: both follow the guide
    assert together["shared_coherence_pct"] is not None and together["shared_coherence_pct"] > 50.0
    assert together["words"] == "Both with the guide, each in your own rhythm"
