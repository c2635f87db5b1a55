"""Development figures of the 1-day rule of the ``unsupervised`` occupancy attack (issue 11).

    python scripts/dev_occupancy_1d.py [--households 200] [--out reports/dev_occupancy_1d]

At a period of one day the attack's night references do not exist (no interval lies inside
01:00-05:00), so it reads each local day by its own rule
(:data:`nilm.privacy.occupancy.DAY_FRACTION`): a day is *absent* when its mean power, the
off-peak water-heater run removed, is below a fraction of the household's median day. This
script fixes that fraction on the **development** population only (studies/dev_attacks.toml's
source: seed 0, 14 days from 2024-01-08, 60 s; :data:`nilm.protocol.DEVELOPMENT_SEEDS`), never
on the evaluation seeds 101-105. For each candidate fraction it prints the mean over households
of the per-household MCC of occupied vs absent days over the households whose truth has both
classes, and the criterion that fixed the fraction: that mean with a constant verdict ("no
decision", which the report leaves out and counts) scored 0, the MCC of any constant
predictor — the mean over decided households alone would reward a rule that rarely decides.
Every number is simulated (nilm.simulate).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from nilm.metrics import mcc
from nilm.privacy.occupancy import day_rule_occupancy
from nilm.privacy.truth_proxy import presence_on_grid
from nilm.study import Source, house_ids, load_house, materialise

ROOT = Path(__file__).resolve().parent.parent
FRACTIONS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--households", type=int, default=200)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "dev_occupancy_1d")
    a = ap.parse_args(argv)
    src = Source("dev_winter", households=a.households, days=14, period=60, seed=0,
                 start="2024-01-08")
    materialise(src, a.out)
    per = {f: [] for f in FRACTIONS}
    undecided = {f: 0 for f in FRACTIONS}
    one_class = 0
    for h in house_ids(src, a.out):
        household, truth = load_house(src, h, a.out)
        grid = household.to_grid(86400)
        y = presence_on_grid(truth, grid.start, 86400.0, len(grid))
        ok = np.isfinite(y)
        if y[ok].min() == y[ok].max():
            one_class += 1
            continue
        for f in FRACTIONS:
            pred = day_rule_occupancy(grid, truth.timezone, fraction=f)
            good = ok & np.isfinite(pred)
            m = mcc(y[good], pred[good], threshold=0.5)
            if np.isfinite(m):
                per[f].append(m)
            else:
                undecided[f] += 1
    out = {"households": a.households, "truth_one_class": one_class,
           "fractions": {str(f): {"mean_mcc_decided": float(np.mean(v)) if v else None,
                                  "criterion": float(np.sum(v) / (len(v) + undecided[f]))
                                  if v or undecided[f] else None,
                                  "decided": len(v), "no_decision": undecided[f]}
                         for f, v in per.items()}}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
