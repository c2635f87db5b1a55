"""The cell store: one JSON file per finished cell under ``OUT/cells/`` (written atomically),
with the fingerprint of what computed it and the SHA-256 of its content, so a resumed study
reuses exactly the cells it would compute again."""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..atomic import atomic_open
from .plan import Cell
from .spec import StudySpec


def fingerprint(spec: StudySpec, source_name: str) -> str:
    """What a stored cell of ``source_name`` must have been computed with to be reused: the
    nilm version and git commit, and every spec setting that changes a cell's numbers (the
    study seed, ``n_boot``, the training design and the source's definition) — not the lists
    of resolutions, inferences and methods, which only choose cells."""
    from ..version import __version__

    d = spec.to_dict()
    keep = {k: v for k, v in d.items() if k not in ("name", "resolutions", "inferences",
                                                    "methods", "sources")}
    keep["source"] = next(s for s in d["sources"] if s["name"] == source_name)
    keep["nilm"] = [__version__, git_commit()]
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


def write_cell(out: Path, cell: Cell, rows: list[dict], meta: dict, fp: str) -> None:
    """Store a finished cell (atomically) with its fingerprint ``fp`` and content digest."""
    path = out / "cells" / cell.filename()
    with atomic_open(path, "w") as f:
        json.dump({"cell": asdict(cell), "fingerprint": fp, "meta": meta, "rows": rows,
                   "sha256": _cell_digest(meta, rows)}, f, default=_json_default)


def _cell_digest(meta: dict, rows: list[dict]) -> str:
    """SHA-256 of a cell's content as JSON (read back exactly: floats round-trip), so a cell
    file changed after writing is recomputed, not served (nilm.integrity)."""
    text = json.dumps({"meta": meta, "rows": rows}, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()


def _json_default(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    raise TypeError(type(x))


def read_cell(out: Path, cell: Cell, fp: str) -> dict | None:
    """A stored cell, or None when absent, unreadable (a torn file), computed with another
    :func:`fingerprint` (another nilm version or commit, other settings) or failing its
    SHA-256 (a file changed after writing; also warned): it is recomputed."""
    path = out / "cells" / cell.filename()
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    if d.get("cell") != asdict(cell) or d.get("fingerprint") != fp:
        return None
    if d.get("sha256") != _cell_digest(d.get("meta"), d.get("rows")):
        warnings.warn(f"nilm: cell file {path} failed its checksum (changed after it was "
                      "written); recomputed", RuntimeWarning, stacklevel=2)
        return None
    return d


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout nilm runs from, or None outside git (provenance)."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None
