"""Resampling: the Numba kernel against its naive twin, energy conservation (hypothesis and real
data), the public API (resample, to_grid, daily_energy, parse_period)."""

from __future__ import annotations

import functools

import naive
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nilm.kernels.resample import _held_sum, _run_sum, _unit_sum, hold_integrate
from nilm.resample import (
    RESOLUTION_LADDER,
    daily_energy,
    parse_period,
    resample,
    to_grid,
    utc_offsets,
)
from nilm.series import Household, PowerSeries


def _compare(t, p, edges, max_gap, last_hold):
    t = np.asarray(t, dtype=np.int64)
    p = np.asarray(p, dtype=np.float32)
    edges = np.asarray(edges, dtype=np.int64)
    e1, c1 = hold_integrate(t, p, edges, max_gap, last_hold)
    e2, c2 = naive.hold_integrate(t, p, edges, max_gap, last_hold)
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_allclose(e1, e2, rtol=1e-12, atol=1e-9)
    return e1, c1


def _random_case(rng):
    n = int(rng.integers(0, 40))
    t = rng.integers(-50, 50) + np.cumsum(rng.integers(1, 25, n))
    p = rng.normal(500, 300, n).astype(np.float32)
    p[rng.random(n) < 0.2] = np.nan
    if rng.random() < 0.3 and n:
        p[:] = p[0]  # constant run
    m = int(rng.integers(1, 15))
    edges = rng.integers(-80, 0) + np.cumsum(rng.integers(1, 40, m + 1))
    return t, p, edges, int(rng.integers(0, 40)), int(rng.integers(0, 40))


def test_kernel_matches_naive_on_random_inputs():
    rng = np.random.default_rng(1)
    for _ in range(400):
        _compare(*_random_case(rng))


