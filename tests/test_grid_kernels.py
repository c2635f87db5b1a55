"""Grid bookkeeping kernels (nilm.kernels.grid) against their naive twins (tests/naive.py), on
random and adversarial inputs, and the scorer helpers built on them against what they replace."""

import numpy as np
import pandas as pd
import pytest

from nilm import metrics as M
from nilm.clock import CHUNK_BITS, local_clock, offset_table
from nilm.kernels import grid as K
from nilm.privacy import hot_water as H
from nilm.series import Grid
from tests import naive

# 2021-03-28 01:00 UTC (Paris spring forward) and 2021-10-31 01:00 UTC (fall back)
SPRING, AUTUMN = 1616893200, 1635642000


def _clock(start, period, n, tz):
    t_last = start + int(np.int64((n - 1) * period)) if n else start
    trans, offs = offset_table(tz, min(start, t_last) >> CHUNK_BITS,
                                max(start, t_last) >> CHUNK_BITS)
    return K.regular_clock(start, period, n, trans, offs)


@pytest.mark.parametrize("start,period,n,tz", [
    (SPRING - 7200, 1.0, 4 * 3600, "Europe/Paris"),       # across a forward change
    (AUTUMN - 7200, 1.0, 4 * 3600, "Europe/Paris"),       # across a backward change
    (AUTUMN - 86400 * 3, 3600.0, 24 * 7, "Europe/Paris"),
    (SPRING - 1000, 7.5, 5000, "America/New_York"),       # non-integer period
    (-86400 * 3 - 17, 601.0, 2000, "Asia/Kolkata"),       # before 1970: floor division
    (1600000000, 86400.0, 40, "Australia/Lord_Howe"),     # half-hour DST offset
    (1600000000, 60.0, 1, "UTC"),                         # single interval
    (1600000000, 60.0, 0, "UTC"),                         # empty
])
def test_regular_clock_matches_naive(start, period, n, tz):
    day, sod = _clock(start, period, n, tz)
    want_day, want_sod = naive.regular_clock(start, period, n, tz)
    assert day.dtype == np.int64 and sod.dtype == np.float64
    np.testing.assert_array_equal(day, want_day)
    np.testing.assert_array_equal(sod, want_sod)


@pytest.mark.parametrize("tz", ["Europe/Paris", "America/Los_Angeles", "UTC"])
def test_grid_clock_equals_local_clock(tz):
    rng = np.random.default_rng(3)
    for _ in range(5):
        start = int(rng.integers(SPRING - 10 * 86400, AUTUMN + 10 * 86400))
        period = float(rng.choice([1.0, 2.0, 6.0, 60.0, 900.0, 0.5]))
        n = int(rng.integers(0, 300_000 / period))
        g = Grid(start, period, np.zeros(n, np.float32), np.zeros((0, n)), [])
        got = H.grid_clock(g, tz)
        want = local_clock(g.t, tz)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("seed", range(4))
def test_confusion_block_counts_matches_naive(seed):
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(1, 4)), int(rng.integers(0, 300))
    y = rng.choice([0.0, 1.0, 40.0, 60.0, np.nan, np.inf], size=(k, n))
    p = rng.choice([0.0, 1.0, 50.0, np.nan, -np.inf], size=(k, n))
    th = rng.choice([0.5, 50.0, np.nan], size=k)
    for length in (1, 7, max(n, 1), n + 5):
        got = K.confusion_block_counts(y, p, th, length)
        np.testing.assert_array_equal(got, naive.confusion_block_counts(y, p, th, length))


def test_confusion_block_counts_edge_cases():
    empty = np.zeros((1, 0))
    assert K.confusion_block_counts(empty, empty, np.ones(1), 3).shape == (0, 4)
    one = np.array([[2.0]])
    np.testing.assert_array_equal(K.confusion_block_counts(one, one, np.ones(1), 5),
                                  [[1.0, 0.0, 0.0, 0.0]])
    nan = np.full((1, 4), np.nan)
    np.testing.assert_array_equal(K.confusion_block_counts(nan, nan, np.ones(1), 2),
                                  np.zeros((2, 4)))


