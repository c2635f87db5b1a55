"""Fit the GB preset's compressor power scale (:attr:`nilm.simulate.presets.Preset.
cold_run_scale`) on the night-time 10-min steps of the METER development households.

Between 00:00 and 06:00 local a home's 10-min aggregate changes mostly when a fridge or freezer
compressor starts or stops. For each candidate scale (running power x scale, runs lengthened so
that each device's mean draw is unchanged: :func:`nilm.simulate.appliances.rescale_compressor`)
a GB population is simulated in July (one night per household, 8-23 July 2018, the METER
dates) and the pooled absolute 10-min steps 00:00-06:00 are compared with those of the METER
households with an even ``idHousehold`` (development; the odd ones are never read) by the
Kolmogorov-Smirnov distance. The scale with the smallest distance is the preset's. Real data:
``shared/data/meter``; everything else simulated.

    nice -n 10 python scripts/fit_gb_cold.py [--data ../shared/data] [--households 120]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from nilm.simulate.presets import get_preset
from nilm.simulate.realism import ks_distance

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simulator_realism import gb_july_days, meter_profiles  # noqa: E402

#: the candidate scales
SCALES = (1.0, 0.85, 0.7, 0.6, 0.5, 0.4)
#: 00:00-06:00 in a 24-h profile that starts at 17:00 (10-min values)
NIGHT = slice(42, 79)


def night_steps(profiles: np.ndarray) -> np.ndarray:
    """Pooled absolute 10-min steps 00:00-06:00 of profiles starting at 17:00 (W)."""
    d = np.abs(np.diff(profiles[:, NIGHT], axis=1)).ravel()
    return d[np.isfinite(d)]


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
    dev = night_steps(real[ids % 2 == 0])
    rows = []
    for s in SCALES:
        sim = night_steps(gb_july_days(a.households, a.seed, cold_run_scale=s))
        rows.append({"scale": s, "ks": ks_distance(dev, sim),
                     "sim_median_w": float(np.median(sim)),
                     "sim_p90_w": float(np.percentile(sim, 90))})
        print(json.dumps(rows[-1]), flush=True)
    best = min(rows, key=lambda r: r["ks"])
    print(json.dumps({"development_even": {"median_w": float(np.median(dev)),
                                           "p90_w": float(np.percentile(dev, 90)),
                                           "steps": int(len(dev))},
                      "best_scale": best["scale"],
                      "in_preset": get_preset("GB").cold_run_scale}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
