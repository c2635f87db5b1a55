"""Country presets of the simulator: place and climate, heating and hot-water mix, tariff clock,
appliance ownership, holidays. ``nilm simulate --preset FR|GB|CH`` and the ``preset`` key of a
study source select one; :data:`PRESETS` holds them.

Each share is a published statistic where one was found (source named beside it) and otherwise a
stated assumption (marked *assumption*). The numbers are rounded; they set the population mix,
they are not a fit to any survey.

Climate: monthly mean outdoor temperature, approximate (to about 0.5 C) values of the 1991-2020
climate normals of the station named (Météo-France Paris-Montsouris; Met Office Oxford;
MeteoSwiss Zürich-Fluntern); they were not checked against the station tables here, so check
them before citing a temperature. Daylight comes from the
latitude and longitude (:mod:`nilm.simulate.daylight`).

Space heating, share of households whose *main* heating is electric:

* **FR**: 37.2 % of main residences heat with electricity, of which 5.1 points by heat pump
  (SDES, *enquête Logement 2020*, "Les énergies de chauffage des ménages en France
  métropolitaine", 2024): convectors 32.1 %, heat pumps 5.1 %.
* **GB**: 9 % of households in England and Wales have electric-only heating (ONS, Census 2021,
  "How homes are heated in your area", 2023), mostly night-storage heaters on an Economy 7
  meter; heat pumps about 1 % (*assumption*, Census "renewable only" is of that order).
  Modelled as 6 % storage heaters, 3 % direct panel heaters, 1 % heat pumps.
* **CH**: 20 % of households live in a building with a heat pump, 7 % of buildings are heated
  with electricity (FSO, Buildings and Dwellings Statistics 2024, press release 22.09.2025):
  heat pumps 20 %, direct electric 6 % (*assumption*: the building share, slightly reduced for
  households).

Hot water, share with an electric storage tank and share of those on an off-peak contactor:

* **FR**: about one household in two has an electric tank (over 15 million units, Gifam, quoted
  by Connaissance des Énergies; ADEME); 11 million households on a peak/off-peak
  (*heures creuses*) contract (Enedis/CRE, 2025), most of them with the tank on the contactor:
  tank 50 %, off-peak 75 % of tanks, 8-hour windows starting 21:30-23:00.
* **GB**: hot water mostly from gas combination boilers; electric immersion tanks in
  electrically heated homes and a few others: 12 % (*assumption*); about 4 million UK households
  have an Economy 7 meter (Ofgem-quoted figure): 60 % of the tanks off-peak, 7 hours from
  00:00-01:00.
* **CH**: electric boilers in about 33 % of buildings (2017 data, quoted by EnergieSchweiz's
  *Der typische Haushalt-Stromverbrauch*), used here as the household share: 33 %; switched
  by the utility's ripple control at the night tariff (*Niedertarif*, typically 22:00-06:00
  on weekdays, longer at weekends): 80 % of tanks night-switched (*assumption*, no federal
  statistic found).

Household size and dwelling (CH only; FR and GB draw the size from the household types of
:mod:`nilm.simulate.occupants`):

* **CH** household sizes 1/2/3/4/5+ people: 37/32/13/12/5 % (FSO, STATPOP 2022; mean 2.2);
  two thirds of households live in flats (EnergieSchweiz, citing FSO).
* **CH** unmetered base load: the METER fit (a UK population) times a multiplier per
  dwelling, 0.76 in a flat and 1.19 in a single-family house, fitted to the SFOE table of
  *typical* consumption (no electric water heating, heating or heat pump; J. Nipkow for the
  SFOE, *Typischer Haushalt-Stromverbrauch*, 2013): 1 person 2200 kWh/year in a flat and 2700
  in a house, 2 people 2750 / 3550, 4 people 3850 / 5200
  (:mod:`nilm.simulate.typical_consumption`, ``scripts/fit_ch_base_load.py``). ECO, the
  Swiss test house, played no part in it.

Smart (presence-following) thermostats: a stated population parameter, ``smart_share`` (default
10 % of electrically heated homes, *assumption*); the others run clock programmes or a constant
set point (:mod:`nilm.simulate.thermal`).

Holidays (household trips of 4+ nights): in France 64.5 % of people leave on holiday in a year,
2.2 stays each, 11.8 days on average, 57 % of holiday days in July-August (INSEE, *Les vacances
des Français depuis 40 ans*, 2004 survey). GB and CH use the same rates with their own school
holiday months (*assumption*). Short trips (1-3 nights): 3 per household-year (*assumption*; INSEE
counts 73 % of people making at least one personal trip a year).

Electric showers (instantaneous, 7.5-10.5 kW, fed from the cold main): common in the UK and rare
elsewhere (AMDEA, the UK appliance manufacturers' association); GB 17 %: the share of METER
development households (even idHousehold, 3 of 18) declaring a "power shower" (an upper bound:
some power showers are pumped mixers); FR and CH none.

Air conditioning: about a quarter of French households own one (ADEME, *La climatisation de
confort*, 2021: 25 % in 2020); GB 3 % and CH 5 % (*assumption*).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: the monthly normals of each preset, C (January..December)
_PARIS_C = (5.0, 5.5, 9.0, 12.0, 15.5, 19.0, 21.0, 21.0, 17.5, 13.5, 8.5, 5.5)
_OXFORD_C = (5.0, 5.5, 7.5, 10.0, 13.0, 16.0, 18.5, 18.0, 15.0, 11.5, 8.0, 5.5)
_ZURICH_C = (1.0, 2.0, 5.5, 9.5, 13.5, 17.0, 19.0, 18.5, 14.5, 10.5, 5.0, 2.0)


#: GB :attr:`Preset.other_loads_w`, W (fitted: scripts/fit_gb_base.py)
GB_OTHER_LOADS_W = -30.0
#: default :attr:`Preset.other_loads_w`, W (FR, CH: the fridge/freezer mean draw and standbys)
OTHER_LOADS_W = 45.0


@dataclass(frozen=True)
class Preset:
    """One country's population parameters (see the module docstring for every source).

    code, name : "FR" and a description. latitude, longitude : degrees. timezone : IANA.
    monthly_temp_c : 12 monthly mean outdoor temperatures, C. design_temp_c : heating design
        outdoor temperature, C (heat-pump sizing).
    heating_mix : {"convector" | "storage" | "heat_pump" | "none": share of households}.
    smart_share : share of electrically heated homes with a presence-following thermostat.
    water_heater_share, offpeak_share : electric tank, and off-peak contactor among tanks.
    offpeak_windows : off-peak windows (local start h, end h) a household draws from.
    ac_share : households with air conditioning.
    electric_shower_share : households whose showers are electric (instantaneous, 7.5-10.5 kW).
    ownership : {appliance: probability}, overriding :data:`nilm.simulate.household.OWNERSHIP_P`.
    holiday_takers : share of households taking 4+ night holidays in a year;
        holidays_per_year : their mean number; holiday_month_weight : relative daily departure
        rate per month (12); short_trips_per_year : 1-3 night trips of the whole household.
    household_size_share : shares of 1..5-person households (None: the household-type weights
        of :data:`nilm.simulate.occupants.HOUSEHOLD_TYPES` decide the size).
    dwelling_mix : {"flat" | "house": (share of households, multiplier of the unmetered base
        load)}; empty: no dwelling type drawn, base load as fitted on METER.
    kettle_boils : (median, sd of log) of a household's mean kettle boils per day, log-normal
        across households (:data:`GB_KETTLE_BOILS`); None: only the breakfast and afternoon-tea
        boils of the routines.
    cold_run_scale : running power of fridge and freezer compressors relative to the
        tracebase-based ranges of :func:`nilm.simulate.appliances.draw_device`, with runs
        lengthened to keep each device's mean draw (:func:`~nilm.simulate.appliances.
        rescale_compressor`); 1 for the tracebase devices.
    other_loads_w : W of the base-load rule's 5th percentile (:data:`nilm.simulate.household.
        BASE_LOAD_FIT`) taken as supplied by the loads the simulator runs itself (fridge and
        freezer draw, standbys); the always-on "other" load is the rest.
    """

    code: str
    name: str
    latitude: float
    longitude: float
    timezone: str
    monthly_temp_c: tuple
    design_temp_c: float
    heating_mix: dict
    smart_share: float
    water_heater_share: float
    offpeak_share: float
    offpeak_windows: tuple
    ac_share: float
    electric_shower_share: float = 0.0
    ownership: dict = field(default_factory=dict)
    holiday_takers: float = 0.645
    holidays_per_year: float = 2.2
    holiday_month_weight: tuple = (1, 1, 1, 1, 1, 1, 8, 8, 1, 1, 1, 1)
    short_trips_per_year: float = 3.0
    household_size_share: tuple | None = None
    dwelling_mix: dict = field(default_factory=dict)
    kettle_boils: tuple | None = None
    cold_run_scale: float = 1.0
    other_loads_w: float = OTHER_LOADS_W

    def daily_mean_c(self, doy: float) -> float:
        """Climatological daily mean temperature on day of year ``doy`` (1-366), C: linear
        between the monthly normals placed at mid-month, periodic over the year."""
        mid = np.array([15.5, 45, 74.5, 105, 135.5, 166, 196.5, 227.5, 258, 288.5, 319, 349.5])
        t = np.asarray(self.monthly_temp_c, dtype=np.float64)
        x = np.concatenate([mid - 365.25, mid, mid + 365.25])
        y = np.concatenate([t, t, t])
        return float(np.interp(doy, x, y))

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


#: GB kettle boils per household and day: log-normal across households with the median and sd
#: of log solved from the two shares of the Energy Saving Trust's survey of 86,000 British
#: homes ("At Home with Water", 2013): 95 % boil the kettle every day (read as: 5 % of
#: households average under one boil a day, ln 1 = ln m - 1.645 sd) and 40 % five times a day
#: or more (ln 5 = ln m + 0.253 sd), so sd = ln 5 / 1.898 = 0.848 and m = exp(1.645 sd) = 4.03
#: (mean 5.8 a day x 77 Wh = 160 kWh a year, the order of T. Baxter's estimate of 6 TWh a year
#: for British kettles, about 220 kWh per household, The Guardian, 9 Feb 2019)
GB_KETTLE_BOILS = (4.03, 0.848)

PRESETS: dict[str, Preset] = {
    "FR": Preset(
        code="FR", name="France (Paris climate, Linky population)", latitude=48.8566,
        longitude=2.3522, timezone="Europe/Paris", monthly_temp_c=_PARIS_C, design_temp_c=-5.0,
        heating_mix={"convector": 0.321, "heat_pump": 0.051, "storage": 0.0, "none": 0.628},
        smart_share=0.10, water_heater_share=0.50, offpeak_share=0.75,
        offpeak_windows=((22.0, 6.0), (22.5, 6.5), (23.0, 7.0), (21.5, 5.5)), ac_share=0.25,
        # July and August 8x the other months: 57 % of the days away fall in them (checked
        # by tests/test_simulate_presets.py, departures blocked while away)
        holiday_month_weight=(1, 1, 1, 1, 1, 1, 8, 8, 1, 1, 1, 1)),
    "GB": Preset(
        code="GB", name="Great Britain (Oxford climate; METER, UK-DALE)", latitude=51.752,
        longitude=-1.258, timezone="Europe/London", monthly_temp_c=_OXFORD_C,
        design_temp_c=-2.0,
        heating_mix={"convector": 0.03, "storage": 0.06, "heat_pump": 0.01, "none": 0.90},
        smart_share=0.10, water_heater_share=0.12, offpeak_share=0.60,
        offpeak_windows=((0.0, 7.0), (0.5, 7.5), (1.0, 8.0)), ac_share=0.03,
        electric_shower_share=0.17, kettle_boils=GB_KETTLE_BOILS,
        # fitted on the night-time 10-min steps of the METER development households
        # (scripts/fit_gb_cold.py: KS 0.22 at 1.0, 0.06 at 0.7): lower-power, longer runs
        cold_run_scale=0.7,
        # fitted on the 5th percentile of the METER development households' 10-min power
        # (scripts/fit_gb_base.py): with the lower compressor power above, the simulated 5th
        # percentile fell below the base-load rule it is drawn from
        other_loads_w=GB_OTHER_LOADS_W,
        # GB: kettles far more common, filter coffee makers and electric hobs less (gas hobs);
        # washing machine, tumble dryer (incl. washer-dryers) and electric hob from the METER
        # survey of the development households (even idHousehold, 18 households: 0.78 + 0.17
        # washer-dryers, 0.39 + 0.17, 0.44); the others orders of magnitude of the DECC/EST
        # Household Electricity Survey 2012 (assumption)
        ownership={"kettle": 0.97, "coffee_maker": 0.35, "tumble_dryer": 0.56, "hob": 0.44,
                   "washing_machine": 0.95, "oven": 0.7, "toaster": 0.8, "dishwasher": 0.5,
                   "freezer": 0.5, "iron": 0.8},
        # English school summer holidays: late July to early September
        holiday_month_weight=(1, 1, 1.5, 1.5, 1.5, 1, 3, 7, 1.5, 1.5, 1, 1.5)),
    "CH": Preset(
        code="CH", name="Switzerland (Zürich climate; ECO)", latitude=47.3769,
        longitude=8.5417, timezone="Europe/Zurich", monthly_temp_c=_ZURICH_C,
        design_temp_c=-8.0,
        heating_mix={"convector": 0.06, "heat_pump": 0.20, "storage": 0.0, "none": 0.74},
        smart_share=0.10, water_heater_share=0.33, offpeak_share=0.80,
        offpeak_windows=((22.0, 6.0), (21.0, 6.0), (20.0, 6.0)), ac_share=0.05,
        ownership={"dishwasher": 0.75, "kettle": 0.6, "tumble_dryer": 0.4, "coffee_maker": 0.85},
        # Swiss school summer holidays: July to mid-August
        holiday_month_weight=(1, 2, 1, 1.5, 1, 1, 7, 5, 1, 2, 1, 1.5),
        # FSO household sizes 2022 (1..5+ people)
        household_size_share=(0.37, 0.32, 0.13, 0.12, 0.05),
        # two thirds of households in flats (EnergieSchweiz); base multipliers fitted to the
        # SFOE typical-consumption table (scripts/fit_ch_base_load.py)
        dwelling_mix={"flat": (0.67, 0.76), "house": (0.33, 1.19)}),
}


def get_preset(code: str | Preset | None) -> Preset:
    """The preset named ``code`` (case-insensitive; None gives "FR")."""
    if isinstance(code, Preset):
        return code
    key = "FR" if code is None else str(code).upper()
    if key not in PRESETS:
        raise ValueError(f"unknown simulator preset {code!r}; choose one of "
                         f"{', '.join(PRESETS)}")
    return PRESETS[key]
