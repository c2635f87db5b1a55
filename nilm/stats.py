"""Statistics of leakage scores: the metric registry, skill, bootstrap CIs over the right blocks,
the false discovery rate over a table's rows and the smallest skill a study could detect.

One module so that every number of the report and of the headline table is computed the same
way (docs/metrics.md, "Statistics of scores").

* :data:`METRICS` knows each metric's direction (an **error**, lower is better, or a **score**
  whose perfect value is 1), its range, the rule of its prior and how to compute it from summed
  per-day sufficient statistics; :func:`skill` is the one skill definition.
* :func:`paired_bootstrap` resamples the **local calendar days** of one household and computes
  the attack's and the prior's score on the same draw, so the CI of the skill is that of the
  difference, not of the attack alone.
* :func:`two_stage_bootstrap` resamples households, then days within each drawn household
  (Davison & Hinkley 1997, §3.8), for population aggregates of per-day statistics;
  :func:`household_bootstrap` resamples households only, for per-household values (each
  household's value already carries its own sampling noise, so the spread of the values
  contains it: D&H §3.8 show that resampling at the top stage alone is nearly right, while a
  normal redraw from each household's own CI width counts it twice).
* Fewer than :data:`MIN_BLOCKS` blocks (days or households): no CI, with the reason.
* NaN is never turned into 0: a NaN household or replicate is left out and counted.
* :func:`benjamini_hochberg` controls the false discovery rate over the rows of a table
  (Benjamini & Hochberg 1995); :func:`detectable_skill` is the smallest true skill the study
  would detect with the stated power, for the rows that say "no leak found".

References
----------
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and
powerful approach to multiple testing. J. R. Stat. Soc. B 57(1), 289–300.
Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application. Cambridge
University Press. (§3.8, hierarchical data; §4.4, bootstrap tests)
Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
Annals of Statistics 17(3), 1217–1241. (block bootstrap)
Murphy, A. H. (1988). Skill scores based on the mean square error and their relationships to the
correlation coefficient. Monthly Weather Review 116, 2417–2424. (skill against a reference)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .metrics import mcc_replicate

#: fewest blocks (local days within a household, or households in a population) a bootstrap CI
#: is computed from; below it the CI is NaN and the reason says so
MIN_BLOCKS = 10

#: default bootstrap replicates
N_BOOT = 2000

#: two-sided level of every CI and of the detectable-skill computation
ALPHA = 0.05

#: power at which :func:`detectable_skill` states the smallest detectable skill
POWER = 0.8


def _safe_div(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def _mcc(s):
    tp, fp, fn, tn = s[..., 0], s[..., 1], s[..., 2], s[..., 3]
    # a predictor that never says one of the classes made no decision: NaN, not 0
    den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return _safe_div(tp * tn - fp * fn, np.sqrt(np.maximum(den, 0.0)))


def _f1(s):
    tp, fp, fn = s[..., 0], s[..., 1], s[..., 2]
    return _safe_div(2 * tp, 2 * tp + fp + fn)


def _balanced_accuracy(s):
    tp, fp, fn, tn = s[..., 0], s[..., 1], s[..., 2], s[..., 3]
    tpr, tnr = _safe_div(tp, tp + fn), _safe_div(tn, tn + fp)
    return 0.5 * (tpr + tnr)


def _f1_macro(s):
    tp, fp, fn, tn = s[..., 0], s[..., 1], s[..., 2], s[..., 3]
    return 0.5 * (_safe_div(2 * tp, 2 * tp + fp + fn) + _safe_div(2 * tn, 2 * tn + fn + fp))


def _accuracy(s):
    tp, fp, fn, tn = s[..., 0], s[..., 1], s[..., 2], s[..., 3]
    return _safe_div(tp + tn, tp + fp + fn + tn)


def _mean(s):
    return _safe_div(s[..., 0], s[..., 1])


@dataclass(frozen=True)
class Metric:
    """What the statistics need to know of a metric.

    Attributes
    ----------
    name : the metric's name in ``results.csv``.
    error : True for an error (lower is better, perfect 0), False for a score (perfect 1).
    lower, upper : range of the metric.
    prior : the rule of its population prior, in words (docs/inferences.md has each).
    stats : names of the per-day sufficient statistics :attr:`from_sums` reads, in order
        (empty when the metric is not computed from summed statistics here).
    from_sums : value from the statistics summed over days (``(..., len(stats))`` array).
    n_unit : what a result row's ``n`` counts: ``"days"``, ``"intervals"`` (of the row's
        period), ``"events"`` or ``"households"``.
    from_reps : value of a bootstrap replicate from its summed statistics, where it differs
        from :attr:`from_sums` (an MCC replicate with a constant verdict is 0, not NaN); None:
        :attr:`from_sums`.
    """

    name: str
    error: bool
    lower: float
    upper: float
    prior: str
    stats: tuple = ()
    from_sums: Callable | None = None
    n_unit: str = "days"
    from_reps: Callable | None = None

    def replicate(self, sums):
        """A bootstrap replicate's value from its summed statistics (:attr:`from_reps`)."""
        return (self.from_reps or self.from_sums)(sums)


