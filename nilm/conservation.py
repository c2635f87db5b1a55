"""Energy-conservation check of resampling: the energy of every channel before and after
:func:`nilm.resample.resample`, per period (the figure the foundation issue asks for)."""

from __future__ import annotations

import numpy as np

from .resample import resample
from .series import Household

#: the periods checked by default, s (1, 10, 30, 60 min)
PERIODS = (60, 600, 1800, 3600)


def conservation_table(household: Household, periods=PERIODS, *, min_coverage: float = 0.5
                       ) -> list[dict]:
    """One row per (channel, period): ``energy_wh`` of the raw series by zero-order hold
    (:meth:`~nilm.series.PowerSeries.energy_wh`, an independent integration), ``grid_wh`` =
    Σ value × covered time of the resampled grid (all intervals), ``rel_error`` between them,
    and ``dropped_share``: the share of energy in intervals that are NaN at ``min_coverage``
    (partly covered intervals, mostly at the ends of gaps)."""
    rows = []
    for name, s in household.channels().items():
        if s.quantity not in ("active", "apparent") or len(s) < 2:
            continue
        ref = s.energy_wh()
        for period in periods:
            _, values, coverage = resample(s, period, min_coverage=0.0)
            e = np.where(np.isfinite(values), values * coverage * period / 3600.0, 0.0)
            kept = coverage >= min_coverage
            grid_wh = float(e.sum())
            rows.append({"household": household.name, "channel": name, "period_s": period,
                         "energy_wh": ref, "grid_wh": grid_wh,
                         "rel_error": abs(grid_wh - ref) / ref if ref else 0.0,
                         "dropped_share": float(e[~kept].sum() / grid_wh) if grid_wh else 0.0})
    return rows
