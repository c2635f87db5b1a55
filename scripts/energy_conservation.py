"""Print the energy-conservation error of resampling every real subset in ../shared/data to
1, 10, 30 and 60 min (usage: python scripts/energy_conservation.py [DATA])."""

import sys
from pathlib import Path

import nilm
from nilm.conservation import conservation_table

DATA = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
SUBSETS = {
    "uci_household_power_consumption": {},
    "redd/low_freq/house_5": {"aggregate": "sum_of_circuits"},
    "ukdale/house_1_2013-04-12_pda_fixture": {},
    "ukdale/house_1_2013-02-09_rfm_logger_fixture": {},
    "ukdale/house_2_2013-06-08_nilmtk_2min_hdf5": {},
    "ampds/ampds_2012-04-01_to_2014-04-01_hourly_Wh": {},
    "tracebase/complete": {},
}

print("| subset | households | channels | period | max rel. error | max dropped share |")
print("|---|---|---|---|---|---|")
for sub, opts in SUBSETS.items():
    rows = [r for h in nilm.load_all(DATA / sub, **opts) for r in conservation_table(h)]
    for period in sorted({r["period_s"] for r in rows}):
        rs = [r for r in rows if r["period_s"] == period]
        print(f"| {sub} | {len({r['household'] for r in rs})} | {len(rs)} | {period // 60} min "
              f"| {max(r['rel_error'] for r in rs):.2e} "
              f"| {max(r['dropped_share'] for r in rs):.2e} |")
