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
  active (Lipton et al. 2014).

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
from ..clock import day_start_utc, grid_days, local_clock
from ..names import base_name
from ..series import Grid, Household, PowerSeries
from ..signal import coarsen, expand, feature_factor, spread
from ..truth import GroundTruth
from .memo import Memo, feature_grid, memoised
from .occupancy import interval_features, subsample, training_rows
from .scores import always_positive_f1, as_grid, ratio_ci, row, skill_score, temporal_split

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


def _training_pairs(grid, truth, train):
    if train is None:
        tr, test = temporal_split(grid, truth.timezone)
        return ([tr] if len(tr) else []), test, "temporal_half"
    return [g for g, _ in train], grid, "households"


def fit_proba(x_tr: np.ndarray, y_tr: np.ndarray, x_eval: list[np.ndarray], *, seed: int,
              max_rows: int = 50_000) -> list[np.ndarray]:
    """Probability of the positive class for each array of ``x_eval`` from a
    HistGradientBoostingClassifier (``random_state=seed``) fitted on at most ``max_rows`` rows
    of ``(x_tr, y_tr)`` drawn with ``seed``.

    The probability-returning twin of :func:`nilm.privacy.occupancy.fit_predict`, with its
    rules: constant columns are dropped, and with one class or no informative column left every
    row gets the training share of positives (what a classifier without information knows).

    Parameters
    ----------
    x_tr : float64 ``[m, f]`` training features (NaN allowed: the trees route missing values).
    y_tr : ``[m]`` 0/1 labels, ``m >= 1``.
    x_eval : arrays ``[k_i, f]`` to score.
    seed : seeds the row draw and the classifier.
    max_rows : most training rows fitted (bounds the cost on a year of 1-min features).

    Returns
    -------
    list of float64 ``[k_i]`` probabilities in [0, 1].
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    x_tr, y_tr, keep = training_rows(x_tr, y_tr, seed=seed, max_rows=max_rows)
    if np.unique(y_tr).size < 2 or not keep.any():
        return [np.full(len(x), float(y_tr.mean())) for x in x_eval]
    # 15 leaves and early stopping on every set large enough to hold out a stratified tenth:
    # as skilful as scikit-learn's defaults on the simulated population (docs/inferences.md)
    # at a third less cost, which a study pays for 14 appliances at every rung
    clf = HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=15,
                                         early_stopping=bool(np.bincount(y_tr).min() >= 10),
                                         random_state=seed)
    # one OpenMP thread: on a shared machine extra threads spin and slow the fit many-fold
    with threadpool_limits(1):
        clf.fit(x_tr[:, keep], y_tr)
        return [clf.predict_proba(x[:, keep])[:, 1] if len(x) else np.zeros(0)
                for x in x_eval]


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


def cross_fit(x: np.ndarray, y: np.ndarray, grid_id: np.ndarray, x_test: np.ndarray, *,
              seed: int, max_rows: int = 50_000) -> tuple[np.ndarray, float]:
    """The direct detector for one appliance: test probabilities and a decision threshold
    tuned on held-out training rows.

    The model is fitted on all training rows (at most ``max_rows``, :func:`fit_proba`). Its
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

    Parameters
    ----------
    x : float64 ``[m, f]`` features of the valid training intervals.
    y : ``[m]`` bool activity labels.
    grid_id : ``[m]`` int, the training grid (household) of each row.
    x_test : float64 ``[n, f]`` features of the attacked intervals.
    seed : seeds the row draws and the classifiers.
    max_rows : row budget of the final fit (a quarter of it for the held-out fit and scoring).

    Returns
    -------
    (probability ``[n]``, threshold).
    """
    (p_test,) = fit_proba(x, y, [x_test], seed=seed, max_rows=max_rows)
    grids = np.unique(grid_id)
    if len(grids) >= 2:
        held_out = np.searchsorted(grids, grid_id) % 2 == 1
    else:
        held_out = np.arange(len(y)) >= len(y) // 2
    if held_out.all() or not held_out.any():
        return p_test, 0.5
    budget = max(1, max_rows // 4)
    held = np.flatnonzero(held_out)
    held = held[subsample(len(held), budget, seed)]
    (p_held,) = fit_proba(x[~held_out], y[~held_out], [x[held]], seed=seed, max_rows=budget)
    if p_held.min() == p_held.max():
        # a model without information (one class in its part) would set "every interval"
        # whenever the held-out part holds a use: that says nothing of the full model
        return p_test, 0.5
    return p_test, f1_threshold(p_held, y[held])


def predict_activity(method: str, train_grids: list[Grid], test: Grid, names: list[str], tz: str,
                     *, seed: int) -> dict[str, np.ndarray]:
    """Per-interval activity (bool ``[n]``) of each appliance in ``names`` on ``test``.

    ``method`` is ``"direct"`` or a key of :data:`nilm.disaggregate.MODELS` (its predicted power
    thresholded with :func:`nilm.metrics.on_threshold`). Appliances absent from every training
    grid, or never active there, get all-False (the attack says "not used").

    The direct detector: features :func:`nilm.privacy.occupancy.interval_features` of the
    aggregate; labels the training grids' sub-meter activity (interval energy at least
    on-power × min on-duration); model and threshold :func:`cross_fit`. On a grid finer than
    :data:`nilm.signal.FEATURE_PERIOD_S` it learns and predicts on block means at that
    period (:func:`nilm.signal.coarsen`), and each interval gets its block's verdict.
    """
    period = float(test.period)
    out = {}
    k = feature_factor(period)
    if method == DIRECT and k > 1:
        coarse = predict_activity(method, [coarsen(g, k) for g in train_grids], coarsen(test, k),
                                  names, tz, seed=seed)
        return {n: expand(a, k, len(test)) for n, a in coarse.items()}
    if method == DIRECT:
        feats = [interval_features(g, tz) for g in train_grids]
        x_test = interval_features(test, tz)
        for name in names:
            xs, ys, gs = [], [], []
            for j, (g, f) in enumerate(zip(train_grids, feats, strict=True)):
                if name in g.names:
                    y = g.appliance(name).astype(np.float64)
                    ok = np.isfinite(y) & np.isfinite(g.mains)
                    xs.append(f[ok])
                    ys.append(y[ok] >= metrics.on_threshold(name, period))
                    gs.append(np.full(int(ok.sum()), j))
            if sum(len(y) for y in ys) == 0:
                out[name] = np.zeros(len(test), bool)
                continue
            p, tau = cross_fit(np.concatenate(xs), np.concatenate(ys), np.concatenate(gs),
                               x_test, seed=seed)
            out[name] = p >= tau
        return out
    from ..disaggregate import MODELS

    if method not in MODELS:
        raise ValueError(f"method must be 'direct' or one of {sorted(MODELS)}, not {method!r}")
    # a training grid with fewer than 2 fully valid intervals (e.g. one day at a 1-day
    # period) cannot be fitted: the attack then says "not used", as for absent appliances
    fit_on = [g for g in train_grids if all(n in g.names for n in names)
              and g.select(names).fully_valid().sum() >= 2]
    if not fit_on:
        return {n: np.zeros(len(test), bool) for n in names}
    # several training households: concatenate them (the estimators take one grid)
    g0 = fit_on[0].select(names)
    if len(fit_on) > 1:
        gs = [g.select(names) for g in fit_on]
        g0 = Grid(g0.start, g0.period, np.concatenate([g.mains for g in gs]),
                  np.concatenate([g.appliances for g in gs], axis=1), list(names))
    model = MODELS[method](seed=seed).fit(g0)
    pred = model.predict(test)
    for i, name in enumerate(model.names_):
        y = pred[i].astype(np.float64)
        out[name] = np.isfinite(y) & (y >= metrics.on_threshold(name, period))
    return out


class _Calendar:
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


def _direct_activity(grid: Grid, truth: GroundTruth, train, test: Grid, names: list[str], *,
                     seed: int, memo: Memo | None) -> dict[str, np.ndarray]:
    """The direct detector's verdict for each interval of ``test`` (a part of ``grid``).

    It learns and predicts on the feature grids (:func:`nilm.privacy.memo.feature_grid`: the
    grid itself at 60 s and coarser, block means below) of the whole household and of the
    training households, split as :func:`_training_pairs` splits the attacked grid; each
    interval of ``test`` then takes the verdict of the feature interval holding its start.
    The verdicts depend only on the feature grids and the seed, so with a memo the
    1-s, 2-s and 1-min rungs of a study share one fit.
    """
    fgrid = feature_grid(grid, memo)
    ftrain = None if train is None else [(feature_grid(g, memo), t) for g, t in train]

    def fit():
        tr, ftest, _ = _training_pairs(fgrid, truth, ftrain)
        return ftest, predict_activity(DIRECT, tr, ftest, names, truth.timezone, seed=seed)

    key = ("direct", id(fgrid), tuple(id(g) for g, _ in ftrain or ()), tuple(names), seed,
           truth.timezone)
    ftest, act = memoised(memo, key, fit)
    return {n: spread(a, ftest, test, False).astype(bool) for n, a in act.items()}


def score_appliances(household_or_grid, truth: GroundTruth, period: float, *,
                     method: str = DIRECT, seed: int = 0,
                     train: list[tuple[Grid, GroundTruth]] | None = None,
                     native: Household | None = None, names: list[str] | None = None,
                     tolerance_s: float = 60.0,
                     true_events: dict[str, np.ndarray] | None = None,
                     memo: Memo | None = None) -> list[dict]:
    """Score appliance-use detection on one household at ``period`` s.

    Parameters
    ----------
    household_or_grid : the household (also the native truth source) or its Grid at ``period``
        (with sub-meters: the training split reads them; the attack reads only ``mains``).
    truth : GroundTruth (ownership; time zone).
    period : attacked period, s.
    method : ``"direct"`` or a :data:`nilm.disaggregate.MODELS` name.
    seed : seeds the classifiers / disaggregators and the bootstrap.
    train : ``(grid, truth)`` of other households at ``period``; None = first half of the days.
    native : the household at native resolution, source of the true uses (default: the first
        argument if it is a Household; else the grid's own sub-meters are used as a stand-in,
        which makes the truth depend on the period — the rows then say ``split=…+truth_at_period``).
    names : appliances to score (default: every sub-meter of the grid).
    tolerance_s : event matching tolerance beyond the interval, s.
    true_events : optional ``{name: true_activity(native.appliances[name], name)}`` computed
        once by the caller (a study scores the same native truth at every period and method;
        recomputing it on a year of 1-s sub-meters dominated the cost).
    memo : a :class:`nilm.privacy.memo.Memo` shared by the scorers of this household: the
        direct detector's fit (shared by the rungs that read the same features) and the
        priors (shared by the methods at one rung) are computed once.

    Returns
    -------
    Rows per appliance (``target`` = name): ``event_f1`` (prior: an event predicted in every
    interval, scored with the same matcher), ``day_use_f1`` (prior: "used every day",
    ``2π/(1+π)``), ``day_use_mcc`` (Matthews correlation of used / not-used days, prior 0, NaN
    when every scored day is used or none is; see :func:`_day_use_mcc_row`) and
    ``ownership_correct`` (n = 1, no CI). CIs: day-block bootstrap.
    """
    if isinstance(household_or_grid, Household) and native is None:
        native = household_or_grid
    grid = as_grid(household_or_grid, period)
    tz = truth.timezone
    names = list(grid.names if names is None else names)
    train_grids, test, split = _training_pairs(grid, truth, train)
    if native is None:
        split += "+truth_at_period"
    if method == DIRECT:
        active = _direct_activity(grid, truth, train, test, names, seed=seed, memo=memo)
    else:
        active = predict_activity(method, train_grids, test, names, tz, seed=seed)
    ok = np.isfinite(test.mains)
    span = (test.start, float(test.period), len(test), tz)

    # the days, and those with attacked data, are the same for every method and appliance
    cal = memoised(memo, ("calendar", *span), lambda: _Calendar(test, ok, tz))
    days, known_day = cal.days, cal.known
    t0, t1 = float(test.start), float(test.start + len(test) * period)
    tol = period / 2 + tolerance_s
    rows = []
    for name in names:
        if native is not None:
            if name not in native.appliances:
                continue
            if true_events is not None and name in true_events:
                ev = true_events[name]
            else:
                ev = true_activity(native.appliances[name], name)
        else:
            y = test.appliance(name).astype(np.float64)
            ev = grid_events(np.isfinite(y) & (y >= metrics.on_threshold(name, period)), test)
        ev = ev[(ev >= t0) & (ev < t1)]
        # score only where the attacked mains is known
        iv = ((ev - test.start) // period).astype(np.int64)
        ev = ev[ok[np.clip(iv, 0, len(test) - 1)]]
        pe = grid_events(active[name], test)
        num, den = _event_day_stats(ev, pe, days, tz, tol)
        f1, lo, hi = ratio_ci(num, den, seed=seed)

        def prior_stats(ev=ev):
            # _event_day_stats with an event at every valid interval's midpoint, whose days
            # are counted from the calendar rather than converted one by one
            ev = np.sort(ev)
            every = test.t[ok].astype(np.float64) + period / 2
            m = metrics.match_events(ev, every, float(tol))
            kt = _day_index(ev, days, tz)
            num = 2.0 * np.bincount(kt[(kt >= 0) & m], minlength=len(days))
            den = (np.bincount(kt[kt >= 0], minlength=len(days))
                   + cal.ok_midpoints()).astype(np.float64)
            return num, den

        # the every-interval prior is the same for every method (the memo key holds the
        # appliance and span; native truth does not depend on the method)
        pnum, pden = memoised(memo, ("event_prior", name, native is None, tolerance_s, *span),
                              prior_stats)
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
            rows.append(_day_use_mcc_row(yt, yp, name, seed=seed, method=method, split=split))
        owns = truth.ownership.get(name, bool(len(ev)) or None)
        if owns is not None:
            rows.append(row("appliances", name, "ownership_correct",
                            float(bool(used_p.any()) == bool(owns)), n=1, prior=np.nan,
                            skill=np.nan, method=method, split=split))
    return rows


def _day_use_mcc_row(yt: np.ndarray, yp: np.ndarray, name: str, *, seed: int, method: str,
                     split: str) -> dict:
    """The ``day_use_mcc`` row: Matthews correlation (Matthews 1975) of used / not-used days.

    Prior 0: every predictor that ignores the curve (always "used", never, at random) has an
    expected MCC of 0, whatever the share of used days, so the skill stays readable for an
    appliance used nearly every day, where the F1 prior ``2π/(1+π)`` is close to 1. A constant
    prediction scores 0 (as in :func:`nilm.privacy.occupancy.score_occupancy`); the value is
    NaN when the truth holds one class only (MCC compares two classes).
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


__all__ = ["DIRECT", "cross_fit", "detectability_table", "f1_threshold", "fit_proba",
           "grid_events", "predict_activity", "score_appliances", "true_activity"]
