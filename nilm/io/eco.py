"""ECO, the Electricity Consumption and Occupancy data set (Beckel et al. 2014, Kleiminger et al.
2015): six Swiss households, 1 Hz smart-meter and plug data, and occupancy labels from a tablet
the residents tapped on leaving and arriving, backed by PIR sensors in some houses.

Two layouts are read; times are int64 epoch s UTC, ``meta["timezone"]`` is Europe/Zurich,
``meta["house"]`` the ECO household number (``"2"``).

**Original layout** (the CSV archives of the ECO download, as NILM-Eval's ``export_csv`` and
NILMTK's ``convert_eco`` read them), under one root folder:

* ``NN_sm_csv/…/YYYY-MM-DD.csv`` — one smart-meter file per **local** day: no header, 86,400 rows
  (one per second from local midnight), 16 ``,``-separated columns: ``powerallphases``,
  ``powerl1`` … ``powerl3`` (W), ``currentneutral``, ``currentl1`` … ``currentl3`` (A),
  ``voltagel1`` … ``voltagel3`` (V), ``phaseanglevoltagel2l1``, ``phaseanglevoltagel3l1``,
  ``phaseanglecurrentvoltagel1`` … ``l3`` (degrees). ``-1`` marks a missing measurement.
  ``mains`` = ``powerallphases`` (the sum of the three phase powers), the phase powers go to
  ``extra`` (``phase_1`` … ``phase_3``); currents, voltages and angles are not loaded;
* ``NN_plugs_csv/PP/YYYY-MM-DD.csv`` (``NN_plug_csv`` also accepted) — one column, 86,400 rows,
  W, ``-1`` = missing; plug ``PP`` of house ``NN`` is named from :data:`PLUGS` (the ECO
  documentation's plug lists, also in NILMTK's ECO metadata), canonical names by
  :func:`nilm.names.canonical`, the ECO label kept;
* ``NN_occupancy_csv/NN_<season>.csv`` (``summer``, ``winter``; also accepted lying in the root)
  — a header line ``,'00:00:00','00:00:01',…`` (86,400 times of day, quoted) then one row per
  local day: ``DD-Mon-YYYY`` (``01-Jun-2012``) and 86,400 values, 1 = someone home, 0 = nobody.

Row ``i`` of a day file (column ``i`` of an occupancy row) is read as ``i`` seconds after that
day's local midnight. **Assumption** on the one DST day of the recording (2012-10-28, 25 hours):
the file then covers the first 86,400 s and the last hour is missing (ECO does not say).

**Derived 15-min layout** (``power_15min.csv`` and ``occupancy_15min.csv`` of the shared
excerpt, written from NILMTK's ECO HDF5): a power file whose header holds ``'sitemeter1'`` …
``'sitemeter3'`` (the phases' active power, W) and plug columns named by NILMTK's appliance
types, index = interval start with UTC offset; ``mains`` = the sum of the three phases. An
occupancy file with header ``,occupancy``: interval start in local time **without** offset,
1.0 / 0.0, empty = unknown.

**NILMTK's clock error**: ``convert_eco`` stamps each day file as if its first row were 00:00
**UTC**, so every reading of a NILMTK-converted ECO file is late by the UTC offset (2 h in
summer). The derived power file shows it: its first row is ``2012-06-01 02:00:00+02:00``, and
with the times taken as written the user-driven plugs (TV, lamp, HTPC, kettle, laptop, audio)
draw 49.7 W on average while ECO's occupancy says nobody is home, 2.0 W once moved back 2 h
(lagged correlation with occupancy peaks at that shift; the excerpt's own authors shift by 2 h
before joining). ``nilmtk_clock_fix=True`` (default) moves such times back: the UTC wall clock
written is read as Europe/Zurich local time (:func:`nilm.io.text.local_to_utc`), recorded as
``clock_corrected`` in the load report in both modes; ``False`` keeps them as written.

Ground truth (:func:`read_truth`, or :func:`nilm.truth_for` on a loaded household):
``household_present`` per 60-s step (original layout: the share of the step's seconds labelled
occupied; 15-min layout: the label of each 15-min step, ``step=900``), NaN where no label exists
— never "absent" by default; awake, wake and bed times are not recorded (NaN); no appliance-use
events (the plugs are the appliance truth); occupants unknown (0); ownership = the plugs.

Bad input (see :mod:`nilm.errors`): a day file or occupancy row with the wrong number of fields,
a value that is not a finite number (``nan``/``inf`` included) or an occupancy value other than
0/1 raises in strict mode (file, line); lenient mode reads that line's values as missing, since
a row's position is its time (``wrong_field_count``, ``non_numeric``). A day file with more or
fewer than 86,400 rows raises in strict mode; lenient mode drops the extra rows or leaves the
missing seconds empty (``wrong_row_count``). ``-1`` (the dataset's missing marker) and empty
values are NaN, counted as ``missing_value`` in both modes. A day given twice (two occupancy
files) keeps the first (``duplicate_day``).

References: C. Beckel, W. Kleiminger, R. Cicchetti, T. Staake, S. Santini, "The ECO Data Set and
the Performance of Non-Intrusive Load Monitoring Algorithms", BuildSys 2014; W. Kleiminger,
C. Beckel, S. Santini, "Household Occupancy Monitoring Using Electricity Meters", UbiComp 2015.
Licence CC BY 4.0.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LoadReport, NilmDataError
from ..names import canonical, unique_names
from ..resample import local_midnights
from ..series import Household, PowerSeries
from ..truth import GroundTruth
from . import text
from .checksum import sha256_file
from .delimited import raise_first, read_fields, split_rows

NAME = "eco"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): a Swiss three-phase
#: house connection of 3 x 63 A at 230 V + 10 % (ECO's smart meters sum the three phases)
POWER_RANGE_W = (-47_800.0, 47_800.0)
TIMEZONE = "Europe/Zurich"
#: rows of a day file: one per second
DAY_ROWS = 86_400
#: columns of a smart-meter day file
SM_COLUMNS = ("powerallphases", "powerl1", "powerl2", "powerl3", "currentneutral",
              "currentl1", "currentl2", "currentl3", "voltagel1", "voltagel2", "voltagel3",
              "phaseanglevoltagel2l1", "phaseanglevoltagel3l1", "phaseanglecurrentvoltagel1",
              "phaseanglecurrentvoltagel2", "phaseanglecurrentvoltagel3")
#: ECO's missing-measurement marker
MISSING = -1.0
#: step of the ground-truth timeline of the original layout, s
STEP = 60
#: plug number -> (ECO label, appliance type named canonically) of each house, from the ECO
#: documentation (Beckel et al. 2014) and NILMTK's ECO metadata; types follow NILMTK's where
#: they agree with the label ("Entertainment" is NILMTK's HTPC, as in the derived files), and
#: house 1's "Dryer" is read as the laundry dryer beside its washing machine (NILMTK: hair dryer)
PLUGS: dict[int, dict[int, tuple[str, str]]] = {
    1: {1: ("Fridge", "fridge"), 2: ("Dryer", "tumble dryer"),
        3: ("Coffee machine", "coffee maker"), 4: ("Kettle", "kettle"),
        5: ("Washing machine", "washing machine"), 6: ("PC", "computer"),
        7: ("Freezer", "freezer")},
    2: {1: ("Tablet", "tablet computer charger"), 2: ("Dishwasher", "dish washer"),
        3: ("Air exhaust", "air handling unit"), 4: ("Fridge", "fridge"),
        5: ("Entertainment", "HTPC"), 6: ("Freezer", "freezer"), 7: ("Kettle", "kettle"),
        8: ("Lamp", "lamp"), 9: ("Laptops", "laptop computer"), 10: ("Stove", "stove"),
        11: ("TV", "television"), 12: ("Stereo", "audio system")},
    3: {1: ("Tablet", "tablet computer charger"), 2: ("Freezer", "freezer"),
        3: ("Coffee machine", "coffee maker"), 4: ("PC", "computer"), 5: ("Fridge", "fridge"),
        6: ("Kettle", "kettle"), 7: ("Entertainment", "HTPC")},
    4: {1: ("Fridge", "fridge"), 2: ("Kitchen appliances", "kitchen"), 3: ("Lamp", "lamp"),
        4: ("Stereo and laptop", "electronics"), 5: ("Freezer", "freezer"),
        6: ("Tablet", "tablet computer charger"), 7: ("Entertainment", "HTPC"),
        8: ("Microwave", "microwave")},
    5: {1: ("Tablet", "tablet computer charger"), 2: ("Coffee machine", "coffee maker"),
        3: ("Fountain", "fountain"), 4: ("Microwave", "microwave"), 5: ("Fridge", "fridge"),
        6: ("Entertainment", "HTPC"), 7: ("PC", "computer"), 8: ("Kettle", "kettle")},
    6: {1: ("Lamp", "lamp"), 2: ("Laptop", "laptop computer"), 3: ("Router", "router"),
        4: ("Coffee machine", "coffee maker"), 5: ("Entertainment", "HTPC"),
        6: ("Fridge", "fridge"), 7: ("Freezer", "freezer"), 8: ("Kettle", "kettle")},
}
DERIVED_PHASES = ("sitemeter1", "sitemeter2", "sitemeter3")
CITATION = "Beckel et al. 2014 (BuildSys); Kleiminger et al. 2015 (UbiComp)"

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})\.csv")
_SM = re.compile(r"(\d{2})_sm_csv")
_PLUGS = re.compile(r"(\d{2})_plugs?_csv")
_OCC = re.compile(r"(\d{2})_[A-Za-z]+\.csv")
_OCC_DIR = re.compile(r"(\d{2})_occupancy_csv")
_NONFINITE = re.compile(rb"(?i)(^|,)\s*[+-]?(nan|inf|infinity)\s*(,|$)")


# ----------------------------------------------------------------------------- layout


def _header(path: Path, limit: int = 4096) -> list[str]:
    try:
        with open(path, "rb") as f:
            line = f.readline(limit)
    except OSError:
        return []
    line = line.lstrip(b"\xef\xbb\xbf").rstrip(b"\r\n").decode(errors="replace")
    return [c.strip().strip("'\"").strip() for c in line.split(",")]


def _is_derived_power(f: Path) -> bool:
    return f.suffix.lower() == ".csv" and all(c in _header(f) for c in DERIVED_PHASES)


def _is_derived_occupancy(f: Path) -> bool:
    return f.suffix.lower() == ".csv" and _header(f) == ["", "occupancy"]


def _is_occupancy(f: Path) -> bool:
    head = _header(f, 64)
    return (bool(_OCC.fullmatch(f.name)) and len(head) > 1 and head[0] == ""
            and re.fullmatch(r"\d{2}:\d{2}:\d{2}", head[1]) is not None)


class _Layout:
    """The files under a root, per house: ``sm`` day files, ``plugs`` {plug: day files},
    ``occupancy`` files; or the derived excerpt's two files."""

    def __init__(self, path: Path):
        path = Path(path)
        self.root = path if path.is_dir() else path.parent
        self.sm: dict[int, list[Path]] = {}
        self.plugs: dict[int, dict[int, list[Path]]] = {}
        self.occupancy: dict[int, list[Path]] = {}
        self.derived_power: Path | None = None
        self.derived_occupancy: Path | None = None
        if not self.root.is_dir():
            return
        csvs = sorted(self.root.glob("*.csv"))
        power = [f for f in csvs if _is_derived_power(f)]
        if power:
            self.derived_power = power[0]
            occ = [f for f in csvs if _is_derived_occupancy(f)]
            self.derived_occupancy = occ[0] if occ else None
            return
        # a path inside one house's NN_sm_csv / NN_plugs_csv / NN_occupancy_csv folder (a day
        # file, a plug folder) stands for that house of the root above it
        base, keep = self.root, None
        for anc in [self.root, *self.root.parents][:4]:
            if _SM.fullmatch(anc.name) or _PLUGS.fullmatch(anc.name) or \
                    _OCC_DIR.fullmatch(anc.name):
                base, keep = anc.parent, int(anc.name[:2])
                break
        for d in sorted(p for p in base.iterdir() if p.is_dir()):
            if m := _SM.fullmatch(d.name):
                days = sorted(f for f in d.rglob("*.csv") if _DAY.fullmatch(f.name))
                if days:
                    self.sm[int(m.group(1))] = days
            elif m := _PLUGS.fullmatch(d.name):
                plugs: dict[int, list[Path]] = {}
                for f in sorted(d.rglob("*.csv")):
                    if _DAY.fullmatch(f.name) and re.fullmatch(r"\d{2}", f.parent.name):
                        plugs.setdefault(int(f.parent.name), []).append(f)
                if plugs:
                    self.plugs[int(m.group(1))] = plugs
        occ_files = list(base.glob("*.csv")) + [f for d in base.iterdir()
                                                 if d.is_dir() and _OCC_DIR.fullmatch(d.name)
                                                 for f in d.glob("*.csv")]
        for f in sorted(occ_files):
            if _is_occupancy(f):
                self.occupancy.setdefault(int(f.name[:2]), []).append(f)
        if keep is not None:
            for d in (self.sm, self.plugs, self.occupancy):
                for k in [k for k in d if k != keep]:
                    del d[k]

    @property
    def houses(self) -> list[int]:
        return sorted(set(self.sm) | set(self.plugs))

    def files(self) -> list[Path]:
        if self.derived_power is not None:
            return sorted(f for f in (self.derived_power, self.derived_occupancy) if f)
        out = [f for v in self.sm.values() for f in v]
        out += [f for v in self.plugs.values() for fs in v.values() for f in fs]
        out += [f for v in self.occupancy.values() for f in v]
        return sorted(out)


