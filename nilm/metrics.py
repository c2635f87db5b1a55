"""Disaggregation metrics, on/off and event scores, and day-block bootstrap confidence intervals.

Every metric takes ``y_true`` and ``y_pred`` of the same shape, ``[n]`` (one appliance) or
``[k, n]`` (pooled over appliances, time on the last axis), power in W on one regular grid, and
ignores every pair where either value is NaN. Undefined values (e.g. a ratio over zero energy, a
precision with no predicted "on") are NaN rather than an arbitrary 0 or 1.

The metrics that are ratios of sums (all of them here) are computed from per-sample *sufficient
statistics*; :func:`bootstrap_ci` sums those per day block once and then resamples the blocks,
so 1000 resamples of a year at 1 min cost a few matrix products instead of 1000 metric calls.

References
----------
Kolter, J. Z. & Johnson, M. J. (2011). REDD: a public data set for energy disaggregation research.
SustKDD. (EAC)
Zhang, C., Zhong, M., Wang, Z., Goddard, N. & Sutton, C. (2018). Sequence-to-point learning with
neural networks for non-intrusive load monitoring. AAAI. (SAE; on-power thresholds)
Kelly, J. & Knottenbelt, W. (2015). Neural NILM: deep neural networks applied to energy
disaggregation. BuildSys. (on-power thresholds and minimum on-durations)
Batra, N. et al. (2014). NILMTK: an open source toolkit for non-intrusive load monitoring.
e-Energy. (NDE with the square root)
Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
Annals of Statistics 17(3). (block bootstrap)
Matthews, B. W. (1975). Comparison of the predicted and observed secondary structure of T4 phage
lysozyme. BBA 405(2). (MCC)
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable

import numba
import numpy as np

from .names import DEFAULT_ON_THRESHOLD, ON_THRESHOLDS, base_name

# --------------------------------------------------------------------------------------------
# on-power thresholds and minimum on-durations (the table is nilm.names.ON_THRESHOLDS)


def on_threshold(name: str, period: float) -> float:
    """Mean-power threshold (W) above which appliance ``name`` is *active* in an interval.

    Implements the energy-based activity definition of DESIGN.md: an appliance is active in an
    interval of ``period`` s when its energy there is at least ``on_power × min_on_duration``.
    Over an interval shorter than ``min_on_duration`` this is the plain power threshold
    ``on_power`` (Zhang et al. 2018), so the definition means the same at 6 s and at 30 min::

        threshold = on_power × min(1, min_on_duration / period)

    Parameters
    ----------
    name : canonical appliance name (numbered names like ``lighting_2`` use their base name).
    period : interval length in s.

    Returns
    -------
    float, W (mean power over the interval).
    """
    on_power, min_on = ON_THRESHOLDS.get(base_name(name), DEFAULT_ON_THRESHOLD)
    return float(on_power * min(1.0, min_on / float(period)))


# --------------------------------------------------------------------------------------------
# sufficient statistics: per-sample rows whose sums determine each metric


def _pair(y_true, y_pred):
    """float64 views with NaN pairs zeroed, and the validity mask."""
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if y.shape != p.shape:
        raise ValueError(f"y_true and y_pred shapes differ: {y.shape} vs {p.shape}")
    ok = np.isfinite(y) & np.isfinite(p)
    return np.where(ok, y, 0.0), np.where(ok, p, 0.0), ok


def _over_time(rows) -> np.ndarray:
    """Stack per-sample statistics and sum any leading appliance axis: float64 ``[m, n]``."""
    out = []
    for r in rows:
        r = np.asarray(r, dtype=np.float64)
        out.append(r.reshape(-1, r.shape[-1]).sum(axis=0) if r.ndim > 1 else r)
    return np.stack(out) if out else np.zeros((0, 0))


def _ratio(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def _err_stats(y_true, y_pred, **_):
    y, p, ok = _pair(y_true, y_pred)
    e = p - y
    return _over_time([np.abs(e), e * e, p, y, y * y, ok])


def _thresholds(threshold, shape) -> np.ndarray:
    """Thresholds broadcastable against data of ``shape``: a scalar, or one per row."""
    th = np.asarray(threshold, dtype=np.float64)
    if th.ndim == 0:
        return th
    if len(shape) != 2 or th.shape != (shape[0],):
        raise ValueError(f"threshold must be a scalar or one per row of {shape}, got {th.shape}")
    return th[:, None]


def _confusion_stats(y_true, y_pred, *, threshold, **_):
    """Per-sample TP, FP, FN, TN rows: the definition, which :func:`confusion_block_sums`
    counts per block without building these rows (and which the tests hold it to)."""
    y, p, ok = _pair(y_true, y_pred)
    th = _thresholds(threshold, y.shape)
    t_on = (y >= th) & ok
    p_on = (p >= th) & ok
    return _over_time([t_on & p_on, ~t_on & p_on & ok, t_on & ~p_on, ~t_on & ~p_on & ok])


def confusion_block_sums(y_true, y_pred, length, *, threshold, **_):
    """On/off confusion counts (TP, FP, FN, TN; Matthews 1975) per block of ``length``
    consecutive samples, float64 ``[blocks, 4]`` (the last block may be short), pooled over
    the rows of a ``[k, n]`` input; "on" means ``>= threshold`` (W, scalar or one per row), and
    pairs with a NaN are ignored.

    These are the per-block sums of the per-sample statistics behind :func:`precision`,
    :func:`recall`, :func:`f1` and :func:`mcc`, counted without materialising those rows
    (float64 ``[4, n]``: 1 GB for a year at 1 s): sums of 0/1 values are exact integers, so
    the result is the same float64 in any summation order.
    Feed it to :func:`bootstrap_block_sums`.
    """
    from .kernels.grid import confusion_block_counts

    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if y.shape != p.shape:
        raise ValueError(f"y_true and y_pred shapes differ: {y.shape} vs {p.shape}")
    th = _thresholds(threshold, y.shape)
    rows = (int(np.prod(y.shape[:-1])), y.shape[-1]) if y.ndim else (1, 1)
    th_rows = np.full(rows[0], float(th)) if th.ndim == 0 else th[:, 0].astype(np.float64)
    return confusion_block_counts(y.reshape(rows), p.reshape(rows), th_rows, int(length))


# --------------------------------------------------------------------------------------------
# metric values from summed statistics (vectorised over any leading axes)


def _mae_v(s):
    return _ratio(s[..., 0], s[..., 5])


def _rmse_v(s):
    return np.sqrt(_ratio(s[..., 1], s[..., 5]))


def _sae_v(s):
    return _ratio(np.abs(s[..., 2] - s[..., 3]), s[..., 3])


def _nde_v(s):
    return np.sqrt(_ratio(s[..., 1], s[..., 4]))


def _eac_v(s):
    return 1.0 - _ratio(s[..., 0], 2.0 * s[..., 3])


def _precision_v(s):
    return _ratio(s[..., 0], s[..., 0] + s[..., 1])


def _recall_v(s):
    return _ratio(s[..., 0], s[..., 0] + s[..., 2])


def _f1_v(s):
    return _ratio(2.0 * s[..., 0], 2.0 * s[..., 0] + s[..., 1] + s[..., 2])


def _mcc_v(s):
    tp, fp, fn, tn = s[..., 0], s[..., 1], s[..., 2], s[..., 3]
    den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return _ratio(tp * tn - fp * fn, np.sqrt(den))


def mcc_replicate(sums) -> np.ndarray:
    """MCC of a bootstrap replicate from its summed confusion counts ``(..., 4)`` = (tp, fp,
    fn, tn) (Matthews 1975), with the scorers' rules: a draw whose verdict is of one class on
    a truth of both classes shows no skill and scores 0, as a constant verdict does, instead
    of NaN; a draw whose truth is of one class (or that holds no counts) has no MCC for any
    predictor and stays NaN, left out like every other metric's undefined replicate
    (docs/metrics.md "Statistics of scores"). Counting those as 0 too pulled the replicates of
    a positive MCC below its point value: the appliance day-use headline, where a household's
    rarely used appliance misses all its used days in a day draw, read 0.25 [0.20, 0.25]."""
    s = np.asarray(sums, dtype=np.float64)
    v = _mcc_v(s)
    both = (s[..., 0] + s[..., 2] > 0) & (s[..., 1] + s[..., 3] > 0)
    return np.where(np.isnan(v) & both, 0.0, v)


def _event_v(s):
    return _ratio(2.0 * s[..., 0], s[..., 1] + s[..., 2])


#: metric function -> (statistics function, value-from-sums function); filled by ``_decomposable``
_DECOMPOSABLE: dict[Callable, tuple[Callable, Callable]] = {}


def _decomposable(stats, value):
    def register(fn):
        _DECOMPOSABLE[fn] = (stats, value)
        return fn

    return register


def _value(fn, y_true, y_pred, **kw) -> float:
    stats, value = _DECOMPOSABLE[fn]
    if stats is _confusion_stats:
        n = np.shape(y_true)[-1] if np.ndim(y_true) else 1
        return float(value(confusion_block_sums(y_true, y_pred, max(n, 1), **kw)
                           .sum(axis=0)))
    return float(value(stats(y_true, y_pred, **kw).sum(axis=1)))


# --------------------------------------------------------------------------------------------
# public metrics


@_decomposable(_err_stats, _mae_v)
def mae(y_true, y_pred) -> float:
    """Mean absolute error, W: ``mean |ŷ − y|`` over valid pairs.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W. NaN pairs are ignored.
    """
    return _value(mae, y_true, y_pred)


@_decomposable(_err_stats, _rmse_v)
def rmse(y_true, y_pred) -> float:
    """Root mean squared error, W: ``sqrt(mean (ŷ − y)²)`` over valid pairs.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W. NaN pairs are ignored.
    """
    return _value(rmse, y_true, y_pred)


@_decomposable(_err_stats, _sae_v)
def sae(y_true, y_pred) -> float:
    """Signal aggregate error (Zhang et al. 2018), dimensionless: ``|Σŷ − Σy| / Σy``.

    0 is a perfect total energy; NaN when the true energy is 0.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W. NaN pairs are ignored.
    """
    return _value(sae, y_true, y_pred)


@_decomposable(_err_stats, _nde_v)
def nde(y_true, y_pred) -> float:
    """Normalised disaggregation error, dimensionless: ``sqrt(Σ(y − ŷ)² / Σy²)``.

    This is NILMTK's definition (Batra et al. 2014), *with* the square root; some papers
    (e.g. Zhang et al. 2018 cite it without) report the squared ratio, so square this value
    before comparing with them. NaN when ``Σy² = 0``.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W. NaN pairs are ignored.
    """
    return _value(nde, y_true, y_pred)


@_decomposable(_err_stats, _eac_v)
def eac(y_true, y_pred) -> float:
    """Estimated accuracy (Kolter & Johnson 2011), dimensionless, ``<= 1``:
    ``1 − ΣΣ|ŷ − y| / (2 ΣΣ y)``, sums over appliances (rows) and time.

    Pass all appliances as ``[k, n]`` for the paper's pooled figure, or one row for a
    per-appliance value. Can be negative when predictions exceed twice the true energy.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W. NaN pairs are ignored.
    """
    return _value(eac, y_true, y_pred)


@_decomposable(_confusion_stats, _precision_v)
def precision(y_true, y_pred, *, threshold) -> float:
    """On/off precision ``TP / (TP + FP)``; "on" means power ``>= threshold``.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W (interval mean). NaN pairs are ignored.
    threshold : W, scalar or one per row; use :func:`on_threshold` for the activity definition.
    """
    return _value(precision, y_true, y_pred, threshold=threshold)


@_decomposable(_confusion_stats, _recall_v)
def recall(y_true, y_pred, *, threshold) -> float:
    """On/off recall ``TP / (TP + FN)``; "on" means power ``>= threshold``.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W (interval mean). NaN pairs are ignored.
    threshold : W, scalar or one per row; use :func:`on_threshold` for the activity definition.
    """
    return _value(recall, y_true, y_pred, threshold=threshold)


@_decomposable(_confusion_stats, _f1_v)
def f1(y_true, y_pred, *, threshold) -> float:
    """On/off F1 ``2TP / (2TP + FP + FN)`` (Zhang et al. 2018 thresholds by default in
    :data:`ON_THRESHOLDS`); "on" means power ``>= threshold``. NaN when nothing is on.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W (interval mean). NaN pairs are ignored.
    threshold : W, scalar or one per row; use :func:`on_threshold` for the activity definition.
    """
    return _value(f1, y_true, y_pred, threshold=threshold)


@_decomposable(_confusion_stats, _mcc_v)
def mcc(y_true, y_pred, *, threshold) -> float:
    """Matthews correlation coefficient (Matthews 1975) of the on/off states, in [-1, 1]:
    ``(TP·TN − FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))``; NaN when a margin is empty
    (scikit-learn returns 0 there).

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]`` (W, compared to ``threshold``) or bool.
    threshold : W, scalar or one per row (0.5 for 0/1 labels).
    """
    return _value(mcc, y_true, y_pred, threshold=threshold)


# --------------------------------------------------------------------------------------------
# events


@numba.njit(cache=True)
def match_events(t_true, t_pred, tolerance):
    """Maximum one-to-one matching of two sorted event-time lists within ``±tolerance``.

    Two-pointer sweep: the earliest unmatched true and predicted events are matched whenever they
    are within tolerance; otherwise the earlier one cannot match anything later and is dropped.
    For intervals of equal width on a line this greedy matching has maximum cardinality
    (exchange argument: swapping any optimal matching's partner of the earliest event for the
    greedy partner never loses a match).

    Parameters
    ----------
    t_true, t_pred : sorted float64 arrays of event times, s.
    tolerance : float, s.

    Returns
    -------
    bool array ``[len(t_true)]``, True where the true event was matched.
    """
    matched = np.zeros(len(t_true), dtype=np.bool_)
    i = 0
    j = 0
    while i < len(t_true) and j < len(t_pred):
        d = t_pred[j] - t_true[i]
        if abs(d) <= tolerance:
            matched[i] = True
            i += 1
            j += 1
        elif d < 0:
            j += 1
        else:
            i += 1
    return matched


def onsets(on: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Indices of off→on transitions: ``on[i]`` with ``i − 1`` valid and off, ``i`` valid.

    An onset right after a gap (NaN) is unknown and is not counted; neither is sample 0.
    """
    on = np.asarray(on, dtype=bool)
    ok = np.asarray(ok, dtype=bool)
    rise = on[1:] & ~on[:-1] & ok[1:] & ok[:-1]
    return np.flatnonzero(rise) + 1


