"""Occupancy / absence inference from the aggregate load curve at any period.

Ground truth: an interval is *occupied* when someone is at home for at least half of it
(:func:`nilm.privacy.truth_proxy.presence_on_grid`, ``rule="majority"``), computed from the
native-resolution GroundTruth timeline. *Absence episodes* are maximal runs of absence of at least
``min_episode_s``, taken from the native timeline for the truth and from the grid for the attack.

Attacks (they see only ``grid.mains`` at the attacked period):

* ``unsupervised`` — base-load and variability thresholds (after Kleiminger et al. 2015 and
  Chen et al. 2013's "NIOM"): an interval is *active* when its (30-min smoothed) power exceeds a
  high quantile of the night power by a margin, or when its moving standard deviation exceeds
  the night's (at coarse periods the within-interval variance is lost, so the neighbouring
  intervals stand in for it). The household
  is *occupied* within ``±window_s / 2`` of an active interval, during the local sleep hours
  when it was active within the surrounding 24 h (residents sleep at home; a whole day without
  activity is an absence, e.g. holidays), and throughout the quiet run holding those hours
  (the night gap) when it is no longer than 12 h.
* ``supervised`` — window features of the aggregate normalised per household
  (:func:`occupancy_features`: percentile ranks within the household, ratios to its own
  median, long-window means for trips, the unsupervised verdict) and a seeded scikit-learn
  HistGradientBoostingClassifier trained on other households (``train``) or on the first half
  of the days, its labels smoothed by a 1-h moving majority.
* ``kleiminger`` — Kleiminger et al. 2015's 15-min window features (min, max, mean, standard
  deviation, range of power, sum of absolute changes, on/off events; as percentile ranks within
  the household) and one of their classifiers (SVM, kNN, LDA), trained on other households.
* ``hmm`` — zero training (after Becker & Kleiminger 2018): a two-state Gaussian HMM on the
  household's own window features, its active state then read through the same sleep rules.
* ``tuned`` — ``unsupervised`` with its two thresholds chosen on the most similar training
  households (:func:`occupancy_tuned`).

Scores: MCC (Matthews 1975), F1 of the class "absent", episode F1. See docs/inferences.md.

References
----------
Kleiminger, W., Beckel, C. & Santini, S. (2015). Household occupancy monitoring using electricity
meters. UbiComp, 975–986.
Chen, D., Barker, S., Subbaswamy, A., Irwin, D. & Shenoy, P. (2013). Non-intrusive occupancy
monitoring using smart meters. BuildSys, 1–8.
Becker, V. & Kleiminger, W. (2018). Exploring zero-training algorithms for occupancy detection
based on smart meter measurements. Computer Science – Research and Development 33, 25–36.
Rabiner, L. R. (1989). A tutorial on hidden Markov models and selected applications in speech
recognition. Proceedings of the IEEE 77(2), 257–286.
Matthews, B. W. (1975). Comparison of the predicted and observed secondary structure of T4 phage
lysozyme. Biochimica et Biophysica Acta 405(2), 442–451.
"""

from __future__ import annotations

import numpy as np

from .. import metrics
from ..clock import DAY_S, day_start_utc, grid_clock, grid_days, local_clock, unique_days
from ..kernels.grid import any_centered
from ..series import Grid
from ..signal import centred, heater_free, runs, spread
from ..truth import GroundTruth
from .base import Attack, timezone
from .boosting import BoostedTrees
from .scores import (
    always_positive_f1,
    as_grid,
    feature_view,
    interval_prediction,
    ratio_ci,
    row,
    skill_score,
    temporal_split,
)
from .truth_proxy import presence_on_grid


def night_quantile(x: np.ndarray, sod: np.ndarray, period: float, q: float, *,
                   night=(1.0, 5.0)) -> float:
    """The ``q`` quantile of ``x`` over the intervals wholly inside the local ``night`` hours
    (over all intervals when fewer than 3 fit, e.g. at a period of one day); NaN if empty."""
    ok = np.isfinite(x)
    inside = (sod >= night[0] * 3600) & (sod + period <= night[1] * 3600) & ok
    ref = x[inside] if inside.sum() >= 3 else x[ok]
    return float(np.quantile(ref, q)) if ref.size else float("nan")


def interval_features(grid: Grid, tz: str, *, windows_s=(3600.0, 3 * 3600.0)) -> np.ndarray:
    """Features of each interval of the aggregate, float64 ``[n, f]`` (NaN where unknown).

    Columns: mean power (W); excess over the night base load (W); absolute change from the
    previous and to the next interval (W); for each window of ``windows_s`` seconds (at least
    one interval) the centered moving mean, standard deviation, max and min of the power (W).
    Windows are in seconds, so the features mean the same thing at every period.

    Calendar features (time of day, weekday) are deliberately left out: with them a classifier
    learns the training labels' schedule, which is not read from the load curve, and the skill
    would no longer isolate what the curve itself leaks.
    """
    p = grid.mains.astype(np.float64)
    period = float(grid.period)
    _, sod = grid_clock(grid, tz)
    base = night_quantile(p, sod, period, 0.05)
    d_prev = np.abs(np.diff(p, prepend=np.nan))
    d_next = np.abs(np.diff(p, append=np.nan))
    cols = [p, p - base, d_prev, d_next]
    for w_s in windows_s:
        w = max(1, int(round(w_s / period)))
        cols += [centred(p, w, "mean"), centred(p, w, "std"), centred(p, w, "max"),
                 centred(p, w, "min")]
    x = np.stack(cols, axis=1)
    x[~np.isfinite(p)] = np.nan
    return x