def detect(path: Path) -> bool:
    """True for a folder of ECO's original CSV layout (``NN_sm_csv`` / ``NN_plugs_csv``
    folders) or of the derived 15-min power file (``'sitemeter1'`` … columns)."""
    path = Path(path)
    if not path.exists():
        return False
    lay = _Layout(path)
    return lay.derived_power is not None or bool(lay.houses)


def sources(path: Path) -> list[Path]:
    """Every file a load reads (occupancy files included: they are the ground truth), sorted."""
    return _Layout(Path(path)).files()


def truth_sources(path: Path) -> list[Path]:
    """The files :func:`read_truth` reads (the occupancy files), sorted."""
    lay = _Layout(Path(path))
    if lay.derived_power is not None:
        return [lay.derived_occupancy] if lay.derived_occupancy else []
    return sorted(f for v in lay.occupancy.values() for f in v)


# ----------------------------------------------------------------------------- parsing


def _lines(raw: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(buffer, line starts, line ends) of LF/CRLF text, trailing blank lines dropped."""
    raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    buf = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.r_[0, ends + 1]
    ends = np.r_[ends, len(buf)]
    # a CR before the LF is not part of the line
    cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13)
    ends = ends - cr
    nonblank = np.flatnonzero(ends > starts)
    keep = nonblank[-1] + 1 if len(nonblank) else 0
    return buf, starts[:keep], ends[:keep]


class _Problems:
    """Line problems of one file: the first raises in strict mode; lenient counts per kind."""

    def __init__(self, path: Path, mode: str, report: LoadReport):
        self.path, self.mode, self.report = path, mode, report

    def lines(self, kind: str, lines: np.ndarray, msg: str, repair: str) -> None:
        if not len(lines):
            return
        if self.mode == "strict":
            raise NilmDataError(self.path, int(lines[0]), msg)
        self.report.add(self.path, int(lines[0]), kind,
                        f"{len(lines)} lines: {msg}; {repair}", count=len(lines))


def _read_day(path: Path, ncols: int, *, mode: str, report: LoadReport) -> np.ndarray:
    """One headerless day file: float64 [86400, ncols], NaN where missing (``-1``, empty) or
    repaired (see the module docstring)."""
    prob = _Problems(path, mode, report)
    buf, starts, ends = _lines(path.read_bytes())
    n = len(starts)
    if n != DAY_ROWS:
        if mode == "strict":
            raise NilmDataError(path, DAY_ROWS + 1 if n > DAY_ROWS else None,
                                f"{n} rows, expected {DAY_ROWS} (one per second)")
        report.add(path, None, "wrong_row_count",
                   f"{n} rows, expected {DAY_ROWS}: "
                   + ("extra rows dropped" if n > DAY_ROWS else "missing seconds left empty"))
        starts, ends = starts[:DAY_ROWS], ends[:DAY_ROWS]
        n = len(starts)
    out = np.full((DAY_ROWS, ncols), np.nan)
    if n == 0:
        return out
    commas = np.flatnonzero(buf == ord(","))
    nfields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
    blank = ends == starts
    bad = blank | (nfields != ncols)
    prob.lines("wrong_field_count", np.flatnonzero(bad) + 1,
               f"wrong number of fields (expected {ncols})", "its values read as missing")
    good = np.flatnonzero(~bad)
    if len(good):
        body = b"\n".join(bytes(buf[starts[i]:ends[i]]) for i in good) if bad.any() \
            else bytes(buf[starts[0]:ends[-1]]).replace(b"\r", b"")
        vals = _floats(body, ncols)
        # ECO writes a missing value as -1, so NaN here comes from an empty, nan, inf or
        # garbage token
        rows = np.flatnonzero(~np.isfinite(vals).all(axis=1))
        prob.lines("non_numeric", good[rows] + 1, "empty value or not a finite number",
                   "its values read as missing")
        vals[rows] = np.nan
        out[good] = vals
    miss = out == MISSING
    if miss.any():
        rows = np.flatnonzero(miss.any(axis=1))
        report.add(path, int(rows[0]) + 1, "missing_value",
                   f"{int(miss.sum())} values are ECO's missing marker -1 (read as NaN)",
                   count=len(rows))
        out[miss] = np.nan
    return out


def _floats(body: bytes, ncols: int) -> np.ndarray:
    """float64 [n, ncols] of ``,``-separated numbers; NaN for a token that is not a number."""
    kw = {"header": None, "names": list(range(ncols)), "engine": "c", "na_filter": False}
    try:
        df = pd.read_csv(io.BytesIO(body), dtype=np.float64, **kw)
        return df.to_numpy(np.float64, copy=True)
    except ValueError:
        df = pd.read_csv(io.BytesIO(body), dtype=str, **kw)
        return np.column_stack([pd.to_numeric(df[c].str.strip(), errors="coerce")
                                .to_numpy(np.float64) for c in df.columns])


def _midnight(day: str) -> int:
    """Epoch s UTC of local midnight of ``YYYY-MM-DD`` in Europe/Zurich."""
    naive = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp())
    return int(text.local_to_utc(np.array([naive]), TIMEZONE)[0])


def _day_series(files: list[Path], ncols: int, keep: list[int], *, mode: str,
                report: LoadReport):
    """(t int64, values float64 [n, len(keep)]) of consecutive day files (1 Hz), columns
    ``keep`` of ``ncols``."""
    if not files:
        return np.zeros(0, np.int64), np.zeros((0, len(keep)))
    t = np.concatenate([_midnight(f.stem) + np.arange(DAY_ROWS, dtype=np.int64) for f in files])
    # only the kept columns stay in memory: a house-year of 16 float64 columns is 2.6 GB
    v = np.concatenate([_read_day(f, ncols, mode=mode, report=report)[:, keep].astype(np.float32)
                        for f in files])
    line = np.tile(np.arange(1, DAY_ROWS + 1), len(files))
    return text.check_samples(files[0].parent, t, v, line, mode=mode, report=report,
                              allow_negative=True)[:2]


# ----------------------------------------------------------------------------- households


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         nilmtk_clock_fix: bool = True, **options) -> list[Household]:
    """ECO households (see the module docstring).

    Parameters
    ----------
    path : the root of the original layout (or one house's ``NN_sm_csv`` folder), or the
        folder of the derived 15-min files.
    mode : ``"strict"`` or ``"lenient"``.
    report : load-wide report; each household also gets its own in ``household.report``.
    nilmtk_clock_fix : derived layout only: undo NILMTK's clock error (module docstring).
    options : none other are accepted.
    """
    if options:
        raise TypeError(f"eco.read takes no options besides nilmtk_clock_fix, got "
                        f"{sorted(options)}")
    lay = _Layout(Path(path))
    if lay.derived_power is not None:
        rep = LoadReport()
        out = [_read_derived(lay, mode=mode, report=rep, clock_fix=nilmtk_clock_fix)]
    elif lay.houses:
        out = []
        for house in lay.houses:
            rep = LoadReport()
            out.append(_read_house(lay, house, mode=mode, report=rep))
    else:
        raise NilmDataError(path, None, "no ECO data found (NN_sm_csv / NN_plugs_csv folders, "
                            "or a power file with 'sitemeter1'..'sitemeter3' columns)")
    if report is not None:
        for h in out:
            report.extend(h.report)
    return out


def _meta(house: int, files, layout: str) -> dict:
    return {"dataset": "ECO", "format": NAME, "house": str(house), "timezone": TIMEZONE,
            "mains_kind": "measured", "layout": layout,
            "source_files": {str(f): sha256_file(f) for f in files}, "citation": CITATION}


def _plug_name(house: int, plug: int) -> tuple[str, str]:
    """(canonical name, ECO label) of a plug."""
    label, kind = PLUGS.get(house, {}).get(plug, (f"plug {plug:02d}", f"plug {plug:02d}"))
    return canonical(kind)[0], label


def _read_house(lay: _Layout, house: int, *, mode: str, report: LoadReport) -> Household:
    mains, extra = None, {}
    if house in lay.sm:
        t, v = _day_series(lay.sm[house], len(SM_COLUMNS), [0, 1, 2, 3], mode=mode,
                          report=report)
        mains = PowerSeries(t, v[:, 0], "mains", "powerallphases", "active", 1.0)
        for k in (1, 2, 3):
            extra[f"phase_{k}"] = PowerSeries(t, v[:, k], f"phase_{k}", f"powerl{k}", "active",
                                              1.0)
    plugs = sorted(lay.plugs.get(house, {}).items())
    names = unique_names([_plug_name(house, p)[0] for p, _ in plugs])
    apps = {}
    for name, (plug, files) in zip(names, plugs, strict=True):
        t, v = _day_series(files, 1, [0], mode=mode, report=report)
        apps[name] = PowerSeries(t, v[:, 0], name, _plug_name(house, plug)[1], "active", 1.0)
    files = lay.sm.get(house, []) + [f for _, fs in plugs for f in fs] + \
        lay.occupancy.get(house, [])
    meta = _meta(house, sorted(files), "original")
    meta["plugs"] = {name: plug for name, (plug, _) in zip(names, plugs, strict=True)}
    return Household(mains, apps, meta, extra, report)


def _derived_times(path: Path, index: pd.Series, lines: np.ndarray, *, mode: str,
                   report: LoadReport, clock_fix: bool) -> np.ndarray:
    """UTC epoch s of the derived power file's index (``YYYY-MM-DD hh:mm:ss+hh:mm``)."""
    ts = pd.to_datetime(index.str.strip(), format="%Y-%m-%d %H:%M:%S%z", errors="coerce",
                        utc=True)
    bad = np.flatnonzero(ts.isna().to_numpy())
    if len(bad):
        if mode == "strict":
            raise NilmDataError(path, int(lines[bad[0]]), f"time {index.iat[bad[0]]!r} is not "
                                "'YYYY-MM-DD hh:mm:ss+hh:mm'")
    t = ((ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(
        dtype=np.float64, na_value=np.nan)
    if not clock_fix:
        return t
    ok = np.isfinite(t)
    fixed = t.copy()
    # the UTC wall clock NILMTK wrote is the local wall clock of the original day files
    fixed[ok] = text.local_to_utc(t[ok].astype(np.int64), TIMEZONE, path=path, line=lines[ok],
                                  mode=mode, report=report)
    if ok.any():
        shift = int(np.median(t[ok] - fixed[ok]))
        report.add(path, int(lines[ok][0]), "clock_corrected",
                   f"NILMTK's ECO converter read local-day files as UTC: {int(ok.sum())} times "
                   f"moved back by the Europe/Zurich UTC offset ({shift} s here); pass "
                   "nilmtk_clock_fix=False to keep them as written", count=int(ok.sum()))
    return fixed


def _read_csv_table(path: Path, *, mode: str, report: LoadReport):
    """(header names, index text, float64 values, 1-based lines) of a derived CSV.

    ``nan``/``inf`` tokens are bad values (strict: error; lenient: NaN, ``non_numeric``), never
    numbers; an empty field is missing (``missing_value``)."""
    raw = path.read_bytes()
    head = _header(path, 1 << 16)
    _, body, line_no, pending = split_rows(path, raw, sep=b",", ncols=len(head), mode=mode,
                                           report=report)
    cols = ["index"] + [f"c{i}" for i in range(1, len(head))]
    df, values, errors = read_fields(path, body, line_no, cols, 1, sep=",", mode=mode,
                                     report=report)
    bad = np.flatnonzero([bool(_NONFINITE.search(row)) for row in body.split(b"\n")]
                         if body else [])
    if len(bad):
        errors.append((int(line_no[bad[0]]), "value that is not a finite number (nan/inf)"))
        values[bad] = np.where(np.isfinite(values[bad]), values[bad], np.nan)
        if mode == "lenient":
            report.add(path, int(line_no[bad[0]]), "non_numeric",
                       f"{len(bad)} rows with nan/inf tokens: those values read as missing",
                       count=len(bad))
    raise_first(path, errors, pending, mode)
    return head, df["index"].astype(str), values, line_no


def _read_derived(lay: _Layout, *, mode: str, report: LoadReport, clock_fix: bool) -> Household:
    path = lay.derived_power
    head, index, values, lines = _read_csv_table(path, mode=mode, report=report)
    t = _derived_times(path, index, lines, mode=mode, report=report, clock_fix=clock_fix)
    ok = np.isfinite(t)
    if not ok.all():
        bad = lines[~ok]
        report.add(path, int(bad[0]), "malformed_line",
                   "time is not 'YYYY-MM-DD hh:mm:ss+hh:mm'; row skipped", count=len(bad))
    t, values, lines = t[ok].astype(np.int64), values[ok], lines[ok]
    t, values, _ = text.check_samples(path, t, values, lines, mode=mode, report=report)
    cols = head[1:]
    phases = [cols.index(c) for c in DERIVED_PHASES]
    # the three phases' active power; a step with a phase missing has no total
    total = values[:, phases].sum(axis=1)
    mains = PowerSeries(t, total, "mains", "+".join(DERIVED_PHASES), "active", 900.0, True)
    extra = {f"phase_{k + 1}": PowerSeries(t, values[:, j], f"phase_{k + 1}", cols[j],
                                           "active", 900.0, True)
             for k, j in enumerate(phases)}
    plug_cols = [j for j in range(len(cols)) if j not in phases]
    names = unique_names([canonical(cols[j])[0] for j in plug_cols])
    apps = {name: PowerSeries(t, values[:, j], name, cols[j], "active", 900.0, True)
            for name, j in zip(names, plug_cols, strict=True)}
    m = re.search(r"house_?(\d+)", path.parent.name)
    house = int(m.group(1)) if m else 0
    meta = _meta(house, lay.files(), "derived_15min")
    if not m:
        meta["house"] = path.parent.name
    meta["nilmtk_clock_fix"] = clock_fix
    return Household(mains, apps, meta, extra, report)


# ----------------------------------------------------------------------------- truth


def read_truth(path, *, mode: str = "lenient", report: LoadReport | None = None
               ) -> dict[str, GroundTruth]:
    """ECO's occupancy ground truth of every house with occupancy files, by ``meta["house"]``
    (rules in the module docstring).

    Parameters
    ----------
    path : as :func:`read`.
    mode : ``"strict"`` or ``"lenient"``.
    report : where lenient repairs of the occupancy files are recorded.
    """
    report = LoadReport() if report is None else report
    lay = _Layout(Path(path))
    if lay.derived_power is not None:
        if lay.derived_occupancy is None:
            return {}
        m = re.search(r"house_?(\d+)", lay.root.name)
        house = str(int(m.group(1))) if m else lay.root.name
        return {house: _derived_truth(lay.derived_occupancy, mode=mode, report=report,
                                      ownership=_derived_ownership(lay.derived_power))}
    out = {}
    for house, files in sorted(lay.occupancy.items()):
        own = {_plug_name(house, p)[0]: True for p in lay.plugs.get(house, {})}
        out[str(house)] = _occupancy_truth(files, mode=mode, report=report, ownership=own)
    return out


def _derived_ownership(power: Path) -> dict[str, bool]:
    cols = [c for c in _header(power, 1 << 16)[1:] if c not in DERIVED_PHASES]
    return {canonical(c)[0]: True for c in cols}


def _truth(start: int, step: int, frac: np.ndarray, ownership: dict, source: str
           ) -> GroundTruth:
    n = len(frac)
    _, edges = local_midnights(start, start + step * n, TIMEZONE)
    days = edges[:-1]
    nan_d = np.full(len(days), np.nan)
    home = np.nan_to_num(frac, nan=0.0)[None, :] >= 0.5
    return GroundTruth(
        start=start, step=step, timezone=TIMEZONE, present_person=home,
        awake_person=np.zeros_like(home), days=days, wake=nan_d[None, :].copy(),
        bed=nan_d[None, :].copy(), hot_water_l=nan_d.copy(), water_heater_kwh=nan_d.copy(),
        occupants=0, ownership=ownership, source=source, household_present=frac,
        household_awake=np.full(n, np.nan), person_known=np.isfinite(frac)[None, :],
        routine_level="household")


def _derived_truth(path: Path, *, mode: str, report: LoadReport, ownership: dict
                   ) -> GroundTruth:
    head, index, values, lines = _read_csv_table(path, mode=mode, report=report)
    prob = _Problems(path, mode, report)
    naive = pd.to_datetime(index.str.strip(), format="%Y-%m-%d %H:%M:%S", errors="coerce")
    bad = naive.isna().to_numpy()
    prob.lines("malformed_line", lines[bad], "time is not 'YYYY-MM-DD hh:mm:ss'",
               "row skipped")
    v = values[~bad, 0]
    lines = lines[~bad]
    local = ((naive[~bad] - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
    out_of_range = np.isfinite(v) & ((v < 0) | (v > 1))
    prob.lines("non_numeric", lines[out_of_range], "occupancy outside [0, 1]",
               "read as unknown")
    v = np.where(out_of_range, np.nan, v)
    t = text.local_to_utc(local, TIMEZONE, path=path, line=lines, mode=mode, report=report)
    t, v, lines = text.check_samples(path, t, v, lines, mode=mode, report=report)
    if not len(t):
        raise NilmDataError(path, None, "no occupancy rows")
    step = int(np.min(np.diff(t))) if len(t) > 1 else 900
    off = (t - t[0]) % step
    prob.lines("off_grid", lines[off != 0], f"time not on the {step}-s grid of the first row",
               "row skipped")
    t, v = t[off == 0], v[off == 0]
    frac = np.full(int((t[-1] - t[0]) // step) + 1, np.nan)
    frac[(t - t[0]) // step] = v
    return _truth(int(t[0]), step, frac, ownership,
                  "ECO tablet+PIR occupancy (15-min, derived by nurhidayat86/adem)")


def _occupancy_rows(path: Path, *, mode: str, report: LoadReport):
    """(seconds of day int64 [86400], {date: (int8 [86400] 1/0/-1 unknown, line)})."""
    prob = _Problems(path, mode, report)
    raw = path.read_bytes()
    buf, starts, ends = _lines(raw)
    if not len(starts):
        raise NilmDataError(path, None, "empty occupancy file")
    head = bytes(buf[starts[0]:ends[0]]).decode(errors="replace").split(",")
    secs = []
    for tok in head[1:]:
        m = re.fullmatch(r"\s*['\"]?(\d{2}):(\d{2}):(\d{2})['\"]?\s*", tok)
        secs.append(int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
                    if m else -1)
    secs = np.array(secs, dtype=np.int64)
    if (head[0].strip() != "" or len(secs) != DAY_ROWS or (secs < 0).any()
            or (np.diff(secs) != 1).any()):
        raise NilmDataError(path, 1, f"unexpected header: needs an empty first field then "
                            f"{DAY_ROWS} consecutive times of day 'hh:mm:ss'")
    days: dict[int, tuple[np.ndarray, int]] = {}
    for i in range(1, len(starts)):
        line = i + 1
        row = bytes(buf[starts[i]:ends[i]])
        date_s, _, rest = row.partition(b",")
        try:
            day = datetime.strptime(date_s.decode().strip(), "%d-%b-%Y").date()
        except (ValueError, UnicodeDecodeError):
            prob.lines("malformed_line", np.array([line]),
                       f"date {date_s[:20]!r} is not 'DD-Mon-YYYY'", "row skipped")
            continue
        vals = _occupancy_values(rest)
        if vals is None:
            prob.lines("wrong_field_count", np.array([line]),
                       f"wrong number of fields (expected {DAY_ROWS + 1})", "row skipped")
            continue
        if (vals == -2).any():
            prob.lines("non_numeric", np.array([line]), "occupancy value other than 0 or 1",
                       "read as unknown")
            vals[vals == -2] = -1
        key = day.toordinal()
        if key in days:
            prob.lines("duplicate_day", np.array([line]),
                       f"day {day} given twice (first at line {days[key][1]} of its file)",
                       "later row skipped")
            continue
        days[key] = (vals, line)
    return secs, days


def _occupancy_values(rest: bytes) -> np.ndarray | None:
    """int8 [86400]: 1, 0, -1 (empty), -2 (not 0/1); None for a wrong field count."""
    b = np.frombuffer(rest, dtype=np.uint8)
    if len(b) == 2 * DAY_ROWS - 1 and (b[1::2] == ord(",")).all():
        d = b[::2]
        out = np.where(d == ord("1"), 1, np.where(d == ord("0"), 0, -2)).astype(np.int8)
        return out
    toks = rest.split(b",")
    if len(toks) != DAY_ROWS:
        return None
    out = np.full(DAY_ROWS, -2, dtype=np.int8)
    for k, tok in enumerate(toks):
        s = tok.strip()
        if not s:
            out[k] = -1
            continue
        try:
            v = float(s)
        except ValueError:
            continue
        if v in (0.0, 1.0):
            out[k] = int(v)
    return out


def _occupancy_truth(files: list[Path], *, mode: str, report: LoadReport, ownership: dict
                     ) -> GroundTruth:
    """The original layout's occupancy (1 Hz) as the share of each minute labelled occupied."""
    days: dict[int, np.ndarray] = {}
    secs = None
    for f in files:
        s, rows = _occupancy_rows(f, mode=mode, report=report)
        secs = s
        for key, (vals, line) in rows.items():
            if key in days:
                _Problems(f, mode, report).lines(
                    "duplicate_day", np.array([line]), f"day ordinal {key} already given by "
                    "another occupancy file", "this row skipped")
                continue
            days[key] = vals
    if not days:
        raise NilmDataError(files[0], None, "no occupancy rows")
    keys = sorted(days)
    first = datetime.fromordinal(keys[0]).strftime("%Y-%m-%d")
    last = datetime.fromordinal(keys[-1]).strftime("%Y-%m-%d")
    start = _midnight(first)
    end = _midnight(last) + DAY_ROWS + int(secs[-1] >= DAY_ROWS)
    n_s = -(-(end - start) // STEP) * STEP
    occ = np.full(n_s, -1, dtype=np.int8)
    for key in keys:
        day = datetime.fromordinal(key).strftime("%Y-%m-%d")
        pos = _midnight(day) - start + secs
        inside = (pos >= 0) & (pos < n_s)
        occ[pos[inside]] = days[key][inside]
    m = occ.reshape(-1, STEP)
    known = (m >= 0).sum(axis=1)
    on = (m == 1).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(known > 0, on / known, np.nan)
    # a minute mostly unlabelled says little: unknown below half coverage
    frac[known < STEP // 2] = np.nan
    return _truth(start, STEP, frac, ownership, "ECO tablet+PIR occupancy")
