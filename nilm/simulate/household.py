"""One simulated household, generated day by day at 1 s with state carried across midnights.

:func:`draw_config` draws a household (occupants, ownership, devices, tank, heating);
:class:`HouseholdSimulator` turns it into days of per-appliance power, each day a
:class:`DayResult`; :func:`simulate_household` assembles days into a
:class:`~nilm.series.Household` and its :class:`~nilm.truth.GroundTruth` in memory (for short
spans; :func:`nilm.simulate.write.simulate_to_dir` streams long ones to disk).

What needs a person: every *attended* load (kettle, coffee maker, toaster, microwave, oven, hob,
TV, computer, lighting, vacuum cleaner, iron, electric shower) runs entirely inside a minute
where its user is at home and awake. *Unattended programs* (washing machine, tumble dryer,
dishwasher) are started by someone at home and awake and may run on after they leave or fall
asleep, except explicit **delayed-start timers** of the washing machine and the dishwasher,
which start them in the off-peak hours (or late evening) while everyone may be asleep; those
runs are flagged
``timer=True`` in the event log. Fridge, freezer, water heater, heating (by its clock programme,
constant set point or, for the stated share of smart thermostats, presence) and the unmetered
"other" channel run by themselves; air conditioning runs while someone is awake at home on hot
days.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..series import Household, PowerSeries
from ..signal import run_pairs
from ..truth import GroundTruth
from . import appliances as ap
from .clock import Day, local_days
from .daylight import sunrise_sunset
from .occupants import DayRoutine, PersonSpec, Routines, draw_occupants
from .presets import OTHER_LOADS_W, Preset, get_preset
from .thermal import Cooling, Heating, Weather, draw_cooling, draw_emitter, draw_heating
from .water_heater import WaterHeater, draw_water_heater

PARIS = (48.8566, 2.3522)

#: base load fitted on the METER development households (even ``idHousehold``, 15 valid
#: recordings, July 2018; ``scripts/fit_meter_occupants.py``): log of the recording's 5th
#: percentile of 10-min power = a + b x people + N(0, sd); the simulator's always-on "other"
#: load is that minus :data:`BASE_OTHER_LOADS_W` (fridge/freezer mean draw and standbys it
#: simulates separately; a preset may set its own, :attr:`~nilm.simulate.presets.Preset.
#: other_loads_w`)
BASE_LOAD_FIT = {"a": 5.205, "b": 0.134, "sd": 0.473}
BASE_OTHER_LOADS_W = OTHER_LOADS_W

#: washing machine runs per week: log-normal, median 3.5 for two people and sd of log 0.74
#: (DECC/EST Household Electricity Survey 2012 as analysed by Sidebottom, "What is normal energy
#: use?", 2014: 2-person households' inter-quartile range 2.1-5.7, all households median 4.2);
#: the elasticity 0.3 to household size is inferred from those two medians, not measured
WASHING_PER_WEEK = {"median_2p": 3.5, "sd": 0.74, "elasticity": 0.3}
#: dishwasher runs per week among owners (US EIA RECS 2015 frequency classes): 20 % never use
#: it, the others log-normal with median 3 and sd of log 0.7, the same elasticity assumed
DISHWASHER_PER_WEEK = {"unused": 0.2, "median_2p": 3.0, "sd": 0.7, "elasticity": 0.3}

#: sub-meter channel order (owned ones are written, then "other")
APPLIANCES = ["fridge", "freezer", "kettle", "coffee_maker", "toaster", "microwave", "oven",
              "hob", "tv", "computer", "lighting", "vacuum_cleaner", "iron", "washing_machine",
              "tumble_dryer", "dishwasher", "water_heater", "electric_heat", "air_conditioning",
              "shower"]

#: loads that need their user at home and awake for their whole run
ATTENDED = ("kettle", "coffee_maker", "toaster", "microwave", "oven", "hob", "tv", "computer",
            "lighting", "vacuum_cleaner", "iron", "shower")
#: loads started by someone at home and awake that then run unattended (or on a timer)
PROGRAMS = ("washing_machine", "tumble_dryer", "dishwasher")

#: probability of owning each appliance (French equipment rates, INSEE/ADEME orders of
#: magnitude); a preset overrides some (:attr:`nilm.simulate.presets.Preset.ownership`). The
#: water heater, electric heating and air conditioning come from the preset's mixes instead
#: (these three entries are the FR values, kept for reference)
OWNERSHIP_P: dict[str, float] = {
    "fridge": 1.0, "freezer": 0.35, "kettle": 0.6, "coffee_maker": 0.8, "toaster": 0.5,
    "microwave": 0.85, "oven": 0.9, "hob": 0.75, "tv": 0.93, "computer": 0.8, "lighting": 1.0,
    "vacuum_cleaner": 0.95, "iron": 0.75, "washing_machine": 0.95, "tumble_dryer": 0.3,
    "dishwasher": 0.6, "water_heater": 0.5, "electric_heat": 0.372, "air_conditioning": 0.25,
    "shower": 0.0,
}


@dataclass
class HouseholdConfig:
    """Everything fixed about one household (JSON-serialisable through :meth:`to_dict`).

    house : identifier. household_type : see :data:`nilm.simulate.occupants.HOUSEHOLD_TYPES`.
    persons : occupants. ownership : {appliance: owned}. devices : per-appliance device
    parameters (:func:`nilm.simulate.appliances.draw_device`). water_heater, heating : their
    models (None when not owned); cooling : the air conditioner (None when not owned).
    lamps_w : power of each lamp, W. base_w : always-on load (router, boxes, ventilation,
    standby of unmetered devices), W. wm_per_week, dw_per_week : mean washing-machine and
    dishwasher runs per week. timer_p : probability that a run uses the delayed-start timer.
    dinner_h : the household's usual dinner time, wall-clock h. latitude, longitude : degrees.
    timezone : IANA. preset : the country preset it was drawn from. trip_rate : short trips
    (2-3 nights) of the whole household per year; holidays_per_year : holidays of 4+ nights
    per year (0 for households that take none); holiday_month_weight : relative departure
    rate per month. dwelling : "flat" or "house" where the preset has a dwelling mix, else "".
    kettle_per_day : mean kettle boils a day beyond the breakfast ones where the preset gives
    a survey rate (:attr:`nilm.simulate.presets.Preset.kettle_boils`), else 0 (breakfast and
    afternoon tea only).
    """

    house: str
    household_type: str
    persons: list[PersonSpec]
    ownership: dict[str, bool]
    devices: dict[str, dict]
    water_heater: WaterHeater | None
    heating: Heating | None
    lamps_w: list[float]
    base_w: float
    wm_per_week: float
    dw_per_week: float
    timer_p: float
    latitude: float = PARIS[0]
    longitude: float = PARIS[1]
    timezone: str = "Europe/Paris"
    trip_rate: float = 3.0
    preset: str = "FR"
    cooling: Cooling | None = None
    dinner_h: float = 19.4
    holidays_per_year: float = 0.0
    holiday_month_weight: tuple = (1,) * 12
    dwelling: str = ""
    kettle_per_day: float = 0.0

    @property
    def occupants(self) -> int:
        return len(self.persons)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def draw_config(rng: np.random.Generator, house: str = "sim_000", *,
                preset: str | Preset | None = None, latitude: float | None = None,
                longitude: float | None = None, timezone: str | None = None,
                ownership: dict[str, bool] | None = None,
                smart_share: float | None = None) -> HouseholdConfig:
    """Draw one household of ``preset`` (default FR; latitude, longitude and timezone default
    to the preset's).

    Ownership is independent per appliance with :data:`OWNERSHIP_P` updated by the preset (the
    fridge and lighting always), except that a tumble dryer needs a washing machine; the
    electric tank, the heating emitter (convector, heat pump, storage or none) and air
    conditioning follow the preset's mixes; ``ownership`` overrides the draw for the appliances
    it names (forcing ``electric_heat`` on a home drawn without one gives it convectors).
    ``smart_share`` overrides the preset's share of presence-following thermostats.

    Nothing is a deterministic function of the number of occupants: the base load is drawn
    from the METER fit (:data:`BASE_LOAD_FIT`), washing and dishwashing frequencies from the
    survey distributions (:data:`WASHING_PER_WEEK`, :data:`DISHWASHER_PER_WEEK`), the number of
    lamps is a property of the dwelling (4 + Poisson(2.5), independent of the occupants), and
    the tank volume from the installers' sizing guide with spread
    (:func:`nilm.simulate.water_heater.draw_water_heater`).
    """
    pre = get_preset(preset)
    kind, persons = draw_occupants(rng, pre.household_size_share)
    n = len(persons)
    probs = {**OWNERSHIP_P, **pre.ownership}
    own = {a: bool(rng.random() < probs[a]) for a in APPLIANCES}
    emitter = draw_emitter(rng, pre)
    own["electric_heat"] = emitter != "none"
    own["water_heater"] = bool(rng.random() < pre.water_heater_share)
    own["air_conditioning"] = bool(rng.random() < pre.ac_share)
    own["shower"] = bool(rng.random() < pre.electric_shower_share)
    own.update({k: bool(v) for k, v in (ownership or {}).items() if k in own})
    own["tumble_dryer"] &= own["washing_machine"]
    if own["electric_heat"] and emitter == "none":
        emitter = "convector"
    devices = {a: ap.draw_device(a, rng) for a in APPLIANCES
               if own[a] and a not in ("lighting", "water_heater", "electric_heat",
                                       "air_conditioning")}
    for name in ("fridge", "freezer"):
        if name in devices:
            devices[name] = ap.rescale_compressor(devices[name], pre.cold_run_scale)
    lamp_kind = rng.choice(3, size=4 + int(rng.poisson(2.5)), p=[0.6, 0.25, 0.15])
    lamps = [float(round(rng.uniform(*[(4, 12), (11, 23), (35, 70)][k]), 1)) for k in lamp_kind]
    f = BASE_LOAD_FIT
    base = float(np.exp(f["a"] + f["b"] * n + f["sd"] * rng.standard_normal()))
    size = (n / 2.0)
    wm = WASHING_PER_WEEK
    dw = DISHWASHER_PER_WEEK
    wm_week = wm["median_2p"] * size ** wm["elasticity"] * np.exp(wm["sd"] * rng.standard_normal())
    dw_week = (0.0 if rng.random() < dw["unused"] else dw["median_2p"] * size ** dw["elasticity"]
               * np.exp(dw["sd"] * rng.standard_normal()))
    takes = rng.random() < pre.holiday_takers
    # drawn last, and only where the preset has a dwelling mix, so the other presets'
    # households are unchanged
    dwelling, base_scale = "", 1.0
    if pre.dwelling_mix:
        names = list(pre.dwelling_mix)
        shares = np.array([pre.dwelling_mix[d][0] for d in names])
        dwelling = names[int(rng.choice(len(names), p=shares / shares.sum()))]
        base_scale = pre.dwelling_mix[dwelling][1]
    kettle_day = 0.0
    if pre.kettle_boils and own["kettle"]:
        # the survey counts every boil; the breakfast ones of the kettle drinkers are simulated
        # by the routines already
        m, sd = pre.kettle_boils
        breakfast = sum(p.hot_drink == "kettle" for p in persons)
        kettle_day = max(0.0, m * float(np.exp(sd * rng.standard_normal())) - breakfast)
    return HouseholdConfig(
        house=house, household_type=kind, persons=persons, ownership=own, devices=devices,
        water_heater=draw_water_heater(rng, n, pre) if own["water_heater"] else None,
        heating=draw_heating(rng, pre, emitter, smart_share) if own["electric_heat"] else None,
        lamps_w=lamps,
        base_w=float(round(max(15.0, base - pre.other_loads_w) * base_scale, 1)),
        wm_per_week=float(round(min(wm_week, 14.0), 2)),
        dw_per_week=float(round(min(dw_week, 14.0), 2)),
        timer_p=float(round(rng.uniform(0.0, 0.35), 2)),
        latitude=pre.latitude if latitude is None else latitude,
        longitude=pre.longitude if longitude is None else longitude,
        timezone=pre.timezone if timezone is None else timezone,
        trip_rate=float(round(rng.uniform(0.5, 1.5) * pre.short_trips_per_year, 2)),
        preset=pre.code, cooling=draw_cooling(rng) if own["air_conditioning"] else None,
        dinner_h=float(round(rng.normal(19.5, 0.5), 2)),
        holidays_per_year=float(round(rng.uniform(0.5, 1.5) * pre.holidays_per_year, 2)
                                if takes else 0.0),
        holiday_month_weight=tuple(float(w) for w in pre.holiday_month_weight),
        dwelling=dwelling, kettle_per_day=float(round(kettle_day, 2)))


#: hours of the kettle-use peaks in 14 Loughborough households, 2013-2015 (Murray, Liao,
#: Stankovic & Stankovic, "A data management platform for personalised real-time energy
#: feedback", Applied Energy 2016, as reported by the Scottish Daily Mail, 16 Apr 2016):
#: weekdays 7, 13, 17, 18 and 20 h, weekends 7 and 9 h (the weekend afternoon and evening
#: peaks 13, 17 and 20 h are an *assumption*); each boil is drawn at one of them + N(0, 45 min)
KETTLE_PEAKS_H = {False: (7.0, 13.0, 17.0, 18.0, 20.0), True: (7.0, 9.0, 13.0, 17.0, 20.0)}


@dataclass
class Event:
    """One appliance use: channel, start and end (epoch s UTC), started by a timer or not."""

    appliance: str
    start: int
    end: int
    timer: bool = False


@dataclass
class DayResult:
    """One simulated day at 1 s.

    Attributes
    ----------
    day : the local day simulated.
    channels : {name: float32 [n_s]} sub-meters, W, ending with ``"other"`` (unmetered loads
        and meter noise).
    mains : float32 [n_s], the float64 sum of the channels rounded once.
    routine : the occupants' day.
    hot_water_l : litres drawn from the hot-water system.
    heater_j : water-heater energy [heat, draw, loss], J (zeros when not electric).
    events : appliance uses starting this day.
    """

    day: Day
    channels: dict[str, np.ndarray]
    mains: np.ndarray
    routine: DayRoutine
    hot_water_l: float
    heater_j: np.ndarray
    events: list[Event] = field(default_factory=list)


def _place(ivs: list[tuple[int, int]], t: float, dur: int,
           max_delay: float = 7200.0) -> int | None:
    """Start second for an event of ``dur`` s wanted at ``t`` that fits inside one of the
    intervals ``ivs`` (s): inside the interval holding ``t`` if it fits, else at the start of
    the next one within ``max_delay`` s; None when it fits nowhere."""
    for a, b in ivs:
        if b - a < dur or b <= t:
            continue
        if a <= t:
            return int(min(t, b - dur))
        if a - t <= max_delay:
            return int(a)
        return None
    return None


@dataclass
class _DayState:
    """What the event generators of one day write into: channels, event log, fridge door
    openings (elapsed s) and hot-water draws (start s, litres, duration s)."""

    day: Day
    ch: dict[str, np.ndarray]
    events: list[Event] = field(default_factory=list)
    doors: list[int] = field(default_factory=list)
    draws: list[tuple[int, float, int]] = field(default_factory=list)
    shower_l: float = 0.0


class HouseholdSimulator:
    """Generates the days of one household in order, carrying state across midnights: the
    tank temperature and thermostat, the fridge and freezer cycles, the weather anomaly, trips,
    late nights, and any appliance run still going at midnight.

    Parameters
    ----------
    config : the household.
    seed : int or :class:`numpy.random.SeedSequence`; the only source of randomness.
    signatures : optional real activations, {appliance: [float32 arrays of 1-s W]} or
        {appliance: {device: [arrays]}} (as :func:`nilm.simulate.calibration.tracebase_activations`
        returns; one device is drawn per household); each use of an owned appliance then replays
        one of its activations (drawn per use) instead of the parametric model.
    """

    def __init__(self, config: HouseholdConfig, seed, signatures: dict | None = None):
        self.cfg = config
        self.rng = np.random.default_rng(seed)
        self.routines = Routines(config.persons, trip_rate=config.trip_rate,
                                 holidays_per_year=config.holidays_per_year,
                                 month_weight=config.holiday_month_weight)
        self.weather = Weather(config.preset)
        self.tank = (dataclasses.replace(config.water_heater) if config.water_heater else None)
        # the heating carries the indoor temperature: a copy, so the config stays as drawn
        self.heating = dataclasses.replace(config.heating) if config.heating else None
        self._frost = self._frost_known = False
        self.signatures = {}
        for name, v in sorted((signatures or {}).items()):
            if isinstance(v, dict):
                # one real device per household (device-to-device variation), drawn here
                devices = sorted(k for k in v if len(v[k]))
                v = v[devices[int(self.rng.integers(len(devices)))]] if devices else []
            if len(v) and config.ownership.get(name):
                self.signatures[name] = list(v)
        self._pending: dict[str, list[tuple[int, np.ndarray]]] = {}
        self._cycle_at = {"fridge": -1.0, "freezer": -1.0}
        self.channel_names = [a for a in APPLIANCES if config.ownership[a]] + ["other"]

    # -- helpers ---------------------------------------------------------------------------
    def _add(self, ch: dict, name: str, start: int, wave: np.ndarray) -> None:
        """Add ``wave`` into channel ``name`` from second ``start``; what passes midnight is
        kept for the next day."""
        arr = ch[name]
        n = len(arr)
        if start >= n:
            self._pending.setdefault(name, []).append((start - n, wave))
            return
        end = start + len(wave)
        arr[start:min(end, n)] += wave[:min(end, n) - start]
        if end > n:
            self._pending.setdefault(name, []).append((0, wave[n - start:]))

    def _wave(self, name: str, fallback) -> np.ndarray:
        sigs = self.signatures.get(name)
        if sigs:
            return sigs[int(self.rng.integers(len(sigs)))]
        return fallback()

    # -- one day ---------------------------------------------------------------------------
    def simulate_day(self, day: Day) -> DayResult:
        """Simulate ``day`` (days must come in order)."""
        rng, cfg = self.rng, self.cfg
        own = cfg.ownership
        n_s = day.n_s
        c = _DayState(day, {a: np.zeros(n_s, dtype=np.float32) for a in self.channel_names})
        ch = c.ch
        pending, self._pending = self._pending, {}
        for name, waves in pending.items():
            for offset, w in waves:
                self._add(ch, name, offset, w)

        r = self.routines.day(day, rng)
        any_awake = r.awake.any(axis=0)
        for i, p in enumerate(cfg.persons):
            ivs = [(a * 60, b * 60) for a, b in run_pairs(r.awake[i])]
            if ivs:
                self._person_events(c, p, ivs, r.wake_s[i])
        hh = [(a * 60, b * 60) for a, b in run_pairs(any_awake)]
        if hh:
            self._household_events(c, hh)
        self._lighting(ch, r, day, c.events)
        for name in ("fridge", "freezer"):
            if own[name]:
                self._compressor(ch, name, sorted(c.doors), n_s)
        hot_l, heater_j = self._water(ch, c.draws, day)
        hot_l += c.shower_l
        t_out = self.weather.day_minutes(day, rng)
        if r.trip:
            # a trip starts: the household turns the heating down to frost protection or not
            # (a smart thermostat always does); it keeps that choice until it is back
            if not self._frost_known:
                h = self.heating
                self._frost = bool(h is not None and (h.control == "smart"
                                                      or rng.random() < h.away_frost_p))
                self._frost_known = True
        else:
            self._frost, self._frost_known = False, False
        if own["electric_heat"]:
            ch["electric_heat"] += self.heating.day_power(t_out, day, any_awake,
                                                          r.present.any(axis=0), self._frost,
                                                          n_s)
        if own["air_conditioning"]:
            ch["air_conditioning"] += cfg.cooling.day_power(t_out, any_awake, n_s, rng)
        for name in ap.STANDBY_W:
            if own.get(name):
                np.maximum(ch[name], np.float32(cfg.devices[name]["standby"]), out=ch[name])
        # always-on base with slow drift, small loads fluctuating while people are up (lamps
        # dimmed, chargers, screens: AR(1) of 8 W sd over 2 min), and 1.5 W of meter noise
        awake_s = np.repeat(any_awake, 60)[:n_s].astype(np.float32)
        ch["other"] += (np.float32(cfg.base_w)
                        + ap.ar1(rng, n_s, 0.04 * cfg.base_w, 1800.0).astype(np.float32)
                        + awake_s * np.abs(ap.ar1(rng, n_s, 8.0, 120.0)).astype(np.float32)
                        + rng.normal(0.0, 1.5, n_s).astype(np.float32))
        np.maximum(ch["other"], 0.0, out=ch["other"])
        total = np.zeros(n_s, dtype=np.float64)
        for v in ch.values():
            total += v
        return DayResult(day, ch, total.astype(np.float32), r, hot_l, heater_j, c.events)

    def _use(self, c: _DayState, name: str, start: int, wave: np.ndarray,
             timer: bool = False) -> None:
        """Run appliance ``name`` from elapsed second ``start`` and log the event. One device
        cannot run twice at once: a request while it runs is dropped (the coffee is shared,
        the TV is already on)."""
        seg = c.ch[name][start:start + len(wave)]
        if len(seg) and float(seg.max()) > ap.ON_THRESHOLD_W[name]:
            return
        self._add(c.ch, name, start, wave)
        c.events.append(Event(name, c.day.t0 + start, c.day.t0 + start + len(wave), timer))

    def _attended(self, c: _DayState, name: str, ivs: list, t: float, make,
                  max_delay: float = 1800.0) -> int | None:
        """An attended use wanted at elapsed second ``t``, placed entirely inside one of the
        awake-at-home intervals ``ivs`` (see :func:`_place`); ``make()`` builds the parametric
        waveform when no real signature replaces it. Returns the start, or None."""
        if not self.cfg.ownership.get(name):
            return None
        wave = self._wave(name, make)
        s = _place(ivs, t, len(wave), max_delay)
        if s is not None:
            self._use(c, name, s, wave)
        return s

    def _person_events(self, c: _DayState, p: PersonSpec, ivs: list, wk: int | None) -> None:
        """One person's own uses: morning routine (shower, hot drink, toast, hair dryer),
        evening shower or bath, sink draws, computer sessions. ``ivs`` are the person's
        awake-at-home intervals (elapsed s); ``wk`` the wake-up (elapsed s) or None."""
        rng, dev, own, day = self.rng, self.cfg.devices, self.cfg.ownership, c.day
        ch, draws, doors = c.ch, c.draws, c.doors
        W = day.elapsed
        use = partial(self._use, c)
        attended = partial(self._attended, c)
        if wk is not None:
            if p.shower_morning and rng.random() < 0.85:
                self._shower(c, ivs, wk + rng.uniform(120, 1500), p.shower_l)
            t_bf = wk + rng.uniform(600, 2100)
            if p.hot_drink == "kettle":
                attended("kettle", ivs, t_bf, lambda: ap.kettle_cycle(
                    rng, dev["kettle"], rng.uniform(0.25, 0.8)))
            elif p.hot_drink == "coffee":
                attended("coffee_maker", ivs, t_bf,
                         lambda: ap.coffee_cycle(rng, dev["coffee_maker"]))
            if rng.random() < 0.3:
                attended("toaster", ivs, t_bf + 60,
                         lambda: ap.toaster_cycle(rng, dev["toaster"]))
            if rng.random() < 0.15:
                attended("microwave", ivs, t_bf + 120,
                         lambda: ap.microwave_cycle(rng, dev["microwave"]))
            doors.append(int(t_bf))
            if rng.random() < 0.2:
                s = _place(ivs, wk + rng.uniform(1500, 2400), 400)
                if s is not None:
                    self._add(ch, "other", s, ap.noisy(rng, np.full(
                        int(rng.integers(120, 400)), rng.uniform(1000, 1900)), 0.01, 3.0))
        if not p.shower_morning and rng.random() < 0.8:
            self._shower(c, ivs, ivs[-1][1] - rng.uniform(1800, 5400), p.shower_l)
        if rng.random() < (0.25 if p.kind == "child" else 0.03):
            s = _place(ivs, W(19 * 3600 + rng.uniform(0, 3600)), 600)
            if s is not None:
                draws.append((s, rng.uniform(50, 80), 600))
        for _ in range(rng.poisson(4)):
            a, b = ivs[int(rng.integers(len(ivs)))]
            draws.append((int(rng.uniform(a, b)), rng.uniform(0.5, 3.0), 40))
        if own["computer"]:
            if p.kind == "homeworker" and not day.weekend:
                for t0, t1 in ((9.0, 12.3), (13.6, 17.8)):
                    s = _place(ivs, W(t0 * 3600 + rng.uniform(-900, 900)), 1200)
                    if s is not None:
                        dur = max(1200, int(W(t1 * 3600) - s))
                        dur = min(dur, next(b for a, b in ivs if a <= s < b) - s)
                        use("computer", s, ap.computer_cycle(rng, dev["computer"], dur))
            if rng.random() < p.computer_use:
                dur = int(rng.uniform(1200, 9000))
                late = [(max(a, W(17 * 3600)), b) for a, b in ivs if b > W(17 * 3600)]
                if late:
                    a, b = late[int(rng.integers(len(late)))]
                    s = _place([(a, b)], rng.uniform(a, b), min(dur, b - a))
                    if s is not None and b - a > 300:
                        use("computer", s, ap.computer_cycle(rng, dev["computer"],
                                                             min(dur, b - a)))

    def _household_events(self, c: _DayState, hh: list) -> None:
        """Shared uses while anyone is awake at home (intervals ``hh``, elapsed s): meals,
        afternoon tea, TV, laundry, dishes, cleaning, ironing, small unmetered loads."""
        rng, cfg, dev, own, day = self.rng, self.cfg, self.cfg.devices, self.cfg.ownership, c.day
        draws, doors = c.draws, c.doors
        W = day.elapsed
        use = partial(self._use, c)
        attended = partial(self._attended, c)
        if rng.random() < 0.75:
            t = W(12.4 * 3600 + rng.normal(0, 1200))
            pick = rng.random()
            if pick < 0.45:
                attended("microwave", hh, t, lambda: ap.microwave_cycle(rng, dev["microwave"]),
                         600)
            elif pick < 0.8:
                attended("hob", hh, t, lambda: ap.hob_cycle(rng, dev["hob"],
                                                            rng.uniform(8, 25)), 600)
            doors.append(int(t))
        dinner = W(3600 * cfg.dinner_h + rng.normal(0, 1800))
        if rng.random() < 0.9:
            doors.extend([int(dinner), int(dinner + 900)])
            if rng.random() < 0.65:
                attended("hob", hh, dinner, lambda: ap.hob_cycle(rng, dev["hob"],
                                                                 rng.uniform(12, 45)), 1800)
            if rng.random() < (0.35 if day.weekend else 0.2):
                attended("oven", hh, dinner - 1800, lambda: ap.oven_cycle(
                    rng, dev["oven"], rng.uniform(30, 75)), 1800)
            if rng.random() < 0.35:
                attended("microwave", hh, dinner + rng.uniform(0, 1800),
                         lambda: ap.microwave_cycle(rng, dev["microwave"]), 1800)
        if cfg.kettle_per_day > 0:
            # survey rate of boils (GB): at the observed peak hours, while someone is awake at
            # home (a boil wanted while nobody is, is not made)
            peaks = KETTLE_PEAKS_H[bool(day.weekend)]
            for _ in range(rng.poisson(cfg.kettle_per_day)):
                t = W(3600 * peaks[int(rng.integers(len(peaks)))] + rng.normal(0, 2700))
                attended("kettle", hh, t, lambda: ap.kettle_cycle(
                    rng, dev["kettle"], rng.uniform(0.3, 1.2)), 1800)
        elif rng.random() < 0.3:
            attended("kettle", hh, W(16 * 3600 + rng.normal(0, 2400)),
                     lambda: ap.kettle_cycle(rng, dev["kettle"], rng.uniform(0.4, 1.2)), 3600)
        if own["tv"]:
            self._tv(c, hh, dinner)
        if own["washing_machine"] and rng.random() < min(cfg.wm_per_week / 7, 0.95):
            self._laundry(c, hh)
        if own["dishwasher"] and rng.random() < min(cfg.dw_per_week / 7, 0.95):
            wave = self._wave("dishwasher", lambda: ap.dishwasher_cycle(rng, dev["dishwasher"]))
            if rng.random() < cfg.timer_p:
                use("dishwasher", W(3600 * rng.uniform(22.0, 25.0)), wave, timer=True)
            else:
                s = _place(hh, dinner + rng.uniform(1800, 5400), 60, 3600)
                if s is not None:
                    use("dishwasher", s, wave)
        elif not own["dishwasher"] and rng.random() < 0.8:
            s = _place(hh, dinner + 2400, 300)
            if s is not None:
                draws.append((s, rng.uniform(8, 20), 300))
        if rng.random() < (0.35 if day.weekend else 0.15):
            attended("vacuum_cleaner", hh, W(3600 * rng.uniform(9, 18)),
                     lambda: ap.vacuum_cycle(rng, dev["vacuum_cleaner"]), 3600)
        if rng.random() < 0.1:
            attended("iron", hh, W(3600 * rng.uniform(10, 21)),
                     lambda: ap.iron_cycle(rng, dev["iron"]), 3600)
        self._misc(c.ch, hh)

    # -- pieces --------------------------------------------------------------------------
    def _shower(self, c: _DayState, ivs, t, litres):
        """A shower of about ``litres`` of tank water at 5 l/min (8 l/min mixed at 40 C); with
        an electric shower the same litres are heated by it instead (its rated power while
        running), not drawn from the tank."""
        lit = max(8.0, self.rng.normal(litres, 0.2 * litres))
        dur = int(lit / 5.0 * 60)
        s = _place(ivs, t, dur + 300)
        if s is None:
            return
        if self.cfg.ownership.get("shower"):
            wave = ap.noisy(self.rng, np.full(dur, self.cfg.devices["shower"]["power"]),
                            0.005, 5.0)
            self._use(c, "shower", s, wave)
            c.shower_l += lit
        else:
            c.draws.append((s, lit, dur))

    def _tv(self, c: _DayState, hh: list, dinner: float) -> None:
        """Evening TV from after dinner until shortly before the last person goes to bed;
        daytime TV more often at weekends and in retired households."""
        rng, dev, day, W = self.rng, self.cfg.devices, c.day, c.day.elapsed
        use = partial(self._use, c)
        if rng.random() < 0.85:
            start = dinner + rng.uniform(1200, 3600)
            for a, b in hh:
                if a <= start < b - 900:
                    end = b - int(rng.uniform(0, 900))
                    s = int(start)
                    use("tv", s, ap.tv_cycle(rng, dev["tv"], end - s))
                    break
        retired = any(p.kind == "retiree" for p in self.cfg.persons)
        if rng.random() < (0.45 if (day.weekend or retired) else 0.12):
            n = int(rng.uniform(1800, 3 * 3600))
            s = _place(hh, W(3600 * rng.uniform(8, 17)), n, 3600)
            if s is not None:
                use("tv", s, ap.tv_cycle(rng, dev["tv"], n))

    def _laundry(self, c: _DayState, hh: list) -> None:
        """A wash (30-90 C program), started by someone awake or by the delayed-start timer,
        then the tumble dryer in 60 % of washes when one is owned."""
        rng, cfg, dev, W = self.rng, self.cfg, self.cfg.devices, c.day.elapsed
        use = partial(self._use, c)
        temp = float(rng.choice([30.0, 40.0, 60.0, 90.0], p=[0.3, 0.42, 0.24, 0.04]))
        wave = self._wave("washing_machine",
                          lambda: ap.washing_machine_cycle(rng, dev["washing_machine"], temp))
        if rng.random() < cfg.timer_p:
            s, timer = W(3600 * rng.uniform(21.5, 24.5)), True
        else:
            s, timer = _place(hh, W(3600 * rng.uniform(7.5, 21.0)), 60, 3600), False
        if s is None:
            return
        use("washing_machine", s, wave, timer=timer)
        if cfg.ownership["tumble_dryer"] and rng.random() < 0.6:
            t = s + len(wave) + rng.uniform(0, 2700)
            dry = self._wave("tumble_dryer",
                             lambda: ap.tumble_dryer_cycle(rng, dev["tumble_dryer"]))
            s2 = _place(hh, t, 60, 4 * 3600)
            if s2 is not None:
                use("tumble_dryer", s2, dry)

    def _misc(self, ch, hh):
        """Unmetered user loads in "other": chargers and small electronics (10-60 W for
        10-120 min) and short 200-900 W appliances (blender, hair straightener, drill), the
        latter look-alikes of toasters and microwaves."""
        rng = self.rng
        for _ in range(rng.poisson(3)):
            a, b = hh[int(rng.integers(len(hh)))]
            n = int(rng.uniform(600, 7200))
            s = int(rng.uniform(a, b))
            self._add(ch, "other", s, ap.noisy(rng, np.full(n, rng.uniform(10, 60)), 0.02, 0.5))
        for _ in range(rng.poisson(0.6)):
            n = int(rng.uniform(60, 900))
            s = _place(hh, rng.uniform(hh[0][0], hh[-1][1]), n)
            if s is not None:
                self._add(ch, "other", s, ap.noisy(rng, np.full(n, rng.uniform(200, 900)),
                                                   0.01, 2.0))

    def _lighting(self, ch, r: DayRoutine, day: Day, events):
        """Lamps follow occupancy and daylight: each person awake at home in the dark keeps
        their own lamp on, a shared lamp burns while anyone is, and short switch-ons of other
        lamps (bathroom, kitchen) happen 2-6 times per dark period. "Dark" is before sunrise or
        after sunset shifted by 20-60 min (cloud cover, indoor shade)."""
        if not self.cfg.ownership["lighting"]:
            return
        rng, lamps = self.rng, self.cfg.lamps_w
        rise, sset = sunrise_sunset(day.t0 + 43200, self.cfg.latitude, self.cfg.longitude)
        sec = np.arange(day.n_min) * 60 + day.t0
        shade = rng.uniform(1200, 3600)
        dark = (sec < rise[0] + shade) | (sec > sset[0] - shade)
        masks = [r.awake.any(axis=0) & dark] + [r.awake[i] & dark for i in range(len(r.awake))]
        for k, m in enumerate(masks):
            lamp = lamps[0] if k == 0 else lamps[1 + (k - 1) % (len(lamps) - 1)]
            for a, b in run_pairs(m):
                s = a * 60 + int(rng.uniform(0, 120))
                e = b * 60 - int(rng.uniform(0, 120))
                if e - s < 60:
                    continue
                ch["lighting"][s:e] += ap.noisy(rng, np.full(e - s, lamp), 0.01, 0.2)
                events.append(Event("lighting", day.t0 + s, day.t0 + e))
                if k == 0:
                    for _ in range(int(rng.integers(2, 7))):
                        n = int(rng.uniform(60, 900))
                        if e - s > n:
                            t = int(rng.uniform(s, e - n))
                            ch["lighting"][t:t + n] += np.float32(
                                lamps[int(rng.integers(len(lamps)))])
                            events.append(Event("lighting", day.t0 + t, day.t0 + t + n))

    def _compressor(self, ch, name: str, doors: list[int], n_s: int):
        """Compressor cycles: on and off times drawn around the device's means; within 45 min
        after a door opening the off time shrinks by 40 % and the run grows by 25 % (warm air
        in), so the duty cycle rises with kitchen activity. A frost-free fridge runs a
        defrost heater for 15-25 min once a day."""
        rng, d = self.rng, self.cfg.devices[name]
        t = self._cycle_at[name]
        if t < 0:
            t = rng.uniform(0, d["on_s"] + d["off_s"])
        door = np.asarray(doors, dtype=np.float64)
        while t < n_s:
            recent = len(door) and np.any((door <= t) & (door > t - 2700))
            on = int(d["on_s"] * rng.uniform(0.85, 1.15) * (1.25 if recent else 1.0))
            off = int(d["off_s"] * rng.uniform(0.85, 1.15) * (0.6 if recent else 1.0))
            self._add(ch, name, int(t), ap.compressor_run(rng, d, on))
            t += on + off
        self._cycle_at[name] = t - n_s
        if d["defrost"]:
            s = int(rng.uniform(0, n_s - 1500))
            self._add(ch, name, s, ap.noisy(rng, np.full(int(rng.uniform(900, 1500)),
                                                         d["defrost_w"]), 0.01, 1.0))

    def _water(self, ch, draws, day: Day) -> tuple[float, np.ndarray]:
        n_s = day.n_s
        dl = np.zeros(n_s, dtype=np.float64)
        for s, litres, dur in draws:
            s = int(max(0, min(s, n_s - 1)))
            e = min(n_s, s + max(int(dur), 1))
            dl[s:e] += litres / max(int(dur), 1)
        hot = float(dl.sum())
        if self.tank is None:
            return hot, np.zeros(3)
        if self.tank.offpeak:
            h0, h1 = self.tank.offpeak_hours
            wall_h = day.wall_min / 60.0
            allowed_min = (wall_h >= h0) | (wall_h < h1)
            allowed = np.repeat(allowed_min, 60)
        else:
            allowed = np.ones(n_s, dtype=bool)
        p, e = self.tank.run(dl, allowed)
        ch["water_heater"] += p
        return hot, e

    def run(self, days: list[Day]):
        """Yield a :class:`DayResult` for each day in order."""
        for d in days:
            yield self.simulate_day(d)


class TruthBuilder:
    """Accumulates the ground truth of consecutive days (timelines at 60 s)."""

    def __init__(self, cfg: HouseholdConfig):
        self.cfg = cfg
        self.present, self.awake, self.wake, self.bed = [], [], [], []
        self.days, self.hot, self.kwh = [], [], []

    def add(self, res: DayResult) -> None:
        self.present.append(res.routine.present)
        self.awake.append(res.routine.awake)
        self.wake.append(res.routine.wake)
        self.bed.append(res.routine.bed)
        self.days.append(res.day.t0)
        self.hot.append(res.hot_water_l)
        self.kwh.append(res.heater_j[0] / 3.6e6 if self.cfg.ownership["water_heater"] else 0.0)

    def build(self) -> GroundTruth:
        own = {a: bool(v) for a, v in self.cfg.ownership.items()}
        return GroundTruth(
            start=int(self.days[0]), step=60, timezone=self.cfg.timezone,
            present_person=np.concatenate(self.present, axis=1),
            awake_person=np.concatenate(self.awake, axis=1),
            days=np.asarray(self.days, dtype=np.int64), wake=np.stack(self.wake, axis=1),
            bed=np.stack(self.bed, axis=1), hot_water_l=np.asarray(self.hot, dtype=np.float64),
            water_heater_kwh=np.asarray(self.kwh, dtype=np.float64),
            occupants=self.cfg.occupants, ownership=own, source="simulated")


#: heating strata of the evaluation reports, as the published statistics split main heating
#: (SDES, enquête Logement 2020: electricity without heat pump 32.1 %, heat pump 5.1 %, other
#: energies 62.8 % of French main residences; see :mod:`nilm.simulate.presets`)
HEATING_STRATA = ("electric", "heat_pump", "none")


def heating_stratum(cfg: HouseholdConfig) -> str:
    """The household's heating stratum (:data:`HEATING_STRATA`): ``"electric"`` for resistive
    electric heating (convectors, panel or night-storage heaters), ``"heat_pump"``, or
    ``"none"`` (no electric space heating: gas, oil, wood, district heating)."""
    if cfg.heating is None:
        return "none"
    return "heat_pump" if cfg.heating.emitter == "heat_pump" else "electric"


def household_meta(cfg: HouseholdConfig, seed_info, period: float) -> dict:
    """``Household.meta`` of a simulated household (``heating``: emitter/control or "none";
    ``heating_stratum``: :func:`heating_stratum`)."""
    return {"dataset": "simulated", "house": cfg.house, "timezone": cfg.timezone,
            "simulated": True, "occupants": cfg.occupants, "household_type": cfg.household_type,
            "latitude": cfg.latitude, "longitude": cfg.longitude, "mains_kind": "measured",
            "preset": cfg.preset,
            "heating": (f"{cfg.heating.emitter}/{cfg.heating.control}" if cfg.heating
                        else "none"),
            "heating_stratum": heating_stratum(cfg),
            "period_s": period, "seed": seed_info, "source_files": {},
            "ownership": {k: bool(v) for k, v in cfg.ownership.items()}}


def block_mean(x: np.ndarray, period: int) -> np.ndarray:
    """Start-labelled means over consecutive blocks of ``period`` samples (float64 sum)."""
    if period == 1:
        return x
    return x.reshape(-1, period).mean(axis=1, dtype=np.float64).astype(np.float32)


def check_period(period) -> int:
    """``period`` as int s; it must divide 3600 so that 23- and 25-hour days tile the grid."""
    p = int(period)
    if p != period or p < 1 or 3600 % p:
        raise ValueError(f"period must be a whole number of seconds dividing 3600, not {period!r}"
                         " (resample the output for other periods)")
    return p


def clip_events(events: list[Event], t_end: int) -> list[Event]:
    """Events as recorded in a span ending at ``t_end`` (epoch s): runs timed to start after it
    are dropped, runs still going are cut at it."""
    return [dataclasses.replace(e, end=min(e.end, t_end)) for e in events if e.start < t_end]


@dataclass
class Simulated:
    """An in-memory simulation: the Household, its GroundTruth, the event log and config."""

    household: Household
    truth: GroundTruth
    events: list[Event]
    config: HouseholdConfig


def simulate_household(days: int, seed=0, *, period: int = 1, start: str = "2024-01-08",
                       config: HouseholdConfig | None = None, house: str = "sim_000",
                       signatures: dict | None = None,
                       preset: str | Preset | None = None) -> Simulated:
    """Simulate one household in memory (for spans of days to weeks; use
    :func:`nilm.simulate.write.simulate_to_dir` for longer ones).

    Parameters
    ----------
    days : number of local days. seed : int or SeedSequence (the config, when drawn, uses a
        child of it, so the same seed gives the same household and the same days).
    period : output sampling period, s (divides 3600); block means of the 1-s simulation.
    start : first local day, ISO date. config : household to simulate (default: drawn).
    house : identifier when the config is drawn. signatures : see :class:`HouseholdSimulator`.
    preset : country preset of a drawn config (:mod:`nilm.simulate.presets`; default FR).
    """
    period = check_period(period)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    cfg_ss, sim_ss = ss.spawn(2)
    cfg = config or draw_config(np.random.default_rng(cfg_ss), house, preset=preset)
    sim = HouseholdSimulator(cfg, sim_ss, signatures)
    truth = TruthBuilder(cfg)
    chunks: dict[str, list[np.ndarray]] = {"mains": []}
    events: list[Event] = []
    dlist = local_days(start, days, cfg.timezone)
    for res in sim.run(dlist):
        truth.add(res)
        events.extend(res.events)
        chunks["mains"].append(block_mean(res.mains, period))
        for k, v in res.channels.items():
            chunks.setdefault(k, []).append(block_mean(v, period))
    t0 = dlist[0].t0
    series = {}
    for k, parts in chunks.items():
        p = np.concatenate(parts)
        series[k] = PowerSeries(t0 + period * np.arange(len(p), dtype=np.int64), p, k, k,
                                "active", float(period))
    mains = series.pop("mains")
    h = Household(mains, series, household_meta(cfg, {"entropy": str(ss.entropy),
                                                      "spawn_key": list(ss.spawn_key)}, period))
    t_end = dlist[-1].t0 + dlist[-1].n_s
    return Simulated(h, truth.build(), clip_events(events, t_end), cfg)
