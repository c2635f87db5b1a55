"""Occupants and their daily routines: wake and bed times, work or school absences, evenings
out, daytime outings and multi-day trips.

Times are wall-clock hours of the local day. Each archetype gives (mean, standard deviation) of
normal draws; each person shifts the means by a personal offset drawn once
(:func:`draw_person`), so households differ, and draws again every day, so days differ. The
numbers follow the French time-use survey orders of magnitude (INSEE *Enquete Emploi du temps*
2010: median weekday wake-up 6:50 for employed people, 7:30 for retirees, bedtime 22:30-23:30)
and are meant as plausible priors, not a fit to any survey.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .clock import Day

#: archetype -> routine parameters (hours; (mean, sd) pairs; probabilities per day)
ARCHETYPES: dict[str, dict] = {
    # office worker: leaves about an hour after waking, back in the early evening
    "worker": {"wake": (6.75, 0.35), "wake_we": (8.4, 0.8), "bed": (23.0, 0.5),
               "bed_we": (23.8, 0.7), "works": True, "leave_after": (0.9, 0.25),
               "back": (18.4, 0.6), "eve_out": 0.07, "eve_out_we": 0.3, "outing": 0.25,
               "outing_we": 0.65},
    # rotating early/late shifts, one week each (see :func:`_shift_times`)
    "shift": {"wake": (4.6, 0.2), "wake_we": (8.8, 0.9), "bed": (21.8, 0.4),
              "bed_we": (23.8, 0.8), "works": True, "leave_after": (0.6, 0.1),
              "back": (14.0, 0.3), "eve_out": 0.05, "eve_out_we": 0.25, "outing": 0.3,
              "outing_we": 0.6},
    "retiree": {"wake": (7.5, 0.5), "wake_we": (7.7, 0.5), "bed": (22.6, 0.5),
                "bed_we": (22.8, 0.5), "works": False, "eve_out": 0.04, "eve_out_we": 0.08,
                "outing": 0.7, "outing_we": 0.5},
    # works from home: at home on weekdays apart from short outings
    "homeworker": {"wake": (7.4, 0.4), "wake_we": (8.6, 0.8), "bed": (23.3, 0.5),
                   "bed_we": (23.9, 0.7), "works": False, "eve_out": 0.08, "eve_out_we": 0.3,
                   "outing": 0.6, "outing_we": 0.6},
    # primary-school child: no school on Wednesday afternoon (French timetable)
    "child": {"wake": (7.15, 0.2), "wake_we": (8.2, 0.6), "bed": (20.9, 0.3),
              "bed_we": (21.4, 0.4), "works": True, "school": True, "leave_after": (0.95, 0.1),
              "back": (16.7, 0.25), "eve_out": 0.0, "eve_out_we": 0.0, "outing": 0.15,
              "outing_we": 0.5},
    "teen": {"wake": (6.9, 0.25), "wake_we": (9.8, 1.0), "bed": (22.6, 0.5),
             "bed_we": (23.9, 0.8), "works": True, "school": True, "leave_after": (0.8, 0.15),
             "back": (17.4, 0.6), "eve_out": 0.04, "eve_out_we": 0.3, "outing": 0.2,
             "outing_we": 0.5},
}

#: household type -> (weight, archetypes of the adults, children range)
HOUSEHOLD_TYPES: dict[str, tuple[float, tuple[str, ...], tuple[int, int]]] = {
    "single_worker": (0.16, ("worker",), (0, 0)),
    "single_retiree": (0.12, ("retiree",), (0, 0)),
    "single_homeworker": (0.05, ("homeworker",), (0, 0)),
    "couple_workers": (0.15, ("worker", "worker"), (0, 0)),
    "couple_retirees": (0.13, ("retiree", "retiree"), (0, 0)),
    "shift_worker_couple": (0.07, ("shift", "worker"), (0, 0)),
    "family": (0.24, ("worker", "worker"), (1, 3)),
    "family_homeworker": (0.05, ("worker", "homeworker"), (1, 3)),
    "single_parent": (0.03, ("worker",), (1, 2)),
}


@dataclass
class PersonSpec:
    """One occupant: archetype and personal habits (drawn once per household).

    ``shift_h`` moves all of the person's wake and bed means (h); ``shower_morning`` says when
    the person showers; ``shower_l`` is the mean hot water per shower (litres at tank
    temperature); ``hot_drink`` is "kettle", "coffee" or "none" at breakfast.
    """

    kind: str
    shift_h: float = 0.0
    shower_morning: bool = True
    shower_l: float = 35.0
    hot_drink: str = "coffee"
    computer_use: float = 0.4


def draw_person(kind: str, rng: np.random.Generator) -> PersonSpec:
    """A person of archetype ``kind`` with personal habits."""
    return PersonSpec(
        kind=kind, shift_h=float(np.round(rng.normal(0.0, 0.35), 2)),
        shower_morning=bool(rng.random() < 0.7),
        shower_l=float(np.round(rng.uniform(18.0, 40.0) * (0.6 if kind == "child" else 1.0), 1)),
        hot_drink=str(rng.choice(["kettle", "coffee", "none"], p=[0.35, 0.5, 0.15])
                      if kind not in ("child",) else "none"),
        computer_use=float(np.round(rng.uniform(0.1, 0.8), 2)))


def draw_occupants(rng: np.random.Generator,
                   size_share: tuple | None = None) -> tuple[str, list[PersonSpec]]:
    """(household type, occupants), 1 to 5 people.

    ``size_share`` (shares of 1..5-person households, a published household-size
    distribution) fixes the size first; the type is then drawn among those that can have that
    size, each weighted by its :data:`HOUSEHOLD_TYPES` weight times its chance of that size
    (children uniform in its range), and the children fill the rest. Without it the type is
    drawn first and the size follows from it.
    """
    types = list(HOUSEHOLD_TYPES)
    if size_share is None:
        w = np.array([HOUSEHOLD_TYPES[t][0] for t in types])
        kind = types[int(rng.choice(len(types), p=w / w.sum()))]
        _, adults, (cmin, cmax) = HOUSEHOLD_TYPES[kind]
        n_children = int(rng.integers(cmin, cmax + 1))
    else:
        sp = np.asarray(size_share, dtype=np.float64)
        n = 1 + int(rng.choice(len(sp), p=sp / sp.sum()))
        w = np.array([wt / (c1 - c0 + 1) if c0 <= n - len(ad) <= c1 else 0.0
                      for wt, ad, (c0, c1) in (HOUSEHOLD_TYPES[t] for t in types)])
        kind = types[int(rng.choice(len(types), p=w / w.sum()))]
        adults = HOUSEHOLD_TYPES[kind][1]
        n_children = n - len(adults)
    kinds = list(adults)
    for _ in range(n_children):
        kinds.append("child" if rng.random() < 0.6 else "teen")
    return kind, [draw_person(k, rng) for k in kinds]


_MONTH_DAYS = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
#: holiday lengths (nights) and their probabilities: mean 10 nights, 11 days with the travel
#: days (INSEE 2004: 11.8 days per stay)
_HOLIDAY_NIGHTS = (4, 5, 7, 8, 10, 14, 15, 21)
_HOLIDAY_P = (0.15, 0.1, 0.2, 0.1, 0.1, 0.15, 0.1, 0.1)


@dataclass
class DayRoutine:
    """What every occupant does on one day, in elapsed minutes of that day.

    present, awake : bool [persons, n_min] (awake implies present).
    wake, bed : float64 [persons], epoch s (NaN: not at home for it).
    wake_s : list of elapsed s of each person's wake-up at home (None when away).
    """

    present: np.ndarray
    awake: np.ndarray
    wake: np.ndarray
    bed: np.ndarray
    wake_s: list
    trip: bool = False


@dataclass
class Routines:
    """Day-by-day routine generator carrying state across midnights (late bedtimes, evenings
    out past midnight, trips).

    Parameters
    ----------
    persons : the occupants.
    trip_rate : short trips of the whole household per year (2-3 nights).
    holidays_per_year : holidays of the whole household (4-21 nights, mean 10: INSEE's 11.8
        days per stay, see :mod:`nilm.simulate.presets`) per year.
    month_weight : relative daily departure rate of holidays in each month (12 values).
    solo_trip_rate : per working adult, trips away alone per year (1-3 nights).
    """

    persons: list[PersonSpec]
    trip_rate: float = 3.0
    holidays_per_year: float = 0.0
    month_weight: tuple = (1,) * 12
    solo_trip_rate: float = 2.0
    _carry_awake: list = field(default_factory=list)  # wall minutes after midnight still awake
    _carry_away: list = field(default_factory=list)   # wall minutes after midnight still out
    _away_days: list = field(default_factory=list)    # remaining full days away, per person
    _returning: list = field(default_factory=list)    # person comes back today

    def __post_init__(self):
        n = len(self.persons)
        self._carry_awake = [0] * n
        self._carry_away = [0] * n
        self._away_days = [0] * n
        self._returning = [False] * n

    def day(self, day: Day, rng: np.random.Generator) -> DayRoutine:
        """Draw everyone's routine for ``day``."""
        n = len(self.persons)
        departing = [False] * n
        if all(a == 0 and not r for a, r in zip(self._away_days, self._returning, strict=True)):
            w = np.asarray(self.month_weight, dtype=np.float64)
            days_w = float(np.dot(w, _MONTH_DAYS))
            p_hol = self.holidays_per_year * w[day.date.month - 1] / days_w
            u = rng.random()
            length = 0
            if u < p_hol:
                length = int(rng.choice(_HOLIDAY_NIGHTS, p=_HOLIDAY_P))
            elif u < p_hol + self.trip_rate / 365.0:
                length = int(rng.choice([2, 3], p=[0.6, 0.4]))
            if length:
                departing = [True] * n
                self._away_days = [length - 1] * n
        for i, p in enumerate(self.persons):
            if (ARCHETYPES[p.kind]["works"] and p.kind not in ("child", "teen")
                    and not departing[i] and self._away_days[i] == 0 and not self._returning[i]
                    and rng.random() < self.solo_trip_rate / 365.0):
                departing[i] = True
                self._away_days[i] = int(rng.integers(1, 4))
        present = np.zeros((n, day.n_min), dtype=bool)
        awake = np.zeros((n, day.n_min), dtype=bool)
        wake = np.full(n, np.nan)
        bed = np.full(n, np.nan)
        wake_s: list = [None] * n
        for i, p in enumerate(self.persons):
            home_w, awake_w, wk, bd = self._person_day(i, p, day, rng, departing[i])
            present[i] = day.wall_mask(home_w)
            awake[i] = day.wall_mask(awake_w & home_w)
            if wk is not None:
                wake_s[i] = day.elapsed(wk * 60)
                wake[i] = day.t0 + wake_s[i]
            if bd is not None:
                bed[i] = day.t0 + (day.elapsed(bd * 60) if bd < 1440
                                   else day.n_s + (bd - 1440) * 60)
        return DayRoutine(present, awake, wake, bed, wake_s,
                          trip=bool(not present.any()))

    def _person_day(self, i, p: PersonSpec, day: Day, rng, departing: bool):
        """Wall-minute masks (home, awake) of one person, and wake/bed wall minutes."""
        a = ARCHETYPES[p.kind]
        home = np.ones(1440, dtype=bool)
        awake = np.zeros(1440, dtype=bool)
        awake[:self._carry_awake[i]] = True
        home[:self._carry_away[i]] = False
        self._carry_awake[i] = self._carry_away[i] = 0
        if self._away_days[i] > 0 and not departing:
            self._away_days[i] -= 1
            if self._away_days[i] == 0:
                self._returning[i] = True
            return np.zeros(1440, dtype=bool), awake, None, None
        we = day.weekend
        mw, sw = a["wake_we"] if we else a["wake"]
        mb, sb = a["bed_we"] if we else a["bed"]
        if p.kind == "shift" and not we and (day.index // 7) % 2 == 1:
            # late-shift week: sleeps in, works 13:30-21:30
            mw, mb = 9.0, 24.4
        shift = p.shift_h
        wake = int(round(60 * np.clip(rng.normal(mw + shift, sw), 3.5, 13.0)))
        bed = int(round(60 * np.clip(rng.normal(mb + shift, sb), wake / 60 + 8.0, 27.5)))
        if self._returning[i]:
            self._returning[i] = False
            back = int(round(60 * rng.uniform(14.0, 21.0)))
            home[:back] = False
            bed = max(bed, back + 30)
            wake_out = None
        else:
            wake_out = wake
        awake[wake:min(bed, 1440)] = True
        if bed > 1440:
            self._carry_awake[i] = bed - 1440
        if departing:
            leave = int(round(60 * np.clip(wake / 60 + rng.uniform(0.7, 5.0), 0, 23.0)))
            home[leave:] = False
            awake[leave:] = False
            self._carry_awake[i] = 0
            return home, awake, wake_out, None
        weekday_work = a["works"] and not we
        if weekday_work:
            leave = wake + int(round(60 * max(0.25, rng.normal(*a["leave_after"]))))
            back = int(round(60 * rng.normal(*a["back"])))
            if p.kind == "child" and day.weekday == 2:
                back = int(round(60 * rng.normal(12.2, 0.2)))
            if p.kind == "shift" and (day.index // 7) % 2 == 1:
                leave, back = int(60 * rng.normal(12.9, 0.1)), int(60 * rng.normal(22.0, 0.2))
            back = min(back, bed - 20)
            if back > leave + 30:
                home[leave:back] = False
        else:
            if rng.random() < (a["outing_we"] if we else a["outing"]):
                lo, hi = wake + 45, bed - 90
                if hi - lo > 120:
                    dur = int(60 * rng.uniform(0.75, 4.0))
                    s = int(rng.integers(lo, max(lo + 1, hi - dur)))
                    home[s:min(s + dur, hi)] = False
        if rng.random() < (a["eve_out_we"] if we else a["eve_out"]):
            s = int(round(60 * rng.normal(19.6, 0.4)))
            e = int(round(60 * rng.normal(23.4, 0.7)))
            if s > wake + 60 and e > s + 60:
                e = min(e, 1440 + 180)
                bed = max(bed, e + int(rng.integers(10, 40)))
                awake[wake:min(bed, 1440)] = True
                self._carry_awake[i] = max(0, bed - 1440)
                home[s:min(e, 1440)] = False
                self._carry_away[i] = max(0, e - 1440)
        return home, awake, wake_out, bed
