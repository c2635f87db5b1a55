"""Write the tutorial notebooks of ``notebooks/`` from the cell sources below.

The notebooks are generated, not hand-edited, so that their code is reviewed here as plain
Python and the committed ``.ipynb`` files carry no outputs, execution counts or machine-specific
metadata. ``tests/test_notebooks.py`` executes them end to end and checks that the files on disk
are exactly what this script writes.

Usage::

    python scripts/make_notebooks.py            # (re)write notebooks/*.ipynb
    python scripts/make_notebooks.py --check    # exit 1 if a notebook differs from its source

Every notebook finds the real data at ``<repository root>/../shared/data`` (or
``$NILM_SHARED_DATA``), whatever folder it is run from, and falls back on simulated data
(:mod:`nilm.simulate`) when it is absent; every figure title says which it shows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"

#: kernel every notebook declares (the virtualenv's own ipykernel registers it)
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# The first code cell of every notebook: where the repository and the real data are. The
# repository root is looked up from the working directory (run from the root or notebooks/),
# then from the installed package (editable install), so the data path never depends on the
# notebook's own folder.
SETUP = '''\
import io
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Image, display
from matplotlib.figure import Figure

import nilm


# nilm's progress bars use tqdm.auto, which warns once when ipywidgets is absent; the notebooks
# never show progress bars, so the warning is noise here
warnings.filterwarnings("ignore", message="IProgress not found")


def repo_root() -> Path:
    """The nilm repository: the working directory or a parent holding pyproject.toml and
    nilm/, else the folder above the installed package."""
    for p in (Path.cwd(), *Path.cwd().parents):
        if (p / "pyproject.toml").is_file() and (p / "nilm").is_dir():
            return p
    return Path(nilm.__file__).resolve().parents[1]


def show(fig: Figure) -> None:
    """Display a matplotlib Figure as a PNG, whatever pyplot backend is active."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    display(Image(buf.getvalue()))


