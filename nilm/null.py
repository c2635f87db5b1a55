"""Null controls: studies in which the attacked curve carries no information about its truth.

A leakage number is only citable if the same pipeline scores **skill ≈ 0** when the link between
curve and truth is cut (docs/metrics.md, "Null controls"). Two ways to cut it, chosen by the
study option ``null``:

* ``"permute_households"``: each household's curve is scored against the truth of another
  household of the same source over the same calendar dates (a cyclic derangement of the
  source's houses, skipping the houses that train the attacked one when the source is large
  enough); household-level truths (occupants, ownership, the appliance sub-meters that serve as
  appliance truth, in the attacked grid too) move with it. Against a population prior every
  inference must then score a skill whose CI contains 0.
* ``"shift_days"``: the household's own truth rolled by :data:`SHIFT_DAYS` local days (not a
  multiple of 7, so weekdays do not line up), circularly within the recorded window. A
  diagnostic for day-level inferences against the household-typical prior: the routine is kept,
  the day-to-day link is cut. The appliance truth, the sub-meters, is rolled the same way
  (:func:`shift_submeters`); the aggregate, the attacked curve, is not.

**The null over every partner, re-scored** (:func:`pair_scores`, :func:`null_rows`;
docs/metrics.md, "Null controls"): the study option scores each house against ONE partner,
and a household bootstrap conditional on that one pairing is not calibrated when per-house
null scores are few and heavy-tailed (a 1-day "discovery" at +0.14 [0.10, 0.17] on 10 houses
whose mean over all pairings was −0.02). No headline attack's verdict on house A's curve
reads A's truth (they and the population priors are fitted on the training households or on
nothing), so the null of every pairing is computed from the real study's predictions.csv: A's
prediction scored against the truth of every allowed partner B (same source, so the same
calendar dates; neither A nor one of the houses that trained A's attacks; for the occupant
count every other household of the pool). The household-typical prior is fitted on the truth
side, so under the null it is B's own household-typical score.

References
----------
Owen, A. B. (2007). The pigeonhole bootstrap. Annals of Applied Statistics 1(2), 386–411.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pandas as pd

from . import stats
from .protocol import HEADLINE

#: the null options of a study (``StudySpec.null``); ``"none"`` scores the real pairing
NULLS = ("none", "permute_households", "shift_days")

#: local days the ``shift_days`` null rolls the truth by (prime to 7)
SHIFT_DAYS = 3


def check_null(null: str) -> None:
    """Raise ValueError (naming the option) when ``null`` is unknown (every inference serves
    under every null)."""
    if null not in NULLS:
        raise ValueError(f"null must be one of {NULLS}, not {null!r}")


def partner(houses: list[str], house: str, skip: int = 0) -> str:
    """The house whose truth ``house`` is scored against under ``permute_households``.

    Parameters
    ----------
    houses : the source's houses, in the study's stable order (at least 2).
    house : the attacked house.
    skip : how many houses after ``house`` (cyclically) train its attacks
        (:func:`nilm.study.training_houses`); the partner is the first house after them, so that
        neither the attack nor the population prior saw the partner's truth, when the source
        has more than ``skip + 1`` houses (else the next house).

    Returns
    -------
    The partner's id: a cyclic shift by one offset, so the pairing is a derangement (no house is
    its own partner) and every truth is used once.
    """
    if len(houses) < 2:
        raise ValueError("a permutation null needs at least 2 households in the source")
    n = len(houses)
    offset = skip + 1 if n > skip + 1 else 1
    return houses[(houses.index(house) + offset) % n]


def check_same_dates(truth, other, house: str, other_house: str) -> None:
    """Raise ValueError unless two truths cover the same local days on the same timeline."""
    same = (truth.start == other.start and truth.step == other.step
            and truth.timezone == other.timezone
            and np.shape(truth.present_person)[-1] == np.shape(other.present_person)[-1]
            and np.array_equal(truth.days, other.days))
    if not same:
        raise ValueError(f"null 'permute_households': households {house} and {other_house} do "
                         "not cover the same calendar dates")


def shift_truth(truth, days: int = SHIFT_DAYS):
    """``truth`` rolled forward by ``days`` local days, circularly within its window.

    The timelines (presence, awake, known) roll by ``days · 86400 / step`` steps; the per-day
    arrays (wake, bed, hot water, heater energy) roll by ``days`` entries, and the wake and
    bed instants move by the difference of the days' local midnights (so a DST change inside
    the window keeps their local clock time). Household-level facts (occupants, ownership) are
    unchanged: they are no day-level truth.
    """
    if truth.step <= 0 or 86400 % truth.step:
        raise ValueError(f"shift_truth needs a timeline step dividing a day, not {truth.step} s")
    n_days = len(truth.days)
    if n_days < 2:
        raise ValueError("shift_truth needs at least 2 local days")
    k = days % n_days
    steps = k * (86400 // truth.step)
    n = np.shape(truth.present_person)[-1]

    def roll_t(x):
        return None if x is None else np.roll(np.asarray(x), steps % n, axis=-1)

    # day d now holds day d-k's instants, moved by the gap between the two local midnights
    src = (np.arange(n_days) - k) % n_days
    move = (np.asarray(truth.days, np.int64) - np.asarray(truth.days, np.int64)[src])
    return dataclasses.replace(
        truth, present_person=roll_t(truth.present_person),
        awake_person=roll_t(truth.awake_person),
        household_present=roll_t(truth.household_present),
        household_awake=roll_t(truth.household_awake), person_known=roll_t(truth.person_known),
        wake=np.asarray(truth.wake, float)[..., src] + move,
        bed=np.asarray(truth.bed, float)[..., src] + move,
        hot_water_l=np.asarray(truth.hot_water_l, float)[src],
        water_heater_kwh=np.asarray(truth.water_heater_kwh, float)[src],
        events=[])


def shift_submeters(household, truth, days: int = SHIFT_DAYS):
    """``household`` with each sub-meter rolled forward by ``days`` local days, circularly
    within ``truth``'s window, exactly as :func:`shift_truth` rolls the timelines (a sample at
    ``t`` moves to ``start + (t − start + k·86400) mod window``); the mains is unchanged.

    Raises ValueError (naming the house and the sub-meter) when a sample lies outside the
    window, where the roll is not a bijection.
    """
    n_days = len(truth.days)
    if n_days < 2:
        raise ValueError("shift_submeters needs at least 2 local days")
    window = int(np.shape(truth.present_person)[-1]) * int(truth.step)
    shift = (days % n_days) * 86400
    rolled = {}
    for name, s in household.appliances.items():
        t = np.asarray(s.t, np.int64)
        if t.size and (t[0] < truth.start or t[-1] >= truth.start + window):
            raise ValueError(f"null 'shift_days': house {household.name}, sub-meter {name} "
                             "has samples outside its truth window")
        t2 = truth.start + (t - truth.start + shift) % window
        order = np.argsort(t2, kind="stable")
        rolled[name] = dataclasses.replace(s, t=t2[order], p=np.asarray(s.p)[order])
    return dataclasses.replace(household, appliances=rolled)


# --------------------------------------------------------------------------------- re-scoring

#: ``bootstrap`` of a re-scored null row: attacked and truth households resampled independently
BOOTSTRAP_TWO_WAY = "attacked × truth households (two-way)"

#: columns of :func:`pair_scores`
PAIR_COLUMNS = ["dataset", "source", "period_s", "inference", "target", "metric", "method",
                "house", "partner", "value", "decided", "prior", "prior_household", "truth",
                "prediction"]

#: columns of :func:`null_rows`
NULL_COLUMNS = ["dataset", "inference", "target", "metric", "method", "period_s", "value",
                "ci_low", "ci_high", "prior", "skill", "skill_lo", "skill_hi", "houses",
                "ci_reason", "bootstrap", "discovery", "prior_household", "skill_household",
                "n_pairs", "no_decision", "p_value"]

_POPULATION_PRIORS = ("clock_prior", "population_prior")
_HOUSEHOLD_PRIOR = "household_typical"
_BINARY = ("mcc", "day_use_mcc")


def read_predictions(path) -> pd.DataFrame:
    """``OUT/predictions.csv`` with ``truth`` and ``prediction`` kept as text, so that an
    interval record ("0011…") keeps its leading zeros (numbers are parsed where needed)."""
    return pd.read_csv(path, dtype={"truth": str, "prediction": str})


def codes(text: str) -> np.ndarray:
    """An interval record of predictions.csv (:func:`nilm.privacy.scores.interval_prediction`:
    one character per interval, "1", "0" or "-") as float64 1 / 0 / NaN."""
    b = np.frombuffer(str(text).encode("ascii"), dtype=np.uint8)
    out = np.full(b.size, np.nan)
    out[b == ord("1")] = 1.0
    out[b == ord("0")] = 0.0
    return out


def day_term(metric: str, truth: np.ndarray, pred: np.ndarray) -> np.ndarray | None:
    """Per-day term whose mean over days is ``metric`` (NaN where either side is NaN): the
    routine scorer's records are epoch s, the hot-water scorer's kWh per day; None for a metric
    that is no mean of per-day terms."""
    with np.errstate(invalid="ignore"):
        err = np.abs(np.asarray(pred, float) - np.asarray(truth, float))
        tol = re.fullmatch(r"within_([0-9.]+)min", metric)
        if tol:
            return np.where(np.isfinite(err), (err / 60.0 <= float(tol.group(1))), np.nan)
    if metric == "mae_min":
        return err / 60.0
    if metric == "mae_kwh_day":
        return err
    return None


def _matrices(rec: pd.DataFrame, houses: list[str], interval: bool):
    """(truth, prediction) ``[houses, t]`` of one (source, period, target, method)'s records,
    t = the union of their local days (intervals of each day, in order, for interval
    records); NaN where a house has no record."""
    units = sorted(set(rec["unit"].astype(str)))
    col = {u: i for i, u in enumerate(units)}
    row = {h: i for i, h in enumerate(houses)}
    if not interval:
        y = np.full((len(houses), len(units)), np.nan)
        p = np.full_like(y, np.nan)
        i = rec["house"].astype(str).map(row).to_numpy()
        j = rec["unit"].astype(str).map(col).to_numpy()
        y[i, j] = pd.to_numeric(rec["truth"]).to_numpy(float)
        p[i, j] = pd.to_numeric(rec["prediction"]).to_numpy(float)
        return y, p
    length = {}
    for u, t in zip(rec["unit"].astype(str), rec["truth"].astype(str), strict=True):
        if length.setdefault(u, len(t)) != len(t):
            raise ValueError(f"interval records of day {u} differ in length across houses")
    off = np.concatenate([[0], np.cumsum([length[u] for u in units])])
    y = np.full((len(houses), int(off[-1])), np.nan)
    p = np.full_like(y, np.nan)
    for h, u, t, q in zip(rec["house"].astype(str), rec["unit"].astype(str),
                          rec["truth"].astype(str), rec["prediction"].astype(str), strict=True):
        a, b = off[col[u]], off[col[u] + 1]
        y[row[h], a:b] = codes(t)
        p[row[h], a:b] = codes(q)
    return y, p


def _binary_pairs(p: np.ndarray, y: np.ndarray):
    """(MCC, decided) of every row of ``p`` (predictions) against every row of ``y`` (truths),
    ``[houses, houses]``, as the occupancy and day-use scorers score one pair: NaN when the
    truth has one class on the intervals both sides know, 0 and undecided when the prediction
    has."""
    p1, p0 = (p == 1).astype(float), (p == 0).astype(float)
    y1, y0 = (y == 1).astype(float), (y == 0).astype(float)
    tp, fp, fn, tn = p1 @ y1.T, p1 @ y0.T, p0 @ y1.T, p0 @ y0.T
    den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = (tp * tn - fp * fn) / np.sqrt(den)
    one_class = np.minimum(tp + fn, fp + tn) == 0
    decided = np.isfinite(v)
    v = np.where(decided, v, np.where(one_class, np.nan, 0.0))
    return v, decided


def _error_pairs(metric: str, p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean per-day term of every row of ``p`` against every row of ``y`` over the days both
    have, ``[houses, houses]`` (NaN without a common day)."""
    out = np.full((len(p), len(y)), np.nan)
    for a in range(len(p)):
        t = day_term(metric, y, p[a][None, :])
        ok = np.isfinite(t)
        n = ok.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[a] = np.where(n > 0, np.where(ok, t, 0.0).sum(axis=1) / n, np.nan)
    return out


