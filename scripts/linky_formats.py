"""Every Linky format on a realistic fixture: ``nilm inspect``, the energy check, a merge of
overlapping downloads, and ``nilm linky`` on a TIC log and on a Data Connect JSON.

The fixtures are written by ``tests/linky_files.py`` from the format descriptions (a fortnight
across the autumn DST change, a step change, missing rows, empty values, corrupted TIC groups),
so the expected energy — Σ value × own duration of the rows written — does not come from the
code under test. Usage (from the repository root)::

    python scripts/linky_formats.py OUT_DIR            # all of it
    python scripts/linky_formats.py OUT_DIR --no-linky # without the two nilm linky runs
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import linky_files as lf  # noqa: E402 -- the fixture writers live with the tests


def _nilm(*args) -> str:
    out = subprocess.run([sys.executable, "-m", "nilm.cli", *args], capture_output=True,
                         text=True, cwd=ROOT)
    return (out.stdout + out.stderr).rstrip()


def _check(path, rows, channel="mains") -> str:
    import nilm

    h = nilm.load(path, cache=False)
    s = h.mains if channel == "mains" else h.extra[channel]
    want = lf.energy_wh(rows)
    return (f"energy check {path.name}: loaded {s.energy_wh():.3f} Wh, file rows x own "
            f"durations {want:.3f} Wh, difference {s.energy_wh() - want:+.6f} Wh")


def tic_capture(path, hours=9.0):
    """A standard-mode raw capture from midnight, a frame every 2 s: a quiet night (fridge
    cycles), then from 07:00 a morning of lights, a kettle (2 kW, 3 min) and cooking; one
    corrupted SINSTS and one corrupted EAST group every 97 frames."""
    import numpy as np

    rng = np.random.default_rng(14)
    t0 = lf.local_midnight("2024-02-10")
    data, east, first, last = b"", 12_345_678.0, None, None
    for k in range(int(hours * 1800)):
        hour = 2 * k / 3600
        va = 180 + (90 if (k // 450) % 3 == 0 else 0)  # fridge: 15 min on, 30 min off
        if hour >= 7:
            va += 150 + int(rng.integers(0, 400))
            va += 2000 if 7 + 10 / 60 <= hour < 7 + 13 / 60 else 0
            va += 1200 if 7.75 <= hour < 8.25 else 0
        bad = "SINSTS" if k % 97 == 0 else ("EAST" if k % 97 == 1 else None)
        data += lf.std_frame(t0 + timedelta(seconds=2 * k), va, int(east), corrupt=bad)
        if bad != "EAST":
            first = int(east) if first is None else first
            last = int(east)
        east += va * 2 / 3600
    path.write_bytes(data)
    return last - first


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="folder for the fixtures and outputs (emptied first)")
    ap.add_argument("--no-linky", action="store_true", help="skip the nilm linky runs")
    a = ap.parse_args(argv)
    out = Path(a.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    day = "2023-10-22"  # a fortnight across the autumn change (29 October: 50 half-hours)
    n30 = 48 * 14 + 2
    mixed = lf.intervals(day, [(60, 24 * 7 + 1), (30, 48 * 7)], skip={300, 301}, empty={40})
    half = lf.intervals(day, [(30, n30)], skip={200, 201, 202}, empty={7, 400})
    files = {
        "Enedis CSV (Horodate;Valeur, hourly then half-hourly)":
            (lf.horodate(out / f"Enedis_Conso_Heure_20231022-20231105_{lf.PRM}.csv", mixed),
             mixed),
        "Enedis CSV, headerless, naive local times":
            (lf.horodate(out / "stripped.csv", half, meta=False, header=False, offset=False),
             half),
        "Enedis R63 flat layout (naive local times)":
            (lf.flat(out / "r63.csv", half, offset=False), half),
        "Enedis XLSX (hourly week)":
            (lf.xlsx(out / "Enedis_export.xlsx", lf.intervals(day, [(60, 24 * 7 + 1)],
                                                              empty={30})),
             lf.intervals(day, [(60, 24 * 7 + 1)], empty={30})),
        "Data Connect JSON": (lf.dataconnect(out / "consumption_load_curve.json", half), half),
        "supplier mes-puissances-atteintes-30min (Latin-1)":
            (lf.supplier(out / f"mes-puissances-atteintes-30min-{lf.PRM}-75011.csv", half),
             half),
    }
    for title, (path, rows) in files.items():
        print(f"### {title}\n$ nilm inspect {path.name} --no-cache")
        print(_nilm("inspect", str(path), "--no-cache"))
        print(_check(path, rows) + "\n")
    readings, total = [], 9_000_000
    for k in range(15):
        d = lf.local_midnight(day) + timedelta(days=k)
        readings.append((d, {"EAS F1": total // 3, "EAS F2": total - total // 3,
                             "EAS D1": total, "EAS T": total}))
        total += 9000 + 500 * (k % 4)
    index = lf.index(out / "index.csv", readings)
    print(f"### Enedis daily index\n$ nilm inspect {index.name} --no-cache")
    print(_nilm("inspect", str(index), "--no-cache"))
    import nilm

    daily = nilm.load(index, cache=False).extra["daily"]
    print(f"energy check {index.name}: loaded {daily.energy_wh():.3f} Wh, EAS T last - first "
          f"{total - 9000 - 500 * (14 % 4) - 9_000_000:.3f} Wh\n")
    tic_path = out / "teleinfo_standard.bin"
    index_wh = tic_capture(tic_path)
    print(f"### TIC standard raw capture\n$ nilm inspect {tic_path.name} --no-cache")
    print(_nilm("inspect", str(tic_path), "--no-cache"))
    active = nilm.load(tic_path, cache=False).extra["tic_active"]
    print(f"energy check {tic_path.name}: tic_active {active.energy_wh():.3f} Wh, EAST last - "
          f"first valid {index_wh} Wh\n")
    hist = out / "teleinfo_historic.raw"
    hist.write_bytes(b"".join(lf.hist_frame(300 + 10 * (k % 30), 1_000_000 + k // 3, 2_000_000,
                                            corrupt="PAPP" if k % 50 == 3 else None)
                              for k in range(1500)))
    print(f"### TIC historic raw capture (no clock)\n$ nilm inspect {hist.name} --no-cache "
          "-o start=2024-02-10T06:00:00")
    print(_nilm("inspect", str(hist), "--no-cache", "-o", "start=2024-02-10T06:00:00"))
    active = nilm.load(hist, cache=False, start="2024-02-10T06:00:00").extra["tic_active"]
    print(f"energy check {hist.name}: tic_active {active.energy_wh():.3f} Wh, HCHC + HCHP last - "
          f"first {1499 // 3} Wh (only PAPP groups corrupted)\n")
    folder = out / "downloads"
    folder.mkdir()
    rows = lf.intervals(day, [(30, n30)], empty={30})
    a_rows, b_rows = rows[:48 * 8], rows[48 * 6:48 * 12]
    b_rows = [(t, s, v + 40 if k == 10 else v) for k, (t, s, v) in enumerate(b_rows)]
    lf.horodate(folder / f"Enedis_Conso_Heure_20231022-20231029_{lf.PRM}.csv", a_rows)
    lf.dataconnect(folder / "consumption_load_curve.json", b_rows)
    lf.xlsx(folder / "Enedis_export.xlsx",
            [(rows[k][0], 3600, (rows[k][2] + rows[k + 1][2]) / 2)
             for k in range(48 * 11, n30 - 1, 2) if None not in (rows[k][2], rows[k + 1][2])])
    lf.index(folder / "index.csv", readings)
    print("### merge of overlapping downloads (CSV days 1-8, JSON days 7-12 with one value "
          "changed, hourly XLSX days 12-15, daily index)")
    print(f"$ nilm inspect {folder.name}/ --no-cache")
    print(_nilm("inspect", str(folder), "--no-cache"))
    merged = nilm.load(folder, cache=False)
    print(f"energy check {folder.name}: loaded {merged.mains.energy_wh():.3f} Wh, union of the "
          f"rows {lf.energy_wh(rows):.3f} Wh (the first file's value kept where one "
          "disagrees)\n")
    if not a.no_linky:
        for src in (tic_path, out / "consumption_load_curve.json"):
            print(f"### nilm linky {src.name}")
            print(_nilm("linky", str(src), "--out", str(out / f"{src.stem}_nilm")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
