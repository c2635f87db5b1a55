"""nilm: non-intrusive load monitoring, and how much a load curve reveals at each resolution."""

from .errors import LoadReport, NilmDataError
from .series import Grid, Household, PowerSeries

__version__ = "0.1.0"

__all__ = ["Grid", "Household", "LoadReport", "NilmDataError", "PowerSeries", "__version__",
           "load", "load_all"]


def load(path, **options):
    """Load one household from ``path`` (format detected); see :func:`nilm.io.load`."""
    from .io import load as _load

    return _load(path, **options)


def load_all(path, **options):
    """Load every household under ``path``; see :func:`nilm.io.load_all`."""
    from .io import load_all as _load_all

    return _load_all(path, **options)
