"""Hot water: water-heater detection, daily energy and litres from the aggregate.

An electric storage water heater on an off-peak tariff (French *heures creuses*, typically
22:00–06:00) is a resistive load of 1.5–3 kW that switches on once at night and runs until the
tank is hot, so its run shows up as a plateau above the night base load (Hart 1992's step
signature, restricted to the off-peak window as in Pickering et al. 2019's off-peak attack).

Attack (:func:`heater_profile`), at any period:

1. search intervals: those lying wholly inside the local ``window`` (21:00–07:30 by default;
   none at a period longer than the window, e.g. one day: the attack then abstains);
2. base load: a low quantile of in-window power; excess = power − base;
3. heater power ``P_h``: the median over nights of the largest excess, accepted only inside
   ``step_range`` (−20 %, +30 %);
4. the relay switches the element on at the same local time every night: each night's longest
   run of excess ≥ P_h / 2 votes for that *contactor time*, and the heater run of a night is
   its first run starting near it (convectors cycling at other times are not counted); power
   ``min(excess, P_h)`` in the run and ``clip(excess, 0, P_h)`` in its edge intervals;
5. daily energy (kWh) = Σ heater power × period over the local day; litres per day via
   ``V = E · 860 / ΔT`` (1 kWh heats 860 kg of water by 1 K; ΔT default 45 K, 10 → 55 °C;
   standing losses ignored, so V is an upper bound of the drawn volume).

The household *owns* an off-peak water heater when a run is found on at least ``min_nights``
of the nights with off-peak data.

References
----------
Hart, G. W. (1992). Nonintrusive appliance load monitoring. Proceedings of the IEEE 80(12),
1870–1891. (step signatures)
CNIL (2012). Recommandation relative aux compteurs communicants (the leak of daily hot-water
volume by a 10-min load curve that this module measures).
"""

from __future__ import annotations

import numpy as np

from ..series import Grid
from ..truth import GroundTruth
from .scores import (
    DAY_S,
    as_grid,
    error_rows,
    grid_clock,
    local_clock,
    row,
    unique_days,
)

#: the attacks this module implements
METHODS = ("offpeak_step",)

#: local hours searched for the off-peak heater run: every French *heures creuses* slot of
#: 8 h starting 21:30-23:00 lies inside it
OFFPEAK_SEARCH = (21.0, 7.5)

#: default temperature rise of the water, K (cold 10 °C to 55 °C)
DELTA_T_K = 45.0


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) indices of the runs of True in ``mask``."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def litres_from_kwh(kwh, delta_t_k: float = DELTA_T_K):
    """Hot-water volume (L) heated by ``kwh`` (kWh) through ``delta_t_k`` (K): ``E·860/ΔT``."""
    return np.asarray(kwh, dtype=np.float64) * 860.0 / float(delta_t_k)


