"""Appliances used: event, day-use and ownership detection from the aggregate at any period.

Ground truth, at native resolution (:func:`true_activity`): a *use* of appliance ``name`` is a
run of its sub-meter above the on-power of :data:`nilm.names.ON_THRESHOLDS` lasting at least the
minimum on-duration there (seq2point's thresholds, Zhang et al. 2018; durations of Kelly &
Knottenbelt 2015); its *event* time is the run start, and a local day is *used* when a use starts
on it. *Ownership*: ``truth.ownership[name]`` when recorded, else "used on some day".

Attacks produce per-interval activity at the attacked period, with the period-invariant energy
rule of DESIGN.md (active when the interval's energy is at least on-power × min on-duration,
:func:`nilm.metrics.on_threshold`):

* a disaggregator of :data:`nilm.disaggregate.MODELS` (``method`` = its name: ``"co"``,
  ``"hart85"``, ``"fhmm"``, ``"seq2point"``, ``"mean"``…) fitted on training sub-meters, its
  predicted power thresholded;
* ``"direct"``: per appliance, seeded HistGradientBoostingClassifiers on the window features of
  the aggregate (:func:`nilm.privacy.occupancy.interval_features`) — a detector that never
  estimates power, only "was it used in this interval" — with its decision threshold tuned
  out of fold on the training households (:func:`cross_fit`): the appliances are active in a
  few percent of 10-min intervals, and the classifier's own 0.5 rule then calls almost none
  active (Lipton et al. 2014). The **day** is decided apart, on the day's largest interval
  probability with a threshold tuned for the day-use MCC on held-out training days
  (:func:`mcc_threshold`): an interval threshold tuned for interval F1 says "used" on nearly
  every day of 144 or 1440 intervals.

Predicted events are the onsets of active runs, timed at the interval midpoint; a true event
matches a predicted one (one-to-one, :func:`nilm.metrics.match_events`) within
``period / 2 + tolerance_s``, i.e. when it falls in the predicted interval or within
``tolerance_s`` of it. Day use = some active interval starts that day; ownership = some day
used.

References
----------
Zhang, C., Zhong, M., Wang, Z., Goddard, N. & Sutton, C. (2018). Sequence-to-point learning with
neural networks for non-intrusive load monitoring. AAAI.
Kelly, J. & Knottenbelt, W. (2015). Neural NILM: deep neural networks applied to energy
disaggregation. BuildSys.
Hart, G. W. (1992). Nonintrusive appliance load monitoring. Proceedings of the IEEE 80(12).
Lipton, Z. C., Elkan, C. & Narayanaswamy, B. (2014). Optimal thresholding of classifiers to
maximize F1 measure. ECML PKDD, 225–239.
Matthews, B. W. (1975). Comparison of the predicted and observed secondary structure of T4 phage
lysozyme. Biochimica et Biophysica Acta 405(2), 442–451.
"""

from __future__ import annotations

import numpy as np

from .. import metrics
from ..clock import day_start_utc, grid_clock, grid_days, local_clock
from ..names import base_name
from ..series import Grid, Household, PowerSeries
from ..signal import spread
from ..truth import GroundTruth
from .base import Attack, timezone
from .boosting import BoostedTrees, subsample
from .occupancy import interval_features
from .scores import (
    always_positive_f1,
    as_grid,
    prediction,
    ratio_ci,
    row,
    skill_score,
    temporal_split,
)
from .scores import feature_view as _feature_view

#: attacks besides the disaggregators of nilm.disaggregate.MODELS
DIRECT = "direct"


def true_activity(series: PowerSeries, name: str | None = None) -> np.ndarray:
    """Start times (epoch s, float64, sorted) of the uses of an appliance, at native resolution.

    A use is a maximal run of consecutive samples at or above the on-power, not broken by a NaN
    or by a gap longer than the hold limit (:meth:`PowerSeries.max_hold`), that lasts (last sample +
    its hold − first sample) at least the minimum on-duration.
    """
    on_power, min_on = metrics.ON_THRESHOLDS.get(base_name(name or series.name),
                                                 metrics.DEFAULT_ON_THRESHOLD)
    t = series.t
    n = len(t)
    if n == 0:
        return np.zeros(0)
    gap = series.max_hold()
    on = np.isfinite(series.p) & (series.p >= on_power)
    # brk_after[i]: the hold of sample i ends before sample i + 1 (a gap, or the last sample)
    step = np.diff(t)
    brk_after = np.ones(n, bool)
    brk_after[:-1] = step > gap
    first = on.copy()
    first[1:] &= brk_after[:-1] | ~on[:-1]
    last = on.copy()
    last[:-1] &= brk_after[:-1] | ~on[1:]
    s0, s1 = np.flatnonzero(first), np.flatnonzero(last)
    if s0.size == 0:
        return np.zeros(0)
    # inside a run every step is at most the hold limit, so its samples are held exactly until
    # the next one: the run lasts from its first sample to the end of its last sample's hold
    # (PowerSeries.holds), integer seconds summed exactly as a per-sample sum would
    tail = float(series.period) if np.isfinite(series.period) else 0.0
    hold_last = np.where(s1 < n - 1, step[np.minimum(s1, n - 2)] if n > 1 else 0, tail)
    dur = (t[s1] - t[s0]).astype(np.float64) + np.minimum(hold_last, gap)
    return t[s0].astype(np.float64)[dur >= min_on]


