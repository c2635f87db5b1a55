"""tracebase single-appliance plug traces (Reinhardt et al. 2012, "On the Accuracy of Appliance
Identification Based on Distributed Load Metering Data", SustainIT).

One file is one plug for one local day: ``DD/MM/YYYY hh:mm:ss;<W averaged over 1 s>;<W averaged
over 8 s>`` (parsed by :func:`nilm.io.text.read_tracebase_file`; local time Europe/Berlin,
converted to UTC with zoneinfo, DST handled there). File names are ``dev_<id>_<yyyy.mm.dd>.csv``,
``device_<id>_…``, ``_<id>_…`` or with a suffix (``dev_98ABAA_2012.01.04_CRT-TV.csv``); ``<id>`` is
the 6-hex-digit metering plug. The folder above a file is the appliance type.

A device is keyed by (appliance folder, plug id): plugs were moved between appliances, so the same
id under two folders is two devices. Each device becomes one Household with ``mains=None``, one
appliance (the canonical name of its folder) holding the 1-s column, the 8-s column in
``extra["<name>_8s"]``, its day-files concatenated in time, and
``meta["house"] = "<folder>/<plug id>"``. These are real measured signatures, no household
aggregate; :func:`signatures` gives them one series per day-file for the simulator.

Licence: ODbL 1.0 — "Contains information from the tracebase data set, which is made available at
http://www.tracebase.org under the Open Database License (ODbL)."
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import LoadReport, NilmDataError, check_mode
from ..names import canonical, normalise
from ..series import Household, PowerSeries
from .checksum import sha256_file
from .text import check_samples, read_tracebase_file

NAME = "tracebase"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): a German three-
#: phase house connection of 3 x 63 A at 230 V + 10 % (a plug meter sits behind it; 1-s inrush
#: peaks exceed a socket's 3.7 kW)
POWER_RANGE_W = (-47_800.0, 47_800.0)
TIMEZONE = "Europe/Berlin"
_FILE = re.compile(r"(?:dev|device)?_(?P<id>[0-9A-Fa-f]{6})_"
                   r"(?P<y>\d{4})\.(?P<m>\d{2})\.(?P<d>\d{2})(?:_[^/]*)?\.csv", re.IGNORECASE)
_FIRST_LINE = re.compile(rb"\s*\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}:\d{2}\s*;")


def parse_file_name(name: str) -> tuple[str, str] | None:
    """(plug id upper-case, ``yyyy-mm-dd``) from a tracebase file name, or None."""
    m = _FILE.fullmatch(name)
    if not m:
        return None
    return m.group("id").upper(), f"{m.group('y')}-{m.group('m')}-{m.group('d')}"


def _looks_like_tracebase(f: Path) -> bool:
    try:
        with open(f, "rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return bool(_FIRST_LINE.match(head))


def day_files(path) -> list[Path]:
    """Every ``*.csv`` at ``path`` (a file, or a folder searched at any depth), by path."""
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")


def detect(path) -> bool:
    """A tracebase day-file, or a folder whose first ``.csv`` is one."""
    path = Path(path)
    if path.is_file():
        return path.suffix.lower() == ".csv" and _looks_like_tracebase(path)
    if not path.is_dir():
        return False
    first = next((p for p in sorted(path.rglob("*.csv")) if p.is_file()), None)
    return first is not None and _looks_like_tracebase(first)


def sources(path) -> list[Path]:
    return day_files(path)


def _device_key(f: Path, mode: str, report: LoadReport) -> tuple[str, str, str]:
    """(appliance folder, plug id, day) of a day-file."""
    parsed = parse_file_name(f.name)
    if parsed is None:
        msg = ("file name does not follow dev_<id>_<yyyy.mm.dd>.csv (or device_/_<id>_ "
               "variants)")
        if mode == "strict":
            raise NilmDataError(f, None, msg)
        report.add(f, None, "unrecognised_file_name", msg + "; the file stem is used as device id")
        return f.parent.name, f.stem, ""
    return f.parent.name, parsed[0], parsed[1]


def read(path, *, mode: str = "lenient", report: LoadReport | None = None) -> list[Household]:
    """One Household per device (appliance folder, plug id) found at ``path``.

    Parameters
    ----------
    path : a day-file or a folder (e.g. ``tracebase/complete``), searched at any depth.
    mode : ``"strict"`` or ``"lenient"`` (see :mod:`nilm.io`). Repeated timestamps within one
        second are expected in tracebase and averaged in both modes (see
        :func:`nilm.io.text.read_tracebase_file`).
    report : load-wide report; each Household also has its own.

    Returns
    -------
    list of Household ordered by (folder, plug id); ``mains=None``; time epoch s UTC; W.
    """
    check_mode(mode)
    report = LoadReport() if report is None else report
    files = day_files(path)
    if not files:
        raise NilmDataError(path, None, "no tracebase .csv day-files found")
    devices: dict[tuple[str, str], list[tuple[str, Path]]] = {}
    for f in files:
        folder, dev, day = _device_key(f, mode, report)
        devices.setdefault((folder, dev), []).append((day, f))
    houses = []
    for (folder, dev), days in sorted(devices.items()):
        rep = LoadReport()
        houses.append(_read_device(folder, dev, sorted(days), mode=mode, report=rep))
        report.extend(rep)
    return houses


def _read_device(folder: str, dev: str, days: list[tuple[str, Path]], *, mode: str,
                 report: LoadReport) -> Household:
    name, known = canonical(folder)
    parts = [read_tracebase_file(f, tz=TIMEZONE, mode=mode, report=report) for _, f in days]
    if len(parts) == 1:
        t, p1, p8 = parts[0][:3]
    else:
        where = days[-1][1]
        t, both, _ = check_samples(where, np.concatenate([x[0] for x in parts]),
                                   np.stack([np.concatenate([x[1] for x in parts]),
                                             np.concatenate([x[2] for x in parts])], axis=1),
                                   np.concatenate([x[3] for x in parts]), mode=mode,
                                   report=report, allow_negative=True, duplicates="mean",
                                   strict_duplicates=False)
        p1, p8 = both[:, 0], both[:, 1]
    label = f"{folder}/{dev}"
    appliance = PowerSeries(t, p1, name, label, "active")
    extra = {f"{name}_8s": PowerSeries(t, p8, f"{name}_8s", label + " (8 s average)", "active")}
    meta = {"dataset": "tracebase", "house": label, "timezone": TIMEZONE,
            "source_files": {str(f): sha256_file(f) for _, f in days},
            "appliance_folder": folder, "plug_id": dev, "label_recognised": known,
            "days": [d for d, _ in days], "mains_kind": "absent", "simulated": False}
    return Household(None, {name: appliance}, meta, extra, report)


def signatures(path, appliance: str | None = None, *, mode: str = "lenient",
               report: LoadReport | None = None) -> dict[str, list[PowerSeries]]:
    """Real appliance signatures: canonical name -> one 1-s-average PowerSeries per day-file.

    Parameters
    ----------
    path : a tracebase day-file or folder.
    appliance : keep only this appliance, given as a canonical name (``"kettle"``) or a tracebase
        folder name (``"WaterKettle"``); None keeps all.
    mode, report : as in :func:`read`.

    Returns
    -------
    {canonical name: [PowerSeries, ...]}, series in path order, each labelled
    ``"<folder>/<plug id>/<day>"``; time epoch s UTC, power W.
    """
    check_mode(mode)
    report = LoadReport() if report is None else report
    want = None if appliance is None else {canonical(appliance)[0], normalise(appliance)}
    out: dict[str, list[PowerSeries]] = {}
    for f in day_files(path):
        folder, dev, day = _device_key(f, mode, report)
        name = canonical(folder)[0]
        if want is not None and name not in want and normalise(folder) not in want:
            continue
        t, p1, _, _ = read_tracebase_file(f, tz=TIMEZONE, mode=mode, report=report)
        out.setdefault(name, []).append(PowerSeries(t, p1, name, f"{folder}/{dev}/{day}"))
    return out
