"""NILMTK HDF5 files (Batra et al. 2014, "NILMTK: an open source toolkit for non-intrusive load
monitoring", e-Energy): ``redd.h5``, ``ukdale.h5`` and every file NILMTK's converters or
:func:`write_nilmtk` write, read with h5py (no PyTables needed to read).

Layout: ``/buildingN/elec/meterM`` groups as pandas ``HDFStore(format="table")`` writes them: a
compound dataset ``table`` with ``index`` (int64 ns UTC) and ``values_block_K`` (float [n, k])
fields, the column names in the table's ``values_block_K_kind`` attribute (a pickled list of
``(physical_quantity, type)``). The dataset metadata (``meter_devices``, ``timezone``) is the
pickled ``metadata`` attribute of ``/``; each building's (``elec_meters``, ``appliances``,
``n_occupants``) that of ``/buildingN``.

**Compression.** NILMTK writes its tables with blosc (HDF5 filter 32001). The decoders for
blosc, blosc2, bzip2, lz4 and zstd come from ``hdf5plugin`` (a dependency, imported here); gzip
and shuffle are built into HDF5. A filter that is still not available (LZO, 305, is not in
``hdf5plugin``) is a :class:`~nilm.errors.NilmDataError` naming the file, the node and the
filter, with the way out (``ptrepack --complib=blosc`` or ``h5repack -f NONE``).

**Reading a part of a large file.** ``buildings``, ``meters`` and ``start`` / ``end`` (epoch s,
a ``datetime`` or ISO 8601, UTC unless they carry an offset) restrict a load; only the chunks
holding the selected rows are decompressed: the rows of ``[start, end)`` are found on the sorted
``index`` field (interpolation and bisection steps: a few chunk reads per meter) and read in
blocks of :data:`BLOCK_ROWS` into preallocated arrays, so the memory of a load grows with its
result, never with the file: at peak a few times the result's 12 bytes per sample (times,
values, row numbers and the checks' temporaries; about 4x for one meter over two years in
``scripts/nilmtk_chunked_load.py``). A meter whose index turns out not to be sorted is scanned
block by block instead (and sorted as usual).

**Names and power types** follow the NILMTK metadata (the reference, and the same rule as the raw
REDD / UK-DALE readers, see :func:`nilm.names.meter_name`): a meter is named after the appliance
on it (its ``original_name`` when nilm knows it, else its NILMTK ``type``; with several
appliances on one meter, the ``dominant_appliance`` or the first); the types of every appliance
on it are in ``meta["appliance_types"]``. An appliance listed on several meters (REDD's 240 V
loads, e.g. ``washer dryer`` on meters 8 and 9) is the sum of those meters, as NILMTK's
``MeterGroup`` makes it. The power column used is ``active``, else ``apparent``, else
``reactive`` (what the file says: NILMTK's REDD converter writes channels 1-2 apparent and the
circuits active); the others go to ``extra``.

**Mains.** The mains is the sum of the site meters that hold data and are not ``disabled``
(UK-DALE house 1: meter 54, the sound-card meter; meter 1 is disabled), or, when none of those
has data, of the disabled ones that have (a file converted without ``mains.dat``). Each site
meter and each disabled meter is recorded in the load report (``site_meter``,
``disabled_meter``); a disabled meter's data is kept in ``extra`` (``mains_meterM`` /
``meterM``). Site meters listed without data (the REDD excerpt here) raise, as in the raw
REDD reader, unless ``aggregate="sum_of_circuits"``. Without metadata meters are named
``meterM`` and no mains is identified (``missing_metadata``).

``meta``: ``occupants`` (``n_occupants``) and ``occupants_description``, ``description``,
``devices`` ({channel: device model, ``max_sample_period``, limits; for a sum of meters its
``meters`` and, when loaded with ``energy_convention="nilmtk"``, its ``parts``, kept in
``extra`` as ``<name>_meterM``}, used by ``energy_convention="nilmtk"``, see
:meth:`nilm.series.Household.energy_wh`).

PyTables stores Python-object attributes as pickles. They are read with an unpickler that
refuses every global, so only plain lists, tuples, dicts, strings and numbers can come out of a
file: loading a data file never runs code from it.
"""

from __future__ import annotations

import io
import pickle
import re
from pathlib import Path

import hdf5plugin  # noqa: F401  (registers the blosc/bzip2/lz4/zstd decoders with h5py)
import numpy as np