def grid_events(active: np.ndarray, grid: Grid) -> np.ndarray:
    """Midpoints (epoch s) of the onsets of active runs on a grid (none right after a gap)."""
    ok = np.isfinite(grid.mains)
    ix = metrics.onsets(active & ok, ok)
    first = np.flatnonzero(ok[:1] & active[:1])  # a run already on at the first interval
    ix = np.concatenate([first, ix])
    return grid.t[ix].astype(np.float64) + grid.period / 2


def _day_index(times: np.ndarray, days: np.ndarray, tz: str) -> np.ndarray:
    d, _ = local_clock(np.asarray(times, dtype=np.int64), tz)
    k = np.searchsorted(days, d)
    return np.where((k < len(days)) & (days[np.minimum(k, len(days) - 1)] == d), k, -1)


def _event_day_stats(t_true, t_pred, days, tz, tol):
    """Per local day: (2·matched, true + predicted events)."""
    t_true = np.sort(t_true)
    t_pred = np.sort(t_pred)
    m = metrics.match_events(t_true, t_pred, float(tol))
    kt = _day_index(t_true, days, tz)
    kp = _day_index(t_pred, days, tz)
    # counts per day by bincount (exact integers, as the former np.add.at, which is slow on
    # the millions of predicted events of the every-interval prior at 1 s)
    nd = len(days)
    num = 2.0 * np.bincount(kt[(kt >= 0) & m], minlength=nd)
    den = (np.bincount(kt[kt >= 0], minlength=nd)
           + np.bincount(kp[kp >= 0], minlength=nd)).astype(np.float64)
    return num, den


def appliances_design(grid: Grid, truth: GroundTruth, train) -> tuple[list, Grid, str]:
    """Evaluation design of the appliance inference: with ``train`` (``(grid, truth)`` of other
    households at the same period, with sub-meters) the whole household is attacked; without
    it the first half of its local days trains and the second half is attacked and scored."""
    if train is None:
        tr, test = temporal_split(grid, truth.timezone)
        return ([(tr, truth)] if len(tr) else []), test, "temporal_half"
    return list(train), grid, "households"


def detector_trees(seed: int, max_rows: int) -> BoostedTrees:
    """The classifier of one appliance of the direct detector, unfitted."""
    # 15 leaves and early stopping on every set large enough to hold out a stratified tenth:
    # as skilful as scikit-learn's defaults on the simulated population (docs/inferences.md)
    # at a third less cost, which a study pays for 14 appliances at every rung
    return BoostedTrees(max_iter=100, max_leaf_nodes=15, early_stopping="balanced",
                        max_rows=max_rows, seed=seed)


def f1_threshold(score: np.ndarray, label: np.ndarray) -> float:
    """The decision threshold τ that maximises the F1 of "``score >= τ``" against ``label``.

    Every cut between two distinct scores is tried (Lipton, Elkan & Narayanaswamy 2014: the
    F1-optimal decision thresholds a score, at a level that depends on the base rate, so no
    fixed 0.5 is right for a rare class). Ties in F1 go to the highest threshold; τ is the
    midpoint between the lowest score kept and the next lower one, or 0 when every score is
    kept. Without a positive label, F1 is undefined everywhere and τ is 0.5, the classifier's
    own rule.

    Parameters
    ----------
    score : ``[n]`` scores (probabilities in [0, 1]); NaN entries are ignored.
    label : ``[n]`` bool (or 0/1) truth.

    Returns
    -------
    float, the threshold (same unit as ``score``).
    """
    score = np.asarray(score, dtype=np.float64)
    label = np.asarray(label, dtype=bool)
    ok = np.isfinite(score)
    score, label = score[ok], label[ok]
    n_pos = int(label.sum())
    if n_pos == 0:
        return 0.5
    order = np.argsort(-score, kind="stable")
    s = score[order]
    tp = np.cumsum(label[order], dtype=np.int64)
    # a cut can only fall after the last of a run of equal scores
    last = np.flatnonzero(np.append(s[1:] != s[:-1], True))
    f1 = 2.0 * tp[last] / (last + 1 + n_pos)
    k = last[int(np.argmax(f1))]
    return 0.0 if k == len(s) - 1 else float((s[k] + s[k + 1]) / 2)


