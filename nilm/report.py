"""The leakage-study report: Markdown, self-contained HTML, LaTeX tables and PNG figures, all
generated from ``OUT/results.csv`` and ``OUT/provenance.json`` (:func:`nilm.study.run_study`).

What the numbers are
--------------------
Each row of ``results.csv`` scores one attack on one household (or, for the occupant count, one
population) at one period, with a day-block bootstrap 95 % CI (Künsch 1989) and a skill against a
no-information prior (:mod:`nilm.privacy.scores`). The report summarises a (dataset, period,
metric) over its households with :func:`aggregate`:

* value: mean over households (and over appliances for the appliance inference);
* 95 % CI: a two-stage bootstrap (Davison & Hinkley 1997, §3.8): households are resampled with
  replacement and each drawn household's value is redrawn from a normal matching its own
  day-block CI, so the interval holds both the spread between households and the uncertainty
  within each; with a single household it is that household's own CI;
* skill: recomputed from the mean value and the mean prior (``1 − error/error_prior`` for
  errors, ``(score − prior)/(1 − prior)`` for scores), its CI by the same (monotone) transform
  of the value's CI.

Each inference is summarised by one **attack**, the one with the best median skill over all
periods of that dataset (:func:`best_method`) — chosen once per curve, not per point, so the
curve does not ride on the luckiest attack at each period.

References
----------
Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
Annals of Statistics 17(3), 1217–1241.
Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application. Cambridge
University Press. (§3.8, hierarchical data)
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_open
from .labels import HEADLINE, INFERENCE_LABELS, data_label, period_label, truthy
from .privacy.scores import is_error_metric, skill

#: periods (s) the headline sentences are written for: the Enedis 10-min and 30-min curves
HEADLINE_PERIODS = (600, 1800)

_SHARE_METRICS = ("within_", "coverage", "correct")


def _bounds(metric: str) -> tuple[float, float]:
    if is_error_metric(metric):
        return 0.0, math.inf
    return (-1.0, 1.0) if metric.endswith("mcc") else (0.0, 1.0)


def _two_stage_ci(values, lo, hi, metric: str, rng, n_boot: int) -> tuple[float, float]:
    v = np.asarray(values, float)
    sd = np.nan_to_num((np.asarray(hi, float) - np.asarray(lo, float)) / (2 * 1.959964))
    pick = rng.integers(0, len(v), size=(n_boot, len(v)))
    draws = np.clip(v[pick] + sd[pick] * rng.standard_normal(pick.shape), *_bounds(metric))
    means = draws.mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def aggregate(rows: pd.DataFrame, by: list[str], *, seed: int = 0,
              n_boot: int = 2000) -> pd.DataFrame:
    """Summarise result rows over households (see the module notes).

    Parameters
    ----------
    rows : tidy rows of one metric (columns ``metric``, ``value``, ``ci_low``, ``ci_high``,
        ``prior``, ``skill``, ``house``, ``n``).
    by : grouping columns (e.g. ``["period_s"]``); each group must hold one metric.
    seed : seed of the two-stage bootstrap (``numpy.random.default_rng``).
    n_boot : bootstrap replicates.

    Returns
    -------
    DataFrame: ``by`` columns then ``metric``, ``value``, ``ci_low``, ``ci_high``, ``prior``,
    ``skill``, ``skill_lo``, ``skill_hi``, ``houses`` (distinct households), ``units`` (rows
    averaged), ``n`` (sum of the rows' n). Rows whose value is NaN are left out of the mean.
    """
    out = []
    for key, g in rows.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        metrics = g["metric"].unique()
        if len(metrics) != 1:
            raise ValueError(f"group {key} mixes metrics {list(metrics)}")
        metric = str(metrics[0])
        g = g[np.isfinite(g["value"].to_numpy(float))]
        rec = dict(zip(by, key, strict=True))
        rec.update(metric=metric, value=math.nan, ci_low=math.nan, ci_high=math.nan,
                   prior=math.nan, skill=math.nan, skill_lo=math.nan, skill_hi=math.nan,
                   houses=int(g.loc[g["house"].astype(str) != "*", "house"].nunique()),
                   units=len(g),
                   n=int(np.nansum(g["n"].to_numpy(float))))
        if len(g):
            v = g["value"].to_numpy(float)
            lo, hi = g["ci_low"].to_numpy(float), g["ci_high"].to_numpy(float)
            value = float(v.mean())
            if len(g) == 1:
                ci = (float(lo[0]), float(hi[0]))
            else:
                rng = np.random.default_rng(seed)
                ci = _two_stage_ci(v, lo, hi, metric, rng, n_boot)
            pr = g["prior"].to_numpy(float)
            prior = float(pr[np.isfinite(pr)].mean()) if np.isfinite(pr).any() else math.nan
            has_skill = np.isfinite(g["skill"].to_numpy(float)).any()
            sk = skill(metric, value, prior) if has_skill else math.nan
            s_a, s_b = (skill(metric, ci[0], prior), skill(metric, ci[1], prior)) if has_skill \
                else (math.nan, math.nan)
            rec.update(value=value, ci_low=ci[0], ci_high=ci[1], prior=prior, skill=sk,
                       skill_lo=min(s_a, s_b), skill_hi=max(s_a, s_b))
        out.append(rec)
    cols = list(by) + ([] if "metric" in by else ["metric"]) + [
        "value", "ci_low", "ci_high", "prior", "skill", "skill_lo", "skill_hi", "houses",
        "units", "n"]
    return pd.DataFrame(out, columns=cols)


def best_method(rows: pd.DataFrame) -> str:
    """The attack with the highest median skill over ``rows`` (ties: alphabetical; all skills
    NaN: the alphabetically first attack)."""
    med = {}
    for m, g in rows.groupby("method", sort=True):
        s = g["skill"].to_numpy(float)
        med[m] = float(np.median(s[np.isfinite(s)])) if np.isfinite(s).any() else -math.inf
    if not med:
        raise ValueError("no rows to choose an attack from")
    return max(sorted(med), key=lambda m: med[m])


def dedupe_native(results: pd.DataFrame) -> pd.DataFrame:
    """Drop ``native`` rows of a dataset at a period that a named resolution also covers (e.g.
    UCI's native 60 s and ``1min``), so no point is counted twice."""
    if "resolution" not in results.columns:
        return results
    named = results[results["resolution"] != "native"]
    seen = set(zip(named["dataset"], named["period_s"].astype(float), strict=True))
    covered = np.array([(d, float(p)) in seen for d, p in zip(
        results["dataset"], results["period_s"], strict=True)], dtype=bool)
    dup = (results["resolution"] == "native").to_numpy(bool) & covered
    return results[~dup]


def headline_table(results: pd.DataFrame, *, headline: dict | None = None,
                   seed: int = 0) -> pd.DataFrame:
    """Each inference's headline metric (:data:`nilm.labels.HEADLINE`) per dataset and period,
    aggregated over households with :func:`aggregate`, for the attack :func:`best_method`.

    Returns a DataFrame with columns ``simulated``, ``dataset``, ``inference``, ``method``,
    ``target`` and the columns of :func:`aggregate` (grouped by ``period_s``).
    """
    headline = HEADLINE if headline is None else headline
    results = dedupe_native(results)
    parts = []
    for inf, (target, metric) in headline.items():
        r = results[(results["inference"] == inf) & (results["metric"] == metric)]
        if target is not None:
            r = r[r["target"] == target]
        for (sim, ds), g in r.groupby(["simulated", "dataset"], sort=True):
            method = best_method(g)
            a = aggregate(g[g["method"] == method], ["period_s"], seed=seed)
            a.insert(0, "target", target if target is not None else "all")
            a.insert(0, "method", method)
            a.insert(0, "inference", inf)
            a.insert(0, "dataset", ds)
            a.insert(0, "simulated", truthy(sim))
            parts.append(a)
    if not parts:
        return pd.DataFrame(columns=["simulated", "dataset", "inference", "method", "target",
                                     "period_s", "metric", "value", "ci_low", "ci_high",
                                     "prior", "skill", "skill_lo", "skill_hi", "houses",
                                     "units", "n"])
    return pd.concat(parts, ignore_index=True)


def appliance_detectability(results: pd.DataFrame, *, metric: str = "day_use_mcc",
                            dataset: str | None = None, method: str | None = None
                            ) -> pd.DataFrame:
    """The appliance inference of one dataset and attack, per appliance and period, aggregated
    over households with :func:`aggregate` (what :func:`nilm.plot.detectability_heatmap`
    draws).

    Parameters
    ----------
    results : tidy study table.
    metric : appliance metric (``"day_use_mcc"``, ``"day_use_f1"`` or ``"event_f1"``).
    dataset : dataset (default: the first, simulated datasets first).
    method : attack (default: ``"direct"``, which scores every appliance, when present; else
        the one with the best median skill, :func:`best_method`).

    Returns
    -------
    DataFrame with columns ``simulated``, ``dataset``, ``method``, ``target``, ``period_s`` and
    those of :func:`aggregate`.
    """
    from .privacy.appliances import DIRECT

    missing = [c for c in ("dataset", "simulated", "period_s", "inference", "target", "metric",
                           "value", "prior", "method") if c not in results.columns]
    if missing:
        raise ValueError(f"results lack the columns {missing}")
    r = results[(results["inference"] == "appliances") & (results["metric"] == metric)]
    if r.empty:
        raise ValueError(f"no appliance rows with metric {metric!r}")
    if dataset is None:
        dataset = min(zip(r["simulated"], r["dataset"], strict=True),
                      key=lambda x: (not truthy(x[0]), str(x[1])))[1]
    r = r[r["dataset"] == dataset]
    if r.empty:
        raise ValueError(f"no appliance rows for dataset {dataset!r}")
    if method is None:
        # the direct detector scores every appliance, a disaggregator only the few with the
        # most energy: the map defaults to the former
        method = DIRECT if DIRECT in set(r["method"]) else best_method(r)
    r = r[r["method"] == method]
    agg = aggregate(r, by=["target", "period_s"])
    agg.insert(0, "method", method)
    agg.insert(0, "dataset", dataset)
    agg.insert(0, "simulated", truthy(r["simulated"].iloc[0]))
    return agg


# ----------------------------------------------------------------------------- formatting


def fmt_number(v: float, metric: str = "") -> str:
    """A value as the report prints it: shares as %, others with 2–3 significant digits."""
    if v is None or not math.isfinite(float(v)):
        return "–"
    v = float(v)
    if str(metric).startswith(_SHARE_METRICS):
        return f"{100 * v:.0f} %"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ci(value, lo, hi, metric: str = "") -> str:
    """``"value [lo, hi]"``; shares as ``"62 % [55, 69]"``."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    if str(metric).startswith(_SHARE_METRICS):
        b = ("–" if not math.isfinite(float(x)) else f"{100 * float(x):.0f}" for x in (lo, hi))
        return f"{fmt_number(value, metric)} [{', '.join(b)}]"
    return (f"{fmt_number(value, metric)} [{fmt_number(lo, metric)}, "
            f"{fmt_number(hi, metric)}]")


_PHRASES = {
    "occupancy": "occupied vs absent told apart with MCC {v}",
    "routine": "within ±30 min on {v} of days",
    "appliances": "the days each appliance was used told apart with MCC {v}",
    "hot_water": "daily water-heater energy within {v} kWh/day (MAE)",
    "occupants": "occupant count with balanced accuracy {v}",
}


def _sentence(inf: str, rows: pd.DataFrame, native_period: float | None) -> str:
    """One plain-words sentence for an inference from its headline rows of one dataset."""
    parts = []
    for k, p in enumerate(HEADLINE_PERIODS):
        r = rows[rows["period_s"].astype(float) == float(p)]
        where = f"at {period_label(p)}"
        if r.empty:
            why = (f" (the data's native period is {period_label(native_period)})"
                   if native_period and native_period > p else "")
            parts.append(f"not measured {where}{why}")
            continue
        if not math.isfinite(float(r["value"].iloc[0])):
            parts.append(f"no score {where} (no day with ground truth to score)")
            continue
        x = r.iloc[0]
        ci = fmt_ci(x["value"], x["ci_low"], x["ci_high"], x["metric"])
        # the first period carries the phrase, the next ones only their numbers
        text = _PHRASES.get(inf, "{v}").format(v=ci) if k == 0 else ci
        sk = "–" if not math.isfinite(float(x["skill"])) else f"{float(x['skill']):.2f}"
        parts.append(f"{text} {where} (skill {sk})")
    extra = ""
    if inf == "appliances" and not rows.empty:
        extra = f", mean over {int(rows['units'].max())} household × appliance pairs"
    return f"{INFERENCE_LABELS.get(inf, inf)}: " + ", ".join(parts) + extra


def headline_sentences(results: pd.DataFrame, *, seed: int = 0) -> list[dict]:
    """Plain-words headline per (dataset, inference): what a 10-min and a 30-min curve reveal.

    Returns a list of dicts with ``label`` (real/simulated and dataset), ``dataset``,
    ``simulated``, ``inference``, ``method``, ``sentence`` and the numbers used (``rows``: the
    headline rows at every period, a DataFrame)."""
    tab = headline_table(results, seed=seed)
    natives = {}
    if "resolution" in results.columns:
        nat = results[results["resolution"] == "native"]
        natives = nat.groupby("dataset")["period_s"].min().astype(float).to_dict()
    out = []
    order = list(INFERENCE_LABELS)
    for (sim, ds), g in sorted(tab.groupby(["simulated", "dataset"], sort=True),
                               key=lambda x: (not truthy(x[0][0]), x[0][1])):
        for inf, gi in sorted(g.groupby("inference"), key=lambda x: order.index(x[0])
                              if x[0] in order else 99):
            out.append({"label": data_label(sim, ds), "dataset": ds, "simulated": truthy(sim),
                        "inference": inf, "method": gi["method"].iloc[0],
                        "sentence": _sentence(inf, gi, natives.get(ds)), "rows": gi})
    return out


HOW_TO_READ = [
    "Skill 0 means the curve leaks nothing beyond a no-information prior (e.g. the household's "
    "typical wake-up time, the population-average hot-water use, the always-'absent' guess); "
    "skill 1 is a perfect inference. Negative skill: the attack does worse than the prior.",
    "Brackets are 95 % confidence intervals: day-block bootstrap within each household "
    "(Künsch 1989), combined over households by a two-stage bootstrap (Davison & Hinkley 1997).",
    "Timing errors cannot beat the quantisation floor of period/4 (an attacker who knows the "
    "right interval but not when inside it).",
    "'Simulated' numbers come from nilm.simulate households with exact ground truth; 'real' "
    "numbers come from measured datasets whose ground truth is a sub-meter proxy (see "
    "docs/inferences.md). The two are never pooled.",
    "Headline metrics: absence — MCC of occupied vs absent intervals; wake-up — share of days "
    "found within ±30 min; appliances — MCC of used vs unused days, mean over the sub-metered "
    "appliances (day-use F1 is in the tables: its 'used every day' prior is near 1 for daily "
    "appliances, which makes its skill ill-conditioned); hot "
    "water — MAE of the water heater's daily energy (kWh/day); occupants — balanced accuracy. "
    "Each uses the attack with the best median skill over all resolutions of that dataset "
    "(chosen once per curve, named after each headline).",
]


# ----------------------------------------------------------------------------- documents


def _tex_escape(text) -> str:
    out = []
    for ch in str(text):
        out.append({"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                    "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                    "^": r"\textasciicircum{}", "±": r"$\pm$", "–": "--",
                    "×": r"$\times$"}.get(ch, ch))
    return "".join(out)


def inference_tables(results: pd.DataFrame, *, seed: int = 0) -> dict[str, dict]:
    """Per inference: ``{"columns": [period_s…], "groups": [(label, houses, rows)]}`` where each
    row is ``(target, metric, method, {period_s: "value [lo, hi]"})``, aggregated over
    households with :func:`aggregate`."""
    results = dedupe_native(results)
    out = {}
    order = list(INFERENCE_LABELS) + sorted(set(results["inference"]) - set(INFERENCE_LABELS))
    for inf in order:
        r = results[results["inference"] == inf]
        if r.empty:
            continue
        cols = sorted({float(p) for p in r["period_s"]})
        groups = []
        for (sim, ds), g in sorted(r.groupby(["simulated", "dataset"], sort=True),
                                   key=lambda x: (not truthy(x[0][0]), x[0][1])):
            a = aggregate(g, ["target", "metric", "method", "period_s"], seed=seed)
            rows = []
            for (target, metric, method), ga in a.groupby(["target", "metric", "method"],
                                                          sort=True):
                cells = {float(x["period_s"]): fmt_ci(x["value"], x["ci_low"], x["ci_high"],
                                                      metric) for _, x in ga.iterrows()}
                rows.append((str(target), str(metric), str(method), cells))
            groups.append((data_label(sim, ds),
                           int(g.loc[g["house"].astype(str) != "*", "house"].nunique()), rows))
        out[inf] = {"columns": cols, "groups": groups}
    return out


def latex_tables(tables: dict[str, dict], provenance: dict) -> str:
    """Booktabs LaTeX, one ``table`` per inference: rows = target / metric / attack, columns =
    resolutions, cells ``value [lo, hi]``; captions carry the data labels, date and version."""
    version = provenance.get("nilm_version", "?")
    date = provenance.get("created_utc", "?")
    lines = ["% generated by nilm.report from results.csv; needs \\usepackage{booktabs}",
             f"% nilm {version}, {date}, git {provenance.get('git_commit') or 'unknown'}", ""]
    for inf, t in tables.items():
        cols = t["columns"]
        labels = sorted({g[0] for g in t["groups"]})
        lines += [r"\begin{table}[htbp]", r"\centering", r"\small",
                  r"\caption{" + _tex_escape(
                      f"{INFERENCE_LABELS.get(inf, inf)}: value [95 % CI] by resolution; "
                      f"data: {'; '.join(labels)}. Mean over households, two-stage bootstrap "
                      f"CI. nilm {version}, {date}.") + "}",
                  r"\label{tab:" + inf.replace("_", "-") + "}",
                  r"\begin{tabular}{lll" + "c" * len(cols) + "}", r"\toprule",
                  "target & metric & attack & " + " & ".join(
                      _tex_escape(period_label(p)) for p in cols) + r" \\", r"\midrule"]
        for k, (label, houses, rows) in enumerate(t["groups"]):
            if k:
                lines.append(r"\midrule")
            lines.append(r"\multicolumn{" + str(3 + len(cols)) + r"}{l}{\emph{" + _tex_escape(
                f"{label}, {houses} household{'s' if houses != 1 else ''}") + r"}} \\")
            for target, metric, method, cells in rows:
                lines.append(" & ".join([_tex_escape(target), _tex_escape(metric),
                                         _tex_escape(method)]
                                        + [_tex_escape(cells.get(p, "–")) for p in cols])
                             + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(lines)


class Document:
    """A tiny document model rendered to both Markdown and HTML, so the two say the same."""

    def __init__(self):
        self.blocks = []

    def h(self, level, text):
        self.blocks.append(("h", level, text))

    def p(self, text):
        self.blocks.append(("p", text))

    def ul(self, items):
        self.blocks.append(("ul", list(items)))

    def table(self, header, rows):
        self.blocks.append(("table", list(header), [list(r) for r in rows]))

    def fig(self, rel, caption, png):
        self.blocks.append(("fig", rel, caption, png))

    def markdown(self) -> str:
        out = []
        for b in self.blocks:
            if b[0] == "h":
                out.append("#" * b[1] + " " + b[2])
            elif b[0] == "p":
                out.append(b[1])
            elif b[0] == "ul":
                out.append("\n".join(f"- {x}" for x in b[1]))
            elif b[0] == "table":
                esc = [[str(c).replace("|", "\\|") for c in r] for r in [b[1]] + b[2]]
                out.append("\n".join(["| " + " | ".join(esc[0]) + " |",
                                      "|" + "---|" * len(esc[0])]
                                     + ["| " + " | ".join(r) + " |" for r in esc[1:]]))
            elif b[0] == "fig":
                out.append(f"![{b[2]}]({b[1]})\n\n*{b[2]}*")
        return "\n\n".join(out) + "\n"

    def html(self, title: str) -> str:
        e = html.escape
        body = []
        for b in self.blocks:
            if b[0] == "h":
                body.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
            elif b[0] == "p":
                body.append(f"<p>{e(b[1])}</p>")
            elif b[0] == "ul":
                body.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in b[1]) + "</ul>")
            elif b[0] == "table":
                head = "".join(f"<th>{e(str(c))}</th>" for c in b[1])
                rows = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>"
                               for r in b[2])
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
                            "</table>")
            elif b[0] == "fig":
                data = base64.b64encode(b[3]).decode("ascii")
                body.append(f'<figure><img alt="{e(b[2])}" src="data:image/png;base64,{data}">'
                            f"<figcaption>{e(b[2])}</figcaption></figure>")
        style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
                 "line-height:1.45}table{border-collapse:collapse;margin:1em 0;font-size:90%}"
                 "th,td{border:1px solid #bbb;padding:3px 7px;text-align:left}"
                 "th{background:#eee}img{max-width:100%}figcaption{font-style:italic}")
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{e(title)}</title><style>{style}</style></head><body>\n"
                + "\n".join(body) + "\n</body></html>\n")


def _read_inputs(out: Path, results, provenance):
    if results is None:
        path = out / "results.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no results table (run nilm study first)")
        results = pd.read_csv(path)
    if provenance is None:
        path = out / "provenance.json"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no provenance record (run nilm study first)")
        with open(path) as f:
            provenance = json.load(f)
    needed = {"dataset", "house", "period_s", "inference", "method", "target", "metric",
              "value", "ci_low", "ci_high", "n", "prior", "skill", "simulated"}
    missing = sorted(needed - set(results.columns))
    if missing:
        raise ValueError(f"results lack the columns {missing}")
    if results.empty:
        raise ValueError("results are empty: nothing to report")
    return results, provenance


def write_report(out_dir, *, results: pd.DataFrame | None = None,
                 provenance: dict | None = None, figures: bool = True,
                 extra_figures: dict | None = None, seed: int = 0) -> dict[str, Path]:
    """Write ``report.md``, a self-contained ``report.html``, ``tables.tex`` and ``figures/``.

    Parameters
    ----------
    out_dir : the study's output folder (reads ``results.csv`` and ``provenance.json`` there
        unless given).
    results : the tidy results table (default: ``out_dir/results.csv``).
    provenance : the provenance record (default: ``out_dir/provenance.json``); an optional
        ``notes`` list (e.g. skipped datasets or resolutions) is printed in the report.
    figures : draw the figures (leakage vs resolution, appliance heat maps).
    extra_figures : ``{name: (Figure, caption)}`` drawn elsewhere (carpet plots, disaggregation
        examples), saved as ``figures/<name>.png`` and embedded after the others.
    seed : seed of the two-stage bootstrap over households.

    Returns
    -------
    ``{"report.md": path, "report.html": path, "tables.tex": path, "figures/<name>.png": path…}``.
    Every file is written atomically.
    """
    from . import plot

    out = Path(out_dir)
    results, provenance = _read_inputs(out, results, provenance)
    written: dict[str, Path] = {}
    version = provenance.get("nilm_version", "?")
    date = provenance.get("created_utc", "?")
    per_house = results[results["house"].astype(str) != "*"]
    datasets = (per_house.groupby(["simulated", "dataset"])["house"].nunique().reset_index())
    doc = Document()
    doc.h(1, "How much does a load curve reveal? Leakage by resolution")
    doc.p(f"Generated by nilm {version} on {date} (git {provenance.get('git_commit') or 'unknown'}"
          f", study seed {provenance.get('spec', {}).get('seed', '?')}).")
    doc.h(2, "Data")
    doc.table(["dataset", "real or simulated", "households", "periods (s)"],
              [[ds, "simulated" if truthy(sim) else "real", int(n),
                ", ".join(f"{p:g}" for p in sorted(set(results.loc[
                    results["dataset"] == ds, "period_s"].astype(float))))]
               for sim, ds, n in datasets.itertuples(index=False)])
    for note in provenance.get("notes", []):
        doc.p(f"Note: {note}")
    doc.h(2, "Headline: what a 10-min and a 30-min curve reveal")
    sentences = headline_sentences(results, seed=seed)
    for label in dict.fromkeys(s["label"] for s in sentences):
        doc.h(3, f"Data: {label}")
        doc.ul(s["sentence"] + f" [attack: {s['method']}]" for s in sentences
               if s["label"] == label)
    doc.h(2, "How to read")
    doc.ul(HOW_TO_READ)
    figs = []
    if figures:
        figs.append(("leakage_vs_resolution",
                     plot.leakage_vs_resolution(headline_table(results, seed=seed)),
                     "Skill of each inference's headline metric against the resolution, 95 % "
                     "CI bands; one panel per dataset, labelled real or simulated."))
        app = dedupe_native(results)
        app = app[app["inference"] == "appliances"]
        for ds in sorted(set(app["dataset"])):
            if not app[(app["dataset"] == ds) & (app["metric"] == "day_use_mcc")].empty:
                sim = app.loc[app["dataset"] == ds, "simulated"].iloc[0]
                figs.append((f"detectability_{_slug(ds)}",
                             plot.detectability_heatmap(appliance_detectability(app,
                                                                                dataset=ds)),
                             f"Appliance × resolution detectability (day-use MCC), "
                             f"{data_label(sim, ds)}."))
    for name, (fig, caption) in (extra_figures or {}).items():
        figs.append((name, fig, caption))
    if figs:
        doc.h(2, "Figures")
        for name, fig, caption in figs:
            rel = f"figures/{name}.png"
            png = plot.png_bytes(fig)
            with atomic_open(out / rel, "wb") as f:
                f.write(png)
            written[rel] = out / rel
            doc.fig(rel, caption, png)
    tables = inference_tables(results, seed=seed)
    doc.h(2, "All results by inference")
    doc.p("Value [95 % CI], mean over households; every attack and metric. Metric "
          "definitions: docs/inferences.md.")
    for inf, t in tables.items():
        doc.h(3, INFERENCE_LABELS.get(inf, inf))
        header = ["data", "target", "metric", "attack"] + [period_label(p) for p in
                                                           t["columns"]]
        rows = [[label, target, metric, method] + [cells.get(p, "–") for p in t["columns"]]
                for label, _, grp in t["groups"] for target, metric, method, cells in grp]
        doc.table(header, rows)
    title = "nilm leakage report"
    with atomic_open(out / "report.md", "w", encoding="utf-8") as f:
        f.write(doc.markdown())
    with atomic_open(out / "report.html", "w", encoding="utf-8") as f:
        f.write(doc.html(title))
    with atomic_open(out / "tables.tex", "w", encoding="utf-8") as f:
        f.write(latex_tables(tables, provenance))
    written.update({"report.md": out / "report.md", "report.html": out / "report.html",
                    "tables.tex": out / "tables.tex"})
    return written


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(text)).strip("_").lower() or "data"


__all__ = ["HEADLINE_PERIODS", "HOW_TO_READ", "aggregate", "appliance_detectability",
           "best_method", "dedupe_native", "fmt_ci", "fmt_number", "headline_sentences",
           "headline_table", "inference_tables", "latex_tables",
           "write_report"]
