"""Linky emulation: load curve quantisation, daily index, TIC, and the Enedis CSV exporter
(simulated inputs; round trips through the reader of nilm.io.enedis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nilm.io import enedis
from nilm.linky import daily_index, export_enedis, linky, tic
from nilm.resample import resample
from nilm.series import Household, PowerSeries

PARIS = "Europe/Paris"


def _local(text: str) -> int:
    return int(pd.Timestamp(text, tz=PARIS).timestamp())


def _noisy(t0: int, days: float, step: int = 6, seed: int = 0) -> PowerSeries:
    rng = np.random.default_rng(seed)
    t = t0 + np.arange(0, int(days * 86400), step)
    p = 300 + 2000 * (rng.random(len(t)) < 0.05) + rng.normal(0, 30, len(t))
    return PowerSeries(t, p.astype(np.float32), "mains")


@pytest.mark.parametrize("step, unit", [(600, 6), (900, 4), (1800, 2), (3600, 1)])
def test_register_quantisation_matches_enedis_granularity(step, unit):
    s = _noisy(_local("2023-06-01"), 2)
    curve = linky(s, step)
    exact = linky(s, step, quantize=None)
    ok = np.isfinite(curve.p)
    assert ok.sum() >= 2 * 86400 // step - 1
    assert np.all(curve.p[ok] % unit == 0)  # whole Wh per step × 3600/step
    # each point is within one Wh of the true energy of its step, and errors do not accumulate
    assert np.all(np.abs(curve.p[ok] - exact.p[ok]) < unit + 1e-3)
    total = np.sum(curve.p[ok]) * step / 3600.0
    assert abs(total - np.sum(exact.p[ok].astype(np.float64)) * step / 3600.0) < 1.0


def test_linky_exact_on_constant_power_and_start_labelled():
    t0 = _local("2023-01-10 00:00")
    s = PowerSeries(t0 + 7 + np.arange(0, 86400, 6), np.full(14400, 1000.0), "mains")
    curve = linky(s, "30min")
    assert curve.t[0] == t0  # steps on the local clock, start-labelled
    assert np.all(np.diff(curve.t) == 1800) and curve.period == 1800
    np.testing.assert_array_equal(curve.p[1:-1], 1000.0)  # first/last partly covered
    assert curve.quantity == "active" and curve.name == "mains"


def test_linky_round_and_gaps():
    t0 = _local("2023-01-10 00:00")
    t = t0 + np.concatenate([np.arange(0, 3600, 60), np.arange(7200, 10800, 60)])
    s = PowerSeries(t, np.full(len(t), 333.3), "mains")
    curve = linky(Household(s), 1800, quantize="round")
    np.testing.assert_array_equal(curve.p[:2], [333.0, 333.0])
    assert np.all(np.isnan(curve.p[2:4]))  # one hour without data: empty points, not zeros
    with pytest.raises(ValueError):
        linky(s, 1800, quantize="ceil")
    with pytest.raises(ValueError):
        linky(s, 700)  # register quantisation needs a step dividing one hour


def test_daily_index_counts_dst_days():
    t0 = _local("2023-10-28 00:00")
    s = PowerSeries(t0 + np.arange(0, 4 * 86400, 60), np.full(4 * 1440, 1000.0), "mains")
    t, index, cov = daily_index(s, PARIS, index0=12_345)
    assert t[0] == t0 and index[0] == 12_345
    np.testing.assert_array_equal(np.diff(index)[:3], [24_000, 25_000, 24_000])
    np.testing.assert_array_equal(np.diff(t)[:3], [86400, 90000, 86400])
    assert index.dtype == np.int64 and np.all(cov[:3] == 1.0)


def test_tic_modes_and_power_factor():
    t0 = _local("2023-01-10 00:00")
    p = np.array([1234.0, 1234.0, -50.0, -50.0, 8.0, 8.0])
    s = PowerSeries(t0 + np.arange(6), p, "mains", period=1)
    hist = tic(s)
    assert hist.quantity == "apparent" and hist.period == 2
    np.testing.assert_array_equal(hist.p, [1230.0, 0.0, 10.0])  # 10 VA steps, injection → 0
    std = tic(s, mode="standard")
    np.testing.assert_array_equal(std.p, [1234.0, 1234.0, 0.0, 0.0, 8.0, 8.0])
    pf = tic(s, mode="standard", power_factor=0.8)
    assert pf.p[0] == np.round(1234 / 0.8)
    with pytest.raises(ValueError):
        tic(s, power_factor=0)
    with pytest.raises(ValueError):
        tic(s, mode="teleinfo")


def test_tic_upsamples_coarse_data_by_hold():
    s = PowerSeries([0, 6, 12], [100.0, 205.0, 300.0], "mains", period=6)
    np.testing.assert_array_equal(tic(s).p, [100.0] * 3 + [200.0] * 3 + [300.0] * 3)


@pytest.mark.parametrize("layout", ["horodate", "flat"])
@pytest.mark.parametrize("step", [600, 1800, 3600])
def test_round_trip_linky_export_read(tmp_path, layout, step):
    s = _noisy(_local("2023-03-25 00:00"), 3, seed=step)  # spans the March DST change
    s.p[5000:5600] = np.nan  # one hour missing: empty values in the export
    curve = linky(s, step)
    path = tmp_path / f"curve_{layout}.csv"
    export_enedis(curve, path, layout=layout, prm="12345678901234")
    [house] = enedis.read(path)
    got = house.mains
    # one sample per step, no end-of-interval marker: the last value holds its own step
    np.testing.assert_array_equal(got.t, curve.t)
    np.testing.assert_array_equal(got.p, curve.p)
    assert got.period == step and got.holds()[-1] == step
    assert house.meta["house"] == "xxxxxxxxxx1234"
    # the same curve on a grid, from either side
    _, a, _ = resample(curve, step)
    _, b, _ = resample(got, step)
    np.testing.assert_array_equal(a, b[: len(a)])


def test_export_horodate_layout_text(tmp_path):
    t0 = _local("2023-03-26 00:00")
    curve = PowerSeries(t0 + 1800 * np.arange(6), [100, 200, np.nan, 400, 500, 600], "mains",
                        period=1800)
    path = tmp_path / "c.csv"
    export_enedis(curve, path, prm="09876543210987")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("Identifiant PRM;Type de donnees;Date de debut")
    assert lines[1].startswith("09876543210987;Courbe de charge;26/03/2023;26/03/2023;")
    assert lines[1].endswith(";W;30") and lines[2] == "" and lines[3] == "Horodate;Valeur"
    # end-labelled local time: the 01:30-02:00 CET step ends at the DST jump, 03:00 CEST
    assert lines[4:] == ["2023-03-26T00:30:00+01:00;100", "2023-03-26T01:00:00+01:00;200",
                         "2023-03-26T01:30:00+01:00;", "2023-03-26T03:00:00+02:00;400",
                         "2023-03-26T03:30:00+02:00;500", "2023-03-26T04:00:00+02:00;600"]


def test_export_is_atomic_and_checks_layout(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("previous")
    with pytest.raises(ValueError):
        export_enedis(PowerSeries([], [], "mains"), path)
    mixed = PowerSeries([0, 1800, 2400, 3000], [1, 2, 3, 4], "mains", period=1800)
    with pytest.raises(ValueError, match="flat"):
        export_enedis(mixed, path)
    with pytest.raises(ValueError):
        export_enedis(mixed, path, layout="xlsx")
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["c.csv"]  # no temporary file left
    export_enedis(mixed, path, layout="flat")
    steps = [line.split(";")[10] for line in path.read_text().splitlines()[1:]]
    assert steps == ["PT30M", "PT10M", "PT10M", "PT30M"]


@pytest.mark.realdata
def test_real_uci_curve_to_enedis_and_back(shared_data, tmp_path):
    """Real data (UCI Sceaux, 33 days at 1 min): the emulated 30-min curve carries the same
    energy as the measured series (within the 1 Wh register resolution per missing-data
    boundary), survives the export/read round trip, and has the Enedis granularity."""
    from nilm.io import uci
    folder = shared_data / "uci_household_power_consumption" / "sceaux_2006-12-16_to_2007-01-19"
    [house] = uci.read(folder)
    curve = linky(house, 1800, min_coverage=1.0)
    exact = linky(house, 1800, min_coverage=1.0, quantize=None)
    ok = np.isfinite(curve.p)
    assert ok.sum() > 1500 and np.all(curve.p[ok] % 2 == 0)
    wh = np.sum(curve.p[ok]) / 2
    truth = np.sum(exact.p[ok].astype(np.float64)) / 2
    assert abs(wh - truth) / truth < 1e-4
    path = tmp_path / "uci.csv"
    export_enedis(curve, path)
    [back] = enedis.read(path)
    np.testing.assert_array_equal(back.mains.p, curve.p)
    days, index, cov = daily_index(house)
    assert np.all(np.diff(index) >= 0)
