"""Writing a simulated population to disk and loading it back through nilm.load."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

import nilm
from nilm.cli import main
from nilm.simulate import simulate_household, simulate_to_dir
from nilm.truth import GroundTruth


@pytest.fixture(scope="module")
def popdir(tmp_path_factory):
    out = tmp_path_factory.mktemp("pop")
    simulate_to_dir(out, households=2, days=2, seed=5, period=10, start="2024-02-12")
    return out


def test_files_and_manifest(popdir):
    man = json.loads((popdir / "population.json").read_text())
    assert man["simulated"] is True and man["seed"] == 5 and man["period_s"] == 10
    assert [h["house"] for h in man["houses"]] == ["sim_000", "sim_001"]
    for h in man["houses"]:
        for key in ("file", "truth", "events"):
            assert (popdir / h[key]).is_file()
        assert 1 <= h["occupants"] <= 5
        assert h["config"]["ownership"]["fridge"] is True
        assert h["mean_kwh_per_day"]["mains"] > 0
    assert not list(popdir.glob("*.tmp"))
    # the simulator writes Blosc-LZ4 (HDF5 filter 32001), the fast filter nilmh5 offers
    with h5py.File(popdir / "sim_000.nilm.h5", "r") as g:
        assert "32001" in g["households/sim_000/channels/mains/p"]._filters


def test_loads_back_identical_to_in_memory(popdir):
    """House k on disk equals simulate_household with the population's k-th seed."""
    ss = np.random.SeedSequence(5).spawn(2)[1]
    mem = simulate_household(2, seed=ss, period=10, start="2024-02-12", house="sim_001")
    h = nilm.load(popdir / "sim_001.nilm.h5", cache=False)
    assert h.meta["simulated"] is True and h.meta["house"] == "sim_001"
    assert h.meta["dataset"] == "simulated"
    assert np.array_equal(h.mains.t, mem.household.mains.t)
    assert h.mains.p.tobytes() == mem.household.mains.p.tobytes()
    assert set(h.appliances) == set(mem.household.appliances)
    for k, s in mem.household.appliances.items():
        assert np.array_equal(h.appliances[k].p, s.p), k
    gt = GroundTruth.load(popdir / "sim_001.truth.npz")
    assert np.array_equal(gt.awake_person, mem.truth.awake_person)
    assert np.array_equal(gt.hot_water_l, mem.truth.hot_water_l)
    assert gt.occupants == mem.truth.occupants and gt.ownership == mem.truth.ownership


def test_event_log_matches(popdir):
    rows = (popdir / "sim_000.events.csv").read_text().splitlines()
    assert rows[0] == "appliance,start,end,timer"
    h = nilm.load(popdir / "sim_000.nilm.h5", cache=False)
    for r in rows[1:]:
        name, s, e, timer = r.split(",")
        assert name in h.appliances and int(e) > int(s) and timer in ("0", "1")


def test_nilm_simulate(tmp_path, capsys):
    assert main(["simulate", "--households", "1", "--days", "1", "--seed", "3", "--period",
                 "60", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "sim_000.nilm.h5").is_file()
    assert "population.json" in capsys.readouterr().out
    assert main(["simulate", "--days", "1"]) == 2           # --out is required
    assert "--out" in capsys.readouterr().err


def test_heating_stratum_is_exposed_for_the_study(popdir):
    # the headline study stratifies by electric heating (scripts/heating_strata.py): each house
    # carries it in population.json and in the loaded household's meta, agreeing with ownership
    man = json.loads((popdir / "population.json").read_text())
    for h in man["houses"]:
        heated = h["config"]["ownership"]["electric_heat"]
        assert (h["heating"] != "none") == heated
        assert h["heating"] == "none" or h["heating"].split("/")[0] in (
            "convector", "heat_pump", "storage")
        hh = nilm.load(popdir / h["file"])
        assert hh.meta["heating"] == h["heating"]
        # the report's stratum: resistive electric / heat pump / none
        assert h["heating_stratum"] == hh.meta["heating_stratum"] == (
            "none" if not heated else
            "heat_pump" if h["heating"].startswith("heat_pump/") else "electric")
        assert (h["config"]["heating"] or {}).get("kind", "none") == h["heating_stratum"]
    sim = simulate_household(1, seed=3, period=60, preset="GB")
    assert sim.household.meta["heating"] == (
        "none" if sim.config.heating is None
        else f"{sim.config.heating.emitter}/{sim.config.heating.control}")


def test_fr_population_draws_the_published_heating_strata():
    """The FR preset's heating strata follow SDES 2020 (electric without heat pump 32.1 %, heat
    pump 5.1 %, none 62.8 %): 3,000 drawn households within 4 binomial standard errors, and
    the headline's evaluation sources (seeds 101-105) hold every stratum."""
    from nilm.simulate.household import HEATING_STRATA, heating_stratum
    from nilm.simulate.population import population

    n = 3000
    counts = dict.fromkeys(HEATING_STRATA, 0)
    for cfg, _ in population(7, n, preset="FR"):
        counts[heating_stratum(cfg)] += 1
    for stratum, p in {"electric": 0.321, "heat_pump": 0.051, "none": 0.628}.items():
        assert abs(counts[stratum] / n - p) < 4 * (p * (1 - p) / n) ** 0.5, (stratum, counts)
    seen = {heating_stratum(cfg) for seed, k in [(101, 50), (102, 50), (103, 50), (104, 50)]
            for cfg, _ in population(seed, k, preset="FR")}
    assert seen == set(HEATING_STRATA)


def test_manifest_heating_kind_is_the_stratum(tmp_path):
    """population.json's config.heating.kind is the heating stratum (what the headline's strata
    table reads): forced electric heating draws convectors, so every house is "electric"."""
    simulate_to_dir(tmp_path, households=2, days=1, seed=1, period=600,
                    ownership={"electric_heat": True})
    for h in json.loads((tmp_path / "population.json").read_text())["houses"]:
        assert h["config"]["heating"]["emitter"] == "convector"
        assert h["config"]["heating"]["kind"] == h["heating_stratum"] == "electric"
