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

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simulator_realism import fit_gb_setting  # noqa: E402

#: the candidate scales
SCALES = (1.0, 0.85, 0.7, 0.6, 0.5, 0.4)
#: 00:00-06:00 in a 24-h profile that starts at 17:00 (10-min values)
NIGHT = slice(42, 79)


def night_steps(profiles: np.ndarray) -> np.ndarray:
    """Pooled absolute 10-min steps 00:00-06:00 of profiles starting at 17:00 (W)."""
    d = np.abs(np.diff(profiles[:, NIGHT], axis=1)).ravel()
    return d[np.isfinite(d)]


def main(argv=None) -> int:
    return fit_gb_setting(argv, __doc__.split("\n")[0], "cold_run_scale", SCALES, night_steps,
                          lambda x: {"median_w": float(np.median(x)),
                                       "p90_w": float(np.percentile(x, 90))})


if __name__ == "__main__":
    sys.exit(main())
