"""Electric storage water heater: a fully mixed single-node tank with a hysteresis thermostat
and an optional off-peak contactor.

The one-node tank is the simplest model used in demand-response studies of water heaters (e.g.
Dolan, Nehrir & Gerez, "Development of a Monte Carlo based aggregate model for residential
electric water heater loads", Electric Power Systems Research 36, 1996). Each second:

* a draw of ``v`` litres of hot water is replaced by cold mains water:
  ``T <- T - min(v/V, 1) (T - T_cold)``, removing ``v c (T - T_cold)`` J;
* the element adds ``P dt`` J when the thermostat and the contactor both allow it;
* standing losses remove ``UA (T - T_ambient) dt`` J.

The heat capacity is ``V c`` with ``c = 4186 J/(l K)``. Energy is conserved exactly
(``heat = draw + loss + V c (T_end - T_start)``), which the tests check.

Off-peak contactor: on French "heures creuses" tariffs, the distributor's relay lets the element
run only during 8 off-peak hours (by default 22:00-06:00 local).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .presets import get_preset

WATER_J_PER_L_K = 4186.0


@numba.njit(cache=True)
def tank_kernel(draw_l, allowed, temp0, on0, volume_l, power_w, setpoint_c, deadband_k,
                cold_c, ambient_c, ua_w_per_k):
    """Simulate the tank second by second.

    Parameters
    ----------
    draw_l : float64 [n], hot water drawn in each second, litres.
    allowed : bool [n], True where the contactor lets the element run.
    temp0 : tank temperature at the start, C.
    on0 : thermostat closed at the start.
    volume_l : tank volume, litres. power_w : element power, W.
    setpoint_c : thermostat opens at this temperature, C; it closes again at
        ``setpoint_c - deadband_k``.
    cold_c, ambient_c : mains water and room temperature, C.
    ua_w_per_k : standing-loss coefficient, W/K.

    Returns
    -------
    power : float32 [n], element power, W.
    temp_end : float, C. on_end : bool.
    energy : float64 [3], J: heat supplied, removed by draws, lost.
    """
    n = len(draw_l)
    cap = volume_l * WATER_J_PER_L_K
    power = np.empty(n, dtype=np.float32)
    energy = np.zeros(3, dtype=np.float64)
    t = temp0
    on = on0
    for i in range(n):
        if on and t >= setpoint_c:
            on = False
        elif (not on) and t <= setpoint_c - deadband_k:
            on = True
        p = power_w if (on and allowed[i]) else 0.0
        v = draw_l[i]
        if v > 0.0:
            f = min(v / volume_l, 1.0)
            d = f * (t - cold_c)
            energy[1] += cap * d
            t -= d
        loss = ua_w_per_k * (t - ambient_c)
        energy[0] += p
        energy[2] += loss
        t += (p - loss) / cap
        power[i] = p
    return power, t, on, energy


@dataclass
class WaterHeater:
    """Parameters and carried state of one tank.

    volume_l : 100-300 l (French stock: 150 l for 1-2 people, 200 l for 3-4, 300 l beyond).
    power_w : 1,200-3,000 W element (2,200-2,400 W typical for 200 l).
    setpoint_c : 55-65 C. deadband_k : 4-8 K. cold_c : 12 C mains. ambient_c : 18 C.
    ua_w_per_k : 1.2-2.0 W/K (standing losses of 1.3-2.2 kWh/day at 60 C, ErP classes B-C).
    offpeak : element only allowed in the off-peak window ``offpeak_hours`` (local h, start, end).
    """

    volume_l: float = 200.0
    power_w: float = 2400.0
    setpoint_c: float = 60.0
    deadband_k: float = 6.0
    cold_c: float = 12.0
    ambient_c: float = 18.0
    ua_w_per_k: float = 1.6
    offpeak: bool = True
    offpeak_hours: tuple = (22.0, 6.0)
    temp_c: float = 58.0
    on: bool = False

    def run(self, draw_l: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance by ``len(draw_l)`` seconds; returns (power W float32, energy J [heat, draw,
        loss]) and keeps the end state. Draws must be finite and non-negative (litres/s)."""
        draw_l = np.asarray(draw_l, dtype=np.float64)
        if not np.all(np.isfinite(draw_l) & (draw_l >= 0)):
            raise ValueError("water draws must be finite and >= 0 litres")
        p, t, on, e = tank_kernel(np.ascontiguousarray(draw_l, dtype=np.float64),
                                  np.ascontiguousarray(allowed, dtype=np.bool_),
                                  float(self.temp_c), bool(self.on), float(self.volume_l),
                                  float(self.power_w), float(self.setpoint_c),
                                  float(self.deadband_k), float(self.cold_c),
                                  float(self.ambient_c), float(self.ua_w_per_k))
        self.temp_c, self.on = float(t), bool(on)
        return p, e

    def nominal_delta_k(self) -> float:
        """Temperature rise the drawn water was given, K (mid-deadband minus cold)."""
        return self.setpoint_c - self.deadband_k / 2.0 - self.cold_c


#: tank sizes on the market, litres
TANK_SIZES_L = (100.0, 150.0, 200.0, 300.0)


def draw_water_heater(rng: np.random.Generator, occupants: int, preset=None) -> WaterHeater:
    """A tank of the dwelling, with the preset's off-peak share and windows (default FR).

    Volume: the installers' sizing guide (about 50 l per person: 100 l for 1-2 people with
    showers, 150 l for 2-3, 200 l for 3-4, 300 l beyond; e.g. Connaissance des Énergies,
    "Comment fonctionne un ballon d'eau chaude électrique ?") applies to the household the
    dwelling was fitted for, not necessarily the one living there now: half of the tanks are
    sized for the occupants, the others are one size smaller or larger with equal chances
    (*assumption*, stock mismatch)."""
    pre = get_preset(preset)
    guide = 0 if occupants <= 1 else 1 if occupants <= 2 else 2 if occupants <= 4 else 3
    k = guide if rng.random() < 0.5 else guide + int(rng.choice([-1, 1]))
    vol = TANK_SIZES_L[min(max(k, 0), len(TANK_SIZES_L) - 1)]
    sp = float(rng.uniform(55.0, 65.0))
    slots = list(pre.offpeak_windows)
    return WaterHeater(volume_l=vol, power_w=float(rng.choice([1800.0, 2200.0, 2400.0, 3000.0])
                                                   if vol >= 200 else rng.choice([1500.0, 2000.0])),
                       setpoint_c=sp, deadband_k=float(rng.uniform(4.0, 8.0)),
                       ua_w_per_k=float(rng.uniform(1.2, 2.0)) * vol / 200.0,
                       offpeak=bool(rng.random() < pre.offpeak_share),
                       offpeak_hours=slots[int(rng.integers(len(slots)))], temp_c=sp - 2.0)
