"""The snapshot room: turns the engine's state into a :class:`~vagal.engine.snapshot.Snapshot`.

Design decision: what a person reads about the live state is decided here, in one
function: heart rate now (the strap's number when it sends no RR), the warm-up words of
RMSSD, SDNN and pNN50 ("RMSSD needs 30 s of beats (12 s so far)"), the caution when many
beats in the window were irregular, and "paused" for every metric while no data comes.
The spectral room words its own metrics where their maths decides them; here they are
only passed on, or paused.

It reads the rooms and changes nothing, so building a snapshot twice gives the same one.

References:
    docs/methods.md §1.1 (windows and warm-up), §5.3 (caution above 5 % irregular beats).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from vagal.engine.snapshot import NOT_YET, PAUSED, Metric, Snapshot, seconds_text
from vagal.engine.spectral_metrics import SPECTRAL_METRICS

if TYPE_CHECKING:
    from vagal.engine.spectral_metrics import SpectralValues
    from vagal.engine.summary import SessionTotals
    from vagal.engine.timedomain import Continuity, TimeDomain

MIN_TIME_DOMAIN_S: Final = 30.0
"""Time-domain metrics are shown after 30 s of beats, with a "settling" hint until the window is full."""
MAX_ARTIFACT_PCT: Final = 5.0
"""Above this share of flagged beats in the window, HRV carries a caution (greyed, §5.3)."""
_PAUSED_SPECTRAL: Final = dict.fromkeys(SPECTRAL_METRICS, Metric(None, PAUSED))


def build_snapshot(
    t_s: float,
    td: TimeDomain,
    link: Continuity,
    spectral: SpectralValues,
    totals: SessionTotals,
    *,
    smooth_beats: int,
) -> Snapshot:
    """The live state as a person should read it.

    Args:
        t_s: Session time of the change.
        td: The beat windows.
        link: Contact, source state and gaps.
        spectral: The last spectral recompute.
        totals: The session's counts.
        smooth_beats: Beats the smoothed heart rate averages (it says "settling" on fewer).

    Returns:
        A new snapshot.
    """
    st = td.stats
    w = td.window_s
    covered = td.covered_s()
    n_ok = st.n
    n_bad = len(td.flagged)
    total = n_ok + n_bad
    last_rr = td.last_rr
    settling_now = td.last_settling

    if last_rr is not None:
        hr = Metric(60000.0 / last_rr, settling=settling_now)
        rr = Metric(last_rr, settling=settling_now)
    elif td.last_hr_strap:
        hr = Metric(float(td.last_hr_strap), settling=True)
        rr = Metric(None, "the strap sends heart rate only, no RR intervals")
    else:
        hr = rr = NOT_YET
    recent = td.recent_hr
    if recent:
        hrs = Metric(sum(recent) / len(recent), settling=len(recent) < smooth_beats)
    elif settling_now:
        hrs = Metric(None, "settling after connecting")
    else:
        hrs = hr if last_rr is None else Metric(None, "waiting for steady beats")

    quality = Metric(100.0 * n_ok / total) if total else NOT_YET
    need = min(MIN_TIME_DOMAIN_S, w)
    paused = link.gap_started_s is not None
    if paused:
        reason: str | None = PAUSED
    elif settling_now and n_ok == 0:
        reason = "settling after connecting"
    elif n_ok == 0:
        reason = "waiting for beats" if totals.beats == 0 else "waiting for steady beats"
    elif covered < need or st.n_diffs < 2:
        reason = None  # per-metric text below
    else:
        reason = ""
    if reason == "":
        settling = covered < w
        caution = None
        if total and 100.0 * n_bad / total > MAX_ARTIFACT_PCT:
            # docs/methods.md §5.3: grey out, do not hide; the beats used are still clean.
            pct = 100.0 * n_bad / total
            caution = f"{pct:.0f} % of the beats in the last {seconds_text(w)} were irregular and left out"
        rmssd = Metric(st.rmssd_ms(), settling=settling, caution=caution)
        sdnn = Metric(st.sdnn_ms(), settling=settling, caution=caution)
        pnn50 = Metric(st.pnn50_pct(), settling=settling, caution=caution)
    elif reason is None:
        so_far = f"({seconds_text(covered)} so far)"
        rmssd = Metric(None, f"RMSSD needs {seconds_text(need)} of beats {so_far}")
        sdnn = Metric(None, f"SDNN needs {seconds_text(need)} of beats {so_far}")
        pnn50 = Metric(None, f"pNN50 needs {seconds_text(need)} of beats {so_far}")
    else:
        rmssd = sdnn = pnn50 = Metric(None, reason)

    return Snapshot(
        t_s=t_s,
        hr_bpm=hr,
        hr_smoothed_bpm=hrs,
        rr_ms=rr,
        rmssd_ms=rmssd,
        sdnn_ms=sdnn,
        pnn50_pct=pnn50,
        quality_pct=quality,
        beats=totals.beats,
        artifacts=totals.artifacts,
        rejected_payloads=totals.rejected_payloads,
        contact=link.contact,
        source_state=link.source_state,
        gap_started_s=link.gap_started_s,
        gap_total_s=link.gap_total_s,
        spectral_t_s=spectral.t_s,
        **(_PAUSED_SPECTRAL if paused else spectral.as_dict()),
    )


__all__ = ["MAX_ARTIFACT_PCT", "MIN_TIME_DOMAIN_S", "build_snapshot"]
