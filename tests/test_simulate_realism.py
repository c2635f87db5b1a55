"""Realism measures: day features of known profiles, KS distance, percentile, and the classifier
two-sample test (0.5 on one distribution, near 1 on two)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.simulate.realism import (
    _auc,
    day_features,
    ks_distance,
    percentile_in,
    two_sample_auc,
)


def test_day_features_of_a_known_profile():
    p = np.full(144, 100.0)
    p[19 * 6:19 * 6 + 6] = 1000.0  # 19:00-20:00 at 1 kW
    f = day_features(p, 600)
    assert f["daily_kwh"] == pytest.approx((138 * 100 + 6 * 1000) * 600 / 3.6e6)
    assert f["evening_peak_h"] == 19.0
    assert f["base_share"] == pytest.approx(100.0 / p.mean())
    assert f["load_factor"] == pytest.approx(p.mean() / 1000.0)
    assert f["step_p50_w"] == 0.0
    assert f["night_day_ratio"] == pytest.approx(100.0 / p[36:].mean())
    # the same day read from 17:00: same features
    g = day_features(np.roll(p, -17 * 6), 600, start_h=17.0)
    for k in f:
        assert g[k] == pytest.approx(f[k]), k


def test_ks_percentile_and_auc():
    a = np.arange(10.0)
    assert ks_distance(a, a) == 0.0 and ks_distance(a, a + 100) == 1.0
    assert percentile_in(4.5, a) == 50.0 and percentile_in(-1, a) == 0.0
    y = np.r_[np.ones(3, int), np.zeros(3, int)]
    assert _auc(y, np.array([3.0, 4, 5, 0, 1, 2])) == 1.0
    assert _auc(y, np.array([1.0, 1, 1, 1, 1, 1])) == 0.5


def test_two_sample_auc_tells_apart_only_different_samples():
    rng = np.random.default_rng(0)
    same = two_sample_auc(rng.normal(size=(40, 6)), rng.normal(size=(80, 6)), repeats=3,
                          n_boot=200, classifier="logistic")
    assert 0.3 < same["auc"] < 0.7 and same["ci"][0] < 0.5 < same["ci"][1]
    diff = two_sample_auc(rng.normal(size=(40, 6)) + 1.5, rng.normal(size=(80, 6)), repeats=3,
                          n_boot=200, n_trees=40)
    assert diff["auc"] > 0.9 and diff["ci"][0] > 0.8
    assert 0.25 < diff["null_auc"] < 0.75
