"""Shared fixtures: real recordings, and a private data folder for every test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
"""Real heart data recorded by others (provenance in ../shared/data/SOURCES.md); falls back to samples/."""
SAMPLES = REPO / "samples"


def _data_dir() -> Path:
    return SHARED_DATA if SHARED_DATA.is_dir() else SAMPLES


def real_recordings() -> list[Path]:
    """Every real RR recording in ../shared/data (or samples/ when shared/ is absent)."""
    return sorted(_data_dir().glob("*.csv"))


def load_rr(path: Path) -> npt.NDArray[np.float64]:
    """The RR column of a shared-data CSV, in ms."""
    return np.loadtxt(path, skiprows=1, dtype=np.float64)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real user's sessions folder."""
    d = tmp_path_factory.mktemp("vagal-data")
    monkeypatch.setenv("VAGAL_DATA_DIR", str(d))
    monkeypatch.setenv("VAGAL_CONFIG_DIR", str(d / "config"))
    monkeypatch.delenv("VAGAL_SESSIONS_DIR", raising=False)
    return d


@pytest.fixture(autouse=True)
def _snapshots_compare_what_is_seen(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-textual-snapshot's `snap_compare`, comparing screens cell by cell.

    The plugin's fixture picks its SVG extension by the module-level name
    `pytest_textual_snapshot.SVGImageExtension` when it is set up; autouse fixtures are
    set up before the ones a test asks for, so it picks this subclass, which changes only
    `matches` (tests/snapshot_compare.py says why). If the plugin renames that class,
    setattr fails loudly rather than the comparison quietly reverting.
    """
    if "snap_compare" not in request.fixturenames:
        return
    import pytest_textual_snapshot

    from tests.snapshot_compare import VisibleSVGImageExtension

    monkeypatch.setattr(pytest_textual_snapshot, "SVGImageExtension", VisibleSVGImageExtension)


@pytest.fixture
def nsr_5min() -> npt.NDArray[np.float64]:
    return load_rr(_data_dir() / "pyhrv_nsr_5min.csv")


@pytest.fixture
def nsr_1h() -> npt.NDArray[np.float64]:
    return load_rr(_data_dir() / "pyhrv_nsr_1h.csv")
