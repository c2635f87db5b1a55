"""The ``segmentation`` routine attack: exact two-change-point segmentation of the night."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nilm.privacy.routine import (
    household_wake_bed,
    score_routine,
    segment_night,
    segmentation_wake_bed,
)
from tests.synthetic import TZ, spiked_night, synthetic_household


def _naive_segment(a, lo_bed, hi_bed, lo_wake, hi_wake):
    """Every (i, j) pair scored from scratch with plain Python (the twin of segment_night)."""
    best, arg = np.inf, (-1, -1)
    for i, j in itertools.product(range(max(lo_bed, 1), hi_bed),
                                  range(lo_wake, min(hi_wake, len(a)))):
        if i >= j:
            continue
        segs = [[v for v in a[s:e] if np.isfinite(v)] for s, e in ((0, i), (i, j), (j, len(a)))]
        if not segs[1]:
            continue
        means = [np.mean(s) if s else np.nan for s in segs]
        if not (means[1] < means[0] and means[1] < means[2]):
            continue
        cost = sum(sum((v - m) ** 2 for v in s) for s, m in zip(segs, means, strict=True) if s)
        if cost < best - 1e-12:
            best, arg = cost, (i, j)
    return arg


@pytest.mark.parametrize("seed", range(6))
def test_segment_night_equals_its_naive_twin(seed):
    rng = np.random.default_rng(seed)
    n = 40
    a = np.r_[rng.random(12) < 0.7, rng.random(16) < 0.1, rng.random(12) < 0.7].astype(float)
    a[rng.integers(0, n, 3)] = np.nan
    assert segment_night(a, 2, 25, 15, 38) == _naive_segment(a, 2, 25, 15, 38)


def test_segment_night_finds_a_planted_night_and_refuses_a_flat_one():
    a = np.r_[np.ones(10), np.zeros(20), np.ones(10)]
    a[17] = 1.0  # one blip in the night does not end it
    assert segment_night(a, 0, 30, 0, 40) == (10, 30)
    assert segment_night(np.zeros(40), 0, 30, 0, 40) == (-1, -1)


@pytest.fixture(scope="module")
def week():
    return synthetic_household(days=7, seed=2, jitter_min=45)


def test_segmentation_recovers_planted_times_and_not_permuted_ones(week):
    h, truth = week
    days, wake, bed = segmentation_wake_bed(h.to_grid(60), TZ)
    _, t_wake, t_bed = household_wake_bed(truth)
    ok = np.isfinite(wake) & np.isfinite(t_wake)
    assert ok.sum() >= 5
    err = np.abs(wake - t_wake)[ok] / 60
    assert np.median(err) < 10
    okb = np.isfinite(bed) & np.isfinite(t_bed)
    assert okb.sum() >= 5
    assert np.median(np.abs(bed - t_bed)[okb] / 60) < 10
    # against the same household's truth with the days permuted (time of day kept, day
    # shuffled) the estimates are no better than chance: the jitter is 45 min
    rng = np.random.default_rng(0)
    sod_true = t_wake - truth.days
    perm = rng.permutation(len(t_wake))
    shuffled = t_wake - sod_true + sod_true[perm]
    keep = ok & (perm != np.arange(len(perm)))
    assert np.median(np.abs(wake - shuffled)[keep] / 60) > 2 * np.median(err) + 5


def test_segmentation_ignores_a_lone_night_spike():
    g, t_wake = spiked_night()
    _, wake, _ = segmentation_wake_bed(g, TZ, q=0.5, margin_w=100.0)
    assert np.isfinite(wake).sum() >= 2
    assert np.nanmax(np.abs(wake - t_wake)) < 20 * 60


def test_segmentation_scores_and_abstains_at_one_day(week):
    h, truth = week
    rows = {(r["target"], r["metric"]): r
            for r in score_routine(h.to_grid(600), truth, 600, method="segmentation")}
    assert rows[("wake", "within_30min")]["value"] > 0.7
    daily = {(r["target"], r["metric"]): r
             for r in score_routine(h.to_grid(86400), truth, 86400, method="segmentation")}
    assert daily[("wake", "coverage")]["value"] == 0.0
