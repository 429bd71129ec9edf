"""``vagal analyze`` through a real subprocess: exit codes, stdout versus stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import real_recordings

FIVE_MIN = next(p for p in real_recordings() if "5min" in p.name)
ONE_HOUR = next(p for p in real_recordings() if "1h" in p.name)


def vagal(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(cwd), "VAGAL_DATA_DIR": str(cwd / "data")}
    return subprocess.run(
        [sys.executable, "-m", "vagal", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_table_for_one_file(tmp_path: Path) -> None:
    out = vagal("analyze", FIVE_MIN, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert "RMSSD (ms)" in out.stdout and "LF/HF" in out.stdout and "DFA α2" in out.stdout
    assert "needs at least 640 beats" in out.stdout  # why α2 is blank
    assert "Not a medical device" in out.stdout


def test_table_puts_several_files_side_by_side(tmp_path: Path) -> None:
    out = vagal("analyze", FIVE_MIN, ONE_HOUR, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0]
    assert FIVE_MIN.name in header and ONE_HOUR.name in header
    row = next(line for line in out.stdout.splitlines() if line.strip().startswith("beats"))
    assert "337" in row and "4,684" in row


def test_json_one_object_with_the_issue_keys(tmp_path: Path) -> None:
    out = vagal("analyze", "--json", FIVE_MIN, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert isinstance(obj, dict)
    for key in ("n_beats", "rmssd_ms", "lf_hf", "sd1_ms", "sampen", "dfa_alpha1", "coherence"):
        assert key in obj
    assert obj["n_beats"] == 337
    assert obj["dfa_alpha2"] is None
    assert obj["file"] == str(FIVE_MIN)
    assert obj["psd_method"] == "welch"


def test_json_array_for_several_files_and_options(tmp_path: Path) -> None:
    out = vagal("analyze", "--json", "--no-correct", "--psd", "lomb", FIVE_MIN, ONE_HOUR, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    arr = json.loads(out.stdout)
    assert [o["n_beats"] for o in arr] == [337, 4684]
    corrected = json.loads(vagal("analyze", "--json", ONE_HOUR, cwd=tmp_path).stdout)
    assert arr[1]["rmssd_ms"] > corrected["rmssd_ms"]  # --no-correct leaves the artifacts in


def test_a_bad_file_is_one_line_naming_file_and_line_and_the_others_still_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("rr_ms\n800\n810\noops\n820\n")
    missing = tmp_path / "missing.csv"
    out = vagal("analyze", "--json", bad, FIVE_MIN, missing, cwd=tmp_path)
    assert out.returncode == 2
    errors = out.stderr.strip().splitlines()
    assert len(errors) == 2
    assert f"{bad}:4" in errors[0] and "oops" in errors[0]
    assert str(missing) in errors[1]
    assert "Traceback" not in out.stderr
    arr = json.loads(out.stdout)
    assert [o["n_beats"] for o in arr] == [337]


def test_a_file_without_rr_values(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("rr_ms\n")
    out = vagal("analyze", empty, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stdout == ""
    assert str(empty) in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_a_short_recording_is_analysed_calmly(tmp_path: Path) -> None:
    short = tmp_path / "short.txt"
    short.write_text("\n".join(str(v / 1000) for v in [812, 830, 845, 801, 790, 822, 840] * 6))  # seconds
    out = vagal("analyze", short, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "needs 1 min of beats" in out.stdout


@pytest.mark.parametrize("flag", ["--psd=burg"])
def test_bad_option_is_refused_by_the_parser(tmp_path: Path, flag: str) -> None:
    out = vagal("analyze", flag, FIVE_MIN, cwd=tmp_path)
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def test_notes_name_each_blank_row_once(nsr_5min: object) -> None:
    """85 s of real beats: LF (ms²) and LF (n.u.) are both blank, and the note tells them apart."""
    import numpy as np

    from vagal.commands.analyze import render_table
    from vagal.hrv import analyze_rr

    rr = np.asarray(nsr_5min)[:100]
    table = render_table([("short.txt", analyze_rr(rr))], psd="welch", corrected=True)
    (lf_note,) = [line for line in table.splitlines() if "LF/HF" in line and line.startswith("—")]
    names = lf_note[2:].split(":")[0].split(", ")
    assert len(names) == len(set(names)), lf_note
    assert "LF (n.u.)" in names and "HF (n.u.)" in names


def test_notes_tell_the_heart_rate_rows_apart_and_sum_up_a_blank_column(nsr_5min: object) -> None:
    """A record of nothing but one 20 s drop-out: every metric is blank for one reason.

    The note listed all 28 rows, "heart rate" three times over. (Real beats around such a
    drop-out are analysed since the real-data accuracy work: it is a gap, so the fixture is the drop-out alone.)
    """
    import numpy as np

    from vagal.commands.analyze import _short, render_table
    from vagal.hrv import analyze_rr

    rr = np.array([20000.0])
    table = render_table(
        [("clean.txt", analyze_rr(nsr_5min)), ("dropout.txt", analyze_rr(rr, correct=False))], psd="welch", corrected=False
    )
    assert "— every metric (dropout.txt): 1 RR value(s) outside" in table
    assert _short("heart rate (bpm, of mean NN)") != _short("heart rate (bpm, mean of beats)")
    assert _short("RMSSD (ms)") == "RMSSD" and _short("LF (n.u.)") == "LF (n.u.)"


def test_json_carries_what_the_table_shows_with_the_issue_keys_first(tmp_path: Path) -> None:
    """Min and max heart rate, SD2/SD1 and the mean of the beats' rates, which the table shows,
    are in --json too; the 25 keys of the first version stay first and in their order."""
    from tests.conftest import load_rr
    from vagal.hrv.analysis import JSON_KEYS

    out = vagal("analyze", "--json", "--no-correct", FIVE_MIN, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert list(obj)[:27] == ["file", "psd_method", *JSON_KEYS]
    assert list(obj)[27:] == ["quality", "mean_inst_hr_bpm", "min_hr_bpm", "max_hr_bpm", "sd2_sd1", "reasons"]
    # Truth from the file itself (uncorrected, so every interval is the file's own).
    rr = load_rr(FIVE_MIN)
    assert obj["min_hr_bpm"] == pytest.approx(60000.0 / rr.max(), rel=1e-12)
    assert obj["max_hr_bpm"] == pytest.approx(60000.0 / rr.min(), rel=1e-12)
    assert obj["mean_inst_hr_bpm"] == pytest.approx(float((60000.0 / rr).mean()), rel=1e-12)
    assert obj["sd2_sd1"] == pytest.approx(obj["sd2_ms"] / obj["sd1_ms"], rel=1e-12)
    # and against neurokit2's Poincaré plot of the same beats (as tests/test_hrv_nonlinear.py calls it)
    pytest.importorskip("neurokit2")
    import importlib

    ref = importlib.import_module("neurokit2.hrv.hrv_nonlinear")._hrv_nonlinear_poincare(rr, rri_time=None, out={})
    assert obj["sd2_sd1"] == pytest.approx(float(ref["SD2"]) / float(ref["SD1"]), rel=0.01)


def test_json_says_why_each_missing_value_is_missing(tmp_path: Path) -> None:
    """A `reasons` object: for every null, the plain sentence the table's notes give; nothing else."""
    short = tmp_path / "short.txt"
    short.write_text("\n".join(str(v) for v in [812, 830, 845, 801, 790, 822, 840] * 12))  # ~70 s
    out = vagal("analyze", "--json", short, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    nulls = {k for k, v in obj.items() if v is None}
    assert nulls and set(obj["reasons"]) == nulls
    assert obj["reasons"]["lf_hf"].startswith("needs 2 min of beats without a gap")
    assert obj["reasons"]["vlf_ms2"].startswith("needs 5 min of beats without a gap")
    assert obj["reasons"]["dfa_alpha2"] == "needs at least 640 beats"
    table = vagal("analyze", short, cwd=tmp_path).stdout
    for key, reason in obj["reasons"].items():
        assert f": {reason}." in table, key  # the same words as the table's notes
