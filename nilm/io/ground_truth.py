"""Real ground truth for loaded households: the one way a caller (a notebook, the study) gets the
truth a dataset recorded about its people.

A format module that records ground truth provides, beside the loader functions of
:mod:`nilm.io`,

* ``read_truth(path, *, mode, report) -> dict[house, GroundTruth]`` — keyed by the
  ``meta["house"]`` of the households ``read`` gives for the same path;
* ``truth_sources(path) -> list[Path]`` — the files ``read_truth`` reads;

and sets ``meta["format"]`` to its ``NAME`` (which is also its module name) on every household it
loads. Today: :mod:`nilm.io.meter` (time-use diaries) and :mod:`nilm.io.eco` (tablet + PIR
occupancy).

* :func:`truth_for` — the GroundTruth of one loaded Household, or None when its source records
  none (then a caller may fall back to :func:`nilm.privacy.truth_proxy.proxy_truth`, labelled
  as a proxy). The truth files are found from ``meta["source_files"]`` (so a cached household
  finds them where they are now) and their SHA-256 must still be the one recorded at load time;
* :func:`load_truth` — every house's GroundTruth under a path.
"""

from __future__ import annotations

import copy
import importlib
from functools import lru_cache
from pathlib import Path

from ..errors import LoadReport, NilmDataError, check_mode
from ..series import Household
from ..truth import GroundTruth
from . import detect_format
from .checksum import sha256_file


def _truth_module(fmt: str | None):
    """The format module of ``fmt`` if it records ground truth, else None."""
    if not fmt or not fmt.isidentifier():
        return None
    try:
        mod = importlib.import_module(f"{__package__}.{fmt}")
    except ImportError:
        return None
    if getattr(mod, "NAME", None) != fmt or not hasattr(mod, "read_truth"):
        return None
    return mod


def load_truth(path, *, format: str | None = None, mode: str = "lenient",
               report: LoadReport | None = None) -> dict[str, GroundTruth]:
    """Every house's recorded ground truth under ``path``, by ``meta["house"]``.

    Parameters
    ----------
    path : a data folder or file, as for :func:`nilm.io.load_all`.
    format : force a format name instead of detecting it.
    mode : ``"strict"`` (raise on the first bad line) or ``"lenient"`` (repair and report).
    report : where lenient repairs are recorded.

    Raises
    ------
    NilmDataError : when the format records no ground truth (name the format).
    """
    check_mode(mode)
    fmt = format or detect_format(path)
    mod = _truth_module(fmt)
    if mod is None:
        raise NilmDataError(path, None, f"format {fmt!r} records no ground truth (formats that "
                            "do: meter, eco); nilm.privacy.truth_proxy.proxy_truth builds a "
                            "sub-meter proxy")
    return mod.read_truth(path, mode=mode, report=report)


def truth_for(household: Household, *, mode: str = "lenient") -> GroundTruth | None:
    """The recorded ground truth of a loaded household, or None when its source has none.

    Parameters
    ----------
    household : a Household from :func:`nilm.load` / :func:`nilm.load_all` (cached or not).
    mode : as :func:`load_truth`.

    Raises
    ------
    NilmDataError : when a truth file is gone or changed since the household was loaded.
    """
    check_mode(mode)
    mod = _truth_module(household.meta.get("format"))
    files = [Path(p) for p in household.meta.get("source_files", {})]
    if mod is None or not files:
        return None
    recorded = {Path(p): sha for p, sha in household.meta["source_files"].items()}
    wanted = set(mod.truth_sources(files[0]))
    truth_files = []
    for f in files:
        if f not in wanted:
            continue
        if not f.is_file():
            raise NilmDataError(f, None, "ground-truth file is gone since the household was "
                                "loaded")
        sha = sha256_file(f)
        if sha != recorded[f]:
            raise NilmDataError(f, None, "changed since the household was loaded "
                                "(SHA-256 differs): load it again")
        truth_files.append((str(f), sha))
    if not truth_files:
        return None
    truths = _read_truth(mod.NAME, str(files[0]), tuple(sorted(truth_files)), mode)
    truth = truths.get(str(household.meta.get("house")))
    # a copy: the caller may change it, the memo must not
    return copy.deepcopy(truth)


@lru_cache(maxsize=8)
def _read_truth(fmt: str, path: str, files: tuple, mode: str) -> dict[str, GroundTruth]:
    """``read_truth`` once per set of truth files (keyed by their SHA-256): a study asks for
    each house of a folder in turn."""
    del files  # the key: the same bytes give the same truth
    return _truth_module(fmt).read_truth(path, mode=mode)


__all__ = ["load_truth", "truth_for"]
