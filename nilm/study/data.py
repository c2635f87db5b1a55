"""The houses of a study's sources: a simulated source generated once into ``OUT/data/``, a
``path`` source read through the cache in ``OUT/cache/``; each house as (Household,
GroundTruth), the simulator's truth, the dataset's recorded truth (METER diaries, ECO
occupancy: :func:`nilm.truth_for`) or, where a dataset records none, real-data proxies."""

from __future__ import annotations

import json
from pathlib import Path

from .spec import Source


def data_dir(out: Path, source: Source) -> Path:
    """Folder of a simulated source's files: ``OUT/data/<source name>/``."""
    return out / "data" / source.name


def materialise(source: Source, out: Path) -> None:
    """Generate a simulated source once (idempotent: skipped when its manifest exists)."""
    if source.kind != "simulated":
        return
    d = data_dir(out, source)
    if (d / "population.json").exists():
        return
    from ..simulate import simulate_to_dir

    simulate_to_dir(d, households=source.households, days=source.days, seed=source.seed,
                    period=source.period, preset=source.preset, start=source.start)


def house_ids(source: Source, out: Path) -> list[str]:
    """The houses of a source, as strings, in a stable order."""
    if source.kind == "simulated":
        files = sorted(data_dir(out, source).glob("*.nilm.h5"))
        ids = [f.name[: -len(".nilm.h5")] for f in files]
    else:
        from ..io import load_all

        ids = [str(h.meta.get("house")) for h in load_all(source.path, cache=cache_dir(out),
                                                           **source.options)]
    if source.houses is not None:
        keep = {str(h) for h in source.houses}
        ids = [i for i in ids if i in keep]
    return ids


def cache_dir(out: Path) -> Path:
    """The loader cache of a study's ``path`` sources: ``OUT/cache/``."""
    return out / "cache"


def load_house(source: Source, house: str, out: Path):
    """(Household, GroundTruth) of one house: the simulator's truth, the dataset's recorded
    truth (:func:`nilm.io.ground_truth.truth_for`), else real-data proxies."""
    from ..io import load, load_all
    from ..io.ground_truth import truth_for
    from ..truth import GroundTruth

    if source.kind == "simulated":
        d = data_dir(out, source)
        h = load(d / f"{house}.nilm.h5")
        return h, GroundTruth.load(d / f"{house}.truth.npz")
    from ..privacy.truth_proxy import proxy_truth

    hh = [h for h in load_all(source.path, cache=cache_dir(out), **source.options)
          if str(h.meta.get("house")) == house]
    if not hh:
        raise ValueError(f"source {source.name}: no house {house!r}")
    return hh[0], truth_for(hh[0]) or proxy_truth(hh[0])


def household_meta(source: Source, house: str, out: Path) -> dict:
    """Metadata of a simulated house from its file's header (no power data read)."""
    import h5py

    path = data_dir(out, source) / f"{house}.nilm.h5"
    try:
        with h5py.File(path, "r") as f:
            return json.loads(f["households"][house].attrs["meta_json"])
    except (OSError, KeyError, ValueError):
        return load_house(source, house, out)[0].meta

