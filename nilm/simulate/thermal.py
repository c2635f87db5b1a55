"""Outdoor temperature, the dwelling's thermal response, and electric heating and cooling as
homes run them.

**Weather**: the preset's climatological daily mean (monthly 1991-2020 normals interpolated by
day of year, :meth:`nilm.simulate.presets.Preset.daily_mean_c`) plus a day-to-day AR(1) anomaly
(sd 3 C, lag-one correlation 0.75) and a diurnal cycle (amplitude 3-5 C, minimum 06:00, maximum
15:00 local).

**Dwelling**: a one-node RC model (the lumped-capacitance model of ISO 13790's simple hourly
method, reduced to one node): ``C dT_in/dt = Q + gains - UA (T_in - T_out)`` with loss
coefficient UA log-normal around 110 W/K (sd of log 0.35, clipped to 50-250 W/K: about
7 MWh of heat a year in the Paris climate, the order of French electrically heated homes,
many of them flats) and time constant ``tau = C/UA`` of 15-45 h (light to heavy masonry;
ISO 13790 table 12 gives 30-80 h for whole buildings, single rooms respond faster). The indoor
temperature is carried across days, so a setback lets the house cool for hours and the comfort
period starts with a recovery at full power (thermal inertia).

**Control** (per household, drawn once):

* ``programme``: a clock programme (French *fil pilote* comfort/eco orders, programmable
  thermostats): comfort periods on weekdays (morning and evening) and weekends (most of the day),
  eco (comfort minus 2-4 K) otherwise, whatever the occupants do;
* ``constant``: one set point day and night (manual thermostat knobs);
* ``smart``: a presence-following thermostat (comfort while someone is awake at home, eco when
  asleep or out), the population share given by the preset (``smart_share``).

Households in the first two groups switch to frost protection while away on a trip of several
days with probability ``away_frost_p`` (they turn the heating down before leaving); the smart
ones always do.

**Emitters**:

* ``convector``: 3-6 convectors of 1-2 kW; a proportional controller (1 K band) with loss
  feed-forward sets the heat, each convector delivers its share by time-proportional cycling
  (20-45 min periods), so the aggregate shows kW on/off steps;
* ``heat_pump``: an air-to-water heat pump sized at 1.2 x the design load; it modulates between
  30 % and 100 % of its rated heat and cycles on a 0.6 K hysteresis below that, with a COP that
  falls with the outdoor temperature (3.2 at 7 C, -0.07 per K, clipped to 1.8-4.5, orders of
  magnitude of EN 14511 ratings); long, smooth runs at a few hundred W to 2 kW;
* ``storage``: night-storage heaters (GB, Economy 7): the bricks charge at full power from the
  start of the off-peak window until the next day's heat need (degree-minutes x UA) is stored;
  no daytime draw.

**Cooling**: split air conditioners (0.7-1.5 kW electric) run while someone is awake at home and
the outdoor temperature exceeds the household's threshold (26-29 C), at a power rising with the
excess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

from .clock import Day
from .presets import Preset, get_preset

#: heating emitters and controls the simulator knows
EMITTERS = ("convector", "heat_pump", "storage")
CONTROLS = ("programme", "constant", "smart")


@dataclass
class Weather:
    """Daily outdoor temperature of a preset's climate with a carried AR(1) anomaly."""

    preset: str = "FR"
    anomaly_sd_c: float = 3.0
    anomaly_phi: float = 0.75
    anomaly_c: float = 0.0

    def __post_init__(self):
        self._preset = get_preset(self.preset)

    def day_minutes(self, day: Day, rng: np.random.Generator) -> np.ndarray:
        """Outdoor temperature for each elapsed minute of ``day``, C (float64 [n_min])."""
        doy = day.date.timetuple().tm_yday
        self.anomaly_c = (self.anomaly_phi * self.anomaly_c + self.anomaly_sd_c
                          * np.sqrt(1 - self.anomaly_phi ** 2) * rng.standard_normal())
        daily = self._preset.daily_mean_c(doy) + self.anomaly_c
        amp = rng.uniform(3.0, 5.0)
        h = day.wall_min / 60.0
        # cosine with minimum at 06:00 and maximum at 15:00 (two half-cosines)
        rising = (h >= 6) & (h < 15)
        frac = np.where(rising, (h - 6) / 9.0, ((h - 15) % 24) / 15.0)
        shape = np.where(rising, -np.cos(np.pi * frac), np.cos(np.pi * frac))
        return daily + amp * shape


