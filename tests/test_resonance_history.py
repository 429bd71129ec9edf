"""``vagal history`` lists the kept assessments; ``--default`` makes the kept pace the default.

The kept results are written through ``vagal resonance --from`` on files simulated at a
known resonance (as in tests/test_resonance_cli.py), and the listing is checked against the
kept-pace file itself, read here with plain ``json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vagal.cli import main
from vagal.pacer import ADULT_RATES_PER_MIN, PRESETS, Pacer, pattern_at_rate
from vagal.sessions.own_pace import own_pace_path
from vagal.sources.physiology import simulate_rr


def _files(tmp_path: Path, resonance: float) -> list[str]:
    files = []
    for i, rate in enumerate(ADULT_RATES_PER_MIN):
        guide = Pacer(pattern_at_rate(PRESETS["resonance"], rate))
        _, rr = simulate_rr(150.0, seed=i, breathing=guide.volume_at, resonance_rate_per_min=resonance)
        f = tmp_path / f"r{resonance}-{i}.txt"
        f.write_text("\n".join(f"{x:.3f}" for x in rr) + "\n")
        files.append(str(f))
    return files


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_history_lists_every_kept_assessment_newest_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["history", "--view", "assessments"]) == 0
    assert "none kept yet" in capsys.readouterr().out
    first = _json(capsys, "resonance", "--from", *_files(tmp_path, 6.0))
    second = _json(capsys, "resonance", "--from", *_files(tmp_path, 4.5))
    assert first["best_rate_per_min"] is not None and second["best_rate_per_min"] is not None
    kept = json.loads(own_pace_path().read_text())
    truth = [kept["latest"], *kept["past"]]
    rows = _json(capsys, "history", "--view", "assessments")["assessments"]
    assert [r["best_rate_per_min"] for r in rows] == [second["best_rate_per_min"], first["best_rate_per_min"]]
    assert [r["assessed"] for r in rows] == [t["assessed"] for t in truth]
    assert [r["confidence"] for r in rows] == [second["confidence"], first["confidence"]]
    assert all(r["source"] == "files" and r["date"] == r["assessed"][:10] for r in rows)
    # The whole history has them too, below the sessions' views.
    assert _json(capsys, "history")["assessments"] == rows
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No sessions to show yet")
    table = out[out.index("Breathing-rate assessments"):].splitlines()
    dated = [ln for ln in table if ln[:4].isdigit()]
    assert len(dated) == 2
    for line, r in zip(dated, rows, strict=True):
        words = line.split()
        assert words[0] == r["date"] and float(words[1]) == r["best_rate_per_min"]
        assert ("clearly" in line) == (r["confidence"] == "clear")
    assert "Capdevila" in out
    # --since leaves out the older ones.
    assert _json(capsys, "history", "--view", "assessments", "--since", "2999-01-01")["assessments"] == []


def test_a_damaged_past_entry_is_left_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _json(capsys, "resonance", "--from", *_files(tmp_path, 5.0))
    path = own_pace_path()
    obj = json.loads(path.read_text())
    obj["past"] = [{"rate_per_min": "fast"}]
    path.write_text(json.dumps(obj))
    rows = _json(capsys, "history", "--view", "assessments")["assessments"]
    assert len(rows) == 1 and rows[0]["best_rate_per_min"] == obj["latest"]["rate_per_min"]


def _demo_pace(capsys: pytest.CaptureFixture[str], command: str = "demo") -> float:
    s = _json(capsys, command, "--headless", "--speed", "max", "--duration", "30", "--no-record",
              "--ramp-from", "off", "--seed", "1")  # fmt: skip
    rate: float = s["pace_per_min"]
    return rate


def test_default_makes_the_kept_pace_the_pace_of_demo_without_pace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _demo_pace(capsys) == pytest.approx(6.0)  # the usual default, resonance
    d = _json(capsys, "resonance", "--from", *_files(tmp_path, 4.5), "--pace", "4:6")
    best = d["best_rate_per_min"]
    assert best is not None and best != pytest.approx(6.0) and d["own_pace_is_default"] is False
    assert _demo_pace(capsys) == pytest.approx(6.0)  # kept, but not the default until asked
    d = _json(capsys, "resonance", "--from", *_files(tmp_path, 4.5), "--default")
    assert d["own_pace_is_default"] is True
    assert json.loads(own_pace_path().read_text())["default"] is True
    assert _demo_pace(capsys) == pytest.approx(best)
    # A given --pace still wins.
    s = _json(capsys, "demo", "--pace", "5", "--headless", "--speed", "max", "--duration", "30", "--no-record",
              "--ramp-from", "off", "--seed", "1")  # fmt: skip
    assert s["pace_per_min"] == pytest.approx(5.0)
    # A later result without --default stays the default; --no-default ends it.
    assert _json(capsys, "resonance", "--from", *_files(tmp_path, 4.5))["own_pace_is_default"] is True
    assert _json(capsys, "resonance", "--from", *_files(tmp_path, 4.5), "--no-default",
                 "--no-keep")["own_pace_is_default"] is False  # fmt: skip
    assert _demo_pace(capsys) == pytest.approx(6.0)


def test_default_words_in_the_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["resonance", "--from", *_files(tmp_path, 5.0), "--default"]) == 0
    assert "Now the default pace of vagal demo and vagal live" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["resonance", "--from", *_files(tmp_path, 5.0), "--default", "--no-default"])
    assert exc.value.code == 2
