"""Number of occupants from household-level features of the load curve, across a population.

The attack summarises each household's aggregate at the attacked period into a few features
(:data:`FEATURES`) and learns, over *other* households, to map them to the number of occupants
(Beckel et al. 2014 classify household characteristics, occupant count included, from
30-min smart-meter data this way; Kleiminger et al. 2015's occupancy features feed it), read at
the attacked period and at the coarser rungs the attacker can compute from it
(:func:`multiresolution_features`). Four models: a balanced random-forest classifier
(``forest``), a rounded random-forest regressor (``forest_regressor``), an ordinal forest that
predicts the median count (``ordinal_forest``, :class:`OrdinalForest`, Frank & Hall 2001) and a
rounded ridge regression on the features that scale with people (``ridge``,
:data:`RIDGE_FEATURES`, attacked period only), which suits populations of a few households.
Ground truth: ``GroundTruth.occupants`` (simulator, or dataset metadata; 0 = unknown, not
scored).

Evaluation: cross-validated across households (:func:`score_occupants_population`, K folds
shuffled with ``seed``) — a household is never in the training set of its own prediction. Scores:
MAE in persons and balanced accuracy (mean per-class recall over the classes present, Brodersen
et al. 2010). Priors, from the labels alone: the population median count for the MAE (the best
constant guess under absolute error) and 1/K for the balanced accuracy (what every constant or
input-independent predictor scores over K classes present). CIs: bootstrap over households.

References
----------
Beckel, C., Sadamori, L., Staake, T. & Santini, S. (2014). Revealing household characteristics
from smart meter data. Energy 78, 397–410.
Brodersen, K. H., Ong, C. S., Stephan, K. E. & Buhmann, J. M. (2010). The balanced accuracy and
its posterior distribution. ICPR.
Frank, E. & Hall, M. (2001). A simple approach to ordinal classification. ECML, LNCS 2167,
145–156.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from .. import metrics
from ..clock import DAY_S, day_start_utc, local_clock
from ..series import Grid
from ..signal import coarsen
from ..truth import GroundTruth
from .base import Attack, timezone
from .hot_water import daily_energy, heater_profile
from .occupancy import night_quantile, occupancy_unsupervised
from .routine import changepoint_wake_bed
from .scores import as_grid, prediction, row, skill_error, skill_score

#: coarser rungs of the ladder (s) whose features the forest attacks also read: an attacker
#: holding the curve at period Δ holds every coarsening of it, and some features (the off-peak
#: water-heater run above all) are measured better on 30-min or 60-min block means than on
#: 10-min ones, so the attack at a fine period is never weaker for lack of a coarse view
COARSER_RUNGS_S = (1800, 3600)

#: names of the columns of :func:`household_features`
FEATURES = ("daily_kwh", "evening_peak_w", "night_base_w", "day_night_ratio",
            "morning_mean_w", "wake_spread_h", "morning_rises_per_day", "occupied_share",
            "heater_kwh_day", "morning_active_h", "evening_excess_kwh", "weekend_ratio",
            "big_rises_per_day")

#: features of the ``ridge`` attack: the few that scale with the number of people (hot water
#: drawn, morning bathroom/kitchen time, evening cooking and lighting, uses of big appliances)
RIDGE_FEATURES = ("heater_kwh_day", "morning_active_h", "evening_excess_kwh",
                  "big_rises_per_day")


def household_features(grid: Grid, tz: str) -> np.ndarray:
    """One household's features, float64 ``[len(FEATURES)]`` (NaN where not measurable).

    * ``daily_kwh``: mean power × 24 h, kWh/day;
    * ``evening_peak_w``: median over days of the largest interval power wholly inside
      17:00–23:00 local, W;
    * ``night_base_w``: 5 % quantile of night (01:00–05:00) power, W;
    * ``day_night_ratio``: mean power 08:00–22:00 over mean power 01:00–05:00;
    * ``morning_mean_w``: mean power 06:00–09:00, W;
    * ``wake_spread_h``: standard deviation of the change-point wake-up times of day, h;
    * ``morning_rises_per_day``: rises of more than 300 W between consecutive intervals that end
      in 05:00–10:00, per day (distinct people getting up);
    * ``occupied_share``: share of intervals the unsupervised occupancy attack calls occupied;
    * ``heater_kwh_day``: mean daily energy of the off-peak water heater found by
      :func:`nilm.privacy.hot_water.heater_profile` (hot water scales with people), kWh/day;
    * ``morning_active_h``: mean hours per day between 05:00 and 10:00 with power more than
      200 W above the night base — people getting up one after another stretch the morning;
    * ``evening_excess_kwh``: mean energy per day above the night base in 17:00–23:00 (cooking,
      lighting, TV for more people), heater run removed, kWh;
    * ``weekend_ratio``: mean power on Saturdays and Sundays over weekdays (families stay in);
    * ``big_rises_per_day``: rises of more than 1 kW between consecutive intervals per day
      (kettle, oven, washing machine, hair dryer: uses scale with people).
    """
    p = grid.mains.astype(np.float64)
    period = float(grid.period)
    day, sod = local_clock(grid.t, tz)
    ok = np.isfinite(p)

    def inside(h0, h1):
        return ok & (sod >= h0 * 3600) & (sod + period <= h1 * 3600)

    def mean_in(h0, h1):
        m = inside(h0, h1)
        return float(p[m].mean()) if m.any() else np.nan

    ev = inside(17, 23)
    if ev.any():
        k = np.searchsorted(np.unique(day[ev]), day[ev])
        mx = np.full(k.max() + 1, -np.inf)
        np.maximum.at(mx, k, p[ev])
        evening_peak = float(np.median(mx))
    else:
        evening_peak = np.nan
    night = mean_in(1, 5)
    days, wake, _ = changepoint_wake_bed(grid, tz)
    wake_tod = (wake - day_start_utc(days, tz)) / 3600
    wake_spread = float(np.nanstd(wake_tod)) if np.isfinite(wake_tod).sum() >= 2 else np.nan
    rise = np.zeros(len(p), bool)
    rise[1:] = (np.diff(p) > 300) & inside(5, 10)[1:]
    n_days = max(1.0, ok.sum() * period / DAY_S)
    occ = occupancy_unsupervised(grid, tz)
    prof = heater_profile(grid, tz)
    _, kwh = daily_energy(grid, tz, prof)
    heater_kwh = float(np.nanmean(kwh)) if np.isfinite(kwh).any() else np.nan
    free = p - np.nan_to_num(prof["power"])
    base = night_quantile(free, sod, period, 0.5)
    morning = inside(5, 10)
    morning_h = float(np.sum(morning & (free > base + 200)) * period / 3600 / n_days) \
        if morning.any() else np.nan
    ev = inside(17, 23)
    ev_kwh = float(np.nansum(np.clip(free[ev] - base, 0, None)) * period / 3.6e6 / n_days) \
        if ev.any() else np.nan
    wd = pd.to_datetime(day * DAY_S, unit="s").day_of_week.to_numpy() >= 5
    weekend = float(np.nanmean(p[wd & ok]) / np.nanmean(p[~wd & ok])) \
        if (wd & ok).any() and (~wd & ok).any() else np.nan
    big = np.zeros(len(p), bool)
    big[1:] = np.diff(free) > 1000
    return np.array([
        float(np.nanmean(p)) * 24 / 1000 if ok.any() else np.nan,
        evening_peak,
        night_quantile(p, sod, period, 0.05),
        mean_in(8, 22) / night if night and np.isfinite(night) and night > 0 else np.nan,
        mean_in(6, 9),
        wake_spread,
        rise.sum() / n_days if inside(5, 10).any() else np.nan,
        float(np.nanmean(occ)) if np.isfinite(occ).any() else np.nan,
        heater_kwh,
        morning_h,
        ev_kwh,
        weekend,
        big.sum() / n_days,
    ])


def multiresolution_features(grid: Grid, tz: str) -> np.ndarray:
    """:func:`household_features` of ``grid`` followed by those of its block means at each rung
    of :data:`COARSER_RUNGS_S`, float64 ``[len(FEATURES) · (1 + len(COARSER_RUNGS_S))]``.

    A rung contributes only when it is coarser than ``grid.period`` and a whole multiple of it
    (the attacker computes it from the data it holds, by :func:`nilm.signal.coarsen`);
    otherwise its block is NaN, so every period has the same columns (imputation turns a
    column that is NaN in every household into a constant, which no model splits on).
    """
    period = float(grid.period)
    blocks = [household_features(grid, tz)]
    for rung in COARSER_RUNGS_S:
        k = rung / period
        if k > 1 and k == int(k):
            blocks.append(household_features(coarsen(grid, int(k)), tz))
        else:
            blocks.append(np.full(len(FEATURES), np.nan))
    return np.concatenate(blocks)


def median_class(p_exceed: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The median of each row's predictive distribution over the ordered ``classes``.

    ``p_exceed[i, k]`` = P(y > classes[k]) for k < K − 1 (``[n, K − 1]``). The median is the
    smallest class c with P(y > c) < 1/2, which minimises the expected absolute error (the Bayes
    decision under L1 loss). Rows are first made non-increasing (running minimum), since
    separately fitted binary models need not be.
    """
    p = np.minimum.accumulate(np.atleast_2d(np.asarray(p_exceed, dtype=np.float64)), axis=1)
    return np.asarray(classes)[(p >= 0.5).sum(axis=1)]