def test_kernel_matches_naive_on_dense_runs():
    # many samples per bin: exercises the vectorised fast path, with NaN and gaps inside runs
    rng = np.random.default_rng(2)
    for _ in range(100):
        n = int(rng.integers(1, 400))
        t = np.cumsum(rng.integers(1, 4, n)) + int(rng.integers(-20, 20))
        t[n // 2:] += int(rng.integers(0, 50))  # a gap longer than max_gap, sometimes
        p = rng.normal(800, 400, n).astype(np.float32)
        p[rng.random(n) < 0.05] = np.nan
        edges = np.cumsum(rng.integers(20, 120, int(rng.integers(2, 12))))
        _compare(t, p, edges, int(rng.integers(1, 10)), int(rng.integers(0, 5)))


@pytest.mark.parametrize("seed", range(8))
def test_run_sums_match_naive(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 1000))
    if seed % 2:  # 1-s steps with a few irregular ones: exercises the 1-s shortcut and blocks
        t = np.cumsum(np.where(rng.random(n) < 0.01, rng.integers(2, 90, n), 1))
    else:
        t = np.cumsum(rng.integers(1, 30, n))
    t = t.astype(np.int64)
    p = rng.normal(0, 1000, n).astype(np.float32)
    p[rng.random(n) < (0.1 if seed < 4 else 0.0)] = np.nan
    if seed == 7:
        p[3] = np.inf  # propagates through the shortcut as through the loop
    i0, i1 = sorted(int(x) for x in rng.integers(0, n, 2))
    for gap in (0, 1, 12, 10**6):
        want = naive.run_sum(t, p, i0, i1, gap)
        for got in (_run_sum(t, p, i0, i1, gap), _held_sum(t, p, i0, i1, gap)):
            assert got[1] == want[1]
            np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=1e-9)
    unit = np.arange(n, dtype=np.int64)
    e, c = _unit_sum(p, i0, i1)
    e2, c2 = naive.run_sum(unit, p, i0, i1, 1)
    assert c == c2
    np.testing.assert_allclose(e, e2, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("t, p, edges, gap, last", [
    ([], [], [0, 10, 20], 60, 10),                       # empty series
    ([5], [100.0], [0, 10, 20], 60, 10),                 # single sample, hold by last_hold
    ([5], [100.0], [0, 10, 20], 60, 0),                  # single sample without a period
    ([0, 10, 20], [np.nan] * 3, [0, 30], 60, 10),        # all missing
    ([0, 10, 20, 30], [7.0] * 4, [0, 10, 20, 30, 40], 60, 10),  # on boundaries, constant
    ([-30, -10, 5], [1.0, 2.0, 3.0], [0, 4, 8], 60, 10),  # first samples before start
    ([0, 100, 105], [1.0, 2.0, 3.0], [0, 50, 100, 150], 20, 10),  # gap > max_gap
    ([0, 60], [3.0, 4.0], np.arange(0, 121, 7), 60, 60),  # upsampling: bins << step
    ([0, 10], [1.0, 2.0], [100, 200], 60, 10),           # grid after the data
    ([200, 210], [1.0, 2.0], [0, 100], 60, 10),          # grid before the data
    ([0, 10], [np.inf, 1.0], [0, 5, 30], 60, 10),        # inf propagates, not dropped
    ([0, 1, 2], [1.0, 2.0, 3.0], [0], 60, 10),           # no bins at all
])
def test_kernel_matches_naive_on_adversarial_inputs(t, p, edges, gap, last):
    _compare(t, p, edges, gap, last)


def test_kernel_exact_small_case():
    # sample 0 holds 1 W over [0,10), sample 1 2 W over [10,20), sample 2 3 W over [20,30)
    e, c = _compare([0, 10, 20], [1.0, 2.0, 3.0], [0, 5, 15, 30], 100, 10)
    np.testing.assert_array_equal(c, [5, 10, 15])
    np.testing.assert_array_equal(e, [5.0, 1 * 5 + 2 * 5, 2 * 5 + 3 * 10])


def test_kernel_gap_and_nan_leave_missing_time():
    # max_gap 4: sample 0 covers [0,4) only; NaN at 10 holds missing until 20
    e, c = _compare([0, 10, 20], [2.0, np.nan, 5.0], [0, 10, 20, 30], 4, 10)
    np.testing.assert_array_equal(c, [4, 0, 4])
    np.testing.assert_array_equal(e, [8.0, 0.0, 20.0])


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.integers(1, 300), min_size=1, max_size=60),
       power=st.lists(st.one_of(st.floats(0, 5000, width=32), st.just(float("nan"))),
                      min_size=61, max_size=61),
       period=st.integers(1, 2000), offset=st.integers(0, 5000))
def test_resampling_preserves_energy(steps, power, period, offset):
    t = 1_600_000_000 + offset + np.concatenate([[0], np.cumsum(steps)])
    # an integral nominal period: the resampler holds the last sample for whole seconds
    s = PowerSeries(t, np.array(power[:len(t)], dtype=np.float32), "mains", period=steps[-1])
    start, values, coverage = resample(s, period, min_coverage=0.0)
    ok = np.isfinite(values)
    got = np.sum(values[ok] * coverage[ok] * period) / 3600.0
    expected = s.energy_wh()  # PowerSeries' own, independent zero-order-hold integral
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert start % period == 0 and start <= t[0]


def test_resample_mean_of_regular_samples_is_the_plain_mean():
    rng = np.random.default_rng(3)
    p = rng.random(3600 * 3).astype(np.float32) * 2000
    s = PowerSeries(np.arange(3600 * 3) + 1_700_000_400, p, "mains")
    start, values, coverage = resample(s, "10min")
    assert start == 1_700_000_400 // 600 * 600
    lead = 1_700_000_400 - start  # first interval is only partly covered
    head = p[: 600 - lead].astype(np.float64).mean()
    assert values[0] == pytest.approx(head, rel=1e-12)
    assert coverage[0] == pytest.approx((600 - lead) / 600)
    body = p[600 - lead: 600 - lead + 600 * 10].astype(np.float64).reshape(10, 600).mean(1)
    np.testing.assert_allclose(values[1:11], body, rtol=1e-12)


