"""Artifact detection and correction (Lipponen & Tarvainen 2019, docs/methods.md §5.1).

Known ectopic, missed and extra beats are injected into the real recordings; the
detector must find them and the corrected RMSSD must return to the clean value.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import load_rr, real_recordings
from vagal.hrv import time_domain
from vagal.hrv.artifacts import correct_artifacts, detect_artifacts

KINDS = ("ectopic", "missed", "extra")


@pytest.fixture(scope="module")
def nk() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import neurokit2

    return neurokit2


def inject(
    rr: npt.NDArray[np.float64], pct: float, seed: int
) -> tuple[npt.NDArray[np.float64], list[tuple[int, str]]]:
    """Put ``pct`` % artifacts at random places (12+ beats apart), as a strap would make them.

    ectopic: a premature beat, RR[k] shortened by 25–40 % and RR[k+1] lengthened by as
    much (the compensatory pause); missed: RR[k] + RR[k+1] as one interval; extra: RR[k]
    cut in two at 30–70 %. Returns the new series and (index in it, kind) of each.
    """
    rng = np.random.default_rng(seed)
    places = np.arange(20, rr.size - 20, 12)
    pos = np.sort(rng.choice(places, size=min(round(rr.size * pct / 100), places.size), replace=False))
    kinds = rng.choice(KINDS, size=pos.size)
    out: list[float] = []
    truth: list[tuple[int, str]] = []
    last = 0
    for p, kind in zip(pos, kinds, strict=True):
        out.extend(rr[last:p])
        truth.append((len(out), str(kind)))
        if kind == "ectopic":
            f = rng.uniform(0.25, 0.4)
            out.extend([rr[p] * (1 - f), rr[p + 1] + rr[p] * f])
            last = p + 2
        elif kind == "missed":
            out.append(rr[p] + rr[p + 1])
            last = p + 2
        else:
            f = rng.uniform(0.3, 0.7)
            out.extend([rr[p] * f, rr[p] * (1 - f)])
            last = p + 1
    out.extend(rr[last:])
    return np.asarray(out), truth


def _rmssd(c: object) -> float:
    return time_domain(c.rr_ms, breaks=c.breaks).rmssd_ms  # type: ignore[attr-defined]


def _clean(path: Path) -> npt.NDArray[np.float64]:
    """The recording with what the detector already finds in it corrected.

    These "clean" NN series still hold 1–2 % beats that Lipponen–Tarvainen (and
    neurokit2's implementation of it) flags; the injected artifacts are added to the
    corrected series so that only they are to be found.
    """
    return correct_artifacts(load_rr(path)).rr_ms


@pytest.mark.parametrize("pct", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correction_restores_rmssd_on_the_hour(nsr_1h: npt.NDArray[np.float64], pct: int, seed: int) -> None:
    clean = correct_artifacts(nsr_1h).rr_ms
    dirty, _truth = inject(clean, pct, seed)
    before = float(np.sqrt(np.mean(np.diff(dirty) ** 2)))  # (an extra beat may fall below 200 ms)
    fixed = correct_artifacts(dirty)
    clean_rmssd = time_domain(clean).rmssd_ms
    assert before > 1.4 * clean_rmssd  # the artifacts matter…
    assert _rmssd(fixed) == pytest.approx(clean_rmssd, rel=0.05)  # …and are undone
    assert fixed.pct >= 0.9 * pct


@pytest.mark.parametrize("pct", [1, 2, 3, 4, 5])
def test_correction_restores_rmssd_on_five_minutes(nsr_5min: npt.NDArray[np.float64], pct: int) -> None:
    """The 5-min sample is extremely variable (RMSSD ~100 ms, pNN50 48 %): a 25 %-premature
    beat there is hardly larger than a normal beat-to-beat change, and the detector's
    thresholds (5.2 quartile deviations over 91 beats) grow with each artifact in the
    window. Over 10 random placements the median error stays under 5 %; single
    placements at 3–5 % reach 11 % (measured), so each must stay under 12 %."""
    clean = correct_artifacts(nsr_5min).rr_ms
    clean_rmssd = time_domain(clean).rmssd_ms
    errors = []
    for seed in range(10):
        dirty, _ = inject(clean, pct, seed)
        errors.append(abs(_rmssd(correct_artifacts(dirty)) / clean_rmssd - 1))
    assert np.median(errors) < 0.05
    assert max(errors) < 0.12


@pytest.mark.parametrize("path", real_recordings(), ids=lambda p: p.name)
@pytest.mark.parametrize("pct", [1, 3, 5])
def test_detector_finds_the_injected_beats(path: Path, pct: int) -> None:
    clean = _clean(path)
    found = total = kind_ok = 0
    for seed in range(3):
        dirty, truth = inject(clean, pct, seed)
        rep = detect_artifacts(dirty)
        flagged = set(rep.all.tolist())
        by_kind = {k: set(getattr(rep, k).tolist()) for k in KINDS}
        for i, kind in truth:
            total += 1
            found += i in flagged or i + 1 in flagged
            kind_ok += i in by_kind[kind] or (kind == "ectopic" and i + 1 in by_kind[kind])
    assert found / total >= 0.9
    assert kind_ok / total >= 0.8


def test_missed_and_extra_are_fixed_exactly() -> None:
    rng = np.random.default_rng(5)
    clean = 850 + 25 * rng.standard_normal(400)
    dirty = np.concatenate(
        [clean[:100], [clean[100] + clean[101]], clean[102:200], [400.0, clean[200] - 400.0], clean[201:]]
    )
    fixed = correct_artifacts(dirty)
    assert 100 in fixed.report.missed
    assert 199 in fixed.report.extra
    assert fixed.rr_ms.size == clean.size
    assert fixed.rr_ms[200] == pytest.approx(clean[200])  # the extra beat merged back
    assert fixed.rr_ms[100] + fixed.rr_ms[101] == pytest.approx(clean[100] + clean[101])
    assert set(fixed.corrected_indices) >= {100, 199, 200}


@pytest.mark.parametrize("path", real_recordings(), ids=lambda p: p.name)
def test_detection_agrees_with_neurokit2_kubios(nk: ModuleType, path: Path) -> None:
    """neurokit2's ``signal_fixpeaks(method="kubios")`` classifier on the raw recording.

    vagal flags a subset of what neurokit2 flags, on purpose (docs/methods.md §5.4): a beat is
    long/short only outside the median's spread (|mRR| > Th2), and an ectopic flag stands
    only with a short–long pair that explains it. On the 1-hour NN series neurokit2 flags
    83 beats and vagal 37; on MIT-BIH record 100 every beat neurokit2 flags and vagal does
    not is labelled normal by the cardiologists (``test_artifacts_real.py``). Until the real-data accuracy work
    this test asked for 80 % of neurokit2's flags; what it keeps: every flag of vagal's is
    one of neurokit2's or the partner interval of one (vagal reports both intervals of an
    ectopic pair), and every missed or extra beat neurokit2 finds, vagal finds. Rolling
    quartiles differ a little at the ends (pandas' shrinking windows against scipy's
    reflected ones)."""
    rr = load_rr(path)
    peaks = np.concatenate(([0], np.cumsum(rr))).astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # One pass of the public classifier (iterative=False) is its first detection.
        info, _ = nk.signal_fixpeaks(peaks, sampling_rate=1000, iterative=False, method="kubios")
    ref = {k: info[k] for k in ("ectopic", "missed", "extra", "longshort")}
    # neurokit2 indexes the interval ending at peak k as k; vagal's RR index is k − 1
    theirs = {int(i) - 1 for v in ref.values() for i in v}
    definite = {int(i) - 1 for k in ("missed", "extra") for i in ref[k]}
    ours = set(detect_artifacts(rr).all.tolist())
    near = theirs | {i - 1 for i in theirs} | {i + 1 for i in theirs}
    assert len(ours & near) >= 0.95 * len(ours)
    assert len(ours & theirs) >= 0.8 * len(ours)
    assert definite <= ours


def test_implausible_values_are_removed_and_make_a_gap() -> None:
    rr = np.array([800.0, 810.0, 0.0, 805.0, 20000.0, 790.0, 800.0, np.nan, 810.0] + [800.0] * 20)
    fixed = correct_artifacts(rr)
    assert set(fixed.report.implausible.tolist()) == {2, 4, 7}
    assert np.all((fixed.rr_ms >= 200) & (fixed.rr_ms <= 3000))
    assert fixed.breaks.sum() == 2  # after the 20 s drop-out and after the NaN
    assert 2 in fixed.corrected_indices


def test_short_and_empty_series_are_left_alone() -> None:
    for rr in ([], [800.0], [800.0, 805.0, 810.0]):
        fixed = correct_artifacts(rr)
        assert np.array_equal(fixed.rr_ms, np.asarray(rr, dtype=float))
        assert fixed.pct == 0.0