from ..errors import LoadReport, NilmDataError, check_mode
from ..names import meter_name, unique_names
from ..series import Household, PowerSeries, check_convention
from .checksum import sha256_file
from .redd import record_sum, sum_series
from .text import check_samples

NAME = "nilmtk"
#: physical range of one power sample, W (checked by :mod:`nilm.io.plausible`): any dataset NILMTK
#: converts: the generic bound of :data:`nilm.io.plausible.GENERIC_POWER_RANGE_W`
POWER_RANGE_W = (-100_000.0, 100_000.0)
SUFFIXES = (".h5", ".hdf5", ".hdf")
#: rows read per block (one block's compound rows are the only temporary beyond the result)
BLOCK_ROWS = 1 << 20
AGGREGATES = ("mains", "sum_of_circuits")
#: HDF5 filter ids -> names, for messages
FILTER_NAMES = {1: "gzip", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit",
                6: "scaleoffset", 305: "lzo", 307: "bzip2", 32001: "blosc", 32004: "lz4",
                32008: "bitshuffle", 32015: "zstd", 32026: "blosc2"}


# --- attributes --------------------------------------------------------------------------------

class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")


def attr_text(v) -> str | None:
    """An HDF5 string attribute as ``str`` (bytes decoded as UTF-8)."""
    if v is None:
        return None
    if isinstance(v, bytes | np.bytes_):
        return bytes(v).decode("utf-8", "replace")
    return str(v)


def attr(attrs, key):
    """A PyTables attribute: pickled objects unpickled (plain types only), bytes decoded."""
    if key not in attrs:
        return None
    v = attrs[key]
    if isinstance(v, np.void):
        v = v.tobytes()
    if isinstance(v, np.ndarray) and v.dtype == np.uint8:
        v = v.tobytes()
    if isinstance(v, bytes | np.bytes_):
        raw = bytes(v)
        if raw.endswith(b".") and (raw[:1] == b"\x80" or raw[:1] in b"(]}SIVNlc"):
            try:
                return _PlainUnpickler(io.BytesIO(raw)).load()
            except Exception:  # noqa: BLE001 - not a pickle after all: keep the text
                pass
        return raw.decode("utf-8", "replace")
    return v


# --- filters -----------------------------------------------------------------------------------

def filters(ds) -> list[tuple[int, str]]:
    """[(HDF5 filter id, name)] of a dataset's filter pipeline."""
    plist = ds.id.get_create_plist()
    out = []
    for i in range(plist.get_nfilters()):
        code, _flags, _values, name = plist.get_filter(i)
        out.append((int(code), FILTER_NAMES.get(int(code), attr_text(name) or "?")))
    return out


def unavailable_filters(ds) -> list[tuple[int, str]]:
    """The filters of ``ds`` that this HDF5 library cannot decode."""
    import h5py

    return [(c, n) for c, n in filters(ds) if not h5py.h5z.filter_avail(c)]


def read_rows(ds, lo: int, hi: int, where: str):
    """``ds[lo:hi]``; an HDF5 read error is a NilmDataError naming ``where`` and, when that is
    the cause, the filter that cannot be decoded."""
    try:
        return ds[lo:hi]
    except OSError as exc:
        missing = unavailable_filters(ds)
        if missing:
            names = ", ".join(f"{n} (HDF5 filter {c})" for c, n in missing)
            raise NilmDataError(where, None, f"compressed with {names}, which this HDF5 cannot "
                                "decode (hdf5plugin has no decoder for it); repack the file, "
                                "e.g. `ptrepack --complib=blosc` or `h5repack -f NONE`") from exc
        raise NilmDataError(where, None, f"unreadable HDF5 data ({exc})") from exc


# --- discovery ---------------------------------------------------------------------------------

def is_nilmtk_file(f: Path) -> bool:
    """True when ``f`` is an HDF5 file with ``/buildingN/elec``."""
    import h5py

    try:
        with h5py.File(f, "r") as h5:
            return any(re.fullmatch(r"building\d+", k) and "elec" in h5[k] for k in h5)
    except OSError:
        return False


def files(path) -> list[Path]:
    path = Path(path)
    if path.is_file():
        return [path] if path.suffix.lower() in SUFFIXES and is_nilmtk_file(path) else []
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES
                  and not p.name.endswith(".nilm.h5") and is_nilmtk_file(p))


def detect(path) -> bool:
    """An HDF5 file (or a folder holding one) with NILMTK's ``/buildingN/elec`` layout."""
    return bool(files(path))


def sources(path) -> list[Path]:
    return files(path)


# --- reading -----------------------------------------------------------------------------------

