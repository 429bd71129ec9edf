"""Textual is loaded by the dashboard path only (start-up stays fast everywhere else)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "module", ["vagal.commands.session_runner", "vagal.commands.demo", "vagal.engine.driver", "vagal.sources.simulated"]
)
def test_session_runner_does_not_load_textual(module: str) -> None:
    assert "textual" not in _loaded_after(f"import {module}")


def test_the_dashboard_does_load_textual() -> None:
    # The probe above would pass vacuously if the name were wrong: check it can see textual.
    assert "textual" in _loaded_after("import vagal.ui.app")
