"""Real rows: the CNIL inferences scored against **real** ground truth — the METER time-use
diaries (36 UK households, 10-min curve, 28 h each) and ECO house 2's tablet + PIR occupancy
(derived 15-min curve, 14 days) — under two training regimes, reported separately:

* ``sim_to_real``: the headline attack (:data:`nilm.protocol.HEADLINE`, default parameters,
  never tuned here) and the population prior learn from a **simulated** population
  (:func:`simulated_training`: GB preset for METER, CH for ECO, the season of the real data),
  then attack every real household whole;
* ``real_others``: they learn from **other real households** — :data:`N_FOLDS`-fold
  cross-validation over METER's households (:func:`household_folds`; each household is scored
  by the attack fitted on the other folds, the occupant count too); for ECO's single house its
  earlier half of days trains and the later half is scored (the inference's temporal design),
  whose fewer than :data:`nilm.stats.MIN_BLOCKS` day blocks give "too few days" instead of a CI.

Strata: every METER row is written twice, ``stratum = "all"`` (36 households) and
``stratum = "held_out"`` — the households with an **odd** ``idHousehold`` (:func:`held_out`),
on which no fit was made (the GB simulator's fits used the even ones only; the design
constants were fixed while all 36 could be read, :data:`nilm.published.DESIGN_NOTES`); the
even ones are the development stratum. The ``all`` stratum is therefore not out of sample for
``sim_to_real``: its simulated training was partly fitted on its even households. The scored
predictions are the same (the folds and the simulated training do not depend on the stratum);
only the households averaged differ. ECO's single house is stratum ``"all"``.

Priors: the population (clock) prior of each inference fitted on the same training set as the
attack; the household-typical prior (leave-one-day-out on the household's own days) where it is
defined — not on METER, whose 28 h per household hold a single wake-up and bed time
(``prior_household`` NaN, ``note`` says so). CIs: bootstrap over households for METER
(:func:`nilm.report.aggregate`), over local days for ECO (accuracy too: day blocks of
(correct, labelled) counts). Wake / bed at the 1-day rung is not measurable by construction
(a daily total has no time of day), nor is the absence episode F1 (a whole-day verdict places
no episode of hours): those rows have a NaN value and the reason. An MCC's mean leaves out,
and counts apart, the households whose attack made no decision (``n_no_decision``) and those
whose truth has one class (``n_one_class``, e.g. never absent in 28 h: MCC undefined). The
permutation null (``null = "permute_households"``) scores each METER
household's curve against another household's diaries moved onto its dates (every METER study
day runs 17:00 → 21:00 next day, UK local time, so a whole-day shift aligns the clocks).

Beside every occupancy and occupant-count MCC the module writes the ``accuracy`` with the
majority-class accuracy of the training labels as its prior (the published figures are
accuracies, :mod:`nilm.published`).

METER's terms of use: :func:`real_rows` returns aggregates; the per-household rows and
predictions it also returns go to an output folder, never into the repository.

References: Grünewald & Diakonova (2020) (METER); Beckel et al. (2014) (ECO), Kleiminger et al.
(2015) (ECO occupancy labels).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from . import stats
from .io import load_all
from .io.ground_truth import truth_for
from .privacy import ATTACKS, INFERENCES, PRIORS
from .privacy.base import evaluate
from .privacy.occupancy import local_day_confusion
from .privacy.occupants import balanced_accuracy, majority, population_features
from .privacy.scores import ratio_ci
from .privacy.truth_proxy import presence_on_grid
from .protocol import HEADLINE, threat_model
from .report import aggregate, no_decision, real_intro, real_table
from .simulate import simulate_household
from .simulate.population import house_seeds
from .truth import GroundTruth

#: the rungs scored on each dataset (s): METER's native 10 min up to a day; ECO's native 15 min
METER_RUNGS = (600, 900, 1800, 3600, 86400)
ECO_RUNGS = (900, 1800, 3600, 86400)

#: the simulated training populations, fixed before any real household was scored: size, days,
#: seed (an evaluation seed, not :data:`nilm.protocol.DEVELOPMENT_SEEDS`), preset, first day
#: (the real data's season: METER July 2018, ECO June 2012) and period (the native rung)
SIM_TRAINING = {
    "METER": dict(households=24, days=7, seed=12, preset="GB", start="2018-07-09", period=600),
    "ECO": dict(households=12, days=14, seed=12, preset="CH", start="2012-06-01", period=900),
}

#: the per-household inferences of the real rows (the occupant count is population-level;
#: appliances and hot water have no real truth scored here yet)
PER_HOUSEHOLD = ("occupancy", "routine")

#: folds of the ``real_others`` cross-validation over METER's households
N_FOLDS = 6
#: the strata of the METER rows
STRATA = ("all", "held_out")

NOT_DEFINED_METER = ("household-typical prior not defined: 28 h of diary per household (one "
                     "wake-up, one bed time)")
NOT_MEASURABLE = "not measurable: a daily total has no time of day"
#: absence episodes (hours, IoU >= 0.5) against a verdict of one value per day
EPISODE_NOT_MEASURABLE = ("not measurable: a 1-day verdict cannot place an absence episode "
                          "of hours")
TOO_FEW_DAYS = "too few days"
TOO_FEW_HOUSEHOLDS = "too few households"
#: an occupant-count MCC whose attack gave every household the same binary verdict
COUNT_CONSTANT = "no decision: one verdict for every household (MCC undefined)"
#: an MCC whose truth has one class (every household 3+, or a household never absent)
ONE_CLASS = "truth one class: MCC undefined"
#: an MCC of a rung where every household's attack made no decision
ALL_NO_DECISION = "no decision: one verdict on every interval of every household (MCC undefined)"
#: an MCC of a rung where each household made no decision or had a truth of one class
ALL_UNDEFINED = "no decision or truth one class in every household: MCC undefined"
#: a CI of zero width: every unit resampled scores the same, so the bootstrap shows no spread
ZERO_WIDTH = ("zero-width CI: every household (ECO: day) resampled scores the same value, so "
              "the bootstrap shows no spread; not a measured certainty")

#: the population prior of each inference (a :data:`nilm.privacy.PRIORS` method)
POPULATION_PRIOR = {"occupancy": "clock_prior", "routine": "population_prior",
                    "occupants": "population_prior"}


def held_out(household_id) -> bool:
    """Whether a METER household is in the held-out evaluation stratum: odd ``idHousehold``
    (the even ones are the development stratum, the only ones any fit may use)."""
    return int(household_id) % 2 == 1


def household_folds(n: int, seed: int, n_folds: int = N_FOLDS) -> np.ndarray:
    """Fold number [n] of each of ``n`` households (shuffled K-fold, ``seed``)."""
    from sklearn.model_selection import KFold

    fold = np.empty(n, dtype=np.int64)
    for k, (_, te) in enumerate(KFold(n_splits=min(n_folds, n), shuffle=True,
                                      random_state=seed).split(np.arange(n))):
        fold[te] = k
    return fold


def simulated_training(dataset: str) -> list[tuple]:
    """(Household, GroundTruth) of the simulated training population of ``dataset``
    (:data:`SIM_TRAINING`); simulated data, exact truth."""
    p = SIM_TRAINING[dataset]
    out = []
    for k, ss in enumerate(house_seeds(p["seed"], p["households"])):
        s = simulate_household(p["days"], seed=ss, period=p["period"], start=p["start"],
                               house=f"sim_{k:03d}", preset=p["preset"])
        out.append((s.household, s.truth))
    return out


def load_real(path) -> list[tuple]:
    """(Household, GroundTruth) of every household under a METER or ECO folder (real data,
    real truth via :func:`nilm.truth_for`), in house order."""
    houses = load_all(path, cache=False)
    pairs = [(h, truth_for(h)) for h in houses]
    missing = [h.meta.get("house") for h, t in pairs if t is None]
    if missing:
        raise ValueError(f"{path}: no recorded ground truth for houses {missing}")
    return pairs


def shift_to(truth: GroundTruth, onto: GroundTruth) -> GroundTruth:
    """``truth`` moved by whole days so that its first day is ``onto``'s (the permutation
    null's partner on the attacked household's dates; same clock times)."""
    d = int(round((int(onto.days[0]) - int(truth.days[0])) / 86400)) * 86400
    # a use without a recorded end (ApplianceUse.end is None) keeps no end: only its start moves
    events = [dataclasses.replace(e, start=e.start + d, end=None if e.end is None else e.end + d)
              for e in truth.events]
    return dataclasses.replace(truth, start=int(truth.start) + d,
                               days=np.asarray(truth.days) + d, wake=truth.wake + d,
                               bed=truth.bed + d, events=events)


def _capture(score: Callable, seen: dict) -> Callable:
    """``score`` that also keeps the verdict and attacked grid (for accuracy, predictions)."""
    def wrapped(verdict, test, truth, **kw):
        seen["verdict"], seen["test"] = verdict, test
        return score(verdict, test, truth, **kw)
    return wrapped


def _majority_present(pairs, period: float) -> float:
    """The majority occupancy label (1/0) of the training pairs' labelled intervals."""
    ys = [presence_on_grid(t, g.start, period, len(g)) for g, t in pairs]
    y = np.concatenate(ys) if ys else np.array([])
    y = y[np.isfinite(y)]
    return float(np.mean(y) >= 0.5) if y.size else math.nan