def _epoch_s(v) -> int | None:
    """Epoch s of a window bound: a number (epoch s), a ``datetime`` / ``Timestamp`` or an ISO
    8601 text; with a UTC offset or zone it is honoured, without one the time is UTC."""
    from datetime import datetime, timezone

    from ..errors import UsageError

    if v is None:
        return None
    if isinstance(v, int | np.integer | float | np.floating) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, np.datetime64):
        return int(v.astype("datetime64[s]").astype(np.int64))
    if not isinstance(v, datetime):
        try:
            v = datetime.fromisoformat(str(v).strip().replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"start / end {v!r} is not a time: give epoch seconds or an ISO "
                             "8601 date-time such as 2013-04-12T00:00:00Z") from None
    if v.tzinfo is None:
        v = v.replace(tzinfo=timezone.utc)
    return int(v.timestamp())


def read(path, *, mode: str = "lenient", report: LoadReport | None = None, buildings=None,
         meters=None, start=None, end=None, aggregate: str = "mains",
         energy_convention: str = "nilm") -> list[Household]:
    """Every building of the NILMTK HDF5 file(s) at ``path`` (a file or a folder of them).

    Parameters
    ----------
    path : an HDF5 file, or a folder searched for them.
    mode : ``"strict"`` or ``"lenient"`` (see :mod:`nilm.io`).
    report : load-wide report; each Household also gets its own.
    buildings : building numbers to load (default all).
    meters : meter numbers to load in each building (default all; site meters are loaded only
        when listed, so ``meters=[5]`` reads one meter and nothing else).
    start, end : keep samples with ``start <= t < end``: epoch s, a ``datetime`` or an ISO 8601
        text (UTC unless it carries an offset; anything else is a UsageError); only the chunks
        that hold them are read.
    aggregate : ``"mains"`` (the site meters) or ``"sum_of_circuits"`` (the sum of the other
        loaded meters, ``meta["mains_kind"] = "sum_of_circuits"``).
    energy_convention : ``"nilm"`` or ``"nilmtk"``, the default of
        :meth:`~nilm.series.Household.energy_wh`; ``"nilmtk"`` also keeps the meters of each
        sum in ``extra`` (``<name>_meterM``), so that energies are NILMTK's exactly.

    Returns
    -------
    list of Household ordered by file then building; time epoch s UTC, power W (VA for
    apparent, var for reactive).
    """
    check_mode(mode)
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES}, not {aggregate!r}")
    report = LoadReport() if report is None else report
    found = files(path)
    if not found:
        raise NilmDataError(path, None, "no NILMTK HDF5 file (/buildingN/elec) found")
    check_convention(energy_convention)
    window = (_epoch_s(start), _epoch_s(end))
    houses = []
    for f in found:
        houses.extend(read_file(f, mode=mode, report=report, buildings=buildings,
                                meters=meters, window=window, aggregate=aggregate,
                                energy_convention=energy_convention))
    return houses


class _Probe:
    """Index values of single rows of a table, remembered (each read decompresses a chunk)."""

    def __init__(self, ds, where: str):
        self.ds, self.where, self.seen = ds, where, {}

    def __call__(self, i: int) -> int:
        if i not in self.seen:
            self.seen[i] = int(read_rows(self.ds, i, i + 1, self.where)["index"][0])
        return self.seen[i]


def _search(probe: _Probe, target: int, n: int) -> int:
    """First row whose index is >= ``target`` in a table sorted by ``index``: interpolation
    steps (timestamps are nearly regular, so one or two chunk reads find the place) alternating
    with bisection steps (so months-long gaps cost at most log2(n) reads), then one read of
    the remaining rows (at most two chunks)."""
    if n == 0 or probe(0) >= target:
        return 0
    if probe(n - 1) < target:
        return n
    lo, hi = 0, n - 1  # index[lo] < target <= index[hi]
    chunk = int(probe.ds.chunks[0]) if probe.ds.chunks else 65_536
    step = 0
    while hi - lo > chunk:
        vlo, vhi = probe(lo), probe(hi)
        if step % 2 == 0 and vhi > vlo:
            guess = lo + int((target - vlo) / (vhi - vlo) * (hi - lo))
            guess = min(max(guess, lo + 1), hi - 1)
        else:
            guess = (lo + hi) // 2
        step += 1
        if probe(guess) < target:
            lo = guess
        else:
            hi = guess
    rows = read_rows(probe.ds, lo + 1, hi + 1, probe.where)["index"]
    return lo + 1 + int(np.searchsorted(rows, target, side="left"))