@pytest.mark.parametrize("shape,threshold", [((500,), 0.5), ((3, 200), 50.0),
                                             ((3, 200), np.array([0.5, 50.0, 10.0])),
                                             ((0,), 0.5), ((1,), 0.5)])
@pytest.mark.parametrize("length", [1, 24, 1000])
def testconfusion_block_sums_equal_per_sample_definition(shape, threshold, length):
    """The counting path gives the very float64 block sums of the per-sample statistics."""
    rng = np.random.default_rng(len(shape) * 7 + length)
    y = rng.choice([0.0, 1.0, 20.0, 80.0, np.nan], size=shape)
    p = rng.choice([0.0, 1.0, 30.0, 70.0, np.nan], size=shape)
    want = M._block_sums(M._confusion_stats(y, p, threshold=threshold), length)
    got = M.confusion_block_sums(y, p, length, threshold=threshold)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fn", [M.mcc, M.f1, M.precision, M.recall])
def test_confusion_metric_value_unchanged(fn):
    rng = np.random.default_rng(11)
    y = rng.choice([0.0, 1.0, np.nan], size=2000)
    p = rng.choice([0.0, 1.0, np.nan], size=2000)
    stats, value = M._DECOMPOSABLE[fn]
    want = float(value(stats(y, p, threshold=0.5).sum(axis=1)))
    assert fn(y, p, threshold=0.5) == want


@pytest.mark.parametrize("w", [1, 2, 3, 4, 5, 10, 101])
def test_any_centered_matches_naive_and_pandas(w):
    rng = np.random.default_rng(w)
    for n in (0, 1, 2, 9, 300):
        x = rng.choice([0.0, 1.0, np.nan], size=n, p=[0.8, 0.05, 0.15])
        mask = x == 1
        got = K.any_centered(mask, w)
        np.testing.assert_array_equal(got, naive.any_centered(mask, w))
        if n:
            rolled = pd.Series(x).rolling(w, center=True, min_periods=1).max().to_numpy() > 0
            np.testing.assert_array_equal(got, rolled)
    np.testing.assert_array_equal(K.any_centered(np.ones(7, bool), w), np.ones(7, bool))


@pytest.mark.parametrize("w0,length,period", [(21 * 3600.0, 10.5 * 3600, 1.0),
                                              (22 * 3600.0, 8 * 3600.0, 600.0),
                                              (1234.567, 3600.0, 7.25),
                                              (0.0, 86400.0, 86400.0)])
def test_offpeak_window_matches_naive(w0, length, period):
    rng = np.random.default_rng(int(w0) % 97)
    n = 500
    day = np.sort(rng.integers(-3, 30, n)).astype(np.int64)
    sod = rng.choice([0.0, w0, w0 - 1e-9, 86399.0, 43200.5], size=n)
    sod = np.where(rng.random(n) < 0.5, np.floor(rng.random(n) * 86400), sod)
    finite = rng.random(n) < 0.9
    got = K.offpeak_window(day, sod, finite, w0, length, period)
    want = naive.offpeak_window(day, sod, finite, w0, length, period)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    empty = K.offpeak_window(day[:0], sod[:0], finite[:0], w0, length, period)
    assert empty[0].shape == empty[1].shape == (0,)


def test_offpeak_mask_equals_numpy_definition():
    n = 3 * 86400 // 60
    rng = np.random.default_rng(5)
    mains = np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 1000).astype(np.float32)
    g = Grid(AUTUMN - 86400, 60.0, mains, np.zeros((0, n)), [])
    day, sod = local_clock(g.t, "Europe/Paris")
    u = (sod - 22 * 3600.0) % 86400
    mask, night = H.offpeak_mask(g, "Europe/Paris", (22.0, 6.0))
    np.testing.assert_array_equal(mask, (u + 60.0 <= 8 * 3600.0) & np.isfinite(mains))
    np.testing.assert_array_equal(night, day - (sod < 22 * 3600.0).astype(np.int64))


