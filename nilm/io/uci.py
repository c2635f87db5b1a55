"""UCI "Individual household electric power consumption" (Hébrail & Bérard 2012, Sceaux, France).

Format (``household_power_consumption.txt``): ``;``-separated, LF or CRLF, one header line
``Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;Sub_metering_1;
Sub_metering_2;Sub_metering_3``, then one row per minute. ``Date`` is ``d/m/yyyy`` (no zero
padding), ``Time`` is ``hh:mm:ss`` **local time in France** (Europe/Paris), missing values are
``?`` (the original file writes a missing row as ``?`` six times and an empty last field).

What is stored (all start-labelled, ``period=60`` s; times int64 epoch s UTC):

* ``mains``: Global_active_power kW x 1000 -> W (active);
* ``appliances``: Sub_metering_1/2/3, Wh over the minute x 60 -> mean W, named ``kitchen``,
  ``laundry``, ``water_heater`` (:mod:`nilm.names`), labels kept;
* ``extra``: ``reactive`` (Global_reactive_power kW x 1000 -> var), ``voltage`` (V) and
  ``current`` (Global_intensity, A).

**Assumption**: a row stamped hh:mm is the mean (or energy) over the minute *starting* at hh:mm.
The UCI page does not say; this is how the values are stored (start-labelled), so
``PowerSeries.energy_wh`` of a sub-meter equals the sum of its Wh column.

The part of the load that no sub-meter sees (mains - S1 - S2 - S3) is derived, not measured:
:func:`unmetered` computes it; no channel is invented for it.

Local time to UTC follows the French DST rules through :func:`nilm.io.text.local_to_utc`: in the
autumn the hour 02:00-02:59 repeats and rows, being in file order, are read as the summer-time pass
first and the winter-time pass after the clock steps back; in spring 02:00-02:59 does not exist.

Bad input (see :mod:`nilm.errors`): a wrong header raises :class:`NilmDataError` (line 1) in both
modes, since the columns could not be trusted. Row problems raise in strict mode (file, line);
lenient mode repairs and records them:

* ``?`` or empty fields -> NaN, recorded as ``missing_value`` (count = rows, in both modes, since
  ``?`` is the dataset's own missing marker, not an error);
* wrong number of fields or a blank line -> row skipped, ``wrong_field_count`` / ``blank_line``
  (count = rows);
* a Date/Time that does not parse -> row skipped, ``malformed_line`` (count = rows);
* a numeric field that does not parse -> NaN, ``non_numeric`` (count = fields);
* unsorted or duplicate times -> :func:`nilm.io.text.check_samples`.

Loading a folder: a folder holding the file is one household; a folder of such folders (the
subsets in ``shared/data/uci_household_power_consumption/``) gives one household per subset, in
sorted order, kept separate because they are disjoint windows of the same house (merging them
would create month-long gaps that every consumer would have to know about). ``meta["house"]`` is
the subset folder's name when it starts with ``sceaux`` (e.g. ``sceaux_2006-12-16_to_2007-01-19``),
else ``"sceaux"`` (and ``"sceaux_<folder>"`` when a load has several files).

Reference: G. Hébrail and A. Bérard, "Individual household electric power consumption", UCI
Machine Learning Repository (2012), doi:10.24432/C58K54 (CC BY 4.0).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LoadReport, NilmDataError
from ..names import canonical
from ..series import Household, PowerSeries
from . import text
from .delimited import add_lines, raise_first, read_fields, split_rows

NAME = "uci"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): 36 kVA, the largest
#: French residential contract (the Sceaux house, like the Linky formats)
POWER_RANGE_W = (-36_000.0, 36_000.0)
TIMEZONE = "Europe/Paris"
FILENAME = "household_power_consumption.txt"
COLUMNS = ("Date", "Time", "Global_active_power", "Global_reactive_power", "Voltage",
           "Global_intensity", "Sub_metering_1", "Sub_metering_2", "Sub_metering_3")
HEADER = ";".join(COLUMNS).encode()
#: numeric column -> (scale to the stored unit, quantity)
_UNITS = {
    "Global_active_power": (1000.0, "active"),     # kW -> W
    "Global_reactive_power": (1000.0, "reactive"),  # kW -> var
    "Voltage": (1.0, "voltage"),
    "Global_intensity": (1.0, "current"),
    "Sub_metering_1": (60.0, "active"),            # Wh per minute -> W
    "Sub_metering_2": (60.0, "active"),
    "Sub_metering_3": (60.0, "active"),
}
_EXTRA = {"Global_reactive_power": "reactive", "Voltage": "voltage", "Global_intensity": "current"}
_SUBMETERS = ("Sub_metering_1", "Sub_metering_2", "Sub_metering_3")
PERIOD = 60


def _first_line(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.readline(4096).rstrip(b"\r\n").lstrip(b"\xef\xbb\xbf")
    except OSError:
        return b""


def _is_uci_file(path: Path) -> bool:
    return path.is_file() and _first_line(path) == HEADER


def sources(path: Path) -> list[Path]:
    """The UCI text files a load reads: ``path`` itself, the ``*.txt`` files with a UCI header
    in the folder, or else those one level down (one per subset folder), sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    here = sorted(p for p in path.glob("*.txt") if _is_uci_file(p))
    if here:
        return here
    return sorted(p for p in path.glob("*/*.txt") if _is_uci_file(p))


