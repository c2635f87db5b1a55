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

from ..clock import grid_clock, local_clock, unique_days
from ..series import Grid

# re-exported for callers of this module (public API); documented in nilm.signal
from ..signal import OFFPEAK_SEARCH, aggregate_view, heater_free, heater_power, offpeak_intervals  # noqa: F401
from ..truth import GroundTruth
from .base import Attack, DailyEnergy, timezone
from .scores import as_grid, error_rows, prediction, row

#: default temperature rise of the water, K (cold 10 °C to 55 °C)
DELTA_T_K = 45.0


def litres_from_kwh(kwh, delta_t_k: float = DELTA_T_K):
    """Hot-water volume (L) heated by ``kwh`` (kWh) through ``delta_t_k`` (K): ``E·860/ΔT``."""
    return np.asarray(kwh, dtype=np.float64) * 860.0 / float(delta_t_k)


def offpeak_mask(grid: Grid, tz: str, window=(22.0, 6.0)) -> tuple[np.ndarray, np.ndarray]:
    """(mask, night) of the intervals wholly inside the local off-peak ``window`` (hours; may
    wrap midnight). ``night`` labels each interval with the local day its window started on."""
    return offpeak_intervals(*grid_clock(grid, tz), np.isfinite(grid.mains), float(grid.period),
                             window)


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
    return heater_power(p, *grid_clock(grid, tz), float(grid.period), window=window,
                        step_range=step_range, base_q=base_q, min_nights=min_nights,
                        min_run_s=min_run_s)[0]


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
    """Per-day prior: the constant that minimises the MAE, the median of ``train_values`` (the
    training owners' days), or (no training households) the median of the household's *other*
    days (leave-one-day-out)."""
    v = np.asarray(values, dtype=np.float64)
    if train_values is not None:
        ok = np.isfinite(train_values)
        return np.full(len(v), float(np.median(train_values[ok])) if ok.any() else np.nan)
    out = np.full(len(v), np.nan)
    ok = np.isfinite(v)
    for i in range(len(v)):
        pool = v[ok & (np.arange(len(v)) != i)]
        if pool.size:
            out[i] = float(np.median(pool))
    return out


def owns_water_heater(truth: GroundTruth) -> bool | None:
    """Whether the household of ``truth`` owns a water heater: recorded ownership, else a mean
    of at least 0.5 kWh/day; None when neither is known."""
    owns = truth.ownership.get("water_heater")
    kwh = np.asarray(truth.water_heater_kwh, float)
    if owns is None and np.isfinite(kwh).any():
        owns = bool(np.nanmean(kwh) >= 0.5)
    return owns


class OffpeakStep(Attack):
    """The ``offpeak_step`` attack: the off-peak water-heater run of :func:`heater_profile`
    (Hart 1992's step signature inside the off-peak window), its energy per local day
    (:func:`daily_energy`) and the ownership verdict. It learns nothing (``fit`` ignores
    ``train``); parameters are those of :func:`heater_profile` and :func:`daily_energy`;
    ``seed`` is unused (the attack is deterministic)."""

    inference = "hot_water"
    method = "offpeak_step"

    def __init__(self, window=OFFPEAK_SEARCH, step_range=(1500.0, 3000.0), base_q: float = 0.1,
                 min_nights: float = 0.3, min_run_s: float = 600.0, min_cover: float = 0.5,
                 seed: int = 0):
        self.window = window
        self.step_range = step_range
        self.base_q = base_q
        self.min_nights = min_nights
        self.min_run_s = min_run_s
        self.min_cover = min_cover
        self.seed = seed

    def predict(self, grid: Grid, tz: str | None = None) -> DailyEnergy:
        """Estimated water-heater kWh per local day of ``grid`` (NaN where the attack
        abstains) and whether the household owns an off-peak water heater."""
        self._check_fitted()
        day, sod = grid_clock(grid, timezone(grid, tz))
        prof, heated = heater_power(grid.mains.astype(np.float64), day, sod,
                                    float(grid.period), window=self.window,
                                    step_range=self.step_range, base_q=self.base_q,
                                    min_nights=self.min_nights, min_run_s=self.min_run_s)
        days, kwh = _daily_energy(day, prof, float(grid.period), window=self.window,
                                  min_cover=self.min_cover, heated=heated)
        return DailyEnergy(days, kwh, bool(prof["owns"]), int(prof["nights"]))


#: method name -> attack class
ATTACKS = {OffpeakStep.method: OffpeakStep}
#: the attacks this module implements
METHODS = tuple(ATTACKS)


def hot_water_design(grid: Grid, truth: GroundTruth, train) -> tuple[list, Grid, str]:
    """Evaluation design of the hot-water inference: the whole household is attacked; the
    prior comes from the ``train`` households, or (None) from the household's other days."""
    split = "households" if train is not None else "leave_one_day_out"
    return list(train or []), grid, split


