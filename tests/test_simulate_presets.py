"""Country presets, heating as homes run it (programmes, RC inertia, heat pumps, storage),
holidays, and occupant-linked rules drawn rather than planted."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from nilm.cli import main
from nilm.simulate.clock import local_days
from nilm.simulate.household import BASE_LOAD_FIT, BASE_OTHER_LOADS_W, draw_config
from nilm.simulate.occupants import Routines, draw_person
from nilm.simulate.presets import PRESETS, get_preset
from nilm.simulate.realism import ks_distance
from nilm.simulate.thermal import Heating, draw_heating
from nilm.study import Source


def test_presets_are_complete_and_named():
    for code, p in PRESETS.items():
        assert p.code == code
        assert sum(p.heating_mix.values()) == pytest.approx(1.0)
        assert len(p.monthly_temp_c) == 12 and len(p.holiday_month_weight) == 12
        # mid-month the interpolated climatology is the normal itself
        assert p.daily_mean_c(196.5) == pytest.approx(p.monthly_temp_c[6])
        assert p.daily_mean_c(15.5) < p.daily_mean_c(196.5)
    assert get_preset(None).code == "FR" and get_preset("gb").code == "GB"
    with pytest.raises(ValueError, match="unknown simulator preset"):
        get_preset("XX")
    with pytest.raises(ValueError, match="unknown simulator preset"):
        Source("s", preset="DE")


@pytest.mark.parametrize("code", ["FR", "GB", "CH"])
def test_population_mix_follows_the_preset(code):
    pre = PRESETS[code]
    n = 600
    cfgs = [draw_config(np.random.default_rng(k), preset=code) for k in range(n)]
    for key, share in (("electric_heat", 1 - pre.heating_mix["none"]),
                       ("water_heater", pre.water_heater_share),
                       ("air_conditioning", pre.ac_share)):
        got = np.mean([c.ownership[key] for c in cfgs])
        sd = np.sqrt(share * (1 - share) / n)
        assert abs(got - share) < 4 * sd + 1e-9, (key, got, share)
    hp = np.mean([c.heating is not None and c.heating.emitter == "heat_pump" for c in cfgs])
    assert abs(hp - pre.heating_mix["heat_pump"]) < 4 * np.sqrt(0.25 / n) + 0.01
    assert {c.timezone for c in cfgs} == {pre.timezone}
    assert all(c.preset == code for c in cfgs)


def test_occupant_rules_are_drawn_with_spread_not_planted():
    cfgs = [draw_config(np.random.default_rng(k)) for k in range(1500)]
    n = np.array([c.occupants for c in cfgs])
    lamps = np.array([len(c.lamps_w) for c in cfgs])
    # lamps belong to the dwelling: same distribution whatever the household size
    assert abs(lamps[n == 1].mean() - lamps[n >= 4].mean()) < 0.6
    # base load: the METER fit, recovered from the draws (log-slope per person and spread)
    base = np.array([c.base_w for c in cfgs]) + BASE_OTHER_LOADS_W
    ok = base > 15.0 + BASE_OTHER_LOADS_W
    b, a = np.polyfit(n[ok], np.log(base[ok]), 1)
    assert b == pytest.approx(BASE_LOAD_FIT["b"], abs=0.05)
    for k in (1, 2, 3):
        assert np.std(np.log(base[ok & (n == k)])) > 0.3
    wm = np.array([c.wm_per_week for c in cfgs])
    for k in (1, 2, 3):
        q1, q3 = np.percentile(wm[n == k], [25, 75])
        assert q3 / q1 > 2.0  # HES: the inter-quartile range spans a factor of about 2.7


def _day_args(start="2024-01-10"):
    day = local_days(start, 1, "Europe/Paris")[0]
    t_out = np.full(day.n_min, 5.0)
    return day, t_out


def test_programmed_heating_ignores_presence_and_smart_follows_it():
    day, t_out = _day_args()
    home = np.ones(day.n_min, dtype=bool)
    away = np.zeros(day.n_min, dtype=bool)
    prog = Heating(control="programme", t_in_c=19.0)
    a = dataclasses.replace(prog).day_power(t_out, day, home, home, False, day.n_s)
    b = dataclasses.replace(prog).day_power(t_out, day, away, away, False, day.n_s)
    assert np.array_equal(a, b)
    smart = Heating(control="smart", t_in_c=19.0)
    c = dataclasses.replace(smart).day_power(t_out, day, home, home, False, day.n_s)
    d = dataclasses.replace(smart).day_power(t_out, day, away, away, False, day.n_s)
    assert c.sum() > 1.5 * d.sum()


def test_rc_model_cools_with_its_time_constant_and_recovers_at_full_power():
    day, t_out = _day_args()
    ones = np.ones(day.n_min, bool)
    free = Heating(control="programme", weekday=[], weekend=[], comfort_c=20.0, eco_c=5.0,
                   tau_h=30.0, ua_w_per_k=100.0, gains_w=0.0, t_in_c=20.0)
    assert free.day_power(t_out, day, ones, ones, False, day.n_s).max() == 0.0
    # free cooling from 20 C towards 5 C outside: exponential with tau = 30 h (Euler, 1 min)
    assert free.t_in_c == pytest.approx(5.0 + 15.0 * np.exp(-24.0 / 30.0), abs=0.01)
    h = Heating(control="programme", weekday=[(18.0, 22.0)], weekend=[(18.0, 22.0)],
                comfort_c=20.0, eco_c=12.0, tau_h=10.0, ua_w_per_k=100.0, gains_w=0.0,
                t_in_c=20.0)
    p = h.day_power(t_out, day, ones, ones, False, day.n_s)
    # no heat until the house has cooled to eco (12 C), 7.6 h after midnight with tau = 10 h
    assert p[:7 * 3600].max() == 0.0 and p[8 * 3600:17 * 3600].max() > 0.0
    # the 18:00 switch to comfort: the first minutes at full power (recovery), then less
    total = sum(h.powers_w)
    rec = p[18 * 3600:18 * 3600 + 600].reshape(10, 60).mean(axis=1)
    assert np.all(rec > 0.95 * total)
    late = p[21 * 3600:22 * 3600].mean()
    assert 0.5 * 100.0 * 15.0 < late < 0.8 * total


def test_heat_pump_runs_long_smooth_cycles():
    day, t_out = _day_args()
    rng = np.random.default_rng(0)
    h = draw_heating(rng, "FR", "heat_pump", smart_share=0.0)
    h = dataclasses.replace(h, control="constant", t_in_c=h.comfort_c)
    p = h.day_power(t_out, day, np.ones(day.n_min, bool), np.ones(day.n_min, bool), False,
                    day.n_s)
    m = p.reshape(-1, 60).mean(axis=1)
    assert m.max() < 0.6 * h.powers_w[0]  # electric power = heat / COP
    assert np.median(np.abs(np.diff(p))) < 5.0  # no convector-like kW switching
    on = m > 50
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], on.astype(int), [0]]))))[::2]
    assert runs.max() >= 60


def test_storage_heaters_charge_only_off_peak():
    day, t_out = _day_args()
    rng = np.random.default_rng(2)
    h = draw_heating(rng, "GB", "storage")
    p = h.day_power(t_out, day, np.ones(day.n_min, bool), np.ones(day.n_min, bool), False,
                    day.n_s)
    a, b = h.offpeak
    hours = np.arange(day.n_s) / 3600.0
    assert p.sum() > 0 and p[(hours < a) | (hours >= b)].max() == 0.0


def test_holidays_fall_in_summer_at_the_stated_rate():
    rng = np.random.default_rng(1)
    persons = [draw_person("retiree", rng)]
    r = Routines(persons, trip_rate=0.0, holidays_per_year=2.2, solo_trip_rate=0.0,
                 month_weight=get_preset("FR").holiday_month_weight)
    days = local_days("2000-01-01", 20 * 365, "Europe/Paris")
    away = np.array([not r.day(d, rng).present.any() for d in days])
    months = np.array([d.date.month for d in days])
    summer = np.isin(months, [7, 8])
    assert away[summer].sum() / away.sum() > 0.4  # INSEE: 57 % of holiday days in Jul-Aug
    assert 10 < away.sum() / 20 < 30  # 2.2 holidays of ~10 nights: ~20 full days away a year


def test_cli_preset_and_study_source(tmp_path, capsys):
    assert main(["simulate", "--households", "1", "--days", "1", "--out", str(tmp_path),
                     "--period", "600", "--preset", "gb", "--start", "2024-07-01"]) == 0
    man = json.loads((tmp_path / "population.json").read_text())
    assert man["preset"] == "GB" and man["timezone"] == "Europe/London"
    assert man["houses"][0]["config"]["preset"] == "GB"
    s = Source("s", preset="CH", start="2024-06-01")
    assert s.preset == "CH" and s.start == "2024-06-01"


def test_electric_shower_runs_while_its_user_is_awake_and_counts_as_hot_water():
    from nilm.simulate.household import simulate_household

    cfg = draw_config(np.random.default_rng(4), preset="GB",
                      ownership={"shower": True, "water_heater": False})
    sim = simulate_household(4, seed=2, config=cfg, start="2024-03-04")
    ev = [e for e in sim.events if e.appliance == "shower"]
    assert ev and sim.truth.hot_water_l.sum() > 0
    p = sim.household.appliances["shower"].p
    assert p.max() > 7000.0
    awake = sim.truth.awake_person.any(axis=0)
    t0 = sim.truth.start
    for e in ev:
        a, b = (e.start - t0) // 60, (e.end - 1 - t0) // 60
        assert awake[a:b + 1].all()


def test_same_seed_same_household_under_each_preset():
    from nilm.simulate.household import simulate_household

    for code in ("GB", "CH"):
        a = simulate_household(2, seed=7, period=60, start="2024-07-01", preset=code)
        b = simulate_household(2, seed=7, period=60, start="2024-07-01", preset=code)
        assert a.household.mains.p.tobytes() == b.household.mains.p.tobytes()
        assert a.config.to_dict() == b.config.to_dict()
        assert a.household.meta["preset"] == code
    fr = simulate_household(1, seed=7, period=60, preset="FR")
    assert fr.household.meta["timezone"] == "Europe/Paris"


def test_gb_kettle_boils_reproduce_the_survey_shares():
    from nilm.simulate.presets import GB_KETTLE_BOILS

    # EST "At Home with Water" 2013: 95 % boil daily, 40 % five times a day or more; the
    # household's rate = its extra boils + one breakfast boil per kettle-drinking person
    cfgs = [draw_config(np.random.default_rng(k), preset="GB",
                        ownership={"kettle": True}) for k in range(2000)]
    total = np.array([c.kettle_per_day + sum(p.hot_drink == "kettle" for p in c.persons)
                      for c in cfgs])
    assert np.mean(total >= 5.0) == pytest.approx(0.40, abs=0.05)
    assert np.mean(total >= 1.0) == pytest.approx(0.95, abs=0.03)
    m, sd = GB_KETTLE_BOILS
    assert np.log(5.0) == pytest.approx(np.log(m) + 0.2533 * sd, abs=0.01)
    # no survey rate outside GB: the routines' boils only
    assert all(draw_config(np.random.default_rng(k), preset="FR").kettle_per_day == 0.0
               for k in range(50))


def test_gb_kettle_boils_happen_at_the_rate_while_someone_is_awake_at_home():
    from nilm.simulate.household import simulate_household

    cfg = draw_config(np.random.default_rng(3), preset="GB", ownership={"kettle": True})
    cfg = dataclasses.replace(cfg, kettle_per_day=6.0, holidays_per_year=0.0, trip_rate=0.0)
    sim = simulate_household(14, seed=5, period=60, config=cfg, start="2024-03-04")
    ev = [e for e in sim.events if e.appliance == "kettle"]
    breakfast = sum(p.hot_drink == "kettle" for p in cfg.persons)
    # boils wanted while nobody is awake at home are dropped, so at most the rate
    assert 0.5 * 6.0 * 14 < len(ev) <= (6.0 + breakfast) * 14 * 1.3
    awake = sim.truth.awake_person.any(axis=0)
    for e in ev:
        a, b = (e.start - sim.truth.start) // 60, (e.end - 1 - sim.truth.start) // 60
        assert awake[a:b + 1].all()


def test_rescaled_compressor_keeps_its_mean_draw_in_smaller_steps():
    from nilm.simulate import appliances as ap

    rng = np.random.default_rng(0)
    for _ in range(50):
        d = ap.draw_device("fridge", rng)
        r = ap.rescale_compressor(d, 0.7)
        mean = d["run"] * d["on_s"] / (d["on_s"] + d["off_s"])
        mean2 = r["run"] * r["on_s"] / (r["on_s"] + r["off_s"])
        assert r["run"] == pytest.approx(0.7 * d["run"])
        assert r["off_s"] == d["off_s"] and r["on_s"] > d["on_s"]
        if r["on_s"] < 6 * 3600:
            assert mean2 == pytest.approx(mean, rel=1e-9)
    assert ap.rescale_compressor(d, 1.0) is d
    # the same GB household with and without the scale: same fridge energy, smaller steps
    from nilm.simulate.household import simulate_household

    assert get_preset("GB").cold_run_scale == 0.7
    one = dataclasses.replace(get_preset("GB"), cold_run_scale=1.0)
    means, steps = [], []
    for pre in (get_preset("GB"), one):
        cfg = draw_config(np.random.default_rng(1), preset=pre, ownership={"fridge": True})
        cfg.devices["fridge"]["defrost"] = False
        p = simulate_household(14, seed=2, period=600, config=cfg).household.appliances[
            "fridge"].p.astype(np.float64)
        means.append(p.mean())
        steps.append(np.percentile(np.abs(np.diff(p)), 90))
    assert means[0] == pytest.approx(means[1], rel=0.1)
    assert steps[0] < 0.85 * steps[1]


@pytest.mark.parametrize("hp", [False, True])
def test_rc_heat_kernel_matches_naive_twin(hp):
    from naive import rc_heat_naive

    from nilm.simulate.thermal import rc_heat_kernel

    rng = np.random.default_rng(11 + hp)
    for _ in range(5):
        n = 1440
        t_out = rng.normal(5.0, 4.0, n)
        t_set = np.where(rng.random(n) < 0.5, 19.0, 16.0) + rng.normal(0, 0.2, n)
        args = (float(rng.uniform(14, 21)), bool(rng.random() < 0.5),
                float(rng.uniform(60, 200)), float(rng.uniform(250, 600)),
                float(rng.uniform(1e7, 3e7)), float(rng.uniform(2000, 9000)), hp)
        h1, t1, o1 = rc_heat_kernel(t_out, t_set, *args)
        h2, t2, o2 = rc_heat_naive(t_out, t_set, *args)
        np.testing.assert_allclose(h1, h2, rtol=1e-9, atol=1e-6)
        assert t1 == pytest.approx(t2, abs=1e-9) and o1 == o2
        assert h1.max() > 0 and (not hp or np.any((h1 > 0) & (h1 <= 0.3 * args[5] + 1e-9)))


def test_gb_base_offset_fits_the_meter_development_households(shared_data):
    """The GB preset's other_loads_w (scripts/fit_gb_base.py) brings the simulated per-household
    5th percentile of 10-min power closer to the METER development households' than the
    default 45 W, on another seed than the fit's (with 40 households the KS moved by 0.1
    between seeds; with 120 it held: 0.31 -> 0.14-0.15 on seeds 1 and 3). The odd households
    are not read."""
    from tests.scripts import load_script

    folder = shared_data / "meter" / "sample_2018-07_visible"
    if not folder.is_dir():
        pytest.skip(f"{folder}: METER sample not found")
    fit, realism = load_script("fit_gb_base"), load_script("simulator_realism")
    real, ids, _, _ = realism.meter_profiles(folder)
    dev = fit.base_p5(real[ids % 2 == 0])
    ks = {w: ks_distance(dev, fit.base_p5(realism.gb_july_days(120, 3, other_loads_w=w)))
          for w in (45.0, PRESETS["GB"].other_loads_w)}
    assert PRESETS["GB"].other_loads_w < 45.0
    assert ks[PRESETS["GB"].other_loads_w] < ks[45.0] - 0.05, ks
