"""UK-DALE (Kelly & Knottenbelt 2015, "The UK-DALE dataset, domestic appliance-level electricity
demand and whole-house demand from five UK homes", Scientific Data 2, 150007): raw house folders
and NILMTK HDF5 files, read with h5py only.

Raw folders: ``channel_N.dat`` (``<epoch s UTC> <W>``, parsed by
:func:`nilm.io.text.read_int_float`) and ``labels.dat``. Power types follow UK-DALE's NILMTK
metadata (the reference; the HDF5 path reads the same from the file): channel 1 (``aggregate``,
the EcoManager whole-house transmitter) and house 1's CurrentCost channels (boiler, solar
thermal pump, lighting circuit, kitchen lights) are **apparent power** (VA); the
individual-appliance plugs measure **active power** (W). When the house's NILMTK metadata
(``buildingN.yaml``) is given (``metadata=``) or found beside the data (:func:`find_metadata`),
its device models decide the power types, its appliances the names (the same rule as
:mod:`nilm.io.nilmtk`: :func:`nilm.names.meter_name`), and ``meta`` gets ``occupants``
(``n_occupants``), ``occupants_description`` and ``description``; its site and disabled meters
are recorded in the report (``site_meter``, ``disabled_meter``: house 1's meter 1 is disabled in
favour of the 1-s sound-card meter 54, ``mains.dat``, which this reader does not read).
Channels listed in ``labels.dat`` without a file are not an error (the
logger fixtures in ``shared/data`` have 2 files for 51 labels): they are listed in
``meta["absent_channels"]``. A house folder whose sub-folders are numbered recordings
(``001/``, ``002/``: consecutive runs of the same logger in the same house) loads as **one**
Household, each channel being the time-ordered concatenation of its recordings: they are one
house and one meter set, so splitting them would make a 1-h and a 7-h "house" out of one
continuous day. ``meta["recordings"]`` lists them; overlaps are handled by the usual
unsorted/duplicate rules of :mod:`nilm.io.text`.

HDF5: NILMTK's ``/buildingN/elec/meterM`` "table" files (``ukdale.h5``) are read by
:mod:`nilm.io.nilmtk` (``format="ukdale"`` on such a file gives the same households, named
UK-DALE). This module reads the old pandas "fixed" frame (``meterdata_ukdale.h5``, group
``meterdata``: ``axis0`` column names such as ``"('kettle', 1)"``, ``axis1`` int64 ns,
``blockK_items/values``): ``mains`` is the mains (apparent, like raw channel 1), ``synthetic
mains`` goes to ``extra["synthetic_mains"]``. In HDF5 errors and repairs the path is
``<file>:/<node>`` and the line is the 1-based row.

Local time: ``meta["timezone"] = "Europe/London"``; timestamps are epoch s UTC.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np

from ..errors import LoadReport, NilmDataError, check_mode
from ..names import canonical, meter_name, normalise, unique_names
from ..series import Household, PowerSeries, check_convention
from .checksum import sha256_file
from .nilmtk import (
    appliance_groups,
    attr_text,
    building_facts,
    device_info,
    index_units_per_s,
    ns_to_s,
    read_rows,
)
from .text import channel_files, check_samples, read_int_float, read_labels

NAME = "ukdale"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): a UK single-phase
#: domestic supply, cut-out fuse of at most 100 A at 230 V + 10 % (BS 7671 supply tolerance)
POWER_RANGE_W = (-25_300.0, 25_300.0)
TIMEZONE = "Europe/London"
H5_SUFFIXES = (".h5", ".hdf5", ".hdf")


# --- discovery ---------------------------------------------------------------------------------

def _is_house(d: Path) -> bool:
    return (d / "labels.dat").is_file() or bool(channel_files(d))


def _is_recording(d: Path) -> bool:
    return d.name.isdigit() and _is_house(d)


def house_groups(path) -> list[tuple[Path, list[Path]]]:
    """[(house folder, [recording folders])] at ``path``, ordered by path. A plain house folder
    is its own single recording; a folder of numbered recording folders is one house; one
    numbered recording given on its own belongs to the house folder above it when that one's
    name carries the house number (``house_1_…/002``)."""
    path = Path(path)
    if not path.is_dir():
        return []
    if _is_house(path):
        if _is_recording(path) and isinstance(house_id(path.parent), int):
            return [(path.parent, [path])]
        return [(path, [path])]
    groups: dict[Path, list[Path]] = {}
    for d in sorted(p for p in path.rglob("*") if p.is_dir() and _is_house(p)):
        key = d.parent if _is_recording(d) else d
        groups.setdefault(key, []).append(d)
    return sorted(groups.items())


def _h5_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path] if path.suffix.lower() in H5_SUFFIXES else []
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*") if p.suffix.lower() in H5_SUFFIXES
                  and _h5_layout(p) is not None)


def _h5_layout(f: Path) -> str | None:
    """``"table"``, ``"fixed"`` or None (not a UK-DALE/NILMTK HDF5 file)."""
    import h5py

    try:
        with h5py.File(f, "r") as h5:
            for key in h5:
                if re.fullmatch(r"building\d+", key) and "elec" in h5[key]:
                    return "table"
            for key in h5:
                node = h5[key]
                if (isinstance(node, h5py.Group)
                        and attr_text(node.attrs.get("pandas_type")) == "frame"
                        and "axis0" in node and "axis1" in node):
                    return "fixed"
    except OSError:
        return None
    return None


def detect(path) -> bool:
    """Raw UK-DALE folders (``labels.dat`` whose channel 1 is ``aggregate``) or NILMTK HDF5."""
    path = Path(path)
    if path.is_file():
        return bool(_h5_files(path))
    for _, recs in house_groups(path):
        f = recs[0] / "labels.dat"
        if f.is_file():
            labels = read_labels(f, mode="lenient", report=LoadReport())
            return normalise(labels.get(1, "")) == "aggregate"
    return bool(_h5_files(path))


def sources(path) -> list[Path]:
    path = Path(path)
    out = []
    for _, recs in house_groups(path):
        for d in recs:
            if (d / "labels.dat").is_file():
                out.append(d / "labels.dat")
            out.extend(channel_files(d).values())
    out.extend(_h5_files(path))
    return out


def house_id(folder: Path):
    """``house_1_2013-04-12_pda_fixture`` -> 1; otherwise the folder name."""
    m = re.search(r"house_?(\d+)", folder.name)
    return int(m.group(1)) if m else folder.name


# --- reading -----------------------------------------------------------------------------------

def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         metadata=None, energy_convention: str = "nilm", **h5_options) -> list[Household]:
    """Every UK-DALE household at ``path``: a raw house folder, a folder of them (recording
    sub-folders merged, see the module docstring), a NILMTK HDF5 file, or a folder holding any
    of these. Folders with ``labels.dat`` only are recorded as ``labels_only``.

    ``metadata``: UK-DALE's NILMTK metadata for raw folders, a ``buildingN.yaml`` file or a
    folder holding them (``None``: looked for beside the data, :func:`find_metadata`; ``False``:
    not used). ``energy_convention``: the default of
    :meth:`~nilm.series.Household.energy_wh` (see :func:`nilm.io.nilmtk.read`). ``h5_options``
    (``buildings``, ``meters``, ``start``, ``end``) go to :func:`nilm.io.nilmtk.read` for NILMTK
    HDF5 files.

    Returns
    -------
    list of Household (raw folders first, then HDF5 files, each ordered by path); time epoch s
    UTC, power W (VA for the raw and fixed-frame mains).
    """
    check_mode(mode)
    report = LoadReport() if report is None else report
    path = Path(path)
    houses, empty = [], []
    for house, recs in house_groups(path):
        with_data = [d for d in recs if channel_files(d)]
        if not with_data:
            empty.append(house)
            continue
        rep = LoadReport()
        houses.append(_read_raw(house, with_data, mode=mode, report=rep, metadata=metadata))
        report.extend(rep)
    for f in _h5_files(path):
        rep = LoadReport()
        found = _read_h5(f, mode=mode, report=rep, energy_convention=energy_convention,
                         **h5_options)
        report.extend(rep)
        houses.extend(found)
    note = "house folder has labels.dat but no channel_N.dat files; not loaded"
    for e in empty:
        report.add(e, None, "labels_only", note)
        for h in houses:
            h.report.add(e, None, "labels_only", note)
    for h in houses:
        h.meta["houses_without_data"] = [str(e) for e in empty]
        h.meta["energy_convention"] = check_convention(energy_convention)
    if not houses:
        raise NilmDataError(path, None, "no UK-DALE channel files or NILMTK HDF5 file found"
                            + (f" ({len(empty)} folders with labels.dat only)" if empty else ""))
    return houses


#: UK-DALE house 1 channels logged by CurrentCost transmitters (apparent power), by label, as
#: UK-DALE's metadata assigns the device (the ``solar`` label is the early name of
#: ``solar_thermal_pump``)
CURRENTCOST_LABELS = {1: frozenset({"boiler", "solar_thermal_pump", "solar", "lighting_circuit",
                                    "kitchen_lights"})}
#: UK-DALE device models measuring apparent power (the others measure active power)
APPARENT_DEVICES = frozenset({"EcoManagerWholeHouseTx", "CurrentCostTx"})


def find_metadata(house: Path, number, given=None) -> Path | None:
    """The NILMTK ``building<number>.yaml`` of a raw house folder: ``given`` (a file, or a
    folder holding it), else the first of ``<d>/metadata/building<N>.yaml`` and
    ``<d>/metadata/ukdale/building<N>.yaml`` for ``d`` = the house folder and its two parents
    (UK-DALE ships ``metadata/`` beside ``house_N/``)."""
    if given is False or not isinstance(number, int):
        return None
    name = f"building{number}.yaml"
    if given is not None:
        given = Path(given)
        f = given / name if given.is_dir() else given
        if not f.is_file():
            raise NilmDataError(f, None, "no such UK-DALE metadata file")
        return f
    for d in (house, house.parent, house.parent.parent):
        for f in (d / "metadata" / name, d / "metadata" / "ukdale" / name):
            if f.is_file():
                return f
    return None


def read_building_yaml(f: Path) -> dict:
    """A NILMTK building metadata YAML file as a dict (``elec_meters`` keys as int)."""
    import yaml

    try:
        with open(f, encoding="utf-8-sig") as fh:
            meta = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise NilmDataError(f, getattr(getattr(exc, "problem_mark", None), "line", None),
                            f"unreadable NILMTK metadata ({exc})") from exc
    if not isinstance(meta, dict):
        raise NilmDataError(f, None, "NILMTK metadata must be a mapping")
    meta["elec_meters"] = {int(k): v for k, v in (meta.get("elec_meters") or {}).items()
                           if isinstance(v, dict)}
    return meta


def read_meter_devices(folder: Path) -> dict:
    """The ``meter_devices.yaml`` of a NILMTK metadata folder ({} when absent)."""
    import yaml

    f = folder / "meter_devices.yaml"
    if not f.is_file():
        return {}
    try:
        with open(f, encoding="utf-8-sig") as fh:
            out = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise NilmDataError(f, None, f"unreadable NILMTK metadata ({exc})") from exc
    return out if isinstance(out, dict) else {}


def channel_quantity(house_no, n: int, label: str, device_model: str | None = None) -> str:
    """Power type of a raw UK-DALE channel, the NILMTK metadata's rule: the device model when
    known, else channel 1 (whole-house transmitter) and house 1's CurrentCost channels apparent,
    the plugs active."""
    if device_model:
        return "apparent" if device_model in APPARENT_DEVICES else "active"
    if n == 1 or normalise(label) in CURRENTCOST_LABELS.get(house_no, ()):
        return "apparent"
    return "active"


def _read_raw(house: Path, recs: list[Path], *, mode: str, report: LoadReport,
              metadata=None) -> Household:
    labels: dict[int, str] = {}
    source_files: dict[str, str] = {}
    for d in recs:
        f = d / "labels.dat"
        if not f.is_file():
            if mode == "strict":
                raise NilmDataError(f, None, "missing labels.dat")
            report.add(f, None, "missing_labels", "no labels.dat: channel 1 taken as the "
                       "aggregate (UK-DALE numbering), others named channel_N")
            continue
        source_files[str(f)] = sha256_file(f)
        these = read_labels(f, mode=mode, report=report)
        for n, lab in these.items():
            if n in labels and labels[n] != lab:
                msg = f"channel {n} is {lab!r} here but {labels[n]!r} in an earlier recording"
                if mode == "strict":
                    raise NilmDataError(f, None, msg)
                report.add(f, None, "labels_differ", msg + "; first kept")
                continue
            labels.setdefault(n, lab)
    pieces: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray, Path]]] = {}
    for d in recs:
        for n, f in channel_files(d).items():
            if n not in labels and (d / "labels.dat").is_file():
                if mode == "strict":
                    raise NilmDataError(f, None, f"channel {n} is not listed in labels.dat")
                report.add(f, None, "unlabelled_channel", f"channel {n} not in labels.dat; "
                           f"named channel_{n}")
            t, p, line = read_int_float(f, mode=mode, report=report)
            source_files[str(f)] = sha256_file(f)
            pieces.setdefault(n, []).append((t, p, line, f))
    agg = [n for n, lab in labels.items() if normalise(lab) == "aggregate"]
    mains_no = agg[0] if agg else 1  # UK-DALE numbering when labels.dat does not say
    number = house_id(house)
    ymeta_file = find_metadata(house, number, metadata)
    ymeta = read_building_yaml(ymeta_file) if ymeta_file else {}
    if ymeta_file:
        source_files[str(ymeta_file)] = sha256_file(ymeta_file)
    emeta = ymeta.get("elec_meters", {})
    devices = read_meter_devices(ymeta_file.parent) if ymeta_file else {}
    on, _groups = appliance_groups(ymeta, set(pieces), set())
    for m, info in sorted(emeta.items()):
        if info.get("site_meter"):
            where = info.get("data_location", f"channel_{m}.dat")
            state = ("disabled in the metadata" if info.get("disabled") else "")
            used = "used as mains" if m == mains_no and m in pieces else "not read here"
            report.add(ymeta_file, None, "site_meter", f"meter {m} ({where}) is a site meter"
                       + (f", {state}" if state else "") + f"; {used}")
        elif info.get("disabled"):
            report.add(ymeta_file, None, "disabled_meter", f"meter {m} is marked disabled in "
                       "the metadata; loaded as listed in labels.dat")
    types: dict[int, list[str]] = {}
    series: dict[int, PowerSeries] = {}
    for n, parts in sorted(pieces.items()):
        if len(parts) == 1:
            t, p = parts[0][0], parts[0][1]
        else:
            where = parts[-1][3]  # overlaps are blamed on the later recording
            t, p, _ = check_samples(where, np.concatenate([x[0] for x in parts]),
                                    np.concatenate([x[1] for x in parts]),
                                    np.concatenate([x[2] for x in parts]), mode=mode,
                                    report=report, allow_negative=True)
        label = labels.get(n, "aggregate" if n == mains_no else f"channel_{n}")
        name = ("mains" if n == mains_no
                else canonical(label)[0] if n in labels else f"channel_{n}")
        if n != mains_no and on.get(n):
            name, _label, types[n] = meter_name(on[n], fallback=name)
        qty = channel_quantity(number, n, label, emeta.get(n, {}).get("device_model"))
        series[n] = PowerSeries(t, p, name, label, qty)
    mains = series.pop(mains_no, None)
    if mains is None:
        msg = f"no channel_{mains_no}.dat (the aggregate)"
        if mode == "strict":
            raise NilmDataError(house, None, msg)
        report.add(house, None, "missing_mains", msg + ": Household without mains")
    nums = sorted(series)
    names = unique_names([series[n].name for n in nums])
    appliances, channels, devs = {}, {}, {}
    for name, n in zip(names, nums, strict=True):
        series[n].name = name
        appliances[name] = series[n]
        channels[name] = n
    for name, n in [("mains", mains_no)] + list(channels.items()):
        model = emeta.get(n, {}).get("device_model")
        if model:
            qty = mains.quantity if name == "mains" and mains is not None else (
                appliances[name].quantity if name in appliances else "active")
            devs[name] = device_info(model, devices, qty)
    meta = {"dataset": "UK-DALE", "house": number, "timezone": TIMEZONE,
            "source_files": source_files, "folder": str(house),
            "recordings": [str(d) for d in recs], "labels": {str(n): v for n, v in labels.items()},
            "absent_channels": sorted(n for n in labels if n not in pieces),
            "channels": channels, "mains_kind": "measured",
            "mains_quantity": "apparent (EcoManager whole-house transmitter)",
            "appliance_types": {nm: types[channels[nm]] for nm in channels
                                if channels[nm] in types}}
    if ymeta_file:
        meta["metadata_file"] = str(ymeta_file)
        meta["devices"] = devs
        meta.update(building_facts(ymeta))
    return Household(mains, appliances, meta, {}, report)


# --- HDF5 --------------------------------------------------------------------------------------

def _read_h5(f: Path, *, mode: str, report: LoadReport, **options) -> list[Household]:
    layout = _h5_layout(f)
    if layout is None:
        raise NilmDataError(f, None, "not a NILMTK/pandas HDF5 file")
    if layout == "fixed":
        options.pop("energy_convention", None)  # no sums in a fixed frame: nothing to keep
        return [_read_fixed(f, mode=mode, report=report)]
    return _read_tables(f, mode=mode, report=report, **options)


def _parse_column(name: str):
    """``"('kettle', 1)"`` -> ("kettle", 1); ``"mains"`` -> ("mains", None)."""
    try:
        v = ast.literal_eval(name)
        if isinstance(v, tuple) and len(v) == 2:
            return str(v[0]), int(v[1])
    except (ValueError, SyntaxError):
        pass
    return name, None


def _read_fixed(f: Path, *, mode: str, report: LoadReport) -> Household:
    import h5py

    with h5py.File(f, "r") as h5:
        key = next(k for k in h5 if attr_text(h5[k].attrs.get("pandas_type")) == "frame")
        g = h5[key]
        tz = attr_text(g["axis1"].attrs.get("tz"))
        tz = tz if tz and tz.replace("/", "").replace("_", "").isalnum() else TIMEZONE
        per_s = index_units_per_s(g["axis1"], "kind")
        where = f"{f}:/{key}"

        def whole(name):  # an undecodable filter is a NilmDataError naming the node
            return read_rows(g[name], 0, g[name].shape[0], f"{where}/{name}")

        ns = whole("axis1")
        cols = [attr_text(c) for c in whole("axis0")]
        data = np.full((len(ns), len(cols)), np.nan)
        for b in range(int(g.attrs.get("nblocks", 1))):
            items = [attr_text(c) for c in whole(f"block{b}_items")]
            vals = whole(f"block{b}_values")
            for j, item in enumerate(items):
                data[:, cols.index(item)] = vals[:, j]
    t = ns_to_s(ns, where, report, per_s)
    t, data, _ = check_samples(where, t, data, np.arange(1, len(t) + 1), mode=mode,
                               report=report)
    mains, extra, raw_names, series = None, {}, [], []
    for j, col in enumerate(cols):
        label, _inst = _parse_column(col)
        key_norm = normalise(label)
        if key_norm == "mains":
            mains = PowerSeries(t, data[:, j], "mains", col, "apparent")
        elif key_norm == "synthetic_mains":
            extra["synthetic_mains"] = PowerSeries(t, data[:, j], "synthetic_mains", col)
        else:
            raw_names.append(canonical(label)[0])
            series.append(PowerSeries(t, data[:, j], "", col, "active"))
    names = unique_names(raw_names)
    appliances = {}
    for name, s in zip(names, series, strict=True):
        s.name = name
        appliances[name] = s
    meta = {"dataset": "UK-DALE", "house": house_id(f.parent) if "house" in f.parent.name
            else f.stem, "timezone": tz, "source_files": {str(f): sha256_file(f)},
            "hdf5_layout": "pandas fixed frame", "columns": cols,
            "mains_kind": "measured" if mains is not None else "absent",
            "derived": "resampled by NILMTK"}
    return Household(mains, appliances, meta, extra, report)


def _read_tables(f: Path, *, mode: str, report: LoadReport, **options) -> list[Household]:
    from . import nilmtk

    houses = nilmtk.read_file(f, mode=mode, report=report, **options)
    for h in houses:
        if h.meta["dataset"] == "NILMTK":
            h.meta["dataset"] = "UK-DALE"
    return houses
