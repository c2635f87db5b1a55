"""REFIT, cleaned (Murray, Stankovic & Stankovic 2017, "An electrical load measurements dataset
of United Kingdom households from a two-year longitudinal study", Scientific Data 4, 160122):
20 UK houses, whole-house and nine appliance channels every ~8 s, 2013-2015. CC BY 4.0.

One file per house: ``CLEAN_House<N>.csv`` (or the earlier ``House_<N>.csv``), ``,``-separated,
header ``Time,Unix,Aggregate,Appliance1,...,Appliance9,Issues``: ``Time`` the local date-time
(Europe/London, not used: ``Unix`` is the same instant), ``Unix`` epoch seconds UTC, the power
columns active power in W (``Aggregate`` the house's current clamp, ``ApplianceK`` individual
appliance monitors), ``Issues`` 1 where the appliances' sum exceeds the aggregate (REFIT's flag,
kept; see ``issues``).

Appliance names: REFIT's readme lists the nine appliances of each house
(:data:`REFIT_APPLIANCES`, with the NILMTK types NILMTK's REFIT metadata gives them); a channel
is named by the same rule as NILMTK files (:func:`nilm.names.appliance_name`: the readme label
when nilm knows it, else its NILMTK type), so a raw and a NILMTK-converted REFIT house load with
the same names. ``meta["labels"]`` keeps the readme labels. Houses without a table entry (or a
file name without a house number) name the channels ``appliance1`` ... ``appliance9``.

Occupants: REFIT's household table (``household_info.csv``: ``house,occupancy,
construction_year,appliances_owned,type,size``) given as ``metadata=`` or found beside the data
(:func:`find_household_info`) sets ``meta["occupants"]``, ``building_type``,
``construction_year``, ``appliances_owned`` and ``size``.

Bad input follows :func:`nilm.io.delimited.split_rows` / :func:`~nilm.io.delimited.read_fields`
(``wrong_field_count``, ``blank_line``, ``non_numeric``, ``missing_value``); a ``Unix`` value
that is not an integer is ``malformed_line``; sorting and duplicates
:func:`nilm.io.text.check_samples`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from ..errors import LoadReport, NilmDataError, check_mode
from ..names import appliance_name, unique_names
from ..series import Household, PowerSeries, check_convention
from . import text
from .checksum import sha256_file
from .delimited import add_lines, raise_first, read_fields, split_rows

NAME = "refit"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): a UK single-phase
#: domestic supply, cut-out fuse of at most 100 A at 230 V + 10 % (BS 7671 supply tolerance)
POWER_RANGE_W = (-25_300.0, 25_300.0)
TIMEZONE = "Europe/London"
COLUMNS = ("Time", "Unix", "Aggregate", *(f"Appliance{k}" for k in range(1, 10)), "Issues")
FILE_RE = re.compile(r"(?:CLEAN_House|House_?)(\d+)\.csv", re.IGNORECASE)
ISSUES = ("keep", "drop")
#: REFIT's appliances per house (readme label, NILMTK type), Appliance1..Appliance9 in order
REFIT_APPLIANCES: dict[int, tuple[tuple[str, str], ...]] = {
    1: (('Fridge', 'fridge'), ('Freezer(1)', 'freezer'), ('Freezer(2)', 'freezer'),
        ('Washer Dryer', 'washer dryer'), ('Washing Machine', 'washing machine'),
        ('Dishwaser', 'dish washer'), ('Computer', 'computer'), ('Television Site', 'television'),
        ('Electric Heater', 'electric space heater')),
    2: (('Fridge-Freezer', 'fridge freezer'), ('Washing Machine', 'washing machine'),
        ('Dishwaser', 'dish washer'), ('Television Site', 'television'),
        ('Microwave', 'microwave'), ('Toaster', 'toaster'), ('Hi-Fi', 'audio system'),
        ('Kettle', 'kettle'), ('Overhead Fan', 'fan')),
    3: (('Toaster', 'toaster'), ('Fridge-Freezer', 'fridge freezer'), ('Freezer', 'freezer'),
        ('Tumble Dryer', 'tumble dryer'), ('Dishwasher', 'dish washer'),
        ('Washing Machine', 'washing machine'), ('Television Site', 'television'),
        ('Microwave', 'microwave'), ('Kettle', 'kettle')),
    4: (('Fridge', 'fridge'), ('Freezer', 'freezer'), ('Fridge-Freezer', 'fridge freezer'),
        ('Tumble Dryer', 'tumble dryer'), ('Washing Machine(1)', 'washing machine'),
        ('Washing Machine(2)', 'washing machine'), ('Television Site', 'television'),
        ('Microwave', 'microwave'), ('Kettle', 'kettle')),
    5: (('Fridge-Freezer', 'fridge freezer'), ('Tumble Dryer', 'tumble dryer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'),
        ('Desktop Computer', 'computer'), ('Television Site', 'television'),
        ('Microwave', 'microwave'), ('Kettle', 'kettle'), ('Toaster', 'toaster')),
    6: (('Freezer', 'freezer'), ('Washing Machine', 'washing machine'),
        ('Dishwasher', 'dish washer'), ('MJY Computer', 'computer'),
        ('TV/Satellite', 'television'), ('Microwave', 'microwave'), ('Kettle', 'kettle'),
        ('Toaster', 'toaster'), ('PGM Computer', 'computer')),
    7: (('Fridge', 'fridge'), ('Freezer(1)', 'freezer'), ('Freezer(2)', 'freezer'),
        ('Tumble Dryer', 'tumble dryer'), ('Washing Machine', 'washing machine'),
        ('Dishwasher', 'dish washer'), ('Television Site', 'television'), ('Toaster', 'toaster'),
        ('Kettle', 'kettle')),
    8: (('Fridge', 'fridge'), ('Freezer', 'freezer'), ('Washer Dryer', 'washer dryer'),
        ('Washing Machine', 'washing machine'), ('Toaster', 'toaster'), ('Computer', 'computer'),
        ('Television Site', 'television'), ('Microwave', 'microwave'), ('Kettle', 'kettle')),
    9: (('Fridge-Freezer', 'fridge freezer'), ('Washer Dryer', 'washer dryer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'),
        ('Television Site', 'television'), ('Microwave', 'microwave'), ('Kettle', 'kettle'),
        ('Hi-Fi', 'audio system'), ('Electric Heater', 'electric space heater')),
    10: (('Magimix(Blender)', 'food processor'), ('Toaster', 'toaster'),
        ('Chest Freezer', 'freezer'), ('Fridge-Freezer', 'fridge freezer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'),
        ('Television Site', 'television'), ('Microwave', 'microwave'),
        ('K Mix', 'food processor')),
    11: (('Firdge', 'fridge'), ('Fridge-Freezer', 'fridge freezer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'),
        ('Computer Site', 'computer'), ('Microwave', 'microwave'), ('Kettle', 'kettle'),
        ('Router', 'broadband router'), ('Hi-Fi', 'audio system')),
    12: (('Fridge-Freezer', 'fridge freezer'), ('???', 'unknown'), ('???', 'unknown'),
        ('Computer Site', 'computer'), ('Microwave', 'microwave'), ('Kettle', 'kettle'),
        ('Toaster', 'toaster'), ('Television', 'television'), ('???', 'unknown')),
    13: (('Television Site', 'television'), ('Freezer', 'freezer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'), ('???', 'unknown'),
        ('Network Site', 'broadband router'), ('Microwave', 'microwave'),
        ('Microwave', 'microwave'), ('Kettle', 'kettle')),
    15: (('Fridge-Freezer', 'fridge freezer'), ('Tumble Dryer', 'tumble dryer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'),
        ('Computer Site', 'computer'), ('Television Site', 'television'),
        ('Microwave', 'microwave'), ('Hi-Fi', 'audio system'), ('Toaster', 'toaster')),
    16: (('Fridge-Freezer(1)', 'fridge freezer'), ('Fridge-Freezer(2)', 'fridge freezer'),
        ('Electric Heater(1)', 'electric space heater'),
        ('Electric Heater(2)', 'electric space heater'), ('Washing Machine', 'washing machine'),
        ('Dishwasher', 'dish washer'), ('Computer Site', 'computer'),
        ('Television Site', 'television'), ('Dehumidifier', 'dehumidifier')),
    17: (('Freezer', 'freezer'), ('Fridge-Freezer', 'fridge freezer'),
        ('Tumble Dryer', 'tumble dryer'), ('Washing Machine', 'washing machine'),
        ('Computer Site', 'computer'), ('Television Site', 'television'),
        ('Microwave', 'microwave'), ('Kettle', 'kettle'), ('TV Site(Bedroom)', 'television')),
    18: (('Fridge(garage)', 'fridge'), ('Freezer(garage)', 'freezer'),
        ('Fridge-Freezer', 'fridge freezer'), ('Washer Dryer(garage)', 'washer dryer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'),
        ('Desktop Computer', 'computer'), ('Television Site', 'television'),
        ('Microwave', 'microwave')),
    19: (('Fridge Freezer', 'fridge freezer'), ('Washing Machine', 'washing machine'),
        ('Television Site', 'television'), ('Microwave', 'microwave'), ('Kettle', 'kettle'),
        ('Toaster', 'toaster'), ('Bread-maker', 'breadmaker'), ('Games Console', 'games console'),
        ('Hi-Fi', 'audio system')),
    20: (('Fridge', 'fridge'), ('Freezer', 'freezer'), ('Tumble Dryer', 'tumble dryer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'),
        ('Computer Site', 'computer'), ('Television Site', 'television'),
        ('Microwave', 'microwave'), ('Kettle', 'kettle')),
    21: (('Fridge-Freezer', 'fridge freezer'), ('Tumble Dryer', 'tumble dryer'),
        ('Washing Machine', 'washing machine'), ('Dishwasher', 'dish washer'),
        ('Food Mixer', 'food processor'), ('Television', 'television'), ('???', 'unknown'),
        ('Vivarium', 'appliance'), ('Pond Pump', 'pond pump')),
}


def _is_refit(f: Path) -> bool:
    if not (f.is_file() and FILE_RE.fullmatch(f.name)):
        return False
    try:
        with open(f, "rb") as fh:
            head = fh.readline(4096)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf").startswith(b"Time,Unix,Aggregate")


def files(path) -> list[Path]:
    path = Path(path)
    if path.is_file():
        return [path] if _is_refit(path) else []
    if not path.is_dir():
        return []
    return sorted((p for p in path.rglob("*.csv") if _is_refit(p)),
                  key=lambda p: (str(p.parent), house_number(p) or 0, p.name))


def detect(path) -> bool:
    """A ``CLEAN_House<N>.csv`` file (REFIT header) or a folder holding one."""
    return bool(files(path))


def house_number(f: Path) -> int | None:
    m = FILE_RE.fullmatch(f.name)
    return int(m.group(1)) if m else None


def find_household_info(f: Path, given=None) -> Path | None:
    """REFIT's household table for the data file ``f``: ``given``, else the first
    ``household_info.csv`` in ``<d>``, ``<d>/metadata`` or ``<d>/metadata/refit`` for ``d`` =
    the file's folder and its two parents."""
    if given is False:
        return None
    if given is not None:
        given = Path(given)
        if not given.is_file():
            raise NilmDataError(given, None, "no such REFIT household table")
        return given
    for d in (f.parent, f.parent.parent, f.parent.parent.parent):
        for c in (d / "household_info.csv", d / "metadata" / "household_info.csv",
                  d / "metadata" / "refit" / "household_info.csv"):
            if c.is_file():
                return c
    return None


