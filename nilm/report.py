"""The leakage-study report: Markdown, self-contained HTML, LaTeX tables and PNG figures, all
generated from ``OUT/results.csv`` and ``OUT/provenance.json`` (:func:`nilm.study.run_study`).

What the numbers are
--------------------
Each row of ``results.csv`` scores one attack on one household (or, for the occupant count, one
population) at one period, with a day-block bootstrap 95 % CI (Künsch 1989) and a skill against
its prior (:mod:`nilm.privacy.scores`). The report summarises a (dataset, period, metric) over
households with :func:`aggregate`, whose statistics are those of :mod:`nilm.stats`:

* value: mean over households of each household's value (a household's several rows, e.g. its
  appliances, are averaged first, so every household weighs the same);
* 95 % CI: households resampled with replacement, attack and prior together
  (:func:`nilm.stats.household_bootstrap`); with fewer than :data:`nilm.stats.MIN_BLOCKS`
  households no CI is given and ``ci_reason`` says so; a single household keeps its own
  day-block CI, unless it has fewer than :data:`nilm.stats.MIN_BLOCKS` days ("too few days");
* skill: :func:`nilm.stats.skill` of the mean value against the mean prior, its CI from the same
  paired replicates;
* headline rows whose per-day statistics ``OUT/predictions.csv`` records (:func:`day_blocks`:
  the wake/bed timing metrics and the water heater's daily kWh as per-day terms, the appliance
  day-use MCC as one-hot confusion rows per day and appliance, the absence MCC as each day's
  confusion counts from the per-interval records of ``predictions = "interval"``) take their
  CI from the **two-stage bootstrap**, households then local days within each drawn household
  (:func:`nilm.stats.two_stage_bootstrap`; the column ``bootstrap`` says which was used), the
  attack paired with the population prior on the same days; the occupant count's pooled
  population row takes a paired household bootstrap re-scored from its household records
  (:func:`population_records`), hence a p-value;
* **no decision**: a detector that predicted one class on every day of a household has no MCC
  (the scorers write it as 0 with no CI); such rows are left out of the mean and their share is
  reported in ``no_decision``, never averaged in as an MCC of 0.

Each inference is summarised by its **declared headline attack** (:data:`nilm.protocol.HEADLINE`,
chosen on the development population); the report never picks an attack on the rows it shows.
The headline table controls the false discovery rate over its rows (Benjamini & Hochberg 1995;
:func:`nilm.stats.benjamini_hochberg`) and gives, for each row, the smallest skill the study
could have detected (:func:`nilm.stats.detectable_skill`).

References
----------
Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
Annals of Statistics 17(3), 1217–1241.
Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application. Cambridge
University Press. (§3.8, hierarchical data)
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. J. R. Stat. Soc. B
57(1), 289–300.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import stats
from .atomic import atomic_open
from .labels import INFERENCE_LABELS, data_label, period_label, truthy
from .protocol import HEADLINE, Headline, threat_model

#: periods (s) the headline sentences are written for: the Enedis 10-min and 30-min curves
HEADLINE_PERIODS = (600, 1800)

_SHARE_METRICS = ("within_", "coverage", "correct")

#: metrics whose constant prediction the scorers write as 0 with no CI ("no decision")
_DECISION_METRICS = ("mcc", "day_use_mcc", "ownership_mcc")

#: columns of :func:`aggregate` after the grouping columns
AGGREGATE_COLUMNS = ["metric", "value", "ci_low", "ci_high", "prior", "skill", "skill_lo",
                     "skill_hi", "houses", "units", "n", "n_days", "no_decision", "ci_reason",
                     "p_value", "skill_se", "prior_household", "skill_household"]


def no_decision(rows: pd.DataFrame) -> np.ndarray:
    """Rows where the detector made no decision: a decision metric (MCC) scored 0 with no CI,
    the scorers' encoding of a prediction that is one class on every day."""
    metric = rows["metric"].astype(str).isin(_DECISION_METRICS).to_numpy(bool)
    v = rows["value"].to_numpy(float)
    lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
    return metric & (v == 0.0) & np.isnan(lo) & np.isnan(hi)


def house_key(rows: pd.DataFrame) -> pd.Series:
    """A household's identity in a results table: ``source/house`` when the table says which
    study source a row came from (two simulated sources both name their houses ``sim_000``…),
    else ``house``."""
    house = rows["house"].astype(str)
    if "source" in rows.columns:
        src = rows["source"].astype(str)
        return house.where(rows["source"].isna(), src + "/" + house)
    return house


def _n_houses(g: pd.DataFrame) -> int:
    """Distinct households behind rows; a population row (house ``"*"``, e.g. the occupant
    count) counts the households its ``n`` says it scored."""
    per_house = g["house"].astype(str) != "*"
    n = int(house_key(g[per_house]).nunique())
    pop = g[~per_house]
    if len(pop) and len(pop["metric"].unique()) == 1:
        try:
            if stats.metric_info(str(pop["metric"].iloc[0])).n_unit == "households":
                n += int(np.nansum(pop["n"].to_numpy(float)))
        except KeyError:
            pass
    return n


def _per_house(g: pd.DataFrame) -> pd.DataFrame:
    """One row per household: mean value, prior and household prior of its rows."""
    cols = {"value": "mean", "prior": "mean", "n": "sum", "ci_low": "first", "ci_high": "first"}
    if "prior_household" in g.columns:
        cols["prior_household"] = "mean"
    return g.groupby(house_key(g), sort=True).agg(cols)


def _n_days(g: pd.DataFrame, metric: str) -> float:
    """Household-days behind a group's rows (NaN when its ``n`` counts no days): a household's
    several rows on the same days (one per appliance) count its days once, by its row with the
    most days."""
    try:
        unit = stats.metric_info(metric).n_unit
    except KeyError:
        return math.nan
    n = g["n"].to_numpy(float)
    if unit == "intervals" and "period_s" in g.columns:
        n = n * g["period_s"].to_numpy(float) / 86400.0
    elif unit != "days":
        return math.nan
    return float(pd.Series(n, index=g.index).groupby(house_key(g)).max().sum())


def _skill_bounds(metric, lo, hi, prior):
    a, b = stats.skill(lo, prior, metric), stats.skill(hi, prior, metric)
    return (min(a, b), max(a, b)) if math.isfinite(a) and math.isfinite(b) else (math.nan,
                                                                                  math.nan)


