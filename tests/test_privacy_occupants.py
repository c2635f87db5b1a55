"""Occupant-count attack across a population of synthetic households (simulated data)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.privacy.occupants import (
    FEATURES,
    balanced_accuracy,
    household_features,
    majority,
    score_occupants,
    score_occupants_population,
)
from tests.test_privacy_synth import TZ, synthetic_household


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
