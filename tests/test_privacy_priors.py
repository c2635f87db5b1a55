"""The priors of nilm.privacy.priors on the hand-made synthetic household (simulated: known
presence, routine and water heater by construction)."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.privacy.priors import (
    ClockPrior,
    PopulationCount,
    PopulationDailyEnergy,
    PopulationWakeBed,
    TypicalDailyEnergy,
    TypicalOccupancy,
    TypicalWakeBed,
    weekday,
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
