"""Shared fixtures: real recordings, and a private data folder for every test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
"""Real heart data recorded by others (see its SOURCES.md); falls back to samples/."""
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
    monkeypatch.delenv("VAGAL_SESSIONS_DIR", raising=False)
    return d


@pytest.fixture
def nsr_5min() -> npt.NDArray[np.float64]:
    return load_rr(_data_dir() / "pyhrv_nsr_5min.csv")


@pytest.fixture
def nsr_1h() -> npt.NDArray[np.float64]:
    return load_rr(_data_dir() / "pyhrv_nsr_1h.csv")
