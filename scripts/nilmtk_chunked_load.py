"""Time and memory of reading a part of a ukdale.h5-sized NILMTK file (simulated data).

Writes a NILMTK HDF5 file of ``--buildings`` x ``--meters`` meters of 6-s data over ``--days``
(default 5 x 50 x 730 days: 2.6 G rows, about the shape of the 6.3 GB ``ukdale.h5``) in NILMTK's
layout (PyTables table rows ``index`` int64 ns + ``values_block_0`` float32, blosc level 5 with
byte shuffle, 65,536-row chunks, NILMTK metadata attributes), then loads in a fresh process each
of: one meter over the whole span, one building over one week, every building over one day; and
prints wall time of :func:`nilm.io.nilmtk.read`, peak resident memory (``VmHWM`` of that
process, interpreter and imports included, beside its resident set before the read) and what
was loaded; and the time to hash the whole file (``nilm.load`` does it once per file version
for the cache key and ``meta["source_files"]``, then remembers it). The file is deleted at
the end (``--keep`` keeps it).

Data (simulated, seeded): meter 1 of each building is a mains random walk (100-5000 W), the others
two-state appliances (0 W or a seeded level, switching a few times a day) with 1 % missing rows.

Usage: ``python scripts/nilmtk_chunked_load.py --out /tmp/big_nilmtk.h5`` (needs ~8 GB free).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

T0 = 1_356_998_400  # 2013-01-01 UTC
STEP = 6
CHUNK = 65_536


def _meter_rows(rng, n: int, mains: bool) -> np.ndarray:
    dt = np.dtype([("index", "<i8"), ("values_block_0", "<f4", (1,))])
    rows = np.empty(n, dtype=dt)
    t = T0 + STEP * np.arange(n, dtype=np.int64)
    keep = rng.random(n) > 0.01  # 1 % of rows missing: irregular timestamps, as real loggers
    rows["index"] = t * 1_000_000_000
    if mains:
        v = np.clip(300 + np.cumsum(rng.normal(0, 20, n)), 100, 5000)
    else:
        level = rng.uniform(20, 2500)
        switches = np.sort(rng.integers(0, n, size=max(2, n // 4800)))
        state = np.zeros(n, dtype=np.int8)
        state[switches] = 1
        v = (np.cumsum(state) % 2) * level
    rows["values_block_0"][:, 0] = v.astype(np.float32)
    return rows[keep]


def generate(out: Path, buildings: int, meters: int, days: int, seed: int = 0) -> None:
    import h5py
    import hdf5plugin

    n = days * 86_400 // STEP
    rng = np.random.default_rng(seed)
    comp = hdf5plugin.Blosc(cname="blosclz", clevel=5, shuffle=hdf5plugin.Blosc.SHUFFLE)
    kind = np.void(pickle.dumps([("power", "active")], 2))
    with h5py.File(out, "w", libver="earliest") as h5:
        h5.attrs["metadata"] = np.void(pickle.dumps(
            {"name": "SIM-UKDALE", "timezone": "Europe/London", "meter_devices": {
                "plug": {"sample_period": 6, "max_sample_period": 300, "measurements": [
                    {"physical_quantity": "power", "type": "active",
                     "lower_limit": 0, "upper_limit": 4000}]}}}, 2))
        for b in range(1, buildings + 1):
            g = h5.create_group(f"building{b}")
            g.attrs["metadata"] = np.void(pickle.dumps({
                "instance": b, "n_occupants": 2,
                "elec_meters": {m: ({"site_meter": True} if m == 1 else {"submeter_of": 0})
                                | {"device_model": "plug"} for m in range(1, meters + 1)},
                "appliances": [{"type": "kettle", "instance": m - 1, "meters": [m],
                                "original_name": f"kettle{m}"} for m in range(2, meters + 1)]},
                2))
            for m in range(1, meters + 1):
                rows = _meter_rows(rng, n, m == 1)
                node = g.create_group(f"elec/meter{m}")
                node.attrs["pandas_type"] = np.bytes_(b"frame_table")
                ds = node.create_dataset("table", data=rows, chunks=(min(CHUNK, len(rows)),),
                                           maxshape=(None,), **comp)
                ds.attrs["CLASS"] = np.bytes_(b"TABLE")
                ds.attrs["index_kind"] = np.bytes_(b"datetime64")
                ds.attrs["values_block_0_kind"] = kind
            print(f"building {b} written ({out.stat().st_size / 2**30:.2f} GiB so far)",
                  flush=True)


def _status_mib(key: str) -> float:
    """``VmHWM`` / ``VmRSS`` of this process in MiB (Linux; ``ru_maxrss`` would include the
    parent's peak, which survives ``exec``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _child(path: str, case: str) -> None:
    import h5py

    from nilm.io import nilmtk, sha256_file

    day = 86_400
    # the windows sit mid-span (a year in for the default two years), whatever --days made
    with h5py.File(path, "r") as h5:
        last = int(h5["building1/elec/meter1/table"][-1]["index"]) // 1_000_000_000
    mid = T0 + (last - T0) // (2 * day) * day
    base = _status_mib("VmRSS")
    t = time.perf_counter()
    if case == "hash":
        sha256_file(path)
        print(json.dumps({"case": "sha256 of the whole file (once per file version: nilm.load "
                          "remembers it)", "wall_s": round(time.perf_counter() - t, 2)}))
        return
    kw = {"meter": {"buildings": [2], "meters": [7]},
          "building_week": {"buildings": [3], "start": mid, "end": mid + 7 * day},
          "all_day": {"start": mid, "end": mid + day}}[case]
    houses = nilmtk.read(path, **kw)
    wall = time.perf_counter() - t
    rows = sum(len(s) for h in houses for s in h.channels().values())
    chans = sum(len(h.channels()) for h in houses)
    print(json.dumps({"case": case, "options": kw, "wall_s": round(wall, 2),
                      "peak_rss_mib": round(_status_mib("VmHWM"), 1),
                      "rss_before_mib": round(base, 1), "households": len(houses),
                      "channels": chans, "samples": rows,
                      "result_mib": round(rows * 12 / 2**20, 1)}), flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/big_nilmtk.h5"))
    ap.add_argument("--buildings", type=int, default=5)
    ap.add_argument("--meters", type=int, default=50)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        _child(*a.child)
        return 0
    try:
        if not a.out.exists():
            t = time.perf_counter()
            generate(a.out, a.buildings, a.meters, a.days)
            print(f"generated {a.out}: {a.out.stat().st_size / 2**30:.2f} GiB in "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
        for case in ("hash", "meter", "building_week", "all_day"):
            subprocess.run([sys.executable, __file__, "--child", str(a.out), case], check=True)
    finally:
        if not a.keep and a.out.exists():
            os.unlink(a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
