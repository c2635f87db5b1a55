"""Fit the simulator's base-load rule on the METER development households (even
``idHousehold``) and show the same fit on the held-out (odd) ones; the development values are
:data:`nilm.simulate.household.BASE_LOAD_FIT`. Real data: ``shared/data/meter``.

    python scripts/fit_meter_occupants.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nilm.simulate.calibration import meter_base_load_fit
from nilm.simulate.household import BASE_LOAD_FIT


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data")
    a = ap.parse_args(argv)
    folder = Path(a.data) / "meter" / "sample_2018-07_visible"
    if not folder.is_dir():
        print(f"{folder}: METER sample not found", file=sys.stderr)
        return 2
    out = {"development_even": meter_base_load_fit(folder, development=True),
           "held_out_odd": meter_base_load_fit(folder, development=False),
           "in_simulator": BASE_LOAD_FIT}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