def mcc_threshold(score: np.ndarray, label: np.ndarray) -> float:
    """The decision threshold τ that maximises the Matthews correlation (Matthews 1975) of
    "``score >= τ``" against ``label``: the day-level decision of the direct detector, whose
    headline metric is the day-use MCC.

    Every cut between two distinct scores is tried, plus "every score kept" and "none kept"
    (both MCC 0, undefined as a ratio: a constant decision carries nothing). Ties go to the
    highest threshold; τ is the midpoint between the lowest score kept and the next lower one
    (0 when every score is kept, ``+inf`` when none is). With one class in ``label`` the MCC is
    undefined everywhere and τ is NaN (the caller keeps its interval rule).

    Parameters
    ----------
    score : ``[n]`` scores (e.g. a day's largest interval probability); NaN ignored.
    label : ``[n]`` bool truth.
    """
    score = np.asarray(score, dtype=np.float64)
    label = np.asarray(label, dtype=bool)
    ok = np.isfinite(score)
    score, label = score[ok], label[ok]
    n, n_pos = len(label), int(label.sum())
    if n_pos in (0, n):
        return float("nan")
    order = np.argsort(-score, kind="stable")
    s = score[order]
    tp = np.cumsum(label[order], dtype=np.float64)
    last = np.flatnonzero(np.append(s[1:] != s[:-1], True))
    kept = last + 1.0
    tp = tp[last]
    fp, fn = kept - tp, n_pos - tp
    tn = n - kept - fn
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    with np.errstate(invalid="ignore", divide="ignore"):
        mcc = np.where(den > 0, (tp * tn - fp * fn) / np.where(den > 0, den, 1.0), 0.0)
    best = int(np.argmax(mcc))
    if mcc[best] <= 0:
        return float("inf")  # no cut beats a constant: decide "not used" on every day
    k = last[best]
    return 0.0 if k == len(s) - 1 else float((s[k] + s[k + 1]) / 2)


