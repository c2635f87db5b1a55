"""Scoring helpers shared by the five inferences: skill against a no-information prior, the
timing quantisation floor, day-block bootstrap CIs, the tidy row and the train/test split by
local days (the local clock itself is :mod:`nilm.clock`, block means :mod:`nilm.signal`).

Every score of :mod:`nilm.privacy` is a row (a ``dict``) with the keys of :data:`ROW_KEYS`:

* ``value`` with a 95 % percentile CI (``ci_low``, ``ci_high``) from a block bootstrap whose
  blocks are local calendar days (Künsch 1989), drawn with :func:`nilm.metrics.bootstrap_ci`;
* ``prior``: the same score for a no-information predictor (defined per inference, see
  docs/inferences.md);
* ``skill``: how much the attack beats that prior,

  - for an error (lower is better): ``1 − error / error_prior``;
  - for a score in [−1, 1] or [0, 1] whose perfect value is 1 (MCC, F1, balanced accuracy):
    ``(score − prior) / (1 − prior)``.

  So 0 means "leaks nothing beyond the prior" and 1 a perfect inference; the prior scores
  exactly 0 against itself.
* ``floor``: for timing errors, the MAE of an oracle that knows which interval of ``period`` s
  the event fell in but not when inside it. For an event uniform in the interval the best such
  guess is the interval midpoint, whose expected absolute error is ``period / 4``.

References
----------
Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
Annals of Statistics 17(3), 1217–1241.
Murphy, A. H. (1988). Skill scores based on the mean square error and their relationships to the
correlation coefficient. Monthly Weather Review 116, 2417–2424. (skill against a reference)
"""

from __future__ import annotations

import math

import numpy as np

# re-exported for callers of this module (public API); documented in nilm.clock, nilm.signal
from ..clock import DAY_S, day_start_utc, grid_clock, local_clock, unique_days  # noqa: F401
from ..signal import FEATURE_PERIOD_S, coarsen, expand, feature_factor, spread  # noqa: F401

#: keys of every tidy row returned by a ``score_*`` function
ROW_KEYS = ("inference", "target", "metric", "value", "ci_low", "ci_high", "n", "prior",
            "skill", "floor", "method", "split")
#: keys a row may carry besides :data:`ROW_KEYS`: ``predictions``, the inferences it scored
#: (:func:`prediction` records, written to a study's predictions.csv, not to results.csv)
OPTIONAL_ROW_KEYS = ("predictions",)


def skill_error(error: float, error_prior: float) -> float:
    """Skill of an error (lower is better): ``1 − error / error_prior``; NaN if the prior's
    error is 0 (below 1e-9, i.e. floating-point noise of a perfect prior) or either is
    undefined."""
    if not (np.isfinite(error) and np.isfinite(error_prior)) or error_prior <= 1e-9:
        return float("nan")
    return float(1.0 - error / error_prior)


def skill_score(score: float, prior: float) -> float:
    """Skill of a score whose perfect value is 1: ``(score − prior) / (1 − prior)``; NaN if the
    prior is already perfect or either is undefined."""
    if not (np.isfinite(score) and np.isfinite(prior)) or prior >= 1 - 1e-12:
        return float("nan")
    return float((score - prior) / (1.0 - prior))


def quantisation_floor_s(period: float) -> float:
    """Expected absolute timing error (s) of an oracle that knows the interval of ``period`` s
    holding an event uniform in it and guesses the interval midpoint: ``period / 4``."""
    return float(period) / 4.0


def always_positive_f1(base_rate: float) -> float:
    """F1 of the predictor that says "positive" everywhere, for a positive share ``base_rate``:
    precision = base rate, recall = 1, so ``F1 = 2π / (1 + π)``. Among predictors that ignore
    the input it has the highest expected F1 (Lipton et al. 2014), hence the F1 prior here."""
    if not np.isfinite(base_rate):
        return float("nan")
    return float(2.0 * base_rate / (1.0 + base_rate))


