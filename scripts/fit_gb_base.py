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

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simulator_realism import fit_gb_setting  # noqa: E402

#: the candidate values, W
CANDIDATES = (45.0, 30.0, 15.0, 0.0, -15.0, -30.0, -45.0, -60.0, -75.0)


def base_p5(profiles: np.ndarray) -> np.ndarray:
    """Per-profile 5th percentile of the 10-min means (W)."""
    return np.nanpercentile(profiles, 5, axis=1)


def main(argv=None) -> int:
    return fit_gb_setting(argv, __doc__.split("\n")[0], "other_loads_w", CANDIDATES, base_p5,
                          lambda x: {"median_w": float(np.median(x))})


if __name__ == "__main__":
    sys.exit(main())
