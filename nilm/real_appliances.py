"""Real appliance rows of METER: day-level **appliance use** from the time-use diaries, and
appliance **presence** (ownership) against the household survey, under the two training regimes
of :mod:`nilm.real_rows` (``sim_to_real``: learnt on the simulated GB population;
``real_others``: :data:`nilm.real_rows.N_FOLDS`-fold cross-validation over METER's households).

**Appliance-use truth** (:func:`diary_days`), one row per household-day and appliance of
:data:`DAY_USE`. The diary's time-use codes (``tuc``, METER's ``legend.csv``) that imply an
appliance become :class:`nilm.truth.ApplianceUse` events in :mod:`nilm.io.meter`
(:data:`nilm.io.meter.DIARY_APPLIANCES`); the scored appliances and their codes are

======================  ================================================================
appliance               METER activity codes (label)
======================  ================================================================
``oven``                8531 Oven, 3120 Baking
``hob``                 8532 Cook on hob — **only where the survey says "Electric hob"**
``microwave``           8533 Microwave
``kettle``              8535 Kettle
``washing_machine``     3311, 8541 Washing machine; 8543 Washer-dryer (it washes)
``dishwasher``          3133, 8503 Dish washer; 8536 Dishwasher
``tv``                  8211, 8212, 8215, 8219, 8222, 8229, 8553 (watching TV / film / sport)
``computer``            8216, 8551 Computer; 8552, 7330 Computer games; 8507
``shower``              311 Shower — **only where the survey counts a "Power shower"** (its
                        only shower question: an electrically pumped or heated shower; a
                        shower on gas-heated water draws no appliance load)
======================  ================================================================

plus the household's own annotations of its electricity graph that name one of them. Generic
entries imply no particular appliance and are no events here: 3112 "Prepare hot meal" (which
:data:`nilm.io.meter.DIARY_APPLIANCES` maps to a generic "cooker" event that no row scores),
"Laundry"
(sorting, hanging), "Wash dishes" (by hand), screen time on an unspecified device. A hob or
shower in a household without the electric one is not scored for that appliance (its use is
not an electrical event); the other appliances have no survey question and every household is
scored. A **local day is scored** when every member aged 8+ keeps a diary (members under 8
keep none and their use of, e.g., the TV is not recorded) and each diary knows the keeper's
whereabouts during at least :data:`COVERAGE` of the day's waking window
:data:`WAKING` (06:00–24:00 local); the day is *used* when a use starts on it, else *not
used*; an uncovered day is unknown and not scored. METER's study day runs 17:00 → 21:00 next
day, so mostly the second local day is scored (00:00–21:00: 15 of the 18 waking hours; the
first holds 7), about one household-day per household: rows say ``n_days``, the household-days
scored. The attacked curve also ends at 21:00.

**Attack**: the headline appliance attack, the direct detector
(:class:`nilm.privacy.appliances.DirectDetector`, default parameters): per appliance a
boosted-tree classifier of the aggregate's window features with its interval and day
thresholds tuned on held-out training households. ``sim_to_real``: trained on the simulated
population's sub-meters (:func:`nilm.real_rows.simulated_training`); ``real_others``: trained on
the other folds' METER households, an interval labelled active when a diary use of the
appliance overlaps it (:func:`diary_labels`; unscored days unlabelled). Day use = some active
interval on the day. Metrics over the pooled household-days of a stratum
(:data:`nilm.real_rows.STRATA`): ``day_use_mcc`` (prior 0: any input-blind rule),
``day_use_f1`` (prior: "used every day", ``2p/(1+p)``), ``accuracy`` (prior: the training
majority verdict's accuracy, as for presence below); CIs by bootstrap over households
(:func:`nilm.stats.paired_bootstrap` on per-household confusion counts; fewer than
:data:`nilm.stats.MIN_BLOCKS` households: no CI).

**Presence** (:func:`presence_rows`; Petralia et al. 2023's task): per appliance of
:data:`PRESENCE` whether the household owns it, from the survey (``Washing machine``, ``Tumble
dryer``, ``Electric hob``, ``Power shower (number of)`` ≥ 1), predicted by a household-level
random forest (:func:`presence_classifier`, fixed before scoring) on the occupant attack's
multi-resolution features of the curve (:func:`nilm.privacy.occupants.population_features`),
trained on the simulated households' ownership (sim → real) or out of fold on the other METER
households (real_others). ``presence_f1_macro`` (Petralia et al.'s metric; prior: the
**better of** the majority constant's F1-macro and the expected F1-macro of an input-blind
random guess that says "owns" at the training prevalence, :func:`guess_stats`: about 0.5,
while the constant's is at most 0.5), ``ownership_mcc`` (prior 0) and ``accuracy`` (prior:
majority-class accuracy), CIs over households. Training majority and prevalence are the
training set's: the simulated households' for sim → real, the other folds' METER households
for real_others (fitted like the estimator; the day-use accuracy prior likewise). Read the
F1-macro beside ``ownership_mcc``: only the MCCs have an input-blind expectation of 0
whatever the pairing, so the permutation null is read on them. A detector whose verdict is
one class on every scored unit made no decision (:data:`CONSTANT`): none of its metrics has a
CI or a skill.

Permutation null (``null = "permute_households"``, sim → real): each household's predictions
against the next household's diaries moved onto its dates, and the survey answers rolled by one.
Aggregates only (METER's terms): the per-household rows stay in memory.

References: Grünewald & Diakonova (2020) (METER); Petralia, A., Charpentier, P., Boniol, P. &
Palpanas, T. (2023), "Appliance detection using very low-frequency smart meter time series",
e-Energy '23; Matthews (1975) (MCC).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import stats
from .clock import day_start_utc
from .grid import Grid
from .metrics import on_threshold
from .privacy.appliances import Calendar, DirectDetector
from .privacy.occupants import population_features
from .protocol import threat_model
from .real_rows import COLUMNS, METER_RUNGS, household_folds, shift_to, strata_masks

#: appliance scored for day use -> the event names (:class:`nilm.truth.ApplianceUse`) counted
DAY_USE = {"oven": ("oven",), "hob": ("hob",), "microwave": ("microwave",),
           "kettle": ("kettle",), "washing_machine": ("washing_machine", "washer_dryer"),
           "dishwasher": ("dishwasher",), "tv": ("tv",), "computer": ("computer",),
           "shower": ("shower",)}
#: appliance -> survey question (``meta["appliances_survey"]``) whose "yes" (or count >= 1) a
#: household needs for its uses to be electrical; absent: every household is scored
NEEDS_SURVEY = {"hob": "Electric hob", "shower": "Power shower (number of)"}
#: appliance presence scored against the survey -> its question
PRESENCE = {"washing_machine": "Washing machine", "tumble_dryer": "Tumble dryer",
            "hob": "Electric hob", "shower": "Power shower (number of)"}
#: share of the waking window a diary must cover for its day to be scored
COVERAGE = 0.75
#: local waking window of the coverage rule, s after midnight
WAKING = (6 * 3600, 24 * 3600)
#: the day-use metrics
DAY_METRICS = ("day_use_mcc", "day_use_f1", "accuracy")
PRESENCE_METRICS = ("presence_f1_macro", "ownership_mcc", "accuracy")
METHOD = "direct"
PRESENCE_METHOD = "presence_forest"
TOO_FEW_HOUSEHOLDS = "too few households"
CONSTANT = "no decision: one verdict on every unit (MCC 0), no CI, no skill"
DAY_NOTE = ("household-days scored where every member aged 8+ kept a diary covering "
            f"{COVERAGE:.0%} of 06:00-24:00; label noise: members under 8 keep no diary (their "
            "TV use is never recorded) and 'not used' means 'not logged' (e.g. kettle use is "
            "rarely logged); household-typical prior not defined")
PRESENCE_NOTE = "survey ownership; household-typical prior not defined for a household fact"


def survey_yes(meta: dict, question: str) -> bool | None:
    """The survey's answer to ``question`` as owned / not owned (a count: at least 1); None
    when not answered."""
    v = meta.get("appliances_survey", {}).get(question)
    if v is None or isinstance(v, str):
        return None
    return bool(v)


def diary_days(meta: dict, truth, days: np.ndarray) -> tuple[np.ndarray, dict, dict]:
    """Day-use truth of one METER household on the local days ``days`` (module docstring).

    Parameters
    ----------
    meta : the household's ``meta`` (``people``, ``under_8``, ``appliances_survey``).
    truth : its diary :class:`nilm.truth.GroundTruth`.
    days : local day numbers (:func:`nilm.clock.local_clock`).

    Returns
    -------
    (covered bool [d], {appliance: scored bool [d]}, {appliance: used bool [d]}).
    """
    tz = truth.timezone
    days = np.asarray(days, dtype=np.int64)
    known = np.asarray(truth.person_known, bool)
    people = int(meta.get("people") or 0)
    members_8 = people - int(meta.get("under_8") or 0)
    d0 = day_start_utc(days, tz)
    covered = np.zeros(len(days), bool)
    if people > 0 and members_8 > 0 and known.shape[0] >= members_8:
        steps = int(truth.start) + truth.step * np.arange(known.shape[1], dtype=np.int64)
        for d, start in enumerate(d0):
            lo, hi = start + WAKING[0], start + WAKING[1]
            inside = (steps >= lo) & (steps < hi)
            share = known[:, inside].sum(axis=1) * truth.step / (hi - lo)
            covered[d] = bool(np.all(share >= COVERAGE))
    d1 = day_start_utc(days + 1, tz)
    scored, used = {}, {}
    for name, events in DAY_USE.items():
        ok = covered.copy()
        if name in NEEDS_SURVEY and not survey_yes(meta, NEEDS_SURVEY[name]):
            ok[:] = False
        starts = np.array([e.start for e in truth.events if e.appliance in events], np.int64)
        used[name] = np.array([bool(np.any((starts >= a) & (starts < b)))
                               for a, b in zip(d0, d1, strict=True)], bool)
        scored[name] = ok
    return covered, scored, used


def diary_labels(grid: Grid, truth, scored: dict, days: np.ndarray) -> Grid:
    """``grid`` with one label channel per :data:`DAY_USE` appliance: the on-threshold
    (:func:`nilm.metrics.on_threshold`) where a diary use of it overlaps the interval (an event
    without a recorded end lasts one interval), 0 elsewhere on its scored days, NaN on the
    others — the "sub-meter" the direct detector learns from in ``real_others``."""
    period = float(grid.period)
    t0 = grid.t.astype(np.int64)
    t1 = t0 + int(period)
    d0 = day_start_utc(np.asarray(days, np.int64), truth.timezone)
    day_of = np.searchsorted(d0, t0, side="right") - 1
    names = list(DAY_USE)
    labels = np.full((len(names), len(grid)), np.nan)
    for k, name in enumerate(names):
        ok = (day_of >= 0) & scored[name][np.maximum(day_of, 0)]
        on = np.zeros(len(grid), bool)
        for e in truth.events:
            if e.appliance in DAY_USE[name]:
                end = e.start + int(period) if e.end is None else max(e.end, e.start + 1)
                on |= (t0 < end) & (t1 > e.start)
        labels[k] = np.where(ok, np.where(on, on_threshold(name, period), 0.0), np.nan)
    return Grid(grid.start, grid.period, grid.mains, labels, names)


def day_stats(pred: np.ndarray, used: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """Confusion counts (tp, fp, fn, tn) [4] of day-use verdicts on the scored days."""
    p, y = pred[scored], used[scored]
    return np.array([np.sum(p & y), np.sum(p & ~y), np.sum(~p & y), np.sum(~p & ~y)], float)


def constant_stats(value: bool, used: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """:func:`day_stats` of the constant verdict ``value`` on every scored day."""
    return day_stats(np.full(len(used), bool(value)), used, scored)


def guess_stats(y: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Expected confusion counts ``[h, 4]`` of an input-blind random guess that says "yes"
    with probability ``q`` (the training prevalence, per household) against the truths
    ``y`` (bool [h]): ``(q y, q (1-y), (1-q) y, (1-q)(1-y))``. Pooled, they give the guess's
    expected F1-macro to first order (about 0.5 whatever the prevalences when q = p)."""
    y = np.asarray(y, float)
    q = np.broadcast_to(np.asarray(q, float), y.shape)
    return np.stack([q * y, q * (1 - y), (1 - q) * y, (1 - q) * (1 - y)], axis=1)


