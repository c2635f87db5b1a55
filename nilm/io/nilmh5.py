"""The nilm-h5 format: nilm's native on-disk format, also used by the HDF5 cache and the simulator.

Layout (HDF5 via h5py)::

    /                                   attrs: format="nilm-h5", version=1
    /households/<house_key>/            attrs: meta_json, report_json, order, channels_json
    /households/<house_key>/channels/<channel>/
                                        attrs: label, quantity, period (float s),
                                               role ("mains" | "appliance" | "extra"), order, name
        p : float32 [n]  (chunked, gzip level 1 (or Blosc-LZ4, or LZF) with shuffle,
                          maxshape=(None,); the simulator writes Blosc-LZ4, for speed;
                          cache files are left uncompressed, for read speed)
        t : int64 [n]    -- or, for a regular series, no ``t`` and attrs t0 (epoch s), step (s):
                            t = t0 + step * arange(n)

``<house_key>`` is ``str(meta["house"])`` made HDF5-safe (see :func:`safe_key`); the true house
name is in ``meta_json``. ``meta_json`` is ``json.dumps(Household.meta)`` (numpy scalars and arrays
become JSON numbers and lists, tuples become lists). ``report_json`` is ``null`` or
``{"repairs": [{path, line, kind, detail}...], "counts": [[path, kind, n]...], "max_entries": n}``.
The ``order`` attrs keep households and channels in the order they were written, and a
channel's ``name`` attr holds its exact name when the group name had to be made safe.
Channels of one household with identical times share one ``t`` dataset through HDF5 hard
links (each channel group still has its ``t``), and are read back sharing one array.
``channels_json`` repeats every channel's attrs (plus its ``group`` name) as one JSON list: the
reader uses it when present because one attribute read is much faster than dozens; files
written by other tools may omit it, and are then read from the per-channel attrs.

**Integrity** (:mod:`nilm.integrity`). The writer stores the SHA-256 of every dataset's bytes
(hashed as they are appended) in ``channels_json``
(``sha256_p``, and ``sha256_t`` for explicit times) and, in the household's ``sha256`` attr, the
SHA-256 of its ``meta_json``, ``report_json`` and ``channels_json``. The reader verifies every
digest present and raises :class:`~nilm.errors.NilmDataError` on a mismatch (a flipped byte,
a truncated or edited file), so a damaged file is never served as data; the cache then rebuilds
from the sources (:mod:`nilm.io.cache`). Files without digests (other writers) are read as they
are. Any other failure to read a damaged file is a NilmDataError too.

Times are int64 epoch seconds UTC; interval-mean series are start-labelled (see
:mod:`nilm.series`). Files are detected by the ``.nilm.h5`` suffix; a folder of ``*.nilm.h5``
files loads each file in sorted name order. Every write goes to a temporary file in the
destination folder and is renamed over the destination only when complete, so a reader never
sees a half-written file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import h5py
import hdf5plugin  # noqa: F401  (registers the Blosc decoder used by "blosc-lz4" files)
import numpy as np

from ..atomic import commit, temporary_beside
from ..errors import LoadReport, NilmDataError, Repair
from ..integrity import verify
from ..series import QUANTITIES, Household, PowerSeries

NAME = "nilmh5"
SUFFIX = ".nilm.h5"
FORMAT = "nilm-h5"
VERSION = 1
ROLES = ("mains", "appliance", "extra")

#: elements per HDF5 chunk for streamed datasets (256 KiB of float32)
CHUNK = 1 << 16


def safe_key(name: str) -> str:
    """An HDF5-safe group name for ``name``: characters other than ``[0-9A-Za-z_.-]`` become
    ``_``, and a name that is empty or starts with ``.`` gets a leading ``_``."""
    key = re.sub(r"[^0-9A-Za-z_.\-]", "_", str(name))
    if not key or key.startswith("."):
        key = "_" + key
    return key


def detect(path: Path) -> bool:
    """True for a ``*.nilm.h5`` file or a folder holding at least one."""
    path = Path(path)
    if path.is_dir():
        return any(p.is_file() for p in path.glob("*" + SUFFIX))
    return path.name.endswith(SUFFIX)


def sources(path: Path) -> list[Path]:
    """The ``*.nilm.h5`` file, or those directly inside the folder, sorted by name."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.glob("*" + SUFFIX) if p.is_file())
    return [path]


