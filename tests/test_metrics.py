"""The metric registry (vagal.metrics) says what the code does, and the views read it.

Truth here is the behaviour of the two code paths that compute the metrics, run on the
real recordings in ../shared/data: ``vagal.hrv.analyze_rr`` for "needs N s" of a record
and the live engine for when the dashboard first shows a metric. The registry must
describe them; nothing is compared with numbers pasted from earlier output.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt
import pytest

from vagal import metrics
from vagal.engine.core import Engine
from vagal.engine.snapshot import Snapshot
from vagal.events import Beat
from vagal.hrv import analyze_rr
from vagal.hrv.analysis import HrvResult
from vagal.metrics import ANALYZE, DETAILS, LIVE, METRICS, REPORT, TILES, keys, metric, shown_in
from vagal.pacer import Pacer

FloatArray = npt.NDArray[np.float64]
_HRV_FIELDS = {f.name for f in dataclasses.fields(HrvResult)}


def _is_snapshot_metric(key: str) -> bool:
    try:
        Snapshot().metric(key)
    except KeyError:
        return False
    return True


def test_every_layout_names_registered_metrics_once() -> None:
    assert len({m.key for m in METRICS}) == len(METRICS)
    for layout in (TILES, keys(DETAILS), keys(REPORT), keys(ANALYZE), LIVE):
        assert len(set(layout)) == len(layout)
        for key in layout:
            metric(key)  # raises for a key the registry does not hold
    with pytest.raises(KeyError, match="no metric named 'rmssd'"):
        metric("rmssd")
    assert len({metric(k).css_id for k in TILES}) == len(TILES)


def test_keys_are_the_names_the_code_uses() -> None:
    """Record-level keys are HrvResult fields (and analyze --json keys), live ones Snapshot fields."""
    for key in (*keys(ANALYZE), *keys(REPORT)):
        assert key in _HRV_FIELDS, key
    for key in (*TILES, *LIVE):
        assert _is_snapshot_metric(key), key
    for key in keys(DETAILS):
        assert key in _HRV_FIELDS or _is_snapshot_metric(key), key
    assert not _is_snapshot_metric("beats")  # a count, not a Metric


def test_views_say_where_each_metric_is_shown() -> None:
    assert metric("rmssd_ms").views == {"tile", "details", "report", "analyze"}
    assert metric("sd2_sd1").views == {"analyze"}
    assert metric("phase_lag_s").views == frozenset()
    assert [m.key for m in shown_in("tile")] == list(TILES)
    assert [m.key for m in shown_in("report")] == list(keys(REPORT))


@pytest.mark.parametrize("info", [m for m in METRICS if m.needs_s is not None], ids=lambda m: m.key)
def test_needs_s_is_what_the_batch_core_needs(info: metrics.MetricInfo, nsr_1h: FloatArray) -> None:
    """A real record a little longer than ``needs_s`` gives the value; one well short of it does not,
    and the core's reason names the same length."""
    t = np.cumsum(nsr_1h) / 1000.0
    assert info.needs_s is not None

    def upto(seconds: float) -> HrvResult:
        return analyze_rr(nsr_1h[t <= seconds])

    enough = upto(info.needs_s * 1.03)
    assert math.isfinite(float(getattr(enough, info.key))), info.key
    short = upto(info.needs_s * 0.9)
    assert math.isnan(float(getattr(short, info.key))), info.key
    if info.key != "coherence":
        assert f"needs {info.needs_s / 60:g} min" in short.reasons[info.key]
    else:
        assert f"needs {info.needs_s:.0f} s" in short.reasons[info.key]


def _first_shown(nsr_1h: FloatArray, key: str) -> float | None:
    """Seconds of steady beats behind the windows when the live engine first shows ``key``."""
    engine = Engine(pacer=Pacer())
    t = 0.0
    for rr in nsr_1h[:600].tolist():
        t += rr / 1000.0
        if engine.push(Beat(t, rr)).metric(key).valid:
            return engine.covered_s()
    return None


@pytest.mark.parametrize("info", [m for m in METRICS if m.live_needs_s is not None], ids=lambda m: m.key)
def test_live_needs_s_is_when_the_dashboard_first_shows_it(info: metrics.MetricInfo, nsr_1h: FloatArray) -> None:
    """Never shown on less steady data than ``live_needs_s``; the windows' metrics as soon as the
    data is there (the spectral ones at the next recompute, every 5 s)."""
    assert info.live_needs_s is not None
    first = _first_shown(nsr_1h, info.key)
    assert first is not None, f"{info.key} never shown on 10 min of real beats"
    assert first >= info.live_needs_s
    if info.key in ("rmssd_ms", "sdnn_ms", "pnn50_pct", "lf_ms2", "hf_ms2", "lf_hf", "coherence"):
        assert first < info.live_needs_s + 5.0 + 2.0  # the spectral timer plus a beat


def test_analyze_reads_its_words_from_the_registry(monkeypatch: pytest.MonkeyPatch, nsr_5min: FloatArray) -> None:
    """A label, unit or digit changed in the registry is what ``vagal analyze`` prints."""
    from vagal.commands.analyze import render_table

    res = analyze_rr(nsr_5min)
    table = render_table([("a.csv", res)], psd="welch", corrected=True)
    for key in keys(ANALYZE):
        assert any(line.startswith("  " + metric(key).row_label + " ") for line in table.splitlines()), key
    rmssd_row = next(line for line in table.splitlines() if line.startswith("  RMSSD (ms)"))
    assert rmssd_row.split()[-1] == f"{res.rmssd_ms:,.1f}"
    changed = dataclasses.replace(metric("rmssd_ms"), label="Beat-to-beat RMSSD", decimals=3)
    monkeypatch.setitem(metrics.BY_KEY, "rmssd_ms", changed)
    table = render_table([("a.csv", res)], psd="welch", corrected=True)
    row = next(line for line in table.splitlines() if line.startswith("  Beat-to-beat RMSSD (ms)"))
    assert row.split()[-1] == f"{res.rmssd_ms:,.3f}"


def test_the_report_table_is_the_registry_layout() -> None:
    from vagal.report.data import SUMMARY_SECTIONS

    assert [(title, tuple(m.key for m in rows)) for title, rows in SUMMARY_SECTIONS] == list(REPORT)
    assert all(m is metric(m.key) for _, rows in SUMMARY_SECTIONS for m in rows)


def test_text_uses_the_table_or_the_dashboard_digits() -> None:
    rmssd = metric("rmssd_ms")
    assert rmssd.text(42.345) == "42.3" and rmssd.text(42.345, live=True) == "42"
    assert metric("lf_hf").text(1.2345, live=True) == "1.23"  # the same digits where none are set for live
    assert metric("lf_nu").row_label == "LF (n.u.)" and metric("sdnn_ms").row_label == "SDNN (ms)"
    assert metric("lf_hf").css_id == "lf-hf"
