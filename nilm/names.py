"""Canonical appliance names and the mapping from each dataset's labels (typos included).

Canonical names are lower-case snake_case. Unknown labels map to themselves, normalised
(lower case, spaces and dashes to ``_``), so nothing is lost; :func:`canonical` says whether the
label was recognised.
"""

from __future__ import annotations

import re

#: the canonical vocabulary, with the kind of load it is (used by the simulator and privacy
#: inferences: "user" loads need someone at home and awake, "auto" loads run by themselves)
CANONICAL: dict[str, str] = {
    "mains": "aggregate",
    "fridge": "auto", "freezer": "auto", "fridge_freezer": "auto",
    "kettle": "user", "coffee_maker": "user", "toaster": "user", "microwave": "user",
    "oven": "user", "cooker": "user", "hob": "user", "rice_cooker": "user", "bread_maker": "user",
    "washing_machine": "user", "dishwasher": "user", "washer_dryer": "user",
    "tumble_dryer": "user", "iron": "user", "vacuum_cleaner": "user", "hair_dryer": "user",
    "water_heater": "auto", "electric_heat": "auto", "heat_pump": "auto",
    "air_conditioning": "auto",
    "furnace": "auto", "boiler": "auto", "pump": "auto", "solar_thermal": "auto",
    "lighting": "user", "tv": "user", "computer": "user", "laptop": "user", "monitor": "user",
    "audio": "user", "games_console": "user", "projector": "user", "printer": "user",
    "set_top_box": "user", "router": "auto", "network": "auto", "disposal": "user",
    "sockets": "mixed", "kitchen_sockets": "mixed", "bathroom_sockets": "mixed",
    "outdoor_sockets": "mixed", "electronics": "mixed", "subpanel": "mixed", "kitchen": "mixed",
    "laundry": "mixed", "other": "mixed", "treadmill": "user", "alarm_clock": "auto",
    "usb_hub": "auto", "external_drive": "auto", "bread_cutter": "user", "christmas_lights": "user",
    # hot-water uses recorded by time-use diaries (METER): an electric shower is an appliance,
    # other showers and baths draw on the hot-water system
    "shower": "user", "bath": "user",
}

