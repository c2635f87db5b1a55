"""Wake-up and bed times per day from the aggregate load curve (change point above the night
base load).

Ground truth (:func:`household_wake_bed`): the **household** wake-up of local day *d* is the
earliest wake-up of any person that day, and its bed time the latest bed time of any person
(``GroundTruth.wake`` / ``bed``, NaN for people away). The aggregate cannot tell people apart: the
first person up starts the morning load and the last one to bed ends the evening load, so these
are what the curve can reveal. On real data the proxy is the first/last user-driven sub-meter
activity around the night gap (:func:`nilm.privacy.truth_proxy.proxy_truth`).

Attack (:func:`changepoint_wake_bed`): a first-exceedance change point, i.e. the base-load
threshold idea of Kleiminger et al. (2015) applied within a morning and an evening window:

1. an off-peak water-heater run (:func:`nilm.privacy.hot_water.heater_profile`) is subtracted
   first — it is automatic and would otherwise look like someone up at night;
2. the night reference is the ``q`` quantile of interval power in the local night window
   (01:00–05:00), which includes fridge cycles and standby; threshold = reference + margin;
3. wake-up of day *d*: the first interval wholly inside the morning window (04:00–12:00) whose
   power exceeds the threshold; bed time: the last such interval in the evening window
   (17:00–03:00 next day). The estimate is the interval midpoint, so an attacker that finds the
   right interval has an expected error of period/4
   (:func:`nilm.privacy.scores.quantisation_floor_s`).

A day without any such interval (e.g. every day at a 1-day period) gets no estimate: the attack
abstains and is scored with the prior's estimate, so it then has skill 0 by construction.

References
----------
Kleiminger, W., Beckel, C. & Santini, S. (2015). Household occupancy monitoring using electricity
meters. UbiComp.
Molina-Markham, A., Shenoy, P., Fu, K., Cecchet, E. & Irwin, D. (2010). Private memoirs of a
smart meter. BuildSys. (sleep/wake cycles visible in 15-min to 1-s load curves)
"""

from __future__ import annotations

import numpy as np

from ..series import Grid
from ..truth import GroundTruth
from .hot_water import heater_profile
from .scores import (
    DAY_S,
    as_grid,
    error_rows,
    local_clock,
    quantisation_floor_s,
    ratio_ci,
    row,
    skill_score,
)

#: the attacks this module implements
METHODS = ("changepoint",)


def household_wake_bed(truth: GroundTruth) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local day numbers, household wake epoch s, household bed epoch s) per truth day.

    Wake = earliest person wake-up of the day, bed = latest person bed time (NaN when nobody
    has one)."""
    days, _ = local_clock(np.asarray(truth.days, dtype=np.int64), truth.timezone)
    wake = np.asarray(truth.wake, dtype=np.float64).reshape(-1, len(days))
    bed = np.asarray(truth.bed, dtype=np.float64).reshape(-1, len(days))
    with np.errstate(all="ignore"):
        w = np.where(np.isfinite(wake).any(axis=0), np.nanmin(np.where(
            np.isfinite(wake), wake, np.inf), axis=0), np.nan)
        b = np.where(np.isfinite(bed).any(axis=0), np.nanmax(np.where(
            np.isfinite(bed), bed, -np.inf), axis=0), np.nan)
    return days, w, b


def changepoint_wake_bed(grid: Grid, tz: str, *, q: float = 0.95, margin_w: float = 100.0,
                         night=(1.0, 5.0), morning=(4.0, 12.0), evening=(17.0, 27.0),
                         remove_heater: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimated wake-up and bed times per local day.

    Parameters
    ----------
    grid : aggregate at the attacked period, W.
    tz : IANA time zone.
    q : quantile of night power taken as the night reference.
    margin_w : margin above the reference, W.
    night, morning, evening : local hours; ``evening`` may run past 24 (into the next day).
    remove_heater : subtract the detected off-peak water-heater run first.

    Returns
    -------
    (days, wake, bed): local day numbers, and epoch s estimates (interval midpoints; NaN where
    the attack abstains). ``bed[d]`` is the bed time of the evening of day ``d``.
    """
    p = grid.mains.astype(np.float64)
    period = float(grid.period)
    if remove_heater:
        p = p - np.nan_to_num(heater_profile(grid, tz)["power"])
    day, sod = local_clock(grid.t, tz)
    days = np.unique(day)
    wake = np.full(len(days), np.nan)
    bed = np.full(len(days), np.nan)
    in_night = (sod >= night[0] * 3600) & (sod + period <= night[1] * 3600) & np.isfinite(p)
    if in_night.sum() < 1 or len(days) == 0:
        return days, wake, bed
    thr = float(np.quantile(p[in_night], q)) + margin_w
    active = np.isfinite(p) & (p > thr)
    mid = grid.t.astype(np.float64) + period / 2
    in_morning = (sod >= morning[0] * 3600) & (sod + period <= morning[1] * 3600)
    k = np.searchsorted(days, day)
    sel = np.flatnonzero(active & in_morning)
    # first active morning interval of each day: indices are time-sorted, so the first per day
    first = np.unique(k[sel], return_index=True)[1]
    wake[k[sel][first]] = mid[sel][first]
    # evening of day d: [17:00, 24:00) of d and [00:00, 03:00) of d + 1, both wholly inside
    late = sod + period <= (evening[1] - 24) * 3600
    in_evening = (sod >= evening[0] * 3600) & (sod + period <= DAY_S) | late
    owner = day - late.astype(np.int64)
    ke = np.searchsorted(days, owner)
    sel = np.flatnonzero(active & in_evening & (ke < len(days)))
    sel = sel[days[ke[sel]] == owner[sel]]
    rev = sel[::-1]
    last = np.unique(ke[rev], return_index=True)[1]
    bed[ke[rev][last]] = mid[rev][last]
    return days, wake, bed


