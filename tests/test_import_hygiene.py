"""Start-up stays fast: the core and ``vagal --help`` load no heavy framework.

Each check runs ``import`` in a fresh interpreter and lists what got loaded
(harlequin's tests/unit_tests/test_import_hygiene.py does the same).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("textual", "bleak", "matplotlib", "scipy", "numpy", "pandas", "neurokit2")


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
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