def aggregate(rows: pd.DataFrame, by: list[str], *, seed: int = 0,
              n_boot: int = stats.N_BOOT) -> pd.DataFrame:
    """Summarise result rows over households (see the module notes).

    Parameters
    ----------
    rows : tidy rows (columns ``metric``, ``value``, ``ci_low``, ``ci_high``, ``prior``,
        ``house``, ``n``; optional ``skill``, whose being NaN on every row of a group means
        the metric has no skill there, and ``prior_household``).
    by : grouping columns (e.g. ``["period_s"]``); each group must hold one metric.
    seed : seed of the bootstrap over households (``numpy.random.default_rng``).
    n_boot : bootstrap replicates.

    Returns
    -------
    DataFrame: ``by`` columns then :data:`AGGREGATE_COLUMNS`: ``houses`` (households with a
    value), ``units`` (rows averaged), ``n`` (sum of the rows' n), ``n_days`` (household-days
    scored, from ``n`` and :attr:`nilm.stats.Metric.n_unit`), ``no_decision`` (share of
    the group's rows that are "no decision"), ``ci_reason`` (why there is no CI, else ""),
    ``p_value`` (bootstrap p-value of skill ≤ 0), ``skill_se`` (bootstrap SD of the skill),
    ``prior_household`` / ``skill_household`` (against the household-typical prior, when the
    rows carry it). Rows whose value is NaN are left out of the mean, never counted as 0.
    """
    out = []
    for key, g in rows.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        metrics = g["metric"].unique()
        if len(metrics) != 1:
            raise ValueError(f"group {key} mixes metrics {list(metrics)}")
        metric = str(metrics[0])
        undecided = no_decision(g)
        share = float(undecided.mean()) if len(g) else math.nan
        g = g[~undecided & np.isfinite(g["value"].to_numpy(float))]
        rec = dict(zip(by, key, strict=True))
        rec.update(metric=metric, value=math.nan, ci_low=math.nan, ci_high=math.nan,
                   prior=math.nan, skill=math.nan, skill_lo=math.nan, skill_hi=math.nan,
                   houses=_n_houses(g), units=len(g),
                   n=int(np.nansum(g["n"].to_numpy(float))), n_days=_n_days(g, metric),
                   no_decision=share,
                   ci_reason="", p_value=math.nan, skill_se=math.nan,
                   prior_household=math.nan, skill_household=math.nan)
        if len(g):
            h = _per_house(g)
            if len(h) == 1:
                x = h.iloc[0]
                value, prior = float(x["value"]), float(x["prior"])
                lo, hi = (float(x["ci_low"]), float(x["ci_high"])) if len(g) == 1 else \
                    (math.nan, math.nan)
                few = rec["n_days"] < stats.MIN_BLOCKS  # False when the days are not counted
                # a population row's CI is a bootstrap over its households (the occupant count)
                few_houses = (str(g["house"].iloc[0]) == "*"
                              and rec["houses"] < stats.MIN_BLOCKS)
                if few or few_houses:
                    lo, hi = math.nan, math.nan
                rec.update(value=value, ci_low=lo, ci_high=hi, prior=prior,
                           skill=stats.skill(value, prior, metric))
                rec["skill_lo"], rec["skill_hi"] = _skill_bounds(metric, lo, hi, prior)
                if few:
                    rec["ci_reason"] = "too few days"
                elif few_houses:
                    rec["ci_reason"] = "too few households"
                elif not (math.isfinite(lo) and math.isfinite(hi)):
                    rec["ci_reason"] = "no day-block CI"
            else:
                e = stats.household_bootstrap(h["value"].to_numpy(float),
                                              h["prior"].to_numpy(float), metric, seed=seed,
                                              n_boot=n_boot)
                d = e.as_dict()
                rec.update({k: d[k] for k in ("value", "ci_low", "ci_high", "prior", "skill",
                                              "skill_lo", "skill_hi", "p_value")},
                           ci_reason=d["ci_reason"], skill_se=d["skill_se"])
            if "skill" in g.columns and not np.isfinite(g["skill"].to_numpy(float)).any():
                # the scorer gives this metric no skill (e.g. a coverage share): none is made up
                rec.update(skill=math.nan, skill_lo=math.nan, skill_hi=math.nan,
                           p_value=math.nan, skill_se=math.nan)
            if "prior_household" in h.columns:
                ph = h["prior_household"].to_numpy(float)
                ok = np.isfinite(ph)
                if ok.any():
                    rec["prior_household"] = float(ph[ok].mean())
                    rec["skill_household"] = stats.skill(
                        float(h["value"].to_numpy(float)[ok].mean()), rec["prior_household"],
                        metric)
        out.append(rec)
    cols = list(by) + [c for c in AGGREGATE_COLUMNS if c not in by]
    return pd.DataFrame(out, columns=cols)


#: ``method`` names of the priors a study scores like attacks (:data:`nilm.privacy.PRIORS`):
#: the population prior (learned on training households) and the household-typical prior
POPULATION_PRIORS = ("clock_prior", "population_prior")
HOUSEHOLD_PRIOR = "household_typical"


def attach_priors(results: pd.DataFrame) -> pd.DataFrame:
    """Pair each attack row with the priors the study scored like attacks.

    Where ``results`` holds rows of a population prior (``method`` in
    :data:`POPULATION_PRIORS`) for the same household, period, inference, target and metric,
    an attack row's ``prior`` becomes that prior's value (and its ``skill`` is recomputed with
    :func:`nilm.stats.skill`); the household-typical prior's value (:data:`HOUSEHOLD_PRIOR`)
    becomes ``prior_household``. Rows without such a pair keep the scorer's own ``prior``.
    """
    if not results["method"].isin([*POPULATION_PRIORS, HOUSEHOLD_PRIOR]).any():
        return results
    keys = [k for k in ("source", "dataset", "house", "period_s", "inference", "target",
                        "metric") if k in results.columns]
    out = results.copy()
    for methods, col in ((POPULATION_PRIORS, "prior"), ((HOUSEHOLD_PRIOR,), "prior_household")):
        pr = results[results["method"].isin(methods)][keys + ["value"]]
        pr = pr.drop_duplicates(keys).rename(columns={"value": "_pv"})
        merged = out[keys].merge(pr, on=keys, how="left")
        pv = merged["_pv"].to_numpy(float)
        attack = ~out["method"].isin([*POPULATION_PRIORS, HOUSEHOLD_PRIOR]).to_numpy(bool)
        has = attack & np.isfinite(pv)
        if col == "prior":
            out.loc[has, "prior"] = pv[has]
            # one vectorised skill per metric, not one call per row (the same elementwise
            # arithmetic; 774k calls were 10 % of the headline's report stage)
            value = out["value"].to_numpy(float)
            metric = out["metric"].to_numpy(object)
            sk = out["skill"].to_numpy(float).copy()
            for m in pd.unique(metric[has]):
                rows = has & (metric == m)
                sk[rows] = stats.skill(value[rows], pv[rows], m)
            out.loc[has, "skill"] = sk[has]
        else:
            if "prior_household" not in out.columns:
                out["prior_household"] = np.nan
            out.loc[has, "prior_household"] = pv[has]
    return out


def dedupe_native(results: pd.DataFrame) -> pd.DataFrame:
    """Drop ``native`` rows of a dataset at a period that a named resolution also covers (e.g.
    UCI's native 60 s and ``1min``), so no point is counted twice."""
    if "resolution" not in results.columns:
        return results
    named = results[results["resolution"] != "native"]
    seen = set(zip(named["dataset"], named["period_s"].astype(float), strict=True))
    covered = np.array([(d, float(p)) in seen for d, p in zip(
        results["dataset"], results["period_s"], strict=True)], dtype=bool)
    dup = (results["resolution"] == "native").to_numpy(bool) & covered
    return results[~dup]


HEADLINE_COLUMNS = ["simulated", "dataset", "inference", "method", "target", "period_s",
                    "threat_model", *AGGREGATE_COLUMNS, "bootstrap", "q_value", "discovery",
                    "detectable_skill", "attacks_tried"]

#: ``bootstrap`` of a headline row: households resampled, or households then their days
BOOTSTRAP_HOUSEHOLDS, BOOTSTRAP_TWO_STAGE = "households", "households, then days"


def _day_term(metric: str, truth: np.ndarray, pred: np.ndarray) -> np.ndarray | None:
    """Per-day term whose mean over a household's days is its ``metric``, from the records of
    predictions.csv (the routine scorer records epoch seconds, the hot-water scorer kWh per
    day); None for a metric that is not a mean of per-day terms."""
    err = np.abs(pred - truth)
    if metric == "mae_min":
        return err / 60.0
    tol = re.fullmatch(r"within_([0-9.]+)min", metric)
    if tol:
        return (err / 60.0 <= float(tol.group(1))).astype(float)
    if metric == "mae_kwh_day":
        return err
    return None


def _confusion(yt: np.ndarray, yp: np.ndarray) -> np.ndarray:
    """``(..., 4)`` counts (tp, fp, fn, tn) of boolean truth and verdict arrays, summed over
    the last axis."""
    return np.stack([(yt & yp).sum(-1), (~yt & yp).sum(-1), (yt & ~yp).sum(-1),
                     (~yt & ~yp).sum(-1)], axis=-1).astype(float)


def interval_confusion(truth, pred) -> np.ndarray:
    """``(records, 4)`` confusion counts (tp, fp, fn, tn; positive = ``"1"``) of per-interval
    records of predictions.csv (:func:`nilm.privacy.scores.interval_prediction`: a string per
    local day, one character per interval, ``"1"`` / ``"0"`` / ``"-"`` unknown); an interval
    unknown on either side is not counted, as the scorer leaves it out of its MCC."""
    out = np.zeros((len(truth), 4))
    for i, (t, p) in enumerate(zip(truth, pred, strict=True)):
        t = np.frombuffer(str(t).encode("ascii"), np.uint8)
        p = np.frombuffer(str(p).encode("ascii"), np.uint8)
        if t.size != p.size:
            raise ValueError(f"interval record {i}: truth has {t.size} intervals, the "
                             f"prediction {p.size}")
        ok = (t != ord("-")) & (p != ord("-"))
        out[i] = _confusion(t[ok] == ord("1"), p[ok] == ord("1"))
    return out


