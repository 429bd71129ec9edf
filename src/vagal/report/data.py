"""What a session report shows, computed without matplotlib.

Design decision: every number and every curve in the report is built here, by the HRV
core (:mod:`vagal.hrv`) on the recording's beats, into one frozen :class:`ReportData`.
The drawing code (:mod:`vagal.report.render`) only lays it out. Tests check these
numbers against ``analyze_rr`` and ``time_domain`` directly, without rendering anything.

Rolling curves are vectorised for long sessions: rolling RMSSD is one cumulative sum
over the squared successive differences (O(N) for the whole record, equal to
``time_domain`` on each window), and rolling coherence is the core's batched
:func:`vagal.hrv.coherence.coherence_series` (one spline per stretch, FFTs in batches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

from vagal.events import Marker
from vagal.hrv._common import gap_indices
from vagal.metrics import REPORT, SEGMENT, MetricInfo, metric
from vagal.report.person import PersonSummary, person_summary
from vagal.sessions.recording import Recording, too_few_beats
from vagal.text import printable

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

ROLLING_RMSSD_WINDOW_S: Final = 60.0
"""Rolling RMSSD window: the live default (docs/methods.md §1.1, Esco & Flatt 2014: 60 s is safe)."""
ROLLING_STEP_S: Final = 5.0
"""Step between rolling windows (HeartMath's coherence update interval, §6.1)."""
ROLLING_MIN_DIFFS: Final = 20
"""Fewest successive differences a rolling RMSSD window needs (fewer: no value drawn)."""
COHERENCE_WINDOW_S: Final = 64.0
"""Coherence window (HeartMath, docs/methods.md §6.1)."""
HR_SMOOTH_WINDOW_S: Final = 30.0
"""Averaging window of the heart-rate trend drawn over long sessions (beat-by-beat is a blur there)."""
TITLE_LABEL_CHARS: Final = 36
"""The label in the title is cut to this many characters (14 pt bold: the rest would leave the page)."""
NOT_RECORDED: Final = "not recorded in this file"
"""What the report says where the file does not tell (no device, no date)."""
TOO_SHORT: Final = "too short for this"
"""What the summary says where a metric cannot be computed on this recording."""

SEGMENT_KEYS: Final = SEGMENT
"""The key metrics shown per segment, beside the session's start (:data:`vagal.metrics.SEGMENT`)."""


SUMMARY_SECTIONS: Final[tuple[tuple[str, tuple[MetricInfo, ...]], ...]] = tuple(
    (section, tuple(metric(key) for key in section_keys)) for section, section_keys in REPORT
)
"""The summary table: section title, then its rows in order, each the metric's registry entry
(``key``, ``label``, ``unit``, ``decimals``: :data:`vagal.metrics.REPORT`)."""


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One line of the summary table."""

    section: str
    label: str
    key: str
    value: float | None
    """The number in ``unit`` (None when it cannot be computed)."""
    text: str
    """What the table shows: the formatted number, or :data:`TOO_SHORT`."""
    unit: str
    reason: str = ""
    """Why there is no value (from ``HrvResult.reasons``), empty when there is one."""


@dataclass(frozen=True, slots=True)
class SegmentSummary:
    """The key metrics of one marker-delimited stretch."""

    label: str
    start_s: float
    end_s: float
    values: dict[str, float | None]
    """Keyed by :data:`SEGMENT_KEYS` (None where too short)."""


@dataclass(frozen=True, slots=True)
class PacerSpan:
    """The breathing guide's rate over a stretch of the session."""

    start_s: float
    end_s: float
    rate_per_min: float
    preset: str
    from_per_min: float | None = None
    """Set for the gentle start (or a ramped change): the guide eased from this rate to ``rate_per_min``."""
    pattern: str = ""
    """The pattern in plain words ("resonance · 6.0/min · in 4 s, out 6 s"); empty for an ease."""

    @property
    def words(self) -> str:
        """What the guide did over the span, for a person ("easing from 12 to 6/min", "resonance, 6/min")."""
        if self.from_per_min is not None:
            return f"easing from {self.from_per_min:g} to {self.rate_per_min:.1f} breaths/min"
        return self.pattern or f"{printable(self.preset)} · {self.rate_per_min:.1f}/min"


class MarkerSeen(NamedTuple):
    """A marker as the report shows it: its time, label and feeling word (outside text, made printable)."""

    t_s: float
    label: str
    feeling: str = ""


@dataclass(frozen=True)
class ReportData:
    """Everything a session report shows (the renderer lays it out, nothing more)."""

    title: str
    subtitle: str
    info: list[tuple[str, str]]
    """Recording facts for the table: (label, text), e.g. ("Device", "Polar H10")."""
    duration_s: float
    hr_t_s: FloatArray
    """Beat times for the heart-rate trace (NaN inserted where a gap breaks the line)."""
    hr_bpm: FloatArray
    hr_smooth_bpm: FloatArray
    """Heart rate averaged over :data:`HR_SMOOTH_WINDOW_S` around each point of ``hr_t_s``."""
    corrected_t_s: FloatArray
    """Times of beats the artifact correction changed (drawn as marks on the trace)."""
    corrected_hr_bpm: FloatArray
    gaps: list[tuple[float, float]]
    """(start_s, end_s) of stretches without usable beats."""
    markers: list[MarkerSeen]
    """The recording's markers and those of its notes file, in time order."""
    pacer: list[PacerSpan]
    rmssd_t_s: FloatArray
    """End time of each rolling RMSSD window."""
    rmssd_ms: FloatArray
    coherence_t_s: FloatArray
    coherence: FloatArray
    psd_f_hz: FloatArray
    psd_ms2_per_hz: FloatArray
    psd_method: str
    poincare_x_ms: FloatArray
    """NN[i] of successive pairs not spanning a gap."""
    poincare_y_ms: FloatArray
    """NN[i+1] of the same pairs."""
    sd1_ms: float | None
    sd2_ms: float | None
    summary: list[SummaryRow]
    segments: list[SegmentSummary]
    """Empty when the session has no markers."""
    notes: list[str] = field(default_factory=list)
    """Plain sentences about the data (damage met while reading, gaps, corrections)."""
    result: dict[str, Any] = field(default_factory=dict)
    """``analyze_rr(...).to_dict()`` of the whole session."""
    person: PersonSummary | None = None
    """The first page's numbers (start and end, coherence levels, following the guide, check-ins)."""
    label: str = ""
    """The session's label in full (printable, at most 200 characters); the title holds its start."""
    device: str = ""
    """The device in words, or :data:`NOT_RECORDED`."""
    started: datetime | None = None
    """The recording's wall-clock start, when known."""
    quality: list[str] = field(default_factory=list)
    """The core's "read with care" sentences (``HrvResult.quality``)."""
    source: str = ""
    """What made the recording (the header's ``source``: "demo", "live", "check"…; "" for other formats)."""
    guide_t_s: FloatArray = field(default_factory=lambda: np.empty(0))
    """Times of the guide's breathing wave, seconds (4 per second while a guide ran); empty on a
    session longer than :data:`GUIDE_WAVE_MAX_S`, where the report draws the guide as a band."""
    guide_volume: FloatArray = field(default_factory=lambda: np.empty(0))
    """The guide's lung volume at those times, 0 (empty) to 1 (full); NaN where no guide ran."""
    signal: str = ""
    """The data-quality line of the first page (:func:`signal_line`)."""


def signal_line(n_beats: int, n_corrected: int, corrected_pct: float, n_gaps: int, gap_s: float,
                n_damage: int) -> str:
    """The report's data-quality line, in plain words: how much of the recording was clean.

    Args:
        n_beats: Beats recorded.
        n_corrected: Beats artifact correction replaced.
        corrected_pct: The same as a share of the beats, percent (``HrvResult.artifacts_pct``).
        n_gaps: Stretches without signal.
        gap_s: Their total length, seconds.
        n_damage: Problems met while reading the file (lines skipped).

    Returns:
        One sentence, e.g. ``"About the signal: 1076 beats; 5 (0.5 %) looked like missed or extra
        beats and were corrected; 20 s without signal, in 1 stretch."``.
    """
    parts = [f"{n_beats} beat{'s' if n_beats != 1 else ''}"]
    if n_corrected:
        parts.append(f"{n_corrected} ({corrected_pct:.1f} %) looked like missed or extra beats and were "
                     "corrected")
    if n_gaps:
        parts.append(f"{format_duration(gap_s)} without signal, in {n_gaps} "
                     f"stretch{'es' if n_gaps != 1 else ''}")
    if n_damage:
        parts.append(f"{n_damage} damaged line{'s' if n_damage != 1 else ''} in the file skipped")
    if len(parts) == 1:
        parts[0] += ", clean throughout"
    return "About the signal: " + "; ".join(parts) + "."


def format_duration(seconds: float) -> str:
    """``"1 h 02 min"``, ``"5 min 03 s"`` or ``"42 s"``."""
    s = round(max(seconds, 0.0))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {sec:02d} s"
    return f"{sec} s"


def _value(d: dict[str, Any], key: str) -> float | None:
    v = d.get(key)
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def summary_rows(result: dict[str, Any], reasons: dict[str, str]) -> list[SummaryRow]:
    """The summary table's metric rows from an ``HrvResult``.

    Args:
        result: ``HrvResult.to_dict()``.
        reasons: ``HrvResult.reasons`` (why a value is None).

    Returns:
        One row per :data:`SUMMARY_SECTIONS` entry, formatted to the spec's decimals;
        a metric without a value reads :data:`TOO_SHORT` and keeps the core's reason.
    """
    rows: list[SummaryRow] = []
    for section, specs in SUMMARY_SECTIONS:
        for spec in specs:
            v = _value(result, spec.key)
            if v is None:
                rows.append(
                    SummaryRow(section, spec.label, spec.key, None, TOO_SHORT, spec.unit,
                               reasons.get(spec.key, ""))
                )
            else:
                rows.append(SummaryRow(section, spec.label, spec.key, v, f"{v:.{spec.decimals}f}", spec.unit))
    return rows


def rolling_rmssd(
    t_s: npt.ArrayLike,
    nn_ms: npt.ArrayLike,
    *,
    breaks: npt.ArrayLike | None = None,
    window_s: float = ROLLING_RMSSD_WINDOW_S,
    step_s: float = ROLLING_STEP_S,
    min_diffs: int = ROLLING_MIN_DIFFS,
) -> tuple[FloatArray, FloatArray]:
    """RMSSD on every ``window_s`` window ending every ``step_s`` seconds.

    A window ending at ``e`` holds the beats with ``e − window_s < t ≤ e``; its
    differences are those between two of its beats not separated by a gap, which is
    exactly what ``vagal.hrv.time_domain(nn[window], breaks=…)`` uses. One cumulative sum
    makes the whole record O(N + windows).

    Args:
        t_s: Beat times, seconds, increasing.
        nn_ms: NN intervals (after artifact correction), ms.
        breaks: ``breaks[i]`` True when a gap precedes beat i.
        window_s: Window length; default 60 s (docs/methods.md §1.1).
        step_s: Step between window ends; default 5 s.
        min_diffs: Windows with fewer differences give NaN (a gap, or the start).

    Returns:
        ``(t_end_s, rmssd_ms)``; empty when the record is shorter than one window.
    """
    t = np.asarray(t_s, dtype=np.float64)
    nn = np.asarray(nn_ms, dtype=np.float64)
    b = np.zeros(nn.size, dtype=np.bool_) if breaks is None else np.asarray(breaks, dtype=np.bool_)
    if t.size < 2 or not window_s > 0 or not step_s > 0:
        return np.empty(0), np.empty(0)
    t_first = float(t[0] - nn[0] / 1000.0)
    if float(t[-1]) - t_first < window_s:
        return np.empty(0), np.empty(0)
    # Window ends: the last one at the last beat, stepping back (as coherence_series does).
    n_win = int(np.floor((float(t[-1]) - t_first - window_s) / step_s + 1e-9)) + 1
    ends = float(t[-1]) - step_s * np.arange(n_win - 1, -1, -1, dtype=np.float64)
    d = np.diff(nn)
    valid = ~b[1:]
    # C[k] = sum over differences 1..k-1 (difference i joins beats i-1 and i).
    sq = np.concatenate(([0.0, 0.0], np.cumsum(np.where(valid, d * d, 0.0))))
    cnt = np.concatenate(([0, 0], np.cumsum(valid.astype(np.int64))))
    lo = np.searchsorted(t, ends - window_s, side="right")  # first beat in the window
    hi = np.searchsorted(t, ends, side="right")  # one past the last beat
    first_diff = np.minimum(lo + 1, hi)  # a difference needs its earlier beat inside too
    n = cnt[hi] - cnt[first_diff]
    s = sq[hi] - sq[first_diff]
    out = np.full(ends.size, np.nan)
    ok = n >= max(min_diffs, 1)
    out[ok] = np.sqrt(s[ok] / n[ok])
    return ends, out


def smoothed(t_s: FloatArray, y: FloatArray, window_s: float = HR_SMOOTH_WINDOW_S) -> FloatArray:
    """Centred moving average of ``y`` over ``window_s`` seconds of time (NaN points are skipped and kept)."""
    ok = np.isfinite(t_s) & np.isfinite(y)
    tt, yy = t_s[ok], y[ok]
    out = np.full(t_s.size, np.nan)
    if tt.size == 0:
        return out
    c = np.concatenate(([0.0], np.cumsum(yy)))
    lo = np.searchsorted(tt, tt - window_s / 2.0, side="left")
    hi = np.searchsorted(tt, tt + window_s / 2.0, side="right")
    out[ok] = (c[hi] - c[lo]) / (hi - lo)
    return out


def break_jumps(t_s: FloatArray, y: FloatArray, step_s: float) -> tuple[FloatArray, FloatArray]:
    """Insert a NaN point wherever successive times are more than 1.5 steps apart (a gap), so a line
    breaks."""
    if t_s.size < 2:
        return t_s, y
    cut = np.flatnonzero(np.diff(t_s) > 1.5 * step_s) + 1
    if cut.size == 0:
        return t_s, y
    return np.insert(t_s, cut, np.nan), np.insert(y, cut, np.nan)


def hr_trace(t_s: FloatArray, nn_ms: FloatArray, breaks: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Instantaneous heart rate (60000 / NN) with a NaN point before every gap, so a line breaks there."""
    hr = 60000.0 / nn_ms
    cut = gap_indices(breaks)
    if cut.size == 0:
        return t_s.copy(), hr
    return np.insert(t_s, cut, np.nan), np.insert(hr, cut, np.nan)


_POLAR_NAME: Final = re.compile(
    r"^Polar_(H10|H9|H7|OH1|Verity_?Sense|Sense|Loop|Ignite|Vantage\w*|Grit\w*)(?:_([0-9A-Fa-f]{6,8}))?(?=_|\.|$)",
    re.IGNORECASE,
)
"""Polar Sensor Logger's file names: ``Polar_H10_7E3A1B2C_20261120_090000_RR.txt`` (model, device id)."""
_FORMAT_DEVICE: Final = {
    "polar-sensor-logger": "a Polar device (Polar Sensor Logger file)",
    "polar-sensor-logger-rr": "a Polar device (Polar Sensor Logger file)",
    "polar-hrm": "a Polar watch or strap (HRM file)",
}
"""What a format alone says about the device, when neither the file nor its name says more."""


def device_from_name(name: str) -> str | None:
    """The device a file's name tells of (Polar Sensor Logger names: "Polar H10 7E3A1B2C"), or None."""
    m = _POLAR_NAME.match(name)
    if m is None:
        return None
    model = m.group(1).replace("_", " ")
    model = (
        "Verity Sense" if model.lower().replace(" ", "") == "veritysense"
        else model.upper() if len(model) <= 3 else model
    )
    ident = m.group(2) or ""
    if re.fullmatch(r"20\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", ident):
        ident = ""  # "Polar_H10_20261120_RR.txt": that is the day it was recorded, not the device's id
    return f"Polar {model} {ident.upper()}".rstrip()


def _device_text(meta: dict[str, Any], path: str = "", fmt: str = "") -> str:
    """The device in words: from the file's header, else from its name, else from its format.

    Outside text (a strap's advertised name) is made printable.
    """
    dev = meta.get("device")
    if isinstance(dev, dict):
        name = str(dev.get("name") or "").strip()
        model = str(dev.get("model") or "").strip()
        kind = str(dev.get("kind") or "").strip()
        text = name or model or kind
        if model and name and model not in name:
            text = f"{name} ({model})"
        if kind == "simulator" and "simulat" not in text.lower():
            text = f"{text} (simulated)" if text else "simulated strap"
        if text:
            return printable(text)
    if isinstance(dev, str) and dev.strip():
        return printable(dev.strip())
    named = device_from_name(Path(path).name) if path else None
    if named is not None:
        return named
    return _FORMAT_DEVICE.get(fmt, NOT_RECORDED)


def recorded_start(meta: dict[str, Any]) -> datetime | None:
    """The recording's wall-clock start from its header (``meta["start"]``, ISO 8601), if it has one."""
    raw = meta.get("start")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def pattern_words(preset: str, inhale_s: float, hold_in_s: float, exhale_s: float, hold_out_s: float) -> str:
    """A pattern in plain words: "resonance · 6.0/min · in 4 s, out 6 s" (``BreathPattern.describe``)."""
    from vagal.pacer import BreathPattern

    try:
        return printable(BreathPattern(inhale_s, exhale_s, hold_in_s, hold_out_s, name=preset).describe())
    except ValueError:
        cycle = inhale_s + hold_in_s + exhale_s + hold_out_s
        return f"{printable(preset)} · {60.0 / cycle:.1f}/min" if cycle > 0 else printable(preset)


def pacer_spans(recording: Recording, end_s: float) -> list[PacerSpan]:
    """The guide's course over the session: one span per pattern, the gentle start (or a ramped
    change) as its own easing span, "off" stretches left out."""
    events = sorted(recording.pacer, key=lambda p: p.t_s)
    spans: list[PacerSpan] = []
    for k, ev in enumerate(events):
        stop = events[k + 1].t_s if k + 1 < len(events) else end_s
        if stop <= ev.t_s or ev.rate_per_min <= 0 or ev.preset in ("off", "none"):
            continue
        start = ev.t_s
        words = pattern_words(ev.preset, ev.inhale_s, ev.hold_in_s, ev.exhale_s, ev.hold_out_s)
        if ev.ramp_from_per_min is not None and ev.ramp_s > 0:
            ramp_end = min(stop, ev.t_s + ev.ramp_s)
            spans.append(PacerSpan(ev.t_s, ramp_end, ev.rate_per_min, ev.preset,
                                   from_per_min=ev.ramp_from_per_min,
                                   pattern=words))
            start = ramp_end
        if stop > start:
            spans.append(PacerSpan(start, stop, ev.rate_per_min, ev.preset, pattern=words))
    return spans


GUIDE_WAVE_HZ: Final = 4.0
"""Samples per second of the guide's wave (a breath of 2 s still has 8)."""
GUIDE_WAVE_MAX_POINTS: Final = 20_000
"""At most this many points."""
GUIDE_WAVE_MAX_S: Final = 20 * 60.0
"""Up to this length the report draws the guide's breathing as its wave; longer, one breath is
under 0.02 in wide, so a band says the same more quietly, and the wave is not computed (it is
worked out a point at a time: about 0.01 s on the benchmark's hour, more with a guide throughout)."""


def guide_wave(recording: Recording, spans: list[PacerSpan], end_s: float) -> tuple[FloatArray, FloatArray]:
    """The guide's lung volume over the session, from its recorded patterns (``vagal.pacer``).

    Returns ``(t_s, volume)``: NaN outside the spans; empty when no guide ran.
    """
    from vagal.pacer import pacer_from_events

    guided = [e for e in recording.pacer if e.preset not in ("off", "none") and e.rate_per_min > 0]
    pacer = pacer_from_events(guided) if guided and spans else None
    if pacer is None or end_s <= 0:
        return np.empty(0), np.empty(0)
    n = int(min(end_s * GUIDE_WAVE_HZ, GUIDE_WAVE_MAX_POINTS)) + 1
    t = np.linspace(0.0, end_s, n)
    vol = np.full(n, np.nan)
    for span in spans:
        sel = np.flatnonzero((t >= span.start_s) & (t <= span.end_s))
        vol[sel] = [pacer.volume_at(float(x)) for x in t[sel]]
    return t, vol


def with_notes(recording: Recording) -> Recording:
    """The recording with the markers of its notes file (``<session>.notes.jsonl``) added.

    A note at the same time as a recorded marker gives that marker its label (and feeling)
    when the recorded one had none: a silent marker labelled later. Otherwise it is a new marker.
    """
    from vagal.sessions.notes import read_notes

    notes = read_notes(Path(recording.path))
    if not notes:
        return recording
    merged: list[Marker] = list(recording.markers)
    for note in notes:
        same = next((i for i, m in enumerate(merged) if abs(m.t_s - note.t_s) < 1e-6), None)
        if same is not None and not merged[same].label.strip():
            merged[same] = note
        elif same is None or merged[same] != note:
            merged.append(note)
    return replace(recording, markers=tuple(sorted(merged, key=lambda m: m.t_s)))


def _marker_seen(m: Marker) -> MarkerSeen:
    feeling = getattr(m, "feeling", "")
    return MarkerSeen(m.t_s, printable(m.label.strip()),
                      printable(feeling.strip()) if isinstance(feeling, str) else "")


_PSD_METHOD_TEXT: Final = {
    "welch": "Welch, 256 s Hann windows, smoothness-priors detrend",
    "lomb": "Lomb–Scargle",
}


def _session_psd(result: Any, b: BoolArray) -> tuple[FloatArray, FloatArray, str]:
    """The spectrum the band powers came from (``HrvResult.psd_*``, filled by the core), and its method text.

    Empty when the core computed none (no stretch of 30 s between gaps): the panel then says so.
    """
    f = np.asarray(result.psd_f_hz, dtype=np.float64)
    p = np.asarray(result.psd_ms2_per_hz, dtype=np.float64)
    method = str(result.psd_method)
    text = _PSD_METHOD_TEXT.get(method, method)
    if b[1:].any() and method != "lomb":
        text += ", averaged over the stretches between gaps"
    return f, p, text


def build_report_data(recording: Recording) -> ReportData:
    """Compute everything a session report shows.

    Args:
        recording: Any recording vagal reads (a vagal session, a plain RR list, …).

    Returns:
        A :class:`ReportData`. Metrics come from ``vagal.hrv.analyze_rr`` with artifact
        correction; a metric that needs more data than the recording has reads
        :data:`TOO_SHORT`, with the core's reason.

    Raises:
        InputFileError: The recording holds no plausible beats at all.
    """
    from vagal.errors import InputFileError
    from vagal.hrv import analyze_rr
    from vagal.hrv.coherence import coherence_series
    from vagal.sessions.segment import segments

    rec = with_notes(recording)
    result = analyze_rr(rec.rr_ms, t_s=rec.t_s, breaks=rec.breaks, correct=True)
    nn, t, b = result.nn_ms, result.nn_t_s, result.nn_breaks
    if nn.size < 2:
        raise InputFileError(rec.path, too_few_beats(rec, "to report"))
    res = result.to_dict()
    reasons = dict(result.reasons)

    duration_s = max(rec.duration_s, float(rec.meta.get("session_duration_s", 0.0) or 0.0))
    hr_t, hr = hr_trace(t, nn, b)
    idx = np.asarray(result.corrected_indices, dtype=np.intp)
    idx = idx[(idx >= 0) & (idx < rec.t_s.size)]
    c_t = rec.t_s[idx]
    c_hr = np.interp(c_t, t, 60000.0 / nn) if c_t.size else np.empty(0)
    rm_t, rm = rolling_rmssd(t, nn, breaks=b)
    co_t, co = coherence_series(t, nn, breaks=b, window_s=COHERENCE_WINDOW_S, step_s=ROLLING_STEP_S)
    person = person_summary(rec, result, duration_s=duration_s, coherence_ratios=co, step_s=ROLLING_STEP_S)
    co_t, co = break_jumps(co_t, co, ROLLING_STEP_S)
    f, p, method = _session_psd(result, b)
    keep = ~b[1:]
    px, py = nn[:-1][keep], nn[1:][keep]
    sd1, sd2 = float(result.sd1_ms), float(result.sd2_ms)

    segs: list[SegmentSummary] = []
    if rec.markers:
        for seg in segments(rec):
            rr_s, t_s, b_s = seg.select(rec)
            vals: dict[str, float | None] = dict.fromkeys(SEGMENT_KEYS)
            vals["duration_s"] = seg.duration_s
            if rr_s.size >= 2:
                sres = analyze_rr(rr_s, t_s=t_s, breaks=b_s, correct=True).to_dict()
                for k in SEGMENT_KEYS[1:]:
                    vals[k] = _value(sres, k)
            segs.append(SegmentSummary(printable(seg.label), seg.start_s, seg.end_s, vals))

    start = recorded_start(rec.meta)
    name = printable(Path(rec.path).name)
    full_label = printable(str(rec.meta.get("label") or "").strip())
    label = full_label
    if len(label) > TITLE_LABEL_CHARS:
        label = label[: TITLE_LABEL_CHARS - 1].rstrip(" ,;–-") + "…"
    title = f"Session report: {label}" if label else "Session report"
    when = f"{start:%A %d %B %Y, %H:%M}" if start else name
    device = _device_text(rec.meta, rec.path, rec.format)
    # In the subtitle, a bare "not recorded in this file" did not say what was missing.
    subtitle = (
        f"{when}  ·  {format_duration(duration_s)}  ·  "
        f"{'device not recorded' if device == NOT_RECORDED else device}"
    )
    n_corr = int(idx.size)
    pct = float(result.artifacts_pct)
    gap_spans = [(g.start_s, g.end_s) for g in rec.gaps]
    if not gap_spans and b[1:].any():
        # No Gap events (e.g. an imported file): draw the break between the two beats.
        cut = gap_indices(b)
        gap_spans = [(float(t[i - 1]),
                      float(t[i] - nn[i] / 1000.0)) for i in cut if t[i] - nn[i] / 1000.0 > t[i - 1]]
    gap_total = sum(e - s for s, e in gap_spans)
    pacer = pacer_spans(rec, duration_s)
    no_wave = (np.empty(0), np.empty(0))  # a long session's guide is drawn as a band
    g_t, g_v = guide_wave(rec, pacer, duration_s) if duration_s <= GUIDE_WAVE_MAX_S else no_wave
    info: list[tuple[str, str]] = [
        ("File", name),
        ("Date", f"{start:%Y-%m-%d %H:%M}" if start else NOT_RECORDED),
        ("Duration", format_duration(duration_s)),
        ("Device", device),
        ("Beats",
         f"{rec.n_beats} recorded" + (f" ({nn.size} after correction)" if nn.size != rec.n_beats else "")),
        ("Corrected beats", f"{n_corr} ({pct:.1f} %)"),
        ("Gaps", f"{len(gap_spans)}, {format_duration(gap_total)} in all" if gap_spans else "none"),
    ]
    if pacer:
        held = [s for s in pacer if s.from_per_min is None]
        kinds = list(dict.fromkeys(s.pattern for s in held))
        if len(kinds) == 1:
            info.append(("Breathing guide", kinds[0]))
        else:
            rates = sorted({round(s.rate_per_min, 1) for s in held})
            info.append(("Breathing guide",
                         f"{len(kinds)} patterns, " + ", ".join(f"{r:g}" for r in rates) + " breaths/min"))
    info.append(("Spectrum", method))

    notes: list[str] = []
    for dmg in rec.damage[:3]:
        notes.append(f"The file was read past a problem at {dmg}.")
    if len(rec.damage) > 3:
        notes.append(f"{len(rec.damage) - 3} more problems were met while reading the file.")
    if n_corr:
        notes.append(
            f"{n_corr} beats ({pct:.1f} %) looked like detection errors or extra/missed beats and were "
            "corrected before the numbers were computed; they are marked with circles on the heart-rate "
            "trace."
        )
    for q in result.quality:  # "read with care: …", as a sentence
        notes.append(q[:1].upper() + q[1:] + ("" if q.endswith(".") else "."))
    if gap_spans:
        notes.append("Shaded stretches had no usable signal; no number spans them.")

    return ReportData(
        title=title,
        subtitle=subtitle,
        info=info,
        duration_s=duration_s,
        hr_t_s=hr_t,
        hr_bpm=hr,
        hr_smooth_bpm=smoothed(hr_t, hr),
        corrected_t_s=c_t,
        corrected_hr_bpm=c_hr,
        gaps=gap_spans,
        markers=[_marker_seen(m) for m in sorted(rec.markers, key=lambda m: m.t_s)],
        pacer=pacer,
        rmssd_t_s=rm_t,
        rmssd_ms=rm,
        coherence_t_s=co_t,
        coherence=co,
        psd_f_hz=f,
        psd_ms2_per_hz=p,
        psd_method=method,
        poincare_x_ms=px,
        poincare_y_ms=py,
        sd1_ms=sd1 if np.isfinite(sd1) else None,
        sd2_ms=sd2 if np.isfinite(sd2) else None,
        summary=summary_rows(res, reasons),
        segments=segs,
        notes=notes,
        result=res,
        person=person,
        label=full_label,
        device=device,
        started=start,
        quality=list(result.quality),
        source=str(rec.meta.get("source") or "") if rec.format == "vagal" else "",
        guide_t_s=g_t,
        guide_volume=g_v,
        signal=signal_line(rec.n_beats, n_corr, pct, len(gap_spans), gap_total, len(rec.damage)),
    )
