"""Aggregate figures of the real ground truth nilm reads: METER diaries and ECO occupancy.

Loads the METER sample and the ECO excerpts under ``--data`` (default ``../shared/data``; the
layout of its README) through :func:`nilm.load_all` and :func:`nilm.truth_for`, and prints, as
Markdown, **aggregates only** (METER's terms of use forbid publishing per-household truth):

* METER: households, recordings and readings loaded; diary keepers and entries; the share of
  10-min intervals whose presence is unknown, present, absent (an interval's label is the
  majority of its known minutes, :func:`nilm.privacy.truth_proxy.presence_on_grid`); households
  with a known absence, with a household wake-up and bed time; the distribution of household
  size; appliance-use events by appliance;
* ECO: days of power and of occupancy, the occupied share of the labelled intervals, the
  unknown share, the energy check (aggregate vs plugs, with and without house 2's
  "Entertainment" plug, which appears to feed the TV and stereo plugs), and the effect of
  undoing NILMTK's clock error (user-driven plug power while nobody is home).

All of it is **real data**. Not part of the test suite; run
``python scripts/real_truth_summary.py`` (about 10 s).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

import nilm
from nilm.privacy.truth_proxy import presence_on_grid

METER = "meter/sample_2018-07_visible"
ECO_DERIVED = "eco/house_2_2012-06_15min_derived"
#: the user-driven plugs of ECO house 2 (canonical names)
ECO_USERS = ("tv", "lighting", "computer", "kettle", "laptop", "audio")


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def meter_summary(root: Path) -> list[str]:
    houses = nilm.load_all(root, cache=False)
    truths = [nilm.truth_for(h) for h in houses]
    labels = []
    for h, tr in zip(houses, truths, strict=True):
        g = h.to_grid(600)
        labels.append(presence_on_grid(tr, g.start, g.period, len(g)))
    lab = np.concatenate(labels)
    keepers = [tr.present_person.shape[0] for tr in truths]
    wake = sum(bool(np.isfinite(tr.wake).any()) for tr in truths)
    bed = sum(bool(np.isfinite(tr.bed).any()) for tr in truths)
    both = sum(bool(np.isfinite(tr.wake).any() and np.isfinite(tr.bed).any()) for tr in truths)
    people = Counter(h.meta["people"] for h in houses)
    events = Counter(e.appliance for tr in truths for e in tr.events)
    sources = Counter(e.source for tr in truths for e in tr.events)
    empty = sum(n for (_, k), n in houses[0].report.counts().items() if k == "empty_recording")
    return [
        "## METER sample (real data)", "",
        "| figure | value |", "|---|---|",
        f"| households loaded (one per electricity recording) | {len(houses)} |",
        f"| electricity recordings listed without a reading (reported) | {empty} |",
        f"| 10-min readings | {sum(len(h.mains) for h in houses)} |",
        f"| diary keepers with entries | {sum(keepers)} (households with none: "
        f"{sum(k == 0 for k in keepers)}) |",
        f"| 10-min intervals: presence unknown | {_pct(np.isnan(lab).mean())} |",
        f"| 10-min intervals: someone home / nobody home | {_pct(np.mean(lab == 1))} / "
        f"{_pct(np.mean(lab == 0))} |",
        f"| households with a known absence | {sum(bool((x == 0).any()) for x in labels)} |",
        f"| households with a wake-up / a bed time / both | {wake} / {bed} / {both} |",
        f"| households with a member under 8 (never known absent) | "
        f"{sum((h.meta.get('under_8') or 0) > 0 for h in houses)} |",
        "| people per household: households | "
        + ", ".join(f"{k}: {v}" for k, v in sorted(people.items())) + " |",
        f"| appliance-use events ({', '.join(f'{k} {v}' for k, v in sorted(sources.items()))}) | "
        + ", ".join(f"{k} {v}" for k, v in events.most_common()) + " |",
        "",
    ]


def eco_summary(root: Path) -> list[str]:
    (h,) = nilm.load_all(root, cache=False)
    (raw,) = nilm.load_all(root, cache=False, nilmtk_clock_fix=False)
    tr = nilm.truth_for(h)
    p = tr.presence
    plugs = {k: s.p.astype(np.float64) for k, s in h.appliances.items()}
    every = np.nansum(list(plugs.values()), axis=0)
    nested = every - plugs["computer"]
    mains = h.mains.p.astype(np.float64)
    kwh = h.mains.energy_wh() / 1000

    def away_user_w(hh):
        i = (hh.mains.t - tr.start) // tr.step
        ok = (i >= 0) & (i < len(p))
        away = np.zeros(len(i), bool)
        away[ok] = p[i[ok]] == 0
        return float(np.mean(sum(hh.appliances[u].p for u in ECO_USERS)[away]))

    days_power = len(np.unique((h.mains.t + 7200) // 86400))
    return [
        "## ECO house 2, derived 15-min excerpt (real data)", "",
        "| figure | value |", "|---|---|",
        f"| days of power / of occupancy labels | {days_power} / {len(p) * tr.step // 86400} |",
        f"| 15-min intervals: power / occupancy | {len(h.mains)} / {len(p)} |",
        f"| occupied share of the labelled intervals | {_pct(np.nanmean(p))} |",
        f"| occupancy intervals unlabelled (unknown) | {_pct(tr.unknown_share)} |",
        f"| aggregate energy (sum of the three phases) | {kwh:.1f} kWh |",
        f"| plugs' energy, all 12 / without 'Entertainment' | "
        f"{np.sum(every) * 0.25 / 1000:.1f} / {np.sum(nested) * 0.25 / 1000:.1f} kWh |",
        f"| intervals where the plugs exceed the aggregate (+1 W), all / without "
        f"'Entertainment' | {_pct(np.mean(every > mains + 1))} / "
        f"{_pct(np.mean(nested > mains + 1))} |",
        f"| user-driven plugs while nobody is home, clock fixed / as NILMTK wrote it | "
        f"{away_user_w(h):.1f} W / {away_user_w(raw):.1f} W |",
        "",
    ]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"),
                    help="the shared data folder (default ../shared/data)")
    args = ap.parse_args(argv)
    lines = meter_summary(args.data / METER) + eco_summary(args.data / ECO_DERIVED)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
