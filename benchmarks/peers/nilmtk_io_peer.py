"""NILMTK's side of the file-format checks: convert raw data with NILMTK's own converters, and
describe a NILMTK HDF5 file as NILMTK sees it (meters, rows, ``total_energy()``).

Runs under the NILMTK virtualenv (``benchmarks/peers/.venv-nilmtk/bin/python``, made by
``install_nilmtk.sh``); it does not import nilm. Driven by ``nilmtk_io.py``.

Usage::

    python nilmtk_io_peer.py convert {redd,ukdale} <input root> <out.h5>
    python nilmtk_io_peer.py inspect <file.h5> <out.json>

``inspect`` writes {building: {meter: {"rows", "first", "last" (epoch s), "site_meter",
"disabled", "types" (appliance types on it), "energy_kwh" ({ac type: kWh},
``ElecMeter.total_energy()``)}}}.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings


def convert_redd_present(root: str, out: str) -> None:
    """``convert_redd`` for the houses present under ``root``: NILMTK's own ``_convert`` and
    channel power types, with its REDD metadata restricted to those houses (its converter
    writes the metadata of all six and fails on a house without data)."""
    import os
    import shutil
    import tempfile

    from nilm_metadata import save_yaml_to_datastore
    from nilmtk.dataset_converters.redd.convert_redd import _convert, _find_all_houses
    from nilmtk.utils import get_datastore, get_module_directory

    src = os.path.join(get_module_directory(), "dataset_converters", "redd", "metadata")
    with tempfile.TemporaryDirectory() as meta:
        for name in ("dataset.yaml", "meter_devices.yaml"):
            shutil.copy(os.path.join(src, name), meta)
        for house in _find_all_houses(root):
            shutil.copy(os.path.join(src, f"building{house}.yaml"), meta)
        store = get_datastore(out, "HDF", mode="w")
        # NILMTK's REDD rule (convert_redd._redd_measurement_mapping_func)
        _convert(root, store, lambda house, chan: [("power", "apparent" if chan <= 2
                                                     else "active")], "US/Eastern")
        save_yaml_to_datastore(meta, store)
        store.close()


def convert(kind: str, root: str, out: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        if kind == "redd":
            convert_redd_present(root, out)
        else:
            from nilmtk.dataset_converters import convert_ukdale

            convert_ukdale(root, out)


def _flat(meters):
    """ElecMeters, with NILMTK's nested MeterGroups (two-leg appliances) expanded."""
    out = []
    for m in meters:
        out.extend(_flat(m.meters) if hasattr(m, "meters") else [m])
    return out


def inspect(path: str, out: str) -> None:
    from nilmtk import DataSet

    ds = DataSet(path)
    result = {}
    for b, building in ds.buildings.items():
        elec = building.elec
        meters = {}
        for meter in _flat(list(elec.meters) + list(elec.disabled_meters)):
            info = {"site_meter": bool(meter.is_site_meter()),
                    "disabled": any(meter is d for d in elec.disabled_meters),
                    "types": [a.identifier.type for a in meter.appliances]}
            try:
                rows, first, last = 0, None, None
                for chunk in meter.load():
                    if len(chunk):
                        rows += len(chunk)
                        first = chunk.index[0].value // 10**9 if first is None else first
                        last = chunk.index[-1].value // 10**9
                energy = meter.total_energy()
                info.update(rows=rows, first=first, last=last,
                            energy_kwh={str(k): float(v) for k, v in energy.items()})
            except KeyError as exc:  # a meter listed in the metadata without data
                info["error"] = f"{type(exc).__name__}: {exc}"
            meters[int(meter.instance())] = info
        result[int(b)] = meters
    ds.store.close()
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


def main(argv: list[str]) -> int:
    warnings.filterwarnings("ignore")
    if argv[0] == "convert":
        convert(*argv[1:4])
    elif argv[0] == "inspect":
        inspect(*argv[1:3])
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