def day_max(p: np.ndarray, day_id: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique day ids, the largest ``p`` of each): the daily feature of the day decision."""
    days, inv = np.unique(day_id, return_inverse=True)
    out = np.full(len(days), -np.inf)
    np.maximum.at(out, inv, p)
    return days, out


def cross_fit(x: np.ndarray, y: np.ndarray, grid_id: np.ndarray, *, seed: int,
              max_rows: int = 50_000, day_id: np.ndarray | None = None
              ) -> tuple[BoostedTrees, float, float]:
    """The direct detector for one appliance: a fitted classifier and a decision threshold
    tuned on held-out training rows.

    The model (:class:`nilm.privacy.boosting.BoostedTrees`, 15 leaves, early stopping when the
    rarer class has 10 rows) is fitted on all training rows (at most ``max_rows``). Its
    threshold maximises F1 (:func:`f1_threshold`) on probabilities of rows that the scoring
    model did not learn, as scikit-learn's ``TunedThresholdClassifierCV`` does with a
    train/validation split: the training households are assigned alternately to a fitting and
    a held-out part (one household: the first and the second half of its rows, in time order),
    and a model fitted on the first scores the second. A model scores its own training rows
    with overconfident probabilities, and a threshold tuned there keeps the 0.5 rule's
    under-detection.

    Cost: the held-out model fits and scores at most ``max_rows / 4`` rows each (hundreds of
    active intervals at household appliances' rates: enough to place a threshold), which on a
    long 1-min grid adds about a fifth to the detector's cost (two such models, scoring both
    parts, added nearly half). The budget stays above the 10 000 rows from which scikit-learn
    stops boosting early, as it then does for the full model (a smaller model runs all its
    iterations and costs more). Without two non-empty parts, or when the held-out model scores
    every row alike, the threshold is 0.5.

    **Day decision** (issue 11, item 4): over a day's 144 (10-min) or 1440 (1-min) intervals,
    "some interval above the interval threshold" says "used" on nearly every day, and the
    day-use MCC then has no decision to score. So the day is decided on its own daily feature,
    the largest interval probability of the day, with a threshold that maximises the day-use
    MCC (:func:`mcc_threshold`) on the held-out training days (``day_id``: each row's
    household-day; the held-out rows are drawn as whole days so that a day's largest
    probability is that of all its intervals). NaN when the held-out days hold one class (the
    interval rule then decides the day).

    Parameters
    ----------
    x : float64 ``[m, f]`` features of the valid training intervals.
    y : ``[m]`` bool activity labels.
    grid_id : ``[m]`` int, the training grid (household) of each row.
    seed : seeds the row draws and the classifiers.
    max_rows : row budget of the final fit (a quarter of it for the held-out fit and scoring).
    day_id : ``[m]`` int, the household-day of each row (default: one day per grid).

    Returns
    -------
    (fitted model, interval threshold and day threshold on its
    :meth:`~nilm.privacy.boosting.BoostedTrees.predict_proba`).
    """
    model = detector_trees(seed, max_rows).fit(x, y)
    grids = np.unique(grid_id)
    if len(grids) >= 2:
        held_out = np.searchsorted(grids, grid_id) % 2 == 1
    else:
        held_out = np.arange(len(y)) >= len(y) // 2
    if held_out.all() or not held_out.any():
        return model, 0.5, float("nan")
    budget = max(1, max_rows // 4)
    day_id = grid_id if day_id is None else day_id
    held = np.flatnonzero(held_out)
    # whole held-out days, drawn until the budget is reached
    days, inv = np.unique(day_id[held], return_inverse=True)
    size = np.bincount(inv)
    pick = np.random.default_rng(seed).permutation(len(days))
    take = pick[:max(1, int(np.searchsorted(np.cumsum(size[pick]), budget, side="right")))]
    held = held[np.isin(inv, take)]
    # a single day over the budget (not at household rates: a 1-min day is 1440 rows)
    held = held[subsample(len(held), budget, seed)]
    p_held = detector_trees(seed, budget).fit(x[~held_out], y[~held_out]).predict_proba(x[held])
    if p_held.min() == p_held.max():
        # a model without information (one class in its part) would set "every interval"
        # whenever the held-out part holds a use: that says nothing of the full model
        return model, 0.5, float("nan")
    _, score_day = day_max(p_held, day_id[held])
    _, used_day = day_max(y[held].astype(np.float64), day_id[held])
    return model, f1_threshold(p_held, y[held]), mcc_threshold(score_day, used_day > 0)


class DirectDetector(Attack):
    """The ``direct`` appliance attack: per appliance, a gradient-boosting classifier on the
    window features of the aggregate (:func:`nilm.privacy.occupancy.interval_features`) — a
    detector that never estimates power, only "was it used in this interval" — with its
    decision threshold tuned out of fold on the training households (:func:`cross_fit`).

    Labels: the training grids' sub-meter activity (interval energy at least on-power × min
    on-duration, :func:`nilm.metrics.on_threshold`). An appliance absent from every training
    grid, or never active there, is never detected (the attack says "not used"). It learns and
    predicts at :data:`nilm.signal.FEATURE_PERIOD_S` and coarser: a finer grid is read
    through its block means, or through the ``features`` grid a caller passes to
    :meth:`predict`, and each interval gets its feature interval's verdict.

    Parameters
    ----------
    names : appliances to detect (default: every sub-meter of the training grids).
    max_rows : row budget of each classifier (:func:`cross_fit`).
    seed : seeds the row draws and the classifiers.
    """

    inference = "appliances"
    method = DIRECT
    needs_train = True
    #: learns on block means at the feature period (so a study passes it that grid)
    reads_features = True

    def __init__(self, names=None, max_rows: int = 50_000, seed: int = 0):
        self.names = names
        self.max_rows = max_rows
        self.seed = seed

    @staticmethod
    def feature_view(grid: Grid) -> Grid:
        """Block means at the feature period, sub-meters included (the training labels)."""
        return _feature_view(grid, mains_only=False)

    def fit(self, train) -> DirectDetector:
        """Learn from ``(grid, truth)`` pairs with sub-meters; returns self."""
        grids = [self.feature_view(g) for g, _ in train]
        tzs = [t.timezone for _, t in train]
        names = self.names
        if names is None:
            names = sorted({n for g in grids for n in g.names})
        feats = [interval_features(g, tz) for g, tz in zip(grids, tzs, strict=True)]
        # household-day of every interval (grid j's local day d -> j * 2**32 + d)
        hday = [(j << 32) + grid_clock(g, tz)[0] for j, (g, tz) in enumerate(zip(
            grids, tzs, strict=True))]
        self.models_ = {}
        for name in names:
            xs, ys, gs, ds = [], [], [], []
            for j, (g, f) in enumerate(zip(grids, feats, strict=True)):
                if name in g.names:
                    y = g.appliance(name).astype(np.float64)
                    ok = np.isfinite(y) & np.isfinite(g.mains)
                    xs.append(f[ok])
                    ys.append(y[ok] >= metrics.on_threshold(name, float(g.period)))
                    gs.append(np.full(int(ok.sum()), j))
                    ds.append(hday[j][ok])
            if sum(len(y) for y in ys) == 0:
                self.models_[name] = None
                continue
            self.models_[name] = cross_fit(np.concatenate(xs), np.concatenate(ys),
                                           np.concatenate(gs), seed=self.seed,
                                           max_rows=self.max_rows, day_id=np.concatenate(ds))
        return self

    def for_names(self, names) -> DirectDetector:
        """This fitted detector narrowed to ``names`` (an appliance it has no model of: never
        detected). Each appliance's model is fitted alone (:func:`cross_fit`, seeded by
        ``seed`` only), so the result equals a detector fitted with these ``names`` on the
        same training data; a study fits once for a block of houses (nilm.study.score)."""
        self._check_fitted()
        out = DirectDetector(names=list(names), max_rows=self.max_rows, seed=self.seed)
        out.models_ = {n: self.models_.get(n) for n in names}
        return out

    def predict(self, grid: Grid, tz: str | None = None, *, features: Grid | None = None
                ) -> dict[str, np.ndarray]:
        """Per-interval activity (bool ``[n]``) of each appliance on ``grid``.

        ``features``: the household at the feature period covering ``grid`` (default: block
        means of ``grid``)."""
        fgrid = self.feature_view(grid) if features is None else features
        return self.on_grid(self.predict_features(fgrid, timezone(grid, tz)), fgrid, grid)

    def predict_features(self, fgrid: Grid, tz: str | None = None) -> dict[str, np.ndarray]:
        """The activity per interval of the feature grid ``fgrid`` itself (what
        :meth:`predict` spreads onto a finer grid; a study computes it once for the rungs
        that share it)."""
        self._check_fitted()
        tz = timezone(fgrid, tz)
        x = interval_features(fgrid, tz)
        day = grid_clock(fgrid, tz)[0]
        out = {}
        for name, fitted in self.models_.items():
            if fitted is None:
                out[name] = np.zeros(len(fgrid), bool)
                continue
            model, tau, tau_day = fitted
            p = model.predict_proba(x)
            active = p >= tau
            if not np.isnan(tau_day):
                # the day decision (cross_fit): a day judged unused has no active interval; a
                # day judged used keeps its active intervals, or its most likely one
                days, top = day_max(np.where(np.isfinite(p), p, -np.inf), day)
                used = top >= tau_day
                k = np.searchsorted(days, day)
                active &= used[k]
                best = used[k] & (p == top[k]) & ~np.bincount(
                    k, weights=active, minlength=len(days)).astype(bool)[k]
                active |= best
            out[name] = active
        return out

    @staticmethod
    def on_grid(verdict: dict[str, np.ndarray], fgrid: Grid, grid: Grid
                ) -> dict[str, np.ndarray]:
        """A feature-grid verdict read at each interval of ``grid`` (its feature interval's);
        where the mains of ``grid`` is unknown the attack says nothing (it is not scored
        there)."""
        ok = np.isfinite(grid.mains)
        return {n: spread(a, fgrid, grid, False).astype(bool) & ok for n, a in verdict.items()}


class Disaggregation(Attack):
    """An appliance attack by a disaggregator of :data:`nilm.disaggregate.MODELS` (the class
    attribute ``method`` names it): fitted on the training sub-meters, its predicted power
    thresholded with the period-invariant energy rule (:func:`nilm.metrics.on_threshold`).

    A training grid that lacks one of ``names`` or holds fewer than 2 fully valid intervals
    (e.g. one day at a 1-day period) cannot be fitted; without any, the attack says "not
    used" for every appliance. Several training households are concatenated (the estimators
    take one grid).

    Parameters
    ----------
    names : appliances to disaggregate (default: the sub-meters every training grid has).
    params : keyword arguments of the disaggregator (default: its own defaults).
    seed : seeds the disaggregator.
    """

    inference = "appliances"
    needs_train = True

    def __init__(self, names=None, params=None, seed: int = 0):
        self.names = names
        self.params = params
        self.seed = seed

    def fit(self, train) -> Disaggregation:
        """Fit the disaggregator on the ``(grid, truth)`` pairs' sub-meters; returns self."""
        from ..disaggregate import MODELS

        grids = [g for g, _ in train]
        names = self.names
        if names is None:
            names = sorted(set.intersection(*(set(g.names) for g in grids))) if grids else []
        self.names_ = list(names)
        fit_on = [g for g in grids if all(n in g.names for n in names)
                  and g.select(names).fully_valid().sum() >= 2]
        self.model_ = None
        if not fit_on or not names:
            return self
        g0 = fit_on[0].select(names)
        if len(fit_on) > 1:
            gs = [g.select(names) for g in fit_on]
            g0 = Grid(g0.start, g0.period, np.concatenate([g.mains for g in gs]),
                      np.concatenate([g.appliances for g in gs], axis=1), list(names))
        self.model_ = MODELS[self.method](**(self.params or {}), seed=self.seed).fit(g0)
        return self

    def predict(self, grid: Grid, tz: str | None = None) -> dict[str, np.ndarray]:
        """Per-interval activity (bool ``[n]``) of each appliance on ``grid``."""
        self._check_fitted()
        if self.model_ is None:
            return {n: np.zeros(len(grid), bool) for n in self.names_}
        pred = self.model_.predict(grid)
        out = {}
        for i, name in enumerate(self.model_.names_):
            y = pred[i].astype(np.float64)
            out[name] = np.isfinite(y) & (y >= metrics.on_threshold(name, float(grid.period)))
        return out


