"""Why the permutation null scores *negative* skills: a perfect attacker under the null.

Under ``null = "permute_households"`` (:mod:`nilm.null`) household A's curve is scored against
household B's truth over the same dates. The strongest possible attacker reads A's curve
perfectly: its verdict is **A's own truth**. This script scores that oracle verdict against B's
truth with the study's own scorers, beside the study's population-prior rows (``clock_prior``,
``population_prior`` in its ``results.csv``: fitted on A's training households with their real
labels, scored against the same B truth), and aggregates both over households with
:func:`nilm.report.aggregate`, as the headline does. As a check of the study's pairing, the
clock prior is refitted here on A's training households and scored against B's truth: it must
equal the study's row (``pairing check`` in the output).

A negative oracle skill shows that a negative null skill is structural: a predictor carrying
A's information is worse on B than the input-blind population prior, which is the best
input-blind predictor on average (clock majority, population median), so any attack that is
not the prior itself scores skill < 0 under this null (docs/metrics.md, "Null controls").

Usage (a finished study's folder, e.g. the null of ``make results``)::

    python scripts/null_oracle.py reports/headline/null [--period 600]

Prints one line per inference: oracle value, prior value, skill (with its CI), households.
Simulated sources only (their truths are in the study folder).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from nilm import null, report
from nilm.privacy.base import DailyEnergy, DayTimes, evaluate
from nilm.privacy.hot_water import hot_water_rows
from nilm.privacy.occupancy import occupancy_design, occupancy_rows
from nilm.privacy.priors import ClockPrior
from nilm.privacy.routine import household_wake_bed, routine_rows
from nilm.privacy.truth_proxy import presence_on_grid
from nilm.study import StudySpec, house_ids, load_house
from nilm.study.plan import block_training_houses, null_skip, training_blocks

#: the headline metric of each inference this script scores (nilm.protocol.HEADLINE)
METRICS = {"occupancy": ("absence", "mcc"), "routine": ("wake", "within_30min"),
           "hot_water": ("water_heater", "mae_kwh_day")}


def oracle_rows(spec: StudySpec, out: Path, period: int, seed: int = 0) -> pd.DataFrame:
    """Tidy rows (``source``, ``dataset``, ``house``, ``period_s``, ``inference``, ``target``,
    ``metric``, ``method`` in {"oracle", "clock_prior"}, ``value``, ``ci_low``, ``ci_high``,
    ``prior``, ``skill``, ``n``) of the oracle verdict (the attacked house's own truth) and of
    the clock prior refitted here, both scored against the truth of the attacked house's
    permutation partner (its own truth when ``spec.null`` is "none"), at ``period`` s."""
    recs = []
    for source in spec.sources:
        if source.kind != "simulated":
            continue
        houses = house_ids(source, out)
        if len(houses) < 2:
            continue
        skip = null_skip(spec, source, houses)
        blocks = training_blocks(spec, source, houses)
        loaded = {h: load_house(source, h, out) for h in houses}
        grids = {h: loaded[h][0].to_grid(period) for h in houses}
        for house in houses:
            # spec.null "none" scores each house against its own truth (the oracle's ceiling)
            other = house if spec.null == "none" else null.partner(houses, house, skip)
            own, truth = loaded[house][1], loaded[other][1]
            null.check_same_dates(own, truth, house, other)
            block = next(b for b in blocks if house in b)
            train = [(grids[h], loaded[h][1]) for h in
                     block_training_houses(houses, block, spec.max_train_households)]
            grid = grids[house]
            kw = {"seed": seed, "split": "households", "train": train}
            # occupancy: A's presence on its grid vs B's; prior: the clock prior vs B's
            pred = presence_on_grid(own, grid.start, grid.period, len(grid))
            rows = {"oracle": occupancy_rows(pred, grid, truth, method="oracle", **kw),
                    "clock_prior": evaluate(ClockPrior(), grid, truth, design=occupancy_design,
                                      score=occupancy_rows, seed=seed, train=train)}
            # routine: A's household wake and bed times; their prior is in the same rows
            days, wake, bed = household_wake_bed(own)
            rows["oracle"] += routine_rows(DayTimes(days, wake, bed), grid, truth,
                                           method="oracle", **kw)
            # hot water: A's daily water-heater energy (scored on B's days when B owns one)
            rows["oracle"] += hot_water_rows(
                DailyEnergy(days, np.asarray(own.water_heater_kwh, float), True, len(days)),
                grid, truth, method="oracle", **kw)
            for method, rr in rows.items():
                for r in rr:
                    key = (r["inference"], (r["target"], r["metric"]))
                    if key[0] in METRICS and METRICS[key[0]] == key[1]:
                        recs.append({**{k: r.get(k) for k in ("inference", "target", "metric",
                                                              "value", "ci_low", "ci_high",
                                                              "prior", "skill", "n")},
                                     "source": source.name, "dataset": "simulated",
                                     "house": house, "method": method, "period_s": period})
    return pd.DataFrame(recs)


def null_skills(oracle: pd.DataFrame, results: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per inference: the oracle's aggregate value against the study's population prior
    (its ``results.csv`` rows at the same source, house, period, target and metric), and the
    largest difference between the clock prior refitted here and the study's (0: the study
    scores its prior against the same partner's truth as the attack)."""
    keys = ["source", "dataset", "house", "period_s", "inference", "target", "metric"]
    study = results[results["method"].isin(report.POPULATION_PRIORS)
                    & results["period_s"].isin(oracle["period_s"].unique())]
    mine = oracle[oracle["method"] == "clock_prior"].merge(
        study[keys + ["value"]], on=keys, suffixes=("", "_study"))
    paired = report.attach_priors(pd.concat([oracle[oracle["method"] == "oracle"], study],
                                            ignore_index=True))
    paired = paired[paired["method"] == "oracle"]
    out = []
    for inf, g in paired.groupby("inference", sort=True):
        a = report.aggregate(g, ["period_s"], seed=seed).iloc[0]
        m = mine[mine["inference"] == inf]
        out.append({"inference": inf, "metric": g["metric"].iloc[0],
                    "period_s": int(a["period_s"]), "oracle": a["value"],
                    "prior": a["prior"], "skill": a["skill"], "skill_lo": a["skill_lo"],
                    "skill_hi": a["skill_hi"], "houses": int(a["houses"]),
                    "pairing_diff": (float(np.abs(m["value"] - m["value_study"]).max())
                                     if len(m) else np.nan)})
    return pd.DataFrame(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("study", type=Path, help="a finished study folder (provenance.json, data/)")
    ap.add_argument("--period", type=int, default=600, help="attacked period, s")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    prov = a.study / "provenance.json"
    if not prov.is_file():
        print(f"error: {prov}: no provenance.json (not a finished study folder)", file=sys.stderr)
        return 2
    spec = StudySpec.from_dict(json.loads(prov.read_text())["spec"])
    if spec.null != "permute_households":
        print(f"error: {prov}: null is {spec.null!r}, not 'permute_households'", file=sys.stderr)
        return 2
    results = pd.read_csv(a.study / "results.csv")
    tab = null_skills(oracle_rows(spec, a.study, a.period, a.seed), results, a.seed)
    for _, x in tab.iterrows():
        print(f"{x['inference']} {x['metric']} @ {x['period_s']} s: oracle {x['oracle']:.3f}, "
              f"population prior {x['prior']:.3f}, skill {x['skill']:.3f} "
              f"[{x['skill_lo']:.3f}, {x['skill_hi']:.3f}], {x['houses']} households; "
              f"pairing check |clock prior here - study's| = {x['pairing_diff']:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