def ratio_ci(num: np.ndarray, den: np.ndarray, *, seed: int, n_boot: int = 1000,
             alpha: float = 0.05) -> tuple[float, float, float]:
    """``Σnum / Σden`` and its percentile CI, resampling whole days.

    ``num[d]``, ``den[d]`` are one local day's sufficient statistics (e.g. summed absolute error
    and number of estimates, or 2·matched and true+predicted events). The days are the blocks of
    :func:`nilm.metrics.bootstrap_ci` (called with one sample per day, ``period = 86400``).

    Returns
    -------
    (value, lo, hi) : floats; NaN when ``Σden`` is 0.
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    if num.size == 0 or den.sum() <= 0:
        return float("nan"), float("nan"), float("nan")

    value = float(np.sum(num)) / float(np.sum(den))
    # metrics.bootstrap_ci with one-day blocks on per-day statistics draws each replicate's days
    # as one row of this matrix (same generator, same calls); summing the drawn days of all
    # replicates at once gives bit-identical replicates without a Python loop per replicate
    draws = np.random.default_rng(seed).integers(0, num.size, size=(n_boot, num.size))
    s_den = den[draws].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        reps = np.where(s_den > 0, num[draws].sum(axis=1) / s_den, np.nan)
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return value, float("nan"), float("nan")
    lo, hi = np.percentile(reps, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return value, float(lo), float(hi)


def row(inference: str, target: str, metric: str, value: float, ci=(math.nan, math.nan), *,
        n: int, prior: float, skill: float, method: str, split: str,
        floor: float = math.nan) -> dict:
    """One tidy result row with every key of :data:`ROW_KEYS`."""
    return {"inference": inference, "target": target, "metric": metric, "value": float(value),
            "ci_low": float(ci[0]), "ci_high": float(ci[1]), "n": int(n), "prior": float(prior),
            "skill": float(skill), "floor": float(floor), "method": method, "split": split}


def error_rows(inference: str, target: str, metric: str, err: np.ndarray, err_prior: np.ndarray,
               *, method: str, split: str, seed: int, floor: float = math.nan) -> dict:
    """Row for a mean error over days: ``err[d]``, ``err_prior[d]`` are per-day errors (NaN
    where undefined); the CI resamples days and the skill is ``1 − mean / mean_prior``."""
    ok = np.isfinite(err) & np.isfinite(err_prior)
    e = np.where(ok, err, 0.0)
    value, lo, hi = ratio_ci(e, ok.astype(float), seed=seed)
    prior = float(np.mean(err_prior[ok])) if ok.any() else math.nan
    return row(inference, target, metric, value, (lo, hi), n=int(ok.sum()), prior=prior,
               skill=skill_error(value, prior), method=method, split=split, floor=floor)


def prediction(truth, predicted, prior_predicted, *, unit=None) -> dict:
    """One household-level (``unit`` None) or per-day (``unit`` = a local day number, days
    since 1970-01-01) inference a scorer made, as a record of ``OUT/predictions.csv``: the
    truth, the attack's prediction and its population prior's prediction (NaN where it
    abstained), so that anyone can re-score it. A scorer attaches the records of a row under
    its ``predictions`` key (the study writes them beside ``results.csv``)."""
    day = "household" if unit is None else str(np.datetime64(int(unit), "D"))
    return {"unit": day, "truth": float(truth), "prediction": float(predicted),
            "prior_prediction": float(prior_predicted)}


def interval_prediction(unit, truth, predicted) -> dict:
    """One local day of a per-interval inference (occupancy) as a record of
    ``OUT/predictions.csv`` (``predictions = "interval"``): ``unit`` = the local day number
    (days since 1970-01-01), ``truth`` and ``prediction`` = strings of one character per
    interval of that day in time order, ``"1"`` (≥ 0.5, e.g. occupied), ``"0"`` or ``"-"``
    (unknown, not scored), and no ``prior_prediction`` (NaN: the population prior is a method
    of its own, with its own records). One record a day, not a row per interval: at 10 min a
    household-day is about 3 · 144 bytes instead of 144 rows."""

    def codes(x) -> str:
        x = np.asarray(x, dtype=np.float64)
        return "".join(np.where(np.isnan(x), "-", np.where(x >= 0.5, "1", "0")))

    return {"unit": str(np.datetime64(int(unit), "D")), "truth": codes(truth),
            "prediction": codes(predicted), "prior_prediction": float("nan")}


__all__ = ["OPTIONAL_ROW_KEYS", "ROW_KEYS", "always_positive_f1", "as_grid", "error_rows",
           "feature_view", "interval_prediction", "prediction", "quantisation_floor_s",
           "ratio_ci", "row", "skill_error", "skill_score", "temporal_split"]


def as_grid(x, period: float):
    """A Grid at ``period`` s from a Grid (checked) or a Household (resampled)."""
    from ..series import Grid

    if isinstance(x, Grid):
        if abs(float(x.period) - float(period)) > 1e-9:
            raise ValueError(f"grid period is {x.period} s, asked to attack at {period} s")
        return x
    return x.to_grid(period)


def temporal_split(grid, tz: str, train_frac: float = 0.5):
    """(train grid, test grid): the first ``floor(train_frac · days)`` local days of ``grid``
    train, the rest is attacked. With fewer than 2 days the training part is empty."""
    day, _ = grid_clock(grid, tz)
    days = unique_days(day)
    k = int(np.floor(train_frac * len(days)))
    if k == 0:
        return grid.slice(0, 0), grid
    i = int(np.searchsorted(day, days[k]))
    return grid.slice(0, i), grid.slice(i, len(grid))


def feature_view(grid, *, mains_only: bool = True):
    """The grid a learned or tuned attack reads for ``grid``: ``grid`` itself at
    :data:`nilm.signal.FEATURE_PERIOD_S` and coarser, else its block means at that period
    (:func:`nilm.signal.coarsen`, of the aggregate alone with ``mains_only``: pooling a year of
    1-s sub-meters that an attack does not read is most of the cost)."""
    from ..signal import aggregate_view

    k = feature_factor(float(grid.period))
    if k == 1:
        return grid
    return coarsen(aggregate_view(grid) if mains_only else grid, k)