_CONFUSION = ("tp", "fp", "fn", "tn")
_MEAN = ("sum", "count")

_ERROR_PRIOR = "the constant minimising the error on training households (median for an MAE)"
_CLASS_PRIOR = ("the majority class per time-of-day slot x weekday on training households "
                "(clock prior; for appliance day use, the weekdays they use it on); a "
                "predictor independent of the truth has expected MCC 0")
_SHARE_PRIOR = "the share reached by the population prior's constant prediction"

#: metric name -> :class:`Metric` (the metrics the inferences write, docs/metrics.md)
METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("mcc", False, -1.0, 1.0, _CLASS_PRIOR, _CONFUSION, _mcc, "intervals",
           mcc_replicate),
    Metric("day_use_mcc", False, -1.0, 1.0, _CLASS_PRIOR, _CONFUSION, _mcc, "days",
           mcc_replicate),
    Metric("ownership_mcc", False, -1.0, 1.0, "the majority ownership of the households",
           _CONFUSION, _mcc, "households", mcc_replicate),
    Metric("f1_absent", False, 0.0, 1.0, "always 'absent' (F1 2p/(1+p))", _CONFUSION[:3], _f1,
           "intervals"),
    Metric("episode_f1", False, 0.0, 1.0, "always 'absent'", _CONFUSION[:3], _f1, "events"),
    Metric("event_f1", False, 0.0, 1.0, "every interval an event", _CONFUSION[:3], _f1,
           "events"),
    Metric("day_use_f1", False, 0.0, 1.0, "used every day (F1 2p/(1+p))", _CONFUSION[:3], _f1),
    Metric("presence_f1_macro", False, 0.0, 1.0, "the majority presence of the households",
           _CONFUSION, _f1_macro, "households"),
    Metric("balanced_accuracy", False, 0.0, 1.0, "0.5 (any input-blind predictor)", _CONFUSION,
           _balanced_accuracy, "households"),
    Metric("ownership_balanced_accuracy", False, 0.0, 1.0, "0.5 (any input-blind predictor)",
           _CONFUSION, _balanced_accuracy, "households"),
    # the published occupancy and occupant-count figures are accuracies (Beckel et al. 2014,
    # Kleiminger et al. 2015): beside them the majority-class accuracy is the floor
    Metric("accuracy", False, 0.0, 1.0, "the majority class of the training data "
           "(majority-class accuracy)", _CONFUSION, _accuracy, "intervals"),
    Metric("coverage", False, 0.0, 1.0, _SHARE_PRIOR, _MEAN, _mean),
    Metric("correct", False, 0.0, 1.0, _SHARE_PRIOR, _MEAN, _mean),
    Metric("ownership_correct", False, 0.0, 1.0, _SHARE_PRIOR, _MEAN, _mean, "households"),
    Metric("mae_min", True, 0.0, math.inf, _ERROR_PRIOR, _MEAN, _mean),
    Metric("mae_kwh_day", True, 0.0, math.inf, _ERROR_PRIOR, _MEAN, _mean),
    Metric("mae_l_day", True, 0.0, math.inf, _ERROR_PRIOR, _MEAN, _mean),
    Metric("mae_persons", True, 0.0, math.inf, _ERROR_PRIOR, _MEAN, _mean, "households"),
    Metric("abs_error_persons", True, 0.0, math.inf, _ERROR_PRIOR, _MEAN, _mean, "households"),
    Metric("absolute_error", True, 0.0, math.inf, _ERROR_PRIOR, _MEAN, _mean),
    Metric("mape_pct", True, 0.0, math.inf, _ERROR_PRIOR, _MEAN, _mean),
]}