def occupancy_unsupervised(grid: Grid, tz: str, *, margin_w: float = 50.0,
                           window_s: float = 3600.0, sleep=(0.0, 6.0), q: float = 0.9,
                           remove_heater: bool = True, smooth_s: float = 1800.0,
                           max_sleep_s: float = 12 * 3600.0) -> np.ndarray:
    """Occupied (1) / absent (0) / unknown (NaN) per interval, from thresholds only.

    The night (01:00–05:00 local) shows what automatic loads do with nobody up: its ``q``
    quantile of the moving mean and of the moving standard deviation of power over ``smooth_s``
    (at least 3 intervals for the latter) are the references. An interval is *active* when its
    moving mean exceeds the first by ``margin_w`` or its moving standard deviation exceeds the
    second by ``margin_w``. A detected off-peak
    water-heater run (:func:`nilm.privacy.hot_water.heater_profile`) is subtracted first.

    Parameters
    ----------
    grid : the aggregate at the attacked period (W).
    tz : IANA time zone of the household.
    margin_w : margin above the night references, W.
    window_s : an interval is occupied within ``±window_s / 2`` of activity, s.
    sleep : local hours assumed asleep at home when there was activity within ±12 h.
    q : quantile of the night references.
    remove_heater : subtract the detected water-heater run first.
    smooth_s : moving-mean window of the level test, s (at least one interval).
    max_sleep_s : a run without activity that holds some ``sleep`` hours (with activity within
        ±12 h) and lasts at most this long is the night gap, taken as occupied throughout.

    At a period of a day or more no interval lies inside the night, so there are no night
    references: each interval is read by the day rule of :func:`day_rule_occupancy` instead
    (the other parameters then play no part).
    """
    if float(grid.period) >= DAY_S:
        return day_rule_occupancy(grid, tz, remove_heater=remove_heater)
    return _threshold_occupancy(_levels(grid, tz, remove_heater, smooth_s), margin_w=margin_w,
                                window_s=window_s, sleep=sleep, q=q, max_sleep_s=max_sleep_s)


#: the 1-day rule of :func:`day_rule_occupancy`: a day is absent when its mean power is below
#: this fraction of the household's median day. Fixed on the development population only
#: (scripts/dev_occupancy_1d.py: seed 0, 200 households x 14 days in January; docs/inferences.md
#: "The 1-day rung"), before the evaluation population was scored with it.
DAY_FRACTION = 0.95


def day_rule_occupancy(grid: Grid, tz: str, *, fraction: float = DAY_FRACTION,
                       remove_heater: bool = True) -> np.ndarray:
    """Occupied (1) / absent (0) / NaN per interval of a grid of one-day (or longer) intervals:
    absent when the interval's mean power (W, the off-peak water-heater run removed, as
    :func:`occupancy_unsupervised` reads it) is below ``fraction`` of the household's median
    interval. What a daily index reveals: a day away (a trip, holidays) leaves only the
    automatic loads, a fraction of an ordinary day's energy."""
    p, _, _ = heater_free(grid, tz, remove_heater)
    finite = np.isfinite(p)
    if not finite.any():
        return np.full(len(p), np.nan)
    ref = float(np.median(p[finite]))
    return np.where(finite, (p >= fraction * ref).astype(np.float64), np.nan)


def _levels(grid: Grid, tz: str, remove_heater: bool = True, smooth_s: float = 1800.0) -> dict:
    """What :func:`occupancy_unsupervised` reads off a grid before its thresholds: local time of
    day, validity, and the moving level and variability of the (heater-free) power. The
    ``tuned`` attack computes it once per training household for all the settings it tries."""
    p, _, sod = heater_free(grid, tz, remove_heater)
    period = float(grid.period)
    # level and variability are moving mean and standard deviation over smooth_s (at least the
    # interval and its two neighbours for the latter), so that a fridge cycling at a fine period
    # looks the same by day and by night and a step at a coarse period still shows
    w = max(1, int(round(smooth_s / period)))
    finite = np.isfinite(p)
    level = centred(p, w, "mean")
    var = centred(p, max(3, w), "std")
    level[~finite] = np.nan
    var[~finite] = np.nan
    return {"sod": sod, "period": period, "finite": finite, "level": level, "var": var}


def _threshold_occupancy(lv: dict, *, margin_w: float = 50.0, window_s: float = 3600.0,
                         sleep=(0.0, 6.0), q: float = 0.9, max_sleep_s: float = 12 * 3600.0
                         ) -> np.ndarray:
    """The thresholds of :func:`occupancy_unsupervised` on its :func:`_levels`."""
    sod, period, finite, level, var = (lv[k] for k in ("sod", "period", "finite", "level",
                                                         "var"))
    level_ref = night_quantile(level, sod, period, q)
    var_ref = night_quantile(var, sod, period, q)
    active = (level > level_ref + margin_w) | (var > var_ref + margin_w)
    return occupied_from_active(active & finite, sod, period, finite, window_s=window_s,
                                sleep=sleep, max_sleep_s=max_sleep_s)


def occupied_from_active(active: np.ndarray, sod: np.ndarray, period: float,
                         finite: np.ndarray, *, window_s: float = 3600.0, sleep=(0.0, 6.0),
                         max_sleep_s: float = 12 * 3600.0) -> np.ndarray:
    """Occupied (1) / absent (0) / NaN (where not ``finite``) per interval from a boolean
    *active* series (someone using electricity): occupied within ``±window_s / 2`` of
    activity, during the local ``sleep`` hours when active within the surrounding 24 h, and
    throughout a quiet run holding sleep hours no longer than ``max_sleep_s`` (the night gap).
    The rules of :func:`occupancy_unsupervised`, shared by the unsupervised attacks."""
    # "active somewhere in the window" is a centred moving max of a 0/1/NaN series above 0
    occupied = any_centered(active, max(1, int(round(window_s / period))))
    in_sleep = (sod >= sleep[0] * 3600) & (sod + period <= sleep[1] * 3600)
    day_w = max(1, int(round(DAY_S / period)))
    recent = any_centered(active, day_w)
    # a quiet run that holds sleep hours and is no longer than max_sleep_s is the night gap:
    # from the last evening activity to the first morning one, everyone is asleep at home
    s, e = runs(~occupied)
    c = np.concatenate([[0], np.cumsum(in_sleep & recent)])
    night_gap = ((c[e] - c[s]) > 0) & ((e - s) * period <= max_sleep_s)
    occupied |= in_sleep & recent
    for a, b in zip(s[night_gap], e[night_gap], strict=True):
        occupied[a:b] = True
    return np.where(finite, occupied.astype(np.float64), np.nan)