def is_constant(attack: np.ndarray) -> bool:
    """Whether the pooled verdicts of ``attack`` (counts ``[h, 4]``: tp, fp, fn, tn) are one
    class on every unit: a detector that made no decision."""
    said_yes = float(np.sum(attack[:, 0] + attack[:, 1]))
    n = float(np.sum(attack))
    return n > 0 and (said_yes == 0 or said_yes == n)


def pooled_row(attack: np.ndarray, always: np.ndarray, majority: np.ndarray, metric: str, *,
               seed: int, n_boot: int, guess: np.ndarray | None = None) -> dict:
    """A metric over the pooled units of several households: value and CI by bootstrap over
    households (:func:`nilm.stats.paired_bootstrap` on per-household counts ``[h, 4]``), prior
    0 (an MCC: any input-blind rule), "used every day" (day-use F1), the ``majority``
    verdict (accuracy) or, for the presence F1-macro, the **better** of the majority
    constant and the random guess at the training prevalence (``guess``,
    :func:`guess_stats`): an input-blind shuffled guess averages an F1-macro of about 0.5,
    the constant at most 0.5.

    A detector whose pooled verdict is one class (:func:`is_constant`) made no decision:
    every metric of it gets no CI and the reason :data:`CONSTANT`, no skill; its MCC is 0
    (NaN only when the truth holds one class)."""
    prior_stats = always if metric == "day_use_f1" else majority
    k = len(stats.metric_info(metric).stats)
    if metric == "presence_f1_macro" and guess is not None and len(guess):
        m = stats.metric_info(metric)
        if m.from_sums(guess[:, :k].sum(axis=0)) > m.from_sums(majority[:, :k].sum(axis=0)):
            prior_stats = guess
    est = stats.paired_bootstrap(attack[:, :k], prior_stats[:, :k], metric, seed=seed,
                                 n_boot=n_boot)
    reason = TOO_FEW_HOUSEHOLDS if est.reason == "too few days" else est.reason
    mcc = metric in ("day_use_mcc", "ownership_mcc")
    prior = 0.0 if mcc else est.prior
    value, lo, hi = est.value, est.ci[0], est.ci[1]
    skill = stats.skill(value, prior, metric)
    if len(attack) and is_constant(attack):
        y = attack[:, 0] + attack[:, 2]
        if mcc and not math.isfinite(value) and 0 < y.sum() < attack.sum():
            value = 0.0
        lo = hi = skill = math.nan
        reason = CONSTANT
    return dict(metric=metric, value=value, ci_low=lo, ci_high=hi,
                ci_reason=reason, prior=prior, skill=skill)


