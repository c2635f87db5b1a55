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
def test_fit_leaves_params_refit_is_idempotent_and_clone_fits_alike(name, grids, fitted):
    """Parameters after fit are those before; fitting twice on the same grid predicts what one
    fit predicts; a copy made from the parameters (a clone) is unfitted and fits alike."""
    grid = grids[600]
    model, pred = fitted(name, 600)
    try:
        np.testing.assert_equal(model.get_params(), _make(name).get_params())
    except AssertionError as e:
        raise AssertionError(f"fit changed a parameter of {name}") from e
    twice = _make(name).fit(grid)
    twice.fit(grid)
    np.testing.assert_array_equal(twice.predict(grid), pred)
    twin = type(model)(**model.get_params())
    assert not [k for k in vars(twin) if k.endswith("_") and not k.startswith("_")]
    np.testing.assert_array_equal(twin.fit(grid).predict(grid), pred)


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


# ------------------------------------------------------------------- attacks and priors
#
# The same contract for every entry of nilm.privacy.ATTACKS and nilm.privacy.PRIORS: parameters
# only in __init__, fit returns self and leaves them unchanged, fitting twice is fitting once,
# clones are equal and fit alike, the same seed gives the same verdict, and unknown mains give
# an unknown verdict (NaN) or an abstention ("not used" for appliances). Simulated households
# at 10 min (4 days each): three train, the fourth is attacked.

from sklearn.base import clone  # noqa: E402

from nilm import privacy  # noqa: E402

ESTIMATORS = {**privacy.ATTACKS, **privacy.PRIORS}

#: attack name -> constructor keywords used here to keep the checks fast (the same checks)
FAST_ATTACK_PARAMS: dict[str, dict] = {
    **{k: {"names": ["fridge", "lighting"]} for k in ESTIMATORS if k.startswith("appliances.")},
    "appliances.seq2point": {"names": ["fridge", "lighting"],
                             "params": {k: v for k, v in FAST_PARAMS["seq2point"].items()}},
}


@pytest.fixture(scope="module")
def population():
    """Four simulated households (seeds 11..14) at 600 s: ``(Grid, GroundTruth)`` pairs."""
    from nilm.simulate import simulate_household

    out = []
    for seed in range(11, 15):
        sim = simulate_household(4, seed=seed, period=60, house=f"sim_{seed}")
        out.append((sim.household.to_grid(600), sim.truth))
    return out


def _make_attack(name: str, seed: int = 0):
    if name.endswith(".seq2point"):
        pytest.importorskip("torch", reason="seq2point needs the optional torch extra")
    return ESTIMATORS[name](**FAST_ATTACK_PARAMS.get(name, {}), seed=seed)


def _train_test(population):
    *train, (grid, truth) = population
    return train, grid, truth


def _verdict(est, grid, truth):
    return est.predict(grid, truth.timezone)


def _fitted_params_equal(a: dict, b: dict) -> bool:
    try:
        np.testing.assert_equal(a, b)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_attack_init_stores_params_only(name, population):
    est = _make_attack(name)
    params = est.get_params()
    assert "seed" in params, "every attack and prior takes a seed"
    assert est.inference in privacy.INFERENCES and f"{est.inference}.{est.method}" == name
    assert not [k for k in vars(est) if k.endswith("_")], "no learned state before fit"
    sig = inspect.signature(type(est).__init__)
    assert all(p.default is not p.empty for k, p in sig.parameters.items() if k != "self")
    assert _fitted_params_equal(type(est)(**params).get_params(), params)
    _, grid, truth = _train_test(population)
    with pytest.raises(RuntimeError, match="not fitted"):
        est.predict(grid, truth.timezone)


