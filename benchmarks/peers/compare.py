"""Side-by-side run of nilm and NILMTK disaggregators on identical inputs.

For each dataset (simulated at several sizes, and real REDD house 5 / UCI Sceaux excerpts when
``shared/data`` and nilm's loaders are present) this script

1. writes one input ``.npz`` (train mains + sub-meters, test mains, timestamps, period);
2. runs every algorithm in a **fresh subprocess** — nilm's under this interpreter
   (``run_nilm.py``), NILMTK's under ``.venv-nilmtk`` (``run_nilmtk.py``) — so each peak
   resident memory belongs to one algorithm only;
3. scores every prediction with the same code, :func:`nilm.metrics.mae`, on the same test split;
4. writes ``results.json`` and ``results.md`` (one row per dataset x pair) in ``--out``.

Pairs: Mean/Mean (sanity check of the harness: both must give the same MAE), CO/CO,
FHMM/FHMMExact (same number of states per appliance), Hart85 (nilm edges)/Hart85.

Simulated data (:func:`simulate`) is a seeded toy household at 6 s; it says nothing about real
houses and is only used for speed and memory scaling. Real data rows are marked ``real``.

Usage::

    .venv/bin/python benchmarks/peers/compare.py --sizes 10000 100000 1000000 --real \
        --out benchmarks/peers/results
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NILMTK_PY = HERE / ".venv-nilmtk" / "bin" / "python"
PAIRS = [("Mean", "Mean"), ("CO", "CO"), ("FHMM", "FHMMExact"), ("Hart85", "Hart85")]
#: bars from the Disaggregation issue: (metric, minimum ours/theirs ratio)
BARS = {"Hart85": ("throughput", 100.0), "FHMM": ("end_to_end", 30.0),
        "CO": ("throughput", 3.0)}
#: 2020-01-06 00:00 UTC, a Monday; simulated data starts there
SIM_START = 1578268800
#: simulated sizes (samples disaggregated) and real datasets of the Disaggregation issue's bars
SIZES = (10_000, 100_000, 1_000_000)
REDD, UCI = "REDD house 5, 1 min", "UCI Sceaux 2006-12, 1 min"


def sim_name(n: int) -> str:
    """The ``dataset`` of the simulated input disaggregating ``n`` samples."""
    return f"simulated {n:.0e}"


def _runs(rng, n, mean_off, mean_on):
    """Boolean on/off sequence of alternating exponential off/on runs (in samples)."""
    on = np.zeros(n, dtype=bool)
    i = int(rng.exponential(mean_off))
    while i < n:
        d = max(1, int(rng.exponential(mean_on)))
        on[i:i + d] = True
        i += d + max(1, int(rng.exponential(mean_off)))
    return on


def simulate(n: int, seed: int, period: float = 6.0):
    """Simulated household at ``period`` s: 4 two-state appliances + 60 W base + noise.

    fridge 90 W (~20 min on / 40 min off), kettle 2000 W (~3 min, every ~5 h), washing machine
    450 W (~1 h, every ~10 h), water heater 2400 W (~40 min, every ~11 h). Sub-meters carry 1 %
    gain noise when on and |N(0, 0.5 W)| standby noise: with exactly constant sub-meter levels
    NILMTK's FHMMExact maps two states with equal means to one and crashes (startprob sums to 2).
    The mains adds N(0, 5 W). Returns (mains [n], appliances [4, n], names). Toy data, for
    scaling only.
    """
    rng = np.random.default_rng(seed)
    per_min = 60.0 / period
    spec = [("fridge", 90.0, 40, 20), ("kettle", 2000.0, 300, 3),
            ("washing_machine", 450.0, 600, 60), ("water_heater", 2400.0, 660, 40)]
    on = np.stack([_runs(rng, n, off * per_min, d * per_min) for _, _, off, d in spec])
    watts = np.array([w for _, w, _, _ in spec])[:, None]
    apps = (on * watts * (1.0 + rng.normal(0.0, 0.01, on.shape))
            + np.abs(rng.normal(0.0, 0.5, on.shape))).astype(np.float32)
    mains = (60.0 + apps.sum(axis=0) + rng.normal(0.0, 5.0, n)).astype(np.float32)
    return mains, apps, [s[0] for s in spec]


def write_input(path: Path, train, test, period: float, names, fhmm_states: int = 2):
    """train/test: (t int64 [n], mains [n], apps [k, n]), all finite."""
    from nilm.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, train_t=train[0], train_mains=train[1], train_apps=train[2],
                 test_t=test[0], test_mains=test[1], test_apps=test[2],
                 period=np.float64(period), names=np.array(names),
                 fhmm_states=np.int64(fhmm_states))


def synthetic_input(work: Path, n: int, seed: int = 0) -> tuple[Path, dict]:
    """Train on min(n, 10^5) samples, disaggregate n samples that follow them."""
    n_train = min(n, 100_000)
    mains, apps, names = simulate(n_train + n, seed)
    t = SIM_START + 6 * np.arange(n_train + n, dtype=np.int64)
    path = work / f"sim_{n}.npz"
    write_input(path, (t[:n_train], mains[:n_train], apps[:, :n_train]),
                (t[n_train:], mains[n_train:], apps[:, n_train:]), 6.0, names)
    return path, {"dataset": sim_name(n), "data": "simulated", "period_s": 6.0,
                  "names": names, "n_train": n_train, "n_test": n}


def grid_input(work: Path, tag: str, grid, t_split: int, names) -> tuple[Path, dict]:
    """Real-data input from a nilm Grid: only intervals where mains and every chosen sub-meter
    are finite are kept (both sides see the same samples; NILMTK's CO/FHMM cannot take NaN)."""
    g = grid.select(names)
    ok = g.fully_valid()
    t = g.t
    tr, te = ok & (t < t_split), ok & (t >= t_split)
    path = work / f"{tag}.npz"
    write_input(path, (t[tr], g.mains[tr], g.appliances[:, tr]),
                (t[te], g.mains[te], g.appliances[:, te]), g.period, names)
    return path, {"dataset": tag, "data": "real", "period_s": g.period, "names": names,
                  "n_train": int(tr.sum()), "n_test": int(te.sum())}


#: the one appliance per real dataset that Seq2Point is trained on (one network each)
SEQ2POINT_TARGETS = {REDD: "fridge", UCI: "water_heater"}


def real_inputs(work: Path, root: Path, seq2point: bool = False) -> list[tuple[Path, dict]]:
    """REDD house 5 (sum of circuits, 1 min; first 60 % of valid time trains) and UCI Sceaux
    2006-12 (1 min; first 3 weeks train). Skips, with a message, what cannot be loaded. With
    ``seq2point``, each dataset also gets a one-appliance input (:data:`SEQ2POINT_TARGETS`),
    marked ``info["seq2point"]``, on the same split."""
    import nilm

    def add(tag, g, t_split, names):
        out.append(grid_input(work, tag, g, t_split, names))
        target = SEQ2POINT_TARGETS.get(tag)
        if seq2point and target in g.names:
            path, info = grid_input(work, f"{tag}, {target}", g, t_split, [target])
            out.append((path, dict(info, seq2point=True)))

    out = []
    redd = root / "redd" / "low_freq" / "house_5"
    if redd.is_dir():
        try:
            h = nilm.load(redd, aggregate="sum_of_circuits")
            g = h.to_grid(60)
            names = [n for n in ("fridge", "microwave", "dishwasher", "washer_dryer")
                     if n in g.names]
            t_ok = g.t[g.fully_valid()]
            t_split = int(t_ok[int(0.6 * len(t_ok))])
            add(REDD, g, t_split, names)
        except Exception as exc:  # noqa: BLE001 - report and carry on with the other datasets
            print(f"REDD skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    uci = root / "uci_household_power_consumption" / "sceaux_2006-12-16_to_2007-01-19"
    if uci.is_dir():
        try:
            h = nilm.load(uci)
            g = h.to_grid(60)
            names = [n for n in ("kitchen", "laundry", "water_heater") if n in g.names]
            t_split = int(g.t[g.fully_valid()][0]) + 21 * 86400
            add(UCI, g, t_split, names)
        except Exception as exc:  # noqa: BLE001
            print(f"UCI skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    return out


def run_one(side: str, algo: str, inp: Path, stem: Path, timeout: float) -> dict:
    """Run one algorithm in a fresh process; the JSON it wrote, or ``{"error": ...}``."""
    if side == "nilmtk":
        cmd = [str(NILMTK_PY), str(HERE / "run_nilmtk.py"), algo, str(inp), str(stem)]
    else:
        cmd = [sys.executable, str(HERE / "run_nilm.py"), algo, str(inp), str(stem)]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout > {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {proc.returncode}: {last[:200]}"}
    res = json.loads(Path(str(stem) + ".json").read_text())
    with np.load(str(stem) + ".npz") as z:
        res["pred"] = z["pred"]
    return res


def score(res: dict, y: np.ndarray, names) -> None:
    """Add MAE (W) per appliance and averaged over appliances, with nilm's metric code."""
    from nilm.metrics import mae

    if "pred" not in res:
        return
    pred = res.pop("pred")
    res["mae_w"] = {n: mae(y[i], pred[i]) for i, n in enumerate(names)}
    res["mean_mae_w"] = float(np.mean(list(res["mae_w"].values())))


def ratio(a, b):
    return float(a / b) if a is not None and b not in (None, 0) else None


def run_best(side: str, algo: str, inp: Path, stem: Path, timeout: float, repeat: int) -> dict:
    """:func:`run_one` ``repeat`` times; fit and disaggregation times are the minimum over runs
    (timeit's rule: on a shared machine the fastest run is the least disturbed one), memory and
    predictions those of the first run (they do not depend on load)."""
    first = run_one(side, algo, inp, stem, timeout)
    if "error" in first or repeat <= 1:
        return first
    train, dis = [first["train_s"]], [first["disaggregate_s"]]
    for _ in range(repeat - 1):
        again = run_one(side, algo, inp, Path(f"{stem}_rep"), timeout)
        if "error" in again:
            break
        train.append(again["train_s"])
        dis.append(again["disaggregate_s"])
    n = first["n_test"]
    first.update(train_s=min(train), disaggregate_s=min(dis), train_s_all=train,
                 disaggregate_s_all=dis, throughput_sps=n / max(min(dis), 1e-9),
                 end_to_end_sps=n / max(min(t + d for t, d in zip(train, dis)), 1e-9))
    return first


def compare(inputs, out: Path, timeout: float, repeat: int = 1) -> list[dict]:
    """``inputs``: (input path, info dict, list of (nilm algo, NILMTK algo) pairs)."""
    rows = []
    for inp, info, pairs in inputs:
        with np.load(inp) as z:
            y = z["test_apps"]
        for ours, theirs in pairs:
            row = dict(info, ours=ours, theirs=theirs)
            for side, algo in (("nilm", ours), ("nilmtk", theirs)):
                stem = out / "runs" / f"{inp.stem}_{side}_{algo}"
                print(f"{info['dataset']}: {side} {algo} ...", file=sys.stderr, flush=True)
                res = run_best(side, algo, inp, stem, timeout, repeat)
                score(res, y, info["names"])
                row[side] = res
            a, b = row["nilm"], row["nilmtk"]
            row["throughput_ratio"] = ratio(a.get("throughput_sps"), b.get("throughput_sps"))
            row["end_to_end_ratio"] = ratio(a.get("end_to_end_sps"), b.get("end_to_end_sps"))
            row["peak_rss_ratio"] = ratio(a.get("peak_rss_mb"), b.get("peak_rss_mb"))
            row["algo_peak_ratio"] = ratio(a.get("algo_peak_mb"), b.get("algo_peak_mb"))
            rows.append(row)
            print(markdown_row(row), file=sys.stderr, flush=True)
    return rows


def _f(x, fmt="{:.3g}"):
    return "—" if x is None else fmt.format(x)


def markdown_row(r: dict) -> str:
    a, b = r["nilm"], r["nilmtk"]
    cells = [r["dataset"], r["data"], f"{r['n_train']}/{r['n_test']}",
             f"{r['ours']} / {r['theirs']}"]
    for side in (a, b):
        if "error" in side:
            cells += [side["error"], "", "", ""]
            continue
        cells += [_f(side["train_s"]), _f(side["throughput_sps"], "{:.3g}"),
                  _f(side["peak_rss_mb"], "{:.0f}") + f" (+{side['algo_peak_mb']:.0f})",
                  _f(side.get("mean_mae_w"), "{:.1f}")]
    cells += [_f(r["throughput_ratio"]), _f(r["end_to_end_ratio"]), _f(r["algo_peak_ratio"])]
    return "| " + " | ".join(cells) + " |"


HEADER = ("| dataset | data | n train/test | nilm / NILMTK | nilm fit s | nilm disagg. samples/s "
          "| nilm peak RSS MiB (+algo) | nilm MAE W | NILMTK fit s | NILMTK disagg. samples/s "
          "| NILMTK peak RSS MiB (+algo) | NILMTK MAE W | throughput ×| end-to-end × "
          "| algo memory ratio |\n" + "|---" * 15 + "|")


def _commit() -> str:
    """nilm's git commit (with ``+dirty`` when the tree has uncommitted changes), or ``?``."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=HERE, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + ("+dirty" if dirty else "")


def write_results(rows, out: Path, argv, load=None) -> dict:
    from nilm.atomic import atomic_open

    meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(), "argv": argv, "commit": _commit(),
            "load": load or {}}
    with atomic_open(out / "results.json") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1, default=float)
    with atomic_open(out / "results.md") as f:
        f.write(f"<!-- {json.dumps(meta)} -->\n\n{HEADER}\n")
        f.write("\n".join(markdown_row(r) for r in rows) + "\n")
    return {"meta": meta, "rows": rows}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    p.add_argument("--real", action="store_true", help="add REDD house 5 and UCI from shared/")
    p.add_argument("--data", type=Path, default=HERE.parents[2] / "shared" / "data")
    p.add_argument("--algos", nargs="*", default=[o for o, _ in PAIRS],
                   help="nilm-side names of the pairs to run")
    p.add_argument("--seq2point", action="store_true",
                   help="also run Seq2Point on one appliance of each real dataset "
                   "(NILMTK side: Mean)")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs per algorithm; the fastest times are kept")
    p.add_argument("--timeout", type=float, default=600.0, help="s per algorithm run")
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument("--docs", type=Path, default=None,
                   help="also regenerate the generated block of this page (docs/benchmarks.md)")
    args = p.parse_args(argv)
    if not NILMTK_PY.exists():
        sys.exit(f"{NILMTK_PY} missing: run benchmarks/peers/install_nilmtk.sh first")
    (args.out / "runs").mkdir(parents=True, exist_ok=True)
    inputs = [synthetic_input(args.out / "runs", n) for n in args.sizes]
    if args.real:
        inputs += real_inputs(args.out / "runs", args.data.resolve(), args.seq2point)
    pairs = [pr for pr in PAIRS if pr[0] in args.algos]
    # Seq2Point is nilm-only: NILMTK's Mean on the same split is its reference
    jobs = [(inp, info, [("Seq2Point", "Mean")] if info.get("seq2point") else pairs)
            for inp, info in inputs]
    load_before = list(os.getloadavg())
    rows = compare(jobs, args.out, args.timeout, args.repeat)
    results = write_results(rows, args.out, sys.argv if argv is None else argv,
                            {"before": load_before, "after": list(os.getloadavg())})
    if args.docs is not None:
        from report import update_docs

        update_docs(json.loads(json.dumps(results, default=float)), args.docs)


if __name__ == "__main__":
    main()
