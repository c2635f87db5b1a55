"""Writing Grids to CSV (``nilm resample``)."""

from __future__ import annotations

import numpy as np

from .atomic import atomic_open
from .clock import iso_utc
from .series import Grid


def write_grid_csv(grid: Grid, path) -> None:
    """One row per interval: ``timestamp`` (ISO UTC, interval **start**), then ``mains`` and one
    column per appliance in W (3 decimals; empty cell = NaN). Written atomically."""
    cols = ["mains", *grid.names]
    data = np.vstack([grid.mains[None, :], grid.appliances]) if len(grid.names) else \
        grid.mains[None, :]
    with atomic_open(path, "w", newline="") as f:
        f.write(",".join(["timestamp", *cols]) + "\n")
        for i, t in enumerate(grid.t):
            vals = ["" if not np.isfinite(v) else f"{v:.3f}" for v in data[:, i]]
            f.write(iso_utc(t) + "," + ",".join(vals) + "\n")
