"""The cell store: one JSON file per finished cell under ``OUT/cells/`` (written atomically),
with the fingerprint of what computed it and the SHA-256 of its text, so a resumed study
reuses exactly the cells it would compute again."""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..atomic import atomic_open
from .plan import Cell, population_pools
from .spec import StudySpec

#: the nilm modules that cannot take part in computing a cell, left out of :func:`code_digest`
#: so that editing a table, a figure or a command leaves a cell store valid: those above the
#: study in the layers of docs/design.md (which, by the layer rule, the study never imports;
#: tests/test_import_graph.py checks that each is there). Every other module of ``nilm/``, one
#: added later included, is hashed.
PRESENTATION_MODULES = frozenset({
    "nilm", "nilm.cli", "nilm.demo", "nilm.figure_data", "nilm.labels", "nilm.leaderboard",
    "nilm.leaderboard_report", "nilm.linky_accuracy", "nilm.linky_figures",
    "nilm.linky_population", "nilm.linky_report", "nilm.locale", "nilm.plot", "nilm.real_rows",
    "nilm.report"})

#: the folder of the nilm package this process runs
CODE_ROOT = Path(__file__).resolve().parents[1]


def code_digest(root: Path = CODE_ROOT) -> str:
    """SHA-256 of the code that computes a cell: of every ``.py`` file of the nilm package at
    ``root`` but those of :data:`PRESENTATION_MODULES`, each as its path relative to ``root``
    and the SHA-256 of its bytes, in path order.

    Read from the files themselves, not from git: an edit not yet committed changes it, a
    commit that changes no such file (documentation, tests, a report) does not. Reads the
    source once per call (1.4 MB, about 15 ms), so a worker started after an edit sees it.
    """
    h = hashlib.sha256()
    for rel in sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")):
        parts = ["nilm", *rel[: -len(".py")].split("/")]
        if parts[-1] == "__init__":
            parts.pop()
        if ".".join(parts) in PRESENTATION_MODULES:
            continue
        h.update(rel.encode() + b"\0" + hashlib.sha256((root / rel).read_bytes()).digest())
    return h.hexdigest()


def fingerprint(spec: StudySpec, source_name: str) -> str:
    """What a stored cell of ``source_name`` (a source, or a pool of
    :func:`~nilm.study.plan.population_pools`) must have been computed with to be reused: the
    nilm version and the :func:`code_digest` of its source, and every spec setting that changes
    a cell's numbers (the study seed, ``n_boot``, the training design, the null control and the
    source's definition) — not the lists of resolutions, inferences and methods, which only
    choose cells, nor ``predictions`` (unless ``"interval"``, whose cells carry more records),
    which only filters what is collected, nor the git
    commit (a re-commit of the same code keeps the store valid, an uncommitted edit
    invalidates it)."""
    from ..version import __version__

    d = spec.to_dict()
    keep = {k: v for k, v in d.items() if k not in ("name", "resolutions", "inferences",
                                                    "methods", "sources", "predictions")}
    if d["predictions"] == "interval":  # its cells carry the per-interval records too
        keep["predictions"] = "interval"
    pool = population_pools(spec).get(source_name, ())
    if len(pool) > 1:  # a population cell (the occupant count) of several sources
        names = {s.name for s in pool}
        keep["source"] = [s for s in d["sources"] if s["name"] in names]
    else:
        keep["source"] = next(s for s in d["sources"] if s["name"] == source_name)
    keep["nilm"] = [__version__, code_digest()]
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


#: what precedes a cell file's digest, its last member
_SHA_KEY = ', "sha256": "'


def write_cell(out: Path, cell: Cell, rows: list[dict], meta: dict, fp: str) -> None:
    """Store a finished cell (atomically) with its fingerprint ``fp`` and digest: the SHA-256
    of the file's text before the digest (cell, fingerprint, metadata, rows), its last member.

    The digest is of the text as written, not of a canonical re-encoding of the content: a
    reader checks it by hashing bytes it holds (a re-encoding was a third of collecting a
    208-household study's 31,632 cells). The text is one ``json.dumps``, which a JSON
    round trip (``json.dumps(json.loads(text))``) writes again byte for byte.
    """
    path = out / "cells" / cell.filename()
    text = json.dumps({"cell": asdict(cell), "fingerprint": fp, "meta": meta, "rows": rows},
                      default=_json_default)[:-1]
    with atomic_open(path, "w") as f:
        f.write(f'{text}{_SHA_KEY}{_text_digest(text)}"}}')


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _json_default(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    raise TypeError(type(x))


def read_cell(out: Path, cell: Cell, fp: str) -> dict | None:
    """A stored cell, or None when absent, unreadable (a torn file), computed with another
    :func:`fingerprint` (other nilm code, other settings) or failing its
    SHA-256 (a file changed after writing; also warned): it is recomputed."""
    path = out / "cells" / cell.filename()
    try:
        with open(path) as f:
            text = f.read()
        d = json.loads(text)
    except (OSError, ValueError):
        return None
    if not isinstance(d, dict) or d.get("cell") != asdict(cell) or d.get("fingerprint") != fp:
        return None
    end = text.rfind(_SHA_KEY)
    if end < 0 or d.get("sha256") != _text_digest(text[:end]):
        warnings.warn(f"nilm: cell file {path} failed its checksum (changed after it was "
                      "written); recomputed", RuntimeWarning, stacklevel=2)
        return None
    return d