def _rows_range(probe: _Probe, n: int, window, per_s: int) -> tuple[int, int]:
    """(lo, hi) rows of ``window`` (assumes a sorted index; checked after)."""
    t0, t1 = window
    lo = 0 if t0 is None else _search(probe, t0 * per_s, n)
    hi = n if t1 is None else _search(probe, t1 * per_s, n)
    return (lo, max(lo, hi))


def _bisection_held(probe: _Probe, n, lo, hi, ns, window, per_s) -> bool:
    """Whether the rows found by the search are the window's: sorted, the row before ``lo``
    earlier than ``start``, the row at ``hi`` not earlier than ``end``, and the first row of
    the table not after its last (NILMTK's converters write sorted tables; a table that is not
    is scanned)."""
    t0, t1 = window
    if len(ns) > 1 and not bool(np.all(np.diff(ns) >= 0)):
        return False
    if n > 1 and probe(0) > probe(n - 1):
        return False
    if t0 is not None and lo > 0 and probe(lo - 1) >= t0 * per_s:
        return False
    return not (t1 is not None and hi < n and probe(hi) < t1 * per_s)


def index_units_per_s(ds, key: str = "index_kind") -> int:
    """Index ticks per second from a pandas table's ``index_kind`` (or a fixed frame axis'
    ``kind``): pandas < 3 writes ``datetime64``, i.e. ns; pandas 3 ``datetime64[us]`` and
    others."""
    kind = attr_text(attr(ds.attrs, key)) or "datetime64"
    m = re.fullmatch(r"datetime64\[(s|ms|us|ns)\]", kind)
    return {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[m.group(1) if m else "ns"]


def read_meter(ds, window, where: str, *, mode: str, report: LoadReport):
    """(t epoch s, values float64 [n, k], columns) of one meter's ``table`` inside ``window``,
    checked by :func:`nilm.io.text.check_samples` (line = 1-based row)."""
    n = int(ds.shape[0])
    blocks_meta = [f for f in ds.dtype.names if f.startswith("values_block_")]
    cols: list = []
    widths = []
    for field in blocks_meta:
        kind = attr(ds.attrs, f"{field}_kind")
        shape = ds.dtype[field].shape
        width = int(np.prod(shape)) if shape else 1
        widths.append(width)
        cols.extend(list(kind) if isinstance(kind, list | tuple) and len(kind) == width
                    else [("power", "active")] * width)
    per_s = index_units_per_s(ds)
    probe = _Probe(ds, where)
    lo, hi = (_rows_range(probe, n, window, per_s) if any(w is not None for w in window)
              else (0, n))
    t0, t1 = window
    ns = np.empty(hi - lo, dtype=np.int64)
    vals = np.empty((hi - lo, len(cols)), dtype=np.float32)
    for b in range(lo, hi, BLOCK_ROWS):
        rows = read_rows(ds, b, min(hi, b + BLOCK_ROWS), where)
        ns[b - lo:b - lo + len(rows)] = rows["index"]
        j = 0
        for field, width in zip(blocks_meta, widths):
            vals[b - lo:b - lo + len(rows), j:j + width] = rows[field].reshape(len(rows), width)
            j += width
    line = np.arange(lo + 1, hi + 1)
    if (t0 is not None or t1 is not None) and not _bisection_held(probe, n, lo, hi, ns, window,
                                                                   per_s):
        # bisection assumed a sorted index: scan every block instead
        keep_ns, keep_v, keep_l = [], [], []
        for b in range(0, n, BLOCK_ROWS):
            rows = read_rows(ds, b, min(n, b + BLOCK_ROWS), where)
            s = rows["index"] // per_s
            m = np.ones(len(rows), bool)
            if t0 is not None:
                m &= s >= t0
            if t1 is not None:
                m &= s < t1
            keep_ns.append(rows["index"][m])
            keep_v.append(np.concatenate([rows[f][m].reshape(int(m.sum()), w)
                                          for f, w in zip(blocks_meta, widths)], axis=1))
            keep_l.append(np.arange(b + 1, b + len(rows) + 1)[m])
        ns = np.concatenate(keep_ns)
        vals = np.concatenate(keep_v).astype(np.float32)
        line = np.concatenate(keep_l)
    t = ns_to_s(ns, where, report, per_s)
    t, vals, _ = check_samples(where, t, vals, line, mode=mode, report=report)
    return t, vals, cols


def ns_to_s(ns: np.ndarray, where, report: LoadReport, per_s: int = 1_000_000_000) -> np.ndarray:
    """int64 ticks (ns by default) -> int64 s (floored); a fraction of a second is reported."""
    ns = np.asarray(ns, dtype=np.int64)
    s = ns // per_s
    frac = np.count_nonzero(ns - s * per_s)
    if frac:
        report.add(where, None, "subsecond_timestamps",
                   f"{frac} timestamps with a fraction of a second floored to the second",
                   count=int(frac))
    return s


def pick_power(cols: list) -> int:
    """Index of the power column used: active, else apparent, else reactive, else the first."""
    kinds = [tuple(c) if isinstance(c, list | tuple) else (str(c), "") for c in cols]
    for want in ("active", "apparent", "reactive"):
        for i, (q, typ) in enumerate(kinds):
            if q == "power" and typ == want:
                return i
    return 0


def quantity(col) -> str:
    if isinstance(col, list | tuple) and len(col) == 2 and col[0] == "power":
        return col[1] if col[1] in ("active", "apparent", "reactive") else "active"
    if isinstance(col, list | tuple) and len(col) == 2 and col[0] in ("voltage", "current"):
        return col[0]
    return "active"


def device_info(model: str | None, devices: dict, qty: str) -> dict:
    """{device_model, max_sample_period, lower_limit, upper_limit} for one meter (the limits of
    its measurement of quantity ``qty``)."""
    dev = devices.get(model) or {} if model else {}
    out = {"device_model": model, "max_sample_period": dev.get("max_sample_period"),
           "sample_period": dev.get("sample_period")}
    for m in dev.get("measurements") or []:
        if m.get("physical_quantity") == "power" and m.get("type") == qty:
            out["lower_limit"], out["upper_limit"] = m.get("lower_limit"), m.get("upper_limit")
    return out


def building_facts(bmeta: dict) -> dict:
    """Household meta from a NILMTK building's metadata: occupants and descriptions."""
    out = {}
    if bmeta.get("n_occupants") is not None:
        out["occupants"] = int(bmeta["n_occupants"])
    for key, dest in (("description_of_occupants", "occupants_description"),
                      ("description", "description"), ("building_type", "building_type"),
                      ("construction_year", "construction_year")):
        if bmeta.get(key) is not None:
            out[dest] = bmeta[key]
    return out


def appliance_groups(bmeta: dict, present: set[int], site: set[int]) -> tuple[dict, list]:
    """({meter: [appliance dicts]}, [meter groups to sum]) from a building's ``appliances``;
    an appliance listed on several present, non-site meters makes those meters one group."""
    on: dict[int, list[dict]] = {}
    groups: list[list[int]] = []
    for app in bmeta.get("appliances") or []:
        ms = [int(m) for m in app.get("meters", []) if int(m) in present and int(m) not in site]
        for m in ms:
            on.setdefault(m, []).append(app)
        if len(ms) > 1 and sorted(ms) not in groups:
            groups.append(sorted(ms))
    return on, groups


def read_file(f: Path, *, mode: str, report: LoadReport, buildings=None, meters=None,
              window=(None, None), aggregate: str = "mains", hash_file: bool = False,
              energy_convention: str = "nilm") -> list[Household]:
    """The buildings of one NILMTK HDF5 file; see :func:`read`. ``hash_file`` puts the file's
    SHA-256 in ``meta["source_files"]`` (otherwise :func:`nilm.io.load_all` fills it from the
    cache's remembered hashes, so a 6 GB file is hashed once, not at every window read)."""
    import h5py

    houses = []
    sha = sha256_file(f) if hash_file else None
    with h5py.File(f, "r") as h5:
        dmeta = attr(h5.attrs, "metadata")
        dmeta = dmeta if isinstance(dmeta, dict) else {}
        devices = dmeta.get("meter_devices") or {}
        keys = sorted((k for k in h5 if re.fullmatch(r"building\d+", k) and "elec" in h5[k]),
                      key=lambda k: int(k[8:]))
        if buildings is not None:
            want = {int(b) for b in buildings}
            missing = want - {int(k[8:]) for k in keys}
            if missing:
                raise NilmDataError(f, None, f"no building {sorted(missing)} (file has "
                                    f"{[int(k[8:]) for k in keys]})")
            keys = [k for k in keys if int(k[8:]) in want]
        for bkey in keys:
            rep = LoadReport()
            houses.append(_read_building(f, h5, bkey, dmeta, devices, sha, rep, mode=mode,
                                         meters=meters, window=window, aggregate=aggregate,
                                         keep=energy_convention == "nilmtk"))
            houses[-1].meta["energy_convention"] = energy_convention
            report.extend(rep)
    return houses


def _read_building(f, h5, bkey, dmeta, devices, sha, rep, *, mode, meters, window,
                   aggregate, keep) -> Household:
    b = int(bkey[8:])
    where_b = f"{f}:/{bkey}"
    bmeta = attr(h5[bkey].attrs, "metadata")
    bmeta = bmeta if isinstance(bmeta, dict) else None
    elec = h5[bkey]["elec"]
    present = sorted(int(k[5:]) for k in elec if re.fullmatch(r"meter\d+", k))
    if meters is not None:
        present = [m for m in present if m in {int(x) for x in meters}]
    emeta = {int(k): v for k, v in ((bmeta or {}).get("elec_meters") or {}).items()
             if isinstance(v, dict)}
    site = {m for m, info in emeta.items() if info.get("site_meter")}
    disabled = {m for m, info in emeta.items() if info.get("disabled")}
    if bmeta is None:
        rep.add(where_b, None, "missing_metadata", "no NILMTK metadata: meters named meterM "
                "and no mains identified")
    on, groups = appliance_groups(bmeta or {}, set(present), site)
    data: dict[int, PowerSeries] = {}
    extra: dict[str, PowerSeries] = {}
    others: dict[int, list] = {}
    dev_of: dict[int, dict] = {}
    for m in present:
        where = f"{f}:/{bkey}/elec/meter{m}"
        node = elec[f"meter{m}"]
        if "table" not in node:
            raise NilmDataError(where, None, "meter group without a 'table' dataset")
        t, values, cols = read_meter(node["table"], window, where, mode=mode, report=rep)
        main = pick_power(cols)
        qty = quantity(cols[main])
        data[m] = PowerSeries(t, values[:, main], f"meter{m}", f"meter{m}", qty)
        others[m] = [(PowerSeries(t, values[:, j], "", "", quantity(c)), c)
                     for j, c in enumerate(cols) if j != main]
        dev_of[m] = device_info(emeta.get(m, {}).get("device_model"), devices, qty)
    # mains: the enabled site meters with data; only when none has data, the disabled ones
    mains_nums = [m for m in sorted(site) if m in data and m not in disabled]
    fallback = not mains_nums
    if fallback:
        mains_nums = [m for m in sorted(site) if m in data]
    for m in sorted(site):
        state = ("listed without data" if m not in data
                 else "disabled, but the only site meter with data: used as mains"
                 if m in disabled and m in mains_nums
                 else f"disabled; its data is kept in extra['mains_meter{m}'], not used as mains"
                 if m in disabled else "used as mains")
        rep.add(where_b, None, "site_meter", f"meter {m} is a site meter ({state})")
    for m in sorted(disabled - site):
        rep.add(where_b, None, "disabled_meter", f"meter {m} is marked disabled in the NILMTK "
                f"metadata; its data is kept in extra['meter{m}']")
    for m in sorted(disabled - set(mains_nums)):
        if m in data:
            key = f"mains_meter{m}" if m in site else f"meter{m}"
            s = data.pop(m)
            s.name = key
            extra[key] = s
    measured = None
    if mains_nums:
        measured = sum_series([data[m] for m in mains_nums], "mains", "site meter "
                              + "+".join(map(str, mains_nums)), rep, where_b)
    circuit_nums = [m for m in data if m not in site]
    meta = {"dataset": str(dmeta.get("name", "NILMTK")), "house": b,
            "timezone": str(dmeta.get("timezone", "UTC")),
            "hdf5_layout": "NILMTK table", "site_meters": sorted(site),
            "disabled_meters": sorted(disabled)}
    if sha is not None:
        meta["source_files"] = {str(f): sha}
    if window != (None, None):
        meta["window"] = list(window)
    if bmeta:
        meta.update(building_facts(bmeta))
    if aggregate == "sum_of_circuits":
        if not circuit_nums:
            raise NilmDataError(where_b, None, "no circuit meters to sum")
        mains = sum_series([data[m] for m in circuit_nums], "mains", "sum of meters "
                           + "+".join(map(str, circuit_nums)), rep, where_b)
        meta["mains_kind"] = "sum_of_circuits"
        if measured is not None:
            extra["mains_measured"] = measured
    elif measured is None and site and (meters is None or set(site) & set(meters)):
        raise NilmDataError(where_b, None, f"site meters {sorted(site)} hold no data; pass "
                            "aggregate='sum_of_circuits' (CLI: -o aggregate=sum_of_circuits) to "
                            "use the sum of the other meters")
    else:
        mains = measured
        meta["mains_kind"] = "measured" if measured is not None else "absent"
    meta["mains_channels"] = circuit_nums if aggregate == "sum_of_circuits" else mains_nums
    # appliances: legs merged, named by the metadata
    grouped = {m for g in groups for m in g}
    units = [g for g in groups] + [[m] for m in circuit_nums if m not in grouped]
    units.sort(key=lambda g: g[0])
    raw_names, labels, types = [], [], []
    for g in units:
        apps = on.get(g[0], [])
        name, label, tys = meter_name(apps, fallback=f"meter{g[0]}")
        raw_names.append(name)
        labels.append(label)
        types.append(tys)
    names = unique_names(raw_names)
    appliances, channels, app_types, devs = {}, {}, {}, {}
    for name, g, label, tys in zip(names, units, labels, types, strict=True):
        s = sum_series([data[m] for m in g], name, label, rep, where_b) if len(g) > 1 \
            else data[g[0]]
        s.name, s.label = name, label
        appliances[name] = s
        channels[name] = g if len(g) > 1 else g[0]
        if tys:
            app_types[name] = tys
        devs[name] = dict(dev_of[g[0]])
        if len(g) > 1:
            record_sum(devs, extra, name, [data[m] for m in g], g, [dev_of[m] for m in g],
                       keep=keep)
        for m in g:
            for o, col in others.get(m, []):
                key = f"{name}_{'_'.join(map(str, col))}" + (f"_meter{m}" if len(g) > 1 else "")
                o.name, o.label = key, label
                extra[key] = o
    if meta["mains_kind"] == "sum_of_circuits":
        devs["mains"] = {"parts": list(appliances)}
    elif mains is not None:
        devs["mains"] = dict(dev_of[mains_nums[0]])
        if len(mains_nums) > 1:
            record_sum(devs, extra, "mains", [data[m] for m in mains_nums], mains_nums,
                       [dev_of[m] for m in mains_nums], keep=keep)
    if mains is not None and meta["mains_kind"] == "measured":
        for m in mains_nums:
            for o, col in others.get(m, []):
                key = f"mains_{'_'.join(map(str, col))}" + (f"_meter{m}" if len(mains_nums) > 1
                                                             else "")
                o.name, o.label = key, "site meter"
                extra[key] = o
    meta["channels"] = channels
    meta["appliance_types"] = app_types
    meta["devices"] = devs
    return Household(mains, appliances, meta, extra, rep)


# --- writing -----------------------------------------------------------------------------------

#: nilm canonical name -> NILMTK (nilm_metadata) appliance type, for files nilm writes
NILMTK_TYPES = {
    "fridge": "fridge", "freezer": "freezer", "fridge_freezer": "fridge freezer",
    "kettle": "kettle", "toaster": "toaster", "microwave": "microwave", "oven": "electric oven",
    "cooker": "electric stove", "hob": "electric hob", "rice_cooker": "rice cooker",
    "bread_maker": "breadmaker", "coffee_maker": "coffee maker",
    "washing_machine": "washing machine", "dishwasher": "dish washer",
    "washer_dryer": "washer dryer", "tumble_dryer": "spin dryer", "iron": "clothes iron",
    "vacuum_cleaner": "vacuum cleaner", "hair_dryer": "hair dryer",
    "water_heater": "electric water heating appliance", "electric_heat": "electric space heater",
    "heat_pump": "heat pump", "air_conditioning": "air conditioner",
    "furnace": "electric furnace", "boiler": "boiler", "pump": "water pump",
    "solar_thermal": "solar thermal pumping station", "lighting": "light", "tv": "television",
    "computer": "computer", "laptop": "laptop computer", "monitor": "computer monitor",
    "audio": "audio system", "games_console": "games console", "projector": "projector",
    "printer": "printer", "set_top_box": "set top box", "router": "broadband router",
    "network": "ethernet switch", "disposal": "waste disposal unit", "sockets": "sockets",
    "kitchen_sockets": "sockets", "bathroom_sockets": "sockets", "outdoor_sockets": "sockets",
    "electronics": "CE appliance", "subpanel": "subpanel", "treadmill": "running machine",
    "external_drive": "external hard disk", "usb_hub": "USB hub",
}


def _nilmtk_type(name: str, household: Household) -> str:
    from ..names import base_name

    known = (household.meta.get("appliance_types") or {}).get(name)
    if known:
        return str(known[0])
    return NILMTK_TYPES.get(base_name(name), "unknown")


def _frame(s: PowerSeries, tz: str, pd):
    # ns, as NILMTK's pandas reads and writes them
    idx = pd.DatetimeIndex(pd.to_datetime(s.t, unit="s", utc=True)).as_unit("ns").tz_convert(tz)
    cols = pd.MultiIndex.from_tuples([("power", s.quantity if s.quantity in
                                       ("active", "apparent", "reactive") else "active")],
                                     names=["physical_quantity", "type"])
    return pd.DataFrame(s.p.astype(np.float32).reshape(-1, 1), index=idx, columns=cols)


def write_nilmtk(households, path, *, dataset: str | None = None, complevel: int = 5) -> Path:
    """Write households in the layout ``nilmtk.DataSet(path)`` opens (NILMTK's converters'
    output: PyTables tables compressed with blosc, NILMTK metadata in the attributes).

    Building ``i + 1`` is ``households[i]``; its meter 1 is the mains (``site_meter``), meters
    2.. its appliances in order, each ``submeter_of: 0``, with the NILMTK appliance type of its
    canonical name (or the type the household was loaded with) and ``original_name`` = the nilm
    name, so reading the file back gives the same names. Each (quantity, max hold) pair gets one
    ``meter_devices`` entry (``nilm_<quantity>_<s>s``) whose ``max_sample_period`` is the
    series' :meth:`~nilm.series.PowerSeries.max_hold` and ``sample_period`` its period.
    ``meta["occupants"]`` is written as ``n_occupants``. Written to a temporary file and moved
    into place (:func:`nilm.atomic.atomic_path`: a failed write leaves no file).

    Needs PyTables (``pip install nilm[nilmtk]``). Returns ``path``.
    """
    from ..atomic import atomic_path

    try:
        import pandas as pd
        import tables  # noqa: F401  (pandas' HDFStore needs it)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("write_nilmtk needs PyTables: pip install 'nilm[nilmtk]'") from exc
    if isinstance(households, Household):
        households = [households]
    households = list(households)
    if not households:
        raise ValueError("write_nilmtk needs at least one household")
    path = Path(path)
    tz = households[0].timezone
    devices: dict[str, dict] = {}

    def device(s: PowerSeries) -> str:
        qty = s.quantity if s.quantity in ("active", "apparent", "reactive") else "active"
        hold = s.max_hold()
        name = f"nilm_{qty}_{hold:g}s"
        devices.setdefault(name, {
            "model": name, "sample_period": float(s.period) if np.isfinite(s.period) else hold,
            "max_sample_period": float(hold),
            "measurements": [{"physical_quantity": "power", "type": qty}]})
        return name

    buildings = {}
    with atomic_path(path) as tmp:
        with pd.HDFStore(tmp, mode="w", complevel=complevel, complib="blosc") as store:
            for i, h in enumerate(households, start=1):
                elec, apps = {}, []
                chans = ([("mains", h.mains)] if h.mains is not None else []) + list(
                    h.appliances.items())
                for m, (name, s) in enumerate(chans, start=1 if h.mains is not None else 2):
                    key = f"/building{i}/elec/meter{m}"
                    store.put(key, _frame(s, tz, pd), format="table", track_times=False)
                    # pandas < 3 (NILMTK's) reads a table's column names by this version
                    store.get_storer(key).attrs.pandas_version = "0.15.2"
                    info = {"device_model": device(s), "data_location": key}
                    if name == "mains":
                        info["site_meter"] = True
                    else:
                        info["submeter_of"] = 0
                        apps.append({"type": _nilmtk_type(name, h), "instance":
                                     1 + sum(a["type"] == _nilmtk_type(name, h) for a in apps),
                                     "meters": [m], "original_name": name})
                    elec[m] = info
                b = {"instance": i, "elec_meters": elec, "appliances": apps,
                     "original_name": str(h.meta.get("house", i))}
                if h.meta.get("occupants") is not None:
                    b["n_occupants"] = int(h.meta["occupants"])
                buildings[i] = b
            root = store._handle.root  # noqa: SLF001 - PyTables attributes, as NILMTK writes them
            root._v_attrs.metadata = {
                "name": dataset or str(households[0].meta.get("dataset", "nilm")),
                "timezone": tz, "meter_devices": devices}
            for i, b in buildings.items():
                store._handle.get_node(f"/building{i}")._v_attrs.metadata = b  # noqa: SLF001
    return path
