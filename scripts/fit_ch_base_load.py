"""Fit the CH preset's base-load multipliers (flat, single-family house) to the SFOE typical
household consumption table (Nipkow 2013); :mod:`nilm.simulate.typical_consumption` has the
method. Everything simulated; the only data is the published table. The fitted values are
written into :data:`nilm.simulate.presets.PRESETS` ``["CH"].dwelling_mix`` by hand.

    nice -n 10 python scripts/fit_ch_base_load.py [--households 40] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys

from nilm.simulate.typical_consumption import fit_base_scale


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--households", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    print(json.dumps(fit_base_scale("CH", households=a.households, seed=a.seed), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
