"""Names and labels shared by the figures and the report: each inference's headline metric and
plain-words name, period labels (``"10 min"``) and the real-or-simulated data label.

A module of its own so that :mod:`nilm.plot` (figures) and :mod:`nilm.report` (tables, which
also embeds the figures) read the same labels without importing each other.
"""

from __future__ import annotations

import math

#: inference -> (target or None for "every target", metric): the number each inference is
#: summarised by in the leakage-vs-resolution figure and the headline table.
#: occupancy: MCC of occupied/absent (Matthews 1975); routine: share of days whose wake-up is
#: found within ±30 min; appliances: MCC of used vs unused days over every sub-metered appliance
#: (prior 0; the F1 of day use has a "used every day" prior near 1 for daily appliances, which
#: makes its skill ill-conditioned); hot water:
#: MAE of the water heater's daily energy (kWh/day, its skill); occupants: balanced accuracy of
#: the occupant count (Brodersen et al. 2010).
HEADLINE = {
    "occupancy": ("absence", "mcc"),
    "routine": ("wake", "within_30min"),
    "appliances": (None, "day_use_mcc"),
    "hot_water": ("water_heater", "mae_kwh_day"),
    "occupants": ("occupants", "balanced_accuracy"),
}

#: plain-words names of the inferences
INFERENCE_LABELS = {
    "occupancy": "absence / occupancy",
    "routine": "wake-up time",
    "appliances": "appliances used",
    "hot_water": "hot-water energy",
    "occupants": "number of occupants",
}


def period_label(seconds: float) -> str:
    """Short human label of a period in seconds: ``"2 s"``, ``"10 min"``, ``"1 h"``, ``"1 day"``."""
    s = float(seconds)
    if not (s > 0 and math.isfinite(s)):
        raise ValueError(f"period must be a positive number of seconds, got {seconds!r}")
    for unit, name in ((86400, "day"), (3600, "h"), (60, "min")):
        if s >= unit and (s / unit).is_integer():
            n = int(s // unit)
            return f"{n} {name}" + ("s" if name == "day" and n > 1 else "")
    return f"{s:g} s"


def data_label(simulated, dataset: str | None = None) -> str:
    """``"simulated (name)"`` or ``"real (name)"``: the label every figure and table carries."""
    kind = "simulated" if truthy(simulated) else "real"
    if dataset and str(dataset).lower() == kind:
        dataset = "nilm.simulate" if kind == "simulated" else None
    return f"{kind} ({dataset})" if dataset else kind


def truthy(x) -> bool:
    """``x`` as a bool, reading ``"true"``/``"1"``/``"yes"`` (any case) as True for strings (a
    ``simulated`` column read back from CSV holds strings)."""
    if isinstance(x, str):
        return x.strip().lower() in ("true", "1", "yes")
    return bool(x)


__all__ = ["HEADLINE", "INFERENCE_LABELS", "data_label", "period_label", "truthy"]