def _rank(x: np.ndarray) -> np.ndarray:
    """Within-household percentile rank in [0, 1] of each column (NaN stays NaN)."""
    import pandas as pd

    return pd.DataFrame(x).rank(pct=True).to_numpy()


def occupancy_features(grid: Grid, tz: str) -> np.ndarray:
    """Features of each interval for the supervised occupancy attack, float64 ``[n, f]``,
    normalised per household so that a classifier trained on some households transfers to
    another (Kleiminger et al. 2015 train per household; across households the absolute levels
    differ by kilowatts, the shapes much less).

    Columns: :func:`interval_features` (W); the same columns as percentile ranks within the
    household; the excess over the night base divided by the household's median excess; the
    12-h and 24-h centred moving mean of power over the household's median power (whole days
    at base load are trips); and the unsupervised attack's verdict
    (:func:`occupancy_unsupervised`) with its 3-h and 24-h moving means — it carries the
    sleep-hours rule, the only use of the clock, the same for every household.
    """
    base = interval_features(grid, tz)
    p = grid.mains.astype(np.float64)
    period = float(grid.period)
    med = float(np.nanmedian(p)) if np.isfinite(p).any() else np.nan
    ex = base[:, 1]
    med_ex = float(np.nanmedian(np.abs(ex))) if np.isfinite(ex).any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        extra = [ex / med_ex]
        for w_s in (12 * 3600.0, DAY_S):
            extra.append(centred(p, max(1, int(round(w_s / period))), "mean") / med)
    unsup = occupancy_unsupervised(grid, tz)
    extra.append(unsup)
    for w_s in (3 * 3600.0, DAY_S):
        extra.append(centred(unsup, max(1, int(round(w_s / period))), "mean"))
    x = np.concatenate([base, _rank(base), np.stack(extra, axis=1)], axis=1)
    x[~np.isfinite(p)] = np.nan
    return x


class UnsupervisedOccupancy(Attack):
    """The ``unsupervised`` occupancy attack (:func:`occupancy_unsupervised`, after
    Kleiminger et al. 2015 and Chen et al. 2013): thresholds above the night references; it
    learns nothing (``fit`` ignores ``train``). Parameters are those of
    :func:`occupancy_unsupervised`; ``seed`` is unused (the attack is deterministic)."""

    inference = "occupancy"
    method = "unsupervised"

    def __init__(self, margin_w: float = 50.0, window_s: float = 3600.0, sleep=(0.0, 6.0),
                 q: float = 0.9, remove_heater: bool = True, smooth_s: float = 1800.0,
                 max_sleep_s: float = 12 * 3600.0, seed: int = 0):
        self.margin_w = margin_w
        self.window_s = window_s
        self.sleep = sleep
        self.q = q
        self.remove_heater = remove_heater
        self.smooth_s = smooth_s
        self.max_sleep_s = max_sleep_s
        self.seed = seed

    def predict(self, grid: Grid, tz: str | None = None) -> np.ndarray:
        """Occupied (1) / absent (0) / unknown (NaN) per interval of ``grid``."""
        self._check_fitted()
        return occupancy_unsupervised(grid, timezone(grid, tz), **self.kernel_params())


class SupervisedOccupancy(Attack):
    """The ``supervised`` occupancy attack: a :class:`nilm.privacy.boosting.BoostedTrees`
    classifier (HistGradientBoosting, ``seed``) on the per-household normalised
    :func:`occupancy_features`, its labels smoothed by a centred moving majority over
    ``smooth_s`` (occupancy changes a few times a day, not every interval).

    It learns and predicts at :data:`nilm.signal.FEATURE_PERIOD_S` and coarser: a
    finer grid is read through its block means (:func:`nilm.privacy.scores.feature_view`), or
    through the
    ``features`` grid a caller passes to :meth:`predict` (the same household resampled at the
    feature period), and each interval gets its feature interval's verdict. With no training
    labels at all it abstains (NaN); with labels of one class it predicts the majority.

    Parameters
    ----------
    max_rows : most training intervals fitted (drawn with ``seed``).
    smooth_s : moving-majority window of the predicted labels, s.
    seed : seeds the row draw and the classifier.
    """

    inference = "occupancy"
    method = "supervised"
    needs_train = True
    #: learns on block means at the feature period (so a study passes it that grid)
    reads_features = True
    #: what it reads of a grid finer than the feature period
    feature_view = staticmethod(feature_view)

    def __init__(self, max_rows: int = 50_000, smooth_s: float = 3600.0, seed: int = 0):
        self.max_rows = max_rows
        self.smooth_s = smooth_s
        self.seed = seed

    def fit(self, train) -> SupervisedOccupancy:
        """Learn from ``(grid, truth)`` pairs (read through
        :func:`nilm.privacy.scores.feature_view`); returns self."""
        xs, ys, periods = [], [], set()
        for g, tr in train:
            g = feature_view(g)
            periods.add(float(g.period))
            y = presence_on_grid(tr, g.start, g.period, len(g))
            ok = np.isfinite(y) & np.isfinite(g.mains)
            xs.append(occupancy_features(g, tr.timezone)[ok])
            ys.append(y[ok])
        if len(periods) > 1:
            raise ValueError(f"training grids at several periods: {sorted(periods)}")
        self.period_ = periods.pop() if periods else None
        self.model_ = None
        if xs and sum(len(y) for y in ys):
            self.model_ = BoostedTrees(max_rows=self.max_rows, seed=self.seed).fit(
                np.concatenate(xs), np.concatenate(ys))
        return self

    def predict(self, grid: Grid, tz: str | None = None, *, features: Grid | None = None
                ) -> np.ndarray:
        """Occupied (1) / absent (0) / unknown (NaN) per interval of ``grid``.

        ``features``: the household's aggregate at the feature period covering ``grid``
        (default: :func:`nilm.privacy.scores.feature_view` of ``grid``)."""
        fgrid = feature_view(grid) if features is None else features
        return self.on_grid(self.predict_features(fgrid, timezone(grid, tz)), fgrid, grid)

    def predict_features(self, fgrid: Grid, tz: str | None = None) -> np.ndarray:
        """The verdict per interval of the feature grid ``fgrid`` itself (what :meth:`predict`
        spreads onto a finer grid; a study computes it once for the rungs that share it)."""
        self._check_fitted()
        tz = timezone(fgrid, tz)
        p = fgrid.mains
        if self.model_ is None:
            return np.full(len(p), np.nan)
        if self.period_ is not None and float(fgrid.period) != self.period_:
            raise ValueError(f"fitted at {self.period_} s, asked to predict a "
                             f"{fgrid.period} s feature grid")
        pred = self.model_.predict(occupancy_features(fgrid, tz)).astype(np.float64)
        pred[~np.isfinite(p)] = np.nan
        w = max(1, int(round(self.smooth_s / float(fgrid.period))))
        if w > 1:
            pred = np.where(np.isfinite(p), (centred(pred, w, "mean") >= 0.5).astype(float),
                            np.nan)
        return pred

    @staticmethod
    def on_grid(verdict: np.ndarray, fgrid: Grid, grid: Grid) -> np.ndarray:
        """A feature-grid verdict read at each interval of ``grid`` (its feature interval's),
        NaN where the mains of ``grid`` is unknown."""
        out = np.array(spread(verdict, fgrid, grid, np.nan), dtype=np.float64)
        out[~np.isfinite(grid.mains)] = np.nan
        return out


