"""nilm's NILMTK file support checked against NILMTK itself, on the real excerpts in shared/data.

1. **NILMTK-written files.** NILMTK's own converters (``convert_redd``, ``convert_ukdale``, run
   in NILMTK's virtualenv by ``nilmtk_io_peer.py``) turn the raw excerpts into the blosc HDF5
   files researchers hold; nilm loads each excerpt raw and each converted file, and the table
   gives, per channel, samples and energy (Wh, nilm's convention) on both paths, the power type
   on both, and whether the two series are identical (same timestamps, same float32 values).
2. **Energy convention.** For every channel of the converted files: NILMTK's
   ``ElecMeter.total_energy()`` (kWh, summed over the meters of a two-leg appliance) beside
   nilm's ``energy_wh(energy_convention="nilmtk")`` of the same channel, raw and HDF5 (both
   loaded with ``energy_convention="nilmtk"``, which keeps each meter of a sum).
3. **Writer.** ``nilm.io.write_nilmtk`` writes the raw loads; ``nilmtk.DataSet`` opens the file
   and the table compares, per meter, NILMTK's rows and ``total_energy()`` with nilm's.

Inputs (real data): REDD house 5 (24 circuits, no mains files: ``aggregate="sum_of_circuits"``
on both paths; NILMTK's REDD metadata restricted to house 5, since its converter writes the
metadata of all six houses and fails on the five without data); UK-DALE house 1, the
``pda`` fixture (channels 1, 8) and recording ``002`` of the ``rfm_logger`` fixture (channels
1-19), each converted with ``shared/data/metadata/ukdale/building1.yaml`` trimmed to the meters
present (meter 54, the 1-s sound-card mains, has no file here, so meter 1 stays the only site
meter) and **our** ``dataset.yaml`` / ``meter_devices.yaml`` (UK-DALE's own are not in
shared/data: device power types as UK-DALE documents them, 6-s sample period; the
``max_sample_period`` of 120 s and the limits, taken from the building file's ``clip``
preprocessing, are our choice, and both sides read the same file).

Usage (nilm's venv, after ``bash benchmarks/peers/install_nilmtk.sh``)::

    .venv/bin/python benchmarks/peers/nilmtk_io.py --out benchmarks/peers/results/nilmtk_io
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
PEER = HERE / ".venv-nilmtk" / "bin" / "python"
DATA = HERE.parents[1].parent / "shared" / "data"

UKDALE_DATASET = {"name": "UK-DALE", "long_name": "UK Domestic Appliance-Level Electricity",
                  "number_of_buildings": 5, "timezone": "Europe/London",
                  "schema": "https://github.com/nilmtk/nilm_metadata/tree/v0.2"}


def _device(qty, hi, period=6, max_period=120):
    return {"sample_period": period, "max_sample_period": max_period,
            "measurements": [{"physical_quantity": "power", "type": qty, "lower_limit": 0,
                              "upper_limit": hi}]}


UKDALE_DEVICES = {
    "EcoManagerWholeHouseTx": _device("apparent", 20000),
    "EcoManagerTxPlug": _device("active", 4000),
    "CurrentCostTx": _device("apparent", 4000),
    "SoundCardPowerMeter": {"sample_period": 1, "max_sample_period": 30, "measurements": [
        {"physical_quantity": "power", "type": "active", "lower_limit": 0, "upper_limit": 30000},
        {"physical_quantity": "power", "type": "apparent", "lower_limit": 0,
         "upper_limit": 30000},
        {"physical_quantity": "voltage", "type": "", "lower_limit": 0, "upper_limit": 500}]},
}


def peer(*args) -> None:
    subprocess.run([str(PEER), str(HERE / "nilmtk_io_peer.py"), *map(str, args)], check=True)


def prepare_redd(tmp: Path) -> Path:
    root = tmp / "redd"
    root.mkdir()
    (root / "house_5").symlink_to(DATA / "redd" / "low_freq" / "house_5")
    return root


def prepare_ukdale(tmp: Path, name: str, folder: Path) -> Path:
    """A UK-DALE root (``house_1/`` + ``metadata/``) holding ``folder``'s channels."""
    root = tmp / name
    house = root / "house_1"
    house.mkdir(parents=True)
    present = set()
    for f in folder.iterdir():
        (house / f.name).symlink_to(f)
        if f.name.startswith("channel_"):
            present.add(int(f.stem[8:]))
    meta = yaml.safe_load((DATA / "metadata" / "ukdale" / "building1.yaml").read_text())
    elec = {}
    for m, info in meta["elec_meters"].items():
        if int(m) in present:
            info = dict(info)
            if info.get("submeter_of") not in (0, None) and info["submeter_of"] not in present:
                info["submeter_of"] = 0 if int(m) != 1 else None
            if info.get("submeter_of") is None:
                info.pop("submeter_of", None)
            elec[int(m)] = info
    meta["elec_meters"] = elec
    meta["appliances"] = [a for a in meta["appliances"]
                          if a["meters"] and set(a["meters"]) <= present - {1}]
    # NILMTK wants each type's instances numbered 1..k: renumber what the trimming left
    seen: dict[str, int] = {}
    for a in sorted(meta["appliances"], key=lambda a: (a["type"], a.get("instance", 1))):
        seen[a["type"]] = seen.get(a["type"], 0) + 1
        a["instance"] = seen[a["type"]]
    md = root / "metadata"
    md.mkdir()
    (md / "building1.yaml").write_text(yaml.safe_dump(meta))
    (md / "dataset.yaml").write_text(yaml.safe_dump(UKDALE_DATASET))
    (md / "meter_devices.yaml").write_text(yaml.safe_dump(UKDALE_DEVICES))
    return root


