"""Integrity of the files nilm writes and reads back: nilm-h5 (cache, simulator, exports)
checksums, and damaged caches rebuilt once with a warning."""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest

from nilm.errors import NilmDataError
from nilm.io import load_all, nilmh5

T0 = 1_303_132_929


def _house(d, n=400):
    d.mkdir(parents=True)
    (d / "labels.dat").write_text("1 mains\n2 mains\n3 refrigerator\n")
    rng = np.random.default_rng(1)
    for ch in (1, 2, 3):
        # irregular times, so t is stored as a dataset (not t0/step)
        t = T0 + np.cumsum(rng.integers(1, 5, n))
        p = rng.uniform(50, 900, n).round(2)
        (d / f"channel_{ch}.dat").write_text("".join(f"{a} {b}\n" for a, b in zip(t, p,
                                                                                   strict=True)))
    return d


def _flip(file, offset, n=64):
    raw = bytearray(file.read_bytes())
    raw[offset:offset + n] = bytes(b ^ 0xFF for b in raw[offset:offset + n])
    file.write_bytes(bytes(raw))


def _data_offset(file, dataset):
    with h5py.File(file, "r") as f:
        ds = f[dataset]
        return ds.id.get_chunk_info(0).byte_offset


def _mains_path(file):
    with h5py.File(file, "r") as f:
        (g,) = f["households"].values()
        return f"{g.name}/channels/mains"


def _same(a, b):
    np.testing.assert_array_equal(a.mains.t, b.mains.t)
    assert a.mains.p.tobytes() == b.mains.p.tobytes()
    for k in a.appliances:
        assert a.appliances[k].p.tobytes() == b.appliances[k].p.tobytes()


@pytest.mark.parametrize("dataset", ["p", "t"])
def test_flipped_64_bytes_in_a_cache_file_rebuild_once_with_a_warning(tmp_path, dataset):
    d = _house(tmp_path / "house_1")
    c = tmp_path / "cache"
    [source] = load_all(d, format="redd", cache=False)
    [first] = load_all(d, format="redd", cache=c)
    (file,) = c.glob("*.nilm.h5")
    _flip(file, _data_offset(file, f"{_mains_path(file)}/{dataset}") + 64)
    with pytest.warns(RuntimeWarning, match="checksum mismatch.*rebuilt"):
        [again] = load_all(d, format="redd", cache=c)
    _same(source, again)
    assert [r.kind for r in again.report.repairs].count("cache_rebuilt") == 1
    # the rebuilt file serves the right values, and the note does not repeat
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [later] = load_all(d, format="redd", cache=c)
    _same(source, later)
    assert "cache_rebuilt" not in {k for (_, k) in later.report.counts()}