class OrdinalForest(BaseEstimator):
    """Ordinal classification by K − 1 binary random forests (Frank & Hall 2001).

    Forest k learns P(y > c_k) for the ordered classes c_0 < … < c_{K−1} seen in ``fit``;
    :meth:`predict` returns the median class of the implied distribution
    (:func:`median_class`), the count that minimises the expected absolute error in persons.
    Unlike a classifier (which predicts the mode and treats 1 and 5 persons as no further apart
    than 1 and 2) it uses the order of the counts; unlike a rounded regressor it does not pull
    every prediction towards the mean.

    Missing features are imputed with their training median.

    Parameters
    ----------
    n_estimators : trees per binary forest.
    min_samples_leaf : fewest households per leaf.
    random_state : seed of every forest.

    References
    ----------
    Frank, E. & Hall, M. (2001). A simple approach to ordinal classification. ECML, LNCS 2167,
    145–156.
    """

    def __init__(self, n_estimators: int = 200, min_samples_leaf: int = 1,
                 random_state: int | None = None):
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: np.ndarray) -> OrdinalForest:
        """Learn from features ``x`` (float64 ``[n, d]``, NaN = missing) and ordered labels
        ``y`` (``[n]``, e.g. persons); returns self."""
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.impute import SimpleImputer

        y = np.asarray(y)
        self.classes_ = np.unique(y)
        # the median imputation of the other attacks, inside the estimator (one object to
        # clone and to seed)
        self.imputer_ = SimpleImputer(strategy="median", keep_empty_features=True).fit(x)
        x = self.imputer_.transform(x)
        self.estimators_ = [
            RandomForestClassifier(n_estimators=self.n_estimators,
                                   min_samples_leaf=self.min_samples_leaf,
                                   random_state=self.random_state, n_jobs=1)
            .fit(x, (y > c).astype(np.int8)) for c in self.classes_[:-1]]
        return self

    def predict_exceed(self, x: np.ndarray) -> np.ndarray:
        """P(y > c_k), ``[n, K − 1]`` (not yet made monotone)."""
        x = self.imputer_.transform(x)
        return np.stack([e.predict_proba(x)[:, 1] for e in self.estimators_], axis=1) \
            if self.estimators_ else np.zeros((len(x), 0))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Median class of each row of ``x`` (float64 ``[n]``, a label seen in ``fit``)."""
        return median_class(self.predict_exceed(x), self.classes_).astype(np.float64)


def _model(method: str, seed: int):
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    if method == "forest":
        est = RandomForestClassifier(n_estimators=200, class_weight="balanced",
                                     random_state=seed, n_jobs=1)
    elif method == "forest_regressor":
        est = RandomForestRegressor(n_estimators=200, random_state=seed, n_jobs=1)
    elif method == "ordinal_forest":
        return OrdinalForest(random_state=seed)
    elif method == "ridge":
        from sklearn.linear_model import Ridge
        from sklearn.preprocessing import StandardScaler

        # few households: a linear model on standardised people-scaled features, strongly
        # regularised, extrapolates where a forest can only average its training leaves
        return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                             StandardScaler(), Ridge(alpha=1.0))
    else:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    # all-NaN columns (e.g. evening peak at a 1-day period) are kept as 0 in every fold
    return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), est)


class OccupantCount(Attack):
    """Base of the occupant-count attacks: household features (:func:`multiresolution_features`)
    mapped to a count by a model learned over *other* households (Beckel et al. 2014); the
    class attribute ``method`` picks the model (:func:`_model`).

    :meth:`fit` learns from the labelled pairs (``truth.occupants > 0``); with fewer than two
    it abstains (:meth:`predict` gives NaN). :meth:`fit_rows` / :meth:`predict_rows` do the
    same on precomputed feature rows (a population's cross-validation computes them once).
    Classifiers return counts seen in training; regressor outputs are rounded to the nearest
    count inside the training range (≥ 1).

    Parameters
    ----------
    seed : seeds the model.
    """

    inference = "occupants"
    needs_train = True

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, train) -> OccupantCount:
        """Learn from the labelled ``(grid, truth)`` pairs of ``train``; returns self."""
        pairs = [(g, t) for g, t in train if t.occupants > 0]
        if len(pairs) < 2:
            self.model_, self.constant_, self.range_ = None, float("nan"), None
            return self
        x = np.stack([multiresolution_features(g, t.timezone) for g, t in pairs])
        return self.fit_rows(x, np.array([t.occupants for _, t in pairs], dtype=np.float64))

    def fit_rows(self, x: np.ndarray, y: np.ndarray) -> OccupantCount:
        """Learn from :func:`multiresolution_features` rows ``x`` and counts ``y``."""
        y = np.asarray(y)
        self.model_, self.range_ = None, (max(1.0, float(y.min())), float(y.max()))
        self.constant_ = float(y[0]) if np.unique(y).size < 2 else float("nan")
        if np.unique(y).size >= 2:
            self.model_ = _model(self.method, self.seed).fit(self._columns(x), y)
        return self

    def _columns(self, x: np.ndarray) -> np.ndarray:
        if self.method == "ridge":
            return x[:, [FEATURES.index(f) for f in RIDGE_FEATURES]]
        return x

    def predict_rows(self, x: np.ndarray) -> np.ndarray:
        """Occupant counts (float64 ``[k]``) of feature rows ``x``."""
        self._check_fitted()
        if self.model_ is None:
            return np.full(len(x), self.constant_)
        pred = self.model_.predict(self._columns(x)).astype(np.float64)
        if self.method in ("forest", "ordinal_forest"):
            return pred
        # regressors: the nearest count inside the training range
        return np.clip(np.round(pred), *self.range_)

    def predict(self, grid: Grid, tz: str | None = None) -> float:
        """The household's number of occupants (NaN: the attack abstains, as it does on a
        grid without any known interval)."""
        self._check_fitted()
        if (self.model_ is None and not np.isfinite(self.constant_)) \
                or not np.isfinite(grid.mains).any():
            return float("nan")
        x = multiresolution_features(grid, timezone(grid, tz))[None]
        return float(self.predict_rows(x)[0])


class ForestCount(OccupantCount):
    """``forest``: a balanced random-forest classifier of the count."""

    method = "forest"


class ForestRegressorCount(OccupantCount):
    """``forest_regressor``: a random-forest regressor, rounded."""

    method = "forest_regressor"


class OrdinalForestCount(OccupantCount):
    """``ordinal_forest``: :class:`OrdinalForest`, the median count (Frank & Hall 2001)."""

    method = "ordinal_forest"


class RidgeCount(OccupantCount):
    """``ridge``: a rounded ridge regression on :data:`RIDGE_FEATURES` (few households)."""

    method = "ridge"


#: method name -> attack class
ATTACKS = {c.method: c for c in (ForestCount, ForestRegressorCount, OrdinalForestCount,
                                 RidgeCount)}
#: the attacks this module implements
METHODS = tuple(ATTACKS)


def predict_occupants(train_x: np.ndarray, train_y: np.ndarray, x: np.ndarray, *,
                      method: str, seed: int) -> np.ndarray:
    """Occupant counts for the rows of ``x`` from the attack ``method`` fitted on
    ``(train_x, train_y)`` (:meth:`OccupantCount.fit_rows`)."""
    if method not in ATTACKS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    return ATTACKS[method](seed=seed).fit_rows(train_x, train_y).predict_rows(x)


def occupants_design(grid: Grid, truth: GroundTruth, train) -> tuple[list, Grid, str]:
    """Evaluation design of the per-household occupant count: trained on the other
    households of ``train``, the household attacked whole."""
    return list(train or []), grid, "households"


def majority(y: np.ndarray) -> float:
    """Most frequent value (the smallest among ties)."""
    vals, counts = np.unique(np.asarray(y), return_counts=True)
    return float(vals[np.argmax(counts)])


def balanced_accuracy(y_true, y_pred) -> float:
    """Mean over the classes present in ``y_true`` of the share of that class predicted right."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    classes = np.unique(y_true)
    if classes.size == 0:
        return float("nan")
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in classes]))