def same(a, b) -> bool:
    return (a is not None and b is not None and np.array_equal(a.t, b.t)
            and np.array_equal(a.p, b.p, equal_nan=True))


def load_rows(raw, h5) -> list[dict]:
    rows = []
    rch, hch = raw.channels(), h5.channels()
    for name in list(rch) + [n for n in hch if n not in rch]:
        r, h = rch.get(name), hch.get(name)
        rows.append({"channel": name,
                     "raw_n": len(r) if r is not None else None,
                     "h5_n": len(h) if h is not None else None,
                     "raw_wh": round(r.energy_wh(), 3) if r is not None else None,
                     "h5_wh": round(h.energy_wh(), 3) if h is not None else None,
                     "raw_type": r.quantity if r is not None else None,
                     "h5_type": h.quantity if h is not None else None,
                     "identical": same(r, h)})
    return rows


def _meters_of(h, name) -> list[int]:
    if name == "mains":
        return list(h.meta.get("mains_channels", []))
    c = h.meta["channels"][name]
    return c if isinstance(c, list) else [c]


def energy_rows(raw, h5, peer_b: dict) -> list[dict]:
    rows = []
    e_raw = raw.energy_wh(energy_convention="nilmtk")
    e_h5 = h5.energy_wh(energy_convention="nilmtk")
    for name, s in h5.channels().items():
        ms = _meters_of(h5, name)
        if not ms or any(str(m) not in peer_b or "energy_kwh" not in peer_b[str(m)] for m in ms):
            continue
        ref = 1000 * sum(peer_b[str(m)]["energy_kwh"].get(s.quantity, np.nan) for m in ms)
        rows.append({"channel": name, "meters": "+".join(map(str, ms)),
                     "nilmtk_total_energy_wh": round(ref, 4),
                     "nilm_nilmtk_raw_wh": round(e_raw[name], 4) if name in e_raw else None,
                     "nilm_nilmtk_h5_wh": round(e_h5[name], 4),
                     "nilm_default_wh": round(s.energy_wh(), 4),
                     "rel_diff_h5": float(f"{(e_h5[name] - ref) / ref:.2e}") if ref else 0.0,
                     "default_vs_nilmtk_pct": round(100 * (s.energy_wh() / ref - 1), 3)
                     if ref else None})
    return rows


