"""Number of occupants inferred across a simulated population, at every rung of the ladder.

Simulates ``--households`` households × ``--days`` days at ``--period`` s (:mod:`nilm.simulate`,
seed ``--seed``; **simulated data**, labelled so in every output) through the study runner
(:func:`nilm.study.run_study`, one population job for the occupant count), scores every attack
of :data:`nilm.privacy.occupants.METHODS` at 1 min, 10 min, 15 min, 30 min, 60 min and 1 day
by K-fold cross-validation across households (:func:`nilm.privacy.score_occupants_population`),
and writes, atomically, under ``--out``:

* ``occupants_population.csv``: tidy rows (resolution, period_s, method, metric, value, ci_low,
  ci_high, n, prior, skill, seed, households, days, simulated);
* ``occupants_population.md``: the same as a Markdown table (value [95 % CI], prior, skill per
  method and resolution), with the population's class counts and the time it took;
* ``study/``: the study's own folder (data, cells, ``results.csv``, ``provenance.json``); a
  second run with the same arguments resumes from it.

Not part of the test suite; run ``python scripts/occupants_population.py --households 60
--days 14 --out out/occupants``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from nilm.atomic import atomic_open, write_text
from nilm.privacy.occupants import METHODS
from nilm.study import Source, StudySpec, run_study
from nilm.truth import GroundTruth

RESOLUTIONS = ("1min", "10min", "15min", "30min", "60min", "1d")

#: columns of the tidy CSV
COLUMNS = ["resolution", "period_s", "method", "metric", "value", "ci_low", "ci_high", "n",
           "prior", "skill", "seed", "households", "days", "simulated"]


def population_table(households: int, days: int, period: int, out, seed: int, *,
                     resolutions=RESOLUTIONS, methods=METHODS, n_boot: int = 1000,
                     workers: int = 1) -> tuple[pd.DataFrame, dict]:
    """Run (or resume) the occupant study; returns (tidy rows, facts for the report)."""
    out = Path(out)
    spec = StudySpec(sources=[Source("pop", households=households, days=days, period=period,
                                     seed=seed)],
                     name="occupants_population", seed=seed, resolutions=list(resolutions),
                     inferences=["occupants"], methods={"occupants": list(methods)},
                     n_boot=n_boot)
    t0 = time.perf_counter()
    df = run_study(spec, out / "study", workers=workers, progress=False)
    elapsed = time.perf_counter() - t0
    df = df[df.inference == "occupants"].copy()
    df["households"], df["days"] = households, days
    df = df.sort_values(["period_s", "method", "metric"], kind="mergesort")
    counts = np.unique([GroundTruth.load(f).occupants for f in
                        sorted((out / "study" / "data" / "pop").glob("*.truth.npz"))],
                       return_counts=True)
    facts = {"elapsed_s": elapsed, "counts": dict(zip(counts[0].tolist(), counts[1].tolist(),
                                                      strict=True))}
    return df[COLUMNS].reset_index(drop=True), facts


def _cell(r) -> str:
    if not np.isfinite(r.value):
        return "abstains | – | –"
    return (f"{r.value:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}] | {r.prior:.2f} | "
            f"{r.skill:+.2f}")


def markdown(df: pd.DataFrame, facts: dict, args) -> str:
    """The Markdown report: one row per resolution × method."""
    lines = [
        f"# Number of occupants across a simulated population (seed {args.seed})",
        "",
        f"**Simulated data** (`nilm.simulate`): {args.households} households × {args.days} days "
        f"at {args.period} s, occupant counts {facts['counts']} (count: households). "
        f"K-fold cross-validation across households (5 folds); 95 % CIs by bootstrap over "
        f"households. Priors: the population median count (MAE) and 1/K over the K counts "
        f"present (balanced accuracy); skill = 1 − MAE/MAE_prior and "
        f"(BA − prior)/(1 − prior). Study time {facts['elapsed_s']:.0f} s (simulation, "
        f"features and scoring).",
        "",
        "| resolution | method | MAE persons [CI] | prior | skill | balanced accuracy [CI] "
        "| prior | skill |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (res, method), g in df.groupby(["resolution", "method"], sort=False):
        m = g.set_index("metric")
        lines.append(f"| {res} | {method} | {_cell(m.loc['mae_persons'])} | "
                     f"{_cell(m.loc['balanced_accuracy'])} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--households", type=int, default=60)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--period", type=int, default=60, help="simulated native period, s")
    ap.add_argument("--out", type=Path, default=Path("out/occupants_population"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resolutions", nargs="+", default=list(RESOLUTIONS))
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    df, facts = population_table(args.households, args.days, args.period, args.out, args.seed,
                                 resolutions=args.resolutions, methods=args.methods,
                                 n_boot=args.n_boot, workers=args.workers)
    with atomic_open(args.out / "occupants_population.csv", "w", newline="") as f:
        df.to_csv(f, index=False, float_format="%.6g")
    text = markdown(df, facts, args)
    write_text(args.out / "occupants_population.md", text)
    print(text)


if __name__ == "__main__":
    main()