def occupancy_accuracy(verdict, test, truth, majority_label: float, *, seed: int = 0) -> dict:
    """Accuracy row of an occupancy verdict, prior = the training majority class's accuracy.

    CI: local-day block bootstrap (Künsch 1989) of the per-day (correct, labelled) interval
    counts (:func:`nilm.privacy.occupancy.local_day_confusion`, the MCC's day blocks), seeded
    by ``seed``; a household with fewer than :data:`nilm.stats.MIN_BLOCKS` days gets its CI
    removed by :func:`summarise` ("too few days")."""
    y = presence_on_grid(truth, test.start, float(test.period), len(test))
    ok = np.isfinite(y) & np.isfinite(verdict)
    n = int(ok.sum())
    if not n:
        return dict(inference="occupancy", target="absence", metric="accuracy",
                    value=math.nan, ci_low=math.nan, ci_high=math.nan, n=0, prior=math.nan,
                    skill=math.nan)
    conf = local_day_confusion(y, verdict, test, truth.timezone)  # TP, FP, FN, TN per day
    acc, lo, hi = ratio_ci(conf[:, 0] + conf[:, 3], conf.sum(axis=1), seed=seed)
    prior = float(np.mean((y[ok] >= 0.5) == (majority_label >= 0.5)))
    return dict(inference="occupancy", target="absence", metric="accuracy", value=acc,
                ci_low=lo, ci_high=hi, n=n, prior=prior,
                skill=stats.skill(acc, prior, "accuracy"))


def score_household(inference: str, grid, truth, train, *, seed: int, typical: bool,
                    fits: dict | None = None) -> tuple[list[dict], object]:
    """Headline attack, population prior and (``typical``) household-typical prior of one
    household: tidy rows (priors as ``method``) and the attack's verdict.

    ``fits``: where the attack and prior fitted on ``train`` are kept for the next household
    with the same ``train`` (the simulated population: one fit per inference and rung)."""
    inf = INFERENCES[inference]
    head = HEADLINE[inference]
    seen: dict = {}
    fits = {} if fits is None else fits
    reuse = inference in fits
    attack, prior = fits.setdefault(inference, (
        ATTACKS[f"{inference}.{head.method}"](seed=seed),
        PRIORS[f"{inference}.{POPULATION_PRIOR[inference]}"](seed=seed)))
    rows = evaluate(attack, grid, truth, design=inf.design, score=_capture(inf.score, seen),
                    seed=seed, train=train, fit=not reuse)
    pairs, _, _ = inf.design(grid, truth, train)
    rows += evaluate(prior, grid, truth, design=inf.design, score=inf.score, seed=seed,
                     train=train, fit=not reuse)
    if typical:
        own = PRIORS[f"{inference}.household_typical"](seed=seed).fit([(grid, truth)])
        rows += evaluate(own, grid, truth, design=inf.design, score=inf.score, seed=seed,
                         train=train, fit=False)
    if inference == "occupancy":
        acc = occupancy_accuracy(seen["verdict"], seen["test"], truth,
                                 _majority_present(pairs, float(grid.period)), seed=seed)
        rows.append({**acc, "method": head.method, "split": rows[0]["split"]})
    return rows, seen.get("verdict")