def _day_stats(metric: str, truth: pd.Series, pred: pd.Series) -> np.ndarray | None:
    """``(records, k)`` per-local-day sufficient statistics of ``metric``
    (:attr:`nilm.stats.Metric.stats`) from the records of predictions.csv: the per-interval
    confusion counts of a day for the absence MCC (``predictions = "interval"``), the one-hot
    confusion row of a day's used / not-used verdict for the appliance day-use MCC, (term, 1)
    for a mean of per-day terms (:func:`_day_term`); None for a metric not re-scored here."""
    if metric == "mcc":
        return interval_confusion(truth.astype(str).to_numpy(), pred.astype(str).to_numpy())
    t = pd.to_numeric(truth, errors="coerce").to_numpy(float)
    p = pd.to_numeric(pred, errors="coerce").to_numpy(float)
    if metric == "day_use_mcc":
        out = _confusion((t >= 0.5)[:, None], (p >= 0.5)[:, None])
        out[~(np.isfinite(t) & np.isfinite(p))] = np.nan
        return out
    term = _day_term(metric, t, p)
    return None if term is None else np.column_stack([term, np.ones(len(term))])


#: metrics whose per-day records are per-interval strings (``predictions = "interval"``)
_INTERVAL_METRICS = ("mcc",)


@dataclass(frozen=True)
class DayBlocks:
    """One household's per-local-day statistics at one period (:func:`day_blocks`):
    ``attack`` and ``prior`` are ``(days, targets, k)`` arrays (the days both predicted, in
    date order; a day a target has no record for holds zeros), ``targets`` names the second
    axis (the appliances of the appliance day-use MCC; one target elsewhere)."""

    attack: np.ndarray
    prior: np.ndarray
    targets: tuple


def day_blocks(predictions: pd.DataFrame, inference: str, h: Headline
               ) -> dict[tuple, DayBlocks]:
    """Per-household per-local-day sufficient statistics of the headline attack ``h`` and of
    the population prior (:data:`POPULATION_PRIORS`) on the same days.

    Parameters
    ----------
    predictions : rows of ``OUT/predictions.csv`` (per-day units: the study's
        ``predictions = "day"``; the absence MCC's per-interval records need
        ``predictions = "interval"``).
    inference, h : the inference and its declared headline.

    Returns
    -------
    ``{(dataset, household key, period_s): DayBlocks}``; empty when the metric has no
    per-day statistics (:func:`_day_stats`) or the file has no such records. A day the prior
    did not predict is left out of both (the pairing of :func:`attach_priors`).
    """
    if predictions is None or predictions.empty or h.metric not in (
            "day_use_mcc", *_INTERVAL_METRICS) and _day_term(
            h.metric, np.zeros(1), np.zeros(1)) is None:
        return {}
    p = predictions[(predictions["inference"] == inference)
                    & (predictions["unit"].astype(str) != "household")]
    if h.target is not None:
        p = p[p["target"] == h.target]
    if p.empty:
        return {}
    p = p.assign(_key=house_key(p), period_s=p["period_s"].astype(float))
    keys = ["dataset", "_key", "period_s", "target", "unit"]
    att = p[p["method"] == h.method][keys + ["truth", "prediction"]]
    pri = p[p["method"].isin(POPULATION_PRIORS)][keys + ["truth", "prediction"]]
    pri = pri.drop_duplicates(keys)
    m = att.merge(pri, on=keys, how="inner", suffixes=("", "_p"))
    if m.empty:
        return {}
    sa = _day_stats(h.metric, m["truth"], m["prediction"])
    sp = _day_stats(h.metric, m["truth_p"], m["prediction_p"])
    k = sa.shape[1]
    m = m.reset_index(drop=True)
    out = {}
    for (ds, key, period), g in m.groupby(["dataset", "_key", "period_s"], sort=True):
        days = sorted(set(g["unit"].astype(str)))
        targets = tuple(sorted(set(g["target"].astype(str))))
        di = g["unit"].astype(str).map({d: i for i, d in enumerate(days)}).to_numpy()
        ti = g["target"].astype(str).map({t: i for i, t in enumerate(targets)}).to_numpy()
        a = np.zeros((len(days), len(targets), k))
        q = np.zeros((len(days), len(targets), k))
        a[di, ti] = sa[g.index]
        q[di, ti] = sp[g.index]
        out[(ds, key, float(period))] = DayBlocks(a, q, targets)
    return out


def _two_stage(a: pd.DataFrame, g: pd.DataFrame, blocks: dict, ds, metric: str, seed: int,
               n_boot: int) -> pd.DataFrame:
    """Rows of ``a`` (:func:`aggregate` of ``g`` by period) whose every household has day
    blocks get the two-stage bootstrap's value, prior, skill and CIs: a household's score is
    the mean over its scored targets (rows of ``g``, "no decision" and NaN rows left out as in
    :func:`aggregate`) of each target's metric from its summed per-day statistics."""
    a = a.assign(bootstrap=BOOTSTRAP_HOUSEHOLDS)
    if not blocks:
        return a
    for i, x in a.iterrows():
        r = g[g["period_s"].astype(float) == float(x["period_s"])]
        r = r[~no_decision(r) & np.isfinite(r["value"].to_numpy(float))]
        if r.empty:
            continue
        houses = []
        for key, rows in r.groupby(house_key(r), sort=True):
            b = blocks.get((ds, key, float(x["period_s"])))
            b = b if isinstance(b, DayBlocks) else None
            want = [b.targets.index(str(t)) for t in rows["target"].astype(str)
                    if b is not None and str(t) in b.targets]
            if b is None or len(want) != len(rows):
                houses = None
                break
            houses.append((b.attack[:, want], b.prior[:, want]))
        if not houses:
            continue
        d = stats.two_stage_bootstrap(houses, metric, seed=seed, n_boot=n_boot).as_dict()
        a.loc[i, ["value", "ci_low", "ci_high", "prior", "skill", "skill_lo", "skill_hi",
                  "p_value", "skill_se"]] = [d[k] for k in (
                      "value", "ci_low", "ci_high", "prior", "skill", "skill_lo", "skill_hi",
                      "p_value", "skill_se")]
        a.loc[i, "ci_reason"] = ("too few days/households" if d["ci_reason"] else "")
        a.loc[i, "bootstrap"] = BOOTSTRAP_TWO_STAGE
    return a


@dataclass(frozen=True)
class PopulationRecords:
    """A pooled population row's household records (predictions.csv, unit ``"household"``):
    each household's true and predicted value, from which the row re-scores."""

    truth: np.ndarray
    prediction: np.ndarray


def population_records(predictions: pd.DataFrame | None, inference: str, h: Headline
                       ) -> dict[tuple, PopulationRecords]:
    """``{(dataset, "*", period_s): PopulationRecords}`` of the headline attack ``h`` where the
    inference's headline row is one pooled population (the occupant count, whose metric
    :data:`nilm.privacy.occupants.POPULATION_SCORES` re-scores); empty otherwise."""
    from .privacy.occupants import POPULATION_SCORES

    if (inference != "occupants" or h.metric not in POPULATION_SCORES or predictions is None
            or predictions.empty):
        return {}
    p = predictions[(predictions["inference"] == inference)
                    & (predictions["unit"].astype(str) == "household")
                    & (predictions["method"] == h.method)]
    if h.target is not None:
        p = p[p["target"] == h.target]
    out = {}
    for (ds, period), g in p.groupby(["dataset", p["period_s"].astype(float)], sort=True):
        out[(ds, "*", float(period))] = PopulationRecords(
            pd.to_numeric(g["truth"], errors="coerce").to_numpy(float),
            pd.to_numeric(g["prediction"], errors="coerce").to_numpy(float))
    return out