def score_routine(household_or_grid, truth: GroundTruth, period: float, *,
                  method: str = "changepoint", seed: int = 0,
                  train: list[tuple[Grid, GroundTruth]] | None = None,
                  tolerance_min: float = 30.0) -> list[dict]:
    """Score the wake-up and bed-time attack on one household at ``period`` s.

    For each target (``wake``, ``bed``), rows ``mae_min`` (mean absolute error, minutes, with
    ``floor`` = period/4 in minutes), ``within_30min`` (share of days within ±``tolerance_min``)
    and ``coverage`` (share of days with an estimate). Abstentions are scored with the prior.

    Prior: the same typical time every day — the median time of day of the ``train``
    households' days, or (``train`` None) of the household's *other* days (leave-one-day-out;
    stricter than a population schedule because it knows this household's habits).
    CIs: day-block bootstrap.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    grid = as_grid(household_or_grid, period)
    tz = truth.timezone
    split = "households" if train is not None else "leave_one_day_out"
    tdays, t_wake, t_bed = household_wake_bed(truth)
    days, e_wake, e_bed = changepoint_wake_bed(grid, tz)
    k = np.searchsorted(days, tdays)
    hit = (k < len(days)) & (days[np.minimum(k, len(days) - 1)] == tdays)
    midnight = np.asarray(truth.days, dtype=np.float64)
    floor_min = quantisation_floor_s(period) / 60
    rows = []
    for target, truth_t, est_all, idx in (("wake", t_wake, e_wake, 1), ("bed", t_bed, e_bed, 2)):
        y = np.where(hit, truth_t, np.nan)
        est = np.full(len(tdays), np.nan)
        est[hit] = est_all[k[hit]]
        tod = y - midnight
        if train is not None:
            pool = np.concatenate([household_wake_bed(t)[idx] - np.asarray(t.days, float)
                                   for _, t in train])
            pool = pool[np.isfinite(pool)]
            prior_tod = np.full(len(y), np.median(pool) if pool.size else np.nan)
        else:
            ok = np.flatnonzero(np.isfinite(tod))
            prior_tod = np.full(len(y), np.nan)
            for i in ok:
                others = tod[ok[ok != i]]
                if others.size:
                    prior_tod[i] = np.median(others)
        prior = midnight + prior_tod
        abstain = ~np.isfinite(est)
        est = np.where(abstain, prior, est)
        err = np.abs(est - y) / 60
        err_p = np.abs(prior - y) / 60
        rows.append(error_rows("routine", target, "mae_min", err, err_p, method=method,
                               split=split, seed=seed, floor=floor_min))
        rows.append(_within_row(target, err, err_p, tolerance_min, method, split, seed))
        labelled = np.isfinite(y)
        rows.append(row("routine", target, "coverage",
                        float(np.mean(~abstain[labelled])) if labelled.any() else np.nan,
                        n=int(labelled.sum()), prior=0.0, skill=np.nan, method=method,
                        split=split, floor=floor_min))
    return rows


def _within_row(target, err, err_p, tol, method, split, seed) -> dict:
    """Share of days within ±tol minutes; skill (score − prior)/(1 − prior)."""
    ok = np.isfinite(err) & np.isfinite(err_p)
    value, lo, hi = ratio_ci((err <= tol) & ok, ok.astype(float), seed=seed)
    prior = float(np.mean(err_p[ok] <= tol)) if ok.any() else np.nan
    return row("routine", target, f"within_{tol:g}min", value, (lo, hi), n=int(ok.sum()),
               prior=prior, skill=skill_score(value, prior), method=method, split=split)


__all__ = ["METHODS", "changepoint_wake_bed", "household_wake_bed", "score_routine"]
