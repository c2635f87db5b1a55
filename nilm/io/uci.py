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
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LoadReport, NilmDataError
from ..names import canonical
from ..series import Household, PowerSeries
from . import text

NAME = "uci"
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


def add_lines(report: LoadReport, path, lines, kind: str, msg: str) -> None:
    """One entry per line up to the report's cap, then one entry counting the rest."""
    keep = min(len(lines), report.max_entries)
    for ln in lines[:keep]:
        report.add(path, int(ln), kind, msg)
    if len(lines) > keep:
        report.add(path, None, kind, f"{len(lines) - keep} more such rows", len(lines) - keep)


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
    t = _local_to_utc(local, path, line_no, mode, report)
    return text.check_samples(path, t, values, line_no, mode=mode, report=report)


def split_rows(path, raw: bytes, *, sep: bytes, ncols: int, mode: str, report: LoadReport):
    """Split a delimited text file into its header and the rows that have ``ncols`` fields.

    LF or CRLF, an optional UTF-8 BOM and trailing blank lines are accepted. Rows with another
    number of fields, and blank lines inside the data, are skipped and recorded
    (``wrong_field_count``, ``blank_line``) in lenient mode. In strict mode the rows are cut at
    the first such line and the error is returned as ``pending``, to be raised only if no
    earlier line is bad (see :func:`raise_first`), so the error names the first bad line.

    Returns
    -------
    header : bytes, the first line.
    body : bytes, the kept rows joined by LF.
    line_no : int64 [n], 1-based file line of each kept row.
    pending : NilmDataError or None.
    """
    raw = raw.replace(b"\r\n", b"\n")
    raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    nl = raw.find(b"\n")
    header = raw if nl < 0 else raw[:nl]
    body = b"" if nl < 0 else raw[nl + 1:]
    body = body.rstrip(b"\n")  # trailing blank lines hold nothing
    if not body:
        return header, body, np.empty(0, np.int64), None
    buf = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.r_[0, ends + 1]
    ends = np.r_[ends, len(buf)]
    blank = ends == starts
    # separators per line in one pass (reduceat sums each [start, next start) segment; the
    # value it gives a blank line is meaningless and overridden by ``blank``)
    nfields = np.add.reduceat(buf == ord(sep), starts, dtype=np.int64) + 1
    line_no = np.arange(2, len(starts) + 2, dtype=np.int64)
    bad = blank | (nfields != ncols)
    if not bad.any():
        return header, body, line_no, None
    first = int(np.flatnonzero(bad)[0])
    if mode == "strict":
        what = ("blank line inside the data" if blank[first] else
                f"wrong number of fields ({nfields[first]}, expected {ncols})")
        pending = NilmDataError(path, int(line_no[first]), what)
        return header, body[:max(int(starts[first]) - 1, 0)], line_no[:first], pending
    add_lines(report, path, line_no[blank], "blank_line", "blank line inside the data; skipped")
    add_lines(report, path, line_no[bad & ~blank], "wrong_field_count",
              f"wrong number of fields (expected {ncols}); row skipped")
    lines = body.split(b"\n")
    body = b"\n".join(ln for ln, b in zip(lines, bad, strict=True) if not b)
    return header, body, line_no[~bad], None


def read_fields(path, body: bytes, line_no, columns, ntext: int, *, sep: str, mode: str,
                report: LoadReport):
    """Read rows split by :func:`split_rows`: the first ``ntext`` columns as text, the others as
    float64.

    ``?`` and empty fields are NaN, recorded as ``missing_value`` (one per row). A field that
    is not a number is NaN and recorded as ``non_numeric`` (one per field) in lenient mode.

    Returns
    -------
    df : DataFrame of the text columns (others as read).
    values : float64 [n, len(columns) - ntext].
    errors : list of (line, message) for strict mode (see :func:`raise_first`).
    """
    errors: list[tuple[int, str]] = []
    if not body:
        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return df, np.empty((0, len(columns) - ntext)), errors
    df, values, nonnum = _read_table(body, columns, ntext, sep)
    if nonnum.any():
        r, c = np.nonzero(nonnum)
        order = np.argsort(r, kind="stable")
        r, c = r[order], c[order]
        errors.append((int(line_no[r[0]]), f"non-numeric {columns[ntext + c[0]]} value "
                       f"{df.iat[r[0], ntext + c[0]]!r}"))
        if mode == "lenient":
            add_lines(report, path, line_no[r], "non_numeric",
                      "non-numeric value read as missing (NaN)")
    missing_rows = np.flatnonzero(np.isnan(values).any(axis=1) & ~nonnum.any(axis=1))
    if len(missing_rows):
        add_lines(report, path, line_no[missing_rows], "missing_value",
                  "'?' or empty field(s) read as NaN")
    return df, values, errors