def headline_blocks(predictions: pd.DataFrame | None, inference: str, h: Headline) -> dict:
    """What the headline row of ``inference`` re-scores from predictions.csv: per-household
    day blocks (:func:`day_blocks`) or a pooled population's household records
    (:func:`population_records`)."""
    if predictions is None:
        return {}
    return {**day_blocks(predictions, inference, h), **population_records(predictions,
                                                                          inference, h)}


def _population_test(a: pd.DataFrame, g: pd.DataFrame, blocks: dict, ds, metric: str,
                     seed: int, n_boot: int) -> pd.DataFrame:
    """Rows of ``a`` that aggregate one pooled population row (house ``"*"``) with household
    records in ``blocks`` get the paired household bootstrap of (attack − prior) re-scored
    from those records (:func:`nilm.stats.population_bootstrap`): CIs and the p-value of
    "skill ≤ 0", so that the row enters the Benjamini–Hochberg control like the others. Records
    that do not re-give the row's value and prior leave the row as it was, with ``ci_reason``
    saying so."""
    from .privacy.occupants import POPULATION_SCORES

    if metric not in POPULATION_SCORES:
        return a
    score, prior = POPULATION_SCORES[metric]
    for i, x in a.iterrows():
        r = g[g["period_s"].astype(float) == float(x["period_s"])]
        rec = blocks.get((ds, "*", float(x["period_s"])))
        if rec is None or len(r) != 1 or str(r["house"].iloc[0]) != "*":
            continue
        d = stats.population_bootstrap(rec.truth, rec.prediction, metric, score, prior,
                                       seed=seed, n_boot=n_boot).as_dict()
        if not (math.isclose(d["value"], float(x["value"]), abs_tol=1e-9)
                and math.isclose(d["prior"], float(x["prior"]), abs_tol=1e-9)):
            a.loc[i, "ci_reason"] = "household records do not re-score the row"
            continue
        a.loc[i, ["ci_low", "ci_high", "skill", "skill_lo", "skill_hi", "p_value",
                  "skill_se"]] = [d[k] for k in ("ci_low", "ci_high", "skill", "skill_lo",
                                                 "skill_hi", "p_value", "skill_se")]
        a.loc[i, "ci_reason"] = d["ci_reason"]
    return a


def headline_table(results: pd.DataFrame, *, headline: dict | None = None,
                   seed: int = 0, predictions: pd.DataFrame | None = None,
                   n_boot: int = stats.N_BOOT, blocks: dict | None = None) -> pd.DataFrame:
    """Each inference's declared headline (:data:`nilm.protocol.HEADLINE`: attack, target and
    primary metric) per dataset and period, aggregated over households with :func:`aggregate`.

    No attack is chosen here: an inference whose declared attack is absent from ``results`` is
    left out. Priors the study scored like attacks replace the scorers' ``prior``
    (:func:`attach_priors`). Over all the table's rows the Benjamini–Hochberg q-value of
    "skill ≤ 0" is given (``q_value``; ``discovery`` where it is ≤ 0.05) and the smallest
    skill the study could have detected at 80 % power (``detectable_skill``);
    ``attacks_tried`` lists every attack of the inference in ``results``, the priors left out
    (what a "no leak found" row was found with). With ``predictions``
    (``OUT/predictions.csv``), rows whose metric has per-day records take their CIs from the
    two-stage bootstrap over households, then days (:func:`day_blocks`; ``bootstrap`` says
    which), and a pooled population row (the occupant count) its paired household bootstrap
    and p-value re-scored from its household records (:func:`population_records`);
    ``blocks``: ``{inference: headline_blocks(...)}`` computed once by a caller that makes
    several tables of the same study (:func:`headline_csv`'s strata).

    Returns a DataFrame with the columns :data:`HEADLINE_COLUMNS`.
    """
    headline = HEADLINE if headline is None else headline
    results = attach_priors(dedupe_native(results))
    parts = []
    for inf, h in headline.items():
        if not isinstance(h, Headline):
            raise TypeError(f"headline[{inf!r}] must be a nilm.protocol.Headline")
        r = results[(results["inference"] == inf) & (results["metric"] == h.metric)
                    & (results["method"] == h.method)]
        if h.target is not None:
            r = r[r["target"] == h.target]
        tried = results[results["inference"] == inf]
        days = (blocks[inf] if blocks is not None and inf in blocks else
                headline_blocks(predictions, inf, h))
        for (sim, ds), g in r.groupby(["simulated", "dataset"], sort=True):
            a = _two_stage(aggregate(g, ["period_s"], seed=seed, n_boot=n_boot), g, days,
                           ds, h.metric, seed, n_boot)
            a = _population_test(a, g, days, ds, h.metric, seed, n_boot)
            a["attacks_tried"] = ", ".join(sorted(set(tried.loc[tried["dataset"] == ds,
                                                                "method"].astype(str))
                                                  - {*POPULATION_PRIORS, HOUSEHOLD_PRIOR}))
            a.insert(0, "target", h.target if h.target is not None else "all")
            a.insert(0, "method", h.method)
            a.insert(0, "inference", inf)
            a.insert(0, "dataset", ds)
            a.insert(0, "simulated", truthy(sim))
            parts.append(a)
    if not parts:
        return pd.DataFrame(columns=HEADLINE_COLUMNS)
    tab = pd.concat(parts, ignore_index=True)
    tab["threat_model"] = [threat_model(p) for p in tab["period_s"].astype(float)]
    q, rej = stats.benjamini_hochberg(tab["p_value"].to_numpy(float))
    tab["q_value"], tab["discovery"] = q, rej
    tab["detectable_skill"] = [stats.detectable_skill(s) for s in tab["skill_se"]]
    return tab[HEADLINE_COLUMNS]


#: columns of ``docs/results/headline.csv`` (issue 11, item 8), in order
HEADLINE_CSV_COLUMNS = ["dataset", "simulated", "truth_kind", "threat_model", "stratum",
                        "inference", "target", "metric", "period_s", "method", "value",
                        "ci_low", "ci_high", "n_households", "n_days", "prior_population",
                        "skill_population", "prior_household", "skill_household"]


