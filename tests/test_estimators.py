"""Shared estimator checks (scikit-learn ``check_estimator`` style) that every model registered in
:data:`nilm.disaggregate.MODELS` must pass, at periods from 6 s to 1 h, on small simulated data.

A slow model may list reduced hyper-parameters in ``FAST_PARAMS`` (same name as in MODELS) so that
these checks stay quick; the checks themselves are the same for every model.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from nilm.disaggregate import MODELS
from nilm.series import Grid

#: model name -> constructor keywords used here to keep the shared checks fast
FAST_PARAMS: dict[str, dict] = {
    "seq2point": {"epochs": 1, "hidden": 8, "filters": (4, 4, 4, 4, 4), "window": 15,
                  "batch_size": 1024, "device": "cpu"},
}

PERIODS = [6, 60, 600, 1800, 3600]
NAMES = ["fridge", "kettle", "washing_machine"]


def _simulated_6s(seed: int = 0, days: int = 2) -> Grid:
    """Two days at 6 s of simulated appliances (fridge cycles, kettle boils, one washing cycle),
    mains = their sum + base load + noise, with a NaN gap in the mains and one in a sub-meter."""
    rng = np.random.default_rng(seed)
    n = days * 86400 // 6
    t = np.arange(n)
    fridge = np.where((t % 300) < 120, 90.0, 2.0) + rng.normal(0, 1, n)
    kettle = np.zeros(n)
    for s in rng.integers(0, n - 40, 6 * days):
        kettle[s:s + 30] = 2200.0
    washer = np.zeros(n)
    for d in range(days):
        s = d * 14400 + 6000
        washer[s:s + 900] = np.where(np.arange(900) % 100 < 20, 2000.0, 150.0)
    apps = np.clip(np.stack([fridge, kettle, washer]), 0, None)
    mains = apps.sum(axis=0) + 60.0 + rng.normal(0, 3, n)
    mains[5000:5600] = np.nan
    apps[0, 9000:9100] = np.nan
    return Grid(1_300_000_000, 6.0, mains, apps, list(NAMES), {"simulated": True})


def _coarsen(grid: Grid, period: int) -> Grid:
    """Interval means over whole blocks (NaN if any sample in the block is NaN)."""
    f = period // int(grid.period)
    m = len(grid) // f * f
    mains = grid.mains[:m].reshape(-1, f).mean(axis=1)
    apps = grid.appliances[:, :m].reshape(len(grid.names), -1, f).mean(axis=2)
    return Grid(grid.start, float(period), mains, apps, list(grid.names), dict(grid.meta))


@pytest.fixture(scope="module")
def grids() -> dict[int, Grid]:
    base = _simulated_6s()
    return {p: _coarsen(base, p) for p in PERIODS}


#: models that need an optional extra: skipped (with the reason) where it is not installed
NEEDS = {"seq2point": "torch"}


def _make(name: str, seed: int = 0):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name], reason=f"{name} needs the optional {NEEDS[name]} extra")
    return MODELS[name](**{**FAST_PARAMS.get(name, {}), "seed": seed})


@pytest.fixture(scope="module")
def fitted(grids):
    """(model name, period) -> (fitted model, its prediction on the training grid)."""
    cache = {}

    def get(name, period):
        if (name, period) not in cache:
            model = _make(name)
            model.fit(grids[period])
            cache[name, period] = (model, model.predict(grids[period]))
        return cache[name, period]

    return get


@pytest.mark.parametrize("name", sorted(MODELS))
def test_init_stores_params_only(name):
    model = _make(name)
    params = model.get_params()
    assert "seed" in params, "every model takes a seed"
    assert not [k for k in vars(model) if k.endswith("_")], "no learned state before fit"
    sig = inspect.signature(type(model).__init__)
    assert all(p.default is not p.empty for k, p in sig.parameters.items() if k != "self")
    assert type(model)(**params).get_params() == params
    with pytest.raises(RuntimeError, match="not fitted"):
        model.predict(np.ones(10))


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_fit_predict_contract(name, period, grids, fitted):
    grid = grids[period]
    before = (grid.mains.copy(), grid.appliances.copy())
    model, pred = fitted(name, period)
    assert model.names_ == NAMES and model.period_ == period
    params = set(model.get_params())
    learned = [k for k in vars(model) if k not in params and not k.startswith("_")]
    assert all(k.endswith("_") for k in learned), learned
    assert pred.shape == (len(NAMES), len(grid)) and pred.dtype == np.float32
    nan_mains = ~np.isfinite(grid.mains)
    assert nan_mains.any()
    assert np.all(np.isnan(pred[:, nan_mains]))
    assert np.all(np.isfinite(pred[:, ~nan_mains]))
    assert np.all(pred[:, ~nan_mains] >= 0)
    np.testing.assert_array_equal(grid.mains, before[0])
    np.testing.assert_array_equal(grid.appliances, before[1])
    # a bare mains array gives the same as the Grid
    np.testing.assert_array_equal(model.predict(grid.mains), pred)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fit_returns_self_and_same_seed_same_output(name, grids, fitted):
    grid = grids[600]
    model = _make(name, seed=3)
    assert model.fit(grid) is model
    again = _make(name, seed=3).fit(grid)
    np.testing.assert_array_equal(model.predict(grid), again.predict(grid))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_period_mismatch_and_bad_input(name, grids, fitted):
    model, _ = fitted(name, 600)
    with pytest.raises(ValueError, match="period"):
        model.predict(grids[60])
    with pytest.raises(ValueError, match="1-D"):
        model.predict(np.ones((2, 5)))
    with pytest.raises(ValueError):
        _make(name).fit(grids[600].select([]))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fit_on_a_subset_of_appliances(name, grids):
    model = _make(name).fit(grids[1800], names=["kettle"])
    assert model.names_ == ["kettle"]
    assert model.predict(grids[1800]).shape == (1, len(grids[1800]))


def test_baselines_values(grids):
    """Mean predicts the training mean; AlwaysOff zero; Prior draws training values."""
    grid = grids[60]
    ok = grid.fully_valid()
    mean = MODELS["mean"](seed=0).fit(grid).predict(grid)
    want = grid.appliances[:, ok].astype(np.float64).mean(axis=1)
    np.testing.assert_allclose(mean[:, ok], np.repeat(want[:, None], ok.sum(), 1), rtol=1e-6)
    off = MODELS["always_off"](seed=0).fit(grid).predict(grid)
    assert np.all(off[:, ok] == 0)
    prior = MODELS["prior"](seed=0).fit(grid).predict(grid)
    for j in range(len(grid.names)):
        assert np.isin(prior[j, ok], grid.appliances[j, ok]).all()
        # independent of the mains: about the training duty cycle, whatever the mains does
        on_rate = (grid.appliances[j, ok] > 50).mean()
        assert abs((prior[j, ok] > 50).mean() - on_rate) < 0.05
    other = MODELS["prior"](seed=1).fit(grid).predict(grid)
    assert not np.array_equal(prior, other)