@pytest.fixture(scope="module")
def fitted_attack(population):
    """name -> (attack fitted once with seed 5 on the training households, its verdict on the
    attacked household), fitted on first use and shared by the checks below."""
    cache = {}

    def get(name):
        if name not in cache:
            train, grid, truth = _train_test(population)
            est = _make_attack(name, seed=5)
            before = clone(est).get_params()
            assert est.fit(train) is est, "fit returns self"
            assert _fitted_params_equal(est.get_params(), before), "fit changed a parameter"
            cache[name] = (est, _verdict(est, grid, truth))
        return cache[name]

    return get


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_attack_fit_returns_self_params_unchanged_idempotent(name, population, fitted_attack):
    """fit returns self and leaves the parameters as they were (checked on the first fit);
    fitting again on the same data predicts the same verdict."""
    train, grid, truth = _train_test(population)
    est, once = fitted_attack(name)
    params = est.get_params()
    est.fit(train)
    assert _fitted_params_equal(est.get_params(), params)
    np.testing.assert_equal(_verdict(est, grid, truth), once)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_attack_clone_and_seed_determinism(name, population, fitted_attack):
    """A clone is unfitted with equal parameters, and — a fresh estimator with the same seed —
    fitted on the same data gives the same verdict."""
    train, grid, truth = _train_test(population)
    est, verdict = fitted_attack(name)
    twin = clone(est)
    assert type(twin) is type(est)
    assert _fitted_params_equal(twin.get_params(), est.get_params())
    assert not [k for k in vars(twin) if k.endswith("_")], "a clone is unfitted"
    np.testing.assert_equal(_verdict(twin.fit(train), grid, truth), verdict)


def _with_unknown_day(grid, day: int = 1):
    """``grid`` with its mains unknown over local day ``day`` of the grid (from its start)."""
    from nilm.series import Grid

    per_day = int(86400 // grid.period)
    mains = grid.mains.astype(np.float64).copy()
    mains[day * per_day:(day + 1) * per_day] = np.nan
    return Grid(grid.start, grid.period, mains, grid.appliances, list(grid.names),
                dict(grid.meta), dict(grid.extra)), slice(day * per_day, (day + 1) * per_day)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_attack_nan_in_nan_or_abstain_out(name, population, fitted_attack):
    """Unknown mains: NaN per interval, NaN per day for a day without data, "not used" for
    appliances, NaN for a household count of a grid without data."""
    from nilm.privacy.base import DailyEnergy, DayTimes
    from nilm.series import Grid

    _, grid, truth = _train_test(population)
    est, _ = fitted_attack(name)
    holed, gap = _with_unknown_day(grid)
    out = _verdict(est, holed, truth)
    inside = np.zeros(len(holed), bool)
    inside[gap] = True
    if isinstance(out, np.ndarray):
        assert out.shape == (len(holed),)
        assert np.all(np.isnan(out[inside]))
    elif isinstance(out, dict):
        assert out, "an appliance verdict names its appliances"
        for act in out.values():
            assert act.dtype == bool and act.shape == (len(holed),)
            assert not act[inside].any()
    elif isinstance(out, DayTimes | DailyEnergy):
        k = int(np.flatnonzero(out.days == out.days.min() + 1)[0])  # the blank local day
        assert np.isnan(out.wake[k] if isinstance(out, DayTimes) else out.kwh[k])
    else:
        empty = Grid(grid.start, grid.period, np.full(len(grid), np.nan), grid.appliances,
                     list(grid.names), dict(grid.meta), dict(grid.extra))
        assert np.isnan(_verdict(est, empty, truth))


@pytest.mark.parametrize(("name", "kernel", "params"), [
    ("occupancy.unsupervised", "occupancy_unsupervised", {"margin_w": 80.0, "q": 0.8}),
    ("occupancy.hmm", "occupancy_hmm", {"window_occ_s": 7200.0}),
    ("routine.changepoint", "changepoint_wake_bed", {"q": 0.9, "margin_w": 80.0}),
    ("routine.segmentation", "segmentation_wake_bed", {"q": 0.9, "margin_w": 80.0}),
])
def test_unsupervised_attack_predicts_its_kernel_with_every_parameter_but_the_seed(
        name, kernel, params, population):
    """An unsupervised attack's verdict is its kernel function called with
    :meth:`~nilm.privacy.base.Attack.kernel_params` (its parameters, no seed), so a
    non-default parameter reaches the kernel and the seed does not."""
    import importlib

    est = privacy.ATTACKS[name](**params, seed=3).fit([])
    assert est.kernel_params() == {k: v for k, v in est.get_params().items() if k != "seed"}
    _, grid, truth = _train_test(population)
    fn = getattr(importlib.import_module(type(est).__module__), kernel)
    want = fn(grid, truth.timezone, **est.kernel_params())
    got = est.predict(grid, truth.timezone)
    np.testing.assert_equal(tuple(got) if isinstance(got, tuple) else got, want)
    default = fn(grid, truth.timezone, **privacy.ATTACKS[name](seed=3).kernel_params())
    assert not all(np.array_equal(a, b, equal_nan=True) for a, b in zip(
        *(([got], [default]) if not isinstance(got, tuple) else (got, default)), strict=True))