@pytest.mark.parametrize("period", [1, 6, 60])
@pytest.mark.parametrize("interval", [False, True])
def test_on_grid_shortcut_is_bitwise_the_kernel(period, interval):
    """Series with one sample per interval skip the kernel: same values and coverage, bit for
    bit, as integrating them (NaN samples included); off-grid series still take the kernel."""
    from nilm.resample import _means, integrate

    rng = np.random.default_rng(period)
    n = 500
    t = 1_700_000_000 // period * period + period * np.arange(n)
    p = (rng.random(n) * 3000).astype(np.float32)
    p[rng.random(n) < 0.1] = np.nan
    s = PowerSeries(t, p, "mains", period=period, interval=interval)
    start, v, c = resample(s, period)
    edges = start + period * np.arange(n + 1, dtype=np.int64)
    v2, c2 = _means(*integrate(s, edges), period, 0.5)
    np.testing.assert_array_equal(v, v2)
    np.testing.assert_array_equal(c, c2)
    g = to_grid(Household(s, {"kettle": s}), period)
    np.testing.assert_array_equal(g.mains, v2.astype(np.float32))
    np.testing.assert_array_equal(g.appliance("kettle"), v2.astype(np.float32))
    assert not np.shares_memory(g.mains, s.p)
    moved = PowerSeries(t + np.r_[0, np.ones(n - 1, np.int64)], p, "mains", period=period,
                        interval=interval)  # one step shortened: no longer on the grid
    start, v3, _ = resample(moved, period, start=start, end=int(t[-1]) + period)
    edges = start + period * np.arange(len(v3) + 1, dtype=np.int64)
    v4, _ = _means(*integrate(moved, edges), period, 0.5)
    np.testing.assert_array_equal(v3, v4)


def test_min_coverage_and_upsampling():
    s = PowerSeries([0, 60, 120], [100.0, 200.0, np.nan], "mains", period=60)
    _, v, c = resample(s, 20, min_coverage=0.5)
    np.testing.assert_array_equal(v[:6], [100, 100, 100, 200, 200, 200])
    _, v, c = resample(s, 180, min_coverage=0.7)  # 120 of 180 s covered = 0.67
    assert np.isnan(v[0]) and c[0] == pytest.approx(120 / 180)
    _, v, _ = resample(s, 180, min_coverage=0.6)
    assert v[0] == pytest.approx(150.0)


def test_resample_empty_series():
    start, v, c = resample(PowerSeries([], [], "mains"), 60)
    assert len(v) == 0 and len(c) == 0


@pytest.mark.parametrize("text, seconds", [
    ("30min", 1800), ("10 min", 600), ("1h", 3600), ("2s", 2), ("1d", 86400), ("PT30M", 1800),
    ("PT10M", 600), ("PT1H", 3600), ("P1D", 86400), (1800, 1800), (900.0, 900), ("15T", 900),
    (pd.Timedelta("15min"), 900)])
def test_parse_period(text, seconds):
    assert parse_period(text) == seconds


@pytest.mark.parametrize("bad", ["", "abc", "0s", "1.5s", -60, 0, 0.5, "PT", None, True])
def test_parse_period_rejects(bad):
    with pytest.raises(ValueError):
        parse_period(bad)


def test_ladder_is_the_design_ladder():
    assert RESOLUTION_LADDER == (None, 2, 60, 600, 900, 1800, 3600, 86400)


def _house(tz="Europe/Paris", t0=1_700_000_000):
    mains = PowerSeries(t0 + np.arange(0, 7200, 6), np.full(1200, 500.0), "mains")
    fridge = PowerSeries(t0 + np.arange(0, 7200, 60), np.full(120, 80.0), "fridge")
    volts = PowerSeries(t0 + np.arange(0, 7200, 60), np.full(120, 230.0), "mains",
                        quantity="voltage")
    return Household(mains, {"fridge": fridge}, {"dataset": "t", "house": 1, "timezone": tz},
                     {"voltage": volts})


