"""``make real-results``: the real rows — METER diaries and ECO house 2 occupancy — under both
training regimes (:mod:`nilm.real_rows`; METER's appliance use and presence:
:mod:`nilm.real_appliances`), written as aggregates.

    python scripts/real_results.py [--data ../shared/data] [--out reports/real]
    python scripts/real_results.py --published-only

``--published-only`` rebuilds ``docs/results/published.csv`` and ``docs/published.md`` (the
published figures beside nilm's, :mod:`nilm.published`) from the committed ``real.csv``; a
full run writes them too.

Writes ``docs/results/real.csv`` (aggregates over households / days only: METER's terms of use
forbid committing per-household truth or predictions) and ``docs/results/real_provenance.json``
(commit, data checksums, the simulated training populations, wall time, machine load), and
the per-household rows to ``OUT/per_household.csv`` (outside the repository). All scored data
is **real**; the ``sim_to_real`` rows' training population is **simulated**. About 10 min on
2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from nilm import published, real_appliances, real_rows
from nilm.atomic import atomic_open
from nilm.errors import NilmDataError

ROOT = Path(__file__).resolve().parent.parent
METER = "meter/sample_2018-07_visible"
ECO = "eco/house_2_2012-06_15min_derived"
SEED = 0
N_BOOT = 2000


def _commit() -> str | None:
    r = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return r.stdout.strip() or None


def write_published(docs: Path) -> None:
    """``docs/real_null.csv``, ``docs/published.csv``, ``docs/../published.md``, the report
    section ``docs/real.md`` and the README's real rows, from ``docs/real.csv``."""
    real = pd.read_csv(docs / "real.csv", dtype={"stratum": str})
    # the permutation-null rows on their own (they stay in real.csv, labelled by ``null``)
    with atomic_open(docs / "real_null.csv", "w") as f:
        real[real["null"] != "none"].to_csv(f, index=False, float_format="%.6g")
    table = published.side_by_side(real)
    with atomic_open(docs / "published.csv", "w") as f:
        table.to_csv(f, index=False, float_format="%.6g")
    with atomic_open(docs.parent / "published.md", "w") as f:
        f.write(published.markdown(table))
    with atomic_open(docs / "real.md", "w") as f:
        f.write(real_rows.report_section(pd.read_csv(docs / "real.csv",
                                                     dtype={"stratum": str})))
    # the README's real rows from the CSV as committed (rounded as written)
    readme = ROOT / "README.md"
    text = real_rows.with_readme_block(readme.read_text(encoding="utf-8"),
                                       pd.read_csv(docs / "real.csv", dtype={"stratum": str}))
    with atomic_open(readme, "w") as f:
        f.write(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "real")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs" / "results")
    ap.add_argument("--published-only", action="store_true",
                    help="only rebuild the published side-by-side from the committed real.csv")
    a = ap.parse_args(argv)
    if a.published_only:
        if not (a.docs / "real.csv").is_file():
            print(f"real_results: {a.docs / 'real.csv'} not found: run without "
                  "--published-only first", file=sys.stderr)
            return 2
        write_published(a.docs)
        return 0
    for sub in (METER, ECO):
        if not (a.data / sub).is_dir():
            print(f"real_results: real data not found at {a.data / sub}", file=sys.stderr)
            return 2
    t0 = time.time()
    load0 = os.getloadavg()
    try:
        meter = real_rows.load_real(a.data / METER)
        eco = real_rows.load_real(a.data / ECO)
    except (NilmDataError, ValueError) as e:
        print(f"real_results: {e}", file=sys.stderr)
        return 2
    sim_meter = real_rows.simulated_training("METER")
    m_rows, m_house = real_rows.meter_rows(meter, sim_meter, seed=SEED, n_boot=N_BOOT)
    # appliance use from the diaries and presence against the survey (aggregates only)
    a_rows = [real_appliances.day_use_rows(meter, sim_meter, seed=SEED, n_boot=N_BOOT),
              real_appliances.presence_rows(meter, sim_meter, seed=SEED, n_boot=N_BOOT)]
    e_rows, e_house = real_rows.eco_rows(eco, real_rows.simulated_training("ECO"), seed=SEED,
                                         n_boot=N_BOOT)
    # a reason on every row whose CI is missing or of zero width (after the redaction's own)
    rows = real_rows.with_reasons(real_rows.redact_single_households(
        pd.concat([m_rows, *a_rows, e_rows], ignore_index=True)))
    a.out.mkdir(parents=True, exist_ok=True)
    with atomic_open(a.out / "per_household.csv", "w") as f:
        pd.concat([m_house.assign(dataset="METER"), e_house.assign(dataset="ECO")]
                  ).to_csv(f, index=False)
    a.docs.mkdir(parents=True, exist_ok=True)
    with atomic_open(a.docs / "real.csv", "w") as f:
        rows.to_csv(f, index=False, float_format="%.6g")
    sources = {str(p): sha for h, _ in meter[:1] + eco
               for p, sha in h.meta.get("source_files", {}).items()}
    prov = {"command": "python scripts/real_results.py", "commit": _commit(), "seed": SEED,
            "n_boot": N_BOOT, "data": "real (METER sample, ECO house 2 derived 15-min)",
            "source_files_sha256": {Path(p).name: s for p, s in sources.items()},
            "simulated_training": real_rows.SIM_TRAINING,
            "wall_s": round(time.time() - t0, 1), "loadavg_start": load0,
            "loadavg_end": os.getloadavg(), "cpus": os.cpu_count()}
    with atomic_open(a.docs / "real_provenance.json", "w") as f:
        json.dump(prov, f, indent=1, sort_keys=True)
    write_published(a.docs)
    print(f"wrote {a.docs / 'real.csv'} ({len(rows)} rows) in {prov['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
