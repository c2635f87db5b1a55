"""Figures of the leakage study (matplotlib, Agg backend, deterministic).

Every function takes tables and arrays computed by the caller (the summaries of
:mod:`nilm.report`, the dicts of :mod:`nilm.figure_data`), returns a
:class:`matplotlib.figure.Figure`, never runs an attack or fits a model, and never reads or
writes files: saving is the caller's job
(:func:`save_png` writes atomically and without a timestamp, so the same figure gives the same
bytes). Every figure states in its title whether the data is **real** or **simulated**.

* :func:`leakage_vs_resolution` — skill of each inference's headline metric against the period;
* :func:`detectability_heatmap` — appliance × resolution detectability;
* :func:`carpet` — days × time-of-day carpet of one household at several periods, with the
  inferred and true wake-up / bed times and absences drawn on;
* :func:`disaggregation_example` — one day of mains, true and predicted appliance power at two
  periods with a classical disaggregator.

The figures draw the report's own summaries (:func:`nilm.report.headline_table`,
:func:`nilm.report.appliance_detectability`), so the figures and the tables show the same
numbers.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd

# Figures are built as plain Figure objects (never through pyplot's global state), so importing
# this module leaves the user's backend alone (inline plots in Jupyter keep working) and
# rendering works headless.
from matplotlib.figure import Figure

from .atomic import atomic_path
from .labels import INFERENCE_LABELS, data_label, period_label, truthy
from .signal import run_pairs

#: lowest skill drawn in the leakage figure (lower values are marked at this floor)
SKILL_FLOOR = -1.0


def _new_figure(w: float, h: float, nrows: int = 1, ncols: int = 1, **kw):
    # a Figure not registered with pyplot: nothing global to close, safe in threads
    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def save_png(fig: Figure, path) -> None:
    """Write ``fig`` as a PNG atomically, without a creation date (reproducible bytes)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None}, bbox_inches="tight")


