"""The import contracts in pyproject.toml ([tool.importlinter]) hold, and they bite.

`lint-imports` (import-linter, in the test extra) checks the layers the README draws, the
pure core's freedom from asyncio, clocks, logging and I/O modules, and that argparse,
textual, bleak and matplotlib are imported only where they belong. The second test copies
the package and the configuration into a temporary folder, adds one wrong import, and
checks that exactly the contract it breaks says so: a configuration that names a
misspelt module or checks nothing would pass the first test alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

LAYERS = "Imports flow one way: cli → {ui, report} → {engine, sources, sessions} → core {hrv, gatt, pacer}"
MIDDLE = "The engine pulls from sources, a replayed source reads sessions; never back"
PURE_CORE = "The pure core has no asyncio, no clock, no logging, no I/O and no framework"
ARGPARSE = "argparse only in cli and commands (the options stop at the CLI)"
TEXTUAL = "textual (and rich, which it draws with) only in ui"
BLEAK = "bleak only in sources"
MATPLOTLIB = "matplotlib only in report"
ALL_CONTRACTS = (LAYERS, MIDDLE, PURE_CORE, ARGPARSE, TEXTUAL, BLEAK, MATPLOTLIB)


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the venv's `lint-imports` on the pyproject.toml in `cwd`, without its cache folder."""
    script = Path(sys.executable).parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")
    assert script.exists(), f"{script} is missing: pip install -e '.[test]' installs import-linter"
    env = dict(os.environ)
    env["COLUMNS"] = "400"  # one contract per line, so its name and verdict can be read together
    if pythonpath is not None:  # the copied package comes before the installed (editable) one
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    return subprocess.run(
        [str(script), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def _verdicts(stdout: str) -> dict[str, str]:
    """Contract name → "KEPT" or "BROKEN", from lint-imports' summary lines."""
    out = {}
    for line in stdout.splitlines():
        for name in ALL_CONTRACTS:
            if line.startswith(name + " "):
                out[name] = line[len(name) + 1 :].split()[0]
    return out


def test_the_import_contracts_hold() -> None:
    proc = _lint_imports(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _verdicts(proc.stdout) == dict.fromkeys(ALL_CONTRACTS, "KEPT"), proc.stdout


WRONG_IMPORTS = [
    # (file under src/vagal, the line added, the contracts it breaks)
    ("hrv/_common.py", "import asyncio", {PURE_CORE}),
    ("pacer.py", "import logging", {PURE_CORE}),
    ("gatt.py", "import time", {PURE_CORE}),
    # The core reaching up breaks the layers, and through sessions' writer and readers
    # (threading, time, wfdb…) the core's purity as well.
    ("hrv/spectral.py", "from vagal import sessions", {LAYERS, PURE_CORE}),
    ("events.py", "import vagal.pacer", {LAYERS}),  # the vocabulary reaching into the core
    ("engine/core.py", "import vagal.ui.messages", {LAYERS}),
    ("sessions/recording.py", "import vagal.sources.base", {MIDDLE}),
    ("engine/core.py", "import argparse", {ARGPARSE}),
    ("report/render.py", "from textual.app import App", {TEXTUAL}),
    ("engine/driver.py", "import bleak", {BLEAK}),
    ("ui/app.py", "import matplotlib", {MATPLOTLIB}),
]


def _copy_of_the_package(tmp_path: Path) -> Path:
    """src/vagal and pyproject.toml copied to tmp_path; returns the copied package folder."""
    shutil.copytree(REPO / "src" / "vagal", tmp_path / "src" / "vagal")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path / "src" / "vagal"


@pytest.mark.parametrize(
    ("module", "line", "broken"), WRONG_IMPORTS, ids=[f"{m}: {line}" for m, line, _ in WRONG_IMPORTS]
)
def test_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, broken: set[str]
) -> None:
    target = _copy_of_the_package(tmp_path) / module
    target.write_text(target.read_text() + f"\n{line}  # deliberately wrong\n")
    proc = _lint_imports(tmp_path, pythonpath=tmp_path / "src")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    expected = {name: "BROKEN" if name in broken else "KEPT" for name in ALL_CONTRACTS}
    assert _verdicts(proc.stdout) == expected, proc.stdout


def test_a_new_module_must_be_given_its_layer(tmp_path: Path) -> None:
    (_copy_of_the_package(tmp_path) / "stray.py").write_text('"""A module nobody placed."""\n')
    proc = _lint_imports(tmp_path, pythonpath=tmp_path / "src")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _verdicts(proc.stdout)[LAYERS] == "BROKEN", proc.stdout
    assert "vagal.stray" in proc.stdout