def _pair_priors(df: pd.DataFrame) -> pd.DataFrame:
    """Each attack row's ``prior`` from the population prior's row of the same household,
    target and metric, and ``prior_household`` from the household-typical prior's (accuracy
    keeps its majority-class prior)."""
    keys = ["house", "period_s", "inference", "target", "metric"]
    attack = df[~df["method"].isin(["clock_prior", "population_prior", "household_typical"])]
    out = attack.copy()
    for methods, col in ((("clock_prior", "population_prior"), "prior"),
                         (("household_typical",), "prior_household")):
        pr = df[df["method"].isin(methods)][keys + ["value"]].rename(columns={"value": "_p"})
        m = out[keys].merge(pr.drop_duplicates(keys), on=keys, how="left")["_p"].to_numpy(float)
        has = np.isfinite(m) & (out["metric"] != "accuracy").to_numpy(bool)
        if col == "prior":
            out.loc[has, "prior"] = m[has]
        else:
            out[col] = np.where(has, m, np.nan)
    return out


def per_household_rows(test: list[tuple], periods, train_for: Callable, *, seed: int,
                       typical: bool, null_partner: Callable | None = None,
                       inferences=PER_HOUSEHOLD, shared: bool = False) -> pd.DataFrame:
    """Per-household rows of ``inferences`` at ``periods`` (s).

    ``train_for(i, period)``: the training ``(grid, truth)`` pairs of test household ``i`` (or
    None: the inference's own split of the household); ``shared``: every household gets the
    same pairs (fitted once per rung); ``null_partner(i)``: the truth house
    ``i``'s curve is scored against instead of its own (permutation null)."""
    recs = []
    for period in periods:
        fits: dict = {}
        for i, (h, truth) in enumerate(test):
            grid = h.to_grid(period)
            if null_partner is not None:
                truth = shift_to(null_partner(i), truth)
            train = train_for(i, period)
            if not shared or train is None:
                fits = {}
            for inference in inferences:
                if inference == "routine" and period >= 86400:
                    continue
                rows, _ = score_household(inference, grid, truth, train, seed=seed,
                                          typical=typical, fits=fits)
                for r in rows:
                    recs.append({**r, "house": str(h.meta["house"]), "period_s": period})
    return _pair_priors(pd.DataFrame(recs))


def cv_counts(x: np.ndarray, y: np.ndarray, method: str, fold: np.ndarray, seed: int
              ) -> np.ndarray:
    """Occupant counts predicted out of fold: household ``i`` by the attack fitted on the
    households whose ``fold`` differs (:func:`household_folds`)."""
    pred = np.empty(len(y))
    for k in np.unique(fold):
        te, tr = fold == k, fold != k
        pred[te] = ATTACKS[f"occupants.{method}"](seed=seed).fit_rows(x[tr], y[tr]) \
            .predict_rows(x[te])
    return pred


def count_rows(y: np.ndarray, pred: np.ndarray, y_train, *, seed: int,
               n_boot: int) -> list[dict]:
    """Occupant-count rows over households: MAE in persons (prior: the training median),
    balanced accuracy (prior 1/K), accuracy (prior: the training majority count), and Beckel et
    al.'s (2014) binary tasks "1–2 vs 3+" and "single person" as accuracy (prior: the majority
    class) and MCC (prior 0). CIs: bootstrap over households; none below
    :data:`nilm.stats.MIN_BLOCKS` households (:data:`TOO_FEW_HOUSEHOLDS`). A binary task's MCC
    is undefined (0/0) when the truth has one class (:data:`ONE_CLASS`) or the attack gives
    every household one verdict (:data:`COUNT_CONSTANT`, "no decision"): value, CI and skill
    NaN, the reason in ``ci_reason`` (every row carries one, "" when there is a CI).

    ``y_train``: the training counts (one array: one training set for every household), or
    one array per household of ``y`` (cross-validation: its fold's training households), so
    that each prior is fitted on the training data of the household it is scored on."""
    from .metrics import bootstrap_ci, mae, mcc

    def acc(a, b):
        return float(np.mean(a == b))

    def mcc_or_0(a, b):
        # a replicate of one class on either side shows no skill: 0, as a constant verdict
        # scores (docs/metrics.md); the point value of such a table is NaN with its reason below
        v = float(mcc(a, b, threshold=0.5))
        return v if math.isfinite(v) else 0.0

    def boot(fn, a, b):
        return bootstrap_ci(fn, a, b, 1, n_boot=n_boot, seed=seed, block_s=1)

    if isinstance(y_train, np.ndarray):
        per = [y_train] * len(y)
    else:
        per = [np.asarray(t, float) for t in y_train]
        if len(per) != len(y):
            raise ValueError(f"y_train: {len(per)} training sets for {len(y)} households")
    med = np.array([np.median(t) for t in per])
    major = np.array([majority(t) for t in per])
    rows = []
    v, lo, hi = boot(mae, y, pred)
    rows.append(dict(target="occupants", metric="mae_persons", value=v, ci_low=lo, ci_high=hi,
                     prior=float(np.mean(np.abs(med - y)))))
    v, lo, hi = boot(balanced_accuracy, y, pred)
    k = np.unique(y).size
    rows.append(dict(target="occupants", metric="balanced_accuracy", value=v, ci_low=lo,
                     ci_high=hi, prior=1.0 / k))
    v, lo, hi = boot(acc, y, pred)
    rows.append(dict(target="occupants", metric="accuracy", value=v, ci_low=lo, ci_high=hi,
                     prior=acc(y, major)))
    for target, cut in (("three_or_more", 3), ("single_person", 1)):
        yb = (y >= cut) if cut == 3 else (y == 1)
        pb = (pred >= cut) if cut == 3 else (pred == 1)
        tb = np.array([np.mean((t >= cut) if cut == 3 else (t == 1)) >= 0.5 for t in per])
        v, lo, hi = boot(acc, yb, pb)
        rows.append(dict(target=target, metric="accuracy", value=v, ci_low=lo, ci_high=hi,
                         prior=acc(yb, tb)))
        v, lo, hi = boot(mcc_or_0, yb.astype(float), pb.astype(float))
        # MCC is 0/0 when either side is one class: say which, with no value, CI or skill
        why = ONE_CLASS if np.unique(yb).size < 2 else \
            COUNT_CONSTANT if np.unique(pb).size < 2 else ""
        if why:
            v = lo = hi = math.nan
        rows.append(dict(target=target, metric="mcc", value=v, ci_low=lo, ci_high=hi,
                         prior=0.0, ci_reason=why))
    few = len(y) < stats.MIN_BLOCKS
    for r in rows:
        r.setdefault("ci_reason", "")
        if few and not r["ci_reason"]:
            r.update(ci_low=math.nan, ci_high=math.nan, ci_reason=TOO_FEW_HOUSEHOLDS)
        elif not r["ci_reason"] and not np.isfinite(r["ci_low"]):
            r["ci_reason"] = "no CI"
        r.update(inference="occupants", n=len(y), skill=stats.skill(r["value"], r["prior"],
                                                                    r["metric"]))
    return rows