def chance_balanced_accuracy(y_true) -> float:
    """Balanced accuracy of any input-blind predictor: 1/K over the K classes present in
    ``y_true`` (the prior of :func:`score_occupants_population`'s ``balanced_accuracy``)."""
    k = np.unique(np.asarray(y_true)).size
    return 1.0 / k if k else float("nan")


def mean_abs_error(y_true, y_pred) -> float:
    """Mean absolute error in persons."""
    return float(np.mean(np.abs(np.asarray(y_pred, float) - np.asarray(y_true, float))))


def median_count_mae(y_true) -> float:
    """MAE of the population's median count (the prior of the ``mae_persons`` row)."""
    y = np.asarray(y_true, float)
    return mean_abs_error(y, np.full(y.shape, np.median(y)))


#: metric of a :func:`score_occupants_population` row -> (``score(truth, pred)``,
#: ``prior(truth)``) over a set of households: what the row's household records (its
#: ``predictions``) re-score, e.g. in a paired household bootstrap (nilm.report)
POPULATION_SCORES = {"balanced_accuracy": (balanced_accuracy, chance_balanced_accuracy),
                     "mae_persons": (mean_abs_error, median_count_mae)}


def score_occupants(household_or_grid, truth: GroundTruth, period: float, *,
                    method: str = "forest", seed: int = 0,
                    train: list[tuple[Grid, GroundTruth]] | None = None) -> list[dict]:
    """Predict one household's occupant count with the attack ``method`` fitted on the
    ``train`` households and score it (:func:`occupants_rows`)."""
    from .base import evaluate

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    return evaluate(ATTACKS[method](seed=seed), as_grid(household_or_grid, period), truth,
                    design=occupants_design, score=occupants_rows, seed=seed, train=train)


