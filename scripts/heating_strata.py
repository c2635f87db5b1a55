"""Each inference's simulated score overall and by heating stratum (electrically heated homes
vs the others) from a finished study folder (``nilm study SPEC --out OUT``) of a simulated
source. The stratum comes from the source's ``population.json`` (the house's electric-heat
ownership). Every number is simulated.

    python scripts/heating_strata.py OUT [--source sim] [--metric mcc] [--summary]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd


def strata(out: Path, source: str) -> pd.DataFrame:
    """Per-house results.csv rows of the houses of ``source`` with a ``heated`` column."""
    man = json.loads((out / "data" / source / "population.json").read_text())
    heated = {h["house"]: bool(h["config"]["ownership"].get("electric_heat"))
              for h in man["houses"]}
    df = pd.read_csv(out / "results.csv")
    df = df[df["house"].astype(str).isin(heated)].copy()
    df["heated"] = df["house"].astype(str).map(heated)
    return df


#: one headline metric per inference (per-house rows; occupants is population-level only)
HEADLINE = {"occupancy": "mcc", "routine": "within_30min", "appliances": "day_use_mcc",
            "hot_water": "mae_l_day"}


def table(df: pd.DataFrame, summary: bool = False) -> pd.DataFrame:
    """Mean value per (inference, method, target, metric, resolution): all houses, heated,
    unheated (per-house rows only; population-level rows have no house stratum). ``summary``:
    the :data:`HEADLINE` metric of each inference, averaged over its targets too (for
    appliances: over appliances, NaN ignored)."""
    per_house = df[df["heated"].notna()]
    keys = ["inference", "method", "target", "metric", "resolution"]
    if summary:
        per_house = per_house[per_house["metric"] == per_house["inference"].map(HEADLINE)]
        keys = ["inference", "method", "metric", "resolution"]
    allv = per_house.groupby(keys)["value"].mean().rename("all")
    h = per_house[per_house["heated"] == True].groupby(keys)["value"].mean().rename("heated")  # noqa: E712
    u = per_house[per_house["heated"] == False].groupby(keys)["value"].mean().rename("unheated")  # noqa: E712
    n = per_house.groupby(keys)["house"].nunique().rename("houses")
    return pd.concat([allv, h, u, n], axis=1).reset_index()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--source", default="sim")
    ap.add_argument("--metric", default=None, help="keep one metric (e.g. mcc)")
    ap.add_argument("--summary", action="store_true", help="one headline metric per inference")
    a = ap.parse_args(argv)
    df = strata(Path(a.out), a.source)
    t = table(df, a.summary)
    if a.metric:
        t = t[t["metric"] == a.metric]
    n_heated = df.drop_duplicates("house")["heated"].sum()
    print(f"{df['house'].nunique()} simulated houses, {int(n_heated)} electrically heated")
    cols = list(t.columns)
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in t.itertuples(index=False):
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row)
              + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