@pytest.mark.parametrize("x", [np.array([3, 3, 4, 7, 7, 7]), np.array([5, 2, 2, 9]),
                               np.array([1]), np.zeros(0, np.int64), np.array([4, 4])])
def test_unique_days_equals_np_unique(x):
    got = H.unique_days(x)
    np.testing.assert_array_equal(got, np.unique(x))
    assert got.dtype == np.unique(x).dtype


@pytest.mark.parametrize("step,period,offset", [(60, 1, 0), (60, 1, 17), (60, 7, -3600),
                                                (1, 60, 5), (60, 90, 30), (3600, 86400, -7)])
def test_bool_timeline_share_matches_naive_and_interpolation(step, period, offset):
    """The integer kernel gives the very fractions of timeline_on_grid's float interpolation."""
    from nilm.privacy.truth_proxy import timeline_on_grid

    rng = np.random.default_rng(step + period)
    for m in (1, 2, 50):
        v = rng.random(m) < 0.6
        start = 1_600_000_000
        n = int((m * step + 2 * abs(offset) + 3 * period) // period)
        g0 = start + offset - period  # the grid spills over both ends of the timeline
        got = K.bool_timeline_share(v, start, step, g0, period, n, 0.5)
        np.testing.assert_array_equal(got, timeline_on_grid(v, start, step, g0, float(period), n))
        if n * m <= 20_000:
            np.testing.assert_array_equal(got, naive.bool_timeline_share(v, start, step, g0,
                                                                          period, n, 0.5))
    assert K.bool_timeline_share(np.ones(3, bool), 0, 60, 0, 60, 0, 0.5).shape == (0,)
    constant = K.bool_timeline_share(np.ones(5, bool), 0, 60, 0, 30, 10, 0.5)
    np.testing.assert_array_equal(constant, np.ones(10))


def test_presence_on_grid_integer_path_equals_float_path():
    from nilm.privacy.truth_proxy import presence_on_grid, timeline_on_grid
    from nilm.truth import GroundTruth

    rng = np.random.default_rng(8)
    present = rng.random((2, 3000)) < 0.3
    truth = GroundTruth(start=1_600_000_020, step=60, timezone="UTC", present_person=present,
                        awake_person=present, days=np.zeros(0, np.int64), wake=np.zeros((2, 0)),
                        bed=np.zeros((2, 0)), hot_water_l=np.zeros(0),
                        water_heater_kwh=np.zeros(0), occupants=2)
    for g0, period, n in ((1_600_000_000, 1, 200_000), (1_600_000_013, 2, 90_000),
                          (1_599_990_000, 600, 400)):
        frac = timeline_on_grid(truth.present, truth.start, truth.step, g0, float(period), n)
        for rule, lab in (("majority", frac >= 0.5), ("any", frac > 0)):
            want = np.where(np.isfinite(frac), lab.astype(float), np.nan)
            np.testing.assert_array_equal(presence_on_grid(truth, g0, period, n, rule=rule),
                                          want)


@pytest.mark.parametrize("fn", ["mean", "std", "max", "min"])
@pytest.mark.parametrize("w", [1, 2, 3, 4, 7, 60, 1000])
def test_centered_is_pandas_rolling_to_the_bit(fn, w):
    from nilm.signal import centred, centred_kernels

    rng = np.random.default_rng(w)
    cases = [rng.normal(300, 200, 500), np.full(50, 123.4), np.zeros(0), np.array([7.0]),
             np.where(rng.random(400) < 0.2, np.nan, rng.lognormal(5, 2, 400)),
             np.array([1.0, np.inf, 3.0, -np.inf, np.nan, 1e12, -1e-12, 0.0] * 20),
             np.full(30, np.nan), np.repeat([0.0, 1.0, np.nan], 77)]
    for x in cases:
        want = getattr(pd.Series(x).rolling(w, center=True, min_periods=1), fn)().to_numpy()
        # the pandas-kernel path itself (a pandas release that changes it fails here), and
        # the public function (which falls back to the rolling expression)
        for got in (centred_kernels(x, w, fn), centred(x, w, fn)):
            assert got.dtype == np.float64 and got.shape == want.shape
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
