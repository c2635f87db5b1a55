"""A population of simulated households, each with its own seed derived from the population
seed (``numpy.random.SeedSequence(seed).spawn(n)``), so that household k is the same whatever
the population size and adding households never changes the existing ones."""

from __future__ import annotations

import numpy as np

from .household import HouseholdConfig, draw_config
from .presets import Preset


def house_seeds(seed: int, households: int) -> list[np.random.SeedSequence]:
    """One SeedSequence per household, children of ``SeedSequence(seed)``."""
    if households < 1:
        raise ValueError(f"households must be at least 1, not {households}")
    return np.random.SeedSequence(seed).spawn(households)


def population(seed: int, households: int, *, preset: str | Preset | None = None,
               latitude: float | None = None, longitude: float | None = None,
               timezone: str | None = None, prefix: str = "sim",
               ownership: dict[str, bool] | None = None, smart_share: float | None = None,
               ) -> list[tuple[HouseholdConfig, np.random.SeedSequence]]:
    """``households`` configs with the seed each one's simulation uses.

    Each household seed is split in two children: the first draws the config, the second
    drives the day-by-day simulation (the same split as
    :func:`nilm.simulate.household.simulate_household`, so a house simulated alone with its
    seed is identical to the same house in the population). ``ownership`` forces ownership of
    the appliances it names in every household; ``preset`` (default FR), the place and
    ``smart_share`` are passed to :func:`draw_config`.
    """
    width = max(3, len(str(households - 1)))
    out = []
    for k, ss in enumerate(house_seeds(seed, households)):
        cfg_ss, sim_ss = ss.spawn(2)
        cfg = draw_config(np.random.default_rng(cfg_ss), f"{prefix}_{k:0{width}d}",
                          preset=preset, latitude=latitude, longitude=longitude,
                          timezone=timezone, ownership=ownership, smart_share=smart_share)
        out.append((cfg, sim_ss))
    return out
