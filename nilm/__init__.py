"""nilm: non-intrusive load monitoring, and how much a load curve reveals at each resolution."""

from .errors import LoadReport, NilmDataError
from .series import Grid, Household, PowerSeries
from .version import __version__

__all__ = ["Grid", "Household", "LoadReport", "NilmDataError", "PowerSeries", "__version__",
           "load", "load_all", "load_truth", "truth_for"]


def load(path, **options):
    """Load one household from ``path`` (format detected); see :func:`nilm.io.load`."""
    from .io import load as _load

    return _load(path, **options)


def load_all(path, **options):
    """Load every household under ``path``; see :func:`nilm.io.load_all`."""
    from .io import load_all as _load_all

    return _load_all(path, **options)


def truth_for(household, **options):
    """The ground truth a real dataset recorded for ``household`` (None if it records none);
    see :func:`nilm.io.ground_truth.truth_for`."""
    from .io.ground_truth import truth_for as _truth_for

    return _truth_for(household, **options)


def load_truth(path, **options):
    """Every house's recorded ground truth under ``path``; see
    :func:`nilm.io.ground_truth.load_truth`."""
    from .io.ground_truth import load_truth as _load_truth

    return _load_truth(path, **options)
