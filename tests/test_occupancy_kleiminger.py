"""The ``kleiminger`` occupancy attack (Kleiminger et al. 2015's window features + classifiers)
on hand-made synthetic weeks (simulated data, planted weekday absences)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.metrics import mcc
from nilm.privacy.occupancy import (
    KLEIMINGER_CLASSIFIERS,
    KleimingerOccupancy,
    score_occupancy,
    window_features,
    window_labels,
)
from nilm.privacy.truth_proxy import presence_on_grid
from tests.synthetic import TZ, synthetic_household


@pytest.fixture(scope="module")
def pair():
    return (synthetic_household(days=7, seed=0, heater_hours=2.0),
            synthetic_household(days=7, seed=8, heater_hours=2.0))


def test_window_features_by_hand():
    from nilm.series import Grid

    p = np.array([100.0, 140.0, 100.0, np.nan, 500.0, 500.0, 500.0, 500.0])
    g = Grid(0, 300, p, np.zeros((len(p), 0)), [])
    x, block = window_features(g, window_s=1200.0, on_off_w=30.0)
    assert block.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    # before the within-household rank, window 0: min 100, max 140, range 40, sum |Δ| 80,
    # 2 on/off events; window 1 is flat at 500 W — every column ranks 0 above 1 except
    # min and mean (500 > 100/113) where window 1 is higher
    assert x.shape == (2, 7)
    assert x[1, 0] > x[0, 0] and x[1, 2] > x[0, 2]
    assert x[0, 3] > x[1, 3] and x[0, 4] > x[1, 4] and x[0, 5] > x[1, 5] and x[0, 6] > x[1, 6]


@pytest.mark.parametrize("classifier", KLEIMINGER_CLASSIFIERS)
def test_detects_planted_absences_across_households(pair, classifier):
    (h, truth), (other, tr_other) = pair
    g_tr = other.to_grid(60)
    g_tr.mains = g_tr.mains * 2.0 + 400.0  # a bigger house: per-household ranks transfer
    g = h.to_grid(60)
    att = KleimingerOccupancy(classifier=classifier).fit([(g_tr, tr_other)])
    pred = att.predict(g, TZ)
    y = presence_on_grid(truth, g.start, 60, len(g))
    ok = np.isfinite(y) & np.isfinite(pred)
    assert ok.mean() > 0.9
    m = mcc(y[ok], pred[ok], threshold=0.5)
    assert m > 0.5, m
    # the curve-only verdict (no sleep-hours rule, which reads the clock) against the truth
    # of the days permuted and reversed (weekday absences moved to other days and hours): no
    # skill
    pred = KleimingerOccupancy(classifier=classifier, sleep=None).fit(
        [(g_tr, tr_other)]).predict(g, TZ)
    rng = np.random.default_rng(1)
    day = np.arange(len(y)) // 1440
    perm = rng.permutation(7)
    while (perm == np.arange(7)).any():
        perm = rng.permutation(7)
    y_perm = np.concatenate([y[day == d][::-1] for d in perm])
    okp = np.isfinite(y_perm) & np.isfinite(pred)
    m_perm = float(np.nan_to_num(mcc(y_perm[okp], pred[okp], threshold=0.5)))
    assert abs(m_perm) < 0.15, m_perm


def test_scored_by_the_study_design_and_flat_curve_leaks_nothing(pair):
    (h, truth), _ = pair
    rows = {r["metric"]: r for r in score_occupancy(h.to_grid(600), truth, 600,
                                                     method="kleiminger")}
    assert rows["mcc"]["split"] == "temporal_half"
    assert rows["mcc"]["value"] > 0.35
    g = h.to_grid(1800)
    g.mains = np.full_like(g.mains, 300.0)
    flat = {r["metric"]: r for r in score_occupancy(g, truth, 1800, method="kleiminger")}
    assert flat["mcc"]["skill"] == pytest.approx(0.0, abs=1e-12)


def test_window_labels_majority(pair):
    (h, truth), _ = pair
    g = h.to_grid(60)
    _, block = window_features(g)
    lab = window_labels(truth, g, block)
    y = presence_on_grid(truth, g.start, 60, len(g))
    assert lab.shape == (block[-1] + 1,)
    assert lab[0] == y[:15].mean() >= 0.5


def test_unknown_classifier_is_a_clear_error(pair):
    (h, truth), _ = pair
    with pytest.raises(ValueError, match="classifier must be one of"):
        KleimingerOccupancy(classifier="tree").fit([(h.to_grid(600), truth)])


def test_sleep_rule_keeps_a_sleeping_household_at_home(pair):
    (h, truth), (other, tr_other) = pair
    g, g_tr = h.to_grid(60), other.to_grid(60)
    y = presence_on_grid(truth, g.start, 60, len(g))
    scores = {}
    for sleep in ((0.0, 6.0), None):
        pred = KleimingerOccupancy(sleep=sleep).fit([(g_tr, tr_other)]).predict(g, TZ)
        ok = np.isfinite(y) & np.isfinite(pred)
        scores[sleep] = mcc(y[ok], pred[ok], threshold=0.5)
    # simulated: quiet nights look like an empty house to the window statistics alone
    assert scores[(0.0, 6.0)] > scores[None] + 0.1, scores
