"""Household.from_pandas / Household.to_pandas / Grid.to_pandas, and the two energy
conventions of PowerSeries.energy_wh (nilm's bounded hold, NILMTK's total_energy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nilm.errors import UsageError
from nilm.series import Household, PowerSeries


def _frame():
    idx = pd.date_range("2024-03-31 00:59:40", periods=8, freq="10s", tz="Europe/Paris")
    return pd.DataFrame({"mains": [300, 310, 2500, 2510, np.nan, 320, 300, 305],
                         "Kettle": [0, 0, 2200, 2200, 0, np.nan, 0, 0],
                         "fridge": np.float32([80.5, 80.5, 0, 0, 0, 81, 81, 81])}, index=idx)


def test_from_pandas_to_pandas_round_trip_is_exact():
    df = _frame()
    h = Household.from_pandas(df)
    assert h.timezone == "Europe/Paris" and h.meta["dataset"] == "pandas"
    assert list(h.appliances) == ["Kettle", "fridge"]  # names kept as given
    assert len(h.mains) == 7 and len(h.appliances["Kettle"]) == 7  # NaN: no reading
    np.testing.assert_array_equal(h.mains.t[:2], [1711843180, 1711843190])  # 23:59:40 UTC
    back = h.to_pandas()
    assert str(back.index.tz) == "UTC" and list(back.columns) == ["mains", "Kettle", "fridge"]
    expect = df.astype(np.float32)
    expect.index = expect.index.tz_convert("UTC").as_unit("ns")  # nilm gives ns, UTC
    pd.testing.assert_frame_equal(back, expect, check_names=False, check_freq=False)
    again = Household.from_pandas(back)
    for name, s in h.channels().items():
        np.testing.assert_array_equal(again.channels()[name].t, s.t)
        np.testing.assert_array_equal(again.channels()[name].p, s.p)


def test_household_with_different_rates_round_trips():
    a = PowerSeries(np.arange(0, 60, 6) + 1_700_000_000, np.arange(10.0), "mains")
    b = PowerSeries(np.arange(0, 60, 8) + 1_700_000_001, np.arange(8.0) * 2, "kettle")
    h = Household(a, {"kettle": b}, {"timezone": "UTC"})
    g = Household.from_pandas(h.to_pandas())
    for name, s in h.channels().items():
        np.testing.assert_array_equal(g.channels()[name].t, s.t)
        np.testing.assert_array_equal(g.channels()[name].p, s.p)


def test_round_trip_keeps_gaps_and_the_hold_rule():
    # a half-hourly interval curve with a gap (its NaN sample closes the value before it) and
    # a point-sampled appliance at another rate: NaN samples and hold rules survive the frame
    t = 1_700_000_000 + 1800 * np.array([0, 1, 2, 3, 6, 7])
    p = np.array([400.0, 500.0, 600.0, np.nan, 700.0, np.nan])
    mains = PowerSeries(t, p, "mains", "Enedis load curve", period=1800.0, interval=True)
    tic = PowerSeries(1_700_000_000 + np.arange(0, 14400, 7), np.full(2058, 300.0),
                      "tic_apparent", "TIC", "apparent", period=7.0)
    h = Household(mains, {"tic_apparent": tic}, {"timezone": "Europe/Paris"})
    g = Household.from_pandas(h.to_pandas())
    for name, s in h.channels().items():
        back = g.channels()[name]
        np.testing.assert_array_equal(back.t, s.t)
        np.testing.assert_array_equal(back.p, s.p)
        assert (back.period, back.interval, back.quantity, back.label) == (
            s.period, s.interval, s.quantity, s.label)
        assert back.energy_wh() == s.energy_wh()
    assert g.mains.energy_wh() == (400 + 500 + 600 + 700) / 2
    # a frame the user edits: a filled NaN cell is a reading like any other
    df = h.to_pandas()
    df.loc[pd.Timestamp(int(t[3]), unit="s", tz="UTC"), "mains"] = 800.0
    assert Household.from_pandas(df).mains.energy_wh() == (400 + 500 + 600 + 800 + 700) / 2
    # pandas keeps attrs through resample: the saved rule no longer fits those samples, so the
    # frame is read as any other (period from its own steps, point samples, the column name)
    hourly = h.to_pandas().resample("1h").mean()
    assert hourly.attrs.get("nilm")  # still there...
    back = Household.from_pandas(hourly)
    plain = hourly.copy()
    plain.attrs = {}
    again = Household.from_pandas(plain)
    for name in ("mains", "tic_apparent"):  # ...but not used
        s, r = back.channels()[name], again.channels()[name]
        assert (s.period, s.interval, s.label) == (r.period, r.interval, name)
        assert not s.interval and s.period != h.channels()[name].period
        np.testing.assert_array_equal(s.t, r.t)


def test_naive_index_units_and_errors():
    df = _frame()
    naive = df.tz_localize(None)
    with pytest.raises(UsageError, match="tz="):
        Household.from_pandas(naive)
    h = Household.from_pandas(naive / 1000, tz="Europe/Paris", units="kW")
    np.testing.assert_allclose(h.mains.p, Household.from_pandas(df).mains.p)
    with pytest.raises(UsageError, match="no mains column 'total'"):
        Household.from_pandas(df, mains="total")
    assert Household.from_pandas(df, mains=None).mains is None
    with pytest.raises(UsageError, match="strictly increasing"):
        Household.from_pandas(df.iloc[[0, 2, 1]])
    with pytest.raises(UsageError, match="fractions of a second"):
        Household.from_pandas(df.set_axis(df.index + pd.Timedelta("1ms")))
    dst = pd.DataFrame({"mains": [1.0, 2.0]},
                       index=pd.to_datetime(["2024-03-31 02:30", "2024-03-31 03:30"]))
    with pytest.raises(UsageError, match="cannot localise"):
        Household.from_pandas(dst, tz="Europe/Paris")  # 02:30 does not exist that day
    with pytest.raises(UsageError, match="units"):
        Household.from_pandas(df, units="kWh")


def test_grid_to_pandas():
    h = Household.from_pandas(_frame())
    g = h.to_grid(20)
    df = g.to_pandas()
    assert list(df.columns) == ["mains", "Kettle", "fridge"]
    np.testing.assert_array_equal(df.index.asi8 // 1_000_000_000, g.t)
    np.testing.assert_array_equal(df["mains"].to_numpy(), g.mains)
    np.testing.assert_array_equal(df["fridge"].to_numpy(), g.appliance("fridge"))
    assert str(df.index.tz) == "UTC"


def _nilmtk_energy_kwh(t, p, max_sample_period, lo=None, hi=None):
    """NILMTK's _energy_for_power_series, written out independently (after Clip)."""
    s = pd.Series(p, index=pd.to_datetime(t, unit="s")).dropna()
    if lo is not None or hi is not None:
        s = s.clip(lo, hi)
    dt = np.diff(s.index.values).astype("timedelta64[ns]").astype(np.float64) / 1e9
    dt = dt.clip(max=max_sample_period)
    return (dt * s.to_numpy()[:-1]).sum() / 3.6e6