#: classifiers of the ``kleiminger`` attack (Kleiminger et al. 2015 compared these)
KLEIMINGER_CLASSIFIERS = ("svm", "knn", "lda")


def window_features(grid: Grid, *, window_s: float = 900.0, on_off_w: float = 30.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Kleiminger et al. (2015)'s features of each ``window_s`` window of the aggregate (15 min
    in the paper), each column as a percentile rank within the household (the per-household
    normalisation that lets a classifier trained on other houses transfer).

    Columns: minimum, maximum, mean, standard deviation and range of power (W), the sum of
    absolute changes between successive intervals (W), and the number of on/off events (changes
    larger than ``on_off_w`` W). Windows are consecutive blocks of ``window_s`` seconds from the
    grid's start (one interval each when the period is coarser); a window with no finite power
    is NaN.

    Returns ``(x [windows, 7], block [n])``: the features and each interval's window index.
    """
    import pandas as pd

    p = grid.mains.astype(np.float64)
    period = float(grid.period)
    k = max(1, int(round(window_s / period)))
    block = np.arange(len(p)) // k
    d = np.abs(np.diff(p, prepend=np.nan))
    d[block != np.roll(block, 1)] = np.nan  # no change across a window boundary
    df = pd.DataFrame({"b": block, "p": p, "d": d, "e": np.where(np.isfinite(d),
                                                                   (d > on_off_w) * 1.0,
                                                                   np.nan)})
    g = df.groupby("b")
    nb = int(block[-1]) + 1 if len(p) else 0
    cols = [g["p"].min(), g["p"].max(), g["p"].mean(), g["p"].std(ddof=0)]
    cols.append(cols[1] - cols[0])
    cols += [g["d"].sum(min_count=0), g["e"].sum(min_count=0)]
    x = np.stack([c.reindex(range(nb)).to_numpy(dtype=np.float64) for c in cols], axis=1)
    x[~np.isfinite(x[:, 2])] = np.nan
    return _rank(x), block


def window_labels(truth: GroundTruth, grid: Grid, block: np.ndarray) -> np.ndarray:
    """Occupied (1) / absent (0) / unknown (NaN) per window: the majority of its labelled
    intervals (:func:`nilm.privacy.truth_proxy.presence_on_grid`)."""
    y = presence_on_grid(truth, grid.start, grid.period, len(grid))
    ok = np.isfinite(y)
    nb = int(block[-1]) + 1 if len(block) else 0
    n = np.bincount(block[ok], minlength=nb)
    s = np.bincount(block[ok], weights=y[ok], minlength=nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (s / n >= 0.5).astype(np.float64), np.nan)


class KleimingerOccupancy(SupervisedOccupancy):
    """The ``kleiminger`` occupancy attack: Kleiminger et al. (2015)'s 15-min window features
    (:func:`window_features`, per-household percentile ranks) and one of their classifiers,
    trained on other households (or the first half of the days): ``svm`` (RBF support vector
    machine, balanced class weights), ``knn`` (``k`` nearest neighbours) or ``lda`` (linear
    discriminant). Each interval takes its window's verdict. It reads the aggregate like the
    ``supervised`` attack (block means at :data:`nilm.signal.FEATURE_PERIOD_S` for finer
    grids); with no training labels it abstains, with one class it predicts it.

    Parameters
    ----------
    classifier : one of :data:`KLEIMINGER_CLASSIFIERS`.
    window_s : feature window, s (15 min in the paper).
    k : neighbours of ``knn``.
    max_rows : most training windows fitted (drawn with ``seed``).
    sleep : local hours (start, end) taken as occupied when the household was found occupied
        within the surrounding 24 h (Kleiminger et al. score only the daytime; ``None``: the
        classifier's verdict at every hour).
    seed : seeds the row draw.
    """

    method = "kleiminger"

    def __init__(self, classifier: str = "svm", window_s: float = 900.0, k: int = 15,
                 max_rows: int = 20_000, sleep=(0.0, 6.0), seed: int = 0):
        self.classifier = classifier
        self.sleep = sleep
        self.window_s = window_s
        self.k = k
        self.max_rows = max_rows
        self.seed = seed

    def _model(self):
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.svm import SVC

        if self.classifier == "svm":
            return SVC(kernel="rbf", class_weight="balanced", random_state=self.seed)
        if self.classifier == "knn":
            return KNeighborsClassifier(n_neighbors=self.k)
        if self.classifier == "lda":
            return LinearDiscriminantAnalysis()
        raise ValueError(f"classifier must be one of {KLEIMINGER_CLASSIFIERS}, "
                         f"not {self.classifier!r}")

    def fit(self, train) -> KleimingerOccupancy:
        """Learn from ``(grid, truth)`` pairs (read through
        :func:`nilm.privacy.scores.feature_view`); returns self."""
        from .boosting import subsample

        model = self._model()
        xs, ys, periods = [], [], set()
        for g, tr in train:
            g = feature_view(g)
            periods.add(float(g.period))
            x, block = window_features(g, window_s=self.window_s)
            y = window_labels(tr, g, block)
            ok = np.isfinite(y) & np.isfinite(x).all(axis=1)
            xs.append(x[ok])
            ys.append(y[ok])
        if len(periods) > 1:
            raise ValueError(f"training grids at several periods: {sorted(periods)}")
        self.period_ = periods.pop() if periods else None
        self.model_ = None
        self.constant_ = None
        if xs and sum(len(y) for y in ys):
            x, y = np.concatenate(xs), np.concatenate(ys).astype(int)
            ix = subsample(len(y), self.max_rows, self.seed)
            x, y = x[ix], y[ix]
            if len(np.unique(y)) == 1:
                self.constant_ = float(y[0])
            else:
                self.model_ = model.fit(x, y)
        return self

    def predict_features(self, fgrid: Grid, tz: str | None = None) -> np.ndarray:
        """The verdict per interval of the feature grid ``fgrid`` (its window's)."""
        self._check_fitted()
        p = fgrid.mains
        if self.model_ is None and self.constant_ is None:
            return np.full(len(p), np.nan)
        if self.period_ is not None and float(fgrid.period) != self.period_:
            raise ValueError(f"fitted at {self.period_} s, asked to predict a "
                             f"{fgrid.period} s feature grid")
        x, block = window_features(fgrid, window_s=self.window_s)
        ok = np.isfinite(x).all(axis=1)
        win = np.full(len(x), np.nan)
        if self.model_ is None:
            win[ok] = self.constant_
        elif ok.any():
            win[ok] = self.model_.predict(x[ok])
        pred = win[block] if len(block) else np.empty(0)
        finite = np.isfinite(p) & np.isfinite(pred)
        if self.sleep is not None and len(p):
            # the window statistics of a sleeping household look like an empty one; Kleiminger
            # et al. score the daytime only: the sleep hours are occupied when the household
            # was found occupied within the surrounding 24 h (the rule of `unsupervised`)
            _, sod = grid_clock(fgrid, timezone(fgrid, tz))
            period = float(fgrid.period)
            in_sleep = (sod >= self.sleep[0] * 3600) & (sod + period <= self.sleep[1] * 3600)
            recent = any_centered(finite & (pred == 1), max(1, int(round(DAY_S / period))))
            pred = np.where(in_sleep & finite, recent.astype(np.float64), pred)
        return np.where(np.isfinite(p), pred, np.nan)


def gaussian_hmm_path(x: np.ndarray, *, n_iter: int = 30, stay: float = 0.9) -> np.ndarray:
    """Most likely state path (0/1, int64 ``[T]``) of a two-state Gaussian hidden Markov model
    with diagonal covariances fitted to ``x`` ``[T, f]`` (finite rows) by Baum–Welch (Rabiner
    1989), decoded by Viterbi. Initialised deterministically: rows below / above the median of
    the first column, self-transition ``stay``. State 1 is the state with the larger mean of
    the first column."""
    t_n, f = x.shape
    if t_n < 4:
        return np.zeros(t_n, np.int64)
    z = (x[:, 0] > np.median(x[:, 0])).astype(int)
    if z.min() == z.max():
        return np.zeros(t_n, np.int64)
    mu = np.stack([x[z == k].mean(axis=0) for k in (0, 1)])
    var = np.stack([x[z == k].var(axis=0) for k in (0, 1)]) + 1e-3
    a = np.array([[stay, 1 - stay], [1 - stay, stay]])
    pi = np.array([0.5, 0.5])

    def loglik():
        return -0.5 * (((x[:, None, :] - mu[None]) ** 2 / var[None]).sum(axis=2)
                       + np.log(2 * np.pi * var).sum(axis=1)[None])

    for _ in range(n_iter):
        b = np.exp(loglik() - loglik().max(axis=1, keepdims=True))
        alpha = np.empty((t_n, 2))
        c = np.empty(t_n)
        alpha[0] = pi * b[0]
        c[0] = alpha[0].sum()
        alpha[0] /= c[0]
        for t in range(1, t_n):
            alpha[t] = (alpha[t - 1] @ a) * b[t]
            c[t] = alpha[t].sum()
            alpha[t] /= c[t]
        beta = np.ones((t_n, 2))
        for t in range(t_n - 2, -1, -1):
            beta[t] = a @ (b[t + 1] * beta[t + 1]) / c[t + 1]
        gamma = alpha * beta
        gamma /= gamma.sum(axis=1, keepdims=True)
        xi = (alpha[:-1, :, None] * a[None] * (b[1:] * beta[1:])[:, None, :]
              / c[1:, None, None]).sum(axis=0)
        a = xi / xi.sum(axis=1, keepdims=True)
        pi = gamma[0]
        w = gamma.sum(axis=0)
        if np.any(w < 1e-6):
            break
        mu = (gamma.T @ x) / w[:, None]
        var = (gamma.T @ x ** 2) / w[:, None] - mu ** 2 + 1e-3
    ll = loglik()
    with np.errstate(divide="ignore"):  # a zero transition is impossible: log 0 = -inf
        la = np.log(a)
    delta = np.log(pi + 1e-300) + ll[0]
    back = np.zeros((t_n, 2), np.int64)
    for t in range(1, t_n):
        m = delta[:, None] + la
        back[t] = np.argmax(m, axis=0)
        delta = m[back[t], [0, 1]] + ll[t]
    path = np.empty(t_n, np.int64)
    path[-1] = int(np.argmax(delta))
    for t in range(t_n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path if mu[1, 0] >= mu[0, 0] else 1 - path


def occupancy_hmm(grid: Grid, tz: str, *, window_s: float = 900.0, window_occ_s: float = 3600.0,
                  sleep=(0.0, 6.0), max_sleep_s: float = 12 * 3600.0) -> np.ndarray:
    """Occupied (1) / absent (0) / unknown (NaN) per interval of ``grid``, with no training
    labels: a two-state Gaussian HMM (:func:`gaussian_hmm_path`) on the household's own
    :func:`window_features` (mean, standard deviation and sum of absolute changes, as ranks
    within the household), its more active state taken as *someone active*, then the sleep
    and night-gap rules of :func:`occupied_from_active` (``window_occ_s``: occupied within
    ``±window_occ_s / 2`` of an active window). A zero-training HMM as in Becker & Kleiminger
    (2018); it reads block means at :data:`nilm.signal.FEATURE_PERIOD_S` below that period."""
    fgrid = feature_view(grid)
    x, block = window_features(fgrid, window_s=window_s)
    cols = x[:, [2, 3, 5]]
    ok = np.isfinite(cols).all(axis=1)
    win = np.zeros(len(x), bool)
    if ok.any():
        win[ok] = gaussian_hmm_path(cols[ok]) == 1
    p = fgrid.mains
    finite = np.isfinite(p)
    _, sod = grid_clock(fgrid, tz)
    active = (win[block] if len(block) else np.zeros(0, bool)) & finite
    occ = occupied_from_active(active, sod, float(fgrid.period), finite,
                               window_s=window_occ_s, sleep=sleep, max_sleep_s=max_sleep_s)
    out = np.array(spread(occ, fgrid, grid, np.nan), dtype=np.float64)
    out[~np.isfinite(grid.mains)] = np.nan
    return out


class HmmOccupancy(Attack):
    """The ``hmm`` occupancy attack (:func:`occupancy_hmm`): a two-state Gaussian HMM fitted
    on the attacked household alone (zero training, after Becker & Kleiminger 2018); ``fit``
    ignores ``train``. Parameters are those of :func:`occupancy_hmm`; ``seed`` is unused (the
    fit is initialised deterministically)."""

    inference = "occupancy"
    method = "hmm"

    def __init__(self, window_s: float = 900.0, window_occ_s: float = 3600.0,
                 sleep=(0.0, 6.0), max_sleep_s: float = 12 * 3600.0, seed: int = 0):
        self.window_s = window_s
        self.window_occ_s = window_occ_s
        self.sleep = sleep
        self.max_sleep_s = max_sleep_s
        self.seed = seed

    def predict(self, grid: Grid, tz: str | None = None) -> np.ndarray:
        """Occupied (1) / absent (0) / unknown (NaN) per interval of ``grid``."""
        self._check_fitted()
        return occupancy_hmm(grid, timezone(grid, tz), **self.kernel_params())


def occupancy_supervised(train: list[tuple[Grid, GroundTruth]], grid: Grid, tz: str, *,
                         seed: int, max_rows: int = 50_000, smooth_s: float = 3600.0
                         ) -> np.ndarray:
    """:class:`SupervisedOccupancy` fitted on ``train`` and applied to ``grid``: occupied (1)
    / absent (0) / unknown (NaN) per interval."""
    return SupervisedOccupancy(max_rows=max_rows, smooth_s=smooth_s, seed=seed).fit(
        train).predict(grid, tz)


#: unsupervised-attack settings searched by the ``tuned`` attack
TUNING_GRID = {"q": (0.25, 0.5, 0.75, 0.9), "margin_w": (25.0, 50.0, 100.0, 150.0, 300.0)}


class TunedOccupancy(Attack):
    """The ``tuned`` attack: :func:`occupancy_unsupervised` with the night-reference quantile
    ``q`` and ``margin_w`` (:data:`TUNING_GRID`) that maximise the mean MCC on the
    ``neighbours`` training households most like the attacked one
    (:func:`nilm.privacy.routine.power_profile`: night and mean power — electrically heated
    houses need other references than quiet flats). Labels of the training households only
    choose two thresholds, so the attack stays readable; without training labels it is
    :func:`occupancy_unsupervised` with its defaults. Below 60 s the search runs on 60-s block
    means (:func:`nilm.signal.coarsen`); the chosen thresholds are then applied at the
    attacked period.

    ``fit`` keeps the (coarsened) training households; the neighbours depend on the attacked
    household, so the search runs in :meth:`predict` (as a nearest-neighbour method does).
    ``seed`` is unused (the attack is deterministic).
    """

    inference = "occupancy"
    method = "tuned"
    needs_train = True

    def __init__(self, neighbours: int = 3, seed: int = 0):
        self.neighbours = neighbours
        self.seed = seed

    def fit(self, train) -> TunedOccupancy:
        """Keep the training ``(grid, truth)`` pairs' aggregates (60-s block means below
        60 s); returns self."""
        self.train_ = [(feature_view(g), t) for g, t in train if len(g)]
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> np.ndarray:
        """Occupied (1) / absent (0) / unknown (NaN) per interval of ``grid``."""
        import itertools

        from .routine import power_profile

        self._check_fitted()
        tz = timezone(grid, tz)
        pairs = self.train_
        if len(pairs) > self.neighbours:
            me = power_profile(feature_view(grid), tz)
            d = np.array([np.sum((power_profile(g, t.timezone) - me) ** 2) for g, t in pairs])
            d = np.where(np.isfinite(d), d, np.inf)
            pairs = [pairs[i] for i in np.argsort(d, kind="stable")[:self.neighbours]]
        labels = [presence_on_grid(t, g.start, g.period, len(g)) for g, t in pairs]
        # the settings change only thresholds: the moving level and variability are computed
        # once
        levels = [_levels(g, t.timezone) for g, t in pairs]
        best, best_kw = -np.inf, {}
        for combo in itertools.product(*TUNING_GRID.values()):
            kw = dict(zip(TUNING_GRID, combo, strict=True))
            scores = []
            for lv, y in zip(levels, labels, strict=True):
                pred = _threshold_occupancy(lv, **kw)
                ok = np.isfinite(y) & np.isfinite(pred)
                m = metrics.mcc(y[ok], pred[ok], threshold=0.5) if ok.any() else np.nan
                scores.append(float(np.nan_to_num(m)))
            if scores and np.mean(scores) > best:
                best, best_kw = float(np.mean(scores)), kw
        return occupancy_unsupervised(grid, tz, **best_kw)


def occupancy_tuned(train: list[tuple[Grid, GroundTruth]], grid: Grid, tz: str, *,
                    neighbours: int = 3) -> np.ndarray:
    """:class:`TunedOccupancy` fitted on ``train`` and applied to ``grid``."""
    return TunedOccupancy(neighbours=neighbours).fit(train).predict(grid, tz)


def episodes(absent: np.ndarray, start: float, step: float, min_len_s: float
             ) -> np.ndarray:
    """Absence episodes ``[m, 2]`` (start, end epoch s) of a regular 0/1 timeline: maximal runs
    of ``absent`` (NaN counts as not absent) at least ``min_len_s`` long."""
    a = np.asarray(absent, dtype=np.float64) == 1
    s, e = runs(a)
    keep = (e - s) * step >= min_len_s
    return np.stack([start + s[keep] * step, start + e[keep] * step], axis=1).astype(np.float64)


def match_episodes(true_ep: np.ndarray, pred_ep: np.ndarray, *, min_iou: float = 0.5
                   ) -> np.ndarray:
    """Which true episodes are matched one-to-one by a predicted one with intersection over
    union ``≥ min_iou``. Greedy by decreasing IoU; with ``min_iou > 0.5`` each episode can
    overlap at most one partner that well, and at 0.5 ties are broken by order.

    Returns bool ``[len(true_ep)]``.
    """
    matched = np.zeros(len(true_ep), bool)
    if len(true_ep) == 0 or len(pred_ep) == 0:
        return matched
    lo = np.maximum(true_ep[:, None, 0], pred_ep[None, :, 0])
    hi = np.minimum(true_ep[:, None, 1], pred_ep[None, :, 1])
    inter = np.clip(hi - lo, 0, None)
    union = ((true_ep[:, 1] - true_ep[:, 0])[:, None] + (pred_ep[:, 1] - pred_ep[:, 0])[None, :]
             - inter)
    iou = inter / union
    used = np.zeros(len(pred_ep), bool)
    for flat in np.argsort(-iou, axis=None, kind="stable"):
        i, j = divmod(int(flat), len(pred_ep))
        if iou[i, j] < min_iou:
            break
        if not matched[i] and not used[j]:
            matched[i] = used[j] = True
    return matched


def local_day_bounds(grid: Grid, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local days, first interval, end interval) of each local calendar day of ``grid``: the
    intervals ``lo[d]:hi[d]`` start on ``days[d]`` (an interval belongs to the day its start
    falls on)."""
    days = grid_days(grid, tz)
    period = float(grid.period)
    lo, hi = (np.clip(np.ceil((day_start_utc(d, tz) - grid.start) / period), 0, len(grid))
              .astype(np.int64) for d in (days, days + 1))
    return days, lo, hi


def local_day_confusion(y: np.ndarray, pred: np.ndarray, grid: Grid, tz: str) -> np.ndarray:
    """TP, FP, FN, TN (Matthews 1975) of "occupied" (``>= 0.5``) per **local calendar day** of
    ``grid`` (an interval belongs to the day its start falls on; a DST day has 23 or 25 hours
    of intervals), float64 ``[days, 4]``; pairs with a NaN are ignored. These are the day
    blocks of the bootstrap (Künsch 1989): runs of 86400 / period intervals from the grid's
    start would cut days wherever the grid does not start at local midnight."""
    days, lo, hi = local_day_bounds(grid, tz)
    ok = np.isfinite(y) & np.isfinite(pred)
    yt, yp = ok & (y >= 0.5), ok & (pred >= 0.5)
    out = np.empty((len(days), 4))
    for j, m in enumerate((yt & yp, yp & ~yt, yt & ~yp, ok & ~yt & ~yp)):
        c = np.concatenate([[0], np.cumsum(m, dtype=np.int64)])
        out[:, j] = c[hi] - c[lo]
    return out


def _episode_day_stats(true_ep, pred_ep, days, tz):
    """Per local day (of the episode start): 2·matched, n_true + n_pred."""
    m = match_episodes(true_ep, pred_ep)
    num = np.zeros(len(days))
    den = np.zeros(len(days))
    for ep, w_num in ((true_ep, 2.0 * m), (pred_ep, None)):
        if len(ep) == 0:
            continue
        d, _ = local_clock(ep[:, 0].astype(np.int64), tz)
        k = np.clip(np.searchsorted(days, d), 0, len(days) - 1)
        np.add.at(den, k, 1.0)
        if w_num is not None:
            np.add.at(num, k, w_num)
    return num, den


def occupancy_design(grid: Grid, truth: GroundTruth, train) -> tuple[list, Grid, str]:
    """Evaluation design of the occupancy inference: with ``train`` (``(grid, truth)`` of
    *other* households at the same period) the whole household is attacked; without it the
    first half of its local days trains and only the second half is attacked and scored.
    Returns ``(training pairs, attacked grid, split name)``."""
    if train is None:
        tr_grid, test = temporal_split(grid, truth.timezone)
        return ([(tr_grid, truth)] if len(tr_grid) else []), test, "temporal_half"
    return list(train), grid, "households"


def score_occupancy(household_or_grid, truth: GroundTruth, period: float, *,
                    method: str = "unsupervised", seed: int = 0,
                    train: list[tuple[Grid, GroundTruth]] | None = None,
                    rule: str = "majority", min_episode_s: float = 3600.0,
                    features=None) -> list[dict]:
    """Attack one household with the occupancy attack ``method`` at ``period`` s and score it
    (:func:`occupancy_rows`), by the design of :func:`occupancy_design`.

    ``features``: for the ``supervised`` attack, ``(the household at the feature period,
    the training pairs at the feature period or None)`` to read instead of block means of
    the attacked grid (see :func:`nilm.privacy.base.evaluate`; a study passes the household
    resampled at 60 s, so that the 1-s, 2-s and 1-min rungs share one fit).
    """
    from .base import evaluate

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    return evaluate(ATTACKS[method](seed=seed), as_grid(household_or_grid, period), truth,
                    design=occupancy_design, score=occupancy_rows, seed=seed, train=train,
                    features=features, rule=rule, min_episode_s=min_episode_s)


def occupancy_rows(pred: np.ndarray, test: Grid, truth: GroundTruth, *, seed: int, method: str,
                   split: str, train=None, rule: str = "majority",
                   min_episode_s: float = 3600.0, intervals: bool = False) -> list[dict]:
    """Score an occupancy verdict ``pred`` (1 occupied / 0 absent / NaN per interval of the
    attacked grid ``test``) against ``truth``; it never trains (``train`` is unused: the
    priors below need no population).

    Rows (see :mod:`nilm.privacy.scores`):

    * ``mcc`` (occupied vs absent), prior 0 — every constant or input-independent predictor has
      an expected MCC of 0 (an attack that predicts a constant is scored 0 with no CI, "no
      decision"; when the truth itself has one class the MCC is undefined: NaN);
    * ``f1_absent`` — F1 of the class "absent", prior = the always-"absent" predictor
      ``2π/(1+π)`` (π = share of absent intervals);
    * ``episode_f1`` — absence episodes of at least ``min_episode_s`` (true ones from the native
      timeline, clipped to the attacked span), matched one-to-one with IoU ≥ 0.5; prior = the
      always-absent predictor (one episode spanning everything), scored with the same code.

    CIs: day-block bootstrap (seeded by ``seed``). ``n`` = labelled intervals (episodes for
    episode F1: true + predicted).

    ``intervals``: attach to the ``mcc`` row, as its ``predictions``, each local day's truth and
    verdict per interval (:func:`nilm.privacy.scores.interval_prediction`), from which the
    MCC re-scores exactly (the study option ``predictions = "interval"``).
    """
    tz = truth.timezone
    period = float(test.period)
    y = presence_on_grid(truth, test.start, period, len(test), rule=rule)
    ok = np.isfinite(y) & np.isfinite(pred)
    n = int(ok.sum())
    if n == 0:
        return [row("occupancy", "absence", m, np.nan, n=0, prior=np.nan, skill=np.nan,
                    method=method, split=split) for m in ("mcc", "f1_absent", "episode_f1")]
    rows = []
    # one confusion table per day serves both rows: with 0/1 labels "absent" (1 − x ≥ 0.5) is
    # exactly "not occupied" (x ≥ 0.5), so its TP, FP, FN, TN are occupancy's TN, FN, FP, TP
    # (a prediction of exactly 0.5 would be both; the truth labels are 0/1)
    sums = local_day_confusion(y, pred, test, tz)
    if np.any(pred == 0.5):
        sums_absent = local_day_confusion(1.0 - y, 1.0 - pred, test, tz)
    else:
        sums_absent = sums[:, [3, 2, 1, 0]]
    mcc, lo, hi = metrics.bootstrap_block_sums(metrics.mcc, sums, seed=seed)
    # 0/0: a constant attack made no decision (0, no CI); a truth of one class (a household
    # never absent) leaves the MCC undefined whatever the attack said (NaN, left out)
    truth_one_class = min(sums[:, [0, 2]].sum(), sums[:, [1, 3]].sum()) == 0
    if not np.isfinite(mcc):
        mcc = np.nan if truth_one_class else 0.0
    rows.append(row("occupancy", "absence", "mcc", mcc, (lo, hi), n=n, prior=0.0,
                    skill=skill_score(mcc, 0.0), method=method, split=split))
    if intervals:
        days, d0, d1 = local_day_bounds(test, tz)
        rows[-1]["predictions"] = [interval_prediction(d, y[a:b], pred[a:b])
                                   for d, a, b in zip(days, d0, d1, strict=True) if b > a]
    f1, lo, hi = metrics.bootstrap_block_sums(metrics.f1, sums_absent, seed=seed)
    n_absent = float(sums[:, 1].sum() + sums[:, 3].sum())  # truly absent (FP + TN)
    if not np.isfinite(f1) and n_absent > 0:
        f1 = 0.0
    prior = always_positive_f1(n_absent / n)
    rows.append(row("occupancy", "absence", "f1_absent", f1, (lo, hi), n=n, prior=prior,
                    skill=skill_score(f1, prior), method=method, split=split))
    # episodes: the truth at its native step, clipped to the attacked (valid) span
    t0, t1 = float(test.start), float(test.start + len(test) * period)
    tt = truth.t
    inside = (tt >= t0) & (tt + truth.step <= t1)
    # known absence only: real truth has unknown (NaN) steps, which are no absence episode
    true_ep = episodes(np.where(inside, truth.presence == 0, False), truth.start, truth.step,
                       min_episode_s)
    pred_ep = episodes(np.where(ok, 1.0 - pred, 0.0), test.start, period, min_episode_s)
    all_ep = episodes(np.where(ok, 1.0, 0.0), test.start, period, min_episode_s)
    days = unique_days(grid_clock(test, tz)[0])
    num, den = _episode_day_stats(true_ep, pred_ep, days, tz)
    ef1, lo, hi = ratio_ci(num, den, seed=seed)
    if not np.isfinite(ef1) and len(true_ep):
        ef1 = 0.0
    pnum, pden = _episode_day_stats(true_ep, all_ep, days, tz)
    prior = float(pnum.sum() / pden.sum()) if pden.sum() > 0 else np.nan
    rows.append(row("occupancy", "absence", "episode_f1", ef1, (lo, hi),
                    n=len(true_ep) + len(pred_ep), prior=prior, skill=skill_score(ef1, prior),
                    method=method, split=split))
    return rows


#: method name -> attack class
ATTACKS = {c.method: c for c in (UnsupervisedOccupancy, SupervisedOccupancy, TunedOccupancy,
                                  KleimingerOccupancy, HmmOccupancy)}
#: the attacks this module implements
METHODS = tuple(ATTACKS)

__all__ = ["ATTACKS", "DAY_FRACTION", "KLEIMINGER_CLASSIFIERS", "METHODS", "TUNING_GRID",
           "HmmOccupancy",
           "KleimingerOccupancy", "gaussian_hmm_path", "occupancy_hmm", "occupied_from_active",
           "SupervisedOccupancy", "TunedOccupancy",
           "UnsupervisedOccupancy", "day_rule_occupancy", "episodes", "interval_features",
           "window_features",
           "window_labels",
           "local_day_confusion", "match_episodes", "night_quantile", "occupancy_design",
           "occupancy_features",
           "occupancy_rows", "occupancy_supervised", "occupancy_tuned",
           "occupancy_unsupervised", "score_occupancy"]
