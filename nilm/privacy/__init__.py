"""The five inferences of the CNIL (2012) list, as attacks on the load curve at any period, each
scored against native-resolution ground truth with day-block bootstrap CIs and a skill against a
no-information prior. Definitions, ground truths, attacks and scores: docs/inferences.md.

Every scorer has the signature::

    score_<inference>(household_or_grid, truth, period, *, method, seed, train=None) -> list[dict]

and returns tidy rows with the keys of :data:`nilm.privacy.scores.ROW_KEYS`. :data:`INFERENCES`
maps each inference to its scorer and :data:`METHODS` to its attack names, so a study runner can
loop over them. The occupant count is a population-level inference: its per-household scorer
needs ``train`` (other households), and :func:`score_occupants_population` gives the
cross-validated population scores.
"""

from __future__ import annotations

from .appliances import DIRECT, detectability_table, score_appliances
from .hot_water import METHODS as _HOT_WATER
from .hot_water import score_hot_water
from .occupancy import METHODS as _OCCUPANCY
from .occupancy import score_occupancy
from .occupants import METHODS as _OCCUPANTS
from .occupants import score_occupants, score_occupants_population
from .routine import METHODS as _ROUTINE
from .routine import score_routine
from .scores import ROW_KEYS
from .truth_proxy import proxy_truth

#: inference name -> scorer
INFERENCES = {
    "occupancy": score_occupancy,
    "routine": score_routine,
    "appliances": score_appliances,
    "hot_water": score_hot_water,
    "occupants": score_occupants,
}

#: inference name -> attack methods (appliances also accept any nilm.disaggregate.MODELS name)
METHODS = {
    "occupancy": _OCCUPANCY,
    "routine": _ROUTINE,
    "appliances": (DIRECT,),
    "hot_water": _HOT_WATER,
    "occupants": _OCCUPANTS,
}

__all__ = ["INFERENCES", "METHODS", "ROW_KEYS", "detectability_table", "proxy_truth",
           "score_appliances", "score_hot_water", "score_occupancy", "score_occupants",
           "score_occupants_population", "score_routine"]
