"""The permutation null re-scored over every partner from a real study's predictions
(nilm.null.pair_scores / null_rows; scripts/results.py null_partners / null_table)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nilm import null
from nilm.protocol import HEADLINE
from nilm.study import Source, StudySpec, run_study

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import results  # noqa: E402

METHODS = {"occupancy": ["unsupervised", "clock_prior", "household_typical"],
           "routine": ["regression", "population_prior", "household_typical"],
           "appliances": ["direct", "clock_prior", "household_typical"],
           "hot_water": ["offpeak_step", "population_prior", "household_typical"],
           "occupants": ["ordinal_forest"]}


def _key(df: pd.DataFrame) -> pd.Series:
    return (df["house"].astype(str) + "|" + df["period_s"].astype(float).astype(str) + "|"
            + df["inference"] + "|" + df["target"].astype(str))


@pytest.mark.slow
def test_rescoring_the_studys_cyclic_partner_gives_the_permuted_studys_values(tmp_path):
    # the study option scores each house against ONE partner; re-scoring the real study's
    # predictions against that same partner must give its per-household values exactly,
    # attack, population prior and household-typical prior alike
    spec = StudySpec(sources=[Source("sim", households=12, days=7, period=60, seed=11)],
                     resolutions=["60min", "1d"], inferences=list(METHODS), methods=METHODS,
                     train_on_others=True, max_train_households=3, n_boot=20,
                     predictions="interval")
    real = run_study(spec, tmp_path / "real", progress=False)
    preds = null.read_predictions(tmp_path / "real" / "predictions.csv")
    perm = run_study(StudySpec.from_dict({**spec.to_dict(), "null": "permute_households"}),
                     tmp_path / "perm", progress=False)
    cyclic = results.null_partners(spec, tmp_path / "real", cyclic=True)
    assert all(len(v) == 1 and k not in v for m in cyclic.values() for k, v in m.items())
    pairs = null.pair_scores(preds, cyclic, results=real)
    checked = 0
    for inf, h in HEADLINE.items():
        if inf == "occupants":
            continue  # the study permutes the training labels of its cross-validation too
        p = pairs[pairs["inference"] == inf]
        assert len(p), inf
        want = perm[(perm["inference"] == inf) & (perm["metric"] == h.metric)]
        if h.target is not None:
            want = want[want["target"] == h.target]
        if inf == "routine":
            # a day A's own truth leaves unlabelled has no record of A's prediction: compare
            # the houses whose records cover every day their partner's truth labels
            lab = preds[(preds["inference"] == inf) & (preds["method"] == h.method)
                        & (preds["target"] == h.target)]
            days = lab.groupby(["house", "period_s"])["unit"].agg(frozenset)
            full = {(a, per) for (a, per) in days.index
                    if days[(a, per)] >= days.get((cyclic["sim"][a][0], per), frozenset())}
            p = p[[(a, per) in full for a, per in zip(p["house"], p["period_s"], strict=True)]]
        for col, method in (("value", h.method), ("prior", "clock_prior"),
                            ("prior", "population_prior"),
                            ("prior_household", "household_typical")):
            w = want[want["method"] == method]
            if w.empty:
                continue
            got = p.set_index(_key(p))[col]
            ref = w.set_index(_key(w))["value"]
            common = got.index.intersection(ref.index)
            # every attacked house (hot water: every owner A, whose own records exist)
            assert len(common) >= 0.5 * len(got), (inf, method, len(common), len(got))
            assert np.isfinite(got[common].to_numpy(float)).sum() >= 0.5 * len(common)
            np.testing.assert_allclose(got[common].to_numpy(float),
                                       ref[common].to_numpy(float), rtol=0, atol=1e-12,
                                       equal_nan=True, err_msg=f"{inf} {method}")
            checked += len(common)
    assert checked > 100
    # the undecided rows are the study's "no decision" rows (0 with no CI)
    occ = pairs[pairs["inference"] == "occupancy"]
    w = perm[(perm["inference"] == "occupancy") & (perm["method"] == "unsupervised")
             & (perm["metric"] == "mcc")]
    und = w[(w["value"] == 0) & w["ci_low"].isna()]
    assert set(_key(und)) == set(_key(occ[~occ["decided"] & occ["value"].notna()]))


def _no_signal_predictions(seed: int, n: int = 30, days: int = 14, per_day: int = 24,
                           leak: bool = False) -> pd.DataFrame:
    """predictions.csv records of a population whose predictions ignore every truth (with
    ``leak``: house i's prediction copies house i+1's truth, which the null must find)."""
    rng = np.random.default_rng(seed)
    dates = [str(np.datetime64("2024-01-08") + d) for d in range(days)]
    occ = rng.random((n, days * per_day)) < 0.7
    wake = 7 * 3600 + rng.normal(0, 1800, (n, days))
    count = rng.integers(1, 5, n).astype(float)
    rows = []

    def code(x):
        return "".join("1" if v else "0" for v in x)

    for i in range(n):
        src = occ[(i + 1) % n] if leak else rng.random(days * per_day) < 0.7
        prior = rng.random(days * per_day) < 0.7
        for d, u in enumerate(dates):
            sl = slice(d * per_day, (d + 1) * per_day)
            for m, pr in (("unsupervised", src), ("clock_prior", prior)):
                rows.append(("occupancy", "absence", m, u, code(occ[i, sl]), code(pr[sl])))
            guess = wake[(i + 1) % n, d] if leak else 7 * 3600 + rng.normal(0, 1800)
            base = 86400.0 * (d + 19730)
            rows.append(("routine", "wake", "regression", u, base + wake[i, d], base + guess))
            # a prior exactly as blind as the attack (a constant would beat any noisy
            # guess: the null's skill would lie below 0, docs/metrics.md "Null controls")
            rows.append(("routine", "wake", "population_prior", u, base + wake[i, d],
                         base + 7 * 3600 + rng.normal(0, 1800)))
        rows.append(("occupants", "occupants", "ordinal_forest", "household", count[i],
                     count[(i + 1) % n] if leak else float(rng.integers(1, 5))))
    df = pd.DataFrame(rows, columns=["inference", "target", "method", "unit", "truth",
                                     "prediction"])
    df["house"] = [f"h{i:02d}" for i in range(n) for _ in range(days * 4 + 1)]
    return df.assign(dataset="synthetic", source="s", period_s=3600.0)


@pytest.mark.parametrize("leak", [False, True])
def test_the_all_partner_null_finds_no_skill_without_signal_and_finds_a_planted_one(leak):
    preds = _no_signal_predictions(5, leak=leak)
    houses = sorted(set(preds["house"]))
    partners = {"s": {a: [b for b in houses if b != a] for a in houses}}
    tab = null.null_rows(null.pair_scores(preds, partners), seed=1, n_boot=500)
    assert set(tab["inference"]) == {"occupancy", "routine", "occupants"}
    for _, x in tab.iterrows():
        assert x.houses == 30 and x.ci_reason == "" and x.n_pairs == 30 * 29, x.inference
        if leak and x.inference == "occupancy":
            # every house's prediction is its neighbour's truth: a pair in 29 is a perfect
            # leak, which the pooled null must show as a positive skill (the wake guesses'
            # noise on the other 28 pairs outweighs it against the prior; the occupant
            # count's pooled balanced accuracy over all pairs depends on the margins only)
            assert x.skill > 0, (x.inference, x.skill)
        elif not leak:
            assert x.skill_lo <= 0 <= x.skill_hi and not x.discovery, (x.inference, x.skill_lo,
                                                                     x.skill_hi)
    if leak:
        occ = tab.set_index("inference").loc["occupancy"]
        assert occ.skill_lo > 0 and occ.discovery
