"""Development scores of the occupancy and routine attacks (issue 11, item 5).

Reads the results.csv of ``nilm study studies/dev_attacks.toml`` (development population,
simulated, seed 0; never the evaluation seeds) and prints, per inference, rung, target and
metric, each attack's mean over households with its household-bootstrap CI and its skill
against the population (clock) prior and the household-typical prior
(:func:`nilm.report.attach_priors`, :func:`nilm.report.aggregate`). The headline attack of
each inference is chosen on these numbers (docs/inferences.md).

Usage::

    nice -n 15 .venv/bin/nilm study studies/dev_attacks.toml --out reports/dev_attacks \\
        --workers 2 --no-report
    .venv/bin/python scripts/attack_dev.py reports/dev_attacks/results.csv
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from nilm import report

#: the primary metric of each inference's dev comparison (nilm.protocol.HEADLINE)
METRICS = {"occupancy": ("absence", "mcc"), "routine": (None, "within_30min")}


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """One row per inference × rung × target × attack (priors left out) of the primary
    metric: houses, value, CI, skill against both priors."""
    rows = report.attach_priors(results)
    rows = rows[~rows["method"].isin([*report.POPULATION_PRIORS, report.HOUSEHOLD_PRIOR])]
    keep = [(rows["inference"] == inf) & (rows["metric"] == m)
            & (True if t is None else rows["target"] == t)
            for inf, (t, m) in METRICS.items()]
    rows = rows[pd.concat(keep, axis=1).any(axis=1)]
    agg = report.aggregate(rows, ["inference", "resolution", "target", "metric", "method"],
                           seed=0)
    cols = ["inference", "resolution", "target", "metric", "method", "houses", "value",
            "ci_low", "ci_high", "skill", "skill_household"]
    return agg[[c for c in cols if c in agg.columns]].sort_values(
        ["inference", "target", "resolution", "value"], ascending=[True, True, True, False])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", help="results.csv of the dev_attacks study")
    args = ap.parse_args(argv)
    try:
        results = pd.read_csv(args.results)
    except OSError as e:
        print(f"attack_dev: cannot read {args.results}: {e}", file=sys.stderr)
        return 2
    print(summary(results).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
