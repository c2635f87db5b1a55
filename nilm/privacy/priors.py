"""Priors: what is known of a household without its load curve, as estimators of the attack
kind (:class:`nilm.privacy.base.Attack`: ``fit(train)`` on ``(Grid, GroundTruth)`` pairs,
``predict(grid)`` -> the inference's verdict), so that a prior is fitted and scored exactly as
an attack is. Two families, the same for simulated and real data (docs/inferences.md):

* **population priors**, learned on *training* households (what is known of people in
  general): for occupancy the **clock prior**, the majority label per time-of-day slot ×
  weekday; for appliance use its day-level form, the weekdays the training households use
  the appliance on (weekday day-use rates thresholded for day-use MCC); for wake-up and bed
  times the population median time of day, weekdays and weekends apart; for counts and
  energies the constant that minimises the error (the median, for the MAE);
* **household-typical priors**, learned on the *attacked household's own* labelled days and
  predicting each day from its *other* days (leave-one-day-out), weekdays and weekends apart:
  they know the household's routine from its labels, so they are not no-information priors;
  skill against them is what one day's curve reveals beyond the household's routine. Fit them
  on the attacked household's ``(grid, truth)``.

A prior reads the grid only for its calendar and for where its mains is known: where the
mains is unknown it abstains as the attacks do (NaN, "not used", or NaN for a grid without
data), so prior and attack are scored on the same intervals.
"""

from __future__ import annotations

import numpy as np

from .. import metrics
from ..series import Grid
from .base import Attack, DailyEnergy, DayTimes, timezone
from .hot_water import owns_water_heater
from .routine import household_wake_bed
from .scores import day_start_utc, grid_clock, local_clock, unique_days
from .truth_proxy import presence_on_grid


def weekday(day: np.ndarray) -> np.ndarray:
    """ISO weekday (0 = Monday … 6 = Sunday) of local day numbers (days since 1970-01-01, a
    Thursday)."""
    return (np.asarray(day, dtype=np.int64) + 3) % 7


def _kind(day: np.ndarray, by: str) -> np.ndarray:
    """The calendar group of each local day: its weekday (``by="weekday"``, 7 groups) or
    weekend vs weekday (``by="weekend"``, 2 groups)."""
    wd = weekday(day)
    return wd if by == "weekday" else (wd >= 5).astype(np.int64)


