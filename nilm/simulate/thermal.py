"""Outdoor temperature and electric space heating.

Outdoor temperature: an annual cosine (Paris: mean 12.5 C, amplitude 7.5 C, coldest around
15 January; Meteo-France 1991-2020 normals for Paris-Montsouris) plus a day-to-day AR(1)
anomaly (sd 3 C, lag-one correlation 0.75) and a diurnal cosine (amplitude 3-5 C, minimum at
06:00, maximum at 15:00 local).

Heating: a steady-state heat-loss model, the basis of the degree-day method (CIBSE TM41,
"Degree-days: theory and application", 2006): the heat the convectors must supply is
``UA (T_set - T_out) - gains`` W, where the set temperature follows occupancy (comfort when
someone is home and awake, setback at night and when away, frost protection on trips). Each
convector meets its share by cycling on and off with a period of 10-20 min (electronic
thermostat time-proportional control), so the aggregate shows multi-kW on/off steps. Room
thermal inertia is not modelled (known simplification: no morning recovery peak).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .clock import Day


@dataclass
class Weather:
    """Daily outdoor temperature with carried AR(1) anomaly."""

    mean_c: float = 12.5
    annual_amp_c: float = 7.5
    anomaly_sd_c: float = 3.0
    anomaly_phi: float = 0.75
    anomaly_c: float = 0.0

    def day_minutes(self, day: Day, rng: np.random.Generator) -> np.ndarray:
        """Outdoor temperature for each elapsed minute of ``day``, C (float64 [n_min])."""
        doy = day.date.timetuple().tm_yday
        self.anomaly_c = (self.anomaly_phi * self.anomaly_c + self.anomaly_sd_c
                          * np.sqrt(1 - self.anomaly_phi ** 2) * rng.standard_normal())
        daily = (self.mean_c - self.annual_amp_c * np.cos(2 * np.pi * (doy - 15) / 365.25)
                 + self.anomaly_c)
        amp = rng.uniform(3.0, 5.0)
        h = day.wall_min / 60.0
        # cosine with minimum at 06:00 and maximum at 15:00 (two half-cosines)
        rising = (h >= 6) & (h < 15)
        frac = np.where(rising, (h - 6) / 9.0, ((h - 15) % 24) / 15.0)
        shape = np.where(rising, -np.cos(np.pi * frac), np.cos(np.pi * frac))
        return daily + amp * shape


@dataclass
class Heating:
    """Electric convectors of one household.

    Attributes
    ----------
    ua_w_per_k : whole-house heat-loss coefficient, 80-220 W/K (60-120 m2 French dwellings,
        average to poor insulation).
    powers_w : rated power of each convector (1,000-2,000 W); their sum bounds the heat output.
    comfort_c, setback_c, frost_c : set temperatures (awake at home / night or away / trip).
    gains_w : internal and solar gains offsetting losses, W.
    periods_s, phases_s : each convector's cycling period and phase, s.
    """

    ua_w_per_k: float = 200.0
    powers_w: list = field(default_factory=lambda: [1500.0, 1500.0, 1000.0, 1000.0])
    comfort_c: float = 19.5
    setback_c: float = 16.5
    frost_c: float = 8.0
    gains_w: float = 400.0
    periods_s: list = field(default_factory=lambda: [900, 1200, 1000, 1100])
    phases_s: list = field(default_factory=lambda: [0, 300, 600, 150])

    def day_power(self, t_out_min: np.ndarray, awake_min: np.ndarray, present_min: np.ndarray,
                  n_s: int) -> np.ndarray:
        """Heating power for each second of the day, W (float32 [n_s]).

        t_out_min : outdoor temperature per minute, C. awake_min, present_min : bool per minute,
        anyone awake at home / anyone at home.
        """
        t_set = np.where(awake_min, self.comfort_c,
                         np.where(present_min, self.setback_c, self.frost_c))
        need = np.maximum(self.ua_w_per_k * (t_set - t_out_min) - self.gains_w, 0.0)
        total = float(sum(self.powers_w))
        duty = np.minimum(need / total, 1.0)
        duty_s = np.repeat(duty, 60)[:n_s]
        sec = np.arange(n_s)
        out = np.zeros(n_s, dtype=np.float32)
        for p, per, ph in zip(self.powers_w, self.periods_s, self.phases_s, strict=True):
            on = ((sec + ph) % per) < duty_s * per
            out += np.float32(p) * on
        return out


def draw_heating(rng: np.random.Generator) -> Heating:
    """Convectors for one dwelling: 3-6 units of 1,000-2,000 W, matched to a loss coefficient."""
    k = int(rng.integers(3, 7))
    powers = [float(rng.choice([1000.0, 1250.0, 1500.0, 2000.0])) for _ in range(k)]
    per = [int(rng.integers(1200, 2700)) for _ in range(k)]
    return Heating(ua_w_per_k=float(rng.uniform(80, 220)), powers_w=powers,
                   comfort_c=float(rng.uniform(19.0, 21.0)),
                   setback_c=float(rng.uniform(15.5, 17.5)),
                   gains_w=float(rng.uniform(250, 600)), periods_s=per,
                   phases_s=[int(rng.integers(0, p)) for p in per])