@dataclass
class Heating:
    """The electric heating of one household and the dwelling it heats.

    Attributes
    ----------
    emitter : "convector", "heat_pump" or "storage". control : "programme", "constant" or
        "smart" (see the module docstring).
    ua_w_per_k : loss coefficient, W/K. tau_h : time constant C/UA, h.
    powers_w : rated electric power of each convector or storage heater, W (heat pump: one
        value, its rated heat output, W).
    comfort_c, eco_c, frost_c : set temperatures. gains_w : internal and solar gains, W.
    weekday, weekend : comfort periods of the programme, [(start h, end h)] wall clock.
    away_frost_p : probability of switching to frost protection for a trip (drawn per trip).
    periods_s, phases_s : convector cycling periods and phases, s.
    offpeak : storage heaters' charging window (start h, end h).
    t_in_c, hp_on : indoor temperature (C) and heat-pump on/off state carried across days.
    """

    emitter: str = "convector"
    control: str = "programme"
    ua_w_per_k: float = 150.0
    tau_h: float = 30.0
    powers_w: list = field(default_factory=lambda: [1500.0, 1500.0, 1000.0, 1000.0])
    comfort_c: float = 19.5
    eco_c: float = 16.5
    frost_c: float = 8.0
    gains_w: float = 400.0
    weekday: list = field(default_factory=lambda: [(6.0, 8.5), (17.5, 22.5)])
    weekend: list = field(default_factory=lambda: [(7.5, 23.0)])
    away_frost_p: float = 0.5
    periods_s: list = field(default_factory=lambda: [900, 1200, 1000, 1100])
    phases_s: list = field(default_factory=lambda: [0, 300, 600, 150])
    offpeak: tuple = (0.5, 7.5)
    t_in_c: float = 19.0
    hp_on: bool = True

    def set_points(self, day: Day, awake_min: np.ndarray, present_min: np.ndarray,
                   frost: bool) -> np.ndarray:
        """Set temperature for each elapsed minute of ``day``, C."""
        if frost:
            return np.full(day.n_min, self.frost_c)
        if self.control == "smart":
            return np.where(awake_min, self.comfort_c, self.eco_c)
        if self.control == "constant":
            return np.full(day.n_min, self.comfort_c)
        wall_h = day.wall_min / 60.0
        comfort = np.zeros(day.n_min, dtype=bool)
        for a, b in (self.weekend if day.weekend else self.weekday):
            comfort |= (wall_h >= a) & (wall_h < b)
        return np.where(comfort, self.comfort_c, self.eco_c)

    def day_power(self, t_out_min: np.ndarray, day: Day, awake_min: np.ndarray,
                  present_min: np.ndarray, frost: bool, n_s: int) -> np.ndarray:
        """Electric heating power for each second of ``day``, W (float32 [n_s]); advances the
        indoor temperature. ``frost``: the household is away on a trip and set frost
        protection."""
        t_set = self.set_points(day, awake_min, present_min, frost)
        if self.emitter == "storage":
            return self._storage(t_out_min, t_set, day, n_s)
        total = float(sum(self.powers_w))
        cap = self.ua_w_per_k * self.tau_h * 3600.0
        ua, g = self.ua_w_per_k, self.gains_w
        hp = self.emitter == "heat_pump"
        heat, t_in, on = rc_heat_kernel(np.asarray(t_out_min, dtype=np.float64),
                                        np.asarray(t_set, dtype=np.float64), self.t_in_c,
                                        self.hp_on, ua, g, cap, total, hp)
        self.t_in_c, self.hp_on = float(t_in), bool(on)
        if hp:
            cop = np.clip(3.2 + 0.07 * (t_out_min - 7.0), 1.8, 4.5)
            elec = heat / cop
            # the compressor ramps over a few minutes: a 5-min moving mean, then 1-s linear
            # interpolation (long smooth cycles) plus 1 % inverter ripple
            k = np.ones(5) / 5.0
            elec = np.convolve(np.concatenate([np.full(4, elec[0]), elec]), k, "valid")
            x = np.arange(n_s) / 60.0
            out = np.interp(x, np.arange(len(elec)), elec)
            return (out * (1.0 + 0.01 * np.sin(x * 2.1))).astype(np.float32)
        duty_s = np.repeat(heat / total, 60)[:n_s]
        sec = np.arange(n_s)
        out = np.zeros(n_s, dtype=np.float32)
        for p, per, ph in zip(self.powers_w, self.periods_s, self.phases_s, strict=True):
            out += np.float32(p) * (((sec + ph) % per) < duty_s * per)
        return out

    def _storage(self, t_out_min, t_set, day: Day, n_s: int) -> np.ndarray:
        need_j = float(np.maximum(self.ua_w_per_k * (t_set - t_out_min) - self.gains_w,
                                  0.0).sum()) * 60.0
        total = float(sum(self.powers_w))
        a, b = self.offpeak
        wall_h = day.wall_min / 60.0
        window = ((wall_h >= a) & (wall_h < b)) if a < b else ((wall_h >= a) | (wall_h < b))
        minutes = np.flatnonzero(window)
        n_on = min(int(np.ceil(need_j / (total * 60.0))), len(minutes))
        out = np.zeros(n_s, dtype=np.float32)
        for m in minutes[:n_on]:
            out[m * 60:(m + 1) * 60] = total
        self.t_in_c = float(np.mean(t_set))
        return out