def _event_stats(y_true, y_pred, *, threshold, period, tolerance_s=60.0, **_):
    y, p, ok = _pair(y_true, y_pred)
    on_t = np.atleast_2d(y >= _thresholds(threshold, y.shape))
    on_p = np.atleast_2d(p >= _thresholds(threshold, y.shape))
    ok2 = np.atleast_2d(ok)
    s = np.zeros((3, ok2.shape[1]))
    for r in range(ok2.shape[0]):
        it = onsets(on_t[r], ok2[r])
        ip = onsets(on_p[r], ok2[r])
        m = match_events(it * float(period), ip * float(period), float(tolerance_s))
        np.add.at(s[0], it[m], 1.0)
        np.add.at(s[1], it, 1.0)
        np.add.at(s[2], ip, 1.0)
    return s


@_decomposable(_event_stats, _event_v)
def event_f1(y_true, y_pred, *, threshold, period, tolerance_s=60.0) -> float:
    """F1 of on-events (off→on transitions) matched one-to-one within ``±tolerance_s``.

    ``2·matched / (n_true_events + n_pred_events)``. Matching is the maximum-cardinality
    one-to-one matching of :func:`match_events`. Event times are interval starts, so at a period
    longer than the tolerance only events in the same interval match. NaN when neither series
    has an event. Rows of a ``[k, n]`` input are matched separately and pooled.

    Parameters
    ----------
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W. NaN pairs are ignored (no onset is counted
        across a gap).
    threshold : W, scalar or one per row (:func:`on_threshold`).
    period : grid period, s.
    tolerance_s : matching tolerance, s.
    """
    return _value(event_f1, y_true, y_pred, threshold=threshold, period=period,
                  tolerance_s=tolerance_s)


