"""``vagal report SESSION`` on a session recorded by ``vagal resonance``: the one-page
assessment report, its text read back with pypdf and set against the command's own
``--from SESSION --json`` (the same scoring, so the same figures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vagal.cli import main


@pytest.mark.slow
def test_the_assessment_report_says_what_the_command_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pypdf = pytest.importorskip("pypdf")
    session = tmp_path / "a.vagal.jsonl"
    label = "cost $5 $x$ <b>"
    assert main(["resonance", "--demo", "--headless", "--speed", "max", "--seed", "3",
                 "--resonance-rate", "5.5", "--label", label, "--record", str(session)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["resonance", "--from", str(session), "--json", "--no-keep"]) == 0
    d = json.loads(capsys.readouterr().out)
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(session), "-o", "r.pdf"]) == 0
    reader = pypdf.PdfReader(tmp_path / "r.pdf")
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    flat = " ".join(text.split())
    assert label in flat  # literal: no mathtext
    best = d["best_rate_per_min"]
    assert f"Your rate: {best:g} breaths/min" in flat
    assert ("clearly" in flat) == (d["confidence"] == "clear")
    assert "Capdevila" in flat and "along with the guide" in flat
    lines = text.splitlines()
    for step in d["steps"]:
        row = next(ln for ln in lines if ln.split()[:1] == [f"{step['rate_per_min']:g}"]
                   and len(ln.split()) >= 8)  # fmt: skip
        words = row.split()
        assert float(words[2]) == pytest.approx(step["rsa_bpm"], abs=0.051)
        assert float(words[-1]) == pytest.approx(step["score"], abs=0.0051)