def strata_masks(test: list[tuple]) -> dict[str, np.ndarray]:
    """{stratum: bool [n]} of the METER households of ``test`` (:data:`STRATA`)."""
    odd = np.array([held_out(h.meta["household_id"]) for h, _ in test], bool)
    return {"all": np.ones(len(test), bool), "held_out": odd}


def occupants_rows(test: list[tuple], periods, *, train: list[tuple] | None, seed: int,
                   n_boot: int, permute: bool = False) -> pd.DataFrame:
    """Occupant count over the population at ``periods``, one set of rows per stratum
    (:func:`strata_masks`): fitted on ``train`` (sim → real) or, when None, cross-validated
    over the test households (:func:`household_folds`; each household's priors from its
    fold's training households);
    ``permute`` pairs each household's curve with another's count (the null)."""
    method = HEADLINE["occupants"].method
    truths = [t for _, t in test]
    y = np.array([t.occupants for t in truths], float)
    if permute:
        y = np.roll(y, 1)
    masks = strata_masks(test)
    fold = household_folds(len(test), seed)
    recs = []
    for period in periods:
        grids = [h.to_grid(period) for h, _ in test]
        if train is None:
            pred = cv_counts(population_features(grids, truths, period), y, method, fold, seed)
            # each household's priors from its fold's training households only
            y_train = [y[fold != fold[i]] for i in range(len(y))]
        else:
            pairs = [(h.to_grid(period), t) for h, t in train]
            attack = ATTACKS[f"occupants.{method}"](seed=seed).fit(pairs)
            pred = np.array([attack.predict(g, t.timezone) for g, t in
                             zip(grids, truths, strict=True)], float)
            y_train = np.array([t.occupants for _, t in train], float)
        for stratum, m in masks.items():
            tr = [y_train[i] for i in np.flatnonzero(m)] if isinstance(y_train, list) \
                else y_train
            for r in count_rows(y[m], pred[m], tr, seed=seed, n_boot=n_boot):
                recs.append({**r, "method": method, "period_s": period, "houses": int(m.sum()),
                             "stratum": stratum})
    return pd.DataFrame(recs)


#: columns of ``docs/results/real.csv``
COLUMNS = ["dataset", "simulated", "truth_kind", "training", "threat_model", "null",
           "stratum", "inference", "target", "metric", "period_s", "method", "value", "ci_low",
           "ci_high", "ci_reason", "n_households", "n_days", "no_decision", "n_no_decision",
           "n_one_class", "prior_population",
           "skill_population",
           "prior_household", "skill_household", "note"]


def summarise(rows: pd.DataFrame, *, dataset: str, training: str, null: str, seed: int,
              n_boot: int, note: str = "", stratum: str = "all") -> pd.DataFrame:
    """Aggregate per-household rows over households (:func:`nilm.report.aggregate`) into
    :data:`COLUMNS` rows; a single household's row with fewer than
    :data:`nilm.stats.MIN_BLOCKS` day blocks has no CI ("too few days").

    Households left out of an MCC's mean, counted apart: ``n_no_decision`` (the attack gave
    one verdict on every scored interval: MCC 0 with no CI, :func:`nilm.report.no_decision`)
    and ``n_one_class`` (the truth has one class on the scored intervals, e.g. a household
    never absent in its 28 h: the MCC is undefined, NaN, whatever the attack said)."""
    by = ["period_s", "inference", "target", "metric", "method"]
    agg = aggregate(rows, by, seed=seed, n_boot=n_boot)
    mcc = rows["metric"].astype(str).str.contains("mcc")
    undefined = mcc & rows["value"].isna() & (rows["n"].fillna(0) > 0)
    counts = rows.assign(_nd=no_decision(rows), _oc=undefined).groupby(by, dropna=False)[
        ["_nd", "_oc"]].sum()
    counts = agg[by].merge(counts.reset_index(), on=by, how="left")
    mcc_agg = agg["metric"].astype(str).str.contains("mcc").to_numpy(bool)
    out = pd.DataFrame({
        "dataset": dataset, "simulated": False, "truth_kind": "real", "training": training,
        "threat_model": [threat_model(p) for p in agg["period_s"]], "null": null,
        "stratum": stratum, "inference": agg["inference"], "target": agg["target"],
        "metric": agg["metric"],
        "period_s": agg["period_s"], "method": agg["method"], "value": agg["value"],
        "ci_low": agg["ci_low"], "ci_high": agg["ci_high"], "ci_reason": agg["ci_reason"],
        "n_households": agg["houses"], "n_days": agg["n_days"],
        # share of the group's households whose detector made no decision (left out of the
        # mean: ``n_households`` counts the decided ones)
        "no_decision": agg["no_decision"],
        "n_no_decision": np.where(mcc_agg, counts["_nd"].to_numpy(float), np.nan),
        "n_one_class": np.where(mcc_agg, counts["_oc"].to_numpy(float), np.nan),
        "prior_population": agg["prior"], "skill_population": agg["skill"],
        "prior_household": agg["prior_household"], "skill_household": agg["skill_household"],
        "note": note})
    # the household's days at the rung (an event metric's row counts events, not days)
    days = out.groupby("period_s")["n_days"].transform("max").fillna(0)
    few = (out["n_households"] == 1) & (days < stats.MIN_BLOCKS) & out["value"].notna()
    out.loc[few, ["ci_low", "ci_high"]] = math.nan
    out.loc[few, "ci_reason"] = TOO_FEW_DAYS
    # at the 1-day rung an episode F1 is 0 by construction (a whole-day verdict never matches
    # an absence of hours), not a measured failure: no value, as wake / bed there
    daily = (out["period_s"] >= 86400) & (out["metric"] == "episode_f1")
    out.loc[daily, ["value", "ci_low", "ci_high", "prior_population", "skill_population",
                    "prior_household", "skill_household"]] = math.nan
    out.loc[daily, "ci_reason"] = EPISODE_NOT_MEASURABLE
    return out