def pair_scores(predictions: pd.DataFrame, partners: dict, *, results: pd.DataFrame | None
                = None, headline: dict | None = None) -> pd.DataFrame:
    """Each declared headline attack's prediction on house A scored against the truth of each
    of A's ``partners`` B, with the population prior's prediction on A against the same truth.

    Parameters
    ----------
    predictions : rows of a real study's ``OUT/predictions.csv``: per-interval records for
        occupancy (``predictions = "interval"``), per-day ones for the routine, appliance and
        hot-water inferences, per-household ones for the occupant count.
    partners : ``{source: {house: [partner houses]}}`` (the occupant count: its pool's
        ``source`` and ``source/house`` ids of predictions.csv).
    results : the study's results.csv: B's own ``household_typical`` score becomes the pair's
        ``prior_household`` (the prior is fitted on the truth side).
    headline : inference -> :class:`nilm.protocol.Headline` (default: the declared ones).

    Returns
    -------
    DataFrame of :data:`PAIR_COLUMNS`, one row per pair and target: ``value`` and ``decided``
    (False where the attack predicted one class: "no decision"), each scored as the study's
    scorer scores one household (so for one fixed partner the values are those of the
    ``permute_households`` study); for the occupant count ``truth`` (B's) and ``prediction``
    (A's) instead, scored over pairs by :func:`null_rows`.
    """
    headline = HEADLINE if headline is None else headline
    own = {}
    if results is not None and len(results):
        r = results[results["method"] == _HOUSEHOLD_PRIOR]
        own = {(str(d), str(s), str(h), float(per), str(i), str(t), str(m)): float(v)
               for d, s, h, per, i, t, m, v in zip(
                   r["dataset"], r["source"], r["house"], r["period_s"], r["inference"],
                   r["target"], r["metric"], r["value"], strict=True)}
    out, rows = [], []
    for inf, h in headline.items():
        rec = predictions[(predictions["inference"] == inf)
                          & predictions["method"].isin([h.method, *_POPULATION_PRIORS])]
        if h.target is not None:
            rec = rec[rec["target"] == h.target]
        if rec.empty:
            continue
        if inf == "occupants":
            out.append(_occupant_pairs(rec, partners, h))
            continue
        rec = rec[rec["unit"].astype(str) != "household"]
        for (ds, src, per, tgt), g in rec.groupby(["dataset", "source", "period_s", "target"],
                                                  sort=True):
            pairs = partners.get(src, {})
            # the interval MCC (occupancy) is re-scored from interval records, strings of codes
            interval = h.metric == "mcc"
            if interval and not all(isinstance(t, str) and re.fullmatch(r"[01-]+", t)
                                    for t in g["truth"].head(5)):
                continue  # per-day records only: no interval to re-score
            att = g[g["method"] == h.method]
            pri = g[g["method"].isin(_POPULATION_PRIORS)]
            if att.empty or pri.empty:
                continue
            pri = pri[pri["method"] == pri["method"].iloc[0]]
            houses = sorted(set(att["house"].astype(str)) & set(pri["house"].astype(str)))
            y, pa = _matrices(att[att["house"].astype(str).isin(houses)], houses, interval)
            _, pp = _matrices(pri[pri["house"].astype(str).isin(houses)], houses, interval)
            if h.metric in _BINARY:
                va, dec = _binary_pairs(pa, y)
                vp, _ = _binary_pairs(pp, y)
            else:
                va = _error_pairs(h.metric, pa, y)
                dec = np.isfinite(va)
                vp = _error_pairs(h.metric, pp, y)
            idx = {x: i for i, x in enumerate(houses)}
            for a in houses:
                for b in pairs.get(a, ()):
                    if b not in idx:
                        continue
                    i, j = idx[a], idx[b]
                    hp = own.get((str(ds), str(src), b, float(per), inf, str(tgt), h.metric),
                                 math.nan)
                    rows.append({
                        "dataset": ds, "source": src, "period_s": float(per), "inference": inf,
                        "target": tgt, "metric": h.metric, "method": h.method, "house": a,
                        "partner": b, "value": va[i, j], "decided": bool(dec[i, j]),
                        "prior": vp[i, j], "prior_household": hp, "truth": math.nan,
                        "prediction": math.nan})
    out.append(pd.DataFrame(rows, columns=PAIR_COLUMNS))
    return pd.concat(out, ignore_index=True)[PAIR_COLUMNS]


