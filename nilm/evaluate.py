"""Evaluation protocol: train/test splits and the tidy scores table with bootstrap CIs.

Two protocols:

* **time split within a house** (:func:`split_time`): train on the first ``train_days`` days,
  test on the rest. With ``train_days=21`` this is the usual protocol on the UCI Sceaux house
  ("train on the first three weeks, test on the rest");
* **cross-house split**: train on one or more houses, test on another
  (:func:`evaluate` with a list of training grids); appliances are matched by canonical name
  (:func:`common_appliances`), so a REDD ``refrigerator`` and a UK-DALE ``fridge`` are one target.

:func:`evaluate` fits every model on the training grid, predicts the test mains and scores each
appliance with every metric, each with a day-block bootstrap CI (:func:`nilm.metrics.bootstrap_ci`).
The Mean baseline and the no-information Prior (:mod:`nilm.disaggregate.mean`) are always added,
so every figure sits next to what knowing nothing beyond the training averages gives.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .disaggregate.base import Disaggregator
from .disaggregate.mean import Mean, Prior
from .metrics import METRICS, bootstrap_ci, needs, on_threshold
from .series import Grid

#: metrics :func:`evaluate` computes by default
DEFAULT_METRICS = ("mae", "rmse", "sae", "nde", "eac", "precision", "recall", "f1", "mcc",
                   "event_f1")

#: columns of the results table (DESIGN.md)
COLUMNS = ["dataset", "house", "period_s", "method", "target", "metric", "value", "ci_low",
           "ci_high", "n", "seed", "split"]


def split_time(grid: Grid, train_days: float | None = 21.0, *,
               fraction: float | None = None) -> tuple[Grid, Grid]:
    """(train, test): the first ``train_days`` days (or the first ``fraction`` of the intervals)
    and the rest.

    Parameters
    ----------
    grid : the whole house.
    train_days : length of the training period in days of 86400 s from ``grid.start``; ignored
        when ``fraction`` is given.
    fraction : share of the intervals (0 < fraction < 1) used for training.

    Raises
    ------
    ValueError when either part would be empty.
    """
    if fraction is not None:
        if not 0 < fraction < 1:
            raise ValueError(f"fraction must be in (0, 1), got {fraction}")
        i = int(round(fraction * len(grid)))
        train, test = grid.slice(0, i), grid.slice(i, len(grid))
    else:
        train, test = grid.split_time(int(grid.start + round(train_days * 86400)))
    if len(train) == 0 or len(test) == 0:
        days = len(grid) * grid.period / 86400
        raise ValueError(f"split leaves an empty part: {len(train)} train and {len(test)} test "
                         f"intervals from {days:.1f} days")
    return train, test


def common_appliances(train: Sequence[Grid], test: Grid) -> list[str]:
    """Canonical appliance names present in every training grid and in the test grid, in the
    test grid's order."""
    names = [n for n in test.names if all(n in g.names for g in train)]
    if not names:
        raise ValueError(f"no appliance in common between training houses "
                         f"{[g.names for g in train]} and test house {test.names}")
    return names


def concat_grids(grids: Sequence[Grid], names: list[str], gap_s: float = 86400.0) -> Grid:
    """One training grid from several houses: their ``names`` appliances end to end, separated
    by ``gap_s`` seconds of NaN so that no window-based model sees two houses in one window.

    The time axis of the result is notional (start of the first grid, then consecutive
    intervals); only models that ignore absolute time should be trained on it, which every
    disaggregator here does. ``meta["house_starts"]`` holds the index of each house's first
    interval (int, in order; 0 first), so that a model choosing a setting by cross-validation
    can hold out one house at a time (:class:`nilm.disaggregate.edges.Hart85`).
    """
    period = grids[0].period
    if any(abs(g.period - period) > 1e-9 for g in grids):
        raise ValueError(f"training grids have different periods: {[g.period for g in grids]}")
    gap = int(math.ceil(gap_s / period))
    mains, apps, starts = [], [], []
    n = 0
    for i, g in enumerate(grids):
        if i:
            mains.append(np.full(gap, np.nan, dtype=np.float32))
            apps.append(np.full((len(names), gap), np.nan, dtype=np.float32))
            n += gap
        starts.append(n)
        n += len(g.mains)
        s = g.select(names)
        mains.append(s.mains)
        apps.append(s.appliances)
    meta = {"concatenated": [f"{g.meta.get('dataset', '?')}/{g.meta.get('house', '?')}"
                             for g in grids], "house_starts": starts}
    return Grid(grids[0].start, period, np.concatenate(mains), np.concatenate(apps, axis=1),
                list(names), meta)