def occupants_rows(pred: float, test: Grid, truth: GroundTruth, *, seed: int, method: str,
                   split: str, train=None) -> list[dict]:
    """Score one household's predicted count ``pred``; it never trains.

    Rows (n = 1, no CI; population-level scores and CIs come from
    :func:`score_occupants_population`): ``abs_error_persons`` (prior: the labelled training
    households' median count) and ``correct`` (prior: their majority count). When the truth
    is unknown or the attack abstained (fewer than two labelled training households) the
    values are NaN.
    """
    y_tr = np.array([t.occupants for _, t in (train or []) if t.occupants > 0],
                    dtype=np.float64)
    if truth.occupants <= 0 or len(y_tr) < 2 or not np.isfinite(pred):
        return [row("occupants", "occupants", m, np.nan, n=0, prior=np.nan, skill=np.nan,
                    method=method, split=split) for m in ("abs_error_persons", "correct")]
    prior = majority(y_tr)
    err, err_p = abs(pred - truth.occupants), abs(float(np.median(y_tr)) - truth.occupants)
    return [row("occupants", "occupants", "abs_error_persons", err, n=1, prior=err_p,
                skill=skill_error(err, err_p), method=method, split=split),
            row("occupants", "occupants", "correct", float(pred == truth.occupants), n=1,
                prior=float(prior == truth.occupants),
                skill=skill_score(float(pred == truth.occupants), float(prior == truth.occupants)),
                method=method, split=split)]


