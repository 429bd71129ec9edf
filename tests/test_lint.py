"""ruff's rules from pyproject.toml hold over the code: the line length, bugbear, pyupgrade, simplify.

Run here so the README's test command checks them on a fresh machine, as the import contracts are.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "src", "tests", "benchmarks"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_would_catch_a_long_line(tmp_path: Path) -> None:
    """The configured line length is checked (it was off once): a line of 111 characters fails."""
    bad = tmp_path / "src" / "long.py"
    bad.parent.mkdir()
    bad.write_text("x = " + repr("a" * 105) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 1 and "E501" in done.stdout, done.stdout + done.stderr