def test_to_grid_common_grid_and_meta():
    g = _house().to_grid(900)
    assert g.start == 1_700_000_000 // 900 * 900 and g.period == 900
    assert g.names == ["fridge"] and g.appliances.shape == (1, len(g))
    assert set(g.extra) == {"voltage"} and len(g.extra["voltage"]) == len(g)
    full = np.isfinite(g.mains)
    assert full.sum() >= 7 and np.allclose(g.mains[full], 500.0)
    assert np.allclose(g.appliance("fridge")[np.isfinite(g.appliance("fridge"))], 80.0)
    assert g.meta["dataset"] == "t" and g.meta["period"] == 900
    assert g.meta["min_coverage"] == 0.5 and g.meta["max_gap_by_channel"]["mains"] == 60
    assert g.meta["max_gap_by_channel"]["fridge"] == 180


def test_to_grid_local_alignment_half_hour_zone():
    h = _house("Asia/Kolkata")  # UTC+05:30: local hours start at :30 UTC
    g = to_grid(h, 3600, align="local")
    assert (g.start + 19800) % 3600 == 0
    assert to_grid(h, 3600).start % 3600 == 0


def _day_house(t0, days):
    s = PowerSeries(t0 + np.arange(0, days * 86400, 60), np.full(days * 1440, 1.0), "mains")
    return Household(s, {"fridge": s}, {"timezone": "Europe/Paris"})


def test_local_daily_grid_refused_across_dst_allowed_without():
    h = _day_house(int(pd.Timestamp("2023-03-24 12:00", tz="UTC").timestamp()), 4)
    with pytest.raises(ValueError, match="daily_energy"):
        to_grid(h, "1d", align="local")
    g = to_grid(h, "1d", align="utc")
    assert g.start % 86400 == 0
    h = _day_house(int(pd.Timestamp("2023-01-10 12:00", tz="UTC").timestamp()), 3)
    g = to_grid(h, "1d", align="local")
    assert pd.Timestamp(g.start, unit="s", tz="UTC").tz_convert("Europe/Paris").hour == 0


@pytest.mark.parametrize("day, hours", [("2023-03-26", 23), ("2023-10-29", 25),
                                        ("2023-06-15", 24)])
def test_daily_energy_on_dst_days(day, hours):
    t0 = int(pd.Timestamp(day, tz="Europe/Paris").timestamp()) - 86400
    t = t0 + np.arange(0, 3 * 86400 + 7200, 60)
    s = PowerSeries(t, np.full(len(t), 1000.0), "mains")
    days, wh, cov = daily_energy(s, "Europe/Paris")
    k = list(days.astype(str)).index(day)
    assert wh[k] == pytest.approx(1000.0 * hours)
    assert cov[k] == 1.0


def test_daily_energy_is_nan_below_min_coverage():
    t0 = int(pd.Timestamp("2023-06-15", tz="Europe/Paris").timestamp())
    s = PowerSeries(t0 + np.arange(0, 6 * 3600, 60), np.full(360, 100.0), "mains")
    days, wh, cov = daily_energy(s, "Europe/Paris")
    assert len(days) == 1 and np.isnan(wh[0]) and cov[0] == pytest.approx(0.25)
    days, wh, cov = daily_energy(s, "Europe/Paris", min_coverage=0.2)
    assert wh[0] == pytest.approx(100.0 * 24)  # mean over covered part × 24 h


def test_utc_offsets_dst():
    t = [int(pd.Timestamp(x, tz="UTC").timestamp()) for x in ("2023-01-01", "2023-07-01")]
    np.testing.assert_array_equal(utc_offsets(t, "Europe/Paris"), [3600, 7200])


# --- real data -----------------------------------------------------------------------------

@functools.cache
def _ukdale(root) -> PowerSeries:
    d = np.loadtxt(root / "ukdale/house_1_2013-04-12_pda_fixture/channel_1.dat")
    return PowerSeries(d[:, 0].astype(np.int64), d[:, 1], "mains", quantity="apparent")