def _occupant_pairs(rec: pd.DataFrame, partners: dict, h) -> pd.DataFrame:
    """The occupant count's pairs: A's cross-validated count against B's true count."""
    rec = rec[(rec["method"] == h.method) & (rec["unit"].astype(str) == "household")]
    rows = []
    for (ds, src, per), g in rec.groupby(["dataset", "source", "period_s"], sort=True):
        truth = dict(zip(g["house"].astype(str), pd.to_numeric(g["truth"]), strict=True))
        pred = dict(zip(g["house"].astype(str), pd.to_numeric(g["prediction"]), strict=True))
        for a, bs in partners.get(src, {}).items():
            if a not in pred:
                continue
            rows += [{"dataset": ds, "source": src, "period_s": float(per),
                      "inference": "occupants", "target": h.target, "metric": h.metric,
                      "method": h.method, "house": a, "partner": b, "value": math.nan,
                      "decided": True, "prior": math.nan, "prior_household": math.nan,
                      "truth": truth[b], "prediction": pred[a]} for b in bs if b in truth]
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def _percentile(x: np.ndarray) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan
    lo, hi = np.quantile(x, [stats.ALPHA / 2, 1 - stats.ALPHA / 2])
    return float(lo), float(hi)


def _weights(n: int, n_boot: int, rng) -> np.ndarray:
    """``[n_boot, n]`` multinomial counts: how often each household is drawn per replicate."""
    draw = rng.integers(0, n, size=(n_boot, n))
    flat = (np.arange(n_boot)[:, None] * n + draw).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(float)