def _majority(y: np.ndarray) -> bool:
    return bool(np.mean(y) >= 0.5) if len(y) else False


def sim_day_use(sim_grids: list[tuple[Grid, object]], name: str) -> np.ndarray:
    """Per household-day of the simulated households with ``name``'s sub-meter: used (bool),
    from its activity at the grid's period (the training labels of the detector)."""
    out = []
    for g, t in sim_grids:
        if name not in g.names:
            continue
        ok = np.isfinite(g.mains)
        cal = Calendar(g, ok, t.timezone)
        y = g.appliance(name).astype(np.float64)
        act = np.isfinite(y) & (y >= on_threshold(name, float(g.period)))
        out.append(cal.any(act & ok)[cal.known])
    return np.concatenate(out) if out else np.zeros(0, bool)


def _household_days(meter, period):
    """Per METER household at ``period``: grid, calendar, (covered, scored, used)."""
    out = []
    for h, t in meter:
        g = h.to_grid(period)
        cal = Calendar(g, np.isfinite(g.mains), t.timezone)
        covered, scored, used = diary_days(h.meta, t, cal.days)
        scored = {k: v & cal.known for k, v in scored.items()}
        out.append((g, cal, covered, scored, used))
    return out


def _summary(recs: list[dict], *, training: str, null: str, period: float, stratum: str,
             target: str, n_households: int, n_days: float, inference_note: str,
             method: str) -> list[dict]:
    return [{"dataset": "METER", "simulated": False, "truth_kind": "real",
             "training": training, "threat_model": threat_model(period), "null": null,
             "stratum": stratum, "inference": "appliances", "target": target,
             "metric": r["metric"], "period_s": period, "method": method,
             "value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
             "ci_reason": r["ci_reason"], "n_households": n_households, "n_days": n_days,
             # one pooled decision: 1 when the detector said one class on every unit
             "no_decision": float(r["ci_reason"] == CONSTANT),
             "prior_population": r["prior"], "skill_population": r["skill"],
             "prior_household": math.nan, "skill_household": math.nan,
             "note": inference_note} for r in recs]