# dataset label (normalised) -> canonical. Normalisation: lower case, non-alphanumerics -> "_".
_ALIASES: dict[str, str] = {
    # REDD (typos kept as REDD spells them)
    "refrigerator": "fridge", "furance": "furnace", "dishwaser": "dishwasher",
    "outlets_unknown": "sockets", "outlets_nonkitchen": "sockets",
    "kitchen_outlets": "kitchen_sockets",
    "outdoor_outlets": "outdoor_sockets", "bathroom_gfi": "bathroom_sockets",
    "electric_heat": "electric_heat", "stove": "cooker", "electric_stove": "cooker",
    "miscellaeneous": "other", "miscellaneous": "other", "smoke_alarms": "other",
    "air_conditioning": "air_conditioning", "electronics": "electronics", "disposal": "disposal",
    "subpanel": "subpanel", "washer_dryer": "washer_dryer", "lighting": "lighting",
    "microwave": "microwave", "oven": "oven", "dryer": "tumble_dryer",
    # UK-DALE
    "aggregate": "mains", "kettle": "kettle", "toaster": "toaster", "fridge": "fridge",
    "freezer": "freezer", "fridge_freezer": "fridge_freezer", "washing_machine": "washing_machine",
    "dish_washer": "dishwasher", "dishwasher": "dishwasher", "tv": "tv", "htpc": "computer",
    "laptop": "laptop", "laptop_computer": "laptop", "computer": "computer", "desktop": "computer",
    "pc": "computer", "office_pc": "computer", "lcd_office": "monitor",
    "computer_monitor": "monitor",
    "hifi_office": "audio", "amp_livingroom": "audio", "active_speaker": "audio",
    "adsl_router": "router", "broadband_router": "router", "modem": "router",
    "coffee": "coffee_maker", "coffee_maker": "coffee_maker", "breadmaker": "bread_maker",
    "bread_maker": "bread_maker", "boiler": "boiler", "solar_thermal_pump": "solar_thermal",
    "solar": "solar_thermal",  # UK-DALE house 1 logger labels (ch 3, solar_thermal_pump later)
    # NILMTK appliance types (nilm_metadata), as found in NILMTK HDF5 metadata
    "light": "lighting", "television": "tv",
    "kitchen_lights": "lighting", "lighting_circuit": "lighting", "running_machine": "treadmill",
    "rice_cooker": "rice_cooker", "cooker": "cooker", "games_console": "games_console",
    "external_hard_disk": "external_drive", "vacuum_cleaner": "vacuum_cleaner", "iron": "iron",
    "hoover": "vacuum_cleaner", "hair_dryer": "hair_dryer", "tumble_dryer": "tumble_dryer",
    "electric_furnace": "furnace", "waste_disposal_unit": "disposal", "ce_appliance": "electronics",
    "unknown": "other", "smoke_alarm": "other",
    "solar_thermal_pumping_station": "solar_thermal",  # air_conditioner, audio_system: below
    "audio_amplifier": "audio", "active_subwoofer": "audio", "radio": "audio",
    "desktop_computer": "computer", "clothes_iron": "iron", "dvd_player": "set_top_box",
    "ethernet_switch": "network", "water_pump": "pump",
    "microwave_oven": "microwave", "electric_oven": "oven", "hob": "hob", "immersion_heater":
    "water_heater", "water_heater": "water_heater", "electric_space_heater": "electric_heat",
    # UCI Sceaux sub-meters
    "sub_metering_1": "kitchen", "sub_metering_2": "laundry", "sub_metering_3": "water_heater",
    # AMPds codes
    "whe": "mains", "b1e": "sockets", "b2e": "sockets", "bme": "sockets", "cde": "tumble_dryer",
    "cwe": "washing_machine", "dne": "sockets", "dwe": "dishwasher", "ebe": "electronics",
    "eqe": "network", "fge": "fridge", "fre": "furnace", "gre": "sockets", "hpe": "heat_pump",
    "hte": "water_heater", "ofe": "computer", "oue": "outdoor_sockets", "tve": "tv",
    "ute": "sockets", "woe": "oven", "rse": "other",
    # tracebase folders
    "alarmclock": "alarm_clock", "amplifier": "audio", "breadcutter": "bread_cutter",
    "coffeemaker": "coffee_maker", "cookingstove": "cooker", "digitaltvreceiver": "set_top_box",
    "dvdplayer": "set_top_box", "ethernetswitch": "network", "lamp": "lighting",
    "laundrydryer": "tumble_dryer", "microwaveoven": "microwave", "monitor_crt": "monitor",
    "monitor_tft": "monitor", "multimediacenter": "computer", "pc_desktop": "computer",
    "pc_laptop": "laptop", "playstation3": "games_console", "printer": "printer",
    "projector": "projector", "videoprojector": "projector", "router": "router",
    "solarthermalsystem": "solar_thermal", "subwoofer": "audio", "tv_crt": "tv", "tv_lcd": "tv",
    "usbharddrive": "external_drive", "usbhub": "usb_hub", "vacuumcleaner": "vacuum_cleaner",
    "washingmachine": "washing_machine", "waterboiler": "pump", "waterkettle": "kettle",
    "xmaslights": "christmas_lights",
    # METER household survey (legend.csv question texts) and diary labels; ECO plug names
    "gas_boiler": "boiler", "electric_hob": "hob", "induction_hob": "hob",
    "air_conditioner": "air_conditioning", "portable_heaters": "electric_heat",
    "night_storage_heaters": "electric_heat", "coffee_machine": "coffee_maker",
    "audio_system": "audio", "stereo": "audio",
}