def read_household_info(f: Path) -> dict[int, dict]:
    """{house: {occupants, construction_year, appliances_owned, building_type, size}}."""
    out = {}
    with open(f, encoding="utf-8-sig", newline="") as fh:
        rows = csv.DictReader(fh)
        need = {"house", "occupancy"}
        if not need <= set(rows.fieldnames or ()):
            raise NilmDataError(f, 1, f"household table needs columns {sorted(need)}")
        for no, row in enumerate(rows, start=2):
            try:
                house, occ = int(row["house"]), int(row["occupancy"])
            except (TypeError, ValueError) as exc:
                raise NilmDataError(f, no, f"house and occupancy must be integers ({exc})") from exc
            out[house] = {"occupants": occ, "construction_year": row.get("construction_year"),
                          "appliances_owned": row.get("appliances_owned"),
                          "building_type": row.get("type"), "size": row.get("size")}
    return out


def sources(path) -> list[Path]:
    out = []
    for f in files(path):
        out.append(f)
        info = find_household_info(f)
        if info is not None and info not in out:
            out.append(info)
    return out


def read(path, *, mode: str = "lenient", report: LoadReport | None = None, metadata=None,
         issues: str = "keep", energy_convention: str = "nilm") -> list[Household]:
    """Every REFIT house at ``path`` (a ``CLEAN_House<N>.csv`` or a folder of them).

    Parameters
    ----------
    path : file or folder.
    mode : ``"strict"`` or ``"lenient"`` (see :mod:`nilm.io`).
    report : load-wide report; each Household also gets its own.
    metadata : REFIT's ``household_info.csv`` (None: found beside the data; False: not used).
    issues : ``"keep"`` the rows REFIT flags (``Issues = 1``; their count is reported as
        ``issues_flagged`` and in ``meta["issues_rows"]``) or ``"drop"`` them from every channel
        (``issues_dropped``): each becomes a NaN sample, so its interval is a gap.
    energy_convention : the default of :meth:`~nilm.series.Household.energy_wh` (``"nilmtk"``:
        NILMTK's ``total_energy()``, with REFIT's NILMTK devices: 120 s, 0-5000 W).

    Returns
    -------
    list of Household ordered by house; time epoch s UTC, power W (active).
    """
    check_mode(mode)
    check_convention(energy_convention)
    if issues not in ISSUES:
        raise ValueError(f"issues must be one of {ISSUES}, not {issues!r}")
    report = LoadReport() if report is None else report
    found = files(path)
    if not found:
        raise NilmDataError(path, None, "no REFIT CLEAN_House<N>.csv file found")
    houses = []
    for f in found:
        rep = LoadReport()
        houses.append(_read_file(f, mode=mode, report=rep, metadata=metadata, issues=issues))
        houses[-1].meta["energy_convention"] = energy_convention
        report.extend(rep)
    return houses


