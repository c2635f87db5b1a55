"""The zero-training ``hmm`` occupancy attack on hand-made synthetic data (simulated)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.metrics import mcc
from nilm.privacy.occupancy import gaussian_hmm_path, occupancy_hmm, score_occupancy
from nilm.privacy.truth_proxy import presence_on_grid
from tests.synthetic import TZ, synthetic_household


def test_hmm_path_recovers_planted_regimes():
    rng = np.random.default_rng(0)
    z = np.repeat([0, 1, 0, 1, 0], [40, 25, 30, 20, 35])
    x = np.stack([rng.normal(z * 2.0, 0.5), rng.normal(z * 1.0, 0.5)], axis=1)
    path = gaussian_hmm_path(x)
    assert (path == z).mean() > 0.95
    # with the labels of the regimes shuffled the same path agrees only by chance
    zp = rng.permutation(z)
    assert abs(float(mcc(zp, path.astype(float), threshold=0.5))) < 0.2
    # the more active state is 1 whatever the initial split
    assert gaussian_hmm_path(-x).mean() == pytest.approx(1 - path.mean(), abs=0.05)


def test_hmm_path_of_a_constant_series_is_one_state():
    assert np.all(gaussian_hmm_path(np.ones((50, 2))) == 0)


@pytest.mark.parametrize("period", [60, 1800])
def test_hmm_detects_planted_absences_without_training(period):
    h, truth = synthetic_household(days=7, seed=0, heater_hours=2.0)
    g = h.to_grid(period)
    pred = occupancy_hmm(g, TZ)
    y = presence_on_grid(truth, g.start, period, len(g))
    ok = np.isfinite(y) & np.isfinite(pred)
    assert mcc(y[ok], pred[ok], threshold=0.5) > 0.7
    # the same verdict against the truth shifted by two days (the weekend's presence onto
    # Monday and Tuesday, wake and bed jitter of other days): far worse
    y_shift = np.roll(y, int(2 * 86400 // period))
    assert mcc(y_shift[ok], pred[ok], threshold=0.5) < 0.5


def test_hmm_flat_curve_leaks_nothing():
    h, truth = synthetic_household(days=7, seed=0)
    g = h.to_grid(1800)
    g.mains = np.full_like(g.mains, 300.0)
    rows = {r["metric"]: r for r in score_occupancy(g, truth, 1800, method="hmm")}
    assert rows["mcc"]["skill"] == pytest.approx(0.0, abs=1e-12)
