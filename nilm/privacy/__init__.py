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

from . import appliances, hot_water, occupancy, occupants, routine
from .appliances import ATTACKS as _APPLIANCES
from .appliances import DIRECT, detectability_table, score_appliances
from .base import Attack, Inference
from .hot_water import ATTACKS as _HOT_WATER
from .hot_water import score_hot_water
from .occupancy import ATTACKS as _OCCUPANCY
from .occupancy import score_occupancy
from .occupants import ATTACKS as _OCCUPANTS
from .occupants import score_occupants, score_occupants_population
from .priors import PRIORS
from .routine import ATTACKS as _ROUTINE
from .routine import score_routine
from .scores import ROW_KEYS
from .truth_proxy import proxy_truth

#: inference name -> its :class:`~nilm.privacy.base.Inference` (design, scorer of a verdict,
#: study inputs); calling one calls its ``score_<inference>``
INFERENCES = {
    "occupancy": Inference("occupancy", occupancy.occupancy_design, occupancy.occupancy_rows,
                           score_occupancy, intervals=True),
    "routine": Inference("routine", routine.routine_design, routine.routine_rows,
                         score_routine),
    "appliances": Inference("appliances", appliances.appliances_design,
                            appliances.appliance_rows, score_appliances,
                            params=appliances.attack_params,
                            household_inputs=appliances.household_inputs,
                            grid_inputs=appliances.grid_inputs),
    "hot_water": Inference("hot_water", hot_water.hot_water_design, hot_water.hot_water_rows,
                           score_hot_water),
    "occupants": Inference("occupants", occupants.occupants_design, occupants.occupants_rows,
                           score_occupants),
}

#: flat registry of the attacks: ``"<inference>.<method>"`` -> estimator class (each class
#: declares its ``inference`` and ``method``), beside :data:`nilm.disaggregate.MODELS`; the
#: appliance inference holds the direct detector and one attack per disaggregator
ATTACKS: dict[str, type[Attack]] = {
    f"{c.inference}.{c.method}": c
    for module in (_OCCUPANCY, _ROUTINE, _APPLIANCES, _HOT_WATER, _OCCUPANTS)
    for c in module.values()}

#: inference name -> the attack methods a study runs by default (appliances also accept any
#: nilm.disaggregate.MODELS name)
METHODS = {
    "occupancy": tuple(_OCCUPANCY),
    "routine": tuple(_ROUTINE),
    "appliances": (DIRECT,),
    "hot_water": tuple(_HOT_WATER),
    "occupants": tuple(_OCCUPANTS),
}

__all__ = ["ATTACKS", "INFERENCES", "METHODS", "PRIORS", "ROW_KEYS", "Attack", "Inference",
           "detectability_table",
           "proxy_truth", "score_appliances", "score_hot_water", "score_occupancy",
           "score_occupants", "score_occupants_population", "score_routine"]