def headline_csv(results: pd.DataFrame, strata: pd.DataFrame | None = None, *,
                 headline: dict | None = None, seed: int = 0,
                 predictions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The committed headline table: population aggregates only, never a household's truth.

    Parameters
    ----------
    results : the study's tidy table.
    strata : optional ``source``, ``house`` and one column per stratum variable (e.g.
        ``heating``, ``water_heater``, ``household_type``, ``season``); each value of each
        variable gets its rows (``stratum = "heating=electric"``) beside ``stratum = "all"``.
    headline, seed, predictions : as :func:`headline_table`.

    Returns
    -------
    DataFrame with :data:`HEADLINE_CSV_COLUMNS`, one row per dataset × inference × target ×
    metric × period × stratum; ``truth_kind`` is ``simulated`` or ``proxy`` (real rows of a
    study score sub-meter proxies); the household-typical prior's columns are NaN until the
    results carry ``prior_household``.
    """
    groups = [("all", results)]
    if strata is not None and not strata.empty:
        key = house_key(strata.assign(house=strata["house"].astype(str)))
        rkey = house_key(results)
        for var in [c for c in strata.columns if c not in ("source", "house")]:
            for val in sorted(strata[var].dropna().astype(str).unique()):
                members = set(key[strata[var].astype(str) == val])
                # population rows (house "*", the occupant count) have no stratum
                groups.append((f"{var}={val}", results[rkey.isin(members)]))
    heads = HEADLINE if headline is None else headline
    blocks = ({inf: headline_blocks(predictions, inf, h) for inf, h in heads.items()}
              if predictions is not None else None)
    parts = []
    for stratum, r in groups:
        tab = headline_table(r, headline=headline, seed=seed, blocks=blocks)
        if tab.empty:
            continue
        tab = tab.assign(stratum=stratum)
        parts.append(tab)
    if not parts:
        return pd.DataFrame(columns=HEADLINE_CSV_COLUMNS)
    tab = pd.concat(parts, ignore_index=True)
    out = pd.DataFrame({
        "dataset": tab["dataset"], "simulated": tab["simulated"].astype(bool),
        "truth_kind": np.where(tab["simulated"].astype(bool), "simulated", "proxy"),
        "threat_model": tab["threat_model"], "stratum": tab["stratum"],
        "inference": tab["inference"], "target": tab["target"], "metric": tab["metric"],
        "period_s": tab["period_s"].astype(float), "method": tab["method"],
        "value": tab["value"], "ci_low": tab["ci_low"], "ci_high": tab["ci_high"],
        "n_households": tab["houses"].astype(int), "n_days": tab["n_days"],
        "prior_population": tab["prior"], "skill_population": tab["skill"],
        "prior_household": tab["prior_household"], "skill_household": tab["skill_household"]})
    return out[HEADLINE_CSV_COLUMNS]


#: columns of :func:`ownership_scores`
OWNERSHIP_COLUMNS = ["dataset", "simulated", "inference", "target", "metric", "period_s",
                     "method", "value", "ci_low", "ci_high", "prior", "skill", "skill_lo",
                     "skill_hi", "n_households", "owners", "ci_reason"]

_OWNERSHIP_METRICS = ("ownership_balanced_accuracy", "ownership_mcc", "presence_f1_macro")


def ownership_scores(results: pd.DataFrame, ownership: pd.DataFrame, *,
                     seed: int = 0) -> pd.DataFrame:
    """Ownership (presence) detection scored over households, from the scorers'
    ``ownership_correct`` rows and the true ownership.

    Parameters
    ----------
    results : the study's tidy table; its ``ownership_correct`` rows (1 when the attack's
        verdict "owns it" / "does not" matched the truth) give each household's prediction.
    ownership : ``source``, ``house``, ``target`` (appliance), ``owns`` (bool): the truth.
    seed : seed of the bootstrap over households.

    Returns
    -------
    DataFrame with :data:`OWNERSHIP_COLUMNS`, per dataset × inference × target × period ×
    method and metric: balanced accuracy and MCC of owns / does not own over households (the
    hot-water heater, issue 11 item 4) and the F1-macro of presence (Petralia et al. 2023's
    appliance-presence metric). Prior: the households' majority ownership predicted for all
    (balanced accuracy 0.5, MCC undefined). CIs: households resampled
    (:func:`nilm.stats.paired_bootstrap` with households as blocks).
    """
    r = results[results["metric"] == "ownership_correct"]
    r = r[np.isfinite(r["value"].to_numpy(float))]
    truth = dict(zip(zip(house_key(ownership), ownership["target"].astype(str)),
                     ownership["owns"].astype(bool), strict=True))
    out = []
    keys = ["simulated", "dataset", "inference", "target", "period_s", "method"]
    for key, g in r.groupby(keys, sort=True):
        rec = dict(zip(keys, key, strict=True))
        t = np.array([truth.get((k, str(rec["target"]))) for k in house_key(g)], dtype=object)
        known = np.array([x is not None for x in t])
        t = t[known].astype(bool)
        pred = np.where(g["value"].to_numpy(float)[known] >= 0.5, t, ~t)
        majority = bool(t.mean() >= 0.5) if t.size else False
        conf = _confusion_rows(t, pred)
        prior_conf = _confusion_rows(t, np.full(t.shape, majority))
        for metric in _OWNERSHIP_METRICS:
            e = stats.paired_bootstrap(conf, prior_conf, metric, seed=seed)
            if e.reason == "too few days":
                e.reason = "too few households"
            out.append({**rec, "simulated": truthy(rec["simulated"]), "metric": metric,
                        "value": e.value, "ci_low": e.ci[0], "ci_high": e.ci[1],
                        "prior": e.prior, "skill": e.skill, "skill_lo": e.skill_ci[0],
                        "skill_hi": e.skill_ci[1], "n_households": int(t.size),
                        "owners": int(t.sum()), "ci_reason": e.reason})
    return pd.DataFrame(out, columns=OWNERSHIP_COLUMNS)


def _confusion_rows(truth: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """(households, 4) rows of tp, fp, fn, tn: one household per row (the bootstrap blocks)."""
    t, p = truth.astype(bool), pred.astype(bool)
    return np.stack([t & p, ~t & p, t & ~p, ~t & ~p], axis=1).astype(float).reshape(-1, 4)


def _value_or_no_ci(x) -> str:
    if math.isfinite(float(x["ci_low"])) and math.isfinite(float(x["ci_high"])):
        return fmt_ci(x["value"], x["ci_low"], x["ci_high"], x["metric"])
    return f"{fmt_number(x['value'], x['metric'])} (no CI)"


def readme_table(headline: pd.DataFrame) -> str:
    """The README's headline table (Markdown) from ``headline.csv``'s ``stratum == "all"`` rows at
    the 10-min and 30-min rungs: one line per dataset × inference × period, value [CI], skill
    against each prior, households and household-days."""
    h = headline[(headline["stratum"] == "all")
                 & headline["period_s"].astype(float).isin([float(p) for p in
                                                            HEADLINE_PERIODS])]
    lines = ["| inference (metric, attack) | data | resolution | value [95 % CI] | skill vs "
             "population prior | skill vs household routine | households | days |",
             "|---|---|---|---|---|---|---|---|"]
    for _, x in h.iterrows():
        def num(v):
            return f"{float(v):.2f}" if math.isfinite(float(v)) else "–"
        days = f"{float(x['n_days']):.0f}" if math.isfinite(float(x["n_days"])) else "–"
        lines.append(
            f"| {INFERENCE_LABELS.get(x['inference'], x['inference'])} ({x['metric']}, "
            f"{x['method']}) | {data_label(x['simulated'], x['dataset'])} | "
            f"{period_label(x['period_s'])} | "
            f"{_value_or_no_ci(x)} | "
            f"{num(x['skill_population'])} | {num(x['skill_household'])} | "
            f"{int(x['n_households'])} | {days} |")
    return "\n".join(lines)


def appliance_detectability(results: pd.DataFrame, *, metric: str = "day_use_mcc",
                            dataset: str | None = None, method: str | None = None
                            ) -> pd.DataFrame:
    """The appliance inference of one dataset and attack, per appliance and period, aggregated
    over households with :func:`aggregate` (what :func:`nilm.plot.detectability_heatmap`
    draws).

    Parameters
    ----------
    results : tidy study table.
    metric : appliance metric (``"day_use_mcc"``, ``"day_use_f1"`` or ``"event_f1"``).
    dataset : dataset (default: the first, simulated datasets first).
    method : attack (default: the declared headline attack of the appliance inference,
        :data:`nilm.protocol.HEADLINE`).

    Returns
    -------
    DataFrame with columns ``simulated``, ``dataset``, ``method``, ``target``, ``period_s`` and
    those of :func:`aggregate`.
    """
    missing = [c for c in ("dataset", "simulated", "period_s", "inference", "target", "metric",
                           "value", "prior", "method") if c not in results.columns]
    if missing:
        raise ValueError(f"results lack the columns {missing}")
    r = results[(results["inference"] == "appliances") & (results["metric"] == metric)]
    if r.empty:
        raise ValueError(f"no appliance rows with metric {metric!r}")
    if dataset is None:
        dataset = min(zip(r["simulated"], r["dataset"], strict=True),
                      key=lambda x: (not truthy(x[0]), str(x[1])))[1]
    r = r[r["dataset"] == dataset]
    if r.empty:
        raise ValueError(f"no appliance rows for dataset {dataset!r}")
    if method is None:
        method = HEADLINE["appliances"].method
    r = r[r["method"] == method]
    if r.empty:
        raise ValueError(f"no appliance rows of attack {method!r} for dataset {dataset!r}")
    agg = aggregate(r, by=["target", "period_s"])
    agg.insert(0, "method", method)
    agg.insert(0, "dataset", dataset)
    agg.insert(0, "simulated", truthy(r["simulated"].iloc[0]))
    return agg


# ----------------------------------------------------------------------------- formatting


def fmt_number(v: float, metric: str = "") -> str:
    """A value as the report prints it: shares as %, others with 2–3 significant digits."""
    if v is None or not math.isfinite(float(v)):
        return "–"
    v = float(v)
    if str(metric).startswith(_SHARE_METRICS):
        return f"{100 * v:.0f} %"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ci(value, lo, hi, metric: str = "") -> str:
    """``"value [lo, hi]"``; shares as ``"62 % [55, 69]"``."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    if str(metric).startswith(_SHARE_METRICS):
        b = ("–" if not math.isfinite(float(x)) else f"{100 * float(x):.0f}" for x in (lo, hi))
        return f"{fmt_number(value, metric)} [{', '.join(b)}]"
    return (f"{fmt_number(value, metric)} [{fmt_number(lo, metric)}, "
            f"{fmt_number(hi, metric)}]")