def test_energy_conventions():
    t = np.array([0, 6, 12, 18, 200, 206, 212], dtype=np.int64)
    p = np.array([100, 200, np.nan, 5000, 300, 6000, 50], dtype=np.float64)
    s = PowerSeries(t, p, "x")
    # nilm: bounded hold (60 s), NaN not bridged, last sample held one period (6 s)
    assert s.energy_wh() == pytest.approx((100 * 6 + 200 * 6 + 5000 * 60 + 300 * 6 + 6000 * 6
                                           + 50 * 6) / 3600)
    ref = _nilmtk_energy_kwh(t, p, 120, 0, 4000) * 1000
    got = s.energy_wh(120, energy_convention="nilmtk", limits=(0, 4000))
    assert got == pytest.approx(ref, rel=1e-12)
    # by hand: NaN dropped (200 W held 6+6 s), clip 5000 -> 4000 and 6000 -> 4000, last dropped
    assert got == pytest.approx((100 * 6 + 200 * 12 + 4000 * 120 + 300 * 6 + 4000 * 6) / 3600)
    with pytest.raises(ValueError, match="energy_convention"):
        s.energy_wh(energy_convention="joules")
    h = Household(s, {}, {"devices": {"mains": {"max_sample_period": 120, "lower_limit": 0,
                                                "upper_limit": 4000}}})
    assert h.energy_wh(energy_convention="nilmtk")["mains"] == pytest.approx(got)
    assert h.energy_wh()["mains"] == pytest.approx(s.energy_wh())