@pytest.mark.parametrize("compression", [None, "blosc-lz4"])
def test_a_flip_anywhere_in_a_nilmh5_file_is_an_error_or_harmless(tmp_path, compression):
    """Every 64-byte flip either changes nothing that is read or is a NilmDataError (never a
    KeyError, OSError..., never different values); also inside Blosc-compressed chunks (the
    simulator's filter), where a flip may fail the decoder rather than the digest."""
    d = _house(tmp_path / "house_1", n=2000)
    [h] = load_all(d, format="redd", cache=False)
    f = tmp_path / "h.nilm.h5"
    nilmh5.write(f, [h], compression=compression)
    raw = f.read_bytes()
    outcomes = {"error": 0, "same": 0}
    for offset in range(0, len(raw) - 64, max(64, len(raw) // 120)):
        f.write_bytes(raw)
        _flip(f, offset)
        try:
            [back] = nilmh5.read(f)
        except NilmDataError as exc:
            assert exc.path == str(f)
            outcomes["error"] += 1
            continue
        _same(h, back)
        assert back.meta == h.meta
        outcomes["same"] += 1
    assert outcomes["error"] > 10  # the data and metadata regions were hit


def test_edited_meta_json_fails_the_household_checksum(tmp_path):
    d = _house(tmp_path / "house_1")
    [h] = load_all(d, format="redd", cache=False)
    f = tmp_path / "h.nilm.h5"
    nilmh5.write(f, [h])
    with h5py.File(f, "a") as g:
        (hg,) = g["households"].values()
        hg.attrs["meta_json"] = hg.attrs["meta_json"].replace('"REDD"', '"XXXX"')
    with pytest.raises(NilmDataError, match="checksum mismatch of meta_json"):
        nilmh5.read(f)


def test_streamed_writer_digests_every_chunk(tmp_path):
    f = tmp_path / "s.nilm.h5"
    with nilmh5.Writer(f) as w:
        w.add_household("h", {"house": "h"})
        for k in range(3):
            w.append("h", "mains", np.arange(10, dtype=np.float32) + k, role="mains",
                     t0=T0 + 600 * k if k == 0 else None, step=60 if k == 0 else None)
            w.append("h", "kettle", np.ones(4), t_chunk=T0 + 10 * k + np.arange(4) * 2)
    [h] = nilmh5.read(f)
    assert len(h.mains) == 30 and len(h.appliances["kettle"]) == 12
    with h5py.File(f, "a") as g:
        g["households/h/channels/kettle/p"][5] = 2.0
    with pytest.raises(NilmDataError, match="kettle/p: checksum mismatch"):
        nilmh5.read(f)


def _truth():
    from nilm.truth import GroundTruth

    n = 96
    rng = np.random.default_rng(2)
    return GroundTruth(start=T0, step=900, timezone="UTC", occupants=2, ownership={},
                       source="simulated", present_person=rng.random((2, n)) > 0.3,
                       awake_person=rng.random((2, n)) > 0.5, days=np.arange(1),
                       wake=np.array([[7.0], [7.5]]), bed=np.array([[23.0], [22.5]]),
                       hot_water_l=np.array([50.0]), water_heater_kwh=np.array([2.0]))


def test_truth_npz_round_trip_and_damage(tmp_path):
    from nilm.truth import GroundTruth

    gt = _truth()
    f = tmp_path / "h.truth.npz"
    gt.save(f)
    back = GroundTruth.load(f)
    np.testing.assert_array_equal(back.present_person, gt.present_person)
    raw = f.read_bytes()
    errors = 0
    for offset in range(0, len(raw) - 64, max(64, len(raw) // 40)):
        f.write_bytes(raw)
        _flip(f, offset)
        try:
            again = GroundTruth.load(f)
        except NilmDataError as exc:
            assert exc.path == str(f)
            errors += 1
            continue
        np.testing.assert_array_equal(again.present_person, gt.present_person)
        np.testing.assert_array_equal(again.wake, gt.wake)
    assert errors > 5


def test_truth_npz_edited_array_fails_its_checksum(tmp_path):
    import json

    from nilm.truth import GroundTruth

    f = tmp_path / "h.truth.npz"
    _truth().save(f)
    with np.load(f) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["wake"] = arrays["wake"] + 1.0  # a consistent npz whose data changed
    np.savez(f, **arrays)
    with pytest.raises(NilmDataError, match="wake: checksum mismatch"):
        GroundTruth.load(f)
    meta = json.loads(bytes(arrays["meta"]).decode())
    assert set(meta["sha256"]) >= {"present_person", "wake", "bed"}


def test_seq2point_weights_file_fails_its_checksum_when_edited(tmp_path):
    pytest.importorskip("torch", reason="torch is an optional extra (pip install nilm[torch])")
    from nilm.disaggregate.seq2point import Seq2Point
    from tests.test_seq2point import TINY, synthetic_grid

    g = synthetic_grid(n=200)
    model = Seq2Point(**{**TINY, "epochs": 1}, seed=0).fit(g)
    f = tmp_path / "s2p.npz"
    model.save(f)
    np.testing.assert_array_equal(Seq2Point.load(f).predict(g.mains), model.predict(g.mains))
    with np.load(f) as z:
        arrays = {k: z[k] for k in z.files}
    key = next(k for k in arrays if k.startswith("net0/"))
    arrays[key] = arrays[key] + 1e-3  # a consistent npz whose weights changed
    np.savez(f, **arrays)
    with pytest.raises(NilmDataError, match=f"{key}: checksum mismatch"):
        Seq2Point.load(f)


def test_a_study_cell_changed_after_writing_is_recomputed(tmp_path):
    """A digit changed in a stored cell (still valid JSON) would change results.csv on resume:
    the cell's SHA-256 catches it, the cell is recomputed (with a warning) and the table is a
    fresh run's."""
    import json

    import pandas as pd

    from nilm.study import Source, StudySpec, run_study

    spec = StudySpec(sources=[Source("sim", households=2, days=2, period=300, seed=3)],
                     name="tiny", seed=7, resolutions=["30min"], inferences=["occupancy"],
                     n_boot=20)
    df = run_study(spec, tmp_path, progress=False)
    cell = sorted((tmp_path / "cells").glob("*.json"))[0]
    d = json.loads(cell.read_text())
    row = next(r for r in d["rows"] if isinstance(r.get("value"), float)
               and np.isfinite(r["value"]))
    row["value"] += 0.125
    cell.write_text(json.dumps(d))
    with pytest.warns(RuntimeWarning, match="failed its checksum"):
        again = run_study(spec, tmp_path, progress=False)
    pd.testing.assert_frame_equal(again, df)