_PHRASES = {
    "occupancy": "occupied vs absent told apart with MCC {v}",
    "routine": "within ±30 min on {v} of days",
    "appliances": "the days each appliance was used told apart with MCC {v}",
    "hot_water": "daily water-heater energy within {v} kWh/day (MAE)",
    "occupants": "occupant count with balanced accuracy {v}",
}


def _sentence(inf: str, rows: pd.DataFrame, native_period: float | None) -> str:
    """One plain-words sentence for an inference from its headline rows of one dataset."""
    parts = []
    for k, p in enumerate(HEADLINE_PERIODS):
        r = rows[rows["period_s"].astype(float) == float(p)]
        where = f"at {period_label(p)}"
        if r.empty:
            why = (f" (the data's native period is {period_label(native_period)})"
                   if native_period and native_period > p else "")
            parts.append(f"not measured {where}{why}")
            continue
        if not math.isfinite(float(r["value"].iloc[0])):
            parts.append(f"no score {where} (no day with ground truth to score)")
            continue
        x = r.iloc[0]
        ci = fmt_ci(x["value"], x["ci_low"], x["ci_high"], x["metric"])
        if x.get("ci_reason"):
            ci += f" (no CI: {x['ci_reason']})"
        # the first period carries the phrase, the next ones only their numbers
        text = _PHRASES.get(inf, "{v}").format(v=ci) if k == 0 else ci
        sk = "–" if not math.isfinite(float(x["skill"])) else f"{float(x['skill']):.2f}"
        undecided = float(x.get("no_decision", 0.0) or 0.0)
        nd = f", no decision on {100 * undecided:.0f} % of rows" if undecided > 0 else ""
        parts.append(f"{text} {where} (skill {sk}{nd})")
    extra = ""
    if inf == "appliances" and not rows.empty:
        extra = f", mean over {int(rows['units'].max())} household × appliance pairs"
    return f"{INFERENCE_LABELS.get(inf, inf)}: " + ", ".join(parts) + extra


def headline_sentences(results: pd.DataFrame, *, headline: dict | None = None,
                       seed: int = 0, predictions: pd.DataFrame | None = None,
                       table: pd.DataFrame | None = None) -> list[dict]:
    """Plain-words headline per (dataset, inference): what a 10-min and a 30-min curve reveal,
    for the declared headline attacks (``headline``, default :data:`nilm.protocol.HEADLINE`;
    ``predictions``: as :func:`headline_table`; ``table``: that table when the caller has
    it already).

    Returns a list of dicts with ``label`` (real/simulated and dataset), ``dataset``,
    ``simulated``, ``inference``, ``method``, ``sentence`` and the numbers used (``rows``: the
    headline rows at every period, a DataFrame)."""
    tab = (headline_table(results, headline=headline, seed=seed, predictions=predictions)
           if table is None else table)
    natives = {}
    if "resolution" in results.columns:
        nat = results[results["resolution"] == "native"]
        natives = nat.groupby("dataset")["period_s"].min().astype(float).to_dict()
    out = []
    order = list(INFERENCE_LABELS)
    for (sim, ds), g in sorted(tab.groupby(["simulated", "dataset"], sort=True),
                               key=lambda x: (not truthy(x[0][0]), x[0][1])):
        for inf, gi in sorted(g.groupby("inference"), key=lambda x: order.index(x[0])
                              if x[0] in order else 99):
            out.append({"label": data_label(sim, ds), "dataset": ds, "simulated": truthy(sim),
                        "inference": inf, "method": gi["method"].iloc[0],
                        "sentence": _sentence(inf, gi, natives.get(ds)), "rows": gi})
    return out


HOW_TO_READ = [
    "Skill 0 means the curve leaks nothing beyond the prior written in each row (the "
    "population prior, e.g. the population's usual wake-up time or hot-water use, the "
    "majority class); skill 1 is a perfect inference. Negative skill: the attack does worse "
    "than the prior.",
    "Brackets are 95 % confidence intervals: day-block bootstrap within a single household "
    "(Künsch 1989); over households, households resampled with the attack and its prior "
    "together (Davison & Hinkley 1997, §3.8). With fewer than 10 households (or days) no CI "
    "is given, and the row says so.",
    "'No decision': a detector that predicted one class on every day of a household has no "
    "MCC; such rows are left out of the mean and their share is stated, never averaged in as "
    "MCC 0.",
    "Timing errors cannot beat the quantisation floor of period/4 (an attacker who knows the "
    "right interval but not when inside it).",
    "'Simulated' numbers come from nilm.simulate households with exact ground truth; 'real' "
    "numbers come from measured datasets whose ground truth is a sub-meter proxy (see "
    "docs/inferences.md). The two are never pooled.",
    "Headline metrics: absence — MCC of occupied vs absent intervals; wake-up — share of days "
    "found within ±30 min; appliances — MCC of used vs unused days, mean over the sub-metered "
    "appliances (day-use F1 is in the tables: its 'used every day' prior is near 1 for daily "
    "appliances, which makes its skill ill-conditioned); hot "
    "water — MAE of the water heater's daily energy (kWh/day); occupants — balanced accuracy. "
    "Each uses its declared headline attack (nilm.protocol.HEADLINE, chosen on the "
    "development population before evaluation); the other attacks are in the full tables, "
    "marked 'not the headline attack', and no attack is picked on the rows shown.",
]


# ----------------------------------------------------------------------------- documents


def _tex_escape(text) -> str:
    out = []
    for ch in str(text):
        out.append({"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                    "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                    "^": r"\textasciicircum{}", "±": r"$\pm$", "–": "--",
                    "×": r"$\times$"}.get(ch, ch))
    return "".join(out)


def _cell(x) -> str:
    """One table cell: ``value [lo, hi]``, with the share of "no decision" rows when any."""
    text = fmt_ci(x["value"], x["ci_low"], x["ci_high"], x["metric"])
    undecided = float(x["no_decision"]) if math.isfinite(float(x["no_decision"])) else 0.0
    return text + (f" ({100 * undecided:.0f} % no decision)" if undecided > 0 else "")


def _headline_row(x) -> list[str]:
    def num(v, fmt="{:.2f}"):
        return fmt.format(float(v)) if math.isfinite(float(v)) else "–"

    value = fmt_ci(x["value"], x["ci_low"], x["ci_high"], x["metric"])
    if x["ci_reason"]:
        value += f" ({x['ci_reason']})"
    skill = (f"{num(x['skill'])} [{num(x['skill_lo'])}, {num(x['skill_hi'])}]"
             if math.isfinite(float(x["skill"])) else "–")
    return [data_label(x["simulated"], x["dataset"]), INFERENCE_LABELS.get(x["inference"],
                                                                            x["inference"]),
            x["method"], x["metric"], period_label(x["period_s"]), value, skill,
            str(int(x["houses"])), num(100 * float(x["no_decision"]), "{:.0f} %"),
            num(x["q_value"], "{:.3f}"), num(x["detectable_skill"]), x["attacks_tried"]]