def evaluate(models: Mapping[str, Disaggregator], train: Grid | Sequence[Grid], test: Grid, *,
             names: list[str] | None = None, metrics: Sequence[str] = DEFAULT_METRICS,
             seed: int = 0, n_boot: int = 1000, alpha: float = 0.05,
             tolerance_s: float | None = None, split: str | None = None,
             dataset: str | None = None, house: str | None = None,
             block_s: float = 86400.0):
    """Fit, predict and score every model; one tidy row per method × target × metric.

    Parameters
    ----------
    models : ``{method name: estimator}``; estimators are copied with ``seed`` before fitting,
        so the caller's objects stay unfitted. ``"mean"`` (:class:`Mean`) and ``"prior"``
        (:class:`Prior`, the no-information prior) are added when absent.
    train : training grid, or a list of grids from other houses (cross-house protocol: they are
        joined by :func:`concat_grids` and appliances matched by canonical name).
    test : test grid, same period.
    names : appliances to disaggregate and score (default: all of the test grid's that are in
        every training grid).
    metrics : names from :data:`nilm.metrics.METRICS`. Thresholded metrics use
        :func:`nilm.metrics.on_threshold` (seq2point thresholds and the energy-based activity
        definition at coarse periods).
    seed : reaches every model and the bootstrap; the same day blocks are drawn for every method,
        so their CIs are paired.
    n_boot, alpha : bootstrap replicates and two-sided level of the CI.
    tolerance_s : event matching tolerance, s (default ``max(60, period)``).
    split : label of the protocol (default ``"time"`` for one training grid, ``"cross_house"``
        for a list).
    dataset, house : labels (default: the test grid's ``meta``).
    block_s : bootstrap block length, s (one day by default; one hour for test spans too short
        to hold enough days).

    Returns
    -------
    pandas.DataFrame with :data:`COLUMNS`. ``target`` is an appliance name, or ``"all"`` for the
    metric over every appliance pooled (EAC as in Kolter & Johnson 2011). ``n`` is the number of
    test intervals where both truth and prediction are defined. Values are units of the metric
    (W for MAE/RMSE, dimensionless otherwise).
    """
    import pandas as pd

    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; known: {sorted(METRICS)}")
    cross = not isinstance(train, Grid)
    trains = list(train) if cross else [train]
    if any(abs(g.period - test.period) > 1e-9 for g in trains):
        raise ValueError(f"train period(s) {[g.period for g in trains]} != test period "
                         f"{test.period}")
    names = list(names) if names is not None else common_appliances(trains, test)
    train_grid = concat_grids(trains, names) if cross else trains[0].select(names)
    test_grid = test.select(names)

    methods = dict(models)
    if not any(isinstance(m, Mean) for m in methods.values()):
        methods["mean"] = Mean()
    if not any(isinstance(m, Prior) for m in methods.values()):
        methods["prior"] = Prior()

    period = float(test.period)
    tol = float(tolerance_s) if tolerance_s is not None else max(60.0, period)
    thresholds = np.array([on_threshold(n, period) for n in names])
    label = split or ("cross_house" if cross else "time")
    meta = test.meta
    rows = []
    for method, model in methods.items():
        fresh = model.clone()
        if "seed" in fresh.get_params():
            fresh.set_params(seed=seed)
        fitted = fresh.fit(train_grid)
        pred = fitted.predict(test_grid)
        targets = [(n, test_grid.appliances[j], pred[j], thresholds[j])
                   for j, n in enumerate(names)]
        targets.append(("all", test_grid.appliances, pred, thresholds))
        for target, y, p, th in targets:
            n_valid = int((np.isfinite(y) & np.isfinite(p)).sum())
            for metric in metrics:
                fn = METRICS[metric]
                kw = {"threshold": th} if "threshold" in needs(fn) else {}
                if metric == "event_f1":
                    kw["tolerance_s"] = tol
                value, lo, hi = bootstrap_ci(fn, y, p, period, n_boot=n_boot, alpha=alpha,
                                             seed=seed, block_s=block_s, **kw)
                rows.append({
                    "dataset": dataset if dataset is not None else meta.get("dataset", ""),
                    "house": str(house if house is not None else meta.get("house", "")),
                    "period_s": period, "method": method, "target": target, "metric": metric,
                    "value": value, "ci_low": lo, "ci_high": hi, "n": n_valid, "seed": seed,
                    "split": label,
                })
    return pd.DataFrame(rows, columns=COLUMNS)


__all__ = ["COLUMNS", "DEFAULT_METRICS", "common_appliances", "concat_grids", "evaluate",
           "split_time"]
