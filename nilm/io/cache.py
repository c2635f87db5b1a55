"""HDF5 cache of parsed households, so a dataset is parsed from text once.

A load is cached as one nilm-h5 file ``<key>.nilm.h5`` (see :mod:`nilm.io.nilmh5`) whose name is
the SHA-256 of everything that determines the result: the format name, every source file's path
relative to the loaded path and the SHA-256 of its bytes, the mode, the options, the nilm
version and the cache :data:`SCHEMA` (so files cached before a change of what a load does are
misses, not served). Changing one byte of one source file, an option or the version therefore
misses the cache; the key never depends on time stamps. The file is written atomically
(temporary file + ``os.replace``, uncompressed for read speed) and carries a ``complete`` root
attribute and the SHA-256 of every dataset (see :mod:`nilm.io.nilmh5`, Integrity); a cache file
that cannot be read, lacks the marker or fails a checksum is reported (``warnings.warn`` and a
``cache_rebuilt`` entry in each household's report of that load only: the rebuilt file does not
carry the note, so later hits are silent) and rebuilt from the sources. A cache that cannot be
written only warns: the load itself succeeds. Temporary files left by killed writers are removed
by the next write into the cache folder, as for every atomic write (:mod:`nilm.atomic`).

Hashing the sources is most of a cache hit's cost (29 MB of REDD house 5 take longer to hash
than to read back from HDF5), so the SHA-256 of each source is remembered in ``hashes.json`` in
the cache folder (keyed by the SHA-256 of the file's absolute path, so no path is written),
beside the file's size, inode, mtime and ctime (ns). A remembered hash is
used only if all of these are unchanged **and** it was recorded more than :data:`RACY_S` seconds
after the file's last change; otherwise the file is hashed again. The kernel sets ctime on every
write (no user tool can set it back), and the delay rules out a change landing within the
timestamp granularity of the recording (git's "racy" case), so a changed byte is always seen.

Sources that are already nilm-h5 are not cached (it would only copy them). Source-file paths in
``meta["source_files"]`` are stored relative to the loaded path, so a cache hit after the data
folder moved names the files where they are now.

Every household a format module other than nilm-h5 returns passes the channel stage of
:mod:`nilm.io.plausible` (physical power range, power unit) before it is cached, so a cache hit
serves checked data; nilm-h5 files are read back exactly as nilm wrote them.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from pathlib import Path

from ..atomic import write_text
from ..errors import LoadReport
from ..series import Household
from . import nilmh5
from .checksum import sha256_file
from .plausible import check_household, power_range
from .prm import mask_text

#: root attribute marking a cache file as completely written
MARKER = "complete"
#: a remembered source hash is trusted only if recorded this many seconds after the last change
RACY_S = 3.0
#: file in the cache folder remembering source hashes
HASHES = "hashes.json"


def cache_dir(cache=None) -> Path | None:
    """The cache folder: ``cache`` if a path, ``$NILM_CACHE`` or ``~/.cache/nilm`` if None, and
    None (no caching) if False."""
    if cache is False:
        return None
    if cache is None or cache is True:
        cache = os.environ.get("NILM_CACHE") or Path.home() / ".cache" / "nilm"
    return Path(cache).expanduser()


def _base(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def _rel(p: Path, base: Path) -> str:
    try:
        return Path(os.path.abspath(p)).relative_to(os.path.abspath(base)).as_posix()
    except ValueError:
        return os.path.abspath(p)


#: what a cached load holds; part of the key, raised when loads change within one nilm version
#: (2: loads pass nilm.io.plausible and cache files carry SHA-256 digests)
SCHEMA = 2


def cache_key(name: str, hashes: dict[str, str], mode: str, options: dict) -> str:
    """Hex SHA-256 over (format ``name``, sorted (relative path, sha256) pairs, ``mode``, sorted
    options ``repr``, ``nilm.__version__``, :data:`SCHEMA`)."""
    from ..version import __version__

    blob = json.dumps([name, sorted(hashes.items()), mode,
                       repr(sorted(options.items())), __version__, SCHEMA])
    return hashlib.sha256(blob.encode()).hexdigest()


def source_hashes(mod, path: Path, folder: Path | None = None) -> dict[str, str]:
    """{path relative to ``path`` (posix): sha256} for every file ``mod.sources(path)`` reads.
    With a cache ``folder``, remembered hashes are reused when provably current (see the
    module docstring) and new ones remembered."""
    base = _base(path)
    files = mod.sources(path)
    if folder is None:
        return {_rel(p, base): sha256_file(p) for p in files}
    memo_file = folder / HASHES
    try:
        memo = json.loads(memo_file.read_text())
    except (OSError, ValueError):
        memo = {}
    out, changed = {}, False
    for p in files:
        # keyed by a digest of the path: file names can carry a meter id (PRM), kept off disk
        key = hashlib.sha256(os.path.abspath(p).encode()).hexdigest()
        st = os.stat(p)
        stamp = [st.st_size, st.st_ino, st.st_dev, st.st_mtime_ns, st.st_ctime_ns]
        entry = memo.get(key)
        if (isinstance(entry, dict) and entry.get("stat") == stamp
                and entry.get("at", 0) - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_S * 1e9):
            sha = entry["sha256"]
        else:
            sha = sha256_file(p)
            memo[key] = {"stat": stamp, "sha256": sha, "at": time.time_ns()}
            changed = True
        out[_rel(p, base)] = sha
    if changed:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_text(memo_file, json.dumps(memo))
        except OSError as exc:
            warnings.warn(f"nilm: could not remember source hashes in {memo_file} ({exc})",
                          RuntimeWarning, stacklevel=3)
    return out


def cached_read(mod, path, *, mode: str, cache=None, **options) -> list[Household]:
    """``mod.read(path, mode=mode, report=..., **options)``, through the HDF5 cache.

    Parameters
    ----------
    mod : a format module (uses ``mod.NAME``, ``mod.sources``, ``mod.read`` only).
    path : file or folder to load.
    mode : ``"strict"`` or ``"lenient"`` (part of the key: the two can give different data).
    cache : ``None`` (``$NILM_CACHE`` or ``~/.cache/nilm``), ``False`` (no cache) or a folder.
    options : format options, passed to ``mod.read`` and part of the key.

    Returns
    -------
    The households, each with ``meta["source_files"]`` = {path: sha256} (all sources of the
    load when the module did not say which file belongs to which household) and a
    ``report``: the module's, or the load-wide :class:`LoadReport` it filled.
    """
    path = Path(path)
    folder = cache_dir(cache)
    if folder is None or mod.NAME == nilmh5.NAME:
        return _read(mod, path, mode, options, None)
    hashes = source_hashes(mod, path, folder)
    file = folder / f"{cache_key(mod.NAME, hashes, mode, options)}{nilmh5.SUFFIX}"
    note = None
    if file.exists():
        try:
            houses = nilmh5.read_file(file, require=MARKER)
            return [_from_cache(h, path) for h in houses]
        except Exception as exc:  # noqa: BLE001 -- any failure means: rebuild from sources
            note = (f"cache file {file} was unreadable or failed its checksum "
                    f"({type(exc).__name__}: {exc}); rebuilt from the sources")
            warnings.warn(f"nilm: {note}", RuntimeWarning, stacklevel=2)
            try:
                file.unlink()
            except OSError:
                pass
    houses = _read(mod, path, mode, options, hashes)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # uncompressed: reading back gzip costs ~5x more than reading raw chunks, and a
        # cache hit must be fast (see benchmarks/bench_cache.py); private (0600): a cache of
        # someone's load curves is theirs alone, whatever the folder allows
        nilmh5.write(file, [_to_cache(h, path) for h in houses],
                     attrs={MARKER: True, "source": mod.NAME}, compression=None, mode=0o600)
    except Exception as exc:  # noqa: BLE001 -- a cache that cannot be written must not fail a load
        warnings.warn(f"nilm: could not write cache file {file} ({type(exc).__name__}: {exc})",
                      RuntimeWarning, stacklevel=2)
    if note is not None:
        # added after the write: the rebuilt cache file does not carry the note, so later hits
        # do not repeat it
        for h in houses:
            h.report = h.report if h.report is not None else LoadReport()
            h.report.add(file, None, "cache_rebuilt", note)
    return houses


def _read(mod, path: Path, mode: str, options: dict,
          hashes: dict[str, str] | None) -> list[Household]:
    report = LoadReport()
    houses = mod.read(path, mode=mode, report=report, **options)
    missing = [h for h in houses if not h.meta.get("source_files")]
    if missing:
        if hashes is None:
            hashes = source_hashes(mod, path)
        base = _base(path)
        files = {_abs(base, rel): sha for rel, sha in sorted(hashes.items())}
        for h in missing:
            h.meta["source_files"] = dict(files)
    for h in houses:
        if h.report is None:
            h.report = report
        if mod.NAME == nilmh5.NAME:
            continue  # what nilm wrote, read back bit for bit (the cache's own format)
        files = list(h.meta.get("source_files") or [])
        where = files[0] if len(files) == 1 else path
        check_household(h, where=where if mode == "strict" else mask_text(where), mode=mode,
                        power_w=power_range(mod))
    return houses


def _abs(base: Path, rel: str) -> str:
    return str(Path(rel) if os.path.isabs(rel) else base / rel)


def _to_cache(h: Household, path: Path) -> Household:
    base = _base(path)
    meta = dict(h.meta)
    meta["source_files"] = {_rel(Path(p), base): sha
                            for p, sha in h.meta.get("source_files", {}).items()}
    return Household(h.mains, h.appliances, meta, h.extra, h.report)


def _from_cache(h: Household, path: Path) -> Household:
    base = _base(path)
    h.meta["source_files"] = {_abs(base, rel): sha
                              for rel, sha in h.meta.get("source_files", {}).items()}
    return h