def day_use_rows(meter: list[tuple], sim: list[tuple], *, seed: int, n_boot: int,
                 periods=METER_RUNGS) -> pd.DataFrame:
    """:data:`nilm.real_rows.COLUMNS` rows of METER's day-level appliance use: both regimes,
    the permutation null (sim → real), every stratum and rung (module docstring)."""
    n = len(meter)
    fold = household_folds(n, seed)
    masks = strata_masks(meter)
    names = list(DAY_USE)
    # the permutation null's truth: the next household's diaries moved onto this one's dates
    partners = [(meter[(i + 1) % n][0].meta, shift_to(meter[(i + 1) % n][1], meter[i][1]))
                for i in range(n)]
    out = []
    for period in periods:
        hd = _household_days(meter, period)
        sim_grids = [(h.to_grid(period), t) for h, t in sim]
        verdicts = {}
        det = DirectDetector(names=names, seed=seed).fit(sim_grids)
        verdicts["sim_to_real"] = [det.predict(g, t.timezone) for (g, *_), (_, t)
                                   in zip(hd, meter, strict=True)]
        sim_major = {nm: _majority(sim_day_use(sim_grids, nm)) for nm in names}
        labelled = [diary_labels(g, t, sc, cal.days) for (g, cal, _, sc, _), (_, t)
                    in zip(hd, meter, strict=True)]
        cv = [None] * n
        for k in np.unique(fold):
            train = [(labelled[j], meter[j][1]) for j in range(n) if fold[j] != k]
            det_k = DirectDetector(names=names, seed=seed).fit(train)
            for i in np.flatnonzero(fold == k):
                cv[i] = det_k.predict(hd[i][0], meter[i][1].timezone)
        verdicts["real_others"] = cv
        # real_others' majority: each fold's training households' scored days (a prior is
        # fitted like the estimator, on training data only)
        fold_major = {k: {nm: _majority(np.concatenate(
            [hd[j][4][nm][hd[j][3][nm]] for j in range(n) if fold[j] != k] or [np.zeros(0, bool)]))
            for nm in names} for k in np.unique(fold)}
        null_truth = []
        for i, (_g, cal, *_rest) in enumerate(hd):
            _, sc, us = diary_days(partners[i][0], partners[i][1], cal.days)
            null_truth.append(({k: v & cal.known for k, v in sc.items()}, us))
        runs = (("sim_to_real", "none", verdicts["sim_to_real"], None),
                ("real_others", "none", verdicts["real_others"], None),
                ("sim_to_real", "permute_households", verdicts["sim_to_real"], null_truth))
        for training, null, verdict, swapped in runs:
            for nm in names:
                att, alw, maj = [], [], []
                for i, (g, cal, _cov, sc, us) in enumerate(hd):
                    scored, used = (sc[nm], us[nm]) if swapped is None else \
                        (swapped[i][0][nm], swapped[i][1][nm])
                    ok = np.isfinite(g.mains)
                    pred = cal.any(verdict[i][nm] & ok)
                    major = (sim_major if training == "sim_to_real"
                             else fold_major[fold[i]])[nm]
                    att.append(day_stats(pred, used, scored))
                    alw.append(constant_stats(True, used, scored))
                    maj.append(constant_stats(major, used, scored))
                att, alw, maj = np.array(att), np.array(alw), np.array(maj)
                for stratum, m in masks.items():
                    has = m & (att.sum(axis=1) > 0)
                    recs = [pooled_row(att[has], alw[has], maj[has], metric, seed=seed,
                                       n_boot=n_boot) for metric in DAY_METRICS]
                    out += _summary(recs, training=training, null=null, period=period,
                                    stratum=stratum, target=nm, n_households=int(has.sum()),
                                    n_days=float(att[has].sum()), inference_note=DAY_NOTE,
                                    method=METHOD)
    return pd.DataFrame(out, columns=COLUMNS)


