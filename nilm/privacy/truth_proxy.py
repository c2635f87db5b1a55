"""Ground truth on the attacked grid, and ground-truth proxies built from real sub-meter data.

Two jobs:

* :func:`timeline_on_grid` carries a GroundTruth timeline (native step, e.g. 60 s) onto any grid
  of intervals by exact time-weighted overlap, so the truth is always computed at native resolution
  and only *then* summarised per attacked interval;
* :func:`proxy_truth` builds a :class:`~nilm.truth.GroundTruth` for a real household without
  occupancy labels, from its user-driven sub-meters (``nilm.names.load_kind(name) == "user"``:
  kettle, TV, cooking, lighting, computer…). This is the proxy of Kleiminger et al. (2015) and
  Chen et al. (2013): someone is at home and awake when a user-driven load is in use, or was
  within ``window_s / 2`` of it. It sees only metered loads, so it misses quiet presence (reading,
  sleeping) and is labelled as a proxy in ``GroundTruth.source``.

References
----------
Kleiminger, W., Beckel, C. & Santini, S. (2015). Household occupancy monitoring using electricity
meters. UbiComp.
Chen, D., Barker, S., Subbaswamy, A., Irwin, D. & Shenoy, P. (2013). Non-intrusive occupancy
monitoring using smart meters. BuildSys.
"""

from __future__ import annotations

import numpy as np

from ..clock import DAY_S, day_start_utc, local_clock
from ..kernels.grid import bool_timeline_share
from ..names import DEFAULT_ON_THRESHOLD, ON_THRESHOLDS, base_name, load_kind
from ..series import Household, PowerSeries
from ..signal import runs
from ..truth import GroundTruth


def timeline_on_grid(values: np.ndarray, start: int, step: float, grid_start: int,
                     period: float, n: int, *, min_coverage: float = 0.5) -> np.ndarray:
    """Time-weighted mean of a step timeline over each interval of a regular grid.

    Parameters
    ----------
    values : float/bool array ``[m]``, the value held over ``[start + i·step, start + (i+1)·step)``
        (NaN = unknown; unknown time counts as not covered).
    start : epoch s of the first timeline step.
    step : timeline step, s.
    grid_start : epoch s of the first grid interval.
    period : grid period, s.
    n : number of grid intervals.
    min_coverage : intervals with a smaller known share of their time are NaN.

    Returns
    -------
    float64 ``[n]``: mean value over each interval, NaN where coverage is below ``min_coverage``.
    """
    v = np.asarray(values, dtype=np.float64)
    known = np.isfinite(v)
    edges = start + step * np.arange(len(v) + 1, dtype=np.float64)
    cum_v = np.concatenate([[0.0], np.cumsum(np.where(known, v, 0.0) * step)])
    cum_k = np.concatenate([[0.0], np.cumsum(known * float(step))])
    a = grid_start + period * np.arange(n, dtype=np.float64)
    b = a + period
    # both integrals are piecewise linear in time, so interpolation is exact
    val = np.interp(b, edges, cum_v) - np.interp(a, edges, cum_v)
    cov = np.interp(b, edges, cum_k) - np.interp(a, edges, cum_k)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = val / cov
    out[~(cov >= min_coverage * period)] = np.nan
    return out


def presence_on_grid(truth: GroundTruth, grid_start: int, period: float, n: int, *,
                     rule: str = "majority") -> np.ndarray:
    """Occupancy label per grid interval from ``truth.present`` (anyone at home).

    ``rule="majority"``: occupied when someone is home for at least half of the interval;
    ``rule="any"``: occupied when someone is home at any moment of it. Returns float ``[n]``:
    1 occupied, 0 absent, NaN where the truth covers less than half of the interval.
    """
    present = np.asarray(truth.present)
    if (present.dtype == bool and len(present) and float(period).is_integer()
            and float(truth.step).is_integer() and float(grid_start).is_integer()):
        # integer times and a 0/1 timeline: the exact integer kernel, same fractions
        frac = bool_timeline_share(present, int(truth.start), int(truth.step),
                                   int(grid_start), int(period), int(n), 0.5)
    else:
        frac = timeline_on_grid(present, truth.start, truth.step, grid_start, period, n)
    if rule == "majority":
        lab = frac >= 0.5
    elif rule == "any":
        lab = frac > 0
    else:
        raise ValueError(f"rule must be 'majority' or 'any', not {rule!r}")
    return np.where(np.isfinite(frac), lab.astype(np.float64), np.nan)