def raise_first(path, errors: list[tuple[int, str]], pending: NilmDataError | None,
                mode: str) -> None:
    """In strict mode, raise the error of the earliest bad line (``pending`` comes from
    :func:`split_rows` and is, by construction, later than every other error)."""
    if mode != "strict":
        return
    if errors:
        line, msg = min(errors)
        raise NilmDataError(path, line, msg)
    if pending is not None:
        raise pending


def _local_to_utc(local, path, line_no, mode, report):
    """Naive Europe/Paris epoch s -> UTC epoch s, O(n).

    Every local hour whose start and end have one UTC offset is converted in one vectorised
    step (pandas/zoneinfo, one lookup per distinct hour). Only rows in DST-transition hours
    (repeated or skipped) go through :func:`nilm.io.text.local_to_utc`, one calendar year at a
    time, so that each call meets at most one repeated autumn hour, which its step-back rule
    resolves (first pass summer time, second pass winter time).
    """
    out = np.empty(len(local), dtype=np.int64)
    if len(local) == 0:
        return out
    hours, inv = np.unique(local // 3600, return_inverse=True)
    offset = np.zeros(len(hours), dtype=np.int64)
    fixed = np.ones(len(hours), dtype=bool)
    for edge in (0, 3599):
        naive = pd.DatetimeIndex((hours * 3600 + edge).astype("datetime64[s]"))
        aware = naive.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="NaT")
        bad = np.asarray(aware.isna())
        utc = aware.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]")
        off = np.where(bad, 0, (naive.to_numpy().astype("datetime64[s]") - utc)
                       .astype(np.int64))
        if edge:
            fixed &= ~bad & (off == offset)
        else:
            fixed &= ~bad
            offset = off
    row_fixed = fixed[inv]
    out[row_fixed] = local[row_fixed] - offset[inv[row_fixed]]
    idx = np.flatnonzero(~row_fixed)
    if len(idx):
        year = local[idx].astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64)
        cuts = np.flatnonzero(np.diff(year) != 0) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(idx)], strict=True):
            sel = idx[a:b]
            out[sel] = text.local_to_utc(local[sel], TIMEZONE, path=path, line=line_no[sel],
                                         mode=mode, report=report)
    return out


def _read_table(body: bytes, columns, ntext: int, sep: str):
    """(table, float64 values, bool non-numeric). The fast path lets the C parser convert the
    numbers; only when some field is not a number is everything read as text to find which."""
    num = list(columns[ntext:])
    kw = {"sep": sep, "header": None, "names": list(columns), "engine": "c",
          "keep_default_na": False}
    try:
        df = pd.read_csv(io.BytesIO(body), dtype=dict.fromkeys(columns[:ntext], str)
                         | dict.fromkeys(num, np.float64),
                         na_values=dict.fromkeys(num, ["?", ""]), **kw)
        values = df[num].to_numpy(dtype=np.float64)
        return df, values, np.zeros(values.shape, dtype=bool)
    except ValueError:
        df = pd.read_csv(io.BytesIO(body), dtype=str, na_filter=False, **kw)
        values, nonnum = _to_float(df[num])
        return df, values, nonnum


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


def _to_float(num: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(float64 [n, k] with NaN for ``?``/empty/garbage, bool [n, k] True where garbage)."""
    vals = np.empty(num.shape, dtype=np.float64)
    nonnum = np.zeros(num.shape, dtype=bool)
    for j in range(num.shape[1]):
        col = num.iloc[:, j]
        v = np.array(pd.to_numeric(col, errors="coerce"), dtype=np.float64)
        marker = col.str.strip().isin(("?", "")).to_numpy()
        nonnum[:, j] = np.isnan(v) & ~marker
        v[marker] = np.nan
        vals[:, j] = v
    return vals, nonnum


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
