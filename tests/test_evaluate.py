"""Evaluation protocol end to end on small simulated grids (simulated data, not real)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nilm.disaggregate import CO, AlwaysOff, Mean
from nilm.evaluate import COLUMNS, common_appliances, concat_grids, evaluate, split_time
from nilm.series import Grid

PERIOD = 600.0
DAY = int(86400 / PERIOD)


def _house(seed: int, days: int = 28, names=("water_heater", "kettle", "fridge"),
           house: str = "h") -> Grid:
    """Simulated house at 10 min: a water heater heating at night, kettle bursts, a fridge."""
    rng = np.random.default_rng(seed)
    n = days * DAY
    hour = (np.arange(n) % DAY) * PERIOD / 3600
    power = {
        "water_heater": np.where((hour >= 1) & (hour < 3 + rng.random(n) * 0.01), 2400.0, 0.0),
        "kettle": np.where(rng.random(n) < 0.03, 500.0, 0.0),
        "fridge": 40.0 + 10 * rng.random(n),
    }
    apps = np.stack([power[k] for k in names])
    mains = apps.sum(axis=0) + 150 + rng.normal(0, 5, n)
    mains[DAY * 25 + 3: DAY * 25 + 20] = np.nan
    apps[0, DAY * 26: DAY * 26 + 5] = np.nan
    return Grid(1_200_000_000, PERIOD, mains, apps, list(names),
                {"dataset": "simulated", "house": house, "simulated": True})


def test_split_time_days_and_fraction():
    grid = _house(0)
    train, test = split_time(grid, 21)
    assert len(train) == 21 * DAY and len(test) == 7 * DAY
    assert test.start == grid.start + 21 * 86400
    np.testing.assert_array_equal(np.concatenate([train.mains, test.mains]), grid.mains)
    train, test = split_time(grid, fraction=0.25)
    assert len(train) == 7 * DAY
    with pytest.raises(ValueError, match="empty"):
        split_time(grid, 40)
    with pytest.raises(ValueError, match="fraction"):
        split_time(grid, fraction=1.0)


def test_common_appliances_and_concat():
    a = _house(1, 3, names=("fridge", "kettle"), house="a")
    b = _house(2, 2, names=("kettle", "water_heater", "fridge"), house="b")
    test = _house(3, 2)
    names = common_appliances([a, b], test)
    assert names == ["kettle", "fridge"]
    joined = concat_grids([a, b], names)
    gap = DAY  # one day of NaN between the houses
    assert len(joined) == len(a) + gap + len(b)
    np.testing.assert_array_equal(joined.appliance("fridge")[:len(a)], a.appliance("fridge"))
    np.testing.assert_array_equal(joined.appliance("kettle")[len(a) + gap:],
                                  b.appliance("kettle"))
    assert np.isnan(joined.mains[len(a):len(a) + gap]).all()
    with pytest.raises(ValueError, match="no appliance in common"):
        common_appliances([a.select(["fridge"])], test.select(["kettle"]))


@pytest.fixture(scope="module")
def table():
    train, test = split_time(_house(4), 21)
    return evaluate({"co": CO(), "always_off": AlwaysOff()}, train, test, n_boot=200, seed=5), \
        train, test


def test_evaluate_table_shape(table):
    df, _, test = table
    assert list(df.columns) == COLUMNS
    assert set(df.method) == {"co", "always_off", "mean", "prior"}
    assert set(df.target) == {"water_heater", "kettle", "fridge", "all"}
    assert len(df) == 4 * 4 * 10
    assert (df.period_s == PERIOD).all() and (df.split == "time").all()
    assert (df.dataset == "simulated").all() and (df.house == "h").all() and (df.seed == 5).all()
    wh = df[(df.target == "water_heater") & (df.metric == "mae")]
    y = test.appliance("water_heater")
    want_n = int((np.isfinite(y) & np.isfinite(test.mains)).sum())
    assert (wh.n == want_n).all()
    ok = df.value.notna() & df.ci_low.notna()
    assert ((df.ci_low[ok] <= df.value[ok] + 1e-9) & (df.value[ok] <= df.ci_high[ok] + 1e-9)).all()


def _get(df, method, target, metric):
    row = df[(df.method == method) & (df.target == target) & (df.metric == metric)]
    assert len(row) == 1
    return row.iloc[0]


def test_evaluate_values_are_the_metrics(table):
    df, train, test = table
    ok = train.fully_valid()
    y = test.appliance("kettle").astype(np.float64)
    valid = np.isfinite(y) & np.isfinite(test.mains)
    mean_train = train.appliance("kettle")[ok].astype(np.float64).mean()
    assert _get(df, "mean", "kettle", "mae").value == pytest.approx(
        np.abs(y[valid] - mean_train).mean(), rel=1e-5)
    # always off: SAE is exactly 1, recall 0
    assert _get(df, "always_off", "kettle", "sae").value == 1.0
    assert _get(df, "always_off", "water_heater", "recall").value == 0.0


def test_evaluate_co_beats_baselines_on_distinct_loads(table):
    df, _, _ = table
    for target in ("water_heater", "kettle"):
        co = _get(df, "co", target, "mae")
        mean = _get(df, "mean", target, "mae")
        assert co.ci_high < mean.ci_low, target
        assert _get(df, "co", target, "f1").value > 0.9
    # the no-information prior carries no information: MCC near 0
    prior = _get(df, "prior", "water_heater", "mcc")
    assert abs(prior.value) < 0.15
    assert _get(df, "co", "all", "eac").value > _get(df, "mean", "all", "eac").value


def test_evaluate_deterministic_and_models_untouched():
    train, test = split_time(_house(6, 24), 21)
    co = CO()
    a = evaluate({"co": co}, train, test, metrics=["mae", "f1"], n_boot=50, seed=1)
    b = evaluate({"co": co}, train, test, metrics=["mae", "f1"], n_boot=50, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert not hasattr(co, "names_")
    assert set(a.metric) == {"mae", "f1"}
    with pytest.raises(ValueError, match="unknown metrics"):
        evaluate({"co": co}, train, test, metrics=["accuracy"])


def test_evaluate_cross_house():
    a = _house(7, 10, names=("fridge", "water_heater", "kettle"), house="a")
    b = _house(8, 10, names=("kettle", "water_heater"), house="b")
    test = _house(9, 7, house="c")
    df = evaluate({"mean": Mean()}, [a, b], test, metrics=["mae"], n_boot=50)
    assert set(df.target) == {"water_heater", "kettle", "all"}
    assert (df.split == "cross_house").all() and (df.house == "c").all()
    assert set(df.method) == {"mean", "prior"}
    both = ["water_heater", "kettle"]
    a2, b2 = a.select(both), b.select(both)
    mean_wh = np.concatenate([a2.appliance("water_heater")[a2.fully_valid()],
                              b2.appliance("water_heater")[b2.fully_valid()]]).mean()
    y = test.appliance("water_heater").astype(np.float64)
    v = np.isfinite(y) & np.isfinite(test.mains)
    assert _get(df, "mean", "water_heater", "mae").value == pytest.approx(
        np.abs(y[v] - mean_wh).mean(), rel=1e-4)
    with pytest.raises(ValueError, match="period"):
        evaluate({}, [a], Grid(0, 60.0, test.mains, test.appliances, test.names))
