"""HDF5 cache: hit/miss, key contents, invalidation, corrupt-file rebuild, atomicity."""

from __future__ import annotations

import os
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from nilm.errors import LoadReport
from nilm.io import cache, nilmh5
from nilm.series import Household, PowerSeries


def _fake_format(calls: list):
    """A minimal format module: every ``*.tp`` file in a folder is one house, lines ``t p``."""

    def sources(path: Path):
        return sorted(path.glob("*.tp")) if path.is_dir() else [path]

    def read(path: Path, *, mode, report, scale=1.0):
        calls.append((path, mode, scale))
        out = []
        for f in sources(path):
            a = np.loadtxt(f, ndmin=2)
            report.add(f, 2, "missing_value", "demo repair")
            s = PowerSeries(a[:, 0].astype(np.int64), a[:, 1] * scale, "mains", "agg")
            out.append(Household(s, {}, {"dataset": "FAKE", "house": f.stem}))
        return out

    return types.SimpleNamespace(NAME="fake", sources=sources, read=read)


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    rng = np.random.default_rng(0)
    for name in ("h1", "h2"):
        t = 1_000 + 6 * np.arange(200)
        np.savetxt(d / f"{name}.tp", np.c_[t, rng.random(200) * 1000], fmt=["%d", "%.3f"])
    return d


def test_hit_and_miss(data, tmp_path):
    calls = []
    mod = _fake_format(calls)
    c = tmp_path / "cache"
    first = cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 1 and len(list(c.glob("*.nilm.h5"))) == 1
    second = cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 1  # served from the cache
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.mains.t, b.mains.t)
        assert a.mains.p.tobytes() == b.mains.p.tobytes()
        assert a.meta == b.meta
        assert a.report.counts() == b.report.counts()
    # source_files filled by the cache when the module did not: {path: sha256}
    sf = first[0].meta["source_files"]
    assert sf == {str(data / "h1.tp"): cache.sha256_file(data / "h1.tp"),
                  str(data / "h2.tp"): cache.sha256_file(data / "h2.tp")}
    # mode and options are part of the key
    cache.cached_read(mod, data, mode="strict", cache=c)
    cache.cached_read(mod, data, mode="lenient", cache=c, scale=2.0)
    assert len(calls) == 3 and len(list(c.glob("*.nilm.h5"))) == 3
    cache.cached_read(mod, data, mode="lenient", cache=c, scale=2.0)
    assert len(calls) == 3


def test_cache_false_and_env_folder(data, tmp_path, monkeypatch):
    calls = []
    mod = _fake_format(calls)
    cache.cached_read(mod, data, mode="lenient", cache=False)
    cache.cached_read(mod, data, mode="lenient", cache=False)
    assert len(calls) == 2
    env = tmp_path / "envcache"
    monkeypatch.setenv("NILM_CACHE", str(env))
    assert cache.cache_dir(None) == env
    cache.cached_read(mod, data, mode="lenient", cache=None)
    assert len(list(env.glob("*.nilm.h5"))) == 1
    monkeypatch.delenv("NILM_CACHE")
    assert cache.cache_dir(None) == Path.home() / ".cache" / "nilm"


def test_one_changed_byte_invalidates(data, tmp_path):
    calls = []
    mod = _fake_format(calls)
    c = tmp_path / "cache"
    cache.cached_read(mod, data, mode="lenient", cache=c)
    f = data / "h2.tp"
    raw = bytearray(f.read_bytes())
    i = raw.rindex(b".") + 1
    raw[i] = ord("9") if raw[i] != ord("9") else ord("8")  # same length, same mtime-insensitive
    f.write_bytes(bytes(raw))
    houses = cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 2
    expected = np.loadtxt(f)[:, 1].astype(np.float32)
    assert houses[1].mains.p.tobytes() == expected.tobytes()


def test_key_covers_version_and_relative_paths(data, tmp_path, monkeypatch):
    mod = _fake_format([])
    h = cache.source_hashes(mod, data)
    assert sorted(h) == ["h1.tp", "h2.tp"]
    k = cache.cache_key("fake", h, "lenient", {})
    assert k != cache.cache_key("fake", h, "strict", {})
    assert k != cache.cache_key("other", h, "lenient", {})
    assert k != cache.cache_key("fake", h, "lenient", {"a": 1})
    from nilm import version

    monkeypatch.setattr(version, "__version__", "999")
    assert k != cache.cache_key("fake", h, "lenient", {})
    monkeypatch.undo()
    assert k == cache.cache_key("fake", h, "lenient", {})
    monkeypatch.setattr(cache, "SCHEMA", cache.SCHEMA + 1)
    assert k != cache.cache_key("fake", h, "lenient", {})


def test_moved_folder_hits_and_names_new_paths(data, tmp_path):
    calls = []
    mod = _fake_format(calls)
    c = tmp_path / "cache"
    cache.cached_read(mod, data, mode="lenient", cache=c)
    moved = tmp_path / "moved"
    os.rename(data, moved)
    houses = cache.cached_read(mod, moved, mode="lenient", cache=c)
    assert len(calls) == 1
    assert sorted(houses[0].meta["source_files"]) == [str(moved / "h1.tp"), str(moved / "h2.tp")]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "no_marker"])