class _SlotVotes:
    """Labels counted per (local day, time-of-day slot): the majority per (calendar group,
    slot), optionally leaving one day out. Slots are ``slot_s`` wide from local midnight; an
    interval counts in the slot of its start."""

    def __init__(self, slot_s: float, by: str):
        self.slot_s, self.by = float(slot_s), by
        self.n_slots = int(np.ceil(86400 / self.slot_s))
        self.per_day: dict[int, np.ndarray] = {}  # day -> [2, slots] (positives, labelled)

    def slots(self, sod: np.ndarray) -> np.ndarray:
        """The time-of-day slot (int) of each interval from its start, s after local midnight
        (a 25-h DST day's last hour falls in the last slot)."""
        return np.minimum((sod // self.slot_s).astype(np.int64), self.n_slots - 1)

    def add(self, grid: Grid, tz: str, label: np.ndarray) -> None:
        day, sod = grid_clock(grid, tz)
        ok = np.isfinite(label)
        slot = self.slots(sod)
        for d in unique_days(day[ok]):
            m = ok & (day == d)
            votes = self.per_day.setdefault(int(d), np.zeros((2, self.n_slots)))
            votes[0] += np.bincount(slot[m], weights=label[m] >= 0.5, minlength=self.n_slots)
            votes[1] += np.bincount(slot[m], minlength=self.n_slots)

    def busiest_slots(self) -> np.ndarray:
        """Per weekday (0 = Monday), the slot with the most positive labels over its days
        (ties and weekdays without any: the earliest such slot)."""
        total = np.zeros((7, self.n_slots))
        if self.per_day:
            np.add.at(total, weekday(np.fromiter(self.per_day, np.int64)),
                      np.stack([v[0] for v in self.per_day.values()]))
        return np.argmax(total, axis=1)

    def predict(self, grid: Grid, tz: str, *, leave_day_out: bool) -> np.ndarray:
        """Majority label (1.0 / 0.0; ties: 1) per interval of ``grid`` from the other days
        of its calendar group (all its days when ``leave_day_out`` is False); NaN where no such
        day has a label in the slot, or where the mains is unknown."""
        day, sod = grid_clock(grid, tz)
        slot = self.slots(sod)
        days = np.array(sorted(self.per_day), dtype=np.int64)
        votes = (np.stack([self.per_day[d] for d in days]) if len(days)
                 else np.zeros((0, 2, self.n_slots)))
        groups = _kind(days, self.by)
        n_groups = 7 if self.by == "weekday" else 2
        total = np.zeros((n_groups, 2, self.n_slots))
        np.add.at(total, groups, votes)
        out = np.full(len(grid), np.nan)
        for d in unique_days(day):
            m = day == d
            g = int(_kind(np.array([d]), self.by)[0])
            t = total[g].copy()
            if leave_day_out and int(d) in self.per_day:
                t -= self.per_day[int(d)]
            pos, n = t[0][slot[m]], t[1][slot[m]]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[m] = np.where(n > 0, (2 * pos >= n).astype(np.float64), np.nan)
        out[~np.isfinite(grid.mains)] = np.nan
        return out


class ClockPrior(Attack):
    """Occupancy population prior (the **clock prior**): occupied when most training
    households are at home in that time-of-day slot on that weekday (ties: occupied).

    Parameters
    ----------
    slot_s : slot width, s (an interval counts in the slot of its start).
    seed : unused (the prior is deterministic).
    """

    inference = "occupancy"
    method = "clock_prior"
    needs_train = True
    by = "weekday"
    leave_day_out = False

    def __init__(self, slot_s: float = 1800.0, seed: int = 0):
        self.slot_s = slot_s
        self.seed = seed

    def fit(self, train) -> ClockPrior:
        """Count the presence of the training pairs per calendar group and slot; returns
        self."""
        self.votes_ = _SlotVotes(self.slot_s, self.by)
        for g, t in train:
            self.votes_.add(g, t.timezone, presence_on_grid(t, g.start, g.period, len(g)))
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> np.ndarray:
        """Occupied (1) / absent (0) per interval; NaN where unknown."""
        self._check_fitted()
        return self.votes_.predict(grid, timezone(grid, tz), leave_day_out=self.leave_day_out)


class TypicalOccupancy(ClockPrior):
    """Occupancy household-typical prior: the attacked household's majority in that slot over
    its *other* days of the same kind (weekday or weekend; leave-one-day-out). Fit it on the
    household's own ``(grid, truth)``."""

    method = "household_typical"
    by = "weekend"
    leave_day_out = True


def weekday_day_rule(used: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The weekdays on which an input-blind predictor should say "used", from training day
    counts: ``used[w]`` / ``days[w]`` used / labelled days of weekday ``w`` (0 = Monday).

    The verdict "used on the weekdays whose day-use rate is at least ``c``" is scored for every
    rate ``c`` that occurs, by the Matthews correlation (Matthews 1975) of the pooled day
    counts; the best one is kept (ties: the fewest "used" weekdays). When no such split of the
    week has a positive MCC the verdict is the majority of all training days, the same every
    day. Returns a boolean ``[7]``.
    """
    used, days = np.asarray(used, np.float64), np.asarray(days, np.float64)
    rate = np.divide(used, days, out=np.zeros(7), where=days > 0)
    # candidate thresholds from the highest rate down, so that argmax's first maximum is the
    # split with the fewest "used" weekdays
    cuts = np.unique(rate[days > 0])[::-1]
    say = (rate[None, :] >= cuts[:, None]) & (days > 0)
    unused = days - used
    counts = np.stack([say @ used, say @ unused, ~say @ used, ~say @ unused], axis=-1)
    m = np.nan_to_num(metrics.mcc_replicate(counts), nan=0.0)  # a constant verdict: 0
    if not m.size or m.max() <= 0.0:
        return np.full(7, bool(2 * used.sum() >= days.sum() > 0))
    return say[int(np.argmax(m))]


class ClockPriorAppliances(Attack):
    """Appliance-use population prior (clock prior), a **day-level** rule: on a local day an
    appliance is "used" when its weekday is one the training households use it on
    (:func:`weekday_day_rule`: the weekday day-use rates thresholded for the best day-use MCC
    over the training days), and the day's use is placed in the time-of-day slot where the
    training households use it most on that weekday (one interval). A majority per interval
    slot (the occupancy clock prior's rule) says "never" for every appliance used in fewer
    than half of a slot's days, which is nearly all of them, so it carried none of the weekday
    pattern that any calendar knows (a vacuum cleaner used on 7 % of weekdays and 32 % of
    weekend days): against it the permutation null of record scored a day-use skill of 0.02
    [0.01, 0.02] from the calendar alone (docs/metrics.md, "Null controls").

    Parameters
    ----------
    names : appliances (default: every sub-meter of the training grids).
    slot_s : slot width, s.
    seed : unused (the prior is deterministic).
    """

    inference = "appliances"
    method = "clock_prior"
    needs_train = True
    by = "weekday"
    leave_day_out = False
    #: the day-level weekday rule (False: the household-typical prior's slot majority)
    day_rule = True

    def __init__(self, names=None, slot_s: float = 1800.0, seed: int = 0):
        self.names = names
        self.slot_s = slot_s
        self.seed = seed

    def fit(self, train) -> ClockPriorAppliances:
        """Count each appliance's activity per calendar group and slot, and its used /
        labelled days per weekday; returns self."""
        names = self.names
        if names is None:
            names = sorted({n for g, _ in train for n in g.names})
        self.votes_, self.day_used_, self.day_slot_ = {}, {}, {}
        for name in names:
            votes = _SlotVotes(self.slot_s, self.by)
            used, days = np.zeros(7), np.zeros(7)
            for g, t in train:
                if name in g.names:
                    y = g.appliance(name).astype(np.float64)
                    on = (y >= metrics.on_threshold(name, float(g.period))).astype(np.float64)
                    label = np.where(np.isfinite(y), on, np.nan)
                    votes.add(g, t.timezone, label)
                    day, _ = grid_clock(g, t.timezone)
                    ok = np.isfinite(label)
                    u, k = np.unique(day[ok], return_inverse=True)
                    hit = np.bincount(k, weights=label[ok] >= 0.5, minlength=len(u)) > 0
                    np.add.at(days, weekday(u), 1.0)
                    np.add.at(used, weekday(u), hit.astype(np.float64))
            self.votes_[name] = votes
            if self.day_rule:
                self.day_used_[name] = weekday_day_rule(used, days)
                self.day_slot_[name] = votes.busiest_slots()
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> dict[str, np.ndarray]:
        """Per-interval activity (bool) of each appliance; False where the mains is unknown."""
        self._check_fitted()
        tz = timezone(grid, tz)
        if not self.day_rule:
            return {n: v.predict(grid, tz, leave_day_out=self.leave_day_out) == 1.0
                    for n, v in self.votes_.items()}
        day, sod = grid_clock(grid, tz)
        idx = np.flatnonzero(np.isfinite(grid.mains))
        u, first, k = np.unique(day[idx], return_index=True, return_inverse=True)
        wd = weekday(u)
        pos = np.arange(len(idx))
        out = {}
        for n, say in self.day_used_.items():
            # per known day: its first interval in the weekday's busiest slot, else its first
            # known interval (a coarse grid may have none in that slot)
            in_slot = self.votes_[n].slots(sod[idx]) == self.day_slot_[n][wd[k]]
            hit = np.full(len(u), len(idx))
            np.minimum.at(hit, k[in_slot], pos[in_slot])
            at = np.where(hit < len(idx), hit, first)
            act = np.zeros(len(grid), bool)
            act[idx[at[say[wd]]]] = True
            out[n] = act
        return out


class TypicalAppliances(ClockPriorAppliances):
    """Appliance-use household-typical prior: the attacked household's own majority in that
    slot over its other days of the same kind (weekday or weekend; leave-one-day-out). Fit it
    on the household's own ``(grid, truth)`` (its sub-meters)."""

    method = "household_typical"
    by = "weekend"
    leave_day_out = True
    day_rule = False


def _times_of_day(train) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per training pair: (local days, wake and bed time of day in s after local midnight)."""
    out = []
    for _, t in train:
        days, wake, bed = household_wake_bed(t)
        midnight = np.asarray(t.days, dtype=np.float64)
        out.append((days, wake - midnight, bed - midnight))
    return out


class PopulationWakeBed(Attack):
    """Routine population prior: every day, the training households' median wake-up (bed)
    time of day, weekdays and weekends apart (the median minimises the MAE); a group without
    any training day falls back to all days. ``seed`` is unused."""

    inference = "routine"
    method = "population_prior"
    needs_train = True

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, train) -> PopulationWakeBed:
        """Median time of day per group (weekday 0 / weekend 1) and target; returns self."""
        rows = _times_of_day(train)
        days = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64)
        group = _kind(days, "weekend")
        self.tod_ = {}
        for j, target in ((1, "wake"), (2, "bed")):
            tod = np.concatenate([r[j] for r in rows]) if rows else np.zeros(0)
            ok = np.isfinite(tod)
            every = float(np.median(tod[ok])) if ok.any() else np.nan
            self.tod_[target] = [float(np.median(tod[ok & (group == g)]))
                                 if (ok & (group == g)).any() else every for g in (0, 1)]
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> DayTimes:
        """The typical times of each local day of ``grid`` with known mains (NaN others)."""
        self._check_fitted()
        tz = timezone(grid, tz)
        day, _ = grid_clock(grid, tz)
        days = unique_days(day)
        known = unique_days(day[np.isfinite(grid.mains)])
        midnight = day_start_utc(days, tz).astype(np.float64)
        group = _kind(days, "weekend")
        out = []
        for target in ("wake", "bed"):
            tod = np.asarray(self.tod_[target])[group]
            out.append(np.where(np.isin(days, known), midnight + tod, np.nan))
        return DayTimes(days, out[0], out[1])


class TypicalWakeBed(Attack):
    """Routine household-typical prior: each day, the median wake-up (bed) time of day of the
    household's *other* days of the same kind (weekday or weekend; leave-one-day-out), or of
    all its other days when none is of that kind. Fit it on the household's own
    ``(grid, truth)``. ``seed`` is unused."""

    inference = "routine"
    method = "household_typical"
    needs_train = True

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, train) -> TypicalWakeBed:
        """Keep the household's days and times of day; returns self."""
        rows = _times_of_day(train)
        self.days_ = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64)
        self.tod_ = {t: (np.concatenate([r[j] for r in rows]) if rows else np.zeros(0))
                     for j, t in ((1, "wake"), (2, "bed"))}
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> DayTimes:
        """The other days' typical times for each local day of ``grid`` (NaN without mains)."""
        self._check_fitted()
        tz = timezone(grid, tz)
        day, _ = grid_clock(grid, tz)
        days = unique_days(day)
        known = np.isin(days, unique_days(day[np.isfinite(grid.mains)]))
        midnight = day_start_utc(days, tz).astype(np.float64)
        group = _kind(days, "weekend")
        mine = _kind(self.days_, "weekend")
        out = []
        for target in ("wake", "bed"):
            tod = self.tod_[target]
            est = np.full(len(days), np.nan)
            for i, d in enumerate(days):
                other = np.isfinite(tod) & (self.days_ != d)
                same = other & (mine == group[i])
                pool = tod[same] if same.any() else tod[other]
                if known[i] and pool.size:
                    est[i] = midnight[i] + float(np.median(pool))
            out.append(est)
        return DayTimes(days, out[0], out[1])


class PopulationDailyEnergy(Attack):
    """Hot-water population prior: the median daily water-heater energy of the training
    households that own one (the constant that minimises the MAE, which is scored on owners
    only) every day, and "owns an off-peak water heater" when most training households do
    (:func:`nilm.privacy.hot_water.owns_water_heater`). ``seed`` is unused."""

    inference = "hot_water"
    method = "population_prior"
    needs_train = True

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, train) -> PopulationDailyEnergy:
        """Median daily kWh of ``train``'s owners and majority ownership; returns self."""
        kwh = np.concatenate([np.asarray(t.water_heater_kwh, float) for _, t in train
                              if owns_water_heater(t)] or [np.zeros(0)])
        ok = np.isfinite(kwh)
        self.kwh_ = float(np.median(kwh[ok])) if ok.any() else float("nan")
        owns = [owns_water_heater(t) for _, t in train]
        owns = [o for o in owns if o is not None]
        self.owns_ = bool(owns) and 2 * sum(owns) >= len(owns)
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> DailyEnergy:
        """The median energy on each local day of ``grid`` with known mains (NaN others)."""
        self._check_fitted()
        days, known = _known_days(grid, timezone(grid, tz))
        return DailyEnergy(days, np.where(known, self.kwh_, np.nan), self.owns_,
                           int(known.sum()))


def _known_days(grid: Grid, tz: str) -> tuple[np.ndarray, np.ndarray]:
    day, _ = grid_clock(grid, tz)
    days = unique_days(day)
    return days, np.isin(days, unique_days(day[np.isfinite(grid.mains)]))


class TypicalDailyEnergy(Attack):
    """Hot-water household-typical prior: each day, the median water-heater energy of the
    household's *other* days of the same kind (weekday or weekend; leave-one-day-out), or of
    all its other days when none is of that kind; ownership as recorded (else a mean of at
    least 0.5 kWh/day). Fit it on the household's own ``(grid, truth)``. ``seed`` is unused."""

    inference = "hot_water"
    method = "household_typical"
    needs_train = True

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, train) -> TypicalDailyEnergy:
        """Keep the household's daily energies; returns self."""
        days, kwh, owns = [], [], []
        for _, t in train:
            days.append(local_clock(np.asarray(t.days, dtype=np.int64), t.timezone)[0])
            kwh.append(np.asarray(t.water_heater_kwh, float))
            owns.append(owns_water_heater(t))
        self.days_ = np.concatenate(days) if days else np.zeros(0, np.int64)
        self.kwh_ = np.concatenate(kwh) if kwh else np.zeros(0)
        owns = [o for o in owns if o is not None]
        self.owns_ = bool(owns) and 2 * sum(owns) >= len(owns)
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> DailyEnergy:
        """The other days' median energy for each local day of ``grid`` (NaN without mains)."""
        self._check_fitted()
        days, known = _known_days(grid, timezone(grid, tz))
        group, mine = _kind(days, "weekend"), _kind(self.days_, "weekend")
        est = np.full(len(days), np.nan)
        for i, d in enumerate(days):
            other = np.isfinite(self.kwh_) & (self.days_ != d)
            same = other & (mine == group[i])
            pool = self.kwh_[same] if same.any() else self.kwh_[other]
            if known[i] and pool.size:
                est[i] = float(np.median(pool))
        return DailyEnergy(days, est, self.owns_, int(known.sum()))


class PopulationCount(Attack):
    """Occupant-count population prior: the training households' median count (the constant
    that minimises the MAE in persons); labelled households only (``occupants > 0``). The
    household-typical family has no member here: a household has one count. ``seed`` is
    unused."""

    inference = "occupants"
    method = "population_prior"
    needs_train = True

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, train) -> PopulationCount:
        """Median count of the labelled training households; returns self."""
        return self.fit_rows(None, [t.occupants for _, t in train if t.occupants > 0])

    def fit_rows(self, x, y) -> PopulationCount:
        """Median of the counts ``y`` (``x`` is ignored: the prior reads no feature)."""
        y = np.asarray(y, dtype=np.float64)
        self.count_ = float(np.median(y)) if y.size else float("nan")
        return self

    def predict_rows(self, x: np.ndarray) -> np.ndarray:
        """The median count for every row of ``x``."""
        self._check_fitted()
        return np.full(len(x), self.count_)

    def predict(self, grid: Grid, tz: str | None = None) -> float:
        """The median count (NaN for a grid without any known interval)."""
        self._check_fitted()
        return self.count_ if np.isfinite(grid.mains).any() else float("nan")


#: ``"<inference>.<prior>"`` -> prior class: ``*.clock_prior`` / ``*.population_prior`` (learned
#: on training households) and ``*.household_typical`` (on the household's own other days)
PRIORS = {f"{c.inference}.{c.method}": c for c in (
    ClockPrior, TypicalOccupancy, ClockPriorAppliances, TypicalAppliances, PopulationWakeBed,
    TypicalWakeBed, PopulationDailyEnergy, TypicalDailyEnergy, PopulationCount)}

__all__ = ["PRIORS", "ClockPrior", "ClockPriorAppliances", "PopulationCount",
           "PopulationDailyEnergy", "PopulationWakeBed", "TypicalAppliances",
           "TypicalDailyEnergy", "TypicalOccupancy", "TypicalWakeBed", "weekday",
           "weekday_day_rule"]
