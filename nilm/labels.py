"""Names and labels shared by the figures and the report: each inference's headline metric and
plain-words name (the headline itself is declared in :mod:`nilm.protocol`), period labels
(``"10 min"``) and the real-or-simulated data label.

A module of its own so that :mod:`nilm.plot` (figures) and :mod:`nilm.report` (tables, which
also embeds the figures) read the same labels without importing each other.
"""

from __future__ import annotations

import math

from .protocol import HEADLINE  # the declared headline of each inference (nilm.protocol)

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
