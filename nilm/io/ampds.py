"""AMPds / AMPds2, the Almanac of Minutely Power dataset (Makonin et al. 2013, 2016), Burnaby, BC.

Two layouts are read; times are int64 epoch s UTC, ``meta["timezone"]`` is America/Vancouver.

**Hourly energy CSV** (``AMPdsR1_1hr_Wh.csv``, made by S. Makonin for SparseNILM): ``,``-separated,
header ``TimeStamp,M_E,RSE,WHE,B1E,...``, ``TimeStamp`` unix epoch s, the other columns integer
Wh over the hour. Stored as mean power (Wh per hour = W), **start-labelled** (the first row,
2012-04-01 07:00 UTC, is local midnight, the start of the dataset), ``period=3600`` s:

* ``WHE`` (whole house) -> ``mains``;
* ``M_E`` (the main meter, = RSE + WHE) -> ``extra["main_meter"]`` and ``RSE`` (rental suite)
  -> ``extra["rental_suite"]``: they are outside WHE, so they are not sub-loads of the mains and
  must not be disaggregated from it;
* every other code -> an appliance named by :func:`nilm.names.canonical` (numbered when several
  codes share a name: ``sockets``, ``sockets_2``...); the label keeps the code.

**AMPds2 1-minute CSVs** (a folder of ``Electricity_<CODE>.csv``, Harvard Dataverse
doi:10.7910/DVN/FIE0S4): header ``unix_ts,V,I,f,DPF,APF,P,Pt,Q,Qt,S,St`` — unix epoch s,
voltage V, current A, frequency Hz, displacement and apparent power factors, real power W,
reactive power var, apparent power VA, and the meter's cumulative energy counters Pt, Qt, St.
(Column names checked against published AMPds2 files and NILMTK's AMPds converter, which maps
P/Q/S to active/reactive/apparent power and V/I to voltage/current.) Each reading is stored as
sampled at ``unix_ts`` and held for ``period=60`` s. ``P`` of each meter is its channel; for
``WHE`` (mains) ``Q``, ``S``, ``V`` and ``I`` go to ``extra`` (``reactive``, ``apparent``,
``voltage``, ``current``). The counters, frequency and power factors are not loaded. ``RSE``,
and ``MHE``/``UNE`` (main house, unmetered: sums of other meters in AMPds2), go to ``extra``
as ``rental_suite``, ``main_house``, ``unmetered``, for the same reason as above.

Bad input: a header without the required columns raises :class:`NilmDataError` (line 1) in
both modes; row problems follow :func:`nilm.io.delimited.split_rows` /
:func:`nilm.io.delimited.read_fields` (``wrong_field_count``, ``blank_line``,
``non_numeric``, ``missing_value``), a timestamp that is not an integer is ``malformed_line``,
and sorting/duplicates :func:`nilm.io.text.check_samples`.

A file gives one household (hourly), a folder of ``Electricity_*.csv`` one household (1-min);
``meta["house"]`` is the containing folder's name. A folder of such folders gives one household
per file or folder, in sorted order.

References: S. Makonin, B. Ellert, I. V. Bajić, F. Popowich, "Electricity, water, and natural gas
consumption of a residential house in Canada from 2012 to 2014", Scientific Data 3, 160037
(2016); S. Makonin et al., "AMPds: A Public Dataset for Load Disaggregation and Eco-Feedback
Research", IEEE EPEC 2013. Licence CC BY 4.0.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LoadReport, NilmDataError
from ..names import canonical, unique_names
from ..series import Household, PowerSeries
from . import text
from .delimited import add_lines, raise_first, read_fields, split_rows

NAME = "ampds"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): a Canadian split-
#: phase residential service of 200 A at 240 V (the AMPds house in Burnaby, BC)
POWER_RANGE_W = (-48_000.0, 48_000.0)
TIMEZONE = "America/Vancouver"
HOURLY_TIME = "TimeStamp"
MINUTE_COLUMNS = ("unix_ts", "V", "I", "f", "DPF", "APF", "P", "Pt", "Q", "Qt", "S", "St")
#: codes that are not sub-loads of WHE -> extra channel name
OUTSIDE_MAINS = {"M_E": "main_meter", "RSE": "rental_suite", "MHE": "main_house",
                 "UNE": "unmetered"}
#: AMPds2 WHE columns kept as extra channels -> (name, quantity)
MAINS_EXTRA = {"Q": ("reactive", "reactive"), "S": ("apparent", "apparent"),
               "V": ("voltage", "voltage"), "I": ("current", "current")}


def _header(path: Path) -> list[str]:
    try:
        with open(path, "rb") as f:
            line = f.readline(4096)
    except OSError:
        return []
    line = line.rstrip(b"\r\n").lstrip(b"\xef\xbb\xbf").decode(errors="replace")
    return [c.strip() for c in line.split(",")]


def _is_hourly(path: Path) -> bool:
    h = _header(path)
    return path.suffix.lower() == ".csv" and bool(h) and h[0] == HOURLY_TIME and "WHE" in h


def _is_minute(path: Path) -> bool:
    return (path.name.startswith("Electricity_") and path.suffix.lower() == ".csv"
            and _header(path)[:1] == ["unix_ts"])


def _units(path: Path) -> list[list[Path]]:
    """The load units under ``path``: one list per household (an hourly file, or the
    ``Electricity_*.csv`` files of one folder)."""
    path = Path(path)
    if path.is_file():
        if _is_hourly(path):
            return [[path]]
        if _is_minute(path):
            return [sorted(p for p in path.parent.glob("Electricity_*.csv") if _is_minute(p))]
        return []
    units = [[p] for p in sorted(path.glob("*.csv")) if _is_hourly(p)]
    minute = sorted(p for p in path.glob("Electricity_*.csv") if _is_minute(p))
    if minute:
        units.append(minute)
    if not units:
        for sub in sorted(p for p in path.iterdir() if p.is_dir()):
            units.extend(_units(sub))
    return units


def sources(path: Path) -> list[Path]:
    """Every file a load of ``path`` reads, sorted."""
    return sorted(p for unit in _units(path) for p in unit)


def detect(path: Path) -> bool:
    """True for an AMPds hourly CSV, an AMPds2 ``Electricity_<CODE>.csv``, or a folder with
    such files (directly or one level down)."""
    path = Path(path)
    return path.exists() and bool(_units(path))


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         **options) -> list[Household]:
    """Households from AMPds files (see the module docstring).

    Parameters
    ----------
    path : an hourly CSV, an ``Electricity_<CODE>.csv`` (its whole folder is read), or a
        folder.
    mode : ``"strict"`` or ``"lenient"``.
    report : load-wide report; each household also gets its own in ``household.report``.
    options : none are accepted.
    """
    if options:
        raise TypeError(f"ampds.read takes no options, got {sorted(options)}")
    units = _units(Path(path))
    if not units:
        raise NilmDataError(path, None, "no AMPds file found")
    out = []
    for unit in units:
        rep = LoadReport()
        if _is_hourly(unit[0]):
            out.append(read_hourly(unit[0], mode=mode, report=rep))
        else:
            out.append(read_minute(unit, mode=mode, report=rep))
        if report is not None:
            report.extend(rep)
    return out


def _read_csv(path: Path, *, mode: str, report: LoadReport, required: tuple[str, ...]):
    """(t int64 epoch s strictly increasing, values float64 [n, k], column names, sha256)."""
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    columns = [c.strip() for c in raw.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf")
               .rstrip(b"\r").decode(errors="replace").split(",")]
    missing = [c for c in required if c not in columns]
    if missing or len(set(columns)) != len(columns) or "" in columns:
        raise NilmDataError(path, 1, f"unexpected AMPds header {columns[:30]}: needs "
                            f"{list(required)}, unique non-empty names")
    if columns[0] != required[0]:
        raise NilmDataError(path, 1, f"first column must be {required[0]!r}, not {columns[0]!r}")
    _, body, line_no, pending = split_rows(path, raw, sep=b",", ncols=len(columns), mode=mode,
                                           report=report)
    df, values, errors = read_fields(path, body, line_no, columns, 1, sep=",", mode=mode,
                                     report=report)
    ts = pd.to_numeric(df[columns[0]].astype(str).str.strip(), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(ts) | (ts != np.round(ts)) | (np.abs(ts) > 2**53)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        errors.append((int(line_no[i]), f"{columns[0]} {df.iat[i, 0]!r} is not an integer "
                       "epoch second"))
        if mode == "lenient":
            add_lines(report, path, line_no[bad], "malformed_line",
                      f"{columns[0]} is not an integer epoch second; row skipped")
            ts, values, line_no = ts[~bad], values[~bad], line_no[~bad]
    raise_first(path, errors, pending, mode)
    t, values, _ = text.check_samples(path, ts.astype(np.int64), values, line_no, mode=mode,
                                      report=report)
    return t, values, columns[1:], sha


def read_hourly(path, *, mode: str = "lenient", report: LoadReport | None = None) -> Household:
    """One AMPds hourly-Wh CSV as one Household (see the module docstring)."""
    path = Path(path)
    report = LoadReport() if report is None else report
    t, values, codes, sha = _read_csv(path, mode=mode, report=report,
                                      required=(HOURLY_TIME, "WHE"))
    mains, apps, extra = None, {}, {}
    sub_codes = [c for c in codes if c != "WHE" and c not in OUTSIDE_MAINS]
    names = dict(zip(sub_codes, unique_names([canonical(c)[0] for c in sub_codes]),
                     strict=True))
    for j, code in enumerate(codes):
        # integer Wh over one hour is numerically the hour's mean power in W
        if code == "WHE":
            mains = PowerSeries(t, values[:, j], "mains", code, "active", 3600, True)
        elif code in OUTSIDE_MAINS:
            name = OUTSIDE_MAINS[code]
            extra[name] = PowerSeries(t, values[:, j], name, code, "active", 3600, True)
        else:
            apps[names[code]] = PowerSeries(t, values[:, j], names[code], code, "active", 3600,
                                            True)
    return Household(mains, apps, _meta(path, {str(path): sha}, "1h"), extra, report)


def read_minute(files, *, mode: str = "lenient", report: LoadReport | None = None) -> Household:
    """The AMPds2 ``Electricity_<CODE>.csv`` files of one folder as one Household."""
    files = sorted(Path(f) for f in files)
    report = LoadReport() if report is None else report
    mains, apps, extra, shas = None, {}, {}, {}
    codes = [f.stem.split("_", 1)[1] for f in files]
    sub_codes = [c for c in codes if c != "WHE" and c not in OUTSIDE_MAINS]
    names = dict(zip(sub_codes, unique_names([canonical(c)[0] for c in sub_codes]),
                     strict=True))
    for f, code in zip(files, codes, strict=True):
        t, values, cols, sha = _read_csv(f, mode=mode, report=report, required=MINUTE_COLUMNS)
        shas[str(f)] = sha
        p = values[:, cols.index("P")]
        if code == "WHE":
            mains = PowerSeries(t, p, "mains", f"{code}:P", "active", 60, True)
            for col, (name, quantity) in MAINS_EXTRA.items():
                extra[name] = PowerSeries(t, values[:, cols.index(col)], name, f"{code}:{col}",
                                          quantity, 60, True)
        elif code in OUTSIDE_MAINS:
            name = OUTSIDE_MAINS[code]
            extra[name] = PowerSeries(t, p, name, f"{code}:P", "active", 60, True)
        else:
            apps[names[code]] = PowerSeries(t, p, names[code], f"{code}:P", "active", 60, True)
    return Household(mains, apps, _meta(files[0], shas, "1min"), extra, report)


def _meta(path: Path, shas: dict[str, str], resolution: str) -> dict:
    return {"dataset": "AMPds", "house": path.parent.name, "timezone": TIMEZONE,
            "source_files": shas, "mains_kind": "measured", "resolution": resolution,
            "labelling": "start", "citation": "Makonin et al. 2016, doi:10.1038/sdata.2016.37"}