def _read_file(f: Path, *, mode: str, report: LoadReport, metadata, issues: str) -> Household:
    header, body, line_no, pending = split_rows(f, f.read_bytes(), sep=b",", ncols=len(COLUMNS),
                                                mode=mode, report=report)
    got = [c.strip() for c in header.decode("utf-8", "replace").split(",")]
    if got != list(COLUMNS):
        raise NilmDataError(f, 1, f"REFIT header must be {','.join(COLUMNS)}, got "
                            f"{','.join(got)}")
    _df, vals, errors = read_fields(f, body, line_no, list(COLUMNS), 1, sep=",", mode=mode,
                                    report=report)
    unix = vals[:, 0]
    bad = ~np.isfinite(unix) | (unix != np.round(unix))
    if bad.any():
        errors.append((int(line_no[bad][0]), "Unix is not an integer epoch second"))
        if mode == "lenient":
            add_lines(report, f, line_no[bad], "malformed_line",
                      "Unix is not an integer epoch second; row skipped")
    raise_first(f, errors, pending, mode)
    keep = ~bad
    t, v, line = unix[keep].astype(np.int64), vals[keep, 1:], line_no[keep]
    t, v, line = text.check_samples(f, t, v, line, mode=mode, report=report)
    flagged = np.isfinite(v[:, -1]) & (v[:, -1] != 0)
    n_flag = int(flagged.sum())
    if n_flag and issues == "drop":
        report.add(f, None, "issues_dropped", f"{n_flag} rows flagged Issues=1 (appliances' sum "
                   "above the aggregate) dropped from every channel: gaps (NaN), not bridged "
                   "by the reading before", count=n_flag)
        # removing the rows would let the reading before be held over them (up to max_hold):
        # their intervals are missing data instead
        v = v.copy()
        v[flagged] = np.nan
    elif n_flag:
        report.add(f, None, "issues_flagged", f"{n_flag} rows flagged Issues=1 (appliances' sum "
                   "above the aggregate) kept; issues='drop' makes them gaps", count=n_flag)
    house = house_number(f)
    table = REFIT_APPLIANCES.get(house)
    labels = [a[0] for a in table] if table else [f"Appliance{k}" for k in range(1, 10)]
    raw = ([appliance_name({"original_name": lab, "type": typ}) for lab, typ in table] if table
           else [f"appliance{k}" for k in range(1, 10)])
    names = unique_names(raw)
    mains = PowerSeries(t, v[:, 0], "mains", "Aggregate", "active")
    appliances = {n: PowerSeries(t, v[:, k + 1], n, lab, "active")
                  for k, (n, lab) in enumerate(zip(names, labels, strict=True))}
    meta = {"dataset": "REFIT", "house": house if house is not None else f.stem,
            "timezone": TIMEZONE, "source_files": {str(f): sha256_file(f)},
            "labels": {n: lab for n, lab in zip(names, labels, strict=True)},
            "channels": {n: f"Appliance{k}" for k, n in enumerate(names, start=1)},
            "appliance_types": ({n: [typ] for n, (_, typ) in zip(names, table, strict=True)}
                                if table else {}),
            "issues_rows": n_flag, "issues": issues, "mains_kind": "measured",
            "devices": {n: {"device_model": "IAM", "max_sample_period": 120, "lower_limit": 0,
                            "upper_limit": 5000} for n in names}
            | {"mains": {"device_model": "Clamp", "max_sample_period": 120, "lower_limit": 0,
                         "upper_limit": 5000}}}
    info_file = find_household_info(f, metadata)
    if info_file is not None:
        meta["source_files"][str(info_file)] = sha256_file(info_file)
        facts = read_household_info(info_file).get(house)
        if facts is None:
            report.add(info_file, None, "house_not_in_table", f"house {house} is not in the "
                       "household table: no occupants")
        else:
            meta.update({k: v for k, v in facts.items() if v not in (None, "", "-")})
        meta["metadata_file"] = str(info_file)
    return Household(mains, appliances, meta, {}, report)