def _on_timeline(s: PowerSeries, start: int, step: int, n: int) -> np.ndarray:
    """Share of each timeline step during which ``s`` is above its on-power (NaN = no data).

    Each sample holds as in :meth:`PowerSeries.holds` (zero-order hold, the series' default
    limit); time not covered by any hold is unknown.
    """
    on_power, _ = ON_THRESHOLDS.get(base_name(s.name), DEFAULT_ON_THRESHOLD)
    if len(s.t) == 0:
        return np.full(n, np.nan)
    held = s.holds()
    known = np.isfinite(s.p)
    held = np.where(known, held, 0.0)
    on = (np.where(known, s.p, 0.0) >= on_power) * held
    # integrals of "on" and "known" are piecewise linear with knots at t_i and t_i + held_i
    x = np.stack([s.t, s.t + held], axis=1).ravel().astype(np.float64)
    c_on = np.concatenate([[0.0], np.cumsum(on)])
    c_k = np.concatenate([[0.0], np.cumsum(held)])
    y_on = np.stack([c_on[:-1], c_on[1:]], axis=1).ravel()
    y_k = np.stack([c_k[:-1], c_k[1:]], axis=1).ravel()
    edges = start + step * np.arange(n + 1, dtype=np.float64)
    i_on = np.diff(np.interp(edges, x, y_on))
    i_k = np.diff(np.interp(edges, x, y_k))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = i_on / i_k
    out[~(i_k >= 0.5 * step)] = np.nan
    return out