#: declared families of metric names with a parameter: ``within_<tolerance>min`` (share of days
#: whose timing error is within the tolerance)
_FAMILIES = [(re.compile(r"within_[0-9.]+min"),
              dict(error=False, lower=0.0, upper=1.0, prior=_SHARE_PRIOR, stats=_MEAN,
                   from_sums=_mean))]


def metric_info(name: str) -> Metric:
    """The :class:`Metric` of ``name`` (from :data:`METRICS` or a declared family); KeyError
    naming the metric when it is not registered (its direction is never guessed)."""
    name = str(name)
    if name in METRICS:
        return METRICS[name]
    for pattern, kw in _FAMILIES:
        if pattern.fullmatch(name):
            return Metric(name, **kw)
    raise KeyError(f"metric {name!r} is not in nilm.stats.METRICS: declare its direction "
                   "and prior there")


def is_error(name: str) -> bool:
    """True when ``name`` is an error (lower is better), from :data:`METRICS`."""
    return metric_info(name).error


def skill(value, prior, metric: str):
    """Skill of ``value`` against ``prior`` (arrays broadcast; NaN where undefined).

    * error: ``1 − value / prior``; NaN if the prior's error is ≤ 1e-9 (a perfect prior);
    * score with perfect value 1: ``(value − prior) / (1 − prior)``; NaN if ``prior ≥ 1 − 1e-12``.

    0 means nothing beyond the prior, 1 a perfect inference (Murphy 1988).
    """
    v, p = np.asarray(value, float), np.asarray(prior, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric_info(metric).error:
            out = np.where(p > 1e-9, 1.0 - v / np.where(p > 1e-9, p, 1.0), np.nan)
        else:
            out = np.where(p < 1 - 1e-12, (v - p) / np.where(p < 1 - 1e-12, 1.0 - p, 1.0),
                           np.nan)
    out = np.where(np.isfinite(v) & np.isfinite(p), out, np.nan)
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------------- bootstrap


@dataclass
class Estimate:
    """A point estimate of an attack's score, its prior's, the skill, their bootstrap CIs.

    ``reason`` is empty when the CIs were computed, else why not (``"too few days"``,
    ``"too few households"``, ``"no finite value"``). ``p_value`` is the bootstrap p-value of
    "skill ≤ 0" (Davison & Hinkley 1997, §4.4: the share of replicates with skill ≤ 0), NaN
    without replicates; ``se`` the replicates' standard deviation of the skill. ``n_blocks``
    counts the blocks resampled; ``n_left_out`` the households or days left out as NaN.
    """

    value: float
    prior: float
    skill: float
    ci: tuple[float, float]
    skill_ci: tuple[float, float]
    n_blocks: int
    n_left_out: int
    reason: str
    p_value: float
    se: float

    def as_dict(self) -> dict:
        return {"value": self.value, "ci_low": self.ci[0], "ci_high": self.ci[1],
                "prior": self.prior, "skill": self.skill, "skill_lo": self.skill_ci[0],
                "skill_hi": self.skill_ci[1], "n_blocks": self.n_blocks,
                "n_left_out": self.n_left_out, "ci_reason": self.reason,
                "p_value": self.p_value, "skill_se": self.se}


_NAN2 = (math.nan, math.nan)


def _percentiles(x: np.ndarray, alpha: float) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return _NAN2
    lo, hi = np.quantile(x, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def _finish(metric, value, prior, reps_v, reps_p, n_blocks, n_out, reason, alpha) -> Estimate:
    sk = skill(value, prior, metric)
    if reason:
        return Estimate(float(value), float(prior), float(sk), _NAN2, _NAN2, n_blocks, n_out,
                        reason, math.nan, math.nan)
    reps_s = skill(reps_v, reps_p, metric)
    if not math.isfinite(sk):
        # an undefined skill (e.g. a constant prior's MCC, NaN) has no CI, although the MCC
        # replicate rule scores that prior's replicates 0
        reps_s = np.full(np.shape(reps_s), np.nan)
    fin = reps_s[np.isfinite(reps_s)]
    p = float((np.sum(fin <= 0) + 1) / (fin.size + 1)) if fin.size else math.nan
    se = float(np.std(fin, ddof=1)) if fin.size > 1 else math.nan
    return Estimate(float(value), float(prior), float(sk), _percentiles(reps_v, alpha),
                    _percentiles(reps_s, alpha), n_blocks, n_out, reason, p, se)


def _check_stats(metric: Metric, *arrays):
    if metric.from_sums is None:
        raise ValueError(f"metric {metric.name!r} has no per-day sufficient statistics")
    out = []
    for a in arrays:
        a = np.asarray(a, float)
        if a.ndim != 2 or a.shape[1] != len(metric.stats):
            raise ValueError(f"{metric.name}: per-day statistics must be (days, "
                             f"{len(metric.stats)}) = {metric.stats}, got {a.shape}")
        out.append(a)
    if len({a.shape for a in out}) != 1:
        raise ValueError(f"{metric.name}: attack and prior statistics differ in shape")
    return out


def paired_bootstrap(attack, prior, metric: str, *, seed: int, n_boot: int = N_BOOT,
                     alpha: float = ALPHA, min_blocks: int = MIN_BLOCKS) -> Estimate:
    """Paired day-block bootstrap of an attack against its prior within one household.

    Parameters
    ----------
    attack, prior : ``(days, k)`` per-local-day sufficient statistics of the attack's and the
        prior's predictions on the same days (see :attr:`Metric.stats`: e.g. tp, fp, fn, tn
        for an MCC; summed error and count for an MAE). A day whose row is not finite in
        either is left out of both (counted in ``n_left_out``).
    metric : a :data:`METRICS` name with sufficient statistics.
    seed : ``numpy.random.default_rng`` seed.
    n_boot, alpha : replicates and two-sided level.
    min_blocks : fewest days for a CI (below: ``reason = "too few days"``).

    Returns
    -------
    :class:`Estimate`: value and prior from all kept days; each replicate draws days with
    replacement and scores attack and prior on the same draw, so the skill CI is paired. A
    replicate is scored with :meth:`Metric.replicate` (an MCC draw with a constant verdict is
    0; one whose truth is of one class is undefined and left out).
    """
    m = metric_info(metric)
    a, p = _check_stats(m, attack, prior)
    ok = np.isfinite(a).all(axis=1) & np.isfinite(p).all(axis=1)
    a, p = a[ok], p[ok]
    n_out = int((~ok).sum())
    value = float(m.from_sums(a.sum(axis=0))) if len(a) else math.nan
    pv = float(m.from_sums(p.sum(axis=0))) if len(p) else math.nan
    reason = ("no finite value" if not math.isfinite(value) else
              "too few days" if len(a) < min_blocks else "")
    if reason:
        return _finish(metric, value, pv, None, None, len(a), n_out, reason, alpha)
    draw = np.random.default_rng(seed).integers(0, len(a), size=(n_boot, len(a)))
    reps_v = m.replicate(a[draw].sum(axis=1))
    reps_p = m.replicate(p[draw].sum(axis=1))
    return _finish(metric, value, pv, reps_v, reps_p, len(a), n_out, "", alpha)


def household_bootstrap(values, priors, metric: str, *, seed: int, n_boot: int = N_BOOT,
                        alpha: float = ALPHA, min_blocks: int = MIN_BLOCKS) -> Estimate:
    """Population mean of per-household values, bootstrapping households (paired with priors).

    Parameters
    ----------
    values, priors : one attack score and one prior score per household. A household whose
        value is NaN is left out (never counted as 0) and counted in ``n_left_out``; a NaN prior
        leaves the household's value in but out of the skill (pairwise).
    metric : a :data:`METRICS` name.
    min_blocks : fewest households for a CI (below: ``reason = "too few households"``).

    Returns
    -------
    :class:`Estimate` of the mean value, the mean prior (over households with both) and the skill
    of the means; each replicate resamples households and recomputes both means.
    """
    v, p = np.asarray(values, float), np.asarray(priors, float)
    if v.shape != p.shape or v.ndim != 1:
        raise ValueError("values and priors must be 1-D arrays of one length")
    keep = np.isfinite(v)
    v, p = v[keep], p[keep]
    n_out = int((~keep).sum())
    both = np.isfinite(p)
    value = float(v.mean()) if v.size else math.nan
    vb = float(v[both].mean()) if both.any() else math.nan
    pv = float(p[both].mean()) if both.any() else math.nan
    reason = ("no finite value" if v.size == 0 else
              "too few households" if v.size < min_blocks else "")
    if reason:
        est = _finish(metric, vb, pv, None, None, int(v.size), n_out, reason, alpha)
        est.value = value
        return est
    draw = np.random.default_rng(seed).integers(0, v.size, size=(n_boot, v.size))
    reps_v = v[draw].mean(axis=1)
    w = both[draw]
    with np.errstate(invalid="ignore"):
        reps_vb = np.where(w, v[draw], 0.0).sum(axis=1) / w.sum(axis=1)
        reps_p = np.where(w, p[draw], 0.0).sum(axis=1) / w.sum(axis=1)
    est = _finish(metric, vb, pv, reps_vb, reps_p, int(v.size), n_out, "", alpha)
    est.value, est.ci = value, _percentiles(reps_v, alpha)
    return est


def population_bootstrap(truth, pred, metric: str, score: Callable, prior: Callable, *,
                         seed: int, n_boot: int = N_BOOT, alpha: float = ALPHA,
                         min_blocks: int = MIN_BLOCKS) -> Estimate:
    """A score of one pooled population (e.g. the occupant count's balanced accuracy over its
    households), households resampled, paired with its prior.

    Parameters
    ----------
    truth, pred : one true and one predicted value per household (NaN in either: left out).
    metric : a :data:`METRICS` name (the skill's direction).
    score : ``score(truth, pred) -> float`` over a set of households.
    prior : ``prior(truth) -> float``: the prior's score on the same households (e.g. 1/K for
        a balanced accuracy over the K classes present), recomputed on each draw.
    min_blocks : fewest households for a CI (below: ``"too few households"``).

    Returns
    -------
    :class:`Estimate`: value and prior on all households; each replicate draws households with
    replacement and scores attack and prior on the same draw, so the skill's CI and the
    p-value of "skill ≤ 0" are paired (Davison & Hinkley 1997, §4.4).
    """
    y, p = np.asarray(truth, float), np.asarray(pred, float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("truth and pred must be 1-D arrays of one length")
    ok = np.isfinite(y) & np.isfinite(p)
    y, p = y[ok], p[ok]
    n_out = int((~ok).sum())
    value = float(score(y, p)) if y.size else math.nan
    pv = float(prior(y)) if y.size else math.nan
    reason = ("no finite value" if not math.isfinite(value) else
              "too few households" if y.size < min_blocks else "")
    if reason:
        return _finish(metric, value, pv, None, None, int(y.size), n_out, reason, alpha)
    draw = np.random.default_rng(seed).integers(0, y.size, size=(n_boot, y.size))
    reps_v = np.array([score(y[d], p[d]) for d in draw], dtype=float)
    reps_p = np.array([prior(y[d]) for d in draw], dtype=float)
    return _finish(metric, value, pv, reps_v, reps_p, int(y.size), n_out, "", alpha)


def _targets_mean(m: Metric, sums: np.ndarray) -> np.ndarray:
    """A household's score from its statistics summed over days, ``(..., targets, k)``: the
    mean over its targets of each target's :meth:`Metric.replicate` (NaN targets left out;
    NaN when every target is)."""
    v = m.replicate(sums)
    n = np.isfinite(v).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.nansum(v, axis=-1) / np.maximum(n, 1), np.nan)


def two_stage_bootstrap(houses, metric: str, *, seed: int, n_boot: int = N_BOOT,
                        alpha: float = ALPHA, min_blocks: int = MIN_BLOCKS) -> Estimate:
    """Population mean over households of a per-household score, households then days resampled.

    Parameters
    ----------
    houses : list of ``(attack, prior)`` pairs, one per household, each a ``(days, k)`` array of
        per-local-day sufficient statistics as in :func:`paired_bootstrap`, or ``(days,
        targets, k)``: a household scored on several targets on the same days (the appliances
        of the day-use MCC), whose score is the mean over its targets of each target's metric.
    metric : a :data:`METRICS` name with sufficient statistics.
    min_blocks : fewest households for a CI (below: ``"too few households"``).

    Returns
    -------
    :class:`Estimate`: value = mean over households of each household's score (households whose
    score is NaN are left out and counted), prior likewise, skill of the two means. A score is
    computed from the statistics summed over the household's days with :meth:`Metric.replicate`,
    for the point estimate as for the replicates (an MCC of a constant verdict is 0: the
    scorers' value of a constant verdict, e.g. a clock prior that says "occupied" all day).
    Each replicate draws households with replacement and, for every drawn copy, its days with
    replacement (Davison & Hinkley 1997, §3.8), the same days for all its targets and for
    attack and prior; a drawn copy whose score is NaN on its day draw is left out of that
    replicate's mean.
    """
    m = metric_info(metric)
    pairs = []
    for a, p in houses:
        a, p = np.asarray(a, float), np.asarray(p, float)
        if a.ndim == 2:
            a, p = a[:, None, :], p[:, None, :]
        if a.ndim != 3 or a.shape != p.shape:
            raise ValueError(f"{metric}: per-day statistics must be (days, k) or (days, "
                             f"targets, k) arrays of one shape, got {a.shape} and {p.shape}")
        _check_stats(m, a.reshape(-1, a.shape[-1]), p.reshape(-1, p.shape[-1]))
        ok = np.isfinite(a).all(axis=(1, 2)) & np.isfinite(p).all(axis=(1, 2))
        pairs.append((a[ok], p[ok]))
    vals = np.array([_targets_mean(m, a.sum(axis=0)) if len(a) else np.nan for a, _ in pairs])
    pris = np.array([_targets_mean(m, p.sum(axis=0)) if len(p) else np.nan for _, p in pairs])
    keep = np.isfinite(vals) & np.isfinite(pris)
    n_out = int((~keep).sum())
    value = float(vals[keep].mean()) if keep.any() else math.nan
    pv = float(pris[keep].mean()) if keep.any() else math.nan
    idx = np.flatnonzero(keep)
    reason = ("no finite value" if idx.size == 0 else
              "too few households" if idx.size < min_blocks else "")
    if reason:
        return _finish(metric, value, pv, None, None, int(idx.size), n_out, reason, alpha)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, idx.size, size=(n_boot, idx.size))
    # copies of each household in each replicate: one bincount over (replicate, household)
    mult = np.bincount((pick + np.arange(n_boot)[:, None] * idx.size).ravel(),
                       minlength=n_boot * idx.size).reshape(n_boot, idx.size)
    sum_v = np.zeros(n_boot)
    sum_p = np.zeros(n_boot)
    cnt = np.zeros(n_boot)
    for j, h in enumerate(idx):
        a, p = pairs[h]
        copies = mult[:, j]
        total = int(copies.sum())
        if total == 0:
            continue
        # one fresh day draw per copy of the household, all its copies over all replicates
        # drawn at once (replicate ``rep[c]`` holds copy ``c``)
        draw = rng.integers(0, len(a), size=(total, len(a)))
        rv = _targets_mean(m, a[draw].sum(axis=1))
        rp = _targets_mean(m, p[draw].sum(axis=1))
        rep = np.repeat(np.arange(n_boot), copies)
        use = np.isfinite(rv) & np.isfinite(rp)
        sum_v += np.bincount(rep[use], weights=rv[use], minlength=n_boot)
        sum_p += np.bincount(rep[use], weights=rp[use], minlength=n_boot)
        cnt += np.bincount(rep[use], minlength=n_boot)
    with np.errstate(invalid="ignore", divide="ignore"):
        reps_v, reps_p = sum_v / cnt, sum_p / cnt
    return _finish(metric, value, pv, reps_v, reps_p, int(idx.size), n_out, "", alpha)


# ----------------------------------------------------------------------------- many rows


def benjamini_hochberg(p_values, q: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini–Hochberg step-up procedure over a table's rows.

    Parameters
    ----------
    p_values : one p-value per row; NaN rows take no part (their q-value is NaN, never
        rejected) and do not count in the number of tests.
    q : the false discovery rate controlled.

    Returns
    -------
    (q_values, reject) : adjusted p-values ``min_{j ≥ i} p_(j) m / j`` (capped at 1) and the
    rows whose null is rejected at FDR ``q`` (Benjamini & Hochberg 1995).
    """
    p = np.asarray(p_values, float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m:
        pv = p[ok]
        order = np.argsort(pv, kind="mergesort")
        ranked = pv[order] * m / np.arange(1, m + 1)
        adj = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
        vals = np.empty(m)
        vals[order] = adj
        out[ok] = vals
    return out, np.where(ok, out <= q, False)


def detectable_skill(se: float, *, alpha: float = ALPHA, power: float = POWER) -> float:
    """Smallest true skill a one-sided test at level ``alpha / 2`` detects with ``power``,
    given the standard error ``se`` of the skill at the study's size (the bootstrap SD):
    ``(z_{1−α/2} + z_{power}) · se``. A "no leak found" row is only informative down to it."""
    from scipy.stats import norm

    if not (math.isfinite(se) and se >= 0):
        return math.nan
    return float((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * se)


__all__ = ["ALPHA", "METRICS", "MIN_BLOCKS", "N_BOOT", "POWER", "Estimate", "Metric",
           "benjamini_hochberg", "detectable_skill", "household_bootstrap", "is_error",
           "metric_info", "paired_bootstrap", "population_bootstrap", "skill",
           "two_stage_bootstrap"]