@numba.njit(cache=True)
def rc_heat_kernel(t_out, t_set, t_in, on, ua, gains, cap, total, hp):
    """One-node RC dwelling under its heating controller, one step a minute (explicit Euler,
    ``C dT_in/dt = Q + gains - UA (T_in - T_out)``): a proportional controller with a 1 K band
    and loss feed-forward, output clipped to [0, ``total``] W; a heat pump (``hp``) below 30 %
    modulation runs on/off on a 0.6 K hysteresis at 30 % output. ``t_out``, ``t_set``: C per
    minute; ``cap``: J/K; ``ua``: W/K. Returns (heat W per minute, final T_in, final on)."""
    gain_k = total / 1.0  # proportional band of 1 K
    heat = np.empty(len(t_out))
    for i in range(len(t_out)):
        loss = ua * (t_in - t_out[i])
        q = min(max(gain_k * (t_set[i] - t_in) + loss - gains, 0.0), total)
        if hp and q < 0.3 * total:
            # below the minimum modulation: on/off on a 0.6 K hysteresis at 30 % output
            if t_in < t_set[i] - 0.3:
                on = True
            elif t_in > t_set[i] + 0.3:
                on = False
            q = 0.3 * total if on else 0.0
        elif hp:
            on = True
        heat[i] = q
        t_in += 60.0 * (q + gains - loss) / cap
    return heat, t_in, on


@dataclass
class Cooling:
    """A split air conditioner: electric power ``power_w`` at full load, on while someone is
    awake at home and it is hotter than ``threshold_c`` outside."""

    power_w: float = 1000.0
    threshold_c: float = 27.0

    def day_power(self, t_out_min: np.ndarray, awake_min: np.ndarray, n_s: int,
                  rng: np.random.Generator) -> np.ndarray:
        load = np.clip(0.4 + 0.12 * (t_out_min - self.threshold_c), 0.0, 1.0)
        load = np.where(awake_min & (t_out_min > self.threshold_c), load, 0.0)
        if not load.any():
            # an idle day (most of the year): the same random draw, none of the arithmetic
            rng.standard_normal(min(n_s, 60 * len(load)))
            return np.zeros(n_s, dtype=np.float32)
        p = np.repeat(load * self.power_w, 60)[:n_s]
        ripple = 1.0 + 0.03 * rng.standard_normal(len(p))
        return (p * np.where(p > 0, ripple, 0.0)).astype(np.float32)