@functools.cache
def _uci(root) -> PowerSeries:
    f = (root / "uci_household_power_consumption/sceaux_2006-12-16_to_2007-01-19/"
         "household_power_consumption.txt")
    df = pd.read_csv(f, sep=";", na_values="?", usecols=[0, 1, 2])
    local = pd.to_datetime(df["Date"] + " " + df["Time"], format="%d/%m/%Y %H:%M:%S")
    t = local.dt.tz_localize("Europe/Paris").dt.tz_convert("UTC").dt.tz_localize(None)
    t = t.to_numpy().astype("datetime64[s]").astype(np.int64)
    return PowerSeries(t, df["Global_active_power"].to_numpy() * 1000.0, "mains")


@pytest.mark.realdata
@pytest.mark.parametrize("which", ["ukdale", "uci"])
@pytest.mark.parametrize("period", [60, 600, 1800, 3600])
def test_real_data_energy_preserved(shared_data, which, period):
    s = _ukdale(shared_data) if which == "ukdale" else _uci(shared_data)
    truth = s.energy_wh()
    _, v, c = resample(s, period, min_coverage=0.0)
    ok = np.isfinite(v)
    assert np.sum(v[ok] * c[ok]) * period / 3600.0 == pytest.approx(truth, rel=1e-9)
    _, v2, c2 = resample(s, period)  # default min_coverage=0.5
    np.testing.assert_array_equal(c2, c)
    np.testing.assert_array_equal(np.isnan(v2), np.isnan(v) | (c < 0.5))
    np.testing.assert_array_equal(v2[np.isfinite(v2)], v[np.isfinite(v2)])
    # apart from the partly covered first and last intervals, dropping thinly covered intervals
    # loses less than 0.1 % of the energy
    dropped = np.isnan(v2[1:-1]) & np.isfinite(v[1:-1])
    lost = np.sum((v * c)[1:-1][dropped]) * period / 3600.0
    assert lost / truth < 1e-3


@pytest.mark.parametrize("seed", range(6))
def test_two_second_shortcut_is_bitwise_the_kernel(seed):
    """1-s series resampled at 2 s skip the kernel (resample._pair_means): the same values and
    coverage bit for bit — NaN, ±0, ±inf, odd offsets and lengths, grids wider than the
    series and min_coverage above one sample's share."""
    from nilm.resample import _means, _pair_means, _unit_steps_inside, integrate

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    t0 = 1_700_000_000 + int(rng.integers(0, 7))
    p = (rng.normal(0, 2000, n)).astype(np.float32)
    p[rng.random(n) < 0.15] = np.nan
    p[rng.random(n) < 0.05] = -0.0
    p[rng.random(n) < 0.05] = 0.0
    if seed % 3 == 0 and n > 4:
        p[1], p[3] = np.inf, -np.inf
    s = PowerSeries(t0 + np.arange(n), p, "mains", period=1)
    start = t0 // 2 * 2 - 2 * int(rng.integers(0, 3))
    bins = -(-(t0 + n - start) // 2) + int(rng.integers(0, 3))
    assert _unit_steps_inside(s, start, bins, None)
    for cov in (0.5, 0.75, 1.0):
        got = _pair_means(s.p, t0 - start, bins, cov)
        edges = start + 2 * np.arange(bins + 1, dtype=np.int64)
        want = _means(*integrate(s, edges), 2, cov)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
            np.testing.assert_array_equal(np.signbit(g), np.signbit(w))
        _, v, c = resample(s, 2, start=start, end=start + 2 * bins, min_coverage=cov)
        np.testing.assert_array_equal(v, want[0])
    gappy = PowerSeries(np.r_[t0, t0 + 2 + np.arange(n)], np.r_[1.0, p], "mains", period=1)
    assert not _unit_steps_inside(gappy, start, bins + 2, None)  # a gap: the kernel runs
