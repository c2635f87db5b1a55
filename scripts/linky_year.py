"""A realistic year of 30-min Enedis data and the French ``nilm linky`` report on it, timed.

The fixture is written by ``tests/linky_files.py`` (the format description, not nilm's
writer): calendar year 2024 in Europe/Paris, so both DST days (31 March, 23 h; 27 October,
25 h) are in it, half-hourly mean W as the Enedis "Mes données de consommation" download, a
PRM in the file name and the file. On top of the helpers' daily curve: an off-peak water heater
(2.2 kW from 23:30 for 1 h 30 most nights), electric heating in winter scaled by the month,
and two absences (a week in August, a long weekend in February) at the base load only.

Usage (from the repository root)::

    python scripts/linky_year.py OUT_DIR [--lang fr|en] [--results headline.csv]

prints the findings, the run time of the analysis and the machine's load (``os.getloadavg``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import linky_files as lf  # noqa: E402 -- the fixture writers live with the tests

AWAY = (("2024-08-05", "2024-08-12"), ("2024-02-16", "2024-02-19"))
HEATING_KW = {1: 1.6, 2: 1.3, 3: 0.8, 4: 0.3, 10: 0.3, 11: 0.9, 12: 1.5}


def year_rows(seed: int = 7) -> list:
    """The year's intervals ``(start UTC, 1800, W)``, local midnight 2024-01-01 to
    2025-01-01 (17 568 half-hours: the DST days' 46 and 50 cancel out)."""
    rows = lf.intervals("2024-01-01", [(30, 366 * 48)], seed=seed)
    rng = np.random.default_rng(seed)
    away = [(lf.local_midnight(a), lf.local_midnight(b)) for a, b in AWAY]
    out = []
    for t, step, v in rows:
        loc = t.astimezone(lf.PARIS)
        hour = loc.hour + loc.minute / 60
        if any(a <= t < b for a, b in away):
            v = 180 + 2 * int(rng.integers(0, 20))
        else:
            v += int(1000 * HEATING_KW.get(loc.month, 0.0)
                     * (1.0 if hour < 7 or hour >= 17 else 0.5))
        if (hour >= 23.5 or hour < 1.0) and rng.random() < 0.9:
            v += 2200
        out.append((t, step, 2 * (v // 2)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--lang", default="fr", choices=("fr", "en"))
    ap.add_argument("--results", default=None, help="headline results file (default: the "
                    "packaged or repository one)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    src = lf.horodate(args.out / f"Enedis_Conso_Heure_20240101-20241231_{lf.PRM}.csv",
                      year_rows())
    cmd = [sys.executable, "-m", "nilm.cli", "linky", str(src), "--out",
           str(args.out / f"report_{args.lang}"), "--lang", args.lang, "--simulated"]
    env = dict(os.environ, NUMBA_NUM_THREADS=os.environ.get("NUMBA_NUM_THREADS", "1"))
    if args.results:
        env["NILM_HEADLINE"] = args.results
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    print(done.stdout + done.stderr, end="")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"nilm linky --lang {args.lang} on a year of 30-min data (2024, both DST days): "
          f"{seconds:.1f} s wall, load average {load} on {os.cpu_count()} cores "
          f"(first run includes the training population)")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