def presence_classifier(seed: int):
    """The presence attack's household classifier, unfitted (fixed before scoring): a
    balanced random forest of 300 trees, leaves of at least 2 households."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=300, min_samples_leaf=2,
                                  class_weight="balanced", random_state=seed, n_jobs=1)


def _fit_predict(x_tr, y_tr, x_te, seed: int) -> np.ndarray:
    if np.unique(y_tr).size < 2:  # one class in training: the forest can only say it
        return np.full(len(x_te), bool(y_tr[0]) if len(y_tr) else False)
    return presence_classifier(seed).fit(x_tr, y_tr).predict(x_te).astype(bool)


def _presence_stats(pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-household confusion counts ``[h, 4]`` of presence verdicts."""
    return np.stack([pred & y, pred & ~y, ~pred & y, ~pred & ~y], axis=1).astype(float)


def presence_rows(meter: list[tuple], sim: list[tuple], *, seed: int, n_boot: int,
                  periods=METER_RUNGS) -> pd.DataFrame:
    """:data:`nilm.real_rows.COLUMNS` rows of appliance presence against the survey
    (:data:`PRESENCE`), both regimes and the permutation null, every stratum and rung."""
    hs = [(h, t) for h, t in meter if t.occupants > 0]
    n = len(hs)
    fold = household_folds(n, seed)
    masks = strata_masks(hs)
    out = []
    for period in periods:
        x = population_features([h.to_grid(period) for h, _ in hs], [t for _, t in hs],
                                period)
        xs = population_features([h.to_grid(period) for h, _ in sim], [t for _, t in sim],
                                 period)
        for nm, question in PRESENCE.items():
            answer = [survey_yes(h.meta, question) for h, _ in hs]
            has = np.array([a is not None for a in answer])
            y = np.array([bool(a) for a in answer])
            ys = np.array([bool(t.ownership.get(nm, False)) for _, t in sim])
            sim_pred = _fit_predict(xs, ys, x, seed)
            cv_pred = np.zeros(n, bool)
            # real_others' priors from each fold's training households only: their majority
            # and their prevalence (the random guess's rate)
            cv_major = np.zeros(n, bool)
            cv_rate = np.zeros(n)
            for k in np.unique(fold):
                te, tr = (fold == k) & has, (fold != k) & has
                cv_pred[te] = _fit_predict(x[tr], y[tr], x[te], seed)
                cv_major[fold == k] = _majority(y[tr])
                cv_rate[fold == k] = float(np.mean(y[tr])) if tr.any() else 0.0
            sim_rate = np.full(n, float(np.mean(ys)) if len(ys) else 0.0)
            runs = (("sim_to_real", "none", sim_pred, y, np.full(n, _majority(ys)), sim_rate),
                    ("real_others", "none", cv_pred, y, cv_major, cv_rate),
                    ("sim_to_real", "permute_households", sim_pred, np.roll(y, 1),
                     np.full(n, _majority(ys)), sim_rate))
            for training, null, pred, truth, major, rate in runs:
                keep = has & (np.roll(has, 1) if null != "none" else True)
                att = _presence_stats(pred, truth)
                maj = _presence_stats(major, truth)
                gss = guess_stats(truth, rate)
                for stratum, m in masks.items():
                    sel = m & keep
                    recs = [pooled_row(att[sel], maj[sel], maj[sel], metric, seed=seed,
                                       n_boot=n_boot, guess=gss[sel])
                            for metric in PRESENCE_METRICS]
                    out += _summary(recs, training=training, null=null, period=period,
                                    stratum=stratum, target=nm, n_households=int(sel.sum()),
                                    n_days=math.nan, inference_note=PRESENCE_NOTE,
                                    method=PRESENCE_METHOD)
    return pd.DataFrame(out, columns=COLUMNS)


__all__ = ["COVERAGE", "DAY_USE", "NEEDS_SURVEY", "PRESENCE", "WAKING", "day_stats",
           "day_use_rows", "diary_days", "diary_labels", "guess_stats", "is_constant",
           "pooled_row", "presence_classifier", "presence_rows", "sim_day_use", "survey_yes"]