# ---------------------------------------------------------------- JSON helpers


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"meta value of type {type(obj).__name__} is not JSON-serialisable")


def meta_to_json(meta: dict[str, Any]) -> str:
    return json.dumps(meta, default=_json_default, allow_nan=True)


def report_to_json(report: LoadReport | None) -> str:
    if report is None:
        return "null"
    return json.dumps({
        "repairs": [{"path": r.path, "line": r.line, "kind": r.kind, "detail": r.detail}
                    for r in report.repairs],
        "counts": [[p, k, int(n)] for (p, k), n in report.counts().items()],
        "max_entries": report.max_entries,
    })


def report_from_json(text: str) -> LoadReport | None:
    data = json.loads(text)
    if data is None:
        return None
    rep = LoadReport(max_entries=int(data.get("max_entries", 1000)))
    rep.repairs.extend(Repair(r["path"], r["line"], r["kind"], r["detail"])
                       for r in data["repairs"])
    for p, k, n in data["counts"]:
        rep._counts[(p, k)] = int(n)
    return rep


# ---------------------------------------------------------------- writing


class Writer:
    """Streaming nilm-h5 writer for data too large for memory.

    Use as a context manager. The file is written under a temporary name in the destination
    folder and renamed onto ``path`` only when the ``with`` block exits without an exception;
    on an exception the temporary file is removed and ``path`` is left untouched.

    Parameters
    ----------
    path : destination file, conventionally ending in ``.nilm.h5``.
    attrs : extra root attributes (e.g. the cache's ``complete`` marker), written last.
    compression : filter for the datasets (each with a byte-shuffle): ``"gzip"`` level 1
        (default: readable by any HDF5 tool; on NILM power data it was both smaller and faster
        to read than LZF with this h5py build, e.g. 22 REDD channels of 80k samples in 88 ms vs
        164 ms), ``"blosc-lz4"`` (Blosc with LZ4, level 5, its own byte-shuffle, one thread;
        HDF5 filter 32001, decoded through ``hdf5plugin``, a nilm dependency: on a simulated
        household-year at 1 s, 22 channels, it wrote in 1.4 s of CPU vs 11.7 s for gzip, read
        in 0.8 s vs 4.2 s, for 308 MB vs 279 MB; what the simulator writes), ``"lzf"``, or None
        (chunked but uncompressed: 18 ms for the REDD read, 36x the size; what the cache uses,
        since it exists to be read fast).
    mode : permissions of the written file (default: those ``open()`` gives, ``0666`` less the
        umask, as for every nilm output).

    Examples
    --------
    >>> with Writer("sim.nilm.h5") as w:                            # doctest: +SKIP
    ...     w.add_household("h1", {"dataset": "sim", "house": "h1"})
    ...     for chunk in chunks:
    ...         w.append("h1", "mains", chunk, label="mains", period=60, role="mains",
    ...                  t0=1_600_000_000, step=60)
    """

    def __init__(self, path, *, attrs: dict[str, Any] | None = None,
                 compression: str | None = "gzip", mode: int | None = None):
        filters = {"gzip": {"compression": "gzip", "compression_opts": 1, "shuffle": True},
                   "blosc-lz4": dict(hdf5plugin.Blosc(cname="lz4", clevel=5,
                                                      shuffle=hdf5plugin.Blosc.SHUFFLE)),
                   "lzf": {"compression": "lzf", "shuffle": True}, None: {}}
        if compression not in filters:
            raise ValueError("compression must be 'gzip', 'blosc-lz4', 'lzf' or None, "
                             f"not {compression!r}")
        self.path = Path(path)
        self.mode = mode
        self.attrs = dict(attrs or {})
        self._filter = filters[compression]
        self._file: h5py.File | None = None
        self._tmp: str | None = None
        self._houses: dict[str, h5py.Group] = {}
        # per (house, channel): group, regular?, last time written (explicit t)
        self._state: dict[tuple[str, str], dict[str, Any]] = {}
        # per house: the channel attributes again, as one JSON attribute (read fast, see read)
        self._index: dict[str, list[dict[str, Any]]] = {}
        # SHA-256 of each dataset's bytes so far, by dataset path; a hard-linked t by its source
        self._sha: dict[str, Any] = {}
        self._linked_t: dict[str, str] = {}
        self._house_json: dict[str, tuple[str, str]] = {}

    def __enter__(self) -> Writer:
        self._tmp = str(temporary_beside(self.path))
        try:
            self._file = h5py.File(self._tmp, "w")
            self._file.attrs["format"] = FORMAT
            self._file.attrs["version"] = VERSION
            self._file.create_group("households")
        except BaseException:
            self._abort()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._abort()
            return
        try:
            for key, chans in self._index.items():
                g = self._houses[key]
                for a in chans:
                    where = f"{g.name}/channels/{a['group']}"
                    a["sha256_p"] = self._sha[f"{where}/p"].hexdigest()
                    if "t0" not in a:
                        a["sha256_t"] = self._sha[self._linked_t.get(where, f"{where}/t")
                                                  ].hexdigest()
                index = json.dumps(chans)
                g.attrs["channels_json"] = index
                g.attrs["sha256"] = house_digest(*self._house_json[key], index)
            for k, v in self.attrs.items():
                self._file.attrs[k] = v
            self._file.close()
            self._file = None
            commit(self._tmp, self.path, self.mode)
            self._tmp = None
        except BaseException:
            self._abort()
            raise

    def _abort(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except Exception:  # noqa: BLE001 -- the original exception is the one that matters
                pass
            self._file = None
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except FileNotFoundError:
                pass
            self._tmp = None

    def _need_open(self) -> h5py.File:
        if self._file is None:
            raise RuntimeError("Writer must be used inside a 'with' block")
        return self._file

    def add_household(self, key: str, meta: dict[str, Any],
                      report: LoadReport | None = None) -> str:
        """Start household ``key`` (made HDF5-safe; the safe key is returned) with its metadata
        and, optionally, its load report."""
        f = self._need_open()
        if key in self._houses:
            raise ValueError(f"household {key!r} already added")
        skey = safe_key(key)
        if skey in f["households"]:
            raise ValueError(f"household key {key!r} collides with another as {skey!r}")
        g = f["households"].create_group(skey)
        g.attrs["meta_json"] = meta_json = meta_to_json(meta)
        g.attrs["report_json"] = report_json = report_to_json(report)
        self._house_json[key] = (meta_json, report_json)
        g.attrs["order"] = len(self._houses)
        g.create_group("channels")
        self._houses[key] = g
        self._index[key] = []
        return skey

    def append(self, key: str, channel: str, p_chunk, *, label: str = "",
               quantity: str = "active", period: float | None = None, role: str = "appliance",
               t_chunk=None, t0: int | None = None, step: int | None = None,
               chunks: int = CHUNK, interval: bool = False) -> None:
        """Append samples to one channel of household ``key``, creating it on first use.

        Parameters
        ----------
        key : household key given to :meth:`add_household`.
        channel : channel name: ``"mains"``, a canonical appliance name, or an extra name.
        p_chunk : float array, W (VA, var, V or A by ``quantity``); stored as float32.
        label, quantity, role : stored on first use; ``role`` is ``"mains"``, ``"appliance"``
            or ``"extra"``.
        period : nominal sampling period, s (default: ``step`` for a regular series, else
            unknown, read back as the median step).
        t_chunk : int64 epoch s UTC for each sample (irregular series); strictly increasing,
            also across chunks.
        t0, step : for a regular series instead of ``t_chunk``: first time (epoch s UTC) and
            step (s) of this chunk. Required on the first append; on later ones they may be
            omitted (the grid continues) or given, and must then continue the grid exactly.
        chunks : HDF5 chunk length in samples for a new channel.
        interval : the values are interval means (see :class:`nilm.series.PowerSeries`).
        """
        self._need_open()
        if key not in self._houses:
            raise KeyError(f"add_household({key!r}, ...) first")
        p = np.ascontiguousarray(p_chunk, dtype=np.float32).ravel()
        sk = (key, channel)
        st = self._state.get(sk)
        if st is None:
            if role not in ROLES:
                raise ValueError(f"role must be one of {ROLES}, not {role!r}")
            if quantity not in QUANTITIES:
                raise ValueError(f"quantity must be one of {QUANTITIES}, not {quantity!r}")
            regular = t_chunk is None
            if regular and (t0 is None or step is None):
                raise ValueError("give t_chunk, or t0 and step for a regular series")
            if not regular and (t0 is not None or step is not None):
                raise ValueError("give either t_chunk or t0/step, not both")
            if regular and int(step) <= 0:
                raise ValueError(f"step must be a positive number of seconds, not {step}")
            g = self._create(key, channel, label, quantity, period, role, t0, step, chunks,
                                 interval)
            if not regular:
                g.create_dataset("t", shape=(0,), maxshape=(None,), dtype=np.int64,
                                 chunks=(max(1, int(chunks)),), **self._filter)
                self._sha[g["t"].name] = hashlib.sha256()
            st = self._state[sk] = {"g": g, "regular": regular, "last": None,
                                    "t0": t0, "step": step}
        elif st["regular"] and t_chunk is not None:
            raise ValueError(f"{key}/{channel} is regular (t0/step); t_chunk is not allowed")
        elif st["regular"] and (t0 is not None or step is not None):
            n = st["g"]["p"].shape[0]
            want = (int(st["t0"]) + int(st["step"]) * n, int(st["step"]))
            if (t0, step) != want:
                raise ValueError(f"{key}/{channel}: this chunk would start at t0={t0}, "
                                 f"step={step}; the series continues at t0={want[0]}, "
                                 f"step={want[1]}")
        elif not st["regular"] and t_chunk is None:
            raise ValueError(f"{key}/{channel} has explicit times; t_chunk is required")
        elif st.get("linked"):
            raise ValueError(f"{key}/{channel} shares its times with another channel; "
                             "it cannot be appended to")
        g = st["g"]
        if not st["regular"]:
            t = np.ascontiguousarray(t_chunk, dtype=np.int64).ravel()
            if t.shape != p.shape:
                raise ValueError(f"t_chunk and p_chunk differ in length: {t.shape} vs {p.shape}")
            if len(t) and ((st["last"] is not None and t[0] <= st["last"])
                           or np.any(np.diff(t) <= 0)):
                raise ValueError(f"{key}/{channel}: times must be strictly increasing")
            self._extend(g["t"], t)
            if len(t):
                st["last"] = int(t[-1])
        self._extend(g["p"], p)

    def _extend(self, ds: h5py.Dataset, arr: np.ndarray) -> None:
        _extend(ds, arr)
        # the array's own buffer (contiguous, see append): a tobytes() copy cost as much as
        # the hash on a household-year at 1 s
        self._sha[ds.name].update(arr)

    def _create(self, key, channel, label, quantity, period, role, t0, step, chunks,
                interval=False):
        """The group of a new channel, with its attrs and an empty ``p``."""
        regular = t0 is not None
        chans = self._houses[key]["channels"]
        g = chans.create_group(safe_key(channel))
        attrs = {"label": str(label), "quantity": quantity, "role": role,
                 "order": len(chans) - 1, "name": str(channel), "interval": bool(interval),
                 "period": float(step if period is None and regular else
                                 np.nan if period is None else period)}
        g.attrs.update(attrs)
        if regular:
            g.attrs["t0"] = np.int64(t0)
            g.attrs["step"] = np.int64(step)
        self._index[key].append({"group": g.name.rsplit("/", 1)[-1], **attrs,
                                 **({"t0": int(t0), "step": int(step)} if regular else {})})
        g.create_dataset("p", shape=(0,), maxshape=(None,), dtype=np.float32,
                         chunks=(max(1, int(chunks)),), **self._filter)
        self._sha[g["p"].name] = hashlib.sha256()
        return g

    def add(self, household: Household, key: str | None = None) -> str:
        """Write a whole in-memory Household (regular channels stored compactly)."""
        key = str(household.meta.get("house", len(self._houses))) if key is None else key
        skey = self.add_household(key, household.meta, household.report)
        written: list[tuple[np.ndarray, h5py.Dataset]] = []
        for role, name, s in _channels(household):
            n = len(s)
            ck = min(max(n, 1), CHUNK)
            kw = {"label": s.label, "quantity": s.quantity, "role": role, "chunks": ck,
                  "period": s.period, "interval": s.interval}
            dt = np.diff(s.t)
            if n >= 2 and np.all(dt == dt[0]):
                self.append(key, name, s.p, t0=int(s.t[0]), step=int(dt[0]), **kw)
                continue
            same = next((ds for t, ds in written if t is s.t or np.array_equal(t, s.t)), None)
            if same is None or n == 0:
                self.append(key, name, s.p, t_chunk=s.t, **kw)
                written.append((s.t, self._state[(key, name)]["g"]["t"]))
            else:
                # channels logged together (REDD, AMPds2) share one t dataset by hard link:
                # the layout stays the spec's, the file and the read are smaller
                g = self._create(key, name, s.label, s.quantity, s.period, role, None, None, ck,
                                 s.interval)
                g["t"] = same
                self._linked_t[g.name] = same.name
                self._extend(g["p"], np.ascontiguousarray(s.p, dtype=np.float32))
                self._state[(key, name)] = {"g": g, "regular": False, "linked": True,
                                            "last": int(s.t[-1])}
        return skey


def house_digest(meta_json: str, report_json: str, channels_json: str) -> str:
    """Hex SHA-256 of a household's three JSON attributes (see Integrity above)."""
    h = hashlib.sha256()
    for part in (meta_json, report_json, channels_json):
        data = part.encode()
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def _extend(ds: h5py.Dataset, arr: np.ndarray) -> None:
    if len(arr) == 0:
        return
    n = ds.shape[0]
    ds.resize((n + len(arr),))
    ds[n:] = arr


def _channels(h: Household):
    if h.mains is not None:
        yield "mains", "mains", h.mains
    for name, s in h.appliances.items():
        yield "appliance", name, s
    for name, s in h.extra.items():
        yield "extra", name, s


def unique_keys(households: list[Household]) -> list[str]:
    """One distinct key per household: its ``meta["house"]`` (or its index), made unique by
    ``~2``, ``~3`` suffixes when two houses share a name or a safe key."""
    seen: set[str] = set()
    out = []
    for i, h in enumerate(households):
        base = str(h.meta.get("house", i))
        key, k = base, 1
        while safe_key(key) in seen:
            k += 1
            key = f"{base}~{k}"
        seen.add(safe_key(key))
        out.append(key)
    return out


def write(path, households: list[Household], *, attrs: dict[str, Any] | None = None,
          compression: str | None = "gzip", mode: int | None = None) -> None:
    """Write households to a nilm-h5 file atomically (temporary file + ``os.replace``).

    Parameters
    ----------
    path : destination file (``*.nilm.h5`` by convention).
    households : written in order; a regular channel (constant step) is stored as t0/step.
    attrs : extra root attributes, written last.
    compression : ``"gzip"`` (level 1, default), ``"blosc-lz4"``, ``"lzf"`` or None; see
        :class:`Writer`.
    mode : file permissions (default: as ``open()``); see :class:`Writer`.
    """
    with Writer(path, attrs=attrs, compression=compression, mode=mode) as w:
        for h, key in zip(households, unique_keys(households), strict=True):
            w.add(h, key)


# ---------------------------------------------------------------- reading


def read(path, *, mode: str = "lenient", report: LoadReport | None = None,
         **options) -> list[Household]:
    """Households of a nilm-h5 file, or of every ``*.nilm.h5`` file in a folder (sorted).

    Returns the households exactly as written: same arrays (bit for bit), meta and report.
    Each household's stored report is also added to ``report``. ``mode`` is accepted for the
    loader contract; a file that is not valid nilm-h5 raises :class:`NilmDataError` in both modes
    (there is nothing to repair). No options are accepted.
    """
    if options:
        raise TypeError(f"nilmh5.read takes no options, got {sorted(options)}")
    out: list[Household] = []
    for f in sources(Path(path)):
        houses = read_file(f)
        for h in houses:
            _check_manifest(f, h, mode)
        out.extend(houses)
    if report is not None:
        for h in out:
            if h.report is not None:
                report.extend(h.report)
    return out


def _check_manifest(file: Path, household: Household, mode: str) -> None:
    """A household written by ``nilm simulate`` names its folder's manifest, which is written
    last: without it the run was interrupted (strict: error; lenient: reported repair)."""
    manifest = household.meta.get("manifest")
    if not manifest or (file.parent / manifest).exists():
        return
    message = (f"no {manifest} beside it: the simulation that wrote it was interrupted; "
               f"rerun nilm simulate --out {file.parent}")
    if mode == "strict":
        raise NilmDataError(file, None, message)
    if household.report is None:
        household.report = LoadReport()
    household.report.add(file, None, "incomplete_simulation", message)


def read_file(path, *, require: str | None = None) -> list[Household]:
    """Households of one nilm-h5 file (see :func:`read`). With ``require``, a file whose root
    attribute of that name is missing or false raises :class:`NilmDataError` (the cache's
    completeness marker)."""
    path = Path(path)
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise NilmDataError(path, None, f"not a readable HDF5 file ({exc})") from exc
    with f:
        try:
            return _read_households(path, f, require)
        except NilmDataError:
            raise
        except Exception as exc:  # noqa: BLE001
            # a bit flip in HDF5's own structures surfaces from h5py as KeyError, OSError,
            # RuntimeError, ValueError, even AttributeError (a link that resolves to None)
            raise NilmDataError(path, None, f"damaged nilm-h5 file ({type(exc).__name__}: "
                                f"{exc})") from exc


def _read_households(path: Path, f: h5py.File, require: str | None) -> list[Household]:
    if require is not None and not bool(f.attrs.get(require, False)):
        raise NilmDataError(path, None, f"no '{require}' marker (interrupted write?)")
    if f.attrs.get("format") != FORMAT:
        raise NilmDataError(path, None, f"not a nilm-h5 file (format attr "
                            f"{f.attrs.get('format')!r})")
    if int(f.attrs.get("version", -1)) != VERSION:
        raise NilmDataError(path, None, f"nilm-h5 version {f.attrs.get('version')!r} "
                            f"is not supported (this nilm reads version {VERSION})")
    if "households" not in f:
        raise NilmDataError(path, None, "no /households group")
    groups = sorted(f["households"].values(), key=lambda g: int(g.attrs.get("order", 0)))
    return [_read_household(path, g) for g in groups]


def _read_household(path: Path, g: h5py.Group) -> Household:
    try:
        meta = json.loads(g.attrs["meta_json"])
        report = report_from_json(g.attrs.get("report_json", "null"))
    except (KeyError, ValueError, TypeError) as exc:
        raise NilmDataError(path, None, f"{g.name}: bad meta_json/report_json ({exc})") from exc
    mains, apps, extra = None, {}, {}
    # h5py attribute reads cost about as much as the data reads, so the Writer also stores all
    # channel attributes as one JSON attribute; files from other writers may lack it
    cg, gname = g["channels"], g.name
    if "channels_json" in g.attrs:
        index = g.attrs["channels_json"]
        digest = g.attrs.get("sha256")
        if digest is not None and house_digest(g.attrs["meta_json"],
                                               g.attrs.get("report_json", "null"),
                                               index) != digest:
            raise NilmDataError(path, None, f"{g.name}: checksum mismatch of meta_json / "
                                "report_json / channels_json: the file was damaged or edited")
        chans = [(a, a["group"]) for a in json.loads(index)]
    else:
        chans = [(dict(c.attrs), k) for k, c in cg.items()]
    chans.sort(key=lambda ac: int(ac[0]["order"]))
    decoded: dict[h5py.Dataset, np.ndarray] = {}  # hard-linked t datasets are read once
    regular: dict[tuple[int, int, int], np.ndarray] = {}
    for a, grp in chans:
        where = f"{gname}/channels/{grp}"
        name = str(a["name"]) if "name" in a else grp
        p = cg[f"{grp}/p"][()]
        verify(path, f"{where}/p", p, a.get("sha256_p"))
        if "t0" not in a:
            try:
                tds = cg[f"{grp}/t"]
            except KeyError as exc:
                raise NilmDataError(path, None, f"{where}: neither a t dataset nor t0/step"
                                    ) from exc
            if tds not in decoded:
                decoded[tds] = tds[()]
                verify(path, f"{where}/t", decoded[tds], a.get("sha256_t"))
            t = decoded[tds]
        else:
            # channels on one regular grid share one time array: for a simulated year at 1 s
            # that is 252 MB once instead of once per channel
            grid_key = (int(a["t0"]), int(a["step"]), len(p))
            if grid_key not in regular:
                regular[grid_key] = (np.int64(a["t0"]) + np.int64(a["step"])
                                     * np.arange(len(p), dtype=np.int64))
            t = regular[grid_key]
        period = float(a["period"])
        try:
            s = PowerSeries(t, p, name, str(a.get("label", "")), str(a.get("quantity", "active")),
                            period if np.isfinite(period) or len(t) < 2 else None,
                            bool(a.get("interval", False)))
        except ValueError as exc:
            raise NilmDataError(path, None, f"{where}: {exc}") from exc
        role = str(a["role"])
        if role == "mains":
            mains = s
        elif role == "appliance":
            apps[name] = s
        elif role == "extra":
            extra[name] = s
        else:
            raise NilmDataError(path, None, f"{where}: unknown role {role!r}")
    return Household(mains, apps, meta, extra, report)
