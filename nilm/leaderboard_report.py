"""The leaderboard's report section, its figure and the published copies (issue 18).

Reads ``OUT/leaderboard.csv`` and ``OUT/provenance.json`` written by
:func:`nilm.leaderboard.run_leaderboard`; fits nothing.

* **Skill over Mean** of an error metric (MAE, W) is ``1 − value / value_Mean`` and of a score
  (F1) ``(value − value_Mean) / (1 − value_Mean)``: 0 is what the training-mean predictor
  gives, 1 a perfect disaggregation (Murphy 1988).
* **Seeds**: a method's value at a (dataset, house, rung, appliance) is its mean over the
  seeds; its interval is the union of the seeds' block-bootstrap CIs (lowest ``ci_low``,
  highest ``ci_high``), a conservative pooling.
* **Best** per dataset × appliance × rung is the lowest mean MAE; it is marked ★ only where its
  interval lies entirely below the runner-up's (both have a CI).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_open, atomic_path
from .labels import period_label
from .names import base_name

#: appliance classes of the figure (canonical base names); anything else is "other loads"
CLASSES: dict[str, tuple[str, ...]] = {
    "cold (fridge, freezer)": ("fridge", "freezer"),
    "wet (washer, dishwasher, dryer)": ("dishwasher", "washing_machine", "washer_dryer",
                                        "tumble_dryer", "laundry"),
    "cooking (kettle, microwave, cooker…)": ("kettle", "toaster", "microwave", "cooker", "oven",
                                             "hob", "kitchen"),
    "heating (water heater, heat pump…)": ("water_heater", "electric_heat", "heat_pump",
                                           "furnace"),
    "other loads (lighting, tv…)": (),
    "total (all appliances pooled)": ("all",),
}

_BASELINES = ("mean", "prior")
_KEY = ["dataset", "house", "period_s", "target"]


def appliance_class(target: str) -> str:
    """The :data:`CLASSES` key of appliance ``target``."""
    b = "all" if target == "all" else base_name(target)
    for label, names in CLASSES.items():
        if b in names:
            return label
    return "other loads (lighting, tv…)"


def pooled(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per dataset × house × rung × appliance × method for ``metric``: mean value over
    seeds, union of their CIs, seeds counted."""
    d = df[df.metric == metric]
    g = d.groupby(_KEY + ["method"], sort=True)
    return g.agg(value=("value", "mean"), lo=("ci_low", "min"), hi=("ci_high", "max"),
                 seeds=("seed", "nunique"), simulated=("simulated", "first"),
                 block_s=("block_s", "first"), n=("n", "first")).reset_index()


#: metrics published per appliance; the others only for all appliances pooled (``"all"``)
PER_APPLIANCE_METRICS = ("mae",)


def published(df: pd.DataFrame) -> pd.DataFrame:
    """``docs/results/leaderboard.csv``: the per-seed table pooled over seeds
    (:func:`over_seeds`), with :data:`PER_APPLIANCE_METRICS` for every appliance and the other
    metrics for all appliances pooled only, to keep the committed table small (the run
    folder's ``leaderboard.csv`` and its cell store keep every row)."""
    keep = df.metric.isin(PER_APPLIANCE_METRICS) | (df.target == "all")
    return over_seeds(df[keep]).reset_index(drop=True)


def over_seeds(df: pd.DataFrame) -> pd.DataFrame:
    """The published table: one row per dataset × house × split × method × target × metric ×
    rung, pooled over seeds as :func:`pooled` pools them (mean value, union of the CIs).

    Same columns as the per-seed table (:data:`nilm.leaderboard.COLUMNS`); ``seed`` lists the
    seeds pooled, space-separated (``"0 1 2"``), and ``n`` is the smallest count of scored test
    intervals among them. The per-seed rows stay in the run folder's ``leaderboard.csv``.
    """
    from .leaderboard import COLUMNS

    key = ["dataset", "simulated", "house", "split", "method", "target", "metric", "period_s",
           "block_s"]
    g = df.groupby(key, sort=False, dropna=False)
    out = g.agg(value=("value", "mean"), ci_low=("ci_low", "min"), ci_high=("ci_high", "max"),
                n=("n", "min"),
                seed=("seed", lambda s: " ".join(str(x) for x in sorted(set(s))))).reset_index()
    return out[COLUMNS]


