"""A two-person session file read back: ``vagal analyze PAIRFILE``, ``vagal replay PAIRFILE
--headless --json``, and the together view per part between markers (``together.segments``).

Truth: the simulated pair's coupling and lag (B follows A by ``simulated_lag_s``), the beats
the file holds (counted from its lines with the standard json module), and RMSSD computed
with numpy on each person's uncorrected beats.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

DURATION_S = "400"


def _vagal(tmp: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAGAL_DATA_DIR": str(tmp / "data"), "HOME": str(tmp)}
    env.pop("VAGAL_SESSIONS_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "vagal", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=tmp, timeout=300, check=False,
    )  # fmt: skip


@functools.cache
def _recorded(tmp: Path, *extra: str) -> tuple[Path, dict[str, Any]]:
    path = tmp / f"pair{len(extra)}.vagal.jsonl"
    out = _vagal(tmp, "demo", "--pair", "--headless", "--json", "--speed", "max", "--duration", DURATION_S,
                 "--seed", "4", "--coupling", "0.8", "--names", "Sam,Alex", "--record", path, *extra)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return path, json.loads(out.stdout)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pairfiles")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _with_marker(tmp: Path, path: Path, t_s: float, label: str) -> Path:
    """The same session with a marker at ``t_s`` (written where it happened, as the app would)."""
    lines = path.read_text().splitlines()
    out, placed = [lines[0]], False
    for line in lines[1:]:
        if not placed and json.loads(line)["t"] > t_s:
            out.append(json.dumps({"t": t_s, "type": "marker", "label": label}))
            placed = True
        out.append(line)
    marked = tmp / f"marked-{label}.vagal.jsonl"
    marked.write_text("\n".join(out) + "\n")
    return marked


def test_analyze_a_pair_file_gives_each_person_and_together(tmp: Path) -> None:
    path, demo = _recorded(tmp)
    out = _vagal(tmp, "analyze", path, "--json", "--no-correct")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert [(p["person"], p["name"]) for p in res["people"]] == [(0, "Sam"), (1, "Alex")]
    lines = _lines(path)
    for person, p in enumerate(res["people"]):
        beats = [x for x in lines[1:] if x["type"] == "beat" and x.get("person", 0) == person
                 and not x.get("settling")]  # fmt: skip
        assert p["n_beats"] == len(beats)
        rr = np.array([b["rr_ms"] for b in beats])
        # No gaps in this simulated session: RMSSD over every successive difference.
        assert p["rmssd_ms"] == pytest.approx(float(np.sqrt(np.mean(np.diff(rr) ** 2))), rel=1e-3)
    t = res["together"]
    assert t["above_chance"] is True and t["segments"] == []
    assert t["wcc_lag_s_median"] == pytest.approx(demo["simulated_lag_s"], abs=1.0)
    text = _vagal(tmp, "analyze", path)
    assert text.returncode == 0 and "Together" in text.stdout and "Sam" in text.stdout and "Alex" in text.stdout
    assert "Lined up" not in text.stdout  # one file holds both: nothing was lined up


def test_replay_a_pair_file_headless_gives_the_summary_for_two(tmp: Path) -> None:
    path, demo = _recorded(tmp)
    out = _vagal(tmp, "replay", path, "--headless", "--json", "--speed", "max")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["source"] == "replay" and [p["name"] for p in res["people"]] == ["Sam", "Alex"]
    lines = _lines(path)
    for person, p in enumerate(res["people"]):
        n = sum(x["type"] == "beat" and x.get("person", 0) == person and not x.get("settling") for x in lines[1:])
        assert p["n_beats"] == n > 400
    assert res["together"]["above_chance"] is True
    assert res["together"]["live_updates"] >= 50  # the live view ran every 5 s after 2 min
    # The replay folds what the session folded: the same figures as the session's own summary.
    for key in ("wcc_peak_r_mean", "surrogate_p95", "wcc_lag_s_median"):
        assert res["together"][key] == demo["together"][key]


def test_together_per_part_between_markers(tmp: Path) -> None:
    path, _ = _recorded(tmp)
    marked = _with_marker(tmp, path, 60.0, "talked")
    for cmd in (("analyze", marked, "--json"), ("replay", marked, "--headless", "--json", "--speed", "max")):
        out = _vagal(tmp, *cmd)
        assert out.returncode == 0, out.stderr
        segments = json.loads(out.stdout)["together"]["segments"]
        first, second = segments
        assert (first["label"], first["start_s"], first["end_s"]) == ("start", 0.0, 60.0)
        assert second["label"] == "talked" and second["start_s"] == 60.0
        assert first["above_chance"] is None and "shorter than two minutes" in first["reason"]
        assert second["above_chance"] is True  # 5 min 40 s of a coupled pair


def test_own_guides_are_read_back_from_the_file(tmp: Path) -> None:
    path, _ = _recorded(tmp, "--pace", "6,8")
    out = _vagal(tmp, "replay", path, "--headless", "--json", "--speed", "max")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["shared_guide"] is False
    assert [p["guide_rate_per_min"] for p in res["people"]] == [6.0, 8.0]


def test_a_pair_file_without_beats_is_one_line_and_exit_2(tmp: Path) -> None:
    path, _ = _recorded(tmp)
    empty = tmp / "empty.vagal.jsonl"
    empty.write_text(path.read_text().splitlines()[0] + "\n")
    for cmd in (("replay", empty, "--headless"), ("analyze", empty)):
        out = _vagal(tmp, *cmd)
        assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
        assert "Traceback" not in out.stderr
