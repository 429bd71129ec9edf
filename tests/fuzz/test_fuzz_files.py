"""Damaged files of every format through the commands that read them: the rule always holds.

Hypothesis damages a real file of each format (tests/fuzz/samples.py) with one to three of
the operators in tests/fuzz/mutations.py, then runs ``vagal analyze`` and ``vagal convert``
on it in-process; a damaged session also goes through ``replay``, ``sessions``, ``history``
and the report's data. The rule (tests/fuzz/harness.py): a correct result, or one line on
stderr and exit 2; no traceback, no hang. And nothing a person recorded is rewritten: what
``convert`` writes reads back with the very RR values that were read from the input.

Examples are few per format (the whole folder runs in a few tens of seconds);
``benchmarks/fuzz.py`` runs thousands per format.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import broken_rules, run_in_process
from tests.fuzz.mutations import OPERATORS, Damage, mutate
from tests.fuzz.samples import FORMAT_FILES, write_samples
from vagal.errors import VagalError
from vagal.sessions import load_recording

DAMAGES = st.lists(
    st.tuples(
        st.sampled_from(sorted(OPERATORS)),
        st.floats(0.0, 1.0, exclude_max=True, allow_nan=False),
        st.floats(0.0, 1.0, exclude_max=True, allow_nan=False),
    ),
    min_size=1,
    max_size=3,
)
SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same examples in CI every time; benchmarks/fuzz.py explores
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_samples(tmp_path_factory.mktemp("samples"))


def _damaged_copy(sample: Path, folder: Path, damages: list[Damage]) -> Path:
    """The damaged file in a fresh folder (a WFDB annotation file keeps its header beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / sample.name
    path.write_bytes(mutate(sample.read_bytes(), damages))
    if sample.suffix == ".atr":
        shutil.copy(sample.with_suffix(".hea"), folder / sample.with_suffix(".hea").name)
    return path


def check_file(path: Path, folder: Path, *, session: bool) -> list[str]:
    """Every command that reads ``path``; returns the broken rules, with the command."""
    data = folder / "data"
    broken: list[str] = []
    argvs = [["analyze", str(path), "--json"]]
    for out in ("c.vagal.jsonl", "c.csv"):
        argvs.append(["convert", str(path), str(folder / out)])
    if session:
        (data / "sessions").mkdir(parents=True, exist_ok=True)
        shutil.copy(path, data / "sessions" / "x.vagal.jsonl")
        argvs += [
            ["replay", str(path), "--headless", "--speed", "max", "--json"],
            ["sessions", "--json"],
            ["history", "--json", "--include-demo"],  # the samples are simulated sessions
        ]
    for argv in argvs:
        outcome = run_in_process(argv, data_dir=data)
        broken += [f"{argv[0]}: {b}" for b in broken_rules(outcome)]
        if argv[0] == "convert" and outcome.status == 0:
            broken += _nothing_rewritten(path, Path(argv[2]))
    if session:
        broken += _report_data(path)
    return broken


def _nothing_rewritten(src: Path, out: Path) -> list[str]:
    """What convert wrote holds exactly the RR values read from its input."""
    try:
        want = load_recording(src).rr_ms
        got = load_recording(out).rr_ms
    except VagalError as exc:
        return [f"convert wrote {out.name}, which does not read back: {exc}"]
    if out.suffix == ".csv":
        ok = got.shape == want.shape and bool(np.allclose(got, want, rtol=0, atol=5e-4))  # 3 decimals in CSV
    else:
        ok = bool(np.array_equal(got, want))
    return [] if ok else [f"convert changed the RR values ({want.size} read, {got.size} written)"]


def _report_data(path: Path) -> list[str]:
    from vagal.report.data import build_report_data

    try:
        build_report_data(load_recording(path))
    except VagalError as exc:
        if "\n" in str(exc):
            return [f"report: a message of several lines: {exc!s}"]
    except Exception as exc:  # noqa: BLE001 - the point: any other exception is a traceback
        return [f"report: traceback: {type(exc).__name__}: {exc}"]
    return []


@pytest.mark.parametrize("fmt", sorted(FORMAT_FILES))
@SETTINGS
@given(damages=DAMAGES)
def test_a_damaged_file_keeps_the_rule(
    fmt: str, damages: list[Damage], samples: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("case")
    path = _damaged_copy(samples[fmt], folder, damages)
    assert check_file(path, folder, session=fmt == "vagal") == [], damages


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(damages=DAMAGES)
def test_a_damaged_session_keeps_the_rule_in_every_command(
    damages: list[Damage], samples: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """More examples for the format people record in (every line type in the sample)."""
    folder = tmp_path_factory.mktemp("session")
    path = _damaged_copy(samples["vagal"], folder, damages)
    assert check_file(path, folder, session=True) == [], damages


def test_the_samples_are_read_intact(samples: dict[str, Path]) -> None:
    """Undamaged, every sample reads without damage (the flow CSV is refused, as it should)."""
    for fmt, path in samples.items():
        if fmt == "polar-flow-csv":
            with pytest.raises(VagalError, match="heart rate once a second"):
                load_recording(path)
            continue
        rec = load_recording(path)
        assert rec.damage == (), fmt
        assert rec.n_beats >= 100, fmt
