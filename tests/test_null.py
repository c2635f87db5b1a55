"""nilm.null and the study's ``null`` option: the pairing is a derangement over the same dates,
the day shift moves every day-level truth, and a permuted-null study scores skill ≈ 0 against
the population prior (its CI reaches 0 or lies below: no positive skill)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm import null, report
from nilm.series import Household, PowerSeries
from nilm.study import Source, StudySpec, run_study
from nilm.truth import GroundTruth


def test_partner_is_a_derangement_outside_the_training_houses():
    houses = [f"h{i}" for i in range(12)]
    pairs = {h: null.partner(houses, h, skip=5) for h in houses}
    assert all(p != h for h, p in pairs.items())
    assert set(pairs.values()) == set(houses)  # every truth used once
    assert pairs["h0"] == "h6" and pairs["h9"] == "h3"  # after the 5 training houses
    assert null.partner(["a", "b", "c"], "c", skip=5) == "a"  # too few: the next house
    with pytest.raises(ValueError, match="at least 2"):
        null.partner(["a"], "a")


def _truth(n_days=5, step=60, start=1_704_668_400):  # 2024-01-08 00:00 Paris
    n = n_days * 86400 // step
    present = np.zeros((1, n), bool)
    for d in range(n_days):  # day d: at home during the first d + 1 hours
        present[0, d * 1440: d * 1440 + 60 * (d + 1)] = True
    days = start + 86400 * np.arange(n_days)
    return GroundTruth(start=start, step=step, timezone="Europe/Paris",
                       present_person=present, awake_person=present, days=days,
                       wake=(days + 3600.0 * (d := np.arange(n_days)))[None, :],
                       bed=(days + 80000.0)[None, :], hot_water_l=10.0 * d,
                       water_heater_kwh=1.0 * d, occupants=2, ownership={"kettle": True})


def test_shift_truth_moves_every_day_level_truth():
    t = _truth()
    s = null.shift_truth(t, 2)
    np.testing.assert_array_equal(s.hot_water_l, [30.0, 40.0, 0.0, 10.0, 20.0])
    np.testing.assert_array_equal(s.water_heater_kwh, [3.0, 4.0, 0.0, 1.0, 2.0])
    # day 0 now holds day 3's wake-up, at day 3's local clock time on day 0
    assert s.wake[0, 0] == t.days[0] + 3 * 3600.0
    assert s.bed[0, 0] == t.days[0] + 80000.0
    # day 0's presence is day 3's (the first 4 hours)
    assert s.present_person[0, :1440].sum() == 4 * 60
    assert (s.occupants, s.ownership) == (t.occupants, t.ownership)
    assert null.shift_truth(t, 5).hot_water_l.tolist() == t.hot_water_l.tolist()


def test_same_dates_and_spec_checks():
    t = _truth()
    null.check_same_dates(t, _truth(), "a", "b")
    with pytest.raises(ValueError, match="same calendar dates"):
        null.check_same_dates(t, _truth(start=t.start + 86400), "a", "b")
    with pytest.raises(ValueError, match="null must be one of"):
        StudySpec(sources=[Source("s")], null="shuffle")
    StudySpec(sources=[Source("s")], null="shift_days")  # appliances too: sub-meters roll


def test_shift_submeters_rolls_each_sub_meter_like_the_truth():
    t = _truth(n_days=5, step=60)
    n = 5 * 1440
    tt = t.start + 60 * np.arange(n, dtype=np.int64)
    day = (np.arange(n) // 1440).astype(np.float32)  # each sample holds its day number
    hh = Household(mains=PowerSeries(tt, day, "mains"),
                   appliances={"kettle": PowerSeries(tt, day * 10, "kettle")},
                   meta={"house": "h1"})
    s = null.shift_submeters(hh, t, 2)
    k = s.appliances["kettle"]
    np.testing.assert_array_equal(k.t, tt)
    # day d now holds day d-2's samples, as shift_truth's timelines do
    np.testing.assert_array_equal(k.p[::1440] / 10, [3.0, 4.0, 0.0, 1.0, 2.0])
    st = null.shift_truth(t, 2)
    np.testing.assert_array_equal(st.present_person[0, ::1440],
                                  t.present_person[0, ::1440][[3, 4, 0, 1, 2]])
    assert s.mains is hh.mains  # the attacked curve is not shifted
    late = Household(mains=None, appliances={"kettle": PowerSeries(
        tt + 86400 * 5, day, "kettle")}, meta={"house": "h1"})
    with pytest.raises(ValueError, match="h1, sub-meter kettle"):
        null.shift_submeters(late, t, 2)


@pytest.mark.slow
def test_permuted_null_study_finds_no_leak_against_the_population_prior(tmp_path):
    # 24 households: enough for a CI over households (nilm.stats.MIN_BLOCKS = 10), also over
    # the water-heater owners alone, on whom the daily energy is scored. The inferences whose
    # prior is a population prior in the scorer: the wake-up regression (pooled population
    # median) and the hot-water energy (training owners' median). Occupancy against its clock
    # prior: tests/test_null_oracle.py (a perfect attacker of the wrong household scores below
    # the prior, so the null tests "no positive skill", docs/metrics.md "Null controls").
    spec = StudySpec(sources=[Source("sim", households=24, days=7, period=60, seed=11)],
                     resolutions=["60min"], inferences=["routine", "hot_water"],
                     methods={"routine": ["regression"], "hot_water": ["offpeak_step"]},
                     null="permute_households")
    res = run_study(spec, tmp_path, progress=False)
    tab = report.headline_table(res)
    assert set(tab.inference) == {"routine", "hot_water"}
    for _, x in tab.iterrows():
        assert x.ci_reason == "" and x.houses >= 10, x.inference
        # no leak found where there is none: the CI reaches 0 or lies below it. Below it is
        # what any attack but the prior gives: an estimate of household A scored against
        # household B's truth does worse than the population's input-blind prior (for
        # independent draws E|X − Y| > E|m − Y|)
        assert x.skill_lo <= 0.0 and not x.discovery, (x.inference, x.skill_lo, x.skill_hi)
    # the same population, truth in place: the pairing was the only change
    spec.null = "none"
    real = report.headline_table(run_study(spec, tmp_path / "real", progress=False))
    assert (real.set_index("inference").skill > tab.set_index("inference").skill).all()


@pytest.mark.slow
def test_priors_run_as_study_methods(tmp_path):
    spec = StudySpec(sources=[Source("sim", households=3, days=3, period=60, seed=2)],
                     resolutions=["60min"], inferences=["occupancy"],
                     methods={"occupancy": ["unsupervised", "clock_prior", "household_typical"]})
    res = run_study(spec, tmp_path, progress=False)
    mcc = res[res.metric == "mcc"].pivot(index="house", columns="method", values="value")
    assert set(mcc.columns) == {"unsupervised", "clock_prior", "household_typical"}
    assert np.isfinite(mcc["household_typical"]).all()
    tab = report.headline_table(res).iloc[0]
    # the headline's population prior is now the clock prior's mean MCC, not the scorer's 0
    assert tab.prior == pytest.approx(mcc["clock_prior"].dropna().mean())


@pytest.mark.slow
def test_shift_days_study_scores_appliances_against_the_rolled_sub_meters(tmp_path):
    spec = StudySpec(sources=[Source("sim", households=3, days=7, period=60, seed=2)],
                     resolutions=["60min"], inferences=["appliances"],
                     methods={"appliances": ["direct", "household_typical"]}, null="shift_days")
    shifted = run_study(spec, tmp_path / "shift", progress=False)
    spec.null = "none"
    real = run_study(spec, tmp_path / "none", progress=False)
    key = ["house", "method", "target", "metric"]
    both = real.merge(shifted, on=key, suffixes=("", "_shift"))
    f1 = both[both.metric == "event_f1"]
    assert len(f1) == len(real[real.metric == "event_f1"]) > 0
    # the same curve, the same attack: only the truth side moved, so the direct attack's
    # event F1 changes on some appliance
    d = f1[f1.method == "direct"]
    assert (d.value != d.value_shift).any()


@pytest.mark.slow
def test_permuted_null_fits_the_household_typical_appliance_prior_on_the_partner(tmp_path):
    # the prior reads the attacked grid's sub-meters: under the null they must be the
    # partner's, so each house's prior scores what the partner's prior scores on its own truth
    spec = StudySpec(sources=[Source("sim", households=3, days=7, period=60, seed=2)],
                     resolutions=["60min"], inferences=["appliances"],
                     methods={"appliances": ["household_typical"]}, null="permute_households")
    perm = run_study(spec, tmp_path / "perm", progress=False)
    spec.null = "none"
    real = run_study(spec, tmp_path / "none", progress=False)
    houses = sorted(real.house.unique())
    perm, real = (df.set_index(["house", "target", "metric"]) for df in (perm, real))
    for h in houses:
        p = null.partner(houses, h, spec.max_train_households)
        a = perm.loc[h].query("metric == 'event_f1'").value
        b = real.loc[p].query("metric == 'event_f1'").value
        assert len(a) > 0 and a.sort_index().equals(b.sort_index()), (h, p)