def test_corrupt_cache_file_is_reported_and_rebuilt(data, tmp_path, damage):
    calls = []
    mod = _fake_format(calls)
    c = tmp_path / "cache"
    good = cache.cached_read(mod, data, mode="lenient", cache=c)
    (file,) = c.glob("*.nilm.h5")
    if damage == "truncate":
        raw = file.read_bytes()
        file.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        file.write_bytes(b"\0" * 100)
    else:
        import h5py

        with h5py.File(file, "a") as f:
            del f.attrs[cache.MARKER]
    with pytest.warns(RuntimeWarning, match="rebuilt"):
        again = cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 2
    assert again[0].mains.p.tobytes() == good[0].mains.p.tobytes()
    kinds = {k for (_, k) in again[0].report.counts()}
    assert "cache_rebuilt" in kinds
    # the rebuilt file is good again: next load is a silent hit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 2


def test_failed_cache_write_leaves_no_file_and_still_loads(data, tmp_path, monkeypatch):
    calls = []
    mod = _fake_format(calls)
    c = tmp_path / "cache"

    real_add = nilmh5.Writer.add

    def add_then_fail(self, h, key=None):
        real_add(self, h, key)
        raise OSError("No space left on device")

    monkeypatch.setattr(nilmh5.Writer, "add", add_then_fail)
    with pytest.warns(RuntimeWarning, match="could not write cache"):
        houses = cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(houses) == 2 and len(houses[0].mains) == 200
    # neither a partial cache file nor a temp file: only the remembered source hashes
    assert [p.name for p in c.iterdir()] == [cache.HASHES]
    monkeypatch.setattr(nilmh5.Writer, "add", real_add)
    cache.cached_read(mod, data, mode="lenient", cache=c)
    cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 2  # a later good write is then used


def test_report_passed_to_module_is_attached(data, tmp_path):
    mod = _fake_format([])
    houses = cache.cached_read(mod, data, mode="lenient", cache=False)
    assert isinstance(houses[0].report, LoadReport)
    assert sum(houses[0].report.counts().values()) == 2  # one demo repair per file


def _counting_sha(monkeypatch):
    calls = []
    real = cache.sha256_file

    def sha(p, *a, **k):
        calls.append(Path(p).name)
        return real(p, *a, **k)

    monkeypatch.setattr(cache, "sha256_file", sha)
    return calls


def test_remembered_hashes_skip_rehash_only_when_provably_current(data, tmp_path, monkeypatch):
    calls = _counting_sha(monkeypatch)
    mod = _fake_format([])
    c = tmp_path / "cache"
    cache.cached_read(mod, data, mode="lenient", cache=c)
    assert sorted(calls) == ["h1.tp", "h2.tp"]
    # just recorded: within RACY_S of the files' last change, so not trusted yet
    cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 4
    monkeypatch.setattr(cache, "RACY_S", 0.0)
    cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 4  # trusted: recorded after the last change, stat unchanged


def test_changed_byte_seen_even_with_mtime_restored(data, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_S", 0.0)
    calls = []
    mod = _fake_format(calls)
    c = tmp_path / "cache"
    cache.cached_read(mod, data, mode="lenient", cache=c)
    f = data / "h1.tp"
    st = os.stat(f)
    raw = bytearray(f.read_bytes())
    raw[-3] = ord("1") if raw[-3] != ord("1") else ord("2")
    f.write_bytes(bytes(raw))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime; ctime moves
    houses = cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 2
    assert houses[0].mains.p.tobytes() == np.loadtxt(f)[:, 1].astype(np.float32).tobytes()


def test_corrupt_hash_memo_is_ignored(data, tmp_path, monkeypatch):
    calls = _counting_sha(monkeypatch)
    mod = _fake_format([])
    c = tmp_path / "cache"
    cache.cached_read(mod, data, mode="lenient", cache=c)
    (c / cache.HASHES).write_text("{not json")
    monkeypatch.setattr(cache, "RACY_S", 0.0)
    cache.cached_read(mod, data, mode="lenient", cache=c)
    assert len(calls) == 4


@pytest.mark.realdata
def test_real_uci_through_the_cache(shared_data, tmp_path):
    from nilm.io import uci

    src = shared_data / "uci_household_power_consumption" / "sceaux_2007-02-01_to_2007-02-02"
    c = tmp_path / "cache"
    (a,) = cache.cached_read(uci, src, mode="lenient", cache=c)
    (b,) = cache.cached_read(uci, src, mode="lenient", cache=c)
    assert len(list(c.glob("*.nilm.h5"))) == 1
    for name, s in a.channels().items():
        np.testing.assert_array_equal(s.t, b.channels()[name].t)
        assert s.p.tobytes() == b.channels()[name].p.tobytes()
        assert (s.label, s.quantity, s.period) == (b.channels()[name].label,
                                                   b.channels()[name].quantity,
                                                   b.channels()[name].period)
    for name, s in a.extra.items():
        assert s.p.tobytes() == b.extra[name].p.tobytes()
    assert a.meta == b.meta


def test_stale_temp_files_of_killed_writers_are_removed(data, tmp_path):
    """The cache's writes sweep its folder like every atomic write (nilm.atomic)."""
    from nilm.atomic import STALE_TMP_S

    c = tmp_path / "cache"
    c.mkdir()
    # the names nilm.atomic.temporary_beside gives (".<name>.<8 random>.tmp")
    stale, fresh = c / ".abc.nilm.h5.k3j_9xQa.tmp", c / ".def.nilm.h5.Zp0q81bB.tmp"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"being written right now")
    old = os.stat(stale).st_mtime - 2 * STALE_TMP_S
    os.utime(stale, (old, old))
    with pytest.warns(RuntimeWarning, match="removed 1 temporary file"):
        cache.cached_read(_fake_format([]), data, mode="lenient", cache=c)
    assert not stale.exists() and fresh.exists()