def with_reasons(out: pd.DataFrame) -> pd.DataFrame:
    """``out`` (:data:`COLUMNS`) with a ``ci_reason`` on the rows that had a known reason but
    none written: an MCC left with no household (every one no decision: :data:`ALL_NO_DECISION`;
    every one a truth of one class: :data:`ONE_CLASS`; both: :data:`ALL_UNDEFINED`), and a CI of
    zero width (:data:`ZERO_WIDTH`)."""
    out = out.copy()
    blank = out["ci_reason"].fillna("").astype(str) == ""
    nd = out["n_no_decision"].fillna(0).to_numpy(float) > 0
    oc = out["n_one_class"].fillna(0).to_numpy(float) > 0
    empty = blank & out["value"].isna() & (out["n_households"].fillna(0) == 0) & (nd | oc)
    out.loc[empty & nd & oc, "ci_reason"] = ALL_UNDEFINED
    out.loc[empty & nd & ~oc, "ci_reason"] = ALL_NO_DECISION
    out.loc[empty & ~nd & oc, "ci_reason"] = ONE_CLASS
    flat = blank & out["ci_low"].notna() & (out["ci_low"] == out["ci_high"])
    out.loc[flat, "ci_reason"] = ZERO_WIDTH
    return out


ONE_HOUSEHOLD = "fewer than 2 households: not written (METER terms: aggregates only)"


