"""Fit the GB preset's :attr:`nilm.simulate.presets.Preset.other_loads_w` on the 5th
percentile of the METER development households' 10-min power.

The base-load rule (:data:`nilm.simulate.household.BASE_LOAD_FIT`, fitted on the same
development households by ``scripts/fit_meter_occupants.py``) draws each household's 5th
percentile of 10-min power; the simulator's always-on "other" load is that minus the watts its
own loads (fridge and freezer draw, standbys) are assumed to supply there. With the GB
compressors' lower running power (``scripts/fit_gb_cold.py``) that assumption no longer holds.
For each candidate value a GB population is simulated in July (one 24 h from 17:00 per
household, 8-23 July 2018, the METER dates) and the per-household 5th percentiles of its
10-min means are compared with those of the METER households with an even ``idHousehold``
(development; the odd ones are never read) by the Kolmogorov-Smirnov distance. The value with
the smallest distance is the preset's. Real data: ``shared/data/meter``; everything else
simulated.

    nice -n 10 python scripts/fit_gb_base.py [--data ../shared/data] [--households 120]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

from nilm.simulate.household import simulate_household
from nilm.simulate.population import population
from nilm.simulate.presets import get_preset
from nilm.simulate.realism import ks_distance

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simulator_realism import meter_profiles  # noqa: E402

#: the candidate values, W
CANDIDATES = (45.0, 30.0, 15.0, 0.0, -15.0, -30.0, -45.0, -60.0, -75.0)


def base_p5(profiles: np.ndarray) -> np.ndarray:
    """Per-profile 5th percentile of the 10-min means (W)."""
    return np.nanpercentile(profiles, 5, axis=1)


def simulated_days(other_w: float, households: int, seed: int) -> np.ndarray:
    """24-h profiles from 17:00 at 10 min of a GB July population with ``other_w``."""
    pre = dataclasses.replace(get_preset("GB"), other_loads_w=other_w)
    rng = np.random.default_rng(seed)
    out = []
    for cfg, ss in population(seed, households, preset=pre, prefix="simGB"):
        d0 = dt.date(2018, 7, 8) + dt.timedelta(days=int(rng.integers(16)))
        s = simulate_household(2, seed=ss, config=cfg, period=600, start=d0.isoformat())
        out.append(s.household.mains.p.astype(np.float64)[102:102 + 144])
    return np.array(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--households", type=int, default=120)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    folder = Path(a.data) / "meter" / "sample_2018-07_visible"
    if not folder.is_dir():
        print(f"{folder}: METER sample not found", file=sys.stderr)
        return 2
    real, ids, _, _ = meter_profiles(folder)
    dev = base_p5(real[ids % 2 == 0])
    rows = []
    for w in CANDIDATES:
        sim = base_p5(simulated_days(w, a.households, a.seed))
        rows.append({"other_loads_w": w, "ks": ks_distance(dev, sim),
                     "sim_median_w": float(np.median(sim))})
        print(json.dumps(rows[-1]), flush=True)
    best = min(rows, key=lambda r: r["ks"])
    print(json.dumps({"development_even": {"median_w": float(np.median(dev)),
                                           "households": int(len(dev))},
                      "best_other_loads_w": best["other_loads_w"],
                      "in_preset": get_preset("GB").other_loads_w}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