ROOT = repo_root()
DATA = Path(os.environ.get("NILM_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
print(f"nilm {nilm.__version__} from {ROOT}")
print(f"real data folder: {DATA} ({'present' if DATA.is_dir() else 'absent'})")'''


# ------------------------------------------------------------------------------ 01 quickstart

NB01 = [
    ("md", """\
# 01 — Quickstart: load, inspect, resample to the Linky ladder

This notebook loads one household, prints what is in it, and shows one day of its load curve
at the native resolution and at the two Enedis load-curve steps that matter for privacy
(10 min and 30 min).

**Which data.** When the real-data excerpts are present (`../shared/data`, see `datasets.md`)
it uses the **UCI "Individual household electric power consumption"** house in Sceaux, France
(2007-02-01 → 2007-02-02, 1-min means, real). Otherwise it **simulates** a household with
`nilm.simulate.simulate_household` (6-s samples). Every figure title says `real` or
`simulated`."""),
    ("code", SETUP),
    ("code", '''\
from nilm.simulate import simulate_household

UCI_FEB = DATA / "uci_household_power_consumption" / "sceaux_2007-02-01_to_2007-02-02"
if UCI_FEB.is_dir():
    household = nilm.load(UCI_FEB)
    KIND = "real"
else:
    household = simulate_household(2, seed=0, period=6).household
    KIND = "simulated"
print(f"using {KIND} data: {household}")'''),
    ("md", """\
## Inspect

`nilm.inspect.household_summary` lists every channel: samples, span (UTC), median period,
gaps, energy (Wh) and missing values, plus whatever a lenient load repaired."""),
    ("code", '''\
from nilm.inspect import format_summary, household_summary

summary = household_summary(household)
print(format_summary(summary))
assert summary["meta"].get("simulated", False) == (KIND == "simulated")'''),
    ("md", """\
## Resample to the resolution ladder

`Household.to_grid(period)` resamples every channel onto one regular, start-labelled grid by
time-weighted zero-order hold, so energy is preserved. `align="local"` puts the interval
boundaries on the household's local clock (days start at local midnight, as Enedis days do).
The table compares the aggregate's energy on each grid with the native energy."""),
    ("code", '''\
native_wh = household.mains.energy_wh()
native_s = household.mains.median_step()
rows = []
for period in sorted({native_s, 60, 600, 900, 1800, 3600, 86400}):
    grid = household.to_grid(period, align="local")
    wh = float(np.nansum(grid.mains.astype(np.float64)) * period / 3600)
    rows.append({"period_s": period, "intervals": len(grid),
                 "missing": int((~grid.valid).sum()), "energy_wh": round(wh, 1),
                 "vs_native_pct": round(100 * (wh / native_wh - 1), 3)})
ladder = pd.DataFrame(rows)
ladder'''),
    ("md", """\
Where an interval is only partly covered by data, it holds the mean power of its covered part
when at least `min_coverage` (default 50 %) of it is covered, and NaN (never zero) otherwise.
So a grid whose first or last interval is partial can show a little more energy (the mean is
extrapolated over the gap) or less (the interval is NaN) than the native series; whole
intervals match it to rounding.

## What a Linky meter publishes

`nilm.linky.linky` emulates the Enedis load curve ("courbe de charge"): the mean active power
per 10/15/30/60-min step, derived from the meter's integer Wh register, so 30-min values are
even numbers of W and 10-min values multiples of 6 W. `nilm.linky.tic` emulates the 2-s
apparent power a TIC dongle reads."""),
    ("code", '''\
from nilm.linky import daily_index, linky, tic

curves = {step: linky(household, step) for step in (600, 1800)}
for step, c in curves.items():
    vals = c.p[np.isfinite(c.p)]
    print(f"{step // 60:>2} min curve: {len(c)} points, first values {vals[:6].tolist()} W, "
          f"all multiples of {3600 // step} W: {bool(np.all(vals % (3600 // step) == 0))}")
midnights, index_wh, coverage = daily_index(household, tz=household.timezone)
print("daily index (Wh) at local midnights:", index_wh.tolist())
papp = tic(household)
print(f"TIC emulation: {len(papp)} frames every {papp.period:g} s, quantity {papp.quantity}")'''),
    ("md", """\
## One day at three resolutions

The first full local day, at the native period and as the 10-min and 30-min Enedis curves."""),
    ("code", '''\
tz = household.timezone
t_local = pd.to_datetime(household.mains.t, unit="s", utc=True).tz_convert(tz)
day0 = t_local[0].ceil("D")  # the first local midnight with data after it
t0 = int(day0.timestamp())
t1 = t0 + 86400
day = household.mains.slice(t0, t1)

fig = Figure(figsize=(10, 6))
axes = fig.subplots(3, 1, sharex=True)
panels = [(f"native ({native_s:g} s)", day.t, day.p)]
panels += [(f"Enedis {step // 60} min", c.slice(t0, t1).t, c.slice(t0, t1).p)
           for step, c in curves.items()]
for ax, (label, t, p) in zip(axes, panels):
    hours = (t - t0) / 3600
    ax.step(hours, p, where="post", lw=0.8)
    ax.set_ylabel("W")
    ax.set_title(f"{label} — {KIND} data, {household.name}", fontsize=9)
axes[-1].set_xlabel(f"hours since local midnight of {day0.date()} ({tz})")
axes[-1].set_xlim(0, 24)
show(fig)'''),
    ("md", """\
## Your own data, from and to pandas

A DataFrame of readings (a DatetimeIndex, one column per channel, the aggregate named) becomes
a Household with `Household.from_pandas`: a tz-aware index, or naive local times localised with
`tz=`; `units="kW"` converts to W; NaN cells mean "no reading". `Household.to_pandas()` and
`Grid.to_pandas()` give UTC-indexed frames back (W; a Grid's index is its interval starts), and
the round trip is exact. Here the frame is the first hour of the household above, in local
time."""),
    ("code", '''\
from nilm.series import Household

frame = household.to_pandas().iloc[:60].tz_convert(household.timezone)  # local time, W
mine = Household.from_pandas(frame, mains="mains", units="W")
back = mine.to_pandas()
assert back.equals(frame.tz_convert("UTC"))  # exact round trip
print(mine)
mine.to_grid(600).to_pandas().round(1)'''),
    ("md", """\
Next: `02_disaggregation.ipynb` (which appliances can be recovered at 1 min and at 30 min),
`03_leakage_study.ipynb` (the five privacy inferences across resolutions) and
`04_my_linky_data.ipynb` (analyse an Enedis export)."""),
]


# ------------------------------------------------------------------------------ 02 disaggregation

NB02 = [
    ("md", """\
# 02 — Disaggregation at 1 min and at 30 min

Trains the disaggregators of `nilm.disaggregate.MODELS` — combinatorial optimisation (`co`,
Hart 1985/1992), the factorial HMM (`fhmm`, Kolter & Johnson 2011, on Ghahramani & Jordan
1997), Hart's edge detector (`hart85`, Hart 1992) and a deliberately tiny sequence-to-point
CNN (`seq2point`, Zhang et al. 2018; needs the torch extra) — and scores them with
`nilm.evaluate.evaluate` at 1 min and at 30 min. `evaluate` always adds the `mean` baseline and
the no-information `prior`, and gives every number a day-block bootstrap 95 % CI (Künsch 1989).

**Which data.** With the real-data excerpts present: the **UCI Sceaux** house
(2006-12-16 → 2007-01-19, real), trained on the first 21 days and tested on the rest (the usual
protocol on this house); its sub-meters are `kitchen`, `laundry` and `water_heater`
(UCI sub-meter 3 = water heater *and* air conditioner). Otherwise a **simulated** household
(8 days, 1 min), trained on the first half. Metric definitions: `docs/metrics.md`."""),
    ("code", SETUP),
    ("code", '''\
from nilm.simulate import simulate_household

UCI = DATA / "uci_household_power_consumption" / "sceaux_2006-12-16_to_2007-01-19"
if UCI.is_dir():
    household = nilm.load(UCI)
    KIND, TRAIN_DAYS = "real", 21.0
    NAMES = None  # every sub-meter
else:
    household = simulate_household(8, seed=0, period=60).household
    KIND, TRAIN_DAYS = "simulated", 4.0
    NAMES = ["fridge", "kettle", "washing_machine", "dishwasher", "water_heater"]
print(f"using {KIND} data: {household}")'''),
    ("code", '''\
from nilm.disaggregate import MODELS
from nilm.evaluate import evaluate, split_time

SEED = 0
PERIODS = (60, 1800)


def make_models() -> dict:
    models = {name: MODELS[name]() for name in ("co", "fhmm", "hart85")}
    try:
        import torch  # noqa: F401  (seq2point needs the torch extra)
    except ImportError:
        print("torch not installed: seq2point skipped")
    else:
        # a toy network (two small conv layers, one epoch) so the notebook runs in seconds on
        # a laptop CPU; it is NOT the paper's model and its scores say nothing about seq2point
        models["seq2point_tiny"] = MODELS["seq2point"](
            window=31, filters=(8, 8), kernels=(5, 5), hidden=16, epochs=1, batch_size=512,
            val_fraction=0.0, device="cpu")
    return models


tables = []
for period in PERIODS:
    grid = household.to_grid(period)
    train, test = split_time(grid, TRAIN_DAYS)
    print(f"{period:>5} s: {len(train)} training and {len(test)} test intervals")
    tables.append(evaluate(make_models(), train, test, names=NAMES, seed=SEED, n_boot=200))
results = pd.concat(tables, ignore_index=True)
results.head()'''),
    ("md", """\
## The tidy table

One row per period × method × target × metric, with its CI. `target == "all"` pools every
appliance (EAC as in Kolter & Johnson 2011). Below: pooled EAC (higher is better), MAE (W) and
on/off F1, with their 95 % CIs."""),
    ("code", '''\
def with_ci(r) -> str:
    return f"{r.value:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}]"


pooled = results[(results.target == "all") & results.metric.isin(["eac", "mae", "f1"])].copy()
pooled["value [95% CI]"] = pooled.apply(with_ci, axis=1)
table = pooled.pivot_table(index="method", columns=["period_s", "metric"],
                           values="value [95% CI]", aggfunc="first")
table'''),
    ("code", '''\
# sanity checks a reader can rely on. A percentile CI need not contain the point estimate: for
# SAE = |sum(pred) - sum(true)| / sum(true) close to 0, every resample's |.| is larger, so the
# CI can lie wholly above the value; only its ordering is guaranteed.
ok = results.dropna(subset=["ci_low", "ci_high"])
assert (ok.ci_low <= ok.ci_high).all()
assert (results[results.metric == "eac"].value.dropna() <= 1).all()
assert {"mean", "prior"} <= set(results.method)'''),
    ("md", """\
## Per-appliance F1 with CI error bars

On/off F1 with the activity rule of `nilm.metrics.on_threshold` (the same energy-based
definition at 1 min and at 30 min). The `prior` bar is what guessing from the training
distribution alone gives."""),
    ("code", '''\
f1 = results[(results.metric == "f1") & (results.target != "all")]
methods = list(dict.fromkeys(f1.method))
targets = list(dict.fromkeys(f1.target))
fig = Figure(figsize=(11, 4))
axes = fig.subplots(1, len(PERIODS), sharey=True)
width = 0.8 / len(methods)
for ax, period in zip(axes, PERIODS):
    sub = f1[f1.period_s == period]
    for i, method in enumerate(methods):
        m = sub[sub.method == method].set_index("target").reindex(targets)
        x = np.arange(len(targets)) + (i - (len(methods) - 1) / 2) * width
        err = np.vstack([m.value - m.ci_low, m.ci_high - m.value]).clip(min=0)
        ax.bar(x, m.value, width, yerr=np.nan_to_num(err), capsize=2, label=method)
    ax.set_xticks(np.arange(len(targets)), targets, rotation=20)
    ax.set_title(f"{period // 60} min — {KIND} data", fontsize=10)
    ax.set_ylim(0, 1)
axes[0].set_ylabel("on/off F1 (95 % CI)")
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=len(methods), fontsize=8,
           bbox_to_anchor=(0.5, -0.08))
fig.suptitle(f"Disaggregation F1 by appliance, {household.name} ({KIND})", fontsize=11)
show(fig)'''),
    ("md", """\
Reading the chart: an algorithm reveals an appliance's use beyond what the training
distribution alone gives only where its bar clears the `prior` bar (and the `mean` baseline)
with CIs that do not overlap. Comparing the two panels appliance by appliance shows what going
from 1-min to 30-min data costs each algorithm. The tiny seq2point is a toy (one epoch, two
small layers); at 30 min it sees about 1,000 training windows (21 days of UCI data) and may
learn little more than the mean.

References: Hart, G. W. (1992), *Proc. IEEE* 80(12); Kolter, J. Z. & Johnson, M. J. (2011),
REDD, SustKDD; Ghahramani, Z. & Jordan, M. I. (1997), *Machine Learning* 29; Zhang, C. et al.
(2018), *AAAI*; Künsch, H. R. (1989), *Ann. Statist.* 17(3)."""),
]


# ------------------------------------------------------------------------------ 03 leakage study

NB03 = [
    ("md", """\
# 03 — The leakage study, in miniature

Runs the study of the report — the five inferences of the CNIL's 2012 list (absence, wake-up
time, appliances used, hot-water energy, number of occupants) scored against ground truth at
several resolutions, each with a bootstrap CI and a **skill** against a no-information prior
(0 = leaks nothing beyond the prior, 1 = perfect) — on a **tiny simulated population**
(3 households × 3 days at 1 min; exact ground truth from `nilm.simulate`), so it runs in about
a minute. The full study is `nilm study` / `make demo` (see `docs/reproducing.md`).

**All data here is simulated.** Numbers from 3 households × 3 days are illustrations of the
pipeline, not results to cite."""),
    ("code", SETUP),
    ("code", '''\
import shutil

from nilm.study import Source, StudySpec, run_study

# the notebook's output folder; a fresh run every time (the study would otherwise resume from
# cells computed with a different spec)
OUT = Path(os.environ.get("NILM_NOTEBOOK_OUT", ROOT / "reports" / "notebooks")) / "03_study"
shutil.rmtree(OUT, ignore_errors=True)

spec = StudySpec(
    name="notebook-03",
    sources=[Source("simulated", kind="simulated", households=3, days=3, period=60, seed=1)],
    resolutions=["native", "10min", "30min"],
    # one occupant-count attack (the random forest classifier) keeps the run short
    methods={"occupants": ["forest"]},
    n_boot=100,
    seed=0,
)
# two worker processes: the study is cut into per-house jobs whose results do not depend on
# where or in which order they run (every cell's seed derives from the study seed and its key)
results = run_study(spec, OUT, workers=2, progress=False)
print(f"{len(results)} rows; columns: {list(results.columns)}")
assert results.simulated.all()'''),
    ("md", """\
## The tidy results table

`OUT/results.csv` has one row per dataset × house × period × inference × method × target ×
metric, with `value`, `ci_low`, `ci_high`, the `prior`'s score, the `skill` and, for timing
errors, the quantisation `floor` (Δ/4 minutes). `OUT/provenance.json` records the package
version, git commit, spec and seed."""),
    ("code", '''\
cols = ["house", "period_s", "inference", "method", "target", "metric", "value", "ci_low",
        "ci_high", "prior", "skill", "floor"]
results[results.metric.isin(["mcc", "within_30min", "mae_kwh_day"])][cols].head(12)'''),
    ("md", """\
## Headline table and report

`nilm.report` summarises each inference by its headline metric (`nilm.plot.HEADLINE`), averaged
over households with a bootstrap CI over households (`nilm.stats.household_bootstrap`: each
household's value, with its prior, resampled; a single household keeps its day-block CI), and
writes `report.md`, a self-contained
`report.html`, `tables.tex` and the figures."""),
    ("code", '''\
from nilm import plot, report

display(report.headline_table(results))
paths = report.write_report(OUT, results=results)
print("written:", *sorted(str(p) for p in paths), sep="\\n  ")
show(plot.leakage_vs_resolution(report.headline_table(results)))'''),
    ("md", """\
## Straight from `results.csv`

The report aggregates; the CSV keeps every household. For instance the absence attacks' MCC
per household and period, with 95 % CIs (the unit of the day-block bootstrap is one local day,
so with 3 days these intervals are wide):"""),
    ("code", '''\
table = pd.read_csv(OUT / "results.csv")
mcc = table[(table.inference == "occupancy") & (table.metric == "mcc")].copy()
mcc["MCC [95% CI]"] = [f"{v:.2f} [{lo:.2f}, {hi:.2f}]"
                       for v, lo, hi in zip(mcc.value, mcc.ci_low, mcc.ci_high)]
mcc.pivot_table(index=["method", "house"], columns="period_s", values="MCC [95% CI]",
                aggfunc="first")'''),
    ("md", """\
What each inference, attack, score and prior is: `docs/inferences.md`; metric definitions and
their papers: `docs/metrics.md`."""),
]


# ------------------------------------------------------------------------------ 04 my linky data

NB04 = [
    ("md", """\
# 04 — What does my Linky data reveal?

A French household can get its own Linky data in several forms, all read by `nilm.load`:

* the **Enedis CSV** export of the customer space ("Mes données de consommation": the load curve at
  10, 15, 30 or 60 min, the daily index file), or the **XLSX** export that replaced it in 2025
  (at most 7 days of hourly data per download);
* a **Data Connect / MyElectricalData JSON** saved from an app or the gateway;
* the supplier's `mes-puissances-atteintes-30min` export;
* a **TIC log** from a dongle on the meter's customer port (1–2 s, apparent power in VA).

A folder of several downloads of one meter is read as one household: merged by meter id (PRM),
overlaps de-duplicated, disagreeing values reported, daily files kept as daily data
(`datasets.md` says how to download each). Everything runs on this computer, and the PRM is
masked except its last 4 digits in everything nilm writes.

To run anywhere, the notebook first **writes example downloads** of a **simulated** household
(`nilm.simulate`): its 30-min Enedis CSV export, an API dump of its last days (overlapping the
CSV) and its daily index. Because the household is simulated we know the truth and can say how
right the attacks are. **To analyse your own data, set `MY_DATA` below to your file or
folder**; the truth-based scores are then skipped."""),
    ("code", SETUP),
    ("code", '''\
import json

from nilm.linky import daily_index, export_enedis, linky
from nilm.simulate import simulate_household

MY_DATA = None  # e.g. Path("~/Downloads/linky/"): a file or a folder of one meter's downloads
STEP = 1800     # s: the step of the example export (Linky: 600, 900, 1800 or 3600)
PRM = "01234567890123"  # the example's meter id (yours is on your bill)

OUT = Path(os.environ.get("NILM_NOTEBOOK_OUT", ROOT / "reports" / "notebooks")) / "04_linky"
OUT.mkdir(parents=True, exist_ok=True)
truth = None
if MY_DATA is None:
    sim = simulate_household(14, seed=4, period=60)
    truth, tz = sim.truth, sim.household.timezone
    curve = linky(sim.household, STEP)
    MY_DATA = OUT / "my_downloads"
    MY_DATA.mkdir(exist_ok=True)
    # 1. the Enedis CSV export: end-labelled local times with UTC offset, W
    export_enedis(curve, MY_DATA / "example_enedis_export.csv", tz=tz, prm=PRM)
    # 2. an API dump of the last 4 days (Data Connect / MyElectricalData): naive local end times
    last = curve.slice(int(curve.t[-1]) - 4 * 86400 + STEP)
    ends = pd.to_datetime(last.t + STEP, unit="s", utc=True).tz_convert(tz)
    readings = [{"value": str(int(v)), "date": e.strftime("%Y-%m-%d %H:%M:%S"),
                 "interval_length": f"PT{STEP // 60}M"}
                for v, e in zip(last.p, ends) if np.isfinite(v)]
    (MY_DATA / "consumption_load_curve.json").write_text(json.dumps({"meter_reading": {
        "usage_point_id": PRM, "reading_type": {"measurement_kind": "power", "unit": "W",
                                                "aggregate": "average"},
        "interval_reading": readings}}, indent=1))
    # 3. the daily index file: the cumulative register (Wh) at each local midnight
    t_mid, wh, _ = daily_index(sim.household, tz, index0=12_000_000)
    rows = [f"{pd.Timestamp(t, unit='s', tz='UTC').tz_convert(tz).isoformat()};"
            f"Arrêté quotidien;{';' * 10}{w};;;;{w}" for t, w in zip(t_mid, wh)]
    (MY_DATA / "index.csv").write_text("\\n".join(
        ["Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
         "Grandeur metier;Etape metier;Unite", f"{PRM};Index;;;Energie active;Consommation;"
         "Comptage Brut;Wh", "", "Horodate;Type de releve;EAS F1;EAS F2;EAS F3;EAS F4;EAS F5;"
         "EAS F6;EAS F7;EAS F8;EAS F9;EAS F10;EAS D1;EAS D2;EAS D3;EAS D4;EAS T", *rows]) + "\\n")
    KIND = "simulated"
else:
    MY_DATA = Path(MY_DATA).expanduser()
    KIND = "real"
print(f"{KIND} data: {MY_DATA}")
for f in sorted(MY_DATA.iterdir()) if MY_DATA.is_dir() else [MY_DATA]:
    print(f"--- {f.name}")
    print("".join(f.read_text(encoding="utf-8", errors="replace")
                  .splitlines(keepends=True)[:5]))'''),
    ("md", """\
## What the files hold

`nilm inspect PATH` prints this summary: the meter (masked), each channel with the rows the files
hold (without the loader's end-of-interval markers), its energy, and what the loader merged,
repaired or skipped (here: the half-hours that the API dump and the CSV both hold). The daily
index becomes a `daily` channel of the same meter."""),
    ("code", '''\
from nilm.inspect import format_summary, household_summary

curve = nilm.load(MY_DATA, cache=False)
print(format_summary(household_summary(curve)))
period = curve.mains.period
grid = curve.to_grid(period)
tz = curve.timezone
print(f"{len(grid)} intervals of {period / 60:g} min, time zone {tz}")'''),
    ("md", """\
**Energy check**: the loaded series gives back exactly the energy of the files — each value times
its own step — and the daily index agrees with the curve, day by day (up to the register's 1 Wh
and the days the curve does not fully cover)."""),
    ("code", '''\
ok = np.isfinite(curve.mains.p)
rows_wh = float(np.sum(curve.mains.p[ok] * curve.mains.holds()[ok]) / 3600)
print(f"load curve: {curve.mains.energy_wh() / 1000:.3f} kWh loaded, {rows_wh / 1000:.3f} kWh "
      "from its rows x their own steps")
if "daily" in curve.extra:
    from nilm.resample import daily_energy

    d_days, d_wh, d_cov = daily_energy(curve.mains, tz, min_coverage=1.0)
    idx = curve.extra["daily"]
    idx_wh = dict(zip(pd.to_datetime(idx.t, unit="s", utc=True).tz_convert(tz).strftime(
        "%Y-%m-%d"), idx.p * idx.holds() / 3600))
    check = pd.DataFrame({"day": [str(d) for d in d_days], "curve (kWh)": d_wh / 1000,
                          "index (kWh)": [idx_wh.get(str(d), np.nan) / 1000 for d in d_days]})
    display(check.dropna().round(3).head(8))'''),
    ("md", """\
## The attacks

Each sees only the aggregate curve (`nilm.privacy`, definitions in `docs/inferences.md`):

* **wake-up and bed time** — `routine.changepoint_wake_bed`: first morning and last evening
  interval above the night base load + 100 W;
* **absences** — `occupancy.occupancy_unsupervised`: base-load and variability thresholds;
* **hot water** — `hot_water.heater_profile` / `daily_energy`: the off-peak (22:00–06:00) step
  of an electric water heater, its daily energy and the litres it heats (V ≈ E·860/ΔT)."""),
    ("code", '''\
from nilm.privacy.hot_water import daily_energy, heater_profile, litres_from_kwh
from nilm.privacy.occupancy import occupancy_unsupervised
from nilm.privacy.routine import changepoint_wake_bed
from nilm.clock import local_clock


def clock(t) -> list:
    return [pd.Timestamp(x, unit="s", tz="UTC").tz_convert(tz).strftime("%H:%M")
            if np.isfinite(x) else "—" for x in t]


days, wake, bed = changepoint_wake_bed(grid, tz)
occupied = occupancy_unsupervised(grid, tz)
profile = heater_profile(grid, tz)
hw_days, hw_kwh = daily_energy(grid, tz, profile)

interval_day, _ = local_clock(grid.t, tz)
absent_h = [float(np.sum(occupied[interval_day == d] == 0) * period / 3600) for d in days]
known_h = [float(np.sum(grid.valid[interval_day == d]) * period / 3600) for d in days]
assert np.array_equal(hw_days, days)
per_day = pd.DataFrame({
    "day": pd.to_datetime(days * 86400, unit="s").date,  # local day numbers -> dates
    "hours of data": known_h, "wake-up": clock(wake), "bed": clock(bed),
    "absent (h)": absent_h, "water heater (kWh)": np.round(hw_kwh, 2),
    "hot water (L)": np.round(litres_from_kwh(hw_kwh)),
})
print(f"water heater detected: {profile['owns']} (step {profile['heater_w']:.0f} W)")
per_day[per_day["hours of data"] >= 12]  # days with at least half a day of data'''),
    ("md", """\
## How right is it? (simulated data only)

With the simulator's ground truth, `nilm.privacy` scores each attack with a day-block bootstrap
CI and a skill against a no-information prior (0 = the curve reveals nothing beyond the prior).
With 14 days the CIs are wide: this is one household, not a study."""),
    ("code", '''\
from nilm import privacy

if truth is not None:
    rows = []
    for inference, method in (("routine", "changepoint"), ("occupancy", "unsupervised"),
                              ("hot_water", "offpeak_step")):
        rows += privacy.INFERENCES[inference](grid, truth, period, method=method, seed=0)
    scores = pd.DataFrame(rows)
    keep = scores.metric.isin(["mae_min", "within_30min", "mcc", "mae_kwh_day"])
    display(scores[keep][["inference", "target", "metric", "value", "ci_low", "ci_high",
                          "prior", "skill", "floor"]].round(3))
else:
    print("real data: no ground truth, only the estimates above")'''),
    ("md", """\
Reading the scores: `skill` > 0 means the curve reveals more than the prior (the same typical
time every day, the household's average daily energy…); a negative skill means this attack on
this household does *worse* than the prior — e.g. when night-time electric heating looks like
an off-peak water heater. `floor` is the Δ/4 quantisation floor of timing errors, minutes."""),
    ("md", """\
## The French report of `nilm linky`

`nilm.linky_report.analyse_export` is what `nilm linky PATH` runs on a file or a folder: the
attacks above (each calendar month at one step analysed on its own) plus an absence detector
trained on simulated households, the same analysis on the curve coarsened to 30 min, 1 h and a
day, written as a Markdown and a self-contained, printable HTML report — in French by default
(`lang="en"` / `nilm linky --lang en` for English, with the same numbers). Each finding quotes
its measured accuracy from the evaluation protocol's `docs/results/headline.csv` at this
step, or says plainly that it is not measured yet. Nothing leaves the machine, and the PRM
appears nowhere in what it writes."""),
    ("code", '''\
from IPython.display import Image, display

from nilm.io.prm import mask_text
from nilm.linky_report import analyse_export

analysis = analyse_export(MY_DATA, OUT / "linky_report", seed=0)  # French by default
print(analysis["household"])
report_md = (OUT / "linky_report" / "linky_report.md").read_text(encoding="utf-8")
# the findings section, each finding with its accuracy and source
print(report_md.split("## Ce que l'on trouve")[1].split("\\n## ")[0])
print("written:", *sorted(str(p) for p in analysis["files"].values()), sep="\\n  ")
written = b"".join(p.read_bytes() for p in analysis["files"].values())
print("PRM in the outputs:", PRM.encode() in written if KIND == "simulated" else "(not checked)")
print("masked as", mask_text(PRM))
display(Image(filename=str(analysis["files"]["figures/carpet.png"])))'''),
    ("code", '''\
# what each resolution gives away: the findings at each step, side by side
print(report_md.split("## Ce que chaque résolution dévoile")[1].split("\\n## ")[0])'''),
    ("code", '''\
# carpet plot: one row per day, colour = power, with the inferred wake-up/bed times and
# absences drawn on (and, for the simulated data, the true ones)
from nilm.figure_data import carpet_data
from nilm.plot import carpet

show(carpet(carpet_data(curve, truth, periods=(None,), label=f"{KIND} Linky data")))'''),
    ("md", """\
The CNIL (2012) warned that a 10-min curve reveals wake-up and bed times, absences, appliances
and hot-water use. Re-run with `STEP = 600` to compare with the 30-min curve, or point `MY_DATA`
at your own downloads."""),
]

NOTEBOOKS = {
    "01_quickstart.ipynb": NB01,
    "02_disaggregation.ipynb": NB02,
    "03_leakage_study.ipynb": NB03,
    "04_my_linky_data.ipynb": NB04,
}


def build(cells) -> nbformat.NotebookNode:
    """A notebook with no outputs from ``[(kind, source), ...]``; cell ids are derived from the
    position so regenerating gives identical bytes."""
    nb = new_notebook(metadata={"kernelspec": dict(KERNELSPEC),
                                "language_info": {"name": "python"}})
    for i, (kind, src) in enumerate(cells):
        cell = new_markdown_cell(src) if kind == "md" else new_code_cell(src)
        cell["id"] = f"cell-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(cells) -> str:
    return nbformat.writes(build(cells)) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a notebook on disk differs from what would be written")
    parser.add_argument("--out", type=Path, default=NOTEBOOK_DIR, help="notebook folder")
    args = parser.parse_args(argv)
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = args.out / name
        text = render(cells)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    if stale:
        print("out of date (run python scripts/make_notebooks.py):", *stale, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