def skill_over_mean(p: pd.DataFrame, error: bool) -> pd.Series:
    """Skill of each row of :func:`pooled` against the Mean row of the same cell."""
    mean = p[p.method == "mean"].set_index(_KEY).value
    ref = p.set_index(_KEY).index.map(mean)
    v, r = p.value.to_numpy(float), np.asarray(ref, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = 1 - v / r if error else (v - r) / (1 - r)
    ok = (r > 1e-9) if error else (r < 1 - 1e-12)
    return pd.Series(np.where(ok & np.isfinite(v) & np.isfinite(r), s, np.nan), index=p.index)


def best_table(df: pd.DataFrame) -> pd.DataFrame:
    """Best and runner-up by MAE per dataset × house × rung × appliance, with the ★ rule."""
    p = pooled(df, "mae")
    p["skill"] = skill_over_mean(p, error=True)
    rows = []
    for key, g in p.groupby(_KEY, sort=True):
        g = g.sort_values(["value", "method"])
        best, second = g.iloc[0], (g.iloc[1] if len(g) > 1 else None)
        separated = (second is not None and math.isfinite(best.hi) and math.isfinite(second.lo)
                     and best.hi < second.lo)
        rows.append(dict(zip(_KEY, key, strict=True), best=best.method, mae=best.value,
                         skill=best.skill, runner_up=None if second is None else second.method,
                         runner_up_mae=np.nan if second is None else second.value,
                         separated=separated, simulated=bool(best.simulated),
                         block_s=best.block_s, seeds=int(best.seeds)))
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame, periods=(60.0, 600.0, 1800.0, 3600.0)) -> pd.DataFrame:
    """Per dataset: best model on all appliances pooled and its MAE skill over Mean at each of
    ``periods`` s (the issue's 1, 10 and 30 min, and 60 min for the hourly AMPds)."""
    b = best_table(df)
    b = b[(b.target == "all") & b.period_s.isin(periods)]
    rows = []
    for (dataset, house), g in b.groupby(["dataset", "house"], sort=True):
        row = {"dataset": dataset, "house": house}
        for p in periods:
            hit = g[g.period_s == p]
            row[period_label(p)] = ("–" if hit.empty else
                                    f"{hit.best.iloc[0]} {hit.skill.iloc[0]:+.2f}"
                                    + (" ★" if hit.separated.iloc[0] else ""))
        rows.append(row)
    return pd.DataFrame(rows)


#: x position (s) of the native sub-minute periods in the figure (REDD 3-4 s, UK-DALE 6 s, the
#: simulated 10 s): one "native < 1 min" point, not one point per dataset's own period
_SUB_MINUTE_X = 10.0


def skill_figure(df: pd.DataFrame):
    """"Skill over Mean vs resolution" per appliance class: median MAE skill over datasets,
    houses, appliances of the class and seeds, one line per method (Mean is 0 by definition),
    solid on real data and dashed on simulated data. Native periods under one minute share
    one "native < 1 min" point; skills below −1 are drawn at the axis edge."""
    from matplotlib.figure import Figure

    p = df[(df.metric == "mae")].copy()
    mean = p[p.method == "mean"].set_index(_KEY + ["seed"]).value
    ref = np.asarray(p.set_index(_KEY + ["seed"]).index.map(mean), float)
    v = p.value.to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p["skill"] = np.where(ref > 1e-9, 1 - v / ref, np.nan)
    p["cls"] = p.target.map(appliance_class)
    p["x"] = np.where(p.period_s < 60, _SUB_MINUTE_X, p.period_s)
    p["simulated"] = p.simulated.astype(str).str.lower() == "true"
    p = p[p.method != "mean"]
    methods = sorted(p.method.unique())
    fig = Figure(figsize=(12, 7), dpi=100, layout="constrained")
    axes = fig.subplots(2, 3, squeeze=False, sharey=True).ravel()
    colors = {m: f"C{i}" for i, m in enumerate(methods)}
    xs = sorted(p.x.unique())
    labels = ["native < 1 min" if x == _SUB_MINUTE_X else period_label(x) for x in xs]
    for ax, cls in zip(axes, CLASSES, strict=True):
        c = p[p.cls == cls]
        for sim, style in ((False, "-"), (True, "--")):
            for m in methods:
                s = c[(c.method == m) & (c.simulated == sim)].groupby("x").skill.median()
                s = s.dropna().clip(lower=-1.0)
                if len(s):
                    ax.plot(s.index, s.to_numpy(), style, marker="o", ms=4, color=colors[m],
                            alpha=0.55 if sim else 1.0,
                            label=f"{m} ({'simulated' if sim else 'real'})")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
        ax.minorticks_off()
        ax.set_ylim(-1.05, 1.0)
        n_real = c[~c.simulated].dataset.nunique()
        n_sim = c[c.simulated].dataset.nunique()
        ax.set_title(f"{cls}\n{n_real} real, {n_sim} simulated datasets", fontsize=9)
        ax.set_ylabel("MAE skill over Mean")
    handles, names = axes[-1].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right center", fontsize=7)
    fig.suptitle("Disaggregation skill over the Mean baseline vs resolution (median over "
                 "datasets, houses, appliances, seeds; solid real, dashed simulated; "
                 "see leaderboard.md)", fontsize=10)
    return fig