def redact_single_households(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (:data:`COLUMNS`) with every METER row that averages fewer than 2 households
    emptied (value, CI, priors, skills NaN; ``ci_reason`` :data:`ONE_HOUSEHOLD`): such a row
    would be one real household's score, which METER's terms keep out of the repository."""
    out = rows.copy()
    one = (out["dataset"] == "METER") & (out["n_households"].fillna(0) < 2) \
        & out["value"].notna()
    cols = ["value", "ci_low", "ci_high", "no_decision", "n_no_decision", "n_one_class",
            "prior_population", "skill_population",
            "prior_household", "skill_household"]
    out.loc[one, cols] = math.nan
    out.loc[one, "ci_reason"] = ONE_HOUSEHOLD
    return out


def population_summary(rows: pd.DataFrame, *, dataset: str, training: str, null: str
                       ) -> pd.DataFrame:
    """:data:`COLUMNS` rows of population-level occupant-count rows (already over households)."""
    return pd.DataFrame({
        "dataset": dataset, "simulated": False, "truth_kind": "real", "training": training,
        "threat_model": [threat_model(p) for p in rows["period_s"]], "null": null,
        "stratum": rows["stratum"], "inference": rows["inference"], "target": rows["target"],
        "metric": rows["metric"],
        "period_s": rows["period_s"], "method": rows["method"], "value": rows["value"],
        "ci_low": rows["ci_low"], "ci_high": rows["ci_high"],
        "ci_reason": rows["ci_reason"],
        "n_households": rows["houses"], "n_days": math.nan,
        "no_decision": (rows["ci_reason"] == COUNT_CONSTANT).astype(float),
        "n_no_decision": math.nan, "n_one_class": math.nan,
        "prior_population": rows["prior"],
        "skill_population": rows["skill"], "prior_household": math.nan,
        "skill_household": math.nan, "note": "household-typical prior not defined for a "
        "household-level count"})


def not_measurable(dataset: str, training: str, n_households: int, stratum: str = "all"
                   ) -> pd.DataFrame:
    """The wake / bed rows of the 1-day rung: not measurable by construction."""
    recs = [dict(dataset=dataset, simulated=False, truth_kind="real", training=training,
                 threat_model=threat_model(86400), null="none", stratum=stratum,
                 inference="routine",
                 target=t, metric=HEADLINE["routine"].metric, period_s=86400,
                 method=HEADLINE["routine"].method, value=math.nan, ci_low=math.nan,
                 ci_high=math.nan, ci_reason=NOT_MEASURABLE, n_households=n_households,
                 n_days=math.nan, no_decision=math.nan, n_no_decision=math.nan,
                 n_one_class=math.nan, prior_population=math.nan,
                 skill_population=math.nan, prior_household=math.nan,
                 skill_household=math.nan, note=NOT_MEASURABLE)
            for t in ("wake", "bed")]
    return pd.DataFrame(recs, columns=COLUMNS)


def meter_rows(meter: list[tuple], sim: list[tuple], *, seed: int, n_boot: int
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(aggregate rows, per-household rows) of METER: both regimes, the permutation null,
    each summarised over every stratum (:func:`strata_masks`)."""
    n = len(meter)
    fold = household_folds(n, seed)
    houses = np.array([str(h.meta["house"]) for h, _ in meter])
    strata = {k: set(houses[m]) for k, m in strata_masks(meter).items()}
    sim_grids: dict[int, list] = {}

    def from_sim(_i, period):
        if period not in sim_grids:
            sim_grids[period] = [(h.to_grid(period), t) for h, t in sim]
        return sim_grids[period]

    real_grids: dict[int, list] = {}

    def from_others(i, period):
        if period not in real_grids:
            real_grids[period] = [(h.to_grid(period), t) for h, t in meter]
        return [p for j, p in enumerate(real_grids[period]) if fold[j] != fold[i]]

    def partner(i):
        return meter[(i + 1) % n][1]

    def by_stratum(rows, **kw):
        return [summarise(rows[rows["house"].isin(keep)], stratum=k, dataset="METER",
                          seed=seed, n_boot=n_boot, note=NOT_DEFINED_METER, **kw)
                for k, keep in strata.items()]

    out, per_house = [], []
    for training, train_for in (("sim_to_real", from_sim), ("real_others", from_others)):
        rows = per_household_rows(meter, METER_RUNGS, train_for, seed=seed, typical=False,
                                  shared=training == "sim_to_real")
        per_house.append(rows.assign(training=training, null="none"))
        out += by_stratum(rows, training=training, null="none")
        out += [not_measurable("METER", training, len(keep), k) for k, keep in strata.items()]
        occ = occupants_rows(meter, METER_RUNGS, train=sim if training == "sim_to_real"
                             else None, seed=seed, n_boot=n_boot)
        out.append(population_summary(occ, dataset="METER", training=training, null="none"))
    null_rows = per_household_rows(meter, METER_RUNGS, from_sim, seed=seed, typical=False,
                                   null_partner=partner, shared=True)
    out += by_stratum(null_rows, training="sim_to_real", null="permute_households")
    occ = occupants_rows(meter, METER_RUNGS, train=sim, seed=seed, n_boot=n_boot,
                         permute=True)
    out.append(population_summary(occ, dataset="METER", training="sim_to_real",
                                  null="permute_households"))
    return (pd.concat(out, ignore_index=True)[COLUMNS],
            pd.concat(per_house, ignore_index=True))


def eco_rows(eco: list[tuple], sim: list[tuple], *, seed: int, n_boot: int
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(aggregate rows, per-household rows) of ECO house 2, occupancy only, both regimes."""
    grids: dict[int, list] = {}

    def from_sim(_i, period):
        if period not in grids:
            grids[period] = [(h.to_grid(period), t) for h, t in sim]
        return grids[period]

    out, per_house = [], []
    for training, train_for in (("sim_to_real", from_sim),
                                ("real_others", lambda _i, _p: None)):
        rows = per_household_rows(eco, ECO_RUNGS, train_for, seed=seed, typical=True,
                                  inferences=("occupancy",), shared=True)
        per_house.append(rows.assign(training=training, null="none"))
        note = ("earlier half of the days trains, later half scored" if training ==
                "real_others" else "")
        out.append(summarise(rows, dataset="ECO", training=training, null="none", seed=seed,
                             n_boot=n_boot, note=note))
    return (pd.concat(out, ignore_index=True)[COLUMNS],
            pd.concat(per_house, ignore_index=True))


#: the real rows the README shows: (dataset, inference, target, metric, period_s), stratum
#: ``held_out`` for METER (the households on which no fit was made), ``all`` for ECO
README_ROWS = (("METER", "occupancy", "absence", "mcc", 1800),
               ("METER", "occupancy", "absence", "accuracy", 1800),
               ("METER", "routine", "wake", "within_30min", 1800),
               ("METER", "occupants", "three_or_more", "accuracy", 1800),
               ("METER", "occupants", "three_or_more", "mcc", 1800),
               ("METER", "appliances", "washing_machine", "presence_f1_macro", 1800),
               ("METER", "appliances", "washing_machine", "ownership_mcc", 1800),
               ("ECO", "occupancy", "absence", "mcc", 900),
               ("ECO", "occupancy", "absence", "accuracy", 900))
README_START, README_END = "<!-- real:start -->", "<!-- real:end -->"


def _num(x) -> str:
    return "–" if not np.isfinite(float(x)) else f"{float(x):.2f}"


_KEYS = ["dataset", "training", "stratum", "inference", "target", "metric", "period_s"]


def below_null(real: pd.DataFrame, *, stratum: str = "held_out",
               rows: tuple | None = None) -> list[str]:
    """One sentence per MCC row of ``real`` (:data:`COLUMNS`, null rows included) whose value
    does not exceed its permutation null's (``null = "permute_households"``, same dataset,
    training, stratum, inference, target, metric and rung): such a figure is no evidence of
    skill. METER rows of ``stratum``, other datasets' of ``all``; ``rows``: only those
    (dataset, inference, target, metric, period_s)."""
    r = real.assign(stratum=real["stratum"].astype(str))
    mine = (r["stratum"] == stratum) | ((r["dataset"] != "METER") & (r["stratum"] == "all"))
    mcc = r["metric"].astype(str).str.contains("mcc")
    obs = r[mine & mcc & (r["null"] == "none")]
    null = r[mine & mcc & (r["null"] == "permute_households")]
    both = obs.merge(null[_KEYS + ["value"]], on=_KEYS, suffixes=("", "_null"))
    out = []
    for _, x in both.sort_values(_KEYS).iterrows():
        if rows is not None and (x["dataset"], x["inference"], x["target"], x["metric"],
                                 x["period_s"]) not in rows:
            continue
        if np.isfinite(x["value"]) and np.isfinite(x["value_null"]) \
                and x["value"] <= x["value_null"]:
            res = "1 day" if x["period_s"] >= 86400 else f"{int(x['period_s']) // 60} min"
            out.append(f"{x['dataset']} {x['inference']} / {x['target']} ({x['metric']}), "
                       f"{res}, {x['training']}: {x['value']:.2f} is not above its "
                       f"permutation null {x['value_null']:.2f} (`real_null.csv`): no "
                       "evidence of skill.")
    return out


def _left_out(r) -> list[str]:
    """["2 no decision", "8 truth one class"]: the households a row's mean leaves out."""
    return [f"{int(r[c])} {why}" for c, why in (("n_no_decision", "no decision"),
                                                ("n_one_class", "truth one class"))
            if c in r and np.isfinite(float(r[c])) and float(r[c]) > 0]


def households_cell(r) -> str:
    """A row's households, with those left out of an MCC's mean and why: "6 (+ 2 no
    decision, 8 truth one class)" (``n_no_decision``, ``n_one_class`` of :func:`summarise`)."""
    extra = _left_out(r)
    n = str(int(r["n_households"])) if np.isfinite(float(r["n_households"])) else "–"
    return n + (f" (+ {', '.join(extra)})" if extra else "")


def left_out(real: pd.DataFrame, *, stratum: str = "held_out") -> list[str]:
    """One sentence per non-null row of ``real`` (METER rows of ``stratum``, other datasets'
    of ``all``) whose mean leaves households out: how many made no decision and how many
    have a truth of one class."""
    r = real[(real["null"] == "none") & ((real["stratum"].astype(str) == stratum)
                                         | (real["dataset"] != "METER"))]
    out = []
    for _, x in r.sort_values(_KEYS).iterrows():
        extra = _left_out(x)
        if not extra:
            continue
        res = "1 day" if x["period_s"] >= 86400 else f"{int(x['period_s']) // 60} min"
        out.append(f"{x['dataset']} {x['inference']} / {x['target']} ({x['metric']}), {res}, "
                   f"{x['training']}: mean over {households_cell(x).split(' ')[0]} households;"
                   f" left out: {', '.join(extra)}.")
    return out


def no_decision_as_zero(real: pd.DataFrame, *, stratum: str = "held_out",
                        rows: tuple | None = None) -> list[str]:
    """One sentence per MCC row of ``real`` (METER rows of ``stratum``, other datasets' of
    ``all``; ``rows``: only those (dataset, inference, target, metric, period_s)) whose mean
    leaves out no-decision households: the mean with them read as MCC 0 (a constant verdict's
    score), ``value · n / (n + n_no_decision)``, and its permutation null read the same way.
    Leaving them out favours the attack (review12b #6); this is the other reading."""
    r = real.assign(stratum=real["stratum"].astype(str))
    mine = (r["stratum"] == stratum) | ((r["dataset"] != "METER") & (r["stratum"] == "all"))
    mcc = r["metric"].astype(str).str.contains("mcc")

    def as_zero(x) -> tuple[float, int]:
        n, nd = float(x["n_households"]), float(x["n_no_decision"])
        nd = nd if np.isfinite(nd) else 0.0
        if not (np.isfinite(n) and n > 0 and np.isfinite(float(x["value"]))):
            return math.nan, 0
        return float(x["value"]) * n / (n + nd), int(n + nd)

    nulls = r[mine & mcc & (r["null"] == "permute_households")].set_index(_KEYS)
    out = []
    obs = r[mine & mcc & (r["null"] == "none") & (r["n_no_decision"].fillna(0) > 0)]
    for _, x in obs.sort_values(_KEYS).iterrows():
        if rows is not None and (x["dataset"], x["inference"], x["target"], x["metric"],
                                 x["period_s"]) not in rows:
            continue
        v0, n0 = as_zero(x)
        if not np.isfinite(v0):
            continue
        res = "1 day" if x["period_s"] >= 86400 else f"{int(x['period_s']) // 60} min"
        nd = int(x["n_no_decision"])
        text = (f"{x['dataset']} {x['inference']} / {x['target']} ({x['metric']}), {res}, "
                f"{x['training']}: with its {nd} no-decision household{'s' * (nd > 1)} read "
                f"as MCC 0 (a constant verdict's score) the mean over {n0} households is "
                f"{v0:.2f}, not {_num(x['value'])}")
        key = tuple(x[k] for k in _KEYS)
        if key in nulls.index:
            z, _ = as_zero(nulls.loc[[key]].iloc[0])
            if np.isfinite(z):
                text += (f"; its permutation null read the same way is {z:.2f}"
                         + (" (not above it: no evidence of skill)" if v0 <= z else ""))
        out.append(text + ".")
    return out


def prior_notes(real: pd.DataFrame, *, stratum: str = "held_out",
                rows: tuple | None = None) -> list[str]:
    """One sentence per real_others occupant-count binary-task accuracy row (METER, ``stratum``;
    ``rows``: only those (dataset, inference, target, metric, period_s)) whose prior is below
    0.5: each household's prior is its own fold's out-of-fold training majority, which can
    name the class the scored stratum mostly lacks -- the estimator's prior, fitted like the
    attack, not the scored households' majority."""
    r = real[(real["null"] == "none") & (real["dataset"] == "METER")
             & (real["stratum"].astype(str) == stratum) & (real["training"] == "real_others")
             & (real["inference"] == "occupants") & (real["metric"] == "accuracy")
             & real["target"].isin(["three_or_more", "single_person"])]
    out = []
    for _, x in r.sort_values(_KEYS).iterrows():
        if rows is not None and (x["dataset"], x["inference"], x["target"], x["metric"],
                                 x["period_s"]) not in rows:
            continue
        if np.isfinite(x["prior_population"]) and x["prior_population"] < 0.5:
            res = "1 day" if x["period_s"] >= 86400 else f"{int(x['period_s']) // 60} min"
            out.append(f"METER occupants / {x['target']} (accuracy), {res}, real_others: "
                       f"prior {x['prior_population']:.2f} is below 0.5 for a binary task "
                       "because each household's prior is its own fold's training majority "
                       "(out of fold, fitted like the attack), which often names the class "
                       f"the {stratum} households mostly lack; its skill "
                       f"{x['skill_population']:.2f} is against that prior, so read the MCC "
                       "beside it.")
    return out


def same_in_both_regimes(real: pd.DataFrame, rows: tuple, *, stratum: str = "held_out"
                         ) -> list[str]:
    """One sentence per (dataset, inference) of ``rows`` whose attack rows are identical
    (value and CI, every target, metric and rung of ``real`` with a value) under
    ``sim_to_real`` and ``real_others``: an attack that learns nothing from its training set
    (e.g. the unsupervised occupancy attack), so that only the priors differ."""
    r = real[(real["null"] == "none") & ((real["stratum"].astype(str) == stratum)
                                         | (real["dataset"] != "METER"))]
    keys = ["target", "metric", "period_s"]
    out = []
    for ds, inf in dict.fromkeys((x[0], x[1]) for x in rows):
        g = r[(r["dataset"] == ds) & (r["inference"] == inf)]
        a, b = (g[g["training"] == t].set_index(keys)[["value", "ci_low", "ci_high"]]
                for t in ("sim_to_real", "real_others"))
        both = a.merge(b, left_index=True, right_index=True, suffixes=("_a", "_b")).dropna(
            subset=["value_a", "value_b"])
        if len(both) < 3:  # too few figures to tell a coincidence from an untrained attack
            continue
        x = both[["value_a", "ci_low_a", "ci_high_a"]].to_numpy(float)
        y = both[["value_b", "ci_low_b", "ci_high_b"]].to_numpy(float)
        if np.allclose(x, y, equal_nan=True):
            method = HEADLINE[inf].method if inf in HEADLINE else "its attack"
            out.append(f"{ds} {inf}: the same figures under both training regimes (all "
                       f"{len(both)} rows): the headline attack ({method}) learns nothing "
                       "from its training households; only the priors differ.")
    return out


def readme_block(real: pd.DataFrame) -> str:
    """The README's real rows (between :data:`README_START` and :data:`README_END`) from
    ``real.csv`` (:data:`COLUMNS`): :data:`README_ROWS` under both training regimes, the
    numbers rounded to 2 decimals as the CSV holds them."""
    lines = [README_START,
             "Real households, real ground truth (METER diaries: held-out odd-id households, on "
             "which no fit was made; ECO house 2 occupancy); `docs/results/real.csv`, `make "
             "real-results`. real.csv's METER `all` rows are not out of sample for sim_to_real "
             "(the GB simulator was fitted on the even households) and are not shown here; "
             "the attack and its design constants were fixed as docs/published.md ('How the "
             "real rows were designed') says:", "",
             "| data | inference (metric) | resolution | training | value [95 % CI] | prior | "
             "skill | permutation null | households |", "|---|---|---|---|---|---|---|---|---|"]
    nulls = real[real["null"] == "permute_households"].assign(
        stratum=lambda d: d["stratum"].astype(str)).drop_duplicates(_KEYS).set_index(_KEYS)[
        "value"]
    for ds, inf, target, metric, period in README_ROWS:
        stratum = "held_out" if ds == "METER" else "all"
        sel = real[(real["dataset"] == ds) & (real["inference"] == inf)
                   & (real["target"] == target) & (real["metric"] == metric)
                   & (real["period_s"] == period) & (real["null"] == "none")
                   & (real["stratum"].astype(str) == stratum)]
        for _, r in sel.sort_values("training", ascending=False).iterrows():
            why = r["ci_reason"] if isinstance(r["ci_reason"], str) and r["ci_reason"] \
                else "no CI"
            ci = (f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}]" if np.isfinite(r["ci_low"])
                  else f"({why})")
            if why.startswith("no decision"):  # the reason is the value: no figure to show
                value, ci = "no decision", "(one verdict on every unit: no CI, no skill)"
            else:
                value = _num(r["value"])
            key = (ds, r["training"], stratum, inf, target, metric, period)
            null = _num(nulls[key]) if key in nulls.index else "–"
            higher_better = not str(metric).startswith("mae")
            if null != "–" and higher_better and np.isfinite(r["value"]) \
                    and r["value"] <= nulls[key]:
                null += " (value not above it: no skill)"
            lines.append(f"| {ds} | {target} / {inf} ({metric}) | {int(period) // 60} min | "
                         f"{r['training']} | {value} {ci} | "
                         f"{_num(r['prior_population'])} | {_num(r['skill_population'])} | "
                         f"{null} | {households_cell(r)} |")
    notes = below_null(real, rows=README_ROWS) + no_decision_as_zero(real, rows=README_ROWS) \
        + prior_notes(real, rows=README_ROWS) + same_in_both_regimes(real, README_ROWS)
    if notes:
        lines += [""] + [f"* {n}" for n in notes]
    lines.append(README_END)
    return "\n".join(lines)