def normalise(label: str) -> str:
    """Lower case, runs of non-alphanumerics to a single ``_``, no leading/trailing ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", label.strip().lower()).strip("_")


def canonical(label: str) -> tuple[str, bool]:
    """(canonical name, recognised?) for a dataset label. Unknown labels come back normalised."""
    key = normalise(label)
    if key in _ALIASES:
        return _ALIASES[key], True
    if key in CANONICAL:
        return key, True
    return key, False


def appliance_name(app: dict) -> str:
    """Canonical name of one NILMTK metadata appliance (``{"type", "original_name", ...}``): its
    ``original_name`` when recognised (the dataset's own label, so raw and HDF5 loads agree),
    else its NILMTK ``type``, else the normalised original name."""
    orig, typ = app.get("original_name"), app.get("type")
    if orig and canonical(str(orig))[1]:
        return canonical(str(orig))[0]
    if typ:
        return canonical(str(typ))[0]
    return canonical(str(orig))[0] if orig else "other"


def meter_name(apps: list[dict], fallback: str) -> tuple[str, str, list[str]]:
    """(name, label, NILMTK types) of a meter carrying the appliances ``apps`` (NILMTK
    metadata). With several appliances on one meter the name is that of the one marked
    ``dominant_appliance``, else of the first listed (UK-DALE house 1 meter 10: ``kettle``, not
    ``kettle_food_processor_toasted_sandwich_maker``); the label lists them all. No appliance:
    ``(fallback, fallback, [])``."""
    if not apps:
        return fallback, fallback, []
    pick = next((a for a in apps if a.get("dominant_appliance")), apps[0])
    seen: list[str] = []
    for a in apps:
        lab = str(a.get("original_name") or a.get("type") or "")
        if lab and lab not in seen:
            seen.append(lab)
    types = [str(a["type"]) for a in apps if a.get("type")]
    return appliance_name(pick), "/".join(seen) or fallback, types


def unique_names(names: list[str]) -> list[str]:
    """Make repeated canonical names unique: ``lighting, lighting_2, lighting_3`` (in order)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def base_name(name: str) -> str:
    """``lighting_3`` -> ``lighting`` (inverse of :func:`unique_names` numbering)."""
    m = re.fullmatch(r"(.+)_(\d+)", name)
    return m.group(1) if m and m.group(1) in CANONICAL else name


def load_kind(name: str) -> str:
    """"user", "auto", "mixed" or "aggregate" for a canonical (possibly numbered) name."""
    return CANONICAL.get(base_name(name), "mixed")


# --------------------------------------------------------------------------------------------
# on-power thresholds and minimum on-durations: what "active" means for each appliance

#: ``name -> (on_power W, min_on_duration s)``. The five seq2point appliances use the on-power of
#: Zhang et al. (2018) and the minimum on-duration of Kelly & Knottenbelt (2015, table 1). The
#: other entries are this library's choices, set from typical nameplate power: a threshold well
#: above standby and well below the running power, and a duration of one typical short use.
ON_THRESHOLDS: dict[str, tuple[float, float]] = {
    # Zhang et al. 2018 on-power; Kelly & Knottenbelt 2015 min on-duration
    "kettle": (2000.0, 12.0),
    "microwave": (200.0, 12.0),
    "fridge": (50.0, 60.0),
    "dishwasher": (10.0, 1800.0),
    "washing_machine": (20.0, 1800.0),
    # nilm's choices
    "freezer": (50.0, 60.0),
    "fridge_freezer": (50.0, 60.0),
    "washer_dryer": (20.0, 1800.0),
    "tumble_dryer": (200.0, 600.0),
    "toaster": (300.0, 30.0),
    "coffee_maker": (300.0, 30.0),
    "oven": (300.0, 300.0),
    "cooker": (300.0, 300.0),
    "hob": (300.0, 120.0),
    "rice_cooker": (200.0, 300.0),
    "bread_maker": (100.0, 600.0),
    "iron": (300.0, 60.0),
    "vacuum_cleaner": (300.0, 60.0),
    "hair_dryer": (300.0, 60.0),
    "water_heater": (500.0, 300.0),
    "electric_heat": (500.0, 300.0),
    "heat_pump": (200.0, 300.0),
    "air_conditioning": (200.0, 300.0),
    "boiler": (50.0, 300.0),
    "furnace": (50.0, 300.0),
    "lighting": (20.0, 60.0),
    "tv": (20.0, 300.0),
    "computer": (20.0, 300.0),
    "kitchen": (100.0, 60.0),
    "laundry": (100.0, 60.0),
}

#: fallback for names absent from :data:`ON_THRESHOLDS` (W, s)
DEFAULT_ON_THRESHOLD: tuple[float, float] = (10.0, 60.0)