def _fmt(x, digits=3) -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else \
        f"{x:.{digits}g}"


def peers_table(peers: pd.DataFrame) -> pd.DataFrame:
    """nilm beside NILMTK (``benchmarks/peers/leaderboard_peers.py`` rows): per dataset ×
    period × method, MAE (W) and F1 of all appliances pooled on each side."""
    d = peers[peers.target == "all"]
    w = d.pivot_table(index=["dataset", "period_s", "method"], columns=["metric", "side"],
                      values="value", aggfunc="first", sort=True)
    rows = []
    for (dataset, period, method), r in w.iterrows():
        rows.append({"dataset": dataset, "period": period_label(period), "method": method,
                     **{f"{m.upper() if m == 'mae' else m.capitalize()} {side}":
                        _fmt(r.get((m, side), math.nan))
                        for m in ("mae", "f1") for side in ("nilm", "nilmtk")},
                     "test intervals": int(d[(d.dataset == dataset) & (d.period_s == period)]
                                           .n_test.iloc[0])})
    return pd.DataFrame(rows)


def report_markdown(df: pd.DataFrame, provenance: dict,
                    peers: pd.DataFrame | None = None) -> str:
    """The report section (Markdown) of a leaderboard table and its provenance, with the
    NILMTK side by side when ``peers`` (its rows) is given."""
    spec = provenance["spec"]
    lines = ["# Disaggregation leaderboard", "",
             "Every model × dataset × resolution rung × seed, regenerated by "
             "`make leaderboard` (`nilm leaderboard studies/leaderboard.toml`). Table: "
             "`docs/results/leaderboard.csv`; provenance: "
             "`docs/results/leaderboard_provenance.json`.", "",
             f"Models {', '.join(spec['models'])} beside Mean and Prior"
             + "".join(f"; on {d['name']} only {', '.join(d['models'])}"
                       for d in spec["datasets"] if d.get("models"))
             + f"; seeds {spec['seeds']}; metrics {', '.join(spec['metrics'])}; "
             f"{spec['n_boot']} block-bootstrap replicates; nilm {provenance['nilm_version']}. "
             f"Run: {provenance['cells']} cells, {provenance['workers']} worker(s), "
             f"{provenance['seconds_this_run']} s wall for the {provenance['cells_computed']} "
             f"cells computed by the last run ({provenance['cell_seconds_total']} s of cell "
             f"compute for the whole table), load average {provenance['load_average']}.", "",
             "## Data and splits", ""]
    for name, text in provenance["splits"].items():
        lines.append(f"* **{name}**: {text}.")
    lines += ["", "## Summary: best model on all appliances pooled, MAE skill over Mean", "",
              "`–`: the rung is finer than the data or has fewer than 10 test intervals. "
              "★: the best model's CI lies below the runner-up's.", ""]
    s = summary(df)
    data = {d["name"]: _data_label(d) for d in spec["datasets"]}
    s.insert(2, "data", s.dataset.map(data))
    lines += _md_table(s)
    b = best_table(df)
    lines += ["", "## Best per dataset × appliance × rung (MAE, W)", "",
              "Mean over seeds; CI = union of the seeds' block-bootstrap CIs (`block_s` s); "
              "★ only where the best's CI excludes the runner-up's; a best without ★ is "
              "the lowest test score, not separated from the next. Where an appliance is idle "
              "in the test part (true power near 0 W: Mean's MAE is then its training mean), "
              "a model that predicts 0 wins without disaggregating anything; one-hour blocks "
              "on a test part of two days or less give CIs that are likely too narrow.", ""]
    b = b.assign(period=b.period_s.map(period_label),
                 best=[f"{m} ★" if sep else m for m, sep in zip(b.best, b.separated,
                                                                strict=True)],
                 mae=b.mae.map(_fmt), skill=b.skill.map(lambda x: _fmt(x, 2)),
                 runner_up_mae=b.runner_up_mae.map(_fmt))
    lines += _md_table(b[["dataset", "house", "period", "target", "best", "mae", "skill",
                          "runner_up", "runner_up_mae", "block_s", "simulated"]])
    lines += ["", "## Figure", "", "![skill over Mean vs resolution](leaderboard.png)", ""]
    if peers is not None:
        lines += ["## Side by side with NILMTK", "",
                  "`benchmarks/peers/leaderboard_peers.py` (table "
                  "`docs/results/leaderboard_nilmtk.csv`): nilm and NILMTK (CO, FHMMExact, "
                  "Hart85, Mean) fitted on the same training intervals of the leaderboard's "
                  "split and scored by the same code, all appliances pooled. Only intervals "
                  "where the mains and every chosen sub-meter are measured are kept on both "
                  "sides (NILMTK takes no NaN), so the nilm figures are close to, not equal "
                  "to, the leaderboard's; no CI. Real data.", ""]
        lines += _md_table(peers_table(peers))
        lines += [""]
    lines += ["## Notes (rungs not run or left out)", ""]
    lines += [f"* {n}" for n in provenance["notes"]] or ["* none"]
    return "\n".join(lines) + "\n"


