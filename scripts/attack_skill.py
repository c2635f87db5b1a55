"""Skill table of the privacy attacks on a simulated population (and the real UCI excerpt).

Simulates ``--households`` households × ``--days`` days at 60 s with :mod:`nilm.simulate`
(seed ``--seed``; **simulated data**), then for each inference × attack × period prints the mean
value and mean skill over households (households are the unit; supervised attacks and priors are
trained leave-one-household-out: ``train`` = the other households' ``(grid, truth)`` pairs). The
occupant count is scored once per period by leave-one-household-out cross-validation
(:func:`nilm.privacy.score_occupants_population` with one fold per household).

``--real`` adds the same attacks on the real UCI Sceaux excerpt (``nilm.load`` of the folder
given, ground truth from :func:`nilm.privacy.proxy_truth`; priors leave-one-day-out, supervised
attacks trained on the simulated population): **real aggregate, proxy ground truth**.

Not part of the test suite; run ``python scripts/attack_skill.py [--real PATH]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import pandas as pd

from nilm.privacy import (
    METHODS,
    score_appliances,
    score_hot_water,
    score_occupancy,
    score_occupants_population,
    score_routine,
)
from nilm.simulate import simulate_household
from nilm.simulate.population import house_seeds

PERIODS = (60, 600, 1800, 3600, 86400)

#: (inference, scorer, metrics kept in the table)
SCORERS = (
    ("occupancy", score_occupancy, ("mcc", "f1_absent", "episode_f1")),
    ("routine", score_routine, ("mae_min", "within_30min")),
    ("hot_water", score_hot_water, ("mae_kwh_day", "mae_l_day")),
)

#: appliances scored by the direct detectors (the user-driven ones the CNIL list is about)
APPLIANCES = ("kettle", "washing_machine", "dishwasher", "oven", "tv", "microwave")


def simulate(households: int, days: int, seed: int, period: int = 60):
    """``households`` simulated households (Household, GroundTruth) at ``period`` s."""
    out = []
    for k, ss in enumerate(house_seeds(seed, households)):
        sim = simulate_household(days, ss, period=period, start="2024-01-08",
                                 house=f"sim_{k:03d}")
        out.append((sim.household, sim.truth))
    return out


def population_rows(pop, periods, seed: int, appliances: bool, occupants: bool = True
                    ) -> list[dict]:
    """Tidy rows: one per household × inference × attack × period × target × metric."""
    rows = []
    for period in periods:
        grids = [h.to_grid(period) for h, _ in pop]
        for i, (h, truth) in enumerate(pop):
            train = [(grids[j], pop[j][1]) for j in range(len(pop)) if j != i]
            for inference, scorer, keep in SCORERS:
                for method in METHODS[inference]:
                    for r in scorer(grids[i], truth, period, method=method, seed=seed,
                                    train=train):
                        if r["metric"] in keep:
                            rows.append({**r, "house": i, "period_s": period})
            if appliances:
                names = [n for n in APPLIANCES if n in h.appliances]
                for r in score_appliances(grids[i], truth, period, method="direct", seed=seed,
                                          train=train, native=h, names=names):
                    if r["metric"] in ("event_f1", "day_use_f1"):
                        rows.append({**r, "house": i, "period_s": period,
                                     "target": "appliances(mean)"})
        for method in METHODS["occupants"] if occupants else ():
            for r in score_occupants_population(grids, [t for _, t in pop], period,
                                                method=method, seed=seed,
                                                n_folds=len(pop)):
                rows.append({**r, "house": -1, "period_s": period})
    return rows


def table(rows: list[dict]) -> pd.DataFrame:
    """Mean value and mean skill over households per inference × attack × metric × period."""
    df = pd.DataFrame(rows)
    # a household's appliance rows are averaged first, so households stay the unit
    df = df.groupby(["inference", "method", "target", "metric", "period_s", "house"],
                    as_index=False)[["value", "skill"]].mean()
    g = df.groupby(["inference", "method", "target", "metric", "period_s"])
    out = g.agg(value=("value", "mean"), skill=("skill", "mean"), n=("house", "size"))
    wide = out.unstack("period_s")
    wide.columns = [f"{a}@{_label(p)}" for a, p in wide.columns]
    order = [f"{a}@{_label(p)}" for a in ("value", "skill") for p in PERIODS
             if f"{a}@{_label(p)}" in wide.columns]
    return wide[order]


def _label(p: int) -> str:
    return {60: "1min", 600: "10min", 1800: "30min", 3600: "60min", 86400: "1day"}.get(p, f"{p}s")


def real_rows(path: str, pop, seed: int) -> list[dict]:
    """Attacks on the real UCI excerpt, ground truth from proxy_truth (real data)."""
    import nilm
    from nilm.privacy import proxy_truth

    h = nilm.load(path)
    truth = proxy_truth(h, users=["kitchen"], water_heater="water_heater")
    rows = []
    for period in PERIODS:
        grid = h.to_grid(period)
        train = [(g.to_grid(period), t) for g, t in pop]
        for inference, scorer, keep in SCORERS:
            for method in METHODS[inference]:
                for tr, split in ((None, "own_days"), (train, "sim_population")):
                    for r in scorer(grid, truth, period, method=method, seed=seed, train=tr):
                        if r["metric"] in keep:
                            rows.append({**r, "house": split, "period_s": period})
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=8)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-appliances", action="store_true")
    ap.add_argument("--real", default=None, help="UCI Sceaux excerpt folder (real data)")
    ap.add_argument("--periods", default=",".join(map(str, PERIODS)))
    ap.add_argument("--only", default=None, help="comma-separated inferences to run")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    periods = tuple(int(p) for p in args.periods.split(","))
    t0 = time.time()
    pop = simulate(args.households, args.days, args.seed)
    print(f"# SIMULATED: {args.households} households x {args.days} days at 60 s, "
          f"seed {args.seed} (simulated in {time.time() - t0:.0f} s); "
          f"occupants {[t.occupants for _, t in pop]}")
    global SCORERS
    if args.only:
        SCORERS = tuple(x for x in SCORERS if x[0] in args.only.split(","))
    rows = population_rows(pop, periods, args.seed, not args.no_appliances,
                           occupants=not args.only or "occupants" in args.only)
    pd.set_option("display.width", 250, "display.max_columns", 20, "display.max_rows", 200)
    print(table(rows).round(2).to_string())
    print(f"# total {time.time() - t0:.0f} s")
    if args.real:
        print(f"\n# REAL: {args.real} (real aggregate; proxy ground truth from the kitchen "
              "sub-meter and sub-meter 3 = water heater + air conditioner)")
        df = pd.DataFrame(real_rows(args.real, pop, args.seed))
        out = df.pivot_table(index=["inference", "method", "target", "metric", "house"],
                             columns="period_s", values=["value", "skill"])
        print(out.round(2).to_string())


if __name__ == "__main__":
    main()
