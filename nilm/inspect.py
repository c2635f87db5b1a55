"""Per-channel summaries of a Household (what ``nilm inspect`` prints)."""

from __future__ import annotations

import numpy as np

from .clock import iso_utc
from .series import Household, PowerSeries

#: a step longer than this (or than 1.5 sampling periods, for coarser data such as 30-min load
#: curves) counts as a gap in :func:`channel_summary`, s
GAP_S = 300


def channel_summary(s: PowerSeries, rows: list[int] | None = None) -> dict:
    """Summary of one channel: names, sample count, first/last timestamp (ISO UTC), median
    period (s), number of gaps > :data:`GAP_S`, energy (Wh, zero-order hold bounded by the
    default max gap, see :meth:`PowerSeries.energy_wh`) and number of missing (NaN) values.

    ``rows``: ``[values, empty values]`` the source files hold for this channel, when the loader
    says (``meta["intervals"]`` of the Linky loaders). An interval series closes a step shorter
    than its period with a NaN sample where a hole follows; that marker is not a value of the
    file, so the counts shown are the file's, not the series' samples."""
    n = len(s)
    counted = n if rows is None else int(rows[0])
    return {
        "name": s.name,
        "label": s.label,
        "quantity": s.quantity,
        "n_samples": counted,
        "first": iso_utc(s.t[0]) if n else None,
        "last": iso_utc(s.t[-1]) if n else None,
        "median_period_s": s.median_step() if n > 1 else None,
        "gaps_over_5min": (int(np.count_nonzero(np.diff(s.t) > max(GAP_S, 1.5 * s.period)))
                           if n > 1 else 0),
        # Wh for active power (VAh, varh for apparent, reactive); meaningless for V and A
        "energy_wh": (round(s.energy_wh(), 3) if s.quantity in ("active", "apparent", "reactive")
                      else None),
        "missing": (int(np.count_nonzero(~np.isfinite(s.p))) if rows is None
                    else int(rows[1])),
    }


def household_summary(h: Household) -> dict:
    """Metadata, one :func:`channel_summary` per channel (mains first, then appliances, then
    extra channels) and what a lenient load repaired."""
    rows = h.meta.get("intervals", {})
    chans = [channel_summary(s, rows.get(name)) for name, s in h.channels().items()]
    chans += [dict(channel_summary(s, rows.get(name)), extra=True)
              for name, s in h.extra.items()]
    meta = {k: v for k, v in h.meta.items() if k != "source_files"}
    report = h.report.summary() if h.report else []
    return {"household": h.name, "meta": meta, "source_files": h.meta.get("source_files", {}),
            "channels": chans, "repairs": report}


def format_summary(summary: dict) -> str:
    """Plain-text table of :func:`household_summary`."""
    kind = "SIMULATED data" if summary["meta"].get("simulated") else "real data"
    lines = [f"== {summary['household']}  ({kind}, "
             f"tz {summary['meta'].get('timezone', '?')}, "
             f"mains: {summary['meta'].get('mains_kind', 'measured')})"]
    head = ("name", "label", "n", "first (UTC)", "last (UTC)", "period_s", "gaps>5m",
            "energy_Wh", "missing")
    rows = [head]
    for c in summary["channels"]:
        per = c["median_period_s"]
        rows.append((c["name"] + (" (extra)" if c.get("extra") else ""), c["label"],
                     str(c["n_samples"]), c["first"] or "-", c["last"] or "-",
                     f"{per:g}" if per is not None else "-", str(c["gaps_over_5min"]),
                     "-" if c["energy_wh"] is None else f"{c['energy_wh']:.1f}",
                     str(c["missing"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths)))
    for note in summary["meta"].get("notes", []):
        lines.append(f"note: {note}")
    lines.append("repairs: " + ("none" if not summary["repairs"] else ""))
    lines += [f"  {r}" for r in summary["repairs"]]
    return "\n".join(lines)