def detect(path: Path) -> bool:
    """True for a file whose first line is the UCI header, or a folder with such files."""
    path = Path(path)
    if path.is_file():
        return _is_uci_file(path)
    return path.is_dir() and bool(sources(path))


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         **options) -> list[Household]:
    """Households from a UCI file or folder (see the module docstring).

    Parameters
    ----------
    path : a ``household_power_consumption.txt`` file, a folder holding it, or a folder of
        subset folders.
    mode : ``"strict"`` or ``"lenient"``.
    report : load-wide report; each household also gets its own in ``household.report``.
    options : none are accepted.
    """
    if options:
        raise TypeError(f"uci.read takes no options, got {sorted(options)}")
    files = sources(Path(path))
    if not files:
        raise NilmDataError(path, None, "no UCI household_power_consumption file found")
    out = []
    for f in files:
        rep = LoadReport()
        h = read_file(f, mode=mode, report=rep, house=_house_name(f, len(files)))
        if report is not None:
            report.extend(rep)
        out.append(h)
    return out


def _house_name(f: Path, nfiles: int) -> str:
    folder = f.parent.name
    if folder.lower().startswith("sceaux"):
        return folder
    return "sceaux" if nfiles == 1 else f"sceaux_{folder}"


def read_file(path, *, mode: str = "lenient", report: LoadReport | None = None,
              house: str = "sceaux") -> Household:
    """One UCI file as one Household (see the module docstring)."""
    path = Path(path)
    report = LoadReport() if report is None else report
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    t, values, _ = parse(path, raw, mode=mode, report=report)
    chans = {}
    for j, col in enumerate(COLUMNS[2:]):
        scale, quantity = _UNITS[col]
        chans[col] = PowerSeries(t, values[:, j] * scale, _name(col), col, quantity, PERIOD,
                                 interval=True)
    return Household(
        mains=chans["Global_active_power"],
        appliances={_name(c): chans[c] for c in _SUBMETERS},
        meta={"dataset": "UCI", "house": house, "timezone": TIMEZONE,
              "source_files": {str(path): sha}, "mains_kind": "measured",
              "labelling": "start", "citation": "Hébrail & Bérard 2012, doi:10.24432/C58K54"},
        extra={_EXTRA[c]: chans[c] for c in _EXTRA},
        report=report,
    )


def _name(col: str) -> str:
    if col == "Global_active_power":
        return "mains"
    if col in _EXTRA:
        return _EXTRA[col]
    return canonical(col)[0]


def parse(path, raw: bytes, *, mode: str, report: LoadReport):
    """Parse the bytes of a UCI file.

    Returns
    -------
    t : int64 [n] epoch s UTC, strictly increasing.
    values : float64 [n, 7], the numeric columns in file units (kW, kW, V, A, Wh, Wh, Wh),
        NaN where missing.
    line : int64 [n] 1-based file line of each row.
    """
    header, body, line_no, pending = split_rows(path, raw, sep=b";", ncols=len(COLUMNS),
                                                mode=mode, report=report)
    if header != HEADER:
        raise NilmDataError(path, 1, f"not a UCI header: expected {HEADER.decode()!r}, got "
                            f"{header[:200].decode(errors='replace')!r}")
    df, values, errors = read_fields(path, body, line_no, COLUMNS, 2, sep=";", mode=mode,
                                     report=report)
    local, bad_time = _local_seconds(df["Date"], df["Time"])
    if bad_time.any():
        i = int(np.flatnonzero(bad_time)[0])
        errors.append((int(line_no[i]), f"unparseable Date/Time {df['Date'].iat[i]!r} "
                       f"{df['Time'].iat[i]!r} (d/m/yyyy hh:mm:ss)"))
        if mode == "lenient":
            add_lines(report, path, line_no[bad_time], "malformed_line",
                      "unparseable Date/Time (d/m/yyyy hh:mm:ss); row skipped")
            keep = ~bad_time
            local, values, line_no = local[keep], values[keep], line_no[keep]
    raise_first(path, errors, pending, mode)
    t = text.local_to_utc(local, TIMEZONE, path=path, line=line_no, mode=mode,
                          report=report)
    return text.check_samples(path, t, values, line_no, mode=mode, report=report)


def _local_seconds(date: pd.Series, time: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(naive local epoch s, bool unparseable). Date and time are parsed apart because each
    has few distinct values (days, minutes of the day), which pandas' cache exploits."""
    out, bad = np.zeros(len(date), np.int64), np.zeros(len(date), bool)
    for col, fmt in ((date, "%d/%m/%Y"), (time, "%H:%M:%S")):
        codes, uniq = pd.factorize(col, use_na_sentinel=False)
        parsed = pd.to_datetime(pd.Series(uniq, dtype=object), format=fmt, errors="coerce")
        sec = parsed.to_numpy().astype("datetime64[s]").astype(np.int64)
        if fmt == "%H:%M:%S":
            sec = sec % 86400  # strptime puts a bare time on 1900-01-01
        bad |= parsed.isna().to_numpy()[codes]
        out += sec[codes]
    return out, bad


def unmetered(household: Household) -> PowerSeries:
    """Power no UCI sub-meter sees: mains - kitchen - laundry - water_heater, W.

    The UCI documentation defines it as ``Global_active_power*1000/60 - (S1+S2+S3)`` Wh per
    minute; this is the same quantity as mean power. Derived, not measured: the sub-meters are
    whole Wh per minute (60 W steps) and the mains is rounded to 1 W, so small negative values
    are quantisation, not errors. NaN where any input is NaN. Start-labelled, ``period=60``.
    """
    m = household.mains
    parts = [household.appliances[n] for n in ("kitchen", "laundry", "water_heater")]
    if m is None or any(not np.array_equal(s.t, m.t) for s in parts):
        raise ValueError("unmetered() needs a UCI household whose channels share timestamps")
    p = m.p.astype(np.float64) - sum(s.p.astype(np.float64) for s in parts)
    return PowerSeries(m.t, p, "unmetered", "mains - Sub_metering_1 - Sub_metering_2 - "
                       "Sub_metering_3", "active", m.period)
