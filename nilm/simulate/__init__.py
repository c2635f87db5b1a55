"""Simulated households with exact ground truth: occupants and routines, appliances driven by
them, autonomous loads (fridge, water heater, heating), written in the nilm-h5 format.

Entry points: :func:`simulate_household` (in memory), :func:`simulate_to_dir` (a population on
disk, streamed day by day; ``nilm simulate`` on the command line). See docs/simulator.md.
"""

from .household import HouseholdConfig, HouseholdSimulator, draw_config, simulate_household
from .population import population
from .write import simulate_to_dir

__all__ = ["HouseholdConfig", "HouseholdSimulator", "draw_config", "population",
           "simulate_household", "simulate_to_dir"]