#: metric name -> function, for tables and the command line
METRICS: dict[str, Callable] = {
    "mae": mae, "rmse": rmse, "sae": sae, "nde": nde, "eac": eac, "precision": precision,
    "recall": recall, "f1": f1, "mcc": mcc, "event_f1": event_f1,
}

# --------------------------------------------------------------------------------------------
# block bootstrap


def block_length(period: float, block_s: float = 86400.0) -> int:
    """Samples per bootstrap block: ``round(block_s / period)``, at least 1."""
    return max(1, int(round(block_s / float(period))))


def _block_sums(stats: np.ndarray, length: int) -> np.ndarray:
    """``[m, n]`` per-sample statistics -> ``[B, m]`` per-block sums (last block may be short)."""
    m, n = stats.shape
    nb = -(-n // length)
    pad = np.zeros((m, nb * length))
    pad[:, :n] = stats
    return pad.reshape(m, nb, length).sum(axis=2).T


def _split_metric(metric_fn):
    """(function, keyword arguments) of a plain function or a functools.partial."""
    kw = {}
    while isinstance(metric_fn, functools.partial):
        kw = {**metric_fn.keywords, **kw}
        metric_fn = metric_fn.func
    return metric_fn, kw


def bootstrap_ci(metric_fn, y_true, y_pred, period, *, n_boot: int = 1000, alpha: float = 0.05,
                 seed: int = 0, block_s: float = 86400.0, **metric_kw):
    """Metric value and moving-block bootstrap percentile CI with one-day blocks (Künsch 1989).

    The series is cut into consecutive blocks of ``block_s / period`` samples from its first
    sample (one day by default); each replicate draws as many blocks, with replacement, as the
    series has, and recomputes the metric. Day blocks keep the within-day dependence (daily
    routines, appliance cycles) that a per-sample bootstrap would destroy.

    Metrics of this module are recomputed from per-block sums of their sufficient statistics
    (fast path). Event counts of :func:`event_f1` are attributed to the block of their onset (a
    match to the true event's block), so joining resampled blocks creates no spurious onsets.
    Any other ``metric_fn(y_true, y_pred) -> float`` is called once per replicate on
    the concatenated resampled blocks (fallback).

    Parameters
    ----------
    metric_fn : a metric of this module (optionally wrapped in ``functools.partial``) or any
        callable ``(y_true, y_pred) -> float``.
    y_true, y_pred : array ``[n]`` or ``[k, n]``, W, time on the last axis.
    period : grid period, s.
    n_boot : number of bootstrap replicates.
    alpha : two-sided level; the CI is the ``alpha/2`` and ``1 − alpha/2`` percentiles.
    seed : seed of the ``numpy.random.Generator`` drawing the blocks.
    block_s : block length, s.
    metric_kw : keyword arguments of ``metric_fn`` (``threshold``, ``tolerance_s``…).

    Returns
    -------
    (value, lo, hi) : floats. ``lo``/``hi`` are percentiles over the replicates where the metric
    is defined (NaN if none is); an :func:`mcc` replicate whose verdict is of one class on a
    truth of both classes is defined as 0, not dropped (:func:`mcc_replicate`).
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    fn, kw = _split_metric(metric_fn)
    kw.update(metric_kw)
    length = block_length(period, block_s)
    n = y_true.shape[-1]
    nb = max(1, -(-n // length))

    if fn in _DECOMPOSABLE:
        stats_fn, _ = _DECOMPOSABLE[fn]
        kw["period"] = period
        if stats_fn is _confusion_stats:
            sums = confusion_block_sums(y_true, y_pred, length, **kw)
        else:
            sums = _block_sums(stats_fn(y_true, y_pred, **kw), length)
        return bootstrap_block_sums(fn, sums, n_boot=n_boot, alpha=alpha, seed=seed)
    draws = np.random.default_rng(seed).integers(0, nb, size=(n_boot, nb))
    if kw:
        fn = functools.partial(fn, **kw)
    value = float(fn(y_true, y_pred))
    starts = draws * length
    reps = np.empty(n_boot)
    offs = np.arange(length)
    for b in range(n_boot):
        ix = (starts[b][:, None] + offs).ravel()
        ix = ix[ix < n]
        reps[b] = fn(y_true[..., ix], y_pred[..., ix])
    return value, *_percentile_ci(reps, alpha)


def _percentile_ci(reps, alpha: float) -> tuple[float, float]:
    """The ``alpha/2`` and ``1 − alpha/2`` percentiles of the finite replicates (NaN if none)."""
    reps = np.asarray(reps, dtype=np.float64)
    reps = reps[np.isfinite(reps)]
    if len(reps) == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(reps, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def bootstrap_block_sums(metric_fn, sums: np.ndarray, *, n_boot: int = 1000,
                         alpha: float = 0.05, seed: int = 0) -> tuple[float, float, float]:
    """:func:`bootstrap_ci` of a metric of this module from its per-block sufficient statistics.

    For a caller that scores several metrics on the same blocks (e.g. MCC of "occupied" and F1
    of "absent" share one confusion table per day): it draws the same blocks with the same
    generator calls as :func:`bootstrap_ci`, so the result is identical.

    Parameters
    ----------
    metric_fn : a metric of this module (not a ``functools.partial``).
    sums : float64 ``[blocks, m]``, per-block sums of the metric's statistics (e.g. TP, FP, FN,
        TN counts per day for the on/off metrics).
    n_boot, alpha, seed : as in :func:`bootstrap_ci`.
    """
    _, value_fn = _DECOMPOSABLE[metric_fn]
    rep_fn = mcc_replicate if metric_fn is mcc else value_fn
    nb = max(1, len(sums))
    draws = np.random.default_rng(seed).integers(0, nb, size=(n_boot, nb))
    value = float(value_fn(sums.sum(axis=0)))
    if not np.isfinite(value):
        # undefined on the whole series (an empty margin or denominator): every replicate is
        # too, whatever the MCC replicate rule says, so no CI (the scorers read value NaN or
        # 0 with no CI as "no decision" / "truth one class")
        return value, math.nan, math.nan
    # counts[b, j] = how often block j is drawn in replicate b; one matrix product then
    # gives every replicate's summed statistics
    flat = (np.arange(n_boot)[:, None] * nb + draws).ravel()
    counts = np.bincount(flat, minlength=n_boot * nb).reshape(n_boot, nb).astype(np.float64)
    return value, *_percentile_ci(rep_fn(counts @ sums), alpha)


def needs(metric_fn) -> set[str]:
    """Keyword-only arguments a metric needs besides the two arrays (e.g. ``{"threshold"}``)."""
    fn, _ = _split_metric(metric_fn)
    sig = inspect.signature(fn)
    return {k for k, p in sig.parameters.items()
            if p.kind is p.KEYWORD_ONLY and p.default is p.empty}


__all__ = ["METRICS", "block_length",
           "bootstrap_block_sums", "bootstrap_ci", "confusion_block_sums",
           "eac", "event_f1", "f1", "mae", "match_events", "mcc", "mcc_replicate", "nde",
           "needs", "on_threshold", "onsets", "precision", "recall", "rmse", "sae"]
