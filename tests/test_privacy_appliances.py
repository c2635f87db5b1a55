"""Appliance-use detection: native truth extraction against a naive loop, direct detector and a
disaggregator on a synthetic week (simulated data)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm import metrics
from nilm.privacy.appliances import (
    detectability_table,
    grid_events,
    score_appliances,
    true_activity,
)
from nilm.privacy.scores import ROW_KEYS
from nilm.series import PowerSeries
from tests.test_privacy_synth import synthetic_household


def _naive_uses(t, p, period, on_power, min_on):
    gap = max(3.0 * period, 60.0)
    out, run_start, dur = [], None, 0.0
    for i in range(len(t)):
        hold = min(t[i + 1] - t[i], gap) if i + 1 < len(t) else min(period, gap)
        broken = i > 0 and t[i] - t[i - 1] > gap
        on = np.isfinite(p[i]) and p[i] >= on_power
        if run_start is not None and (not on or broken):
            if dur >= min_on:
                out.append(run_start)
            run_start, dur = None, 0.0
        if on:
            if run_start is None:
                run_start = t[i]
            dur += hold
    if run_start is not None and dur >= min_on:
        out.append(run_start)
    return np.array(out, dtype=float)


@pytest.mark.parametrize("seed", range(6))
def test_true_activity_matches_naive(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    t = np.cumsum(rng.choice([6, 6, 6, 7, 200], n)).astype(np.int64)
    p = np.where(rng.random(n) < 0.4, 2500.0, 0.0)
    p[100:140] = 2500.0  # a long constant run
    p = p[:n]
    p[rng.random(n) < 0.05] = np.nan
    s = PowerSeries(t, p, "kettle", period=6)
    on_power, min_on = metrics.ON_THRESHOLDS["kettle"]
    np.testing.assert_array_equal(true_activity(s), _naive_uses(t, p, 6.0, on_power, min_on))


def test_true_activity_single_sample_and_empty():
    s = PowerSeries(np.array([0]), np.array([3000.0]), "kettle", period=20)
    np.testing.assert_array_equal(true_activity(s), [0.0])  # held 20 s >= 12 s
    assert true_activity(PowerSeries(np.zeros(0), np.zeros(0), "kettle", period=6)).size == 0


def test_grid_events_are_onsets_at_midpoints():
    from nilm.series import Grid

    g = Grid(1000, 60, np.array([0, 1, 1, 0, np.nan, 1, 0, 1.0]), np.zeros((1, 8)), ["x"])
    act = np.array([True, True, False, False, False, True, False, True])
    # run at 0 counts (already on), 5 follows a gap (unknown onset), 7 is a real onset
    np.testing.assert_array_equal(grid_events(act, g), [1030.0, 1450.0])


@pytest.fixture(scope="module")
def week():
    return synthetic_household(days=6, seed=3)


def _rows(rows):
    return {(r["target"], r["metric"]): r for r in rows}


def test_direct_detector_at_60s(week):
    h, truth = week
    rows = _rows(score_appliances(h.to_grid(60), truth, 60, native=h, seed=0,
                                  names=["kettle", "cooker"]))
    assert all(set(r) == set(ROW_KEYS) for r in rows.values())
    assert rows[("kettle", "event_f1")]["value"] > 0.7
    assert rows[("kettle", "event_f1")]["skill"] > 0.6
    assert rows[("cooker", "day_use_f1")]["value"] == 1.0
    assert rows[("kettle", "ownership_correct")]["value"] == 1.0


def test_disaggregator_path(week):
    h, truth = week
    rows = _rows(score_appliances(h.to_grid(600), truth, 600, method="co", native=h,
                                  names=["water_heater", "cooker"], seed=0))
    assert rows[("water_heater", "day_use_f1")]["value"] > 0.8
    with pytest.raises(ValueError):
        score_appliances(h.to_grid(600), truth, 600, method="nope", native=h)


def test_detectability_table_is_tidy(week):
    h, truth = week
    df = detectability_table(h, truth, [600, 86400], seed=0, names=["kettle", "cooker"])
    assert set(df["period_s"]) == {600.0, 86400.0}
    assert set(df["appliance"]) == {"kettle", "cooker"}
    assert df.groupby(["appliance", "period_s"]).size().max() == 1


def test_memo_shares_the_direct_fit_across_rungs(week, monkeypatch):
    """With a Memo and the 60-s grid registered for the 10-s one, the direct detector fits once
    for both rungs; at 60 s the memo changes nothing, at 10 s the registered grid stands for
    the block means (equal on this household)."""
    import nilm.privacy.appliances as ap
    from nilm.privacy.memo import Memo

    h, truth = week
    names = ["kettle", "cooker"]
    calls = []
    real = ap.fit_predict
    monkeypatch.setattr(ap, "fit_predict", lambda *a, **k: calls.append(1) or real(*a, **k))
    g10, g60 = h.to_grid(10), h.to_grid(60)
    plain10 = score_appliances(g10, truth, 10, native=h, seed=0, names=names)
    plain60 = score_appliances(g60, truth, 60, native=h, seed=0, names=names)
    assert len(calls) == 4
    memo = Memo()
    memo.use_feature_grid(g10, g60)
    m10 = score_appliances(g10, truth, 10, native=h, seed=0, names=names, memo=memo)
    m60 = score_appliances(g60, truth, 60, native=h, seed=0, names=names, memo=memo)
    assert len(calls) == 6
    np.testing.assert_equal(m60, plain60)  # NaN == NaN, floats exactly
    np.testing.assert_equal(m10, plain10)
    with pytest.raises(ValueError):
        memo.use_feature_grid(g10, h.to_grid(600))


@pytest.mark.parametrize("period", [1, 70, 900, 86400])
def test_calendar_index_ranges_match_local_clock(period):
    """_Calendar's per-day index arithmetic against converting every interval (and every
    midpoint) to the local clock, across both DST changes of Europe/Paris."""
    from nilm.privacy.appliances import _Calendar, _day_index
    from nilm.privacy.scores import local_clock
    from nilm.series import Grid

    tz = "Europe/Paris"
    rng = np.random.default_rng(period)
    start, stop = (1711_700_000, 1711_950_000) if period < 3600 else (1700_000_013, 1735_000_000)
    n = (stop - start) // period
    mains = rng.random(n).astype(np.float32)
    mains[rng.random(n) < 0.3] = np.nan
    g = Grid(start, period, mains, np.zeros((0, n)), [])
    ok = np.isfinite(mains)
    cal = _Calendar(g, ok, tz)
    day, _ = local_clock(g.t, tz)
    np.testing.assert_array_equal(cal.days, np.unique(day))
    mask = rng.random(n) < 0.001
    for m in (ok, mask & ok, np.zeros(n, bool)):
        expected = np.zeros(len(cal.days), bool)
        expected[np.searchsorted(cal.days, day[m])] = True
        np.testing.assert_array_equal(cal.any(m), expected)
    mid = _day_index(g.t[ok].astype(np.float64) + period / 2, cal.days, tz)
    np.testing.assert_array_equal(cal.ok_midpoints(),
                                  np.bincount(mid[mid >= 0], minlength=len(cal.days)))
