"""Parametric power signatures of household appliances at 1 s.

Each ``*_cycle`` function returns one use of an appliance as a float32 array of watts, one value
per second, starting at the switch-on. Devices differ: :func:`draw_device` draws one device's
parameters once per household (rated power, program lengths), and every use then adds its own
variation and measurement noise.

Every parameter range below is documented with where it comes from. "tracebase" ranges are the
1-s peaks and run lengths measured on the plug traces in ``shared/data/tracebase`` (Reinhardt et
al. 2012), "UK-DALE" on the house-1 fixtures (Kelly & Knottenbelt 2015), "REDD" on house 5
(Kolter & Johnson 2011); :mod:`nilm.simulate.calibration` recomputes them and
``docs/simulator.md`` lists them. Where no trace was available the range is a textbook one and is
marked so. Program structures (fill, heat, wash, rinse, spin) follow the phase descriptions of
Pipattanasomporn et al., "Load profiles of selected major household appliances and their demand
response opportunities", IEEE Trans. Smart Grid 5(2), 2014.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

#: J per (litre K) of water
WATER_J_PER_L_K = 4186.0

#: power above which each appliance counts as "on" (W); seq2point thresholds (Zhang et al. 2018)
#: where they exist, above the standby of the device otherwise
ON_THRESHOLD_W: dict[str, float] = {
    "kettle": 200.0, "coffee_maker": 30.0, "toaster": 100.0, "microwave": 200.0,
    "oven": 100.0, "hob": 100.0, "tv": 15.0, "computer": 12.0, "lighting": 3.0,
    "vacuum_cleaner": 100.0, "iron": 100.0, "washing_machine": 20.0, "tumble_dryer": 50.0,
    "dishwasher": 10.0, "fridge": 50.0, "freezer": 50.0, "water_heater": 100.0,
    "electric_heat": 100.0, "air_conditioning": 100.0, "shower": 1000.0,
}

#: standby power (W) drawn by a device between uses: (low, high) uniform
STANDBY_W: dict[str, tuple[float, float]] = {
    "microwave": (1.0, 3.0), "tv": (0.3, 1.5), "computer": (0.5, 3.0),
    "washing_machine": (0.3, 1.5), "dishwasher": (0.3, 1.5), "coffee_maker": (0.0, 1.0),
    "oven": (0.5, 2.0),
}


def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


def draw_device(name: str, rng: np.random.Generator) -> dict:
    """Parameters of one device of appliance ``name`` (device-to-device variation).

    Ranges (W, s) and their sources. "tracebase running" is the median power while above 20 W
    of each tracebase device in ``shared/data`` (computed by
    :func:`nilm.simulate.calibration.running_power`; device ranges quoted):

    * kettle ``power``: 1,750-2,750 W (tracebase running 1,783-2,604 W, 4 kettles).
    * coffee_maker: ``kind`` filter (heater 850-1,250 W; tracebase running 928-1,030 W) or pod
      (1,200-1,450 W, textbook).
    * toaster ``power``: 650-900 W (tracebase running 672-853 W).
    * microwave ``power`` (input): 950-1,450 W (tracebase running 955-1,364 W).
    * oven ``power``: 2,000-2,800 W; hob ``zone``: 1,200-2,300 W per zone (textbook; the
      tracebase cooking stove runs at 876 W per plate).
    * tv ``power``: 50-220 W (tracebase running 60-211 W, 5 sets).
    * computer: desktop 45-130 W or laptop 15-60 W (tracebase running 28-116 W desktops,
      21-27 W laptops).
    * vacuum_cleaner ``power``: 650-1,700 W (tracebase running 1,132 W).
    * iron ``power``: 1,200-2,400 W (tracebase running 1,512 W).
    * washing_machine ``heater``: 1,600-2,800 W (tracebase 90th percentile of on-power
      1,631-2,939 W), ``motor`` 100-250 W (tracebase running 118-164 W).
    * tumble_dryer ``heater``: 2,200-2,900 W, ``motor`` 150-300 W (tracebase running
      2,506-3,106 W with the motor).
    * dishwasher ``heater``: 1,900-2,600 W, ``pump`` 60-150 W (tracebase heated phases
      2,062-2,730 W, pump 148 W).
    * fridge ``run``: 60-120 W (tracebase running 64-114 W), ``on_s`` 20-45 min, ``off_s``
      35-65 min (duty about 0.4; the real tracebase and REDD runs have a median of 31 min and
      offs of 41 min, see :func:`realism_table`; the earlier 15-35 min runs were shorter than
      every real median and made the 10-min aggregate jumpier than METER's); 1-s
      start-up surge 3-8 x running (tracebase fridge maxima 0.4-1.4 kW); freezer 80-160 W
      (tracebase running 157 W), longer cycles.
    """
    std = STANDBY_W.get(name)
    d: dict = {"standby": _u(rng, *std) if std else 0.0}
    if name == "kettle":
        d.update(power=_u(rng, 1750, 2750), eff=_u(rng, 0.85, 0.95))
    elif name == "coffee_maker":
        kind = "filter" if rng.random() < 0.5 else "pod"
        d.update(kind=kind, power=_u(rng, 850, 1250) if kind == "filter" else _u(rng, 1200, 1450))
    elif name == "toaster":
        d.update(power=_u(rng, 650, 900))
    elif name == "microwave":
        d.update(power=_u(rng, 950, 1450))
    elif name == "oven":
        d.update(power=_u(rng, 2000, 2800), fan=_u(rng, 15, 40))
    elif name == "hob":
        d.update(zone=_u(rng, 1200, 2300), zones=int(rng.integers(2, 5)))
    elif name == "tv":
        d.update(power=_u(rng, 50, 220))
    elif name == "computer":
        kind = "desktop" if rng.random() < 0.5 else "laptop"
        d.update(kind=kind, power=_u(rng, 45, 130) if kind == "desktop" else _u(rng, 15, 60))
    elif name == "vacuum_cleaner":
        d.update(power=_u(rng, 650, 1700))
    elif name == "iron":
        d.update(power=_u(rng, 1200, 2400))
    elif name == "shower":
        # electric (instantaneous) shower: 7.5-10.5 kW units (textbook, UK market ratings)
        d.update(power=_u(rng, 7500, 10500))
    elif name == "washing_machine":
        d.update(heater=_u(rng, 1600, 2800), motor=_u(rng, 100, 250), spin=_u(rng, 250, 600),
                 water_l=_u(rng, 8, 15))
    elif name == "tumble_dryer":
        d.update(heater=_u(rng, 2200, 2900), motor=_u(rng, 150, 300))
    elif name == "dishwasher":
        d.update(heater=_u(rng, 1900, 2600), pump=_u(rng, 60, 150), water_l=_u(rng, 3.5, 6.0))
    elif name == "fridge":
        d.update(run=_u(rng, 60, 120), on_s=_u(rng, 1200, 2700),
                 off_s=_u(rng, 2100, 3900), surge=_u(rng, 3.0, 8.0),
                 defrost=bool(rng.random() < 0.5), defrost_w=_u(rng, 150, 400))
    elif name == "freezer":
        d.update(run=_u(rng, 80, 160), on_s=_u(rng, 1200, 2400), off_s=_u(rng, 2400, 4800),
                 surge=_u(rng, 3.0, 8.0), defrost=False, defrost_w=0.0)
    else:
        raise ValueError(f"no parametric model for {name!r}")
    return d


def noisy(rng: np.random.Generator, p: np.ndarray, rel: float = 0.005,
          abs_w: float = 0.5) -> np.ndarray:
    """``p`` with multiplicative (relative sd ``rel``) and additive (sd ``abs_w`` W) Gaussian
    meter noise, never below 0."""
    # one normal draw per sample: p(1 + rel z1) + abs z2 has the same law as p + s z with
    # s = sqrt((rel p)^2 + abs^2), and costs half the random numbers
    p = np.asarray(p, dtype=np.float32)
    sd = np.sqrt((np.float32(rel) * p) ** 2 + np.float32(abs_w) ** 2 * (p > 0))
    out = p + sd * rng.standard_normal(len(p), dtype=np.float32)
    return np.maximum(out, np.float32(0.0))


def _pulses(n: int, period: int, on: int, phase: int = 0) -> np.ndarray:
    """bool [n]: on for ``on`` s at the start of every ``period`` s (thermostat cycling)."""
    return ((np.arange(n) + phase) % max(period, 1)) < on


def kettle_cycle(rng, dev: dict, litres: float) -> np.ndarray:
    """Boil ``litres`` of water from 15 C: run length from the energy needed; power falls by
    2-4 % as the element heats (resistance rises)."""
    n = int(litres * WATER_J_PER_L_K * 85.0 / (dev["power"] * dev["eff"]))
    n += int(rng.integers(5, 20))
    p = dev["power"] * np.linspace(1.0, 1.0 - _u(rng, 0.02, 0.04), n)
    p[0] *= 0.6
    return noisy(rng, p, 0.004, 2.0)


def coffee_cycle(rng, dev: dict) -> np.ndarray:
    """Filter machine: brew 4-7 min at full power, then a warming plate cycling for 15-40 min;
    pod machine: heat 25-50 s, pause, pump 20-40 s at lower power."""
    P = dev["power"]
    if dev["kind"] == "filter":
        brew = int(rng.integers(240, 420))
        keep = int(rng.integers(900, 2400))
        warm = np.where(_pulses(keep, int(rng.integers(60, 120)), int(rng.integers(6, 15))), P, 0.0)
        p = np.concatenate([np.full(brew, P), warm])
    else:
        h, pause = int(rng.integers(25, 50)), int(rng.integers(3, 10))
        pump = int(rng.integers(20, 40))
        p = np.concatenate([np.full(h, P), np.full(pause, 2.0), np.full(pump, 0.7 * P)])
    return noisy(rng, p, 0.004, 2.0)


def toaster_cycle(rng, dev: dict) -> np.ndarray:
    n = int(rng.integers(100, 260))
    p = dev["power"] * np.linspace(1.0, 0.97, n)
    return noisy(rng, p, 0.004, 2.0)


def microwave_cycle(rng, dev: dict) -> np.ndarray:
    """Full power (magnetron on) 70 % of uses, otherwise a power level cycling the magnetron
    with a period of 20-30 s; 60-100 W of fan and lamp while running."""
    n = int(rng.integers(20, 300))
    fan = _u(rng, 60, 100)
    if rng.random() < 0.7:
        mag = np.ones(n, bool)
    else:
        per = int(rng.integers(20, 31))
        mag = _pulses(n, per, int(per * _u(rng, 0.3, 0.7)))
    p = np.where(mag, dev["power"], fan)
    return noisy(rng, p, 0.01, 3.0)


def oven_cycle(rng, dev: dict, minutes: float) -> np.ndarray:
    """Pre-heat at full power for 8-14 min, then thermostat cycling (on 40-90 s, off
    40-120 s); the fan runs throughout."""
    n = int(minutes * 60)
    pre = min(n, int(rng.integers(480, 840)))
    on, off = int(rng.integers(40, 90)), int(rng.integers(40, 120))
    cyc = _pulses(n - pre, on + off, on)
    heat = np.concatenate([np.ones(pre, bool), cyc])
    p = np.where(heat, dev["power"], 0.0) + dev["fan"]
    return noisy(rng, p, 0.005, 2.0)


def hob_cycle(rng, dev: dict, minutes: float) -> np.ndarray:
    """1-3 cooking zones: each boils at full power for 2-6 min then simmers, pulsing at a
    30-60 s period with a 25-60 % duty, with staggered starts."""
    n = int(minutes * 60)
    p = np.zeros(n)
    for _ in range(int(rng.integers(1, min(3, dev["zones"]) + 1))):
        start = int(rng.integers(0, max(1, n // 3)))
        m = n - start
        full = min(m, int(rng.integers(120, 360)))
        per = int(rng.integers(30, 61))
        sim = _pulses(m - full, per, int(per * _u(rng, 0.25, 0.6)), int(rng.integers(0, per)))
        z = dev["zone"] * _u(rng, 0.8, 1.05)
        p[start:] += np.where(np.concatenate([np.ones(full, bool), sim]), z, 0.0)
    return noisy(rng, p, 0.006, 3.0)


def ar1(rng, n: int, sd: float, tau_s: float) -> np.ndarray:
    """Stationary AR(1) noise with standard deviation ``sd`` and correlation time ``tau_s`` s,
    generated at 10 s and held (content-driven brightness, CPU load)."""
    m = n // 10 + 2
    phi = np.exp(-10.0 / tau_s)
    e = rng.standard_normal(m) * sd * np.sqrt(1 - phi ** 2)
    e[0] = rng.standard_normal() * sd
    x = lfilter([1.0], [1.0, -phi], e)
    return np.repeat(x, 10)[:n]


def tv_cycle(rng, dev: dict, n: int) -> np.ndarray:
    """``n`` s of viewing: the set's power moves with picture brightness (AR(1), 8 % sd,
    1 min correlation)."""
    p = dev["power"] * (1.0 + ar1(rng, n, 0.08, 60.0))
    return noisy(rng, p, 0.01, 0.5)


def computer_cycle(rng, dev: dict, n: int) -> np.ndarray:
    """Desktop: idle power with load bursts up to +60 %; laptop: charging power decaying
    towards half as the battery fills."""
    if dev["kind"] == "desktop":
        p = dev["power"] * (1.0 + np.abs(ar1(rng, n, 0.25, 30.0)))
    else:
        p = dev["power"] * (0.5 + 0.5 * np.exp(-np.arange(n) / _u(rng, 1800, 5400)))
    return noisy(rng, p, 0.01, 0.5)


def vacuum_cycle(rng, dev: dict) -> np.ndarray:
    """8-25 min of cleaning in bursts of 1-6 min separated by 20-120 s moves."""
    parts = []
    total = int(rng.integers(480, 1500))
    while sum(len(x) for x in parts) < total:
        parts.append(dev["power"] * np.linspace(_u(rng, 0.95, 1.0), _u(rng, 0.9, 0.97),
                                                int(rng.integers(60, 360))))
        parts.append(np.zeros(int(rng.integers(20, 120))))
    return noisy(rng, np.concatenate(parts[:-1]), 0.01, 3.0)


def iron_cycle(rng, dev: dict) -> np.ndarray:
    """Heat-up 60-100 s, then thermostat cycling (on 10-40 s, off 20-70 s) for 15-45 min."""
    n = int(rng.integers(900, 2700))
    up = int(rng.integers(60, 100))
    on, off = int(rng.integers(10, 40)), int(rng.integers(20, 70))
    heat = np.concatenate([np.ones(up, bool), _pulses(n - up, on + off, on)])
    return noisy(rng, np.where(heat, dev["power"], 0.0), 0.005, 2.0)


def _tumble(rng, n: int, motor: float) -> np.ndarray:
    """Drum rotation: motor on 10-15 s, pause 3-5 s, with 15 % load fluctuation."""
    per = int(rng.integers(13, 21))
    on = _pulses(n, per, per - int(rng.integers(3, 6)), int(rng.integers(0, per)))
    return np.where(on, motor * (1 + 0.15 * rng.standard_normal(n)), 0.0)


def washing_machine_cycle(rng, dev: dict, temp_c: float) -> np.ndarray:
    """One program at ``temp_c`` (30, 40, 60 or 90 C): fill, heat (run length from water mass and
    temperature rise), wash, 2-3 rinses with short spins, final spin ramp."""
    heat_s = int(dev["water_l"] * WATER_J_PER_L_K * max(temp_c - 15.0, 0.0) / dev["heater"] * 1.6)
    fill = int(rng.integers(90, 180))
    wash = int(rng.integers(1500, 3000))
    ph = [np.full(fill, 8.0) + _tumble(rng, fill, 0.5 * dev["motor"]),
          dev["heater"] + _tumble(rng, heat_s, dev["motor"]),
          _tumble(rng, wash, dev["motor"])]
    for _ in range(int(rng.integers(2, 4))):
        ph += [np.full(int(rng.integers(45, 75)), _u(rng, 30, 50)),
               np.full(int(rng.integers(60, 120)), 8.0),
               _tumble(rng, int(rng.integers(180, 300)), dev["motor"]),
               np.full(int(rng.integers(40, 80)), 0.6 * dev["spin"])]
    sp = int(rng.integers(300, 600))
    ramp = min(sp, 120)
    spin = dev["spin"] * np.concatenate([np.linspace(0.2, 1.0, ramp), np.ones(sp - ramp)])
    spin *= 1.0 + 0.05 * np.sin(np.arange(sp) / 7.0)
    ph += [np.full(60, 40.0), spin, _tumble(rng, int(rng.integers(60, 180)), 0.5 * dev["motor"])]
    return noisy(rng, np.concatenate(ph), 0.01, 2.0)


def tumble_dryer_cycle(rng, dev: dict) -> np.ndarray:
    """60-110 min of drying: heater cycling (on 3-6 min, off 40-120 s, longer offs as the
    load dries) over a turning drum, then 10 min of cool-down with the motor only."""
    n = int(rng.integers(3600, 6600))
    t = np.arange(n)
    on, off = int(rng.integers(180, 360)), int(rng.integers(40, 120))
    per = (on + off * (1 + 2 * t / n)).astype(np.int64)
    heat = (t % per) < on
    p = np.where(heat, dev["heater"], 0.0) + dev["motor"] * (1 + 0.05 * rng.standard_normal(n))
    cool = dev["motor"] * np.ones(600)
    return noisy(rng, np.concatenate([p, cool]), 0.005, 2.0)


def dishwasher_cycle(rng, dev: dict) -> np.ndarray:
    """Pre-rinse (pump), main wash heated to 50-65 C (heater + pump), wash, drain, cold rinse,
    hot rinse heated to 60-70 C, then passive drying."""
    pump = dev["pump"]
    t_main = int(dev["water_l"] * WATER_J_PER_L_K * _u(rng, 35, 50) / dev["heater"] * 2.0)
    t_rinse = int(dev["water_l"] * WATER_J_PER_L_K * _u(rng, 40, 55) / dev["heater"] * 2.0)
    ph = [np.full(int(rng.integers(240, 420)), pump), np.full(60, 30.0),
          np.full(t_main, dev["heater"] + pump), np.full(int(rng.integers(1200, 2400)), pump),
          np.full(60, 30.0), np.full(int(rng.integers(240, 420)), pump), np.full(60, 30.0),
          np.full(t_rinse, dev["heater"] + pump), np.full(60, 30.0),
          np.full(int(rng.integers(900, 1800)), 2.0)]
    return noisy(rng, np.concatenate(ph), 0.01, 1.5)


def rescale_compressor(dev: dict, scale: float, max_on_s: float = 6 * 3600.0) -> dict:
    """A fridge or freezer ``dev`` whose running power is ``scale`` x its own and whose runs are
    longer so that the mean draw stays the same (off time kept: ``on' = on off / (scale (on +
    off) - on)``, at most ``max_on_s``); ``scale`` 1 returns it unchanged. A lower-power,
    longer-running compressor draws the same energy in smaller 10-min steps."""
    if scale == 1.0:
        return dev
    on, off = dev["on_s"], dev["off_s"]
    denom = scale * (on + off) - on
    on2 = max_on_s if denom <= 0 else min(max_on_s, on * off / denom)
    return {**dev, "run": dev["run"] * scale, "on_s": on2}


def compressor_run(rng, dev: dict, n: int) -> np.ndarray:
    """One compressor run of ``n`` s: start-up surge (1 s at ``surge`` x running power), a
    20-40 s settling, then power slowly falling 5-10 % as the evaporator cools."""
    run = dev["run"] * _u(rng, 0.95, 1.05)
    p = run * np.linspace(1.0, _u(rng, 0.9, 0.95), n)
    k = min(n, int(rng.integers(20, 40)))
    p[:k] *= 1.0 + 0.3 * np.exp(-np.arange(k) / 6.0)
    if n:
        p[0] = run * dev["surge"]
    return noisy(rng, p, 0.01, 1.0)