def heater_free(grid: Grid, tz: str, remove_heater: bool = True
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(power, local day, local time of day) of the aggregate, with the off-peak water-heater
    run of :func:`heater_profile` subtracted when ``remove_heater``: what the occupancy and
    routine attacks read. Power is float64 W (a fresh array); day and time of day are those of
    :func:`grid_clock`.

    The heater power is 0 outside its runs and ``p − 0.0`` is ``p``, so subtracting it in the
    run and edge intervals only gives the values of ``p − nan_to_num(power)``.
    """
    p = grid.mains.astype(np.float64)
    day, sod = grid_clock(grid, tz)
    if remove_heater:
        prof, idx = _heater_profile(p, day, sod, float(grid.period))
        p[idx] -= np.nan_to_num(prof["power"][idx])
    return p, day, sod


def aggregate_view(grid: Grid) -> Grid:
    """``grid`` without its sub-meters and extra channels (the same mains array, not a copy):
    the attacks read only the aggregate, and :func:`nilm.privacy.scores.coarsen` would
    otherwise pool every sub-meter of a year at 1 s for nothing."""
    return Grid(grid.start, grid.period, grid.mains, np.zeros((0, len(grid)), np.float32), [],
                dict(grid.meta), {})


def offpeak_mask(grid: Grid, tz: str, window=(22.0, 6.0)) -> tuple[np.ndarray, np.ndarray]:
    """(mask, night) of the intervals wholly inside the local off-peak ``window`` (hours; may
    wrap midnight). ``night`` labels each interval with the local day its window started on."""
    return _offpeak(*grid_clock(grid, tz), np.isfinite(grid.mains), float(grid.period), window)


def _offpeak(day, sod, finite, period: float, window) -> tuple[np.ndarray, np.ndarray]:
    """:func:`offpeak_mask` from a grid's local clock (``day``, ``sod``), where its aggregate is
    ``finite``."""
    from ..kernels.grid import offpeak_window

    w0 = window[0] * 3600.0
    length = ((window[1] - window[0]) % 24) * 3600.0
    return offpeak_window(day, sod, finite, float(w0), float(length), float(period))


def heater_profile(grid: Grid, tz: str, *, window=OFFPEAK_SEARCH, step_range=(1500.0, 3000.0),
                   base_q: float = 0.1, min_nights: float = 0.3, min_run_s: float = 600.0
                   ) -> dict:
    """Estimated water-heater power per interval of the aggregate (W).

    The off-peak contactor switches the heater on at the same local time every night (French
    *heures creuses* start between 21:30 and 23:00 depending on the distributor's relay), and
    the element then runs at constant power until the tank is hot. So, inside the search
    ``window``:

    1. base = ``base_q`` quantile of power; excess = power − base;
    2. heater power ``P_h``: at periods ≤ 5 min the median rising step in ``step_range``
       (−20 %/+20 %) between consecutive intervals (Hart 1992's step signature); at coarser
       periods the median over nights of the night's largest excess (−20 %/+30 %);
    3. *runs*: maximal runs of intervals with excess ≥ P_h / 2. The **contactor time** is the
       most common onset (local time, bins of max(period, 15 min)) of each night's longest run;
       the heater run of a night is its first run starting within max(period, 30 min) of it.
       Runs at other times (electric convectors cycling at night, a late dishwasher) are not
       the heater, which is what separates it from space heating;
    4. power in the run: ``min(excess, P_h)`` (other loads on top of the element are not the
       heater), and ``clip(excess, 0, P_h)`` in the interval just before and after it (an edge
       interval holds part of the run at coarse periods).

    Parameters
    ----------
    grid : aggregate at the attacked period, W.
    tz : IANA time zone.
    window : local hours (start, end) searched for the off-peak run; may wrap midnight.
    step_range : plausible heater power, W.
    base_q : quantile of in-window power taken as the base load.
    min_nights : share of the nights with in-window data that must show a run at the contactor
        time to conclude that the household owns an off-peak water heater.
    min_run_s : shortest heater run, s (a tank reheats for tens of minutes; a kettle does not).

    Returns
    -------
    dict with ``power`` (float64 ``[n]`` W, 0 outside heater runs, NaN where the mains is
    NaN), ``offpeak`` (bool ``[n]``, the search window), ``heater_w`` (estimated heater power,
    NaN if none), ``start_s`` (contactor time, local s after midnight, NaN if none), ``owns``
    (bool) and ``nights`` (number of nights with in-window data).
    """
    p = grid.mains.astype(np.float64)
    return _heater_profile(p, *grid_clock(grid, tz), float(grid.period), window=window,
                           step_range=step_range, base_q=base_q, min_nights=min_nights,
                           min_run_s=min_run_s)[0]


def _heater_profile(p, day, sod, period, *, window=OFFPEAK_SEARCH,
                    step_range=(1500.0, 3000.0), base_q: float = 0.1, min_nights: float = 0.3,
                    min_run_s: float = 600.0) -> tuple[dict, np.ndarray]:
    """:func:`heater_profile` of power ``p`` (float64 W, not modified) whose local clock
    (``day``, ``sod``; :func:`grid_clock`) a caller already holds, and the indices of the
    intervals where the estimated heater power is not 0 (so a caller subtracts it there only:
    each extra array over a year of 1-s intervals costs a quarter of a gigabyte)."""
    off, night = _offpeak(day, sod, np.isfinite(p), period, window)
    power = np.where(np.isfinite(p), 0.0, np.nan)
    night_off = night[off]
    nights = unique_days(night_off)
    out = {"power": power, "offpeak": off, "heater_w": float("nan"), "start_s": float("nan"),
           "owns": False, "nights": int(len(nights))}
    none = np.zeros(0, np.int64)
    if len(night_off) < 2:
        return out, none
    base = float(np.quantile(p[off], base_q))
    lo, hi = step_range
    w0 = window[0] * 3600.0
    runs = _level_runs(p[off] - base, off, night, night_off, nights, sod, w0, lo, hi, period,
                       min_run_s)
    if runs is None:
        return out, none
    heater_w, start, s, e = runs
    owns = len(s) >= max(1.0, min_nights * len(nights))
    out.update(heater_w=heater_w, start_s=float((start + w0) % DAY_S), owns=bool(owns))
    if not owns:
        return out, none
    n = len(p)
    run = np.zeros(n, bool)
    for a, b in zip(s, e, strict=True):
        run[a:b] = True
    edge = np.zeros(n, bool)
    before, after = s - 1, e
    edge[before[before >= 0]] = True
    edge[after[after < n]] = True
    edge &= ~run & np.isfinite(p)
    power[run] = np.clip(p[run] - base, 0.0, heater_w)
    power[edge] = np.clip(p[edge] - base, 0.0, heater_w)
    return out, np.flatnonzero(run | edge)


def _vote(onset: np.ndarray, night: np.ndarray, width: float) -> float:
    """Contactor time (s after the window start) voted by ``onset`` times, one vote per night
    and bin of ``width`` s: the median onset in the bin with most votes (ties: earliest)."""
    bins = np.floor(onset / width)
    pairs = np.unique(np.stack([night.astype(np.float64), bins], axis=1), axis=0)
    vals, counts = np.unique(pairs[:, 1], return_counts=True)
    return float(np.median(onset[bins == vals[np.argmax(counts)]]))


def _level_runs(ex_off, off, night, night_off, nights, sod, w0, lo, hi, period,
                min_run_s: float = 600.0):
    """Heater runs from levels: runs of excess ≥ P_h / 2, P_h = median over
    nights of the largest excess; each night's longest run votes for the contactor time and the
    heater run is the night's first run starting within max(period, 30 min) of it. Runs
    shorter than ``min_run_s`` (s) are ignored.

    ``ex_off`` and ``night_off`` are the excess power (W) and night of the in-window intervals
    (``off``), ``nights`` the distinct nights, ``sod`` the local time of day of every interval
    (s) and ``w0`` the window start (s).
    Returns (P_h, contactor time as s after the window start, run starts, run ends) or None.
    """
    k = np.searchsorted(nights, night_off)
    nmax = np.full(len(nights), -np.inf)
    np.maximum.at(nmax, k, ex_off)
    cand = nmax[(nmax >= 0.8 * lo) & (nmax <= 1.3 * hi)]
    if cand.size == 0:
        return None
    heater_w = float(np.median(cand))
    high = np.zeros(len(off), bool)
    high[off] = ex_off >= heater_w / 2
    s, e = _runs(high)
    # a tank reheats for tens of minutes; a kettle boiled at the same time every morning is not
    # a heater run (at periods of min_run_s or more one interval is all a run can show)
    long = (e - s) * period >= min_run_s
    s, e = s[long], e[long]
    if s.size == 0:
        return None
    # onset time after the window start, for the run starts only
    u = (sod[s] - w0) % DAY_S
    order = np.lexsort((-(e - s), night[s]))
    longest = order[np.unique(night[s][order], return_index=True)[1]]
    start = _vote(u[longest], night[s[longest]], max(period, 900.0))
    near = np.flatnonzero(np.abs(u - start) <= max(period, 1800.0))
    keep = near[np.unique(night[s][near], return_index=True)[1]]
    return heater_w, start, s[keep], e[keep]


def daily_energy(grid: Grid, tz: str, profile: dict, *, window=OFFPEAK_SEARCH,
                 min_cover: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(local day numbers, estimated heater kWh per day) from :func:`heater_profile`.

    A day's estimate is NaN (the attack abstains) when less than ``min_cover`` of its off-peak
    time is covered by valid off-peak intervals.
    """
    day, _ = grid_clock(grid, tz)
    return _daily_energy(day, profile, float(grid.period), window=window, min_cover=min_cover)


def _daily_energy(day, profile: dict, period: float, *, window=OFFPEAK_SEARCH,
                  min_cover: float = 0.5, heated: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`daily_energy` from the grid's local day numbers; ``heated`` (default: all) are
    the indices where the heater power may be non-zero. The per-day sums add the same terms in
    the same order, only without the zeros (``x + 0.0`` is ``x``)."""
    days = unique_days(day)
    on = np.arange(len(day)) if heated is None else heated
    e = np.bincount(np.searchsorted(days, day[on]),
                    weights=np.nan_to_num(profile["power"][on]) * period, minlength=len(days))
    off = np.flatnonzero(profile["offpeak"])
    cov = np.bincount(np.searchsorted(days, day[off]), weights=np.full(len(off), period),
                      minlength=len(days))
    length = ((window[1] - window[0]) % 24) * 3600.0
    kwh = e / 3.6e6
    kwh[cov < min_cover * length] = np.nan
    return days, kwh


def _prior(values: np.ndarray, train_values: np.ndarray | None) -> np.ndarray:
    """Per-day prior: the population mean of ``train_values``, or (no training households) the
    mean of the household's *other* days (leave-one-day-out, conservative)."""
    v = np.asarray(values, dtype=np.float64)
    if train_values is not None:
        return np.full(len(v), float(np.nanmean(train_values)) if np.isfinite(
            train_values).any() else np.nan)
    ok = np.isfinite(v)
    s, m = np.nansum(v), ok.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, (s - np.where(ok, v, 0.0)) / (m - 1), s / m)


def score_hot_water(household_or_grid, truth: GroundTruth, period: float, *,
                    method: str = "offpeak_step", seed: int = 0,
                    train: list[tuple[Grid, GroundTruth]] | None = None,
                    delta_t_k: float = DELTA_T_K, window=OFFPEAK_SEARCH) -> list[dict]:
    """Score the off-peak water-heater attack on one household at ``period`` s.

    Rows: ``mae_kwh_day`` (MAE of daily heater energy, kWh), ``mape_pct`` (days with ≥ 0.1 kWh
    true energy), ``mae_l_day`` (litres/day, only where the truth has litres — the simulator),
    ``coverage`` (share of days the attack did not abstain) and ``ownership_correct`` (1 if the
    "owns an off-peak water heater" verdict matches ``truth.ownership["water_heater"]``, or a
    true mean ≥ 0.5 kWh/day when ownership is not recorded). Days where the attack abstains are
    scored with the prior's estimate, so an attack that sees nothing has skill 0.

    Prior: the population-average daily energy (litres) of the ``train`` households, or the
    mean over the household's other days when ``train`` is None. CIs: day-block bootstrap.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    grid = as_grid(household_or_grid, period)
    tz = truth.timezone
    split = "households" if train is not None else "leave_one_day_out"
    day, sod = grid_clock(grid, tz)
    prof, heated = _heater_profile(grid.mains.astype(np.float64), day, sod, float(grid.period),
                                   window=window)
    days, est = _daily_energy(day, prof, float(grid.period), window=window, heated=heated)
    tdays, _ = local_clock(np.asarray(truth.days, dtype=np.int64), tz)
    k = np.searchsorted(days, tdays)
    hit = (k < len(days)) & (days[np.minimum(k, len(days) - 1)] == tdays)
    est_t = np.full(len(tdays), np.nan)
    est_t[hit] = est[k[hit]]
    true_kwh = np.where(hit, np.asarray(truth.water_heater_kwh, dtype=np.float64), np.nan)
    true_l = np.where(hit, np.asarray(truth.hot_water_l, dtype=np.float64), np.nan)
    tr_kwh = tr_l = None
    if train is not None:
        tr_kwh = np.concatenate([np.asarray(t.water_heater_kwh, float) for _, t in train])
        tr_l = np.concatenate([np.asarray(t.hot_water_l, float) for _, t in train])
    prior_kwh = _prior(true_kwh, tr_kwh)
    prior_l = _prior(true_l, tr_l)
    abstain = ~np.isfinite(est_t)
    est_kwh = np.where(abstain, prior_kwh, est_t)
    est_l = np.where(abstain, prior_l, litres_from_kwh(est_t, delta_t_k))
    rows = [error_rows("hot_water", "water_heater", "mae_kwh_day", np.abs(est_kwh - true_kwh),
                       np.abs(prior_kwh - true_kwh), method=method, split=split, seed=seed)]
    big = true_kwh >= 0.1
    denom = np.where(big, true_kwh, np.nan)
    rows.append(error_rows("hot_water", "water_heater", "mape_pct",
                           100 * np.abs(est_kwh - true_kwh) / denom,
                           100 * np.abs(prior_kwh - true_kwh) / denom,
                           method=method, split=split, seed=seed))
    rows.append(error_rows("hot_water", "hot_water", "mae_l_day", np.abs(est_l - true_l),
                           np.abs(prior_l - true_l), method=method, split=split, seed=seed))
    labelled = np.isfinite(true_kwh)
    rows.append(row("hot_water", "water_heater", "coverage",
                    float(np.mean(~abstain[labelled])) if labelled.any() else np.nan,
                    n=int(labelled.sum()), prior=0.0, skill=np.nan, method=method, split=split))
    owns_true = truth.ownership.get("water_heater")
    if owns_true is None and labelled.any():
        owns_true = bool(np.nanmean(true_kwh) >= 0.5)
    if owns_true is not None:
        # without off-peak intervals (period longer than the window) the attack has no verdict
        verdict = (float(bool(prof["owns"]) == bool(owns_true)) if prof["nights"] else np.nan)
        rows.append(row("hot_water", "water_heater", "ownership_correct", verdict,
                        n=int(prof["nights"] > 0), prior=np.nan, skill=np.nan, method=method,
                        split=split))
    return rows


__all__ = ["DELTA_T_K", "METHODS", "aggregate_view", "daily_energy", "heater_free",
           "heater_profile", "litres_from_kwh", "offpeak_mask", "score_hot_water"]