def png_bytes(fig: Figure) -> bytes:
    """The PNG bytes of ``fig`` (for embedding in HTML)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None}, bbox_inches="tight")
    return buf.getvalue()


def _check_table(table: pd.DataFrame, needed) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks the columns {missing}")
    if table.empty:
        raise ValueError("table is empty: nothing to plot")


def _log_period_axis(ax, periods) -> None:
    ax.set_xscale("log")
    ps = sorted({float(p) for p in periods})
    labels, last = [], None
    for p in ps:
        # neighbours closer than a factor 1.6 (10 and 15 min) would print over each other
        if last is not None and p / last < 1.6:
            labels.append("")
        else:
            labels.append(period_label(p))
            last = p
    ax.set_xticks(ps)
    ax.set_xticklabels(labels, rotation=45, ha="right")
    ax.minorticks_off()
    ax.set_xlim(ps[0] / 1.6, ps[-1] * 1.6)
    ax.set_xlabel("resolution (period of the load curve, log scale)")


def leakage_vs_resolution(table: pd.DataFrame) -> Figure:
    """Skill of each inference's headline metric against the period, with 95 % CI bands.

    Parameters
    ----------
    table : the headline table, :func:`nilm.report.headline_table` of the study's results:
        columns ``simulated``, ``dataset``, ``inference``, ``period_s`` (s), ``metric``,
        ``skill``, ``skill_lo``, ``skill_hi`` and ``houses``, one row per (dataset, inference,
        period).

    Returns
    -------
    Figure with one panel per dataset (titled real or simulated), x = period (log scale,
    labelled 2 s … 1 day), y = skill (0 = nothing beyond the no-information prior, 1 = perfect),
    one line per inference.
    """
    _check_table(table, ("simulated", "dataset", "inference", "period_s", "metric", "skill",
                         "skill_lo", "skill_hi", "houses"))
    groups = list(table.groupby(["simulated", "dataset"], sort=True))
    # simulated first: it is the reference population
    groups.sort(key=lambda g: (not truthy(g[0][0]), g[0][1]))
    ncols = min(3, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = _new_figure(5.2 * ncols, 4.2 * nrows, nrows, ncols, sharey=True)
    flat = list(axes.ravel())
    for ax in flat[len(groups):]:
        fig.delaxes(ax)
    colors = matplotlib.colormaps["tab10"]
    order = list(INFERENCE_LABELS)
    for ax, ((sim, ds), g) in zip(flat, groups, strict=False):
        for inf, gi in sorted(g.groupby("inference"), key=lambda x: order.index(x[0])
                              if x[0] in order else 99):
            gi = gi.sort_values("period_s")
            c = colors(order.index(inf) % 10 if inf in order else 9)
            x = gi["period_s"].to_numpy(float)
            y = gi["skill"].to_numpy(float)
            # an attack far worse than its prior would squash every other line: such points
            # are drawn at the floor with a down-pointing marker
            low = y < SKILL_FLOOR
            ax.plot(x, np.maximum(y, SKILL_FLOOR), "o-", color=c, lw=1.6, ms=4,
                    label=f"{INFERENCE_LABELS.get(inf, inf)} ({gi['metric'].iloc[0]})")
            if low.any():
                ax.plot(x[low], np.full(low.sum(), SKILL_FLOOR), "v", color=c, ms=9,
                        label="_nolegend_")
            ax.fill_between(x, np.clip(gi["skill_lo"].to_numpy(float), SKILL_FLOOR, 1.0),
                            np.clip(gi["skill_hi"].to_numpy(float), SKILL_FLOOR, 1.0),
                            color=c, alpha=0.18, lw=0)
        ax.axhline(0.0, color="0.4", lw=0.8, ls=":")
        _log_period_axis(ax, g["period_s"].to_numpy(float))
        n_h = int(g["houses"].max())
        ax.set_title(f"{data_label(sim, ds)}: {n_h} household{'s' if n_h != 1 else ''}",
                     fontsize=10)
        ax.set_ylim(SKILL_FLOOR - 0.08, 1.05)
        ax.grid(alpha=0.3)
    for row in axes:
        row[0].set_ylabel("skill (0 = prior, 1 = perfect)")
    handles = {}
    for ax in flat[:len(groups)]:
        for hnd, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, hnd)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center",
               ncol=min(3, len(handles)), fontsize=8)
    fig.suptitle("What a load curve reveals, by resolution (95 % CI bands; ▼: skill below "
                 f"{SKILL_FLOOR:g})", fontsize=11)
    return fig


def detectability_heatmap(table: pd.DataFrame, *, value: str = "skill") -> Figure:
    """Appliance × resolution heat map of the appliance inference.

    Parameters
    ----------
    table : :func:`nilm.report.appliance_detectability` of the study's results: one dataset,
        attack and metric; columns ``simulated``, ``dataset``, ``method``, ``metric``,
        ``target`` (appliance), ``period_s`` and the means over households ``value`` and
        ``skill``.
    value : ``"skill"`` (default) or ``"value"`` (the raw score).

    Returns
    -------
    Figure: rows = appliances, columns = periods (labelled), colour = mean over households;
    each cell annotated with its number. Title says real or simulated and the attack.
    """
    if value not in ("skill", "value"):
        raise ValueError(f"value must be 'skill' or 'value', not {value!r}")
    _check_table(table, ("simulated", "dataset", "method", "metric", "target", "period_s",
                         value))
    metric, method = str(table["metric"].iloc[0]), str(table["method"].iloc[0])
    sim, dataset = table["simulated"].iloc[0], table["dataset"].iloc[0]
    pivot = table.pivot(index="target", columns="period_s", values=value).sort_index()
    periods = list(pivot.columns)
    fig, axes = _new_figure(1.2 + 0.9 * len(periods), 1.2 + 0.35 * len(pivot), 1, 1)
    ax = axes[0][0]
    m = pivot.to_numpy(float)
    vmin = -1.0 if value == "skill" else 0.0
    im = ax.imshow(np.ma.masked_invalid(m), cmap="viridis", vmin=vmin, vmax=1.0,
                   aspect="auto")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if np.isfinite(m[i, j]):
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if m[i, j] < 0.5 else "black")
    ax.set_xticks(range(len(periods)))
    ax.set_xticklabels([period_label(p) for p in periods], rotation=45, ha="right")
    ax.set_yticks(range(len(pivot)))
    ax.set_yticklabels(list(pivot.index))
    ax.set_xlabel("resolution")
    ax.set_ylabel("appliance")
    ax.set_title(f"Appliance detectability ({metric} {value}, attack {method})\n"
                 f"{data_label(sim, dataset)}", fontsize=10)
    fig.colorbar(im, ax=ax, label=f"{metric} {value}")
    return fig


def _carpet_matrix(t, p, period, tz, max_cols):
    """(day numbers, matrix [days, cols], seconds per column) of a regular series, local time;
    columns are block means of at most ``max_cols`` per day (display only)."""
    from .clock import DAY_S, local_clock

    day, sod = local_clock(t, tz)
    days = np.unique(day)
    per_day = max(1, int(round(DAY_S / period)))
    col_s = DAY_S / min(per_day, max_cols)
    col = np.minimum((sod // col_s).astype(np.int64), int(DAY_S / col_s) - 1)
    row = np.searchsorted(days, day)
    ok = np.isfinite(p)
    total = np.zeros((len(days), int(DAY_S / col_s)))
    count = np.zeros_like(total)
    # the repeated hour of an autumn DST day lands twice in the same columns: mean, not overwrite
    np.add.at(total, (row[ok], col[ok]), p[ok].astype(np.float64))
    np.add.at(count, (row[ok], col[ok]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return days, total / count, col_s


def carpet(data: dict, *, max_cols: int = 720) -> Figure:
    """Carpet plots (days × local time of day, colour = power) of one household at several
    periods, with the attacks' inferred wake-up / bed times and absences drawn on.

    Parameters
    ----------
    data : what :func:`nilm.figure_data.carpet_data` returns: per period the grid, the
        occupancy verdict (inferred absence: hatched) and the wake-up ▲ / bed ▼ times (white);
        with a ``truth`` entry the true household wake-up and bed times (×, red) and the true
        absences (red bar under each day) are drawn for comparison.
    max_cols : most columns per day drawn (display only).

    Returns
    -------
    Figure with one panel per period, x = hour of day (local), y = day, colour = W (log scale).
    """
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .clock import DAY_S, day_start_utc, local_clock

    panels, truth, tz = data["panels"], data.get("truth"), data["timezone"]
    if not panels:
        raise ValueError("a carpet plot needs at least one panel")
    fig, axes = _new_figure(4.3 * len(panels), 5.0, 1, len(panels), sharey=True)
    vmax = None
    mats = []
    for panel in panels:
        grid, p = panel["grid"], float(panel["period"])
        days, mat, col_s = _carpet_matrix(grid.t, grid.mains, p, tz, max_cols)
        mats.append((days, mat))
        top = np.nanquantile(mat, 0.995)
        vmax = top if vmax is None else max(vmax, top)
    all_days = np.unique(np.concatenate([m[0] for m in mats]))
    for ax, panel, (days, mat) in zip(axes[0], panels, mats, strict=True):
        grid, p = panel["grid"], float(panel["period"])
        full = np.full((len(all_days), mat.shape[1]), np.nan)
        full[np.searchsorted(all_days, days)] = mat
        extent = (0, 24, len(all_days) - 0.5, -0.5)
        im = ax.imshow(np.clip(full, 10.0, None), aspect="auto", extent=extent,
                       interpolation="nearest", cmap="magma",
                       norm=LogNorm(vmin=10.0, vmax=max(vmax, 20.0)))
        _, o_mat, _ = _carpet_matrix(grid.t, panel["occupancy"], p, tz, max_cols)
        o_full = np.full_like(full, np.nan)
        o_full[np.searchsorted(all_days, days)] = o_mat
        col_h = 24.0 / o_full.shape[1]
        for r_i in range(len(all_days)):
            ranges = [(a * col_h, (b - a) * col_h) for a, b in run_pairs(o_full[r_i] < 0.5)]
            if ranges:
                ax.broken_barh(ranges, (r_i - 0.45, 0.8), facecolor="none", hatch="////",
                               edgecolor="cyan", lw=0)
        e_days, e_wake, e_bed = panel["wake_bed"]
        mid = day_start_utc(e_days, tz).astype(float)
        rows = np.searchsorted(all_days, e_days)
        ax.plot((e_wake - mid) / 3600, rows, "^", color="white", mec="black", ms=5)
        ax.plot(np.where(e_bed - mid < DAY_S, e_bed - mid, np.nan) / 3600, rows, "v",
                color="white", mec="black", ms=5)
        if truth is not None:
            t_days, t_wake, t_bed = truth["days"], truth["wake"], truth["bed"]
            mid_t = day_start_utc(t_days, tz).astype(float)
            rows_t = np.searchsorted(all_days, t_days)
            keep = (rows_t < len(all_days)) & np.isin(t_days, all_days)
            ax.plot(((t_wake - mid_t) / 3600)[keep], rows_t[keep], "x", color="red", ms=6)
            ax.plot(np.where(t_bed - mid_t < DAY_S, (t_bed - mid_t) / 3600, np.nan)[keep],
                    rows_t[keep], "x", color="red", ms=6)
            tday, tsod = local_clock(truth["t"], tz)
            step_h = truth["step"] / 3600
            for r_i, d in enumerate(all_days):
                on_day = tday == d
                # truth may be boolean, or float with NaN where it is unknown (a proxy
                # without sub-meter data): only a known 0 is an absence
                away = np.asarray(truth["present"][on_day], dtype=float) == 0
                h = tsod[on_day] / 3600
                ranges = [(h[a], h[b - 1] - h[a] + step_h) for a, b in run_pairs(away)]
                if ranges:
                    ax.broken_barh(ranges, (r_i + 0.35, 0.12), facecolor="red")
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 6))
        ax.set_xlabel("local time of day (h)")
        ax.set_title(f"{period_label(p)}", fontsize=10)
    axes[0][0].set_ylabel("day")
    step = max(1, len(all_days) // 12)
    axes[0][0].set_yticks(range(0, len(all_days), step))
    axes[0][0].set_yticklabels([str(np.datetime64(int(d), "D")) for d in all_days[::step]],
                               fontsize=7)
    fig.colorbar(im, ax=list(axes[0]), label="mean power (W, log scale)", shrink=0.9)
    handles = [Line2D([], [], ls="", marker="^", color="white", mec="black",
                      label="inferred wake-up"),
               Line2D([], [], ls="", marker="v", color="white", mec="black",
                      label="inferred bed time"),
               Patch(facecolor="none", hatch="////", edgecolor="cyan",
                     label="inferred absence")]
    if truth is not None:
        handles += [Line2D([], [], ls="", marker="x", color="red", label="true wake / bed"),
                    Line2D([], [], color="red", lw=2, label="true absence")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=7)
    fig.suptitle(f"{data['name']}: {data['label']}", fontsize=11)
    return fig


def disaggregation_example(data: dict) -> Figure:
    """One day of disaggregation at two (or more) periods.

    Parameters
    ----------
    data : what :func:`nilm.figure_data.disaggregation_data` returns: per period the mains, the
        true and the predicted power of each appliance over one local day.

    Returns
    -------
    Figure with one panel per period: mains (grey), true (solid) and predicted (dashed) power of
    each appliance, W against local hour.
    """
    panels, model = data["panels"], data["model"]
    if not panels:
        raise ValueError("a disaggregation example needs at least one panel")
    fig, axes = _new_figure(10.0, 2.8 * len(panels), len(panels), 1)
    colors = matplotlib.colormaps["tab10"]
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        hours = panel["hours"]
        ax.fill_between(hours, panel["mains"], step="mid", color="0.85", label="mains")
        for k, (name, true, pred) in enumerate(zip(panel["names"], panel["true"],
                                                   panel["pred"], strict=True)):
            c = colors(k)
            ax.step(hours, true, where="mid", color=c, lw=1.4, label=f"{name} (true)")
            ax.step(hours, pred, where="mid", color=c, lw=1.4, ls="--", label=f"{name} ({model})")
        ax.set_xlim(0, 24)
        ax.set_ylabel("power (W)")
        ax.set_title(f"{period_label(panel['period'])}", fontsize=10)
        ax.grid(alpha=0.3)
    axes[-1][0].set_xlabel("local time of day (h)")
    axes[0][0].legend(fontsize=7, ncol=2, loc="upper left")
    fig.suptitle(f"{data['name']} ({data['label']}), {np.datetime64(int(data['day']), 'D')}: "
                 f"{model} fitted on the first half of the days", fontsize=11)
    return fig


__all__ = ["SKILL_FLOOR", "carpet", "detectability_heatmap", "disaggregation_example",
           "leakage_vs_resolution", "png_bytes", "save_png"]