def draw_emitter(rng: np.random.Generator, preset: Preset) -> str:
    """"convector", "heat_pump", "storage" or "none", with the preset's heating mix."""
    kinds = ["convector", "heat_pump", "storage", "none"]
    w = np.array([preset.heating_mix.get(k, 0.0) for k in kinds], dtype=np.float64)
    return kinds[int(rng.choice(4, p=w / w.sum()))]


def draw_heating(rng: np.random.Generator, preset: Preset | str | None = None,
                 emitter: str | None = None, smart_share: float | None = None) -> Heating:
    """The electric heating of one dwelling with ``emitter`` (default: a convector).

    Programme times: weekday comfort 05:30-07:00 to 07:30-09:00 and 16:30-18:30 to 22:00-23:30;
    weekend 07:00-09:00 to 22:00-23:30; 55 % of non-smart homes run a programme, 45 % a
    constant set point; storage heaters always charge by the next day's need (*assumption*:
    about half of electrically heated homes with a programmer, the order ADEME/CEREN
    equipment surveys give)."""
    pre = get_preset(preset)
    emitter = emitter or "convector"
    share = pre.smart_share if smart_share is None else smart_share
    u, v = rng.random(), rng.random()
    control = "smart" if u < share else ("programme" if v < 0.55 else "constant")
    if emitter == "storage":
        # the charge controller stores the next day's need; the room knobs do not change it
        control = "constant"
    ua = float(np.clip(110.0 * np.exp(0.35 * rng.standard_normal()), 50.0, 250.0))
    comfort = float(rng.uniform(19.0, 21.0))
    if emitter == "heat_pump":
        design = ua * (comfort - pre.design_temp_c)
        powers = [float(round(1.2 * design, -2))]
        eco = comfort - float(rng.uniform(0.5, 2.0))
        per, ph = [3600], [0]
    else:
        k = int(rng.integers(3, 7))
        powers = [float(rng.choice([1000.0, 1250.0, 1500.0, 2000.0])) for _ in range(k)]
        eco = comfort - float(rng.uniform(2.0, 4.0))
        per = [int(rng.integers(1200, 2700)) for _ in range(k)]
        ph = [int(rng.integers(0, p)) for p in per]
    m1, m2 = float(rng.uniform(5.5, 7.0)), float(rng.uniform(7.5, 9.0))
    e1, e2 = float(rng.uniform(16.5, 18.5)), float(rng.uniform(22.0, 23.5))
    w1, w2 = float(rng.uniform(7.0, 9.0)), float(rng.uniform(22.0, 23.5))
    windows = pre.offpeak_windows
    return Heating(emitter=emitter, control=control, ua_w_per_k=ua,
                   tau_h=float(rng.uniform(15.0, 45.0)), powers_w=powers, comfort_c=comfort,
                   eco_c=eco, gains_w=float(rng.uniform(250, 600)),
                   weekday=[(m1, m2), (e1, e2)], weekend=[(w1, w2)],
                   away_frost_p=float(rng.uniform(0.3, 0.8)), periods_s=per, phases_s=ph,
                   offpeak=tuple(windows[int(rng.integers(len(windows)))]),
                   t_in_c=comfort - 1.0)


def draw_cooling(rng: np.random.Generator) -> Cooling:
    """A 0.7-1.5 kW split unit switched on above 26-29 C outside."""
    return Cooling(power_w=float(rng.uniform(700, 1500)),
                   threshold_c=float(rng.uniform(26.0, 29.0)))
