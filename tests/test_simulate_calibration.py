"""Realism statistics (nilm.simulate.calibration) on inputs with known answers, and on the real
traces in shared/data."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.series import PowerSeries
from nilm.simulate import calibration as cal
from nilm.simulate import simulate_household

T0 = 1704063600  # 2024-01-01 00:00 Europe/Paris


def square(on_s, off_s, n_cycles, p_on=100.0, step=1, t0=T0):
    """A load alternating on_s s at p_on and off_s s at 0, sampled every step s."""
    one = np.concatenate([np.full(on_s // step, p_on), np.zeros(off_s // step)])
    p = np.tile(one, n_cycles)
    return PowerSeries(t0 + step * np.arange(len(p)), p, "fridge", period=step)


def test_cycle_stats_of_a_square_wave():
    s = cal.cycle_stats(square(600, 1800, 20, step=6), 50.0)
    assert s["duty"] == pytest.approx(0.25, abs=0.01)
    assert s["on_min"] == pytest.approx(10.0) and s["off_min"] == pytest.approx(30.0)
    assert s["cycles"] == 20
    few = cal.cycle_stats(square(600, 1800, 2), 50.0)
    assert np.isnan(few["duty"]) and few["cycles"] == 2


def test_activations_merge_pauses_and_drop_short_runs():
    # kettle-like: 120 s at 2 kW, a 10 s pause, 60 s more; then a 5 s blip
    p = np.concatenate([np.full(120, 2000.0), np.zeros(10), np.full(60, 2000.0),
                        np.zeros(600), np.full(5, 2000.0), np.zeros(100)])
    s = PowerSeries(T0 + np.arange(len(p)), p, "kettle", period=1)
    acts = cal.activations(s, 1000.0, min_off_s=30, min_on_s=20)
    assert len(acts) == 1
    a, b, e = acts[0]
    assert (a, b) == (T0, T0 + 190) and e == pytest.approx(2000 * 180 / 3600)
    assert len(cal.activations(s, 1000.0)) == 3
    assert cal.activations(PowerSeries(np.array([], np.int64), np.array([]), "k"), 1.0) == []
    assert cal.energy_per_use(s, "kettle") == pytest.approx([100.0])


def test_activations_do_not_hold_across_gaps():
    t = np.array([T0, T0 + 1, T0 + 2, T0 + 10000])
    s = PowerSeries(t, np.array([500.0, 500.0, 500.0, 0.0]), "x", period=1)
    (a, b, e), = cal.activations(s, 100.0, max_gap=60)
    assert b - a == 62 and e == pytest.approx(500 * 62 / 3600)


def test_daily_statistics_of_known_days():
    hours = np.arange(3 * 24 * 60) // 60 % 24            # 3 local days at 1 min
    p = 100.0 + 10.0 * hours                               # ramps from 100 W to 330 W daily
    s = PowerSeries(T0 + 60 * np.arange(len(p)), p, "mains", period=60)
    e = cal.daily_energy_kwh(s, "Europe/Paris")
    assert e == pytest.approx([24 * 0.1 + 10 * sum(range(24)) / 1000] * 3)
    assert cal.hourly_profile(s, "Europe/Paris") == pytest.approx(100 + 10 * np.arange(24))
    assert cal.load_factor(s, "Europe/Paris") == pytest.approx([215 / 330] * 3)
    base = np.percentile(p[:1440], 5)
    assert cal.base_load_share(s, "Europe/Paris") == pytest.approx([base / 215] * 3)
    # a day with half its minutes missing is left out
    q = p.copy()
    q[1440:2160] = np.nan
    assert len(cal.daily_energy_kwh(PowerSeries(s.t, q, "mains", period=60), "Europe/Paris")) == 2


def test_step_sizes():
    p = np.array([0, 0, 1000, 1000, 200, 200], dtype=float)
    s = PowerSeries(T0 + 60 * np.arange(6), p, "mains", period=60)
    assert sorted(cal.step_sizes(s, 60)) == [0, 0, 0, 800, 1000]
    summ = cal.step_summary(cal.step_sizes(s, 60))
    assert summ["gt1kw"] == 0.0 and summ["p50"] == 0.0
    assert np.isnan(cal.step_summary(np.array([]))["p50"])


def test_statistics_on_a_simulated_household():
    sim = simulate_household(2, seed=3, period=10, start="2024-01-15")
    h = sim.household
    e = cal.daily_energy_kwh(h.mains, h.timezone)
    direct = h.mains.p.astype(np.float64).reshape(2, -1).sum(axis=1) * 10 / 3.6e6
    assert e == pytest.approx(direct, rel=1e-6)
    assert np.all((cal.base_load_share(h.mains, h.timezone) > 0)
                  & (cal.base_load_share(h.mains, h.timezone) < 1))


@pytest.mark.realdata
def test_tracebase_activations_and_replay(shared_data):
    acts = cal.tracebase_activations(shared_data / "tracebase/complete/WaterKettle",
                                     appliances=("kettle",))
    devices = acts["kettle"]
    assert len(devices) == 4            # four kettle plugs in the excerpt
    waves = [w for ws in devices.values() for w in ws]
    assert all(w.dtype == np.float32 and w.max() > 1000 for w in waves)
    e = [w.astype(np.float64).sum() / 3600 for w in waves]
    assert 10 < np.median(e) < 300        # Wh per boil
    from nilm.simulate.household import draw_config

    cfg = draw_config(np.random.default_rng(1), ownership={"kettle": True})
    for p in cfg.persons:
        p.hot_drink = "kettle"
    sim = simulate_household(3, seed=1, config=cfg, signatures=acts)
    kettle = sim.household.appliances["kettle"]
    t0 = kettle.t[0]
    used = [e for e in sim.events if e.appliance == "kettle"]
    assert used
    real = {w.tobytes() for w in waves}
    for ev in used:
        assert kettle.p[ev.start - t0:ev.end - t0].tobytes() in real


@pytest.mark.realdata
@pytest.mark.slow
def test_realism_table_runs_on_real_data(shared_data):
    rows = cal.realism_table(shared_data, households=2, days=2, seed=1)
    stats = {r["statistic"]: r for r in rows}
    assert "fridge duty cycle" in stats and "kettle energy per use, Wh" in stats
    uci_daily = float(stats["daily energy, kWh/day"]["real"].split()[0])
    assert 20 < uci_daily < 60          # UCI Sceaux, Dec-Jan: about 40 kWh/day
    md = cal.markdown(rows)
    assert md.count("\n") == len(rows) + 1


@pytest.mark.realdata
def test_running_power_brackets_parametric_ranges(shared_data):
    """The parametric kettle and toaster ranges cover every real tracebase device."""
    run = cal.running_power(shared_data / "tracebase/complete/WaterKettle")
    assert len(run["kettle"]) == 4
    assert all(1750 <= w <= 2750 for w in run["kettle"].values())
    toast = cal.running_power(shared_data / "tracebase/complete/Toaster")["toaster"]
    assert all(650 <= w <= 900 for w in toast.values())


def test_base_load_rule_is_the_meter_development_fit(shared_data):
    from nilm.simulate.calibration import meter_base_load_fit
    from nilm.simulate.household import BASE_LOAD_FIT

    folder = shared_data / "meter" / "sample_2018-07_visible"
    if not folder.is_dir():
        pytest.skip(f"{folder} absent (METER sample of shared/data)")
    fit = meter_base_load_fit(folder)
    assert fit["n"] >= 10
    for k in ("a", "b", "sd"):
        assert fit[k] == pytest.approx(BASE_LOAD_FIT[k], abs=2e-3), k