def _two_way(mats: dict, n: int, seed: int, n_boot: int) -> dict:
    """Each ``mats[k]`` (``[n, n]``, attacked × truth household sums) summed under ``n_boot``
    replicates that resample the attacked and the truth households independently (the
    pigeonhole bootstrap, Owen 2007): ``{k: [n_boot]}``."""
    rng = np.random.default_rng(seed)
    wa, wb = _weights(n, n_boot, rng), _weights(n, n_boot, rng)
    return {k: ((wa @ m) * wb).sum(axis=1) for k, m in mats.items()}


def null_rows(pairs: pd.DataFrame, *, seed: int = 0, n_boot: int = stats.N_BOOT
              ) -> pd.DataFrame:
    """The null-control table from :func:`pair_scores`: one row per dataset × inference ×
    period, its value the mean over the pooled (attacked, partner, target) rows where the attack
    decided and the truth has two classes (the occupant count: the balanced accuracy of all
    pairs' counts pooled), its prior the population prior's mean over the same rows (the
    occupant count: 1 / its number of classes), ``prior_household`` the partners' own
    household-typical scores over them.

    CIs: the pigeonhole (two-way) bootstrap (Owen 2007): every replicate draws the attacked
    households and, independently, the truth households with replacement and re-weights each
    pair by the product of its two draws, so the spread of the attacked curves and that of the
    partners' truths both enter the CI (a pair's two sides are each shared with many other
    pairs). ``p_value``: the share of replicates with skill ≤ 0; ``discovery``: its
    Benjamini–Hochberg rejection over the table's rows at 5 %. Fewer than
    :data:`nilm.stats.MIN_BLOCKS` attacked households: no CI ("too few households").

    Returns a DataFrame of :data:`NULL_COLUMNS` (``houses``: attacked households with a scored
    pair; ``n_pairs``: their (attacked, partner) pairs; ``no_decision``: share of the rows with
    a defined truth where the attack made no decision).
    """
    recs = []
    keys = ["dataset", "inference", "metric", "method", "period_s"]
    for key, g in pairs.groupby(keys, sort=True):
        rec = dict(zip(keys, key, strict=True))
        tgt = g["target"].unique()
        rec["target"] = str(tgt[0]) if len(tgt) == 1 else "all"
        a_key = g["source"].astype(str) + "/" + g["house"].astype(str)
        b_key = g["source"].astype(str) + "/" + g["partner"].astype(str)
        ids = sorted(set(a_key) | set(b_key))
        ix = {x: i for i, x in enumerate(ids)}
        ia, ib = a_key.map(ix).to_numpy(), b_key.map(ix).to_numpy()
        n = len(ids)
        metric = str(rec["metric"])
        rec.update(bootstrap=BOOTSTRAP_TWO_WAY, ci_reason="")
        if rec["inference"] == "occupants":
            rec.update(_balanced(g, ia, ib, n, metric, seed, n_boot))
        else:
            rec.update(_pooled(g, ia, ib, n, metric, seed, n_boot))
        recs.append(rec)
    if not recs:
        return pd.DataFrame(columns=NULL_COLUMNS)
    tab = pd.DataFrame(recs)
    _, rej = stats.benjamini_hochberg(tab["p_value"].to_numpy(float))
    tab["discovery"] = rej
    return tab[NULL_COLUMNS]