def _disaggregation_attacks() -> dict[str, type[Disaggregation]]:
    """One :class:`Disaggregation` subclass per :data:`nilm.disaggregate.MODELS` name."""
    from ..disaggregate import MODELS

    return {name: type(f"Disaggregation_{name}", (Disaggregation,),
                       {"method": name, "__module__": __name__,
                        "__doc__": f":class:`Disaggregation` by ``MODELS[{name!r}]``."})
            for name in MODELS}


#: method name -> attack class: the direct detector and every disaggregator
ATTACKS = {DIRECT: DirectDetector, **_disaggregation_attacks()}


#: disaggregator attacks model this many appliances (highest energy first): the joint state
#: space of FHMM and CO grows as K^N, and NILM papers use 3–6 target appliances
MAX_DISAGGREGATED = 6


def appliance_targets(grid: Grid, method: str) -> list[str]:
    """Appliances scored by the appliance inference: user-driven and autonomous loads (not
    "other", sockets or sub-panels, which are no appliance); for a disaggregator, the
    :data:`MAX_DISAGGREGATED` with the most energy in ``grid``."""
    from ..names import load_kind

    names = [n for n in grid.names if load_kind(n) in ("user", "auto")]
    if method == DIRECT:
        return names
    energy = {n: float(np.nansum(grid.appliance(n))) for n in names}
    return sorted(names, key=lambda n: -energy[n])[:MAX_DISAGGREGATED]


