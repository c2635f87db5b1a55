"""The priors of nilm.privacy.priors on the hand-made synthetic household (simulated: known
presence, routine and water heater by construction)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.privacy.priors import (
    ClockPrior,
    ClockPriorAppliances,
    PopulationCount,
    PopulationDailyEnergy,
    PopulationWakeBed,
    TypicalAppliances,
    TypicalDailyEnergy,
    TypicalOccupancy,
    TypicalWakeBed,
    weekday,
    weekday_day_rule,
)
from nilm.privacy.routine import household_wake_bed
from nilm.privacy.scores import grid_clock
from tests.synthetic import TZ, synthetic_household


@pytest.fixture(scope="module")
def two_weeks():
    return [synthetic_household(days=14, seed=s, heater_hours=1.0 + s) for s in (1, 2)]


def test_weekday_of_day_numbers():
    # 1970-01-01 was a Thursday, 1970-01-05 a Monday, 2024-01-08 a Monday, 2024-01-14 a Sunday
    assert weekday(np.array([0, 4, 19730, 19736])).tolist() == [3, 0, 0, 6]


def test_clock_prior_is_the_majority_per_slot_and_weekday(two_weeks):
    (h1, t1), (h2, _) = two_weeks
    prior = ClockPrior().fit([(h1.to_grid(1800), t1)])
    g = h2.to_grid(1800)
    pred = prior.predict(g, TZ)
    day, sod = grid_clock(g, TZ)
    wd = weekday(day)
    noon = sod == 12 * 3600
    assert np.all(pred[noon & (wd < 5)] == 0)  # everyone is out on weekday noons
    assert np.all(pred[noon & (wd >= 5)] == 1)
    assert np.all(pred[sod == 3 * 3600] == 1)
    holed = g.slice(0, len(g))
    holed.mains = holed.mains.copy()
    holed.mains[:10] = np.nan
    assert np.isnan(prior.predict(holed, TZ)[:10]).all()


def test_household_typical_occupancy_leaves_the_day_out(two_weeks):
    """A household out at 02:30-03:30 on Mondays 8 and 15 Jan and Tuesday 9 Jan: the clock
    prior fitted on it says "absent" on Mondays at 03:00 (both are); the household-typical
    prior of Monday 8 Jan reads its other weekdays (7 of 9 at home) and says "home"."""
    import dataclasses

    (h1, t1), _ = two_weeks
    present = np.array(t1.present_person, copy=True)
    t60 = t1.start + 60 * np.arange(present.shape[1])
    for day in (0, 1, 7):
        at = t1.days[day] + 2.5 * 3600
        present[:, (t60 >= at) & (t60 < at + 3600)] = False
    truth = dataclasses.replace(t1, present_person=present)
    g = h1.to_grid(1800)
    day, sod = grid_clock(g, TZ)
    three = sod == 3 * 3600
    first = day == day.min()
    typical = TypicalOccupancy().fit([(g, truth)]).predict(g, TZ)
    clock = ClockPrior().fit([(g, truth)]).predict(g, TZ)
    assert typical[three & first] == [1.0] and clock[three & first] == [0.0]
    assert np.all(typical[three & (weekday(day) >= 5)] == 1)
    assert np.all(typical[(sod == 12 * 3600) & (weekday(day) < 5)] == 0)


def test_routine_priors_are_medians_by_kind_and_leave_one_day_out(two_weeks):
    (h1, t1), (h2, t2) = two_weeks
    g = h1.to_grid(600)
    days, wake, _ = household_wake_bed(t1)
    tod = wake - np.asarray(t1.days, float)
    kind = weekday(days) >= 5
    typical = TypicalWakeBed().fit([(g, t1)]).predict(g, TZ)
    for i in range(len(days)):
        others = np.delete(np.arange(len(days)), i)
        same = others[kind[others] == kind[i]]
        assert typical.wake[i] == pytest.approx(t1.days[i] + np.median(tod[same]))
    pop = PopulationWakeBed().fit([(h2.to_grid(600), t2)]).predict(g, TZ)
    d2, w2, _ = household_wake_bed(t2)
    tod2 = w2 - np.asarray(t2.days, float)
    k2 = weekday(d2) >= 5
    assert pop.wake[0] == pytest.approx(t1.days[0] + np.median(tod2[~k2]))  # a Monday
    assert pop.wake[5] == pytest.approx(t1.days[5] + np.median(tod2[k2]))  # a Saturday


def test_energy_and_count_priors_are_medians(two_weeks):
    (h1, t1), (h2, t2) = two_weeks
    g = h1.to_grid(1800)
    pop = PopulationDailyEnergy().fit([(h2.to_grid(1800), t2)]).predict(g, TZ)
    assert np.all(pop.kwh == np.median(t2.water_heater_kwh)) and pop.owns
    own = TypicalDailyEnergy().fit([(g, t1)]).predict(g, TZ)
    np.testing.assert_allclose(own.kwh, np.median(t1.water_heater_kwh))  # the same every day
    count = PopulationCount().fit([(g, t1), (g, t2)])
    assert count.predict(g, TZ) == np.median([t1.occupants, t2.occupants])


def test_weekday_day_rule_keeps_the_split_of_the_week_with_the_best_mcc():
    days = np.full(7, 10.0)
    # used on 1 / 10 weekdays and 6 / 10 weekend days: "weekends" is the best split
    used = np.array([1, 1, 1, 1, 1, 6, 6], float)
    assert weekday_day_rule(used, days).tolist() == [False] * 5 + [True] * 2
    # the same rate every day: no split has a positive MCC, the majority of all days
    assert not weekday_day_rule(np.full(7, 2.0), days).any()
    assert weekday_day_rule(np.full(7, 8.0), days).all()
    # Friday used on 2 of 10 days, by hand: "weekends" has tp 12, fp 8, fn 6, tn 44;
    # "Friday and weekends" adds Friday's 2 used / 8 unused days and scores lower
    def mcc(tp, fp, fn, tn):
        return (tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    used[4] = 2
    assert mcc(12, 8, 6, 44) > mcc(14, 16, 4, 36)
    assert weekday_day_rule(used, days).tolist() == [False] * 5 + [True] * 2
    # no labelled day on Sunday: never said "used" there
    days[6] = 0
    used[6] = 0
    assert weekday_day_rule(used, days).tolist() == [False] * 5 + [True, False]


def test_appliance_clock_prior_learns_the_weekend_appliance_day_by_day(two_weeks):
    (h1, t1), (h2, _) = two_weeks
    train = h1.to_grid(600)
    i = train.names.index("tv")
    day, sod = grid_clock(train, TZ)
    apps = train.appliances.copy()
    apps[i] = np.where(weekday(day) >= 5, apps[i], 0.0)  # the TV only at weekends
    train = type(train)(train.start, train.period, train.mains, apps, list(train.names),
                        train.extra)
    prior = ClockPriorAppliances().fit([(train, t1)])
    g = h2.to_grid(600)
    g.mains = g.mains.copy()
    g.mains[:6] = np.nan  # the first hour unknown: never "used" there
    pred = prior.predict(g, TZ)
    gday, gsod = grid_clock(g, TZ)
    wd = weekday(gday)
    for d in np.unique(gday):
        on = np.flatnonzero(pred["tv"] & (gday == d))
        assert len(on) == (1 if wd[gday == d][0] >= 5 else 0)
        # a used day's one interval lies in the training weekend's busiest slot (from 20:30)
        assert all(gsod[k] // 1800 == prior.day_slot_["tv"][wd[k]] for k in on)
        # the kettle is used every day: one interval on every day
        assert np.count_nonzero(pred["kettle"] & (gday == d)) == 1
    assert not pred["kettle"][:6].any()
    # the household-typical prior keeps the slot majority (not the day rule)
    typical = TypicalAppliances().fit([(train, t1)])
    assert not typical.day_rule and typical.day_used_ == {}
