"""Mains levels of the development files, against the unit rule of :mod:`nilm.io.plausible`.

Prints, per household: samples, days covered, p99 and median of ``|mains|`` (W), p99/median and
whether :func:`nilm.io.plausible.unit_suspect` flags it. These files are the only ones the
thresholds were set on. Usage: ``python scripts/plausible_levels.py [../shared/data]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from nilm.io import load_all, plausible

SOURCES = [("redd/low_freq", {"aggregate": "sum_of_circuits"}),
           ("ukdale/house_1_2013-04-12_pda_fixture", {}),
           ("ukdale/house_1_2013-02-09_rfm_logger_fixture", {}),
           ("ukdale/house_2_2013-06-08_nilmtk_2min_hdf5", {}),
           ("uci_household_power_consumption", {}), ("ampds", {}),
           ("eco/house_2_2012-06_15min_derived", {}), ("meter/sample_2018-07_visible", {})]


def main(root: Path) -> None:
    print("source household n days p99_W median_W p99/median flagged")
    for sub, options in SOURCES:
        if not (root / sub).exists():
            print(f"{sub}: absent")
            continue
        for h in load_all(root / sub, mode="lenient", cache=False, **options):
            m = h.mains
            p = np.abs(m.p[np.isfinite(m.p)].astype(np.float64)) if m is not None else []
            if len(p) == 0:
                print(sub, h.name, "no mains samples")
                continue
            p99, med = np.percentile(p, 99), np.median(p)
            print(sub, h.name, len(p), f"{(m.t[-1] - m.t[0]) / 86_400:.1f}", f"{p99:.0f}",
                  f"{med:.0f}", f"{p99 / med:.1f}" if med else "inf",
                  plausible.unit_suspect(m) is not None)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
