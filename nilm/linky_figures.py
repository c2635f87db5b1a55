"""The pictures of the ``nilm linky`` report, labelled in the report's language.

* :func:`year_carpet` — one row per local day, one column per step of the day (colour = mean
  power, log scale), with the inferred wake-up (▲), bed time (▼) and absences (grey hatching)
  drawn on: a year of habits at a glance.
* :func:`week_detail` — the power of the seven days with the most data, wake-up and bed times
  marked.
* :func:`daily_energy` — the energy of each local day (kWh), days judged away shaded.

Every figure carries its data label (real or simulated) and no meter id: the titles say only
what the report's header says.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def _minutes(hhmm: str) -> float:
    return int(hhmm[11:13]) * 60 + int(hhmm[14:16]) if hhmm else np.nan


def carpet_matrix(grid, tz: str) -> tuple[np.ndarray, np.ndarray, float]:
    """``(days, matrix, step_s)``: local day numbers and the days × steps-of-day matrix of
    mean power (W, NaN where missing) of ``grid`` on its local wall clock (a 25-h day's
    repeated hour is averaged into its slot, a 23-h day's skipped hour left empty)."""
    from .clock import local_clock

    step = float(grid.period)
    day, sod = local_clock(grid.t, tz)
    cols = int(round(86400 / step))
    days = np.unique(day)
    mat = np.zeros((len(days), cols))
    cnt = np.zeros((len(days), cols))
    r = np.searchsorted(days, day)
    c = np.minimum((sod // step).astype(np.int64), cols - 1)
    ok = np.isfinite(grid.mains)
    np.add.at(mat, (r[ok], c[ok]), grid.mains[ok])
    np.add.at(cnt, (r[ok], c[ok]), 1)
    with np.errstate(invalid="ignore"):
        return days, np.where(cnt > 0, mat / np.maximum(cnt, 1), np.nan), step


def year_carpet(grid, tz: str, days_table, absences, L, label: str) -> Figure:
    """The year carpet plot (see the module notes); ``L`` is the report's
    :class:`nilm.locale.Locale`, ``absences`` the ``(start, end)`` local-time strings of the
    absences found, ``days_table`` the per-day table of
    :func:`nilm.linky_report.daily_table`."""
    from matplotlib.colors import LogNorm

    days, mat, step = carpet_matrix(grid, tz)
    fig = Figure(figsize=(8.0, max(4.0, min(11.0, 2.0 + len(days) / 45))), dpi=100,
                 layout="constrained")
    ax = fig.subplots()
    pos = mat[np.isfinite(mat) & (mat > 0)]
    vmin, vmax = (max(float(np.percentile(pos, 1)), 1.0), float(np.percentile(pos, 99.5))) \
        if pos.size else (1.0, 10.0)
    im = ax.imshow(np.where(mat > 0, mat, np.nan), aspect="auto", interpolation="nearest",
                   cmap="viridis", norm=LogNorm(vmin=vmin, vmax=max(vmax, vmin * 1.01)),
                   extent=(0, 24, len(days) - 0.5, -0.5))
    fig.colorbar(im, ax=ax, label=L._("mean power (W)"))
    row = {str(np.datetime64(int(d), "D")): i for i, d in enumerate(days)}
    for key, marker, name in (("wake", "^", L._("wake-up (inferred)")),
                              ("bed", "v", L._("bed time (inferred)"))):
        ys, xs = [], []
        for date, v in zip(days_table["date"], days_table[key], strict=True):
            if v and date in row:
                ys.append(row[date])
                xs.append(_minutes(v) / 60.0)
        ax.scatter(xs, ys, marker=marker, s=9, c="white", edgecolors="black",
                   linewidths=0.3, label=name, zorder=3)
    for a, b in absences:
        if not a or not b:
            continue
        ra, rb = row.get(a[:10]), row.get(b[:10])
        if ra is None or rb is None:
            continue
        for r in range(ra, rb + 1):
            x0 = _minutes(a) / 60 if r == ra else 0.0
            x1 = _minutes(b) / 60 if r == rb else 24.0
            ax.fill_between([x0, x1], r - 0.5, r + 0.5, facecolor="none",
                            edgecolor="0.85", hatch="////", linewidth=0, zorder=2)
    ax.fill_between([], [], [], facecolor="none", edgecolor="0.6", hatch="////",
                    label=L._("absence (inferred)"))
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3))
    ax.set_xlabel(L._("local time of day (h)"))
    ticks = list(range(0, len(days), max(1, len(days) // 12)))
    ax.set_yticks(ticks)
    ax.set_yticklabels([L.date(str(np.datetime64(int(days[i]), "D"))) for i in ticks],
                       fontsize=7)
    ax.set_title(L._("Your load curve, one row per day ({label})", label=label), fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=8)
    return fig


def week_detail(grid, tz: str, days_table, L, label: str) -> Figure:
    """Power over the seven consecutive days with the most data, wake-up ▲ and bed ▼."""
    days, mat, step = carpet_matrix(grid, tz)
    n = min(7, len(days))
    filled = np.isfinite(mat).sum(axis=1)
    sums = np.convolve(filled, np.ones(n), "valid")
    first = int(np.argmax(sums))
    fig = Figure(figsize=(9.0, 3.2), dpi=100, layout="constrained")
    ax = fig.subplots()
    x = np.arange(n * mat.shape[1]) * step / 3600.0
    ax.step(x, mat[first:first + n].ravel(), where="post", lw=0.8, color="tab:blue")
    wake = dict(zip(days_table["date"], days_table["wake"], strict=True))
    bed = dict(zip(days_table["date"], days_table["bed"], strict=True))
    top = np.nanmax(mat[first:first + n]) if np.isfinite(mat[first:first + n]).any() else 1.0
    names = []
    for i in range(n):
        iso = str(np.datetime64(int(days[first + i]), "D"))
        names.append(L.date(iso))
        for table, marker in ((wake, "^"), (bed, "v")):
            v = table.get(iso, "")
            if v:
                ax.plot(24 * i + _minutes(v) / 60, top * 1.05, marker, color="black", ms=5)
    ax.set_xticks([24 * i + 12 for i in range(n)])
    ax.set_xticklabels(names, fontsize=8)
    for i in range(1, n):
        ax.axvline(24 * i, color="0.8", lw=0.6)
    ax.set_ylabel(L._("mean power (W)"))
    ax.set_title(L._("One week in detail ({label}); ▲ wake-up, ▼ bed time (inferred)",
                     label=label), fontsize=10)
    return fig


def daily_energy(days_table, L, label: str) -> Figure:
    """The energy of each local day (kWh); days under half the median shaded."""
    kwh = np.asarray(days_table["energy_kwh"], dtype=float)
    fig = Figure(figsize=(9.0, 3.0), dpi=100, layout="constrained")
    ax = fig.subplots()
    median = float(np.nanmedian(kwh)) if np.isfinite(kwh).any() else np.nan
    low = kwh < 0.5 * median
    x = np.arange(len(kwh))
    ax.bar(x[~low], kwh[~low], width=1.0, color="tab:blue", label=L._("energy of the day"))
    ax.bar(x[low], kwh[low], width=1.0, color="tab:orange",
           label=L._("below half the median (possibly away)"))
    ticks = list(range(0, len(kwh), max(1, len(kwh) // 10)))
    ax.set_xticks(ticks)
    ax.set_xticklabels([L.date(days_table["date"].iloc[i]) for i in ticks], fontsize=7)
    ax.set_ylabel(L._("energy (kWh)"))
    ax.set_title(L._("Daily energy ({label})", label=label), fontsize=10)
    ax.legend(fontsize=8)
    return fig


__all__ = ["carpet_matrix", "daily_energy", "week_detail", "year_carpet"]