def score_hot_water(household_or_grid, truth: GroundTruth, period: float, *,
                    method: str = "offpeak_step", seed: int = 0,
                    train: list[tuple[Grid, GroundTruth]] | None = None,
                    delta_t_k: float = DELTA_T_K, window=OFFPEAK_SEARCH) -> list[dict]:
    """Attack one household with the hot-water attack ``method`` (its off-peak search
    ``window``) at ``period`` s and score it (:func:`hot_water_rows`)."""
    from .base import evaluate

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    return evaluate(ATTACKS[method](window=window, seed=seed),
                    as_grid(household_or_grid, period), truth, design=hot_water_design,
                    score=hot_water_rows, seed=seed, train=train, delta_t_k=delta_t_k)


def hot_water_rows(verdict: DailyEnergy, test: Grid, truth: GroundTruth, *, seed: int,
                   method: str, split: str, train=None, delta_t_k: float = DELTA_T_K
                   ) -> list[dict]:
    """Score a hot-water verdict (:class:`nilm.privacy.base.DailyEnergy` of the attacked grid
    ``test``) against ``truth``; it never trains.

    Two inferences, scored apart (issue 11, item 4):

    * the **daily energy of owners**: ``mae_kwh_day`` (MAE of the water heater's daily energy,
      kWh), ``mape_pct`` (days with ≥ 0.1 kWh true energy), ``mae_l_day`` (litres/day, only
      where the truth has litres — the simulator) and ``coverage`` (share of days the attack
      did not abstain), written only for a household that owns a water heater
      (:func:`owns_water_heater`): a household without one has no daily energy to infer, and
      scoring its 0 kWh would reward any attack that says "none". Days where the attack
      abstains are scored with the prior's estimate, so an attack that sees nothing has skill 0.
      Prior: the constant that minimises the MAE, the median daily energy (litres) of the
      ``train`` households that own a water heater, or the median of the household's other
      days when ``train`` is None. CIs: day-block bootstrap.
    * **ownership**: ``ownership_correct`` (1 if the "owns an off-peak water heater" verdict
      matches :func:`owns_water_heater`), for every household; scored over households by
      :func:`nilm.report.ownership_scores` (balanced accuracy, MCC).

    Each row carries its ``predictions`` (:func:`nilm.privacy.scores.prediction`): the
    household's ownership verdict on ``ownership_correct`` (prior: the training households'
    majority ownership), each local day's energy on ``mae_kwh_day``.
    """
    tz = truth.timezone
    days, est = verdict.days, verdict.kwh
    tdays, _ = local_clock(np.asarray(truth.days, dtype=np.int64), tz)
    k = np.searchsorted(days, tdays)
    hit = (k < len(days)) & (days[np.minimum(k, len(days) - 1)] == tdays)
    est_t = np.full(len(tdays), np.nan)
    est_t[hit] = est[k[hit]]
    true_kwh = np.where(hit, np.asarray(truth.water_heater_kwh, dtype=np.float64), np.nan)
    true_l = np.where(hit, np.asarray(truth.hot_water_l, dtype=np.float64), np.nan)
    owns_true = owns_water_heater(truth)
    owners = [t for _, t in train or [] if owns_water_heater(t)]
    rows = []
    if owns_true:
        tr_kwh = tr_l = None
        if train is not None:
            tr_kwh = np.concatenate([np.asarray(t.water_heater_kwh, float) for t in owners]
                                    or [np.zeros(0)])
            tr_l = np.concatenate([np.asarray(t.hot_water_l, float) for t in owners]
                                  or [np.zeros(0)])
        prior_kwh = _prior(true_kwh, tr_kwh)
        prior_l = _prior(true_l, tr_l)
        abstain = ~np.isfinite(est_t)
        est_kwh = np.where(abstain, prior_kwh, est_t)
        est_l = np.where(abstain, prior_l, litres_from_kwh(est_t, delta_t_k))
        mae = error_rows("hot_water", "water_heater", "mae_kwh_day", np.abs(est_kwh - true_kwh),
                         np.abs(prior_kwh - true_kwh), method=method, split=split, seed=seed)
        mae["predictions"] = [prediction(t, e, p, unit=d) for d, t, e, p in zip(
            tdays, true_kwh, est_kwh, prior_kwh, strict=True) if np.isfinite(t)]
        rows.append(mae)
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
                        n=int(labelled.sum()), prior=0.0, skill=np.nan, method=method,
                        split=split))
    if owns_true is not None:
        # without off-peak intervals (period longer than the window) the attack has no verdict
        decided = verdict.nights > 0
        correct = float(bool(verdict.owns) == bool(owns_true)) if decided else np.nan
        known = [owns_water_heater(t) for _, t in train or []]
        known = [o for o in known if o is not None]
        majority = float(2 * sum(known) >= len(known)) if known else np.nan
        own_row = row("hot_water", "water_heater", "ownership_correct", correct,
                      n=int(decided), prior=np.nan, skill=np.nan, method=method, split=split)
        own_row["predictions"] = [prediction(float(owns_true), float(verdict.owns) if decided
                                             else np.nan, majority)]
        rows.append(own_row)
    return rows


__all__ = ["ATTACKS", "DELTA_T_K", "METHODS", "OffpeakStep", "daily_energy", "heater_profile",
           "hot_water_design", "hot_water_rows", "litres_from_kwh", "offpeak_mask",
           "owns_water_heater", "score_hot_water"]