#: what the strata are out of sample for, and how far a permutation null decides (real.md)
STRATUM_NOTE = (
    "Stratum `held_out` (odd-id METER households): no fit was made on them (the GB simulator "
    "behind sim_to_real was fitted on the even households; the design constants and the "
    "occupancy attack's switch to `unsupervised` after the first real scoring are in "
    "docs/published.md, 'How the real rows were designed'). Stratum `all` in real.csv is not "
    "out of sample for sim_to_real. The permutation null is one shuffle of diaries between "
    "households, averaged over its own set of households: with fewer than about 15 "
    "households (or units) it is too noisy to decide anything (some nulls lie wholly above "
    "0), and value and null may average different households, so read a row's value "
    "against it only where both are over many households.")


def report_section(real: pd.DataFrame, *, stratum: str = "held_out") -> str:
    """A report's "Real households" section (Markdown): every non-null row of ``real.csv``
    of ``stratum`` (METER; ECO's rows are stratum ``all``) with value, CI or the reason there
    is none, both priors and skills, households and days, by dataset, training and rung
    (the table of :func:`nilm.report.real_table`, which :func:`nilm.report.write_report`
    also embeds)."""
    header, rows = real_table(real, stratum=stratum)
    lines = ["## Real households (real ground truth)", "", real_intro(stratum, N_FOLDS), "",
             STRATUM_NOTE, "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    notes = below_null(real, stratum=stratum)
    if notes:
        lines += ["", "MCCs not above their permutation null:", ""]
        lines += [f"* {n}" for n in notes]
    zero = no_decision_as_zero(real, stratum=stratum)
    if zero:
        lines += ["", "MCCs with the no-decision households read as 0 (the mean above leaves "
                  "them out, which favours the attack):", ""] + [f"* {n}" for n in zero]
    priors = prior_notes(real, stratum=stratum)
    if priors:
        lines += ["", "Priors below 0.5 on a binary task:", ""] + [f"* {n}" for n in priors]
    gone = left_out(real, stratum=stratum)
    if gone:
        lines += ["", "Households left out of an MCC's mean (\"no decision\": the attack said "
                  "one class on every interval; \"truth one class\": e.g. never absent in the "
                  "28 h, the MCC is undefined):", ""]
        lines += [f"* {n}" for n in gone]
    return "\n".join(lines) + "\n"


def with_readme_block(readme: str, real: pd.DataFrame) -> str:
    """``readme`` with its real block replaced (or inserted after the headline table's
    ``<!-- headline:end -->``)."""
    block = readme_block(real)
    if README_START in readme and README_END in readme:
        a, rest = readme.split(README_START, 1)
        return a + block + rest.split(README_END, 1)[1]
    marker = "<!-- headline:end -->"
    if marker not in readme:
        raise ValueError(f"README has neither {README_START} nor {marker}")
    return readme.replace(marker, marker + "\n\n" + block, 1)


__all__ = ["COLUMNS", "ECO_RUNGS", "METER_RUNGS", "N_FOLDS", "PER_HOUSEHOLD", "SIM_TRAINING",
           "STRATUM_NOTE", "below_null", "households_cell", "left_out", "no_decision_as_zero",
           "prior_notes",
           "same_in_both_regimes",
           "STRATA", "count_rows", "cv_counts", "eco_rows", "held_out", "household_folds",
           "load_real", "meter_rows", "strata_masks",
           "occupancy_accuracy", "occupants_rows", "per_household_rows", "readme_block",
           "redact_single_households", "report_section",
           "score_household", "with_readme_block", "with_reasons",
           "shift_to", "simulated_training", "summarise"]
