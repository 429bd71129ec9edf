"""The pair layer's faster paths give exactly what the straightforward ones give.

* ``PairBeats.person_beats`` keeps arrays beside its lists, extended by the beats added
  since it was last asked; the straightforward way converts the whole lists each time
  (``np.asarray(lists[:upto])``), as it did before. Compared at many cut points while beats,
  settling beats and gaps keep coming, corrected and not.
* ``read_people`` (one parse for both people) against ``read_session(path, person=i)``
  (one parse each), on a damaged two-person file with artifacts and drop-outs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from vagal.engine.pair import PairBeats
from vagal.events import Beat, Gap
from vagal.hrv.artifacts import correct_artifacts
from vagal.hrv.synchrony import PersonBeats, synchrony_live
from vagal.sessions.reader import people_from_events, read_events, read_people, read_session


def _straight(p: PairBeats, upto: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.asarray(p.t_s[:upto], dtype=np.float64),
        np.asarray(p.rr_ms[:upto], dtype=np.float64),
        np.asarray(p.breaks[:upto], dtype=np.bool_),
    )


def _events(seed: int, n: int) -> list[Beat | Gap]:
    rng = np.random.default_rng(seed)
    out: list[Beat | Gap] = []
    t = 0.0
    for _ in range(n):
        u = rng.random()
        if u < 0.01:
            out.append(Gap(t, t + 2.0, "no_data"))
            t += 2.0
            continue
        rr = float(rng.normal(850.0, 60.0)) if u > 0.02 else 1700.0  # now and then a missed beat
        t += rr / 1000.0
        out.append(Beat(t_s=t, rr_ms=rr, settling=bool(rng.random() < 0.02)))
    return out


def test_person_beats_equal_the_lists_at_every_cut_while_beats_keep_coming() -> None:
    beats = PairBeats()
    rng = np.random.default_rng(1)
    checked = 0
    for k, ev in enumerate(_events(2, 6000)):
        beats.add(ev)
        if rng.random() < 0.05 or k < 5:
            n = len(beats.t_s)
            for upto in (None, n, int(rng.integers(0, n + 1)), n + 3, 0):
                got = beats.person_beats(upto=upto)
                want = _straight(beats, upto)
                for g, w in zip((got.t_s, got.rr_ms, got.breaks), want, strict=True):
                    g = np.asarray(g)
                    assert g.dtype == w.dtype and g.shape == w.shape
                    assert np.array_equal(g, w)
                    assert not g.flags.writeable  # views of the buffers: nobody may write
                checked += 1
    assert checked > 300
    # the breaks: after a gap or a settling beat, never on the first beat
    t, rr, brk = _straight(beats)
    assert not brk[0] and brk.sum() > 10
    # corrected, as the session's together view asks
    got = beats.person_beats(correct=True)
    fixed = correct_artifacts(rr, t_s=t, breaks=brk)
    assert np.array_equal(np.asarray(got.t_s), fixed.t_s)
    assert np.array_equal(np.asarray(got.rr_ms), fixed.rr_ms)
    assert np.array_equal(np.asarray(got.breaks), fixed.breaks)


def test_an_empty_person_and_the_live_view_from_the_arrays() -> None:
    empty = PairBeats().person_beats()
    assert all(np.asarray(x).size == 0 for x in (empty.t_s, empty.rr_ms, empty.breaks))
    a, b = PairBeats(), PairBeats()
    for ev in _events(3, 900):
        a.add(ev)
    for ev in _events(4, 900):
        b.add(ev)
    now = min(a.t_s[-1], b.t_s[-1])
    fast = synchrony_live(a.person_beats(), b.person_beats(), now_s=now)
    straight = synchrony_live(PersonBeats(*_straight(a)), PersonBeats(*_straight(b)), now_s=now)
    assert fast == straight or fast.as_dict() == straight.as_dict()


@pytest.fixture(scope="module")
def damaged_pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.test_report_pair import write_pair

    path = tmp_path_factory.mktemp("pairfast") / "two.vagal.jsonl"
    write_pair(path, seed=5, coupling=0.5, duration_s=420.0, artifacts=True)
    lines = path.read_bytes().split(b"\n")
    # damage: a line of garbage, a copied line, a beat of B moved far out of line
    beat_b = next(i for i, ln in enumerate(lines) if b'"beat"' in ln and b'"person":1' in ln and i > 400)
    lines.insert(300, b"{not json")
    lines.insert(500, lines[499])
    lines[beat_b + 40] = lines[beat_b + 40].replace(b'"t":', b'"t":9', 1)
    path.write_bytes(b"\n".join(lines))
    return path


def _same(a: object, b: object) -> None:
    for f in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), f.name
        else:
            assert x == y, f.name


def test_read_people_is_read_session_for_each_person(damaged_pair: Path) -> None:
    both = read_people(damaged_pair)
    again = people_from_events(damaged_pair, *read_events(damaged_pair))
    for person in (0, 1):
        one = read_session(damaged_pair, person=person)
        assert one.damage and one.n_beats > 300 and one.pacer  # damaged, as meant; the shared guide in each
        _same(both[person], one)
        _same(again[person], one)
    assert both[0].meta["device"] != both[1].meta["device"]  # each their own strap
    both[1].meta["people"].append("x")  # each recording's meta is its own
    assert len(both[0].meta["people"]) == 2


# --- the cross-products of the null: both ways against np.corrcoef ---------------------------------


def _detrend_line(x: np.ndarray) -> np.ndarray:
    u = np.arange(x.size)
    return x - np.polyval(np.polyfit(u, x, 1), u)


@pytest.mark.parametrize("way", ["curves", "whole", "pairs"])
def test_surrogate_curves_are_pearson_r_at_every_lag_of_any_pair(way: str) -> None:
    """``_Lagged.curves`` for (window, centre) pairs far from each other, as the null asks for
    them, by the whole-record FFT and by the short FFT per pair, against Pearson r computed
    directly (np.corrcoef of the least-squares residuals) at every lag."""
    from vagal.hrv import synchrony as sy

    rng = np.random.default_rng(7)
    n, w, lag = 4000, 120, 20
    x = 65.0 + np.cumsum(rng.standard_normal(n)) * 0.3
    y = 70.0 + np.cumsum(rng.standard_normal(n)) * 0.3
    y[1500:1530] = np.nan  # a gap in B: the pairs reaching it have no r
    starts = sy._starts(n, w, lag, 20)
    lagged = sy._Lagged(x, y, starts, w, lag, "linear")
    rows = rng.integers(0, starts.size, 300).astype(np.intp)
    centres = rng.integers(lag, n - w - lag + 1, 300).astype(np.intp)
    rows = np.concatenate((rows, np.arange(starts.size, dtype=np.intp)))  # and every window at its own place
    centres = np.concatenate((centres, starts))
    if way == "curves":  # whichever way it picks
        got = lagged.curves(rows, centres)
    else:  # each way on its own (before the window's own NaN and the clip, both no-ops here)
        blank = np.full((rows.size, 2 * lag + 1), np.nan)
        got = lagged._whole_curves(rows, centres, blank) if way == "whole" else lagged._pair_curves(rows, centres)
        assert lagged.valid_a.all()
    n_nan = 0
    for i, (r, c) in enumerate(zip(rows.tolist(), centres.tolist(), strict=True)):
        xs = _detrend_line(x[starts[r] : starts[r] + w])
        for j, tau in enumerate(range(-lag, lag + 1)):
            ys = y[c + tau : c + tau + w]
            if not np.isfinite(ys).all():
                assert np.isnan(got[i, j])
                n_nan += 1
                continue
            want = float(np.corrcoef(xs, _detrend_line(ys))[0, 1])
            assert got[i, j] == pytest.approx(want, abs=1e-9)
    assert n_nan > 0
