"""Null controls: studies in which the attacked curve carries no information about its truth.

A leakage number is only citable if the same pipeline scores **skill ≈ 0** when the link between
curve and truth is cut (docs/metrics.md, "Null controls"). Two ways to cut it, chosen by the
study option ``null``:

* ``"permute_households"``: each household's curve is scored against the truth of another
  household of the same source over the same calendar dates (a cyclic derangement of the
  source's houses, skipping the houses that train the attacked one when the source is large
  enough); household-level truths (occupants, ownership, the appliance sub-meters that serve as
  appliance truth, in the attacked grid too) move with it. Against a population prior every
  inference must then score a skill whose CI contains 0.
* ``"shift_days"``: the household's own truth rolled by :data:`SHIFT_DAYS` local days (not a
  multiple of 7, so weekdays do not line up), circularly within the recorded window. A
  diagnostic for day-level inferences against the household-typical prior: the routine is kept,
  the day-to-day link is cut. The appliance truth, the sub-meters, is rolled the same way
  (:func:`shift_submeters`); the aggregate, the attacked curve, is not.
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: the null options of a study (``StudySpec.null``); ``"none"`` scores the real pairing
NULLS = ("none", "permute_households", "shift_days")

#: local days the ``shift_days`` null rolls the truth by (prime to 7)
SHIFT_DAYS = 3


def check_null(null: str) -> None:
    """Raise ValueError (naming the option) when ``null`` is unknown (every inference serves
    under every null)."""
    if null not in NULLS:
        raise ValueError(f"null must be one of {NULLS}, not {null!r}")


def partner(houses: list[str], house: str, skip: int = 0) -> str:
    """The house whose truth ``house`` is scored against under ``permute_households``.

    Parameters
    ----------
    houses : the source's houses, in the study's stable order (at least 2).
    house : the attacked house.
    skip : how many houses after ``house`` (cyclically) train its attacks
        (:func:`nilm.study.training_houses`); the partner is the first house after them, so that
        neither the attack nor the population prior saw the partner's truth, when the source
        has more than ``skip + 1`` houses (else the next house).

    Returns
    -------
    The partner's id: a cyclic shift by one offset, so the pairing is a derangement (no house is
    its own partner) and every truth is used once.
    """
    if len(houses) < 2:
        raise ValueError("a permutation null needs at least 2 households in the source")
    n = len(houses)
    offset = skip + 1 if n > skip + 1 else 1
    return houses[(houses.index(house) + offset) % n]


def check_same_dates(truth, other, house: str, other_house: str) -> None:
    """Raise ValueError unless two truths cover the same local days on the same timeline."""
    same = (truth.start == other.start and truth.step == other.step
            and truth.timezone == other.timezone
            and np.shape(truth.present_person)[-1] == np.shape(other.present_person)[-1]
            and np.array_equal(truth.days, other.days))
    if not same:
        raise ValueError(f"null 'permute_households': households {house} and {other_house} do "
                         "not cover the same calendar dates")


def shift_truth(truth, days: int = SHIFT_DAYS):
    """``truth`` rolled forward by ``days`` local days, circularly within its window.

    The timelines (presence, awake, known) roll by ``days · 86400 / step`` steps; the per-day
    arrays (wake, bed, hot water, heater energy) roll by ``days`` entries, and the wake and
    bed instants move by the difference of the days' local midnights (so a DST change inside
    the window keeps their local clock time). Household-level facts (occupants, ownership) are
    unchanged: they are no day-level truth.
    """
    if truth.step <= 0 or 86400 % truth.step:
        raise ValueError(f"shift_truth needs a timeline step dividing a day, not {truth.step} s")
    n_days = len(truth.days)
    if n_days < 2:
        raise ValueError("shift_truth needs at least 2 local days")
    k = days % n_days
    steps = k * (86400 // truth.step)
    n = np.shape(truth.present_person)[-1]

    def roll_t(x):
        return None if x is None else np.roll(np.asarray(x), steps % n, axis=-1)

    # day d now holds day d-k's instants, moved by the gap between the two local midnights
    src = (np.arange(n_days) - k) % n_days
    move = (np.asarray(truth.days, np.int64) - np.asarray(truth.days, np.int64)[src])
    return dataclasses.replace(
        truth, present_person=roll_t(truth.present_person),
        awake_person=roll_t(truth.awake_person),
        household_present=roll_t(truth.household_present),
        household_awake=roll_t(truth.household_awake), person_known=roll_t(truth.person_known),
        wake=np.asarray(truth.wake, float)[..., src] + move,
        bed=np.asarray(truth.bed, float)[..., src] + move,
        hot_water_l=np.asarray(truth.hot_water_l, float)[src],
        water_heater_kwh=np.asarray(truth.water_heater_kwh, float)[src],
        events=[])


def shift_submeters(household, truth, days: int = SHIFT_DAYS):
    """``household`` with each sub-meter rolled forward by ``days`` local days, circularly
    within ``truth``'s window, exactly as :func:`shift_truth` rolls the timelines (a sample at
    ``t`` moves to ``start + (t − start + k·86400) mod window``); the mains is unchanged.

    Raises ValueError (naming the house and the sub-meter) when a sample lies outside the
    window, where the roll is not a bijection.
    """
    n_days = len(truth.days)
    if n_days < 2:
        raise ValueError("shift_submeters needs at least 2 local days")
    window = int(np.shape(truth.present_person)[-1]) * int(truth.step)
    shift = (days % n_days) * 86400
    rolled = {}
    for name, s in household.appliances.items():
        t = np.asarray(s.t, np.int64)
        if t.size and (t[0] < truth.start or t[-1] >= truth.start + window):
            raise ValueError(f"null 'shift_days': house {household.name}, sub-meter {name} "
                             "has samples outside its truth window")
        t2 = truth.start + (t - truth.start + shift) % window
        order = np.argsort(t2, kind="stable")
        rolled[name] = dataclasses.replace(s, t=t2[order], p=np.asarray(s.p)[order])
    return dataclasses.replace(household, appliances=rolled)


__all__ = ["NULLS", "SHIFT_DAYS", "check_null", "check_same_dates", "partner", "shift_submeters",
           "shift_truth"]