def attack_params(grid: Grid, method: str) -> dict:
    """The attack parameters a study sets from the attacked grid: ``names`` =
    :func:`appliance_targets`."""
    return {"names": appliance_targets(grid, method)}


def household_inputs(household: Household, truth: GroundTruth) -> dict:
    """What :func:`appliance_rows` reads that is the same at every period and for every
    method: the native household and the true uses of each of its user-driven and
    autonomous appliances (:func:`true_activity`; on a year of 1-s sub-meters, computing them
    once per household matters)."""
    from ..names import load_kind

    return {"native": household,
            "true_events": {n: true_activity(s, n) for n, s in household.appliances.items()
                            if load_kind(n) in ("user", "auto")}}


def grid_inputs(grid: Grid, truth: GroundTruth, train, *, native: Household,
                true_events: dict[str, np.ndarray], tolerance_s: float = 60.0) -> dict:
    """What :func:`appliance_rows` reads that is the same for every method on ``grid``: the
    :class:`Calendar` of its attacked part (:func:`appliances_design`) and the every-interval
    prior of each appliance of ``true_events`` (:func:`event_prior_stats`)."""
    _, test, _ = appliances_design(grid, truth, train)
    tz = truth.timezone
    cal = Calendar(test, np.isfinite(test.mains), tz)
    tol = float(test.period) / 2 + tolerance_s
    return {"calendar": cal,
            "event_priors": {n: event_prior_stats(scored_events(n, test, native, true_events),
                                                  test, cal, tz, tol)
                             for n in true_events if n in native.appliances}}


class Calendar:
    """The local days of a grid and, per day, the index range of its intervals.

    ``lo[d]:hi[d]`` are the intervals whose start falls on day ``days[d]`` (so a day's
    statistics are index arithmetic instead of a local-clock conversion of every interval), and
    ``mid_lo[d]:mid_hi[d]`` those whose midpoint, truncated to the second as
    :func:`_day_index` reads event times, falls on it.
    """

    def __init__(self, grid: Grid, ok: np.ndarray, tz: str):
        self.days = grid_days(grid, tz)
        start = day_start_utc(self.days, tz) - grid.start
        end = day_start_utc(self.days + 1, tz) - grid.start
        period = float(grid.period)
        # first interval at or after an instant: its index is a ceiling of an exact quotient
        # (integers below 2**53 divided by a whole period), so no rounding can move it
        self.lo, self.hi = (np.clip(np.ceil(x / period), 0, len(grid)).astype(np.int64)
                            for x in (start, end))
        self.mid_lo, self.mid_hi = (np.clip(np.ceil((x - period / 2) / period), 0, len(grid))
                                    .astype(np.int64) for x in (start, end))
        self._ok = np.concatenate([[0], np.cumsum(ok, dtype=np.int64)])
        self.known = self._ok[self.hi] > self._ok[self.lo]

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Per day, whether ``mask`` is True at one of the day's intervals."""
        c = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
        return c[self.hi] > c[self.lo]

    def ok_midpoints(self) -> np.ndarray:
        """Per day, the number of valid intervals whose midpoint falls on it."""
        return self._ok[self.mid_hi] - self._ok[self.mid_lo]


def score_appliances(household_or_grid, truth: GroundTruth, period: float, *,
                     method: str = DIRECT, seed: int = 0,
                     train: list[tuple[Grid, GroundTruth]] | None = None,
                     native: Household | None = None, names: list[str] | None = None,
                     tolerance_s: float = 60.0,
                     true_events: dict[str, np.ndarray] | None = None,
                     features=None) -> list[dict]:
    """Attack one household's appliances with ``method`` at ``period`` s and score it
    (:func:`appliance_rows`), by the design of :func:`appliances_design`.

    Parameters
    ----------
    household_or_grid : the household (also the native truth source) or its Grid at ``period``
        (with sub-meters: the training split reads them; the attack reads only ``mains``).
    truth : GroundTruth (ownership; time zone).
    period : attacked period, s.
    method : ``"direct"`` or a :data:`nilm.disaggregate.MODELS` name.
    seed : seeds the classifiers / disaggregators and the bootstrap.
    train : ``(grid, truth)`` of other households at ``period``; None = first half of the days.
    native, names, tolerance_s, true_events : see :func:`appliance_rows` (``names`` default:
        every sub-meter of the grid).
    features : for the direct detector, a pair (the household at the feature period, the
        training pairs at the feature period or None) to read instead of block means (see
        :func:`nilm.privacy.base.evaluate`).
    """
    from .base import evaluate

    if isinstance(household_or_grid, Household) and native is None:
        native = household_or_grid
    if method not in ATTACKS:
        raise ValueError(f"method must be 'direct' or one of {sorted(ATTACKS)}, not "
                         f"{method!r}")
    grid = as_grid(household_or_grid, period)
    names = list(grid.names if names is None else names)
    return evaluate(ATTACKS[method](names=names, seed=seed), grid, truth,
                    design=appliances_design, score=appliance_rows, seed=seed, train=train,
                    features=features, native=native, names=names, tolerance_s=tolerance_s,
                    true_events=true_events)