def user_activity(household: Household, *, step: int = 60, users: list[str] | None = None
                  ) -> tuple[int, np.ndarray, list[str]]:
    """Whether any user-driven sub-meter is on, per timeline step.

    ``users`` overrides the choice of sub-meters (default: those whose
    :func:`nilm.names.load_kind` is ``"user"``), e.g. ``["kitchen"]`` for UCI, whose circuits
    are all "mixed" but whose kitchen circuit (dishwasher, oven, microwave) is user-driven.

    Returns
    -------
    start : epoch s of the first step (the household's first sample, floored to ``step``).
    active : float ``[n]``: 1 when some user-driven load is above its on-power
        (:data:`nilm.names.ON_THRESHOLDS`) for part of the step, 0 when all known ones are
        off, NaN when none of them has data.
    names : the user-driven sub-meters used.
    """
    names = ([k for k in household.appliances if load_kind(k) == "user"] if users is None
             else [k for k in users if k in household.appliances])
    t0, t1 = household.span()
    start = int(t0 // step * step)
    n = int((t1 - start) // step + 1)
    if not names:
        return start, np.full(n, np.nan), names
    acts = np.stack([_on_timeline(household.appliances[k], start, step, n) for k in names])
    known = np.isfinite(acts)
    anyon = np.nanmax(np.where(known, acts, -1.0), axis=0) > 0
    return start, np.where(known.any(axis=0), anyon.astype(float), np.nan), names


def proxy_truth(household: Household, *, step: int = 60, window_s: float = 3600.0,
                min_night_s: float = 3 * 3600.0, max_night_s: float = 16 * 3600.0,
                night=(0.0, 6.0),
                water_heater: str | None = "water_heater",
                users: list[str] | None = None) -> GroundTruth:
    """A GroundTruth proxy from real sub-meters (no occupancy labels needed).

    Definitions (documented in docs/inferences.md):

    * **present / awake**: some user-driven sub-meter is on within ``±window_s / 2``. One pseudo
      person (row 0); the proxy cannot tell people apart or see sleep, so ``present == awake``.
    * **night gap** of local day *d*: the longest run without user activity that overlaps
      ``night`` (local hours) of day *d*, lasts ``min_night_s`` to ``max_night_s``, starts in
      18:00–04:00 and ends in 03:00–13:00 local; **bed** of day *d − 1* is its start and
      **wake** of day *d* its end (NaN when no run qualifies: sparse user sub-meters). A gap
      touching missing data is not used (the true bed/wake may be inside the hole).
    * **water_heater_kwh**: daily energy of the ``water_heater`` sub-meter (UCI sub-meter 3 is
      water heater *and* air conditioner), NaN on days with < 90 % coverage. ``hot_water_l`` is
      NaN: litres are not measured, and converting the same kWh with V = E·860/ΔT would make the
      litres score circular.
    * **occupants** from ``meta["occupants"]`` (0 when unknown); **ownership**: the sub-meters.

    Parameters
    ----------
    household : a Household with sub-meters; ``meta["timezone"]`` gives local days.
    step : timeline step, s.
    window_s : presence window around each user activity, s.
    min_night_s, max_night_s : shortest and longest inactivity run accepted as the night, s.
    night : (start, end) local hours the night gap must overlap.
    water_heater : sub-meter name of the water heater, or None.
    users : the user-driven sub-meters (default: by :func:`nilm.names.load_kind`).
    """
    tz = household.timezone
    start, act, users = user_activity(household, step=step, users=users)
    n = len(act)
    if users:
        w = max(1, int(round(window_s / 2 / step)))
        on = np.where(np.isfinite(act), act, 0.0)
        c = np.concatenate([[0.0], np.cumsum(on)])
        i = np.arange(n)
        near = (c[np.minimum(i + w + 1, n)] - c[np.maximum(i - w, 0)]) > 0
        present = np.where(np.isfinite(act), near, False)
    else:
        present = np.zeros(n, bool)
    # where a sub-meter has no data nothing is known: unknown (NaN), never "absent"
    known = np.isfinite(act) if users else np.zeros(n, bool)
    present_known = np.where(known, present, np.nan)
    t = start + step * np.arange(n, dtype=np.int64)
    day, sod = local_clock(t, tz)
    days = np.unique(day)
    wake = np.full(len(days), np.nan)
    bed = np.full(len(days), np.nan)
    if users:
        best = np.zeros(len(days))
        idle = np.isfinite(act) & (act == 0)
        s, e = runs(idle)
        missing = ~np.isfinite(act)
        for a, b in zip(s, e, strict=True):
            # a gap at the edge of the data or next to missing data may hide the true bed/wake
            if not (min_night_s <= (b - a) * step <= max_night_s) or a == 0 or b == n or \
                    missing[a - 1] or missing[b]:
                continue
            # a plausible night: bed in 18:00-04:00, wake-up in 03:00-13:00 local
            if not (sod[a] >= 18 * 3600 or sod[a] < 4 * 3600) or not (
                    3 * 3600 <= sod[b - 1] < 13 * 3600):
                continue
            in_night = (sod[a:b] >= night[0] * 3600) & (sod[a:b] < night[1] * 3600)
            for k in np.searchsorted(days, np.unique(day[a:b][in_night])):
                if (b - a) * step > best[k]:
                    best[k] = (b - a) * step
                    wake[k] = float(t[b - 1] + step)
                    if k > 0:
                        bed[k - 1] = float(t[a])
    kwh = np.full(len(days), np.nan)
    if water_heater is not None and water_heater in household.appliances:
        kwh = _daily_kwh(household.appliances[water_heater], days, tz)
    ownership = {k: bool(np.nanmax(household.appliances[k].p, initial=0.0) > 0)
                 for k in household.appliances}
    return GroundTruth(
        start=start, step=step, timezone=tz, present_person=present[None, :],
        awake_person=present[None, :].copy(), days=day_start_utc(days, tz),
        wake=wake[None, :], bed=bed[None, :], hot_water_l=np.full(len(days), np.nan),
        water_heater_kwh=kwh, occupants=int(household.meta.get("occupants", 0) or 0),
        ownership=ownership, household_present=present_known,
        household_awake=present_known.copy(),
        person_known=known[None, :], source=proxy_label(users, window_s))


def proxy_label(users: list[str], window_s: float) -> str:
    """``GroundTruth.source`` of a sub-meter proxy: what it measures, e.g. ``"proxy:
    kitchen-light activity within ±1800 s"`` for UK-DALE's only sub-meter, never "absence"."""
    what = ", ".join(u.replace("_lights", "-light").replace("_", " ") for u in users) or "no"
    return f"proxy: {what} activity within ±{window_s / 2:.0f} s"


def _daily_kwh(s: PowerSeries, days: np.ndarray, tz: str, *, min_cover: float = 0.9
               ) -> np.ndarray:
    """Energy (kWh) of a series per local day by zero-order hold; NaN below ``min_cover``."""
    if len(s.t) == 0:
        return np.full(len(days), np.nan)
    dt = s.holds()
    p = s.p.astype(np.float64)
    ok = np.isfinite(p)
    day, _ = local_clock(s.t, tz)
    k = np.searchsorted(days, day)
    inside = (k < len(days)) & (days[np.minimum(k, len(days) - 1)] == day)
    e = np.bincount(k[inside & ok], weights=(p * dt)[inside & ok], minlength=len(days))
    cov = np.bincount(k[inside & ok], weights=dt[inside & ok], minlength=len(days))
    out = e[:len(days)] / 3.6e6
    out[cov[:len(days)] < min_cover * DAY_S] = np.nan
    return out


__all__ = ["presence_on_grid", "proxy_label", "proxy_truth", "timeline_on_grid", "user_activity"]
