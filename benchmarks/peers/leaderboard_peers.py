"""The leaderboard's NILMTK side by side: nilm and NILMTK on identical inputs at 60 s and 900 s.

For each real dataset of ``studies/leaderboard.toml`` that has a mains-like aggregate at or
below 15 min (UCI Sceaux, REDD house 5 — sum of circuits —, ECO house 2 at its native 900 s),
the grid at each period is split as the leaderboard splits it (first ``train_fraction`` of the
intervals train) with the spec's appliances; intervals where the mains or any chosen sub-meter
is missing are dropped on both sides (NILMTK's CO and FHMM take no NaN), so the figures are
close to, not identical with, the leaderboard's. Each pair (Mean/Mean, CO/CO, FHMM/FHMMExact,
Hart85/Hart85) runs in fresh processes through :mod:`compare` (nilm under this interpreter,
NILMTK under ``.venv-nilmtk`` from ``install_nilmtk.sh``), and both predictions are scored by
the same code: MAE (W) and F1 of activity (:func:`nilm.metrics.f1` with
:func:`nilm.metrics.on_threshold`, the resolution-consistent definition), per appliance and
pooled over appliances (``all``). No CI: these rows place nilm's numbers next to the toolkit's,
the CIs are the leaderboard's.

Usage::

    .venv/bin/python benchmarks/peers/leaderboard_peers.py --data ../shared/data \
        --out docs/results/leaderboard_nilmtk.csv

``--algos Hart85`` reruns only the named pairs (both sides) and keeps the other methods' rows
of the CSV already at ``--out`` byte for byte, in the full run's order, e.g. after a change to
one model. It refuses an unknown name, a missing CSV, and a rerun whose inputs lack a dataset ×
period of that CSV (its rows of the rerun methods would be lost).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compare import NILMTK_PY, PAIRS, grid_input, run_one  # noqa: E402

PERIODS = (60.0, 900.0)
DATASETS = ("uci_sceaux", "redd_house5", "eco_house2")
COLUMNS = ["dataset", "period_s", "side", "method", "target", "metric", "value", "n_test"]


def inputs(spec_path: Path, data: Path, work: Path):
    """(input .npz, info) per dataset × period of :data:`DATASETS` × :data:`PERIODS`."""
    import nilm
    from nilm.leaderboard import LeaderboardSpec

    spec = LeaderboardSpec.from_toml(spec_path)
    out = []
    for ds in spec.datasets:
        if ds.name not in DATASETS:
            continue
        path = data / ds.path
        if not path.exists():
            print(f"{ds.name}: real data not found at {path}, skipped", file=sys.stderr)
            continue
        h = nilm.load(path, **ds.options)
        for period in PERIODS:
            if period < h.native_period:
                continue
            g = h.to_grid(period)
            names = [a for a in ds.appliances if a in g.names]
            t_split = int(g.t[int(round(ds.train_fraction * len(g)))])
            p, info = grid_input(work, f"{ds.name}_{int(period)}", g, t_split, names)
            info.update(dataset=ds.name, period_s=period)
            out.append((p, info))
    return out


def scores(pred, y, names, period):
    """Rows (target, metric, value) of one prediction."""
    from nilm.metrics import f1, mae, on_threshold

    th = np.array([on_threshold(n, period) for n in names])
    rows = []
    for i, n in enumerate(names):
        rows += [(n, "mae", mae(y[i], pred[i])), (n, "f1", f1(y[i], pred[i], threshold=th[i]))]
    rows += [("all", "mae", mae(y, pred)), ("all", "f1", f1(y, pred, threshold=th))]
    return rows


def main(argv=None) -> None:
    import pandas as pd

    from nilm.atomic import atomic_open

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--spec", type=Path, default=HERE.parents[1] / "studies" / "leaderboard.toml")
    p.add_argument("--data", type=Path, default=HERE.parents[2] / "shared" / "data")
    p.add_argument("--out", type=Path, required=True, help="CSV to write")
    p.add_argument("--timeout", type=float, default=600.0, help="s per algorithm run")
    p.add_argument("--algos", nargs="*", default=[o for o, _ in PAIRS],
                   help="nilm-side names of the pairs to run; the other methods' rows of the "
                   "CSV at --out are kept")
    args = p.parse_args(argv)
    known = [o for o, _ in PAIRS]
    unknown = [a for a in args.algos if a not in known]
    if unknown or not args.algos:
        sys.exit(f"--algos: {unknown or 'no name'} given, each must be one of {known}")
    pairs = [pr for pr in PAIRS if pr[0] in args.algos]
    kept = None
    if len(pairs) < len(PAIRS):
        if not args.out.exists():
            sys.exit(f"--algos needs the CSV of a full run at {args.out} to keep the other rows")
        kept = pd.read_csv(args.out)
        kept = kept[~kept["method"].isin([o.lower() for o, _ in pairs])]
    if not NILMTK_PY.exists():
        sys.exit(f"no NILMTK venv at {NILMTK_PY}: run benchmarks/peers/install_nilmtk.sh")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        todo = inputs(args.spec, args.data, work)
        if kept is not None:
            # a dataset of the full run not found now would lose the rerun methods' rows
            lost = (set(zip(kept["dataset"], kept["period_s"].astype(float)))
                    - {(info["dataset"], float(info["period_s"])) for _, info in todo})
            if lost:
                where = ", ".join(f"{d} {p:g} s" for d, p in sorted(lost))
                sys.exit(f"--algos: no input now for {where} of the CSV at {args.out}; "
                         "the rerun methods' rows there would be lost")
        for inp, info in todo:
            with np.load(inp) as z:
                y = z["test_apps"]
            for ours, theirs in pairs:
                for side, algo in (("nilm", ours), ("nilmtk", theirs)):
                    print(f"{info['dataset']} {info['period_s']:g} s: {side} {algo}",
                          file=sys.stderr, flush=True)
                    res = run_one(side, algo, inp, work / f"{inp.stem}_{side}_{algo}",
                                  args.timeout)
                    if "error" in res:
                        print(f"  failed: {res['error']}", file=sys.stderr)
                        rows.append(dict(dataset=info["dataset"], period_s=info["period_s"],
                                         side=side, method=ours.lower(), target="all",
                                         metric="error", value=np.nan,
                                         n_test=info["n_test"]))
                        continue
                    for target, metric, value in scores(res["pred"], y, info["names"],
                                                        info["period_s"]):
                        rows.append(dict(dataset=info["dataset"], period_s=info["period_s"],
                                         side=side, method=ours.lower(), target=target,
                                         metric=metric, value=value, n_test=info["n_test"]))
    df = pd.DataFrame(rows, columns=COLUMNS)
    if kept is not None:
        # back in the full run's order: dataset and period as written, then PAIRS' order
        df = pd.concat([kept, df], ignore_index=True)
        order = {o.lower(): i for i, (o, _) in enumerate(PAIRS)}
        first = {k: i for i, k in enumerate(dict.fromkeys(zip(kept["dataset"], kept["period_s"])))}
        df = df.assign(_k=[first.get(k, len(first)) for k in zip(df["dataset"], df["period_s"])],
                       _m=df["method"].map(order)).sort_values(["_k", "_m"], kind="stable")
        df = df.drop(columns=["_k", "_m"])[COLUMNS]
    with atomic_open(args.out) as f:
        df.to_csv(f, index=False, float_format="%.6g", lineterminator="\n")
    print(f"{len(df)} rows -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