def scored_events(name: str, test: Grid, native: Household | None,
                  true_events: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The true uses of ``name`` that the appliance scores count on the attacked grid
    ``test``: event times (epoch s) from the native sub-meter (``true_events[name]`` when
    given, else :func:`true_activity`), or from the grid's own sub-meter without ``native``,
    inside the span of ``test`` and where its mains is known."""
    period = float(test.period)
    ok = np.isfinite(test.mains)
    if native is not None:
        if true_events is not None and name in true_events:
            ev = true_events[name]
        else:
            ev = true_activity(native.appliances[name], name)
    else:
        y = test.appliance(name).astype(np.float64)
        ev = grid_events(np.isfinite(y) & (y >= metrics.on_threshold(name, period)), test)
    t0, t1 = float(test.start), float(test.start + len(test) * period)
    ev = ev[(ev >= t0) & (ev < t1)]
    iv = ((ev - test.start) // period).astype(np.int64)
    return ev[ok[np.clip(iv, 0, len(test) - 1)]]


def event_prior_stats(ev: np.ndarray, test: Grid, cal: Calendar, tz: str, tol: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per-day (2·matched, true + predicted events) of the every-interval prior: an event at
    every valid interval's midpoint of ``test`` matched against the true events ``ev`` within
    ``tol`` s (:func:`_event_day_stats`, the days counted from the calendar rather than
    converted one by one)."""
    period = float(test.period)
    ok = np.isfinite(test.mains)
    days = cal.days
    ev = np.sort(ev)
    every = test.t[ok].astype(np.float64) + period / 2
    m = metrics.match_events(ev, every, float(tol))
    kt = _day_index(ev, days, tz)
    num = 2.0 * np.bincount(kt[(kt >= 0) & m], minlength=len(days))
    den = (np.bincount(kt[kt >= 0], minlength=len(days)) + cal.ok_midpoints()).astype(np.float64)
    return num, den


def appliance_rows(active: dict[str, np.ndarray], test: Grid, truth: GroundTruth, *,
                   seed: int, method: str, split: str, train=None,
                   names: list[str] | None = None, native: Household | None = None,
                   tolerance_s: float = 60.0, true_events: dict[str, np.ndarray] | None = None,
                   calendar: Calendar | None = None, event_priors: dict | None = None
                   ) -> list[dict]:
    """Score an appliance verdict (``{name: bool [n]}`` activity per interval of the attacked
    grid ``test``) against the true uses; it never trains (``train`` is unused).

    Parameters
    ----------
    names : appliances to score (default: those of the verdict).
    native : the household at native resolution, source of the true uses; None: the grid's
        own sub-meters stand in, which makes the truth depend on the period — the rows then
        say ``split=…+truth_at_period``.
    tolerance_s : event matching tolerance beyond the interval, s.
    true_events : optional ``{name: true_activity(native.appliances[name], name)}`` computed
        once by the caller (a study scores the same native truth at every period and method;
        recomputing it on a year of 1-s sub-meters dominated the cost).
    calendar : the :class:`Calendar` of ``test`` (where its mains is finite), built once by a
        caller that scores several methods on the same grid.
    event_priors : ``{name: event_prior_stats(...)}`` of ``test``, likewise (the
        every-interval prior does not depend on the method).

    Returns
    -------
    Rows per appliance (``target`` = name): ``event_f1`` (prior: an event predicted in every
    interval, scored with the same matcher), ``day_use_f1`` (prior: "used every day",
    ``2π/(1+π)``), ``day_use_mcc`` (Matthews correlation of used / not-used days, prior 0, NaN
    when every scored day is used or none is; see :func:`_day_use_mcc_row`) and
    ``ownership_correct`` (n = 1, no CI; its ``predictions``,
    :func:`nilm.privacy.scores.prediction`: the household's presence verdict, prior the
    training households' majority ownership). CIs: day-block bootstrap. ``train``: read only
    for that prior.
    """
    tz = truth.timezone
    period = float(test.period)
    names = list(active) if names is None else names
    if native is None:
        split += "+truth_at_period"
    ok = np.isfinite(test.mains)
    # the days, and those with attacked data, are the same for every method and appliance
    cal = Calendar(test, ok, tz) if calendar is None else calendar
    days, known_day = cal.days, cal.known
    tol = period / 2 + tolerance_s
    rows = []
    for name in names:
        if native is not None and name not in native.appliances:
            continue
        ev = scored_events(name, test, native, true_events)
        pe = grid_events(active[name], test)
        num, den = _event_day_stats(ev, pe, days, tz, tol)
        f1, lo, hi = ratio_ci(num, den, seed=seed)
        if event_priors is not None and name in event_priors:
            pnum, pden = event_priors[name]
        else:
            pnum, pden = event_prior_stats(ev, test, cal, tz, tol)
        prior = float(pnum.sum() / pden.sum()) if pden.sum() > 0 else np.nan
        rows.append(row("appliances", name, "event_f1", f1, (lo, hi), n=len(ev) + len(pe),
                        prior=prior, skill=skill_score(f1, prior), method=method, split=split))
        used_t = np.zeros(len(days), bool)
        kt = _day_index(ev, days, tz)
        used_t[kt[kt >= 0]] = True
        used_p = cal.any(active[name] & ok)
        yt, yp = used_t[known_day].astype(float), used_p[known_day].astype(float)
        if yt.size:
            f1d, lo, hi = metrics.bootstrap_ci(metrics.f1, yt, yp, 86400, threshold=0.5,
                                               seed=seed)
            if not np.isfinite(f1d) and yp.sum() > 0:
                f1d = 0.0
            prior = always_positive_f1(float(yt.mean()))
            rows.append(row("appliances", name, "day_use_f1", f1d, (lo, hi), n=int(yt.size),
                            prior=prior, skill=skill_score(f1d, prior), method=method,
                            split=split))
            mcc_row = _day_use_mcc_row(yt, yp, name, seed=seed, method=method, split=split)
            # the day-use prior is a method of its own (clock_prior): its records carry it
            mcc_row["predictions"] = [prediction(t, p, np.nan, unit=d) for d, t, p in zip(
                days[known_day], yt, yp, strict=True)]
            rows.append(mcc_row)
        owns = truth.ownership.get(name, bool(len(ev)) or None)
        if owns is not None:
            own_row = row("appliances", name, "ownership_correct",
                          float(bool(used_p.any()) == bool(owns)), n=1, prior=np.nan,
                          skill=np.nan, method=method, split=split)
            known = [t.ownership[name] for _, t in train or [] if name in t.ownership]
            majority = float(2 * sum(map(bool, known)) >= len(known)) if known else np.nan
            own_row["predictions"] = [prediction(float(owns), float(used_p.any()), majority)]
            rows.append(own_row)
    return rows


def _day_use_mcc_row(yt: np.ndarray, yp: np.ndarray, name: str, *, seed: int, method: str,
                     split: str) -> dict:
    """The ``day_use_mcc`` row: Matthews correlation (Matthews 1975) of used / not-used days.

    Prior 0: a predictor independent of the truth (always "used", never, at random) has an
    expected MCC of 0, whatever the share of used days (the study's population prior, which
    knows the weekday, is scored as a method of its own, ``clock_prior``), so the skill stays
    readable for an appliance used nearly every day, where the F1 prior ``2π/(1+π)`` is close
    to 1. A constant prediction scores 0 (as in :func:`nilm.privacy.occupancy.score_occupancy`);
    the value is NaN when the truth holds one class only (MCC compares two classes).
    """
    if yt.min() == yt.max():
        return row("appliances", name, "day_use_mcc", np.nan, n=int(yt.size), prior=0.0,
                   skill=np.nan, method=method, split=split)
    m, lo, hi = metrics.bootstrap_ci(metrics.mcc, yt, yp, 86400, threshold=0.5, seed=seed)
    if not np.isfinite(m):
        m = 0.0
    return row("appliances", name, "day_use_mcc", m, (lo, hi), n=int(yt.size), prior=0.0,
               skill=skill_score(m, 0.0), method=method, split=split)


def detectability_table(household: Household, truth: GroundTruth, periods, *,
                        method: str = DIRECT, seed: int = 0, metric: str = "day_use_f1",
                        train_by_period: dict | None = None, names: list[str] | None = None):
    """Appliance × resolution detectability, as a tidy pandas DataFrame.

    Runs :func:`score_appliances` at each period (truth from ``household``'s native sub-meters;
    ``train_by_period[period]`` as ``train``; ``names`` as there) and keeps the rows of
    ``metric``. Columns: ``appliance``, ``period_s``, ``method``,
    ``metric``, ``value``, ``ci_low``, ``ci_high``, ``prior``, ``skill``, ``n``. Pivot it with
    ``df.pivot(index="appliance", columns="period_s", values="skill")`` for the heat map.
    """
    import pandas as pd

    out = []
    for period in periods:
        train = None if train_by_period is None else train_by_period.get(period)
        grid = household.to_grid(period)
        for r in score_appliances(grid, truth, period, method=method, seed=seed, train=train,
                                  native=household, names=names):
            if r["metric"] == metric:
                out.append({"appliance": r["target"], "period_s": float(period),
                            "method": method, "metric": metric, "value": r["value"],
                            "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                            "prior": r["prior"], "skill": r["skill"], "n": r["n"]})
    return pd.DataFrame(out, columns=["appliance", "period_s", "method", "metric", "value",
                                      "ci_low", "ci_high", "prior", "skill", "n"])


__all__ = ["ATTACKS", "DIRECT", "Calendar", "DirectDetector", "Disaggregation",
           "MAX_DISAGGREGATED", "appliance_rows", "appliance_targets", "appliances_design",
           "attack_params", "cross_fit", "day_max", "detectability_table",
           "event_prior_stats", "f1_threshold", "grid_events", "grid_inputs",
           "household_inputs", "mcc_threshold", "score_appliances", "scored_events",
           "true_activity"]
