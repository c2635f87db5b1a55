"""Disaggregators, one estimator API (:class:`~nilm.disaggregate.base.Disaggregator`).

:data:`MODELS` maps a short name to each estimator class; the shared estimator tests
(``tests/test_estimators.py``), :func:`nilm.evaluate.evaluate` and the command line use it, so
registering a new model is one line here.
"""

from __future__ import annotations

from .base import Disaggregator
from .co import CO
from .edges import Hart85
from .fhmm import FHMM
from .mean import AlwaysOff, Mean, Prior
from .seq2point import Seq2Point

#: name -> estimator class (constructible with defaults and a ``seed`` keyword)
MODELS: dict[str, type[Disaggregator]] = {
    "mean": Mean,
    "always_off": AlwaysOff,
    "prior": Prior,
    "co": CO,
    "hart85": Hart85,
    "fhmm": FHMM,
    "seq2point": Seq2Point,  # needs the torch extra
}

__all__ = ["CO", "FHMM", "MODELS", "Hart85", "AlwaysOff", "Disaggregator", "Mean", "Prior",
           "Seq2Point"]