def inference_tables(results: pd.DataFrame, *, seed: int = 0) -> dict[str, dict]:
    """Per inference: ``{"columns": [period_s…], "groups": [(label, houses, rows)]}`` where each
    row is ``(target, metric, method, {period_s: "value [lo, hi]"})``, aggregated over
    households with :func:`aggregate`; an attack other than the inference's declared headline
    attack is labelled "(not the headline attack)"."""
    results = dedupe_native(results)
    out = {}
    order = list(INFERENCE_LABELS) + sorted(set(results["inference"]) - set(INFERENCE_LABELS))
    for inf in order:
        r = results[results["inference"] == inf]
        if r.empty:
            continue
        cols = sorted({float(p) for p in r["period_s"]})
        groups = []
        for (sim, ds), g in sorted(r.groupby(["simulated", "dataset"], sort=True),
                                   key=lambda x: (not truthy(x[0][0]), x[0][1])):
            a = aggregate(g, ["target", "metric", "method", "period_s"], seed=seed)
            rows = []
            declared = HEADLINE.get(inf)
            for (target, metric, method), ga in a.groupby(["target", "metric", "method"],
                                                          sort=True):
                cells = {float(x["period_s"]): _cell(x) for _, x in ga.iterrows()}
                label = str(method)
                if declared is not None and method != declared.method:
                    label += " (not the headline attack)"
                rows.append((str(target), str(metric), label, cells))
            groups.append((data_label(sim, ds), _n_houses(g), rows))
        out[inf] = {"columns": cols, "groups": groups}
    return out


def latex_tables(tables: dict[str, dict], provenance: dict) -> str:
    """Booktabs LaTeX, one ``table`` per inference: rows = target / metric / attack, columns =
    resolutions, cells ``value [lo, hi]``; captions carry the data labels, date and version."""
    version = provenance.get("nilm_version", "?")
    date = provenance.get("created_utc", "?")
    lines = ["% generated by nilm.report from results.csv; needs \\usepackage{booktabs}",
             f"% nilm {version}, {date}, git {provenance.get('git_commit') or 'unknown'}", ""]
    for inf, t in tables.items():
        cols = t["columns"]
        labels = sorted({g[0] for g in t["groups"]})
        lines += [r"\begin{table}[htbp]", r"\centering", r"\small",
                  r"\caption{" + _tex_escape(
                      f"{INFERENCE_LABELS.get(inf, inf)}: value [95 % CI] by resolution; "
                      f"data: {'; '.join(labels)}. Mean over households, bootstrap CI over "
                      f"households. nilm {version}, {date}.") + "}",
                  r"\label{tab:" + inf.replace("_", "-") + "}",
                  r"\begin{tabular}{lll" + "c" * len(cols) + "}", r"\toprule",
                  "target & metric & attack & " + " & ".join(
                      _tex_escape(period_label(p)) for p in cols) + r" \\", r"\midrule"]
        for k, (label, houses, rows) in enumerate(t["groups"]):
            if k:
                lines.append(r"\midrule")
            lines.append(r"\multicolumn{" + str(3 + len(cols)) + r"}{l}{\emph{" + _tex_escape(
                f"{label}, {houses} household{'s' if houses != 1 else ''}") + r"}} \\")
            for target, metric, method, cells in rows:
                lines.append(" & ".join([_tex_escape(target), _tex_escape(metric),
                                         _tex_escape(method)]
                                        + [_tex_escape(cells.get(p, "–")) for p in cols])
                             + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(lines)


class Document:
    """A tiny document model rendered to both Markdown and HTML, so the two say the same."""

    def __init__(self):
        self.blocks = []

    def h(self, level, text):
        self.blocks.append(("h", level, text))

    def p(self, text):
        self.blocks.append(("p", text))

    def ul(self, items):
        self.blocks.append(("ul", list(items)))

    def table(self, header, rows):
        self.blocks.append(("table", list(header), [list(r) for r in rows]))

    def fig(self, rel, caption, png):
        self.blocks.append(("fig", rel, caption, png))

    def markdown(self) -> str:
        out = []
        for b in self.blocks:
            if b[0] == "h":
                out.append("#" * b[1] + " " + b[2])
            elif b[0] == "p":
                out.append(b[1])
            elif b[0] == "ul":
                out.append("\n".join(f"- {x}" for x in b[1]))
            elif b[0] == "table":
                esc = [[str(c).replace("|", "\\|") for c in r] for r in [b[1]] + b[2]]
                out.append("\n".join(["| " + " | ".join(esc[0]) + " |",
                                      "|" + "---|" * len(esc[0])]
                                     + ["| " + " | ".join(r) + " |" for r in esc[1:]]))
            elif b[0] == "fig":
                out.append(f"![{b[2]}]({b[1]})\n\n*{b[2]}*")
        return "\n\n".join(out) + "\n"

    def html(self, title: str) -> str:
        e = html.escape
        body = []
        for b in self.blocks:
            if b[0] == "h":
                body.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
            elif b[0] == "p":
                body.append(f"<p>{e(b[1])}</p>")
            elif b[0] == "ul":
                body.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in b[1]) + "</ul>")
            elif b[0] == "table":
                head = "".join(f"<th>{e(str(c))}</th>" for c in b[1])
                rows = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>"
                               for r in b[2])
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
                            "</table>")
            elif b[0] == "fig":
                data = base64.b64encode(b[3]).decode("ascii")
                body.append(f'<figure><img alt="{e(b[2])}" src="data:image/png;base64,{data}">'
                            f"<figcaption>{e(b[2])}</figcaption></figure>")
        style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
                 "line-height:1.45}table{border-collapse:collapse;margin:1em 0;font-size:90%}"
                 "th,td{border:1px solid #bbb;padding:3px 7px;text-align:left}"
                 "th{background:#eee}img{max-width:100%}figcaption{font-style:italic}")
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{e(title)}</title><style>{style}</style></head><body>\n"
                + "\n".join(body) + "\n</body></html>\n")


def _read_inputs(out: Path, results, provenance):
    if results is None:
        path = out / "results.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no results table (run nilm study first)")
        results = pd.read_csv(path)
    if provenance is None:
        path = out / "provenance.json"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no provenance record (run nilm study first)")
        with open(path) as f:
            provenance = json.load(f)
    needed = {"dataset", "house", "period_s", "inference", "method", "target", "metric",
              "value", "ci_low", "ci_high", "n", "prior", "skill", "simulated"}
    missing = sorted(needed - set(results.columns))
    if missing:
        raise ValueError(f"results lack the columns {missing}")
    if results.empty:
        raise ValueError("results are empty: nothing to report")
    return results, provenance


def real_intro(stratum: str, n_folds: int) -> str:
    """The sentence that says what the real rows are (data, truth, both threat models)."""
    return (f"Real data (METER sample: time-use diaries, stratum `{stratum}`; ECO house 2: "
            "tablet + PIR occupancy), scored by the headline attacks; `sim_to_real`: trained "
            "on simulated households, `real_others`: on other real households "
            f"({n_folds}-fold over METER's households; ECO: earlier half of the days).")