def _finish(metric, value, prior, reps_v, reps_p, houses) -> dict:
    """Value, prior, skill and their CIs, p-value (as :mod:`nilm.stats` reports them)."""
    sk = stats.skill(value, prior, metric)
    out = {"value": value, "prior": prior, "skill": sk, "ci_low": math.nan,
           "ci_high": math.nan, "skill_lo": math.nan, "skill_hi": math.nan,
           "p_value": math.nan, "houses": houses}
    if houses < stats.MIN_BLOCKS:
        out["ci_reason"] = "too few households"
        return out
    if reps_v is None or not math.isfinite(sk):
        return out
    reps_s = stats.skill(reps_v, reps_p, metric)
    fin = reps_s[np.isfinite(reps_s)]
    out["ci_low"], out["ci_high"] = _percentile(reps_v)
    out["skill_lo"], out["skill_hi"] = _percentile(reps_s)
    out["p_value"] = float((np.sum(fin <= 0) + 1) / (fin.size + 1)) if fin.size else math.nan
    return out


def _pooled(g, ia, ib, n, metric, seed, n_boot) -> dict:
    v, p, hh = (g[c].to_numpy(float) for c in ("value", "prior", "prior_household"))
    dec = g["decided"].to_numpy(bool)
    defined = np.isfinite(v)
    ok = defined & dec & np.isfinite(p)
    hok = ok & np.isfinite(hh)

    def mat(w):
        m = np.zeros((n, n))
        np.add.at(m, (ia, ib), w)
        return m

    mats = {"c": mat(ok.astype(float)), "v": mat(np.where(ok, v, 0.0)),
            "p": mat(np.where(ok, p, 0.0))}
    c = mats["c"].sum()
    value = float(mats["v"].sum() / c) if c else math.nan
    prior = float(mats["p"].sum() / c) if c else math.nan
    houses = int(len(set(ia[ok])))
    reps_v = reps_p = None
    if c and houses >= stats.MIN_BLOCKS:
        r = _two_way(mats, n, seed, n_boot)
        with np.errstate(invalid="ignore", divide="ignore"):
            reps_v, reps_p = r["v"] / r["c"], r["p"] / r["c"]
    out = _finish(metric, value, prior, reps_v, reps_p, houses)
    ph = float(hh[hok].mean()) if hok.any() else math.nan
    out.update(prior_household=ph,
               skill_household=stats.skill(float(v[hok].mean()), ph, metric)
               if hok.any() else math.nan,
               n_pairs=int(len(set(zip(ia[ok], ib[ok])))),
               no_decision=float((defined & ~dec).sum() / defined.sum()) if defined.any()
               else math.nan)
    return out