def population_features(grids: list[Grid], truths: list[GroundTruth], period: float
                        ) -> np.ndarray:
    """:func:`multiresolution_features` rows ``[k, d]`` of the labelled households
    (``occupants > 0``), in order, at ``period`` s: the input of
    :func:`score_occupants_population`, computed once for every method."""
    keep = [i for i, t in enumerate(truths) if t.occupants > 0]
    return np.stack([multiresolution_features(as_grid(grids[i], period), truths[i].timezone)
                     for i in keep])


def score_occupants_population(grids: list[Grid], truths: list[GroundTruth], period: float, *,
                               method: str = "forest", seed: int = 0, n_folds: int = 5,
                               n_boot: int = 1000, features: np.ndarray | None = None
                               ) -> list[dict]:
    """Cross-validated occupant-count attack over a population of households at ``period`` s.

    Households with unknown occupants (0) are left out. K-fold over households (``n_folds``, at
    most one household per fold when there are fewer), shuffled with ``seed``. Priors: the
    population median (MAE) and 1/K (balanced accuracy). Rows: ``mae_persons`` and
    ``balanced_accuracy`` with CIs from a bootstrap over households (``seed``); the first
    carries each household's count as ``predictions`` (:func:`nilm.privacy.scores.prediction`
    plus ``house``, the household's index in ``truths``; prior: the median count).
    ``features``: the :func:`population_features` of ``grids`` at ``period``, computed once by a
    caller that scores several methods (default: computed here).
    """
    from sklearn.model_selection import KFold

    keep = [i for i, t in enumerate(truths) if t.occupants > 0]
    split = f"households_{n_folds}fold"
    if len(keep) < 3:
        return [row("occupants", "occupants", m, np.nan, n=len(keep), prior=np.nan,
                    skill=np.nan, method=method, split=split)
                for m in ("mae_persons", "balanced_accuracy")]
    x = population_features(grids, truths, period) if features is None else features
    y = np.array([truths[i].occupants for i in keep], dtype=np.float64)
    pred = np.empty(len(y))
    folds = KFold(n_splits=min(n_folds, len(y)), shuffle=True, random_state=seed)
    for tr, te in folds.split(x):
        pred[te] = ATTACKS[method](seed=seed).fit_rows(x[tr], y[tr]).predict_rows(x[te])
    mae, lo, hi = metrics.bootstrap_ci(metrics.mae, y, pred, 1, n_boot=n_boot, seed=seed,
                                       block_s=1)
    # priors from the labels alone: a per-fold majority would be anti-correlated with the
    # held-out households (leaving a class out makes it the minority) and unfairly weak
    mae_p = median_count_mae(y)
    ba, blo, bhi = metrics.bootstrap_ci(balanced_accuracy, y, pred, 1, n_boot=n_boot,
                                        seed=seed, block_s=1)
    ba_p = chance_balanced_accuracy(y)
    rows = [row("occupants", "occupants", "mae_persons", mae, (lo, hi), n=len(y), prior=mae_p,
                skill=skill_error(mae, mae_p), method=method, split=split),
            row("occupants", "occupants", "balanced_accuracy", ba, (blo, bhi), n=len(y),
                prior=ba_p, skill=skill_score(ba, ba_p), method=method, split=split)]
    # each household's cross-validated count; ``house`` indexes ``truths``
    rows[0]["predictions"] = [{**prediction(t, p, float(np.median(y))), "house": i}
                              for i, t, p in zip(keep, y, pred, strict=True)]
    return rows


__all__ = ["ATTACKS", "COARSER_RUNGS_S", "FEATURES", "METHODS", "POPULATION_SCORES",
           "RIDGE_FEATURES",
           "ForestCount", "ForestRegressorCount", "OccupantCount", "OrdinalForest",
           "OrdinalForestCount", "RidgeCount", "occupants_design", "occupants_rows",
           "population_features",
           "balanced_accuracy", "chance_balanced_accuracy", "household_features",
           "majority", "mean_abs_error", "median_class", "median_count_mae",
           "multiresolution_features", "predict_occupants", "score_occupants",
           "score_occupants_population"]
