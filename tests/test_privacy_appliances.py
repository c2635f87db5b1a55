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