def _data_label(d: dict) -> str:
    """What a dataset of the spec is: real or simulated, its aggregate, its split."""
    what = "simulated" if d.get("simulate") else "real"
    if d.get("aggregate") == "sum_of_sub_meters":
        what += ", aggregate = Σ sub-meters"
    return what + (", cross-house" if d.get("split") == "cross_house" else ", time split")


def _md_table(t: pd.DataFrame) -> list[str]:
    cols = list(t.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(str(v) for v in row) + " |" for row in t.itertuples(index=False)]
    return out


def publish(out, docs) -> list[Path]:
    """Write the :func:`published` table and a copy of the provenance of ``out`` to
    ``docs/results/``, and ``docs/leaderboard.md`` (with the NILMTK side by side when
    ``docs/results/leaderboard_nilmtk.csv`` exists) and ``docs/leaderboard.png``; returns the
    paths written."""
    out, docs = Path(out), Path(docs)
    df = pd.read_csv(out / "leaderboard.csv")
    provenance = json.loads((out / "provenance.json").read_text())
    (docs / "results").mkdir(parents=True, exist_ok=True)
    paths = [docs / "results" / "leaderboard.csv",
             docs / "results" / "leaderboard_provenance.json",
             docs / "leaderboard.md", docs / "leaderboard.png"]
    with atomic_open(paths[0]) as f:
        published(df).to_csv(f, index=False, float_format="%.4g", lineterminator="\n")
    with atomic_path(paths[1]) as tmp:
        shutil.copyfile(out / "provenance.json", tmp)
    nilmtk = docs / "results" / "leaderboard_nilmtk.csv"
    peers = pd.read_csv(nilmtk) if nilmtk.exists() else None
    with atomic_open(paths[2]) as f:
        f.write(report_markdown(df, provenance, peers))
    fig = skill_figure(df)
    with atomic_path(paths[3]) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    return paths


__all__ = ["CLASSES", "PER_APPLIANCE_METRICS", "appliance_class", "best_table", "over_seeds",
           "peers_table", "pooled", "publish", "published", "report_markdown", "skill_figure",
           "skill_over_mean", "summary"]
