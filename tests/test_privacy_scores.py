"""nilm.privacy.scores and the truth-to-grid alignment: skill, quantisation floor, local clock,
day-block CIs, time-weighted overlap (against naive loops)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from nilm.privacy import scores
from nilm.privacy.truth_proxy import timeline_on_grid


def test_skill_is_zero_for_the_prior_and_one_for_perfect():
    assert scores.skill_error(3.0, 3.0) == 0.0
    assert scores.skill_error(0.0, 3.0) == 1.0
    assert scores.skill_error(6.0, 3.0) == -1.0
    assert scores.skill_score(0.4, 0.4) == 0.0
    assert scores.skill_score(1.0, 0.4) == 1.0
    assert np.isnan(scores.skill_error(1.0, 0.0))
    assert np.isnan(scores.skill_error(1.0, 1e-14))  # a perfect prior up to rounding
    assert np.isnan(scores.skill_score(0.5, 1.0))


def test_quantisation_floor_matches_a_midpoint_oracle():
    rng = np.random.default_rng(1)
    period = 1800.0
    t = rng.uniform(0, 100 * period, 200_000)
    guess = (np.floor(t / period) + 0.5) * period
    assert abs(np.mean(np.abs(guess - t)) - scores.quantisation_floor_s(period)) < 0.01 * period


def test_always_positive_f1_is_the_f1_of_predicting_all_positive():
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0])
    tp, fp = y.sum(), (1 - y).sum()
    assert scores.always_positive_f1(y.mean()) == pytest.approx(2 * tp / (2 * tp + fp))


@pytest.mark.parametrize("tz", ["Europe/Paris", "America/New_York", "UTC"])
def test_local_clock_matches_zoneinfo_across_dst(tz):
    # span both 2024 DST changes of the zone, hour by hour plus odd offsets
    t = np.concatenate([np.arange(1709251200, 1712000000, 3600),
                        np.arange(1729900000, 1731000000, 3617)]).astype(np.int64)
    day, sod = scores.local_clock(t, tz)
    z = ZoneInfo(tz)
    for ti, d, s in zip(t[::7], day[::7], sod[::7], strict=True):
        loc = dt.datetime.fromtimestamp(int(ti), z)
        assert d == (loc.date() - dt.date(1970, 1, 1)).days
        assert s == loc.hour * 3600 + loc.minute * 60 + loc.second
    mid = scores.day_start_utc(np.unique(day), tz)
    for d, m in zip(np.unique(day), mid, strict=True):
        loc = dt.datetime.fromtimestamp(int(m), z)
        assert (loc.hour, loc.minute) == (0, 0)
        assert (loc.date() - dt.date(1970, 1, 1)).days == d


def test_local_clock_empty():
    day, sod = scores.local_clock(np.zeros(0, np.int64), "Europe/Paris")
    assert day.shape == sod.shape == (0,)


def test_ratio_ci_covers_value_and_is_seeded():
    rng = np.random.default_rng(0)
    num, den = rng.uniform(0, 10, 30), np.ones(30)
    v, lo, hi = scores.ratio_ci(num, den, seed=3)
    assert v == pytest.approx(num.mean())
    assert lo < v < hi
    assert scores.ratio_ci(num, den, seed=3) == (v, lo, hi)
    assert scores.ratio_ci(num, den, seed=4) != (v, lo, hi)
    assert all(np.isnan(scores.ratio_ci(np.zeros(0), np.zeros(0), seed=0)))


def test_error_rows_prior_gets_zero_skill():
    err = np.array([1.0, 2.0, np.nan, 4.0])
    r = scores.error_rows("x", "y", "mae", err, err, method="m", split="s", seed=0)
    assert set(r) == set(scores.ROW_KEYS)
    assert r["skill"] == 0.0 and r["n"] == 3 and r["value"] == pytest.approx(7 / 3)


def _naive_timeline(values, start, step, gstart, period, n, min_cov=0.5):
    out = np.full(n, np.nan)
    for i in range(n):
        a, b = gstart + i * period, gstart + (i + 1) * period
        tot = cov = 0.0
        for j, v in enumerate(values):
            lo, hi = max(a, start + j * step), min(b, start + (j + 1) * step)
            if hi > lo and np.isfinite(v):
                tot += v * (hi - lo)
                cov += hi - lo
        if cov >= min_cov * period and cov > 0:
            out[i] = tot / cov
    return out


@pytest.mark.parametrize("step,period,offset", [(60, 600, 0), (60, 30, 15), (60, 86400, -3600),
                                                (60, 90, 45), (10, 7, 3)])
def test_timeline_on_grid_matches_naive_overlap(step, period, offset):
    rng = np.random.default_rng(step + period)
    v = (rng.random(300) > 0.4).astype(float)
    v[rng.random(300) < 0.1] = np.nan  # gaps
    v[100:150] = 1.0  # constant run
    start = 1_700_000_000
    n = int(300 * step / period) + 2
    got = timeline_on_grid(v, start, step, start + offset, period, n)
    want = _naive_timeline(v, start, step, start + offset, period, n)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_timeline_on_grid_single_and_empty():
    assert np.isnan(timeline_on_grid(np.zeros(0), 0, 60, 0, 60, 3)).all()
    np.testing.assert_array_equal(timeline_on_grid(np.ones(1), 0, 60, 0, 60, 1), [1.0])


@pytest.mark.parametrize("coarse_start,coarse_period,fine_start,fine_period,n_c,n_f", [
    (0, 60, 0, 10, 5, 30),      # aligned blocks
    (0, 60, 120, 2, 5, 60),     # aligned, fine grid starts later
    (0, 60, 7, 10, 5, 30),      # misaligned: time lookup
    (30, 60, 0, 10, 5, 40),     # fine intervals before and after the coarse grid
    (0, 60, 0, 60, 5, 5),       # the same grid
    (0, 60, 0, 10, 0, 12),      # empty coarse grid
])
def test_spread_reads_the_coarse_interval_holding_each_start(coarse_start, coarse_period,
                                                             fine_start, fine_period, n_c, n_f):
    from nilm.privacy.scores import spread
    from nilm.series import Grid

    coarse = Grid(coarse_start, coarse_period, np.zeros(n_c), np.zeros((0, n_c)), [])
    fine = Grid(fine_start, fine_period, np.zeros(n_f), np.zeros((0, n_f)), [])
    values = np.arange(1.0, n_c + 1)
    want = []
    for t in fine.t:  # naive: search the coarse interval [s, s + period) holding t
        hit = [v for s, v in zip(coarse.t, values) if s <= t < s + coarse_period]
        want.append(hit[0] if hit else -1.0)
    np.testing.assert_array_equal(spread(values, coarse, fine, -1.0), want)