def _balanced(g, ia, ib, n, metric, seed, n_boot) -> dict:
    """Balanced accuracy (mean over the truth classes of the share of pairs whose predicted
    count is that class) of every pair pooled, and its two-way bootstrap."""
    t, q = g["truth"].to_numpy(float), g["prediction"].to_numpy(float)
    ok = np.isfinite(t) & np.isfinite(q)
    ia, ib, t, q = ia[ok], ib[ok], t[ok], q[ok]
    classes = np.unique(t)
    mats = {}
    for k, c in enumerate(classes):
        for name, w in (("num", (t == c) & (q == c)), ("den", t == c)):
            m = np.zeros((n, n))
            np.add.at(m, (ia, ib), w.astype(float))
            mats[f"{name}{k}"] = m

    def ba(sums) -> tuple:
        dens = np.stack([sums[f"den{k}"] for k in range(len(classes))])
        nums = np.stack([sums[f"num{k}"] for k in range(len(classes))])
        present = dens > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(present, nums / np.where(present, dens, 1.0), 0.0)
            k = present.sum(axis=0)
            return share.sum(axis=0) / k, 1.0 / k

    value, prior = (float(x) for x in ba({k: m.sum() for k, m in mats.items()}))
    houses = int(len(set(ia)))
    reps_v = reps_p = None
    if classes.size and houses >= stats.MIN_BLOCKS:
        reps_v, reps_p = ba(_two_way(mats, n, seed, n_boot))
    out = _finish(metric, value, prior, reps_v, reps_p, houses)
    out.update(prior_household=math.nan, skill_household=math.nan,
               n_pairs=int(len(set(zip(ia, ib)))), no_decision=math.nan)
    return out


__all__ = ["BOOTSTRAP_TWO_WAY", "NULLS", "NULL_COLUMNS", "PAIR_COLUMNS", "SHIFT_DAYS",
           "check_null", "check_same_dates", "codes", "day_term", "null_rows", "pair_scores",
           "partner", "read_predictions", "shift_submeters", "shift_truth"]

