"""Occupant-count attack across a population of synthetic households (simulated data)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.privacy.occupants import (
    COARSER_RUNGS_S,
    FEATURES,
    OrdinalForest,
    balanced_accuracy,
    household_features,
    majority,
    median_class,
    multiresolution_features,
    predict_occupants,
    score_occupants,
    score_occupants_population,
)
from tests.synthetic import TZ, synthetic_household


def test_balanced_accuracy_matches_sklearn():
    from sklearn.metrics import balanced_accuracy_score

    rng = np.random.default_rng(0)
    for _ in range(20):
        y = rng.integers(1, 5, 30)
        p = np.where(rng.random(30) < 0.5, y, rng.integers(1, 5, 30))
        assert balanced_accuracy(y, p) == pytest.approx(balanced_accuracy_score(y, p))


def test_majority_breaks_ties_low():
    assert majority([3, 1, 3, 1, 2]) == 1.0


def _population(scale_by_occupants: bool, n: int = 9):
    grids, truths = [], []
    for s in range(n):
        occ = 1 + s % 3
        h, tr = synthetic_household(days=2, seed=100 + s, occupants=occ)
        g = h.to_grid(3600)
        if scale_by_occupants:
            g.mains = g.mains * (0.5 + 0.5 * occ)
        grids.append(g)
        truths.append(tr)
    return grids, truths


@pytest.fixture(scope="module")
def population():
    return _population(True)


def test_features_are_finite_at_one_hour(population):
    grids, truths = population
    f = household_features(grids[0], TZ)
    assert f.shape == (len(FEATURES),)
    assert np.isfinite(f[:5]).all()


def test_cross_validated_attack_beats_majority(population):
    grids, truths = population
    rows = {r["metric"]: r for r in score_occupants_population(grids, truths, 3600, seed=0)}
    # classes 1/2/3 equally common: majority prior has balanced accuracy 1/3
    assert rows["balanced_accuracy"]["prior"] == pytest.approx(1 / 3)
    assert rows["balanced_accuracy"]["value"] > 0.6
    assert rows["mae_persons"]["skill"] > 0.3
    assert rows["mae_persons"]["n"] == 9
    assert rows["mae_persons"]["ci_low"] <= rows["mae_persons"]["value"]


def test_per_household_needs_a_population(population):
    grids, truths = population
    alone = score_occupants(grids[0], truths[0], 3600)
    assert all(np.isnan(r["value"]) for r in alone)
    rows = {r["metric"]: r for r in score_occupants(
        grids[0], truths[0], 3600, train=list(zip(grids[1:], truths[1:], strict=True)))}
    assert rows["abs_error_persons"]["n"] == 1
    assert rows["correct"]["value"] in (0.0, 1.0)


def test_ridge_reads_hot_water_that_scales_with_people():
    # simulated: 1-4 occupants and 0.8 h of 2 kW water heating per person per night; the
    # people-scaled features and a ridge regression recover the count across households
    grids, truths = [], []
    for s in range(8):
        occ = 1 + s % 4
        h, tr = synthetic_household(days=3, seed=200 + s, occupants=occ,
                                    heater_hours=0.8 * occ)
        grids.append(h.to_grid(1800))
        truths.append(tr)
    rows = {r["metric"]: r for r in score_occupants_population(grids, truths, 1800,
                                                               method="ridge", seed=0,
                                                               n_folds=8)}
    assert rows["mae_persons"]["value"] <= 0.5
    assert rows["mae_persons"]["skill"] > 0.5
    assert rows["balanced_accuracy"]["skill"] > 0.3


def _median_by_expected_loss(p_exceed, classes):
    """Naive twin of median_class: the class minimising the expected absolute error under the
    distribution P(y = c_k) = P(y > c_{k−1}) − P(y > c_k) (after the running minimum)."""
    out = []
    for row in np.atleast_2d(p_exceed):
        s = [1.0]
        for v in row:
            s.append(min(s[-1], v))
        s.append(0.0)
        pmf = -np.diff(s)
        loss = [sum(pmf[j] * abs(c - classes[j]) for j in range(len(classes))) for c in classes]
        # ties (a cumulative probability of exactly 1/2) resolved upwards, as median_class does
        best = min(loss)
        out.append(max(c for c, v in zip(classes, loss, strict=True) if v <= best + 1e-12))
    return np.array(out)


def test_median_class_by_hand():
    classes = np.array([1, 2, 3])
    # P(y>1), P(y>2): the first is 3 (both above 1/2), 2, 1; the last row is made monotone
    p = np.array([[0.9, 0.6], [0.7, 0.3], [0.4, 0.1], [0.3, 0.8]])
    np.testing.assert_array_equal(median_class(p, classes), [3, 2, 1, 1])


def test_median_class_minimises_expected_absolute_error():
    rng = np.random.default_rng(1)
    for k in (2, 3, 5):
        classes = np.sort(rng.choice(np.arange(1, 9), k, replace=False))
        p = rng.random((200, k - 1))
        # avoid exact 1/2 cumulative probabilities, where the minimiser is not unique
        p = np.where(np.abs(p - 0.5) < 1e-9, 0.4, p)
        np.testing.assert_array_equal(median_class(p, classes),
                                      _median_by_expected_loss(p, classes))
    # two classes, one threshold model; no threshold at all (one class) gives that class
    np.testing.assert_array_equal(median_class(np.zeros((3, 0)), np.array([4])), [4, 4, 4])


def test_ordinal_forest_learns_an_ordered_count():
    rng = np.random.default_rng(0)
    x = rng.random((300, 3))
    y = 1 + np.floor(x[:, 0] * 4)  # counts 1..4 set by the first column, the rest is noise
    model = OrdinalForest(n_estimators=50, random_state=0).fit(x[:200], y[:200])
    pred = model.predict(x[200:])
    assert set(np.unique(pred)) <= {1.0, 2.0, 3.0, 4.0}
    assert np.mean(np.abs(pred - y[200:])) < 0.15
    p = model.predict_exceed(x[200:])
    assert p.shape == (100, 3)
    # a household with x far above every threshold is "more than 3" with high probability
    assert model.predict_exceed(np.array([[0.99, 0.5, 0.5]]))[0, -1] > 0.8
    # seeded: identical refits
    again = OrdinalForest(n_estimators=50, random_state=0).fit(x[:200], y[:200])
    np.testing.assert_array_equal(again.predict_exceed(x[200:]), p)


def test_predict_occupants_ordinal_returns_training_counts():
    rng = np.random.default_rng(3)
    x = rng.random((40, 5))
    y = np.array([1.0, 2.0, 5.0])[rng.integers(0, 3, 40)]
    pred = predict_occupants(x[:30], y[:30], x[30:], method="ordinal_forest", seed=0)
    assert set(np.unique(pred)) <= {1.0, 2.0, 5.0}
    with pytest.raises(ValueError):
        predict_occupants(x[:30], y[:30], x[30:], method="nope", seed=0)


def test_multiresolution_features_add_the_coarser_rungs():
    h, _ = synthetic_household(days=2, seed=5, occupants=2)
    n = len(FEATURES)
    fine = multiresolution_features(h.to_grid(600), TZ)
    assert fine.shape == (n * (1 + len(COARSER_RUNGS_S)),)
    np.testing.assert_array_equal(fine[:n], household_features(h.to_grid(600), TZ))
    # the 30-min block is what the attacker gets by averaging its own 10-min intervals: the
    # same as resampling the native data to 30 min (energy-preserving), within float rounding
    np.testing.assert_allclose(fine[n:2 * n], household_features(h.to_grid(1800), TZ),
                               rtol=1e-6, equal_nan=True)
    # at 60 min no rung is coarser: both extra blocks are empty
    hour = multiresolution_features(h.to_grid(3600), TZ)
    assert np.isnan(hour[n:]).all()
    # at 45 min the 30-min rung is finer and the 60-min rung is no whole multiple
    assert np.isnan(multiresolution_features(h.to_grid(2700), TZ)[n:]).all()


@pytest.mark.slow
def test_ordinal_forest_attack_beats_the_priors(population):
    grids, truths = population
    rows = {r["metric"]: r for r in score_occupants_population(grids, truths, 3600,
                                                               method="ordinal_forest", seed=0)}
    assert rows["mae_persons"]["skill"] > 0.3
    assert rows["balanced_accuracy"]["value"] > 0.6


@pytest.mark.slow
def test_no_method_reads_an_unscaled_population():
    # the same households without the occupant-scaled load: nothing to learn, so no attack
    # may claim skill beyond chance by much (guards against label leakage across folds)
    grids, truths = _population(False, n=9)
    for method in ("forest_regressor", "ordinal_forest"):
        rows = {r["metric"]: r for r in score_occupants_population(grids, truths, 3600,
                                                                   method=method, seed=0)}
        assert rows["mae_persons"]["skill"] < 0.5


def _script():
    from tests.scripts import load_script

    return load_script("occupants_population")


@pytest.mark.slow
def test_population_script_writes_every_method_and_resolution(tmp_path):
    import pandas as pd

    script = _script()
    out = tmp_path / "occ"
    # two rungs and two attacks keep it fast (every forest fold fits hundreds of trees)
    script.main(["--households", "4", "--days", "2", "--out", str(out), "--seed", "5",
                 "--n-boot", "20", "--resolutions", "10min", "30min", "--methods", "ridge",
                 "ordinal_forest"])
    df = pd.read_csv(out / "occupants_population.csv")
    assert len(df) == 2 * 2 * 2
    assert set(df.resolution) == {"10min", "30min"}
    assert set(df.method) == {"ridge", "ordinal_forest"}
    assert df.simulated.all() and (df.households == 4).all()
    assert sorted(df.period_s.unique()) == [600, 1800]
    assert set(script.RESOLUTIONS) == {"1min", "10min", "15min", "30min", "60min", "1d"}
    # the same scores as the scorer on the study's own data
    from nilm.study import Source, load_house

    src = Source("pop", households=4, days=2, period=60, seed=5)
    pairs = [load_house(src, f"sim_{k:03d}", out / "study") for k in range(4)]
    seed = int(df[(df.method == "ridge")].seed.iloc[0])
    want = {r["metric"]: r for r in score_occupants_population(
        [h.to_grid(1800) for h, _ in pairs], [t for _, t in pairs], 1800, method="ridge",
        seed=seed, n_boot=20)}
    got = df[(df.method == "ridge") & (df.period_s == 1800)].set_index("metric")
    for metric, r in want.items():
        np.testing.assert_allclose(got.loc[metric, "value"], r["value"], equal_nan=True)
        np.testing.assert_allclose(got.loc[metric, "prior"], r["prior"], equal_nan=True)
    md = (out / "occupants_population.md").read_text()
    assert "Simulated data" in md
    assert md.count("\n| ") == 1 + 2 * 2
