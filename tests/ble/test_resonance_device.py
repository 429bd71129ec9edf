"""``vagal resonance --device`` through unmodified bleak against the D-Bus stand-in strap.

A short assessment (two rates of a few seconds: the minimum step and the settling times
are patched down, the strap's beats come in real time) that records its steps as
``AssessmentStep`` events beside the guide's changes, as a strap session of the real
protocol does. The scores of so short a step mean nothing; this checks the path from the
strap to the recorded assessment.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vagal.cli import main
from vagal.events import AssessmentStep, Beat, PacerChanged
from vagal.sessions.reader import read_session

if TYPE_CHECKING:
    from tests.ble.fake_hr_strap import FakeHrStrap

pytestmark = pytest.mark.ble


def test_a_short_assessment_on_the_strap_records_its_steps(
    strap: FakeHrStrap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.ble.fake_hr_strap import hr_payload
    from vagal.commands import resonance
    from vagal.pacer import resonance_schedule

    monkeypatch.setattr(resonance, "MIN_STEP_S", 1.0)

    def short(rates: Any, base: Any, *, step_s: float, ramp_from_per_min: float | None) -> Any:
        return resonance_schedule(rates, base=base, step_s=step_s, settle_s=1.0, first_settle_s=1.0,
                                  ramp_s=0.5)  # fmt: skip

    monkeypatch.setattr(resonance, "make_schedule", short)
    stop = threading.Event()

    def beats() -> None:  # 75 bpm, one beat every 0.8 s with its RR, in real time
        while not stop.wait(0.8):
            if strap.is_notifying():
                strap.push_hr(hr_payload(75, [819]))

    pusher = threading.Thread(target=beats, daemon=True)
    pusher.start()
    out = tmp_path / "a.vagal.jsonl"
    try:
        code = main(["resonance", "--device", "Polar", "--headless", "--rates", "6,5", "--step-s", "4",
                     "--ramp-from", "off", "--timeout", "5", "--record", str(out)])  # fmt: skip
    finally:
        stop.set()
        pusher.join(2)
    cap = capsys.readouterr()
    assert code == 0, cap.err
    rec = read_session(out)
    steps = [e for e in rec.events if isinstance(e, AssessmentStep)]
    assert [s.rate_per_min for s in steps] == [6.0, 5.0]
    assert [s.index for s in steps] == [0, 1] and all(s.count == 2 for s in steps)
    assert any(isinstance(e, PacerChanged) for e in rec.events) or rec.pacer
    assert sum(isinstance(e, Beat) for e in rec.events) >= 8
    assert rec.meta.get("source") != "demo"