def real_table(real: pd.DataFrame, *, stratum: str = "held_out"
               ) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the real-households table from ``real.csv`` (nilm.real_rows'
    aggregates): every non-null row of ``stratum`` (METER; ECO's rows are stratum ``all``)
    with value, 95 % CI or the reason there is none, both priors and skills, households and
    days, sorted by dataset, training, inference, target, metric and resolution."""
    keep = (real["null"] == "none") & ((real["stratum"].astype(str) == stratum)
                                       | (real["dataset"] != "METER"))
    rows = real[keep].sort_values(["dataset", "training", "inference", "target", "metric",
                                   "period_s"])

    def num(x) -> str:
        return "–" if not np.isfinite(float(x)) else f"{float(x):.2f}"

    header = ["data", "training", "inference / target (metric)", "resolution",
              "value [95 % CI]", "population prior", "skill", "household prior", "skill",
              "households", "days"]
    out = []
    for _, r in rows.iterrows():
        why = r["ci_reason"] if isinstance(r["ci_reason"], str) and r["ci_reason"] else "no CI"
        ci = (f"[{num(r['ci_low'])}, {num(r['ci_high'])}]" if np.isfinite(r["ci_low"])
              else f"({why})")
        res = "1 day" if r["period_s"] >= 86400 else f"{int(r['period_s']) // 60} min"
        days = "–" if not np.isfinite(float(r["n_days"])) else f"{float(r['n_days']):.0f}"
        value, skills = f"{num(r['value'])} {ci}", (r["skill_population"],
                                                   r["skill_household"])
        if why.startswith("no decision"):  # the reason is the figure: no value, no skill
            value, skills = f"no decision ({why})", (math.nan, math.nan)
        out.append([str(r["dataset"]), str(r["training"]),
                    f"{r['inference']} / {r['target']} ({r['metric']})", res,
                    value, num(r["prior_population"]), num(skills[0]),
                    num(r["prior_household"]), num(skills[1]), str(int(r["n_households"])),
                    days])
    return header, out


def write_report(out_dir, *, results: pd.DataFrame | None = None,
                 provenance: dict | None = None, figures: bool = True,
                 extra_figures: dict | None = None, headline: dict | None = None,
                 seed: int = 0, real: pd.DataFrame | None = None,
                 real_folds: int = 6, real_source: str | None = None,
                 predictions: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write ``report.md``, a self-contained ``report.html``, ``tables.tex`` and ``figures/``.

    Parameters
    ----------
    out_dir : the study's output folder (reads ``results.csv`` and ``provenance.json`` there
        unless given).
    results : the tidy results table (default: ``out_dir/results.csv``).
    provenance : the provenance record (default: ``out_dir/provenance.json``); an optional
        ``notes`` list (e.g. skipped datasets or resolutions) is printed in the report.
    figures : draw the figures (leakage vs resolution, appliance heat maps).
    extra_figures : ``{name: (Figure, caption)}`` drawn elsewhere (carpet plots, disaggregation
        examples), saved as ``figures/<name>.png`` and embedded after the others.
    headline : inference -> :class:`nilm.protocol.Headline` (default
        :data:`nilm.protocol.HEADLINE`).
    seed : seed of the bootstrap over households.
    real : real-households rows (``docs/results/real.csv`` of :mod:`nilm.real_rows`); when
        given and not empty, the report gains a "Real households" section (held-out stratum).
    real_folds : the number of folds over METER's households those rows were scored with.
    real_source : the file those rows were read from; when given, the section says that its
        rows come from that file (``make real-results``), not from this run.
    predictions : the study's per-day predictions (``predictions.csv``): the headline CIs of
        the per-day metrics then come from the two-stage bootstrap (:func:`headline_table`).

    Returns
    -------
    ``{"report.md": path, "report.html": path, "tables.tex": path, "figures/<name>.png": path…}``.
    Every file is written atomically.
    """
    from . import plot

    out = Path(out_dir)
    results, provenance = _read_inputs(out, results, provenance)
    written: dict[str, Path] = {}
    version = provenance.get("nilm_version", "?")
    date = provenance.get("created_utc", "?")
    per_house = results[results["house"].astype(str) != "*"]
    datasets = (per_house.assign(house=house_key(per_house))
                .groupby(["simulated", "dataset"])["house"].nunique().reset_index())
    doc = Document()
    doc.h(1, "How much does a load curve reveal? Leakage by resolution")
    doc.p(f"Generated by nilm {version} on {date} (git {provenance.get('git_commit') or 'unknown'}"
          f", study seed {provenance.get('spec', {}).get('seed', '?')}).")
    doc.h(2, "Data")
    doc.table(["dataset", "real or simulated", "households", "periods (s)"],
              [[ds, "simulated" if truthy(sim) else "real", int(n),
                ", ".join(f"{p:g}" for p in sorted(set(results.loc[
                    results["dataset"] == ds, "period_s"].astype(float))))]
               for sim, ds, n in datasets.itertuples(index=False)])
    for note in provenance.get("notes", []):
        doc.p(f"Note: {note}")
    doc.h(2, "Headline: what a 10-min and a 30-min curve reveal")
    # the headline table once, for the sentences, the table and the figure
    tab = headline_table(results, headline=headline, seed=seed, predictions=predictions)
    sentences = headline_sentences(results, headline=headline, seed=seed, table=tab)
    for label in dict.fromkeys(s["label"] for s in sentences):
        doc.h(3, f"Data: {label}")
        doc.ul(s["sentence"] + f" [attack: {s['method']}]" for s in sentences
               if s["label"] == label)
    if not tab.empty:
        doc.h(3, "Headline table")
        doc.p("Declared headline attack and primary metric per inference; q: Benjamini-Hochberg "
              "q-value of 'skill <= 0' over the rows of this table (false discovery rate "
              "controlled at 5 %); detectable: the smallest skill this study would detect "
              "with 80 % power. A row without discovery reads 'no leak found by this attack', "
              "informative only down to its detectable skill.")
        doc.table(["data", "inference", "attack", "metric", "resolution", "value [95 % CI]",
                   "skill [95 % CI]", "households", "no decision", "q", "detectable",
                   "attacks tried"],
                  [_headline_row(x) for _, x in tab.iterrows()])
    doc.h(2, "How to read")
    doc.ul(HOW_TO_READ)
    figs = []
    if figures:
        figs.append(("leakage_vs_resolution",
                     plot.leakage_vs_resolution(tab),
                     "Skill of each inference's headline metric against the resolution, 95 % "
                     "CI bands; one panel per dataset, labelled real or simulated."))
        app = dedupe_native(results)
        app = app[app["inference"] == "appliances"]
        for ds in sorted(set(app["dataset"])):
            if not app[(app["dataset"] == ds) & (app["metric"] == "day_use_mcc")].empty:
                sim = app.loc[app["dataset"] == ds, "simulated"].iloc[0]
                figs.append((f"detectability_{_slug(ds)}",
                             plot.detectability_heatmap(appliance_detectability(app,
                                                                                dataset=ds)),
                             f"Appliance × resolution detectability (day-use MCC), "
                             f"{data_label(sim, ds)}."))
    for name, (fig, caption) in (extra_figures or {}).items():
        figs.append((name, fig, caption))
    if figs:
        doc.h(2, "Figures")
        for name, fig, caption in figs:
            rel = f"figures/{name}.png"
            png = plot.png_bytes(fig)
            with atomic_open(out / rel, "wb") as f:
                f.write(png)
            written[rel] = out / rel
            doc.fig(rel, caption, png)
    if real is not None and not real.empty:
        doc.h(2, "Real households (real ground truth)")
        doc.p(real_intro("held_out", real_folds))
        if real_source:
            doc.p(f"These rows are read from `{real_source}` (regenerated by "
                  "`make real-results`); this run did not compute them.")
        doc.table(*real_table(real, stratum="held_out"))
    tables = inference_tables(results, seed=seed)
    doc.h(2, "All results by inference")
    doc.p("Value [95 % CI], mean over households; every attack and metric. Metric "
          "definitions: docs/inferences.md.")
    for inf, t in tables.items():
        doc.h(3, INFERENCE_LABELS.get(inf, inf))
        header = ["data", "target", "metric", "attack"] + [period_label(p) for p in
                                                           t["columns"]]
        rows = [[label, target, metric, method] + [cells.get(p, "–") for p in t["columns"]]
                for label, _, grp in t["groups"] for target, metric, method, cells in grp]
        doc.table(header, rows)
    title = "nilm leakage report"
    with atomic_open(out / "report.md", "w", encoding="utf-8") as f:
        f.write(doc.markdown())
    with atomic_open(out / "report.html", "w", encoding="utf-8") as f:
        f.write(doc.html(title))
    with atomic_open(out / "tables.tex", "w", encoding="utf-8") as f:
        f.write(latex_tables(tables, provenance))
    written.update({"report.md": out / "report.md", "report.html": out / "report.html",
                    "tables.tex": out / "tables.tex"})
    return written


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(text)).strip("_").lower() or "data"


__all__ = ["AGGREGATE_COLUMNS", "HEADLINE_COLUMNS", "HEADLINE_CSV_COLUMNS", "HEADLINE_PERIODS",
           "HOUSEHOLD_PRIOR", "HOW_TO_READ", "OWNERSHIP_COLUMNS", "POPULATION_PRIORS",
           "aggregate", "appliance_detectability", "attach_priors",
           "dedupe_native", "fmt_ci", "fmt_number", "headline_csv", "headline_sentences",
           "headline_table", "house_key", "inference_tables", "latex_tables", "no_decision",
           "ownership_scores", "readme_table", "write_report"]
