"""Start-up stays fast: the core and ``vagal --help`` load no heavy framework.

Each check runs ``import`` in a fresh interpreter and lists what got loaded
(harlequin's tests/unit_tests/test_import_hygiene.py does the same).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("textual", "bleak", "matplotlib", "scipy", "numpy", "pandas", "neurokit2")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_help_loads_nothing_heavy() -> None:
    loaded = _loaded_after(
        "import sys; sys.argv=['vagal','--help']\n"
        "from vagal.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


@pytest.mark.parametrize(
    "module",
    [
        "vagal.events",
        "vagal.gatt",
        "vagal.clock",
        "vagal.pacer",
        "vagal.sources.decode",
        "vagal.engine.core",
        "vagal.engine.driver",
        "vagal.sources.simulated",
        "vagal.commands.session_runner",
        "vagal.commands.resonance",
        "vagal.sessions.own_pace",
    ],
)
def test_small_modules_load_nothing_heavy(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


@pytest.mark.parametrize("module", ["vagal.hrv", "vagal.engine.core", "vagal.sessions.formats"])
def test_core_loads_no_ui_bluetooth_or_plotting(module: str) -> None:
    """The execution core is reachable without the TUI, bleak or matplotlib."""
    loaded = _loaded_after(f"import {module}")
    assert not loaded & {"textual", "bleak", "matplotlib"}, loaded


def test_history_and_sessions_read_back_load_no_numpy_scipy_or_matplotlib(tmp_path: Path) -> None:
    """``vagal history`` (table and --json) and ``vagal sessions`` from a warm index: no heavy import."""
    import os

    from vagal import events as ev
    from vagal.sessions.writer import Recorder, make_header

    sessions = tmp_path / "data" / "sessions"
    sessions.mkdir(parents=True)
    with Recorder(sessions / "a.vagal.jsonl", make_header(source="live")) as rec:
        for i in range(1, 200):
            rec.write(ev.Beat(i * 0.8, 800.0 + (i % 5) * 10.0, 75, True))
    env = {**os.environ, "VAGAL_DATA_DIR": str(tmp_path / "data"), "VAGAL_CONFIG_DIR": str(tmp_path / "config")}
    for args in (["history", "--json"], ["history"], ["sessions", "--json"]):
        code = f"from vagal.cli import main\nmain({args!r})"
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True)  # builds the index
        loaded = _loaded_after(code, env=env)
        assert not loaded & {"numpy", "scipy", "matplotlib", "textual"}, (args, loaded & set(HEAVY))