def writer_rows(households, peer_json: dict) -> list[dict]:
    rows = []
    for b, h in enumerate(households, start=1):
        meters = peer_json[str(b)]
        chans = list(h.channels().items())
        first = 1 if h.mains is not None else 2
        for m, (name, s) in enumerate(chans, start=first):
            got = meters[str(m)]
            dev_gap = s.max_hold()
            mine = s.energy_wh(dev_gap, energy_convention="nilmtk")
            ref = 1000 * got["energy_kwh"][s.quantity]
            rows.append({"building": b, "meter": m, "channel": name, "types": got["types"],
                         "site_meter": got["site_meter"], "nilm_n": int(np.isfinite(s.p).sum()),
                         "nilmtk_rows": got["rows"], "nilm_nilmtk_wh": round(mine, 4),
                         "nilmtk_total_energy_wh": round(ref, 4),
                         "rel_diff": float(f"{(mine - ref) / ref:.2e}") if ref else 0.0})
    return rows


def markdown(title: str, rows: list[dict]) -> str:
    if not rows:
        return f"### {title}\n\n(no rows)\n"
    cols = list(rows[0])
    out = [f"### {title}", "", "| " + " | ".join(cols) + " |",
           "|" + "---|" * len(cols)]
    out += ["| " + " | ".join("" if r[c] is None else str(r[c]) for c in cols) + " |"
            for r in rows]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    from nilm.io import nilmtk, redd, ukdale

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "results" / "nilmtk_io")
    a = ap.parse_args(argv)
    if not PEER.exists():
        raise SystemExit(f"no NILMTK virtualenv at {PEER}: run benchmarks/peers/install_nilmtk.sh")
    a.out.mkdir(parents=True, exist_ok=True)
    report, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cases = [("REDD house 5", "redd", prepare_redd(tmp), 5)]
        for name, folder in (("UK-DALE house 1 pda fixture", DATA / "ukdale" /
                              "house_1_2013-04-12_pda_fixture"),
                             ("UK-DALE house 1 rfm fixture 002", DATA / "ukdale" /
                              "house_1_2013-02-09_rfm_logger_fixture" / "002")):
            cases.append((name, "ukdale", prepare_ukdale(tmp, name.split()[-2] + "_"
                                                         + name.split()[-1], folder), 1))
        raws = []
        for title, kind, root, b in cases:
            out = tmp / f"{root.name}.h5"
            peer("convert", kind, root, out)
            conv = {"energy_convention": "nilmtk"}  # keeps the meters of each sum
            if kind == "redd":
                [raw] = redd.read(root / "house_5", aggregate="sum_of_circuits", **conv)
                [h5] = nilmtk.read(out, aggregate="sum_of_circuits", **conv)
            else:
                [raw] = ukdale.read(root / "house_1", metadata=root / "metadata", **conv)
                [h5] = nilmtk.read(out, **conv)
            raws.append(raw)
            peer("inspect", out, tmp / "peer.json")
            peer_b = json.loads((tmp / "peer.json").read_text())[str(b)]
            with __import__("h5py").File(out) as f:
                filt = sorted({n for k in f[f"building{b}/elec"]
                               for _, n in nilmtk.filters(f[f"building{b}/elec/{k}/table"])})
            loads, energy = load_rows(raw, h5), energy_rows(raw, h5, peer_b)
            results[title] = {"filters": filt, "loads": loads, "energy": energy,
                              "h5_report": h5.report.summary(),
                              "raw_report": raw.report.summary() if raw.report else []}
            report.append(f"## {title}: NILMTK-converted file (filters: {', '.join(filt)})\n")
            report.append(markdown("raw vs HDF5 loads (nilm)", loads))
            report.append(markdown("NILMTK total_energy() vs nilm energy_convention='nilmtk'",
                                   energy))
            report.append("HDF5 load report: " + "; ".join(h5.report.summary()) + "\n")
        written = nilmtk.write_nilmtk(raws[:2], tmp / "written.h5")
        peer("inspect", written, tmp / "written.json")
        wrows = writer_rows(raws[:2], json.loads((tmp / "written.json").read_text()))
        results["writer"] = wrows
        report.append("## nilm.io.write_nilmtk (REDD house 5 + UK-DALE pda), opened by "
                      "nilmtk.DataSet\n")
        report.append(markdown("per meter", wrows))
    (a.out / "results.json").write_text(json.dumps(results, indent=1))
    (a.out / "results.md").write_text("\n".join(report))
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
