"""Simulator speed: simulated days at 1 s against a naive-numpy floor in the same run, and the
one-household-year run to disk.

Run: ``.venv/bin/python -m pytest benchmarks/bench_simulate.py --benchmark-only``. Both
benchmarks generate the same number of float32 1-s samples for the same channels of one fully
equipped household (every appliance, off-peak electric tank, electric heating):

* ``test_simulate_days`` runs the simulator for 3 days (in memory, no disk);
* ``test_reference_fill`` only draws Gaussian noise into the same arrays and sums them into a
  mains channel: the cost of touching the data once, which no simulator can beat.

``extra_info`` of the first holds ``ratio`` = simulate / reference (same run) and
``year_s_extrapolated`` (365 x the per-day time). The full year to disk (nilm-h5, Blosc-LZ4) is too
long for a benchmark loop; run it once with::

    .venv/bin/python benchmarks/bench_simulate.py --days 365

which prints the wall and CPU time (one process, one core: the CPU time is the figure to read on a
shared machine), the CPU time per simulated day, and the peak resident memory
(``resource.getrusage``; all data simulated). The evaluation population (200 households x 4
seasons of 7 days at 60 s, in memory, FR preset) is timed with::

    .venv/bin/python benchmarks/bench_simulate.py --population 200 --workers 2

Both print the machine's load average beside the timing.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import timeit

import numpy as np
import pytest

from nilm.simulate.clock import local_days
from nilm.simulate.household import APPLIANCES, HouseholdSimulator, draw_config

DAYS = 3


def full_household(seed: int = 0):
    cfg = draw_config(np.random.default_rng(seed), "bench",
                      ownership={a: True for a in APPLIANCES})
    return cfg


def run_days(cfg, days, seed=1):
    sim = HouseholdSimulator(cfg, seed)
    return [r.mains for r in sim.run(days)]


def reference_fill(n_channels: int, days) -> list[np.ndarray]:
    """Naive floor: one normal draw per sample and channel, summed into mains per day."""
    rng = np.random.default_rng(0)
    out = []
    for d in days:
        total = np.zeros(d.n_s, dtype=np.float64)
        for _ in range(n_channels):
            total += rng.standard_normal(d.n_s, dtype=np.float32)
        out.append(total.astype(np.float32))
    return out


@pytest.fixture(scope="module")
def setup():
    cfg = full_household()
    days = local_days("2024-01-08", DAYS, cfg.timezone)
    run_days(cfg, days[:1])  # compile the Numba kernel outside the timing
    return cfg, days


def test_reference_fill(benchmark, setup):
    cfg, days = setup
    n_ch = len(HouseholdSimulator(cfg, 0).channel_names)
    benchmark(reference_fill, n_ch, days)
    benchmark.extra_info.update({"days": DAYS, "channels": n_ch, "data": "simulated"})


def test_simulate_days(benchmark, setup):
    cfg, days = setup
    n_ch = len(HouseholdSimulator(cfg, 0).channel_names)
    ref = min(timeit.repeat(lambda: reference_fill(n_ch, days), number=1, repeat=3))
    benchmark(run_days, cfg, days)
    per_day = benchmark.stats.stats.min / DAYS
    benchmark.extra_info.update({
        "days": DAYS, "channels": n_ch, "data": "simulated",
        "reference_s": ref, "ratio": benchmark.stats.stats.min / ref,
        "per_day_s": per_day, "year_s_extrapolated": 365 * per_day})


def main(argv=None) -> None:
    """The year-long run to disk, measured once."""
    from nilm.simulate.write import simulate_to_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="folder (default: a temporary one, deleted)")
    ap.add_argument("--population", type=int, default=0,
                    help="time this many households x 4 seasons x 7 days at 60 s instead")
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args(argv)
    if a.population:
        population_run(a.population, a.workers, a.seed)
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = a.out or tmp
        every = {k: True for k in APPLIANCES}
        simulate_to_dir(out, 1, 1, a.seed)  # compile outside the timing
        t, cpu = time.perf_counter(), time.process_time()
        path = simulate_to_dir(out, 1, a.days, a.seed, 1, start="2024-01-01", ownership=every)
        wall = time.perf_counter() - t
        cpu = time.process_time() - cpu
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        import json

        house = json.loads(path.read_text())["houses"][0]
        import os

        print(f"load average {os.getloadavg()[0]:.1f}; "
              f"{a.days} days at 1 s, {len(house['mean_kwh_per_day'])} channels "
              f"({house['household_type']}, {house['occupants']} occupants): wall {wall:.1f} s, "
              f"CPU {cpu:.1f} s ({cpu / a.days * 1000:.0f} ms/day), peak RSS {peak_mb:.0f} MB, "
              f"{house['mean_kwh_per_day']['mains']:.1f} kWh/day (simulated)")


#: first days of the four 7-day seasons of the evaluation population
SEASONS = ("2024-01-08", "2024-04-08", "2024-07-08", "2024-10-07")


def _season_job(args) -> tuple[float, int]:
    from nilm.simulate.household import simulate_household
    from nilm.simulate.population import house_seeds

    seed, k, n, start = args
    t = time.process_time()
    simulate_household(7, seed=house_seeds(seed, n)[k], period=60, start=start)
    return time.process_time() - t, 7


def population_run(households: int, workers: int, seed: int) -> None:
    """Simulate ``households`` x 4 seasons x 7 days at 60 s (in memory) with ``workers``
    processes; print wall time, summed CPU time, CPU per household-day and the load."""
    import os
    from multiprocessing import Pool

    jobs = [(seed, k, households, s) for k in range(households) for s in SEASONS]
    _season_job((seed, 0, households, SEASONS[0]))  # compile outside the timing
    load0 = os.getloadavg()
    t = time.perf_counter()
    if workers > 1:
        with Pool(workers) as pool:
            res = pool.map(_season_job, jobs, chunksize=4)
    else:
        res = [_season_job(j) for j in jobs]
    wall = time.perf_counter() - t
    cpu = sum(r[0] for r in res)
    days = sum(r[1] for r in res)
    print(f"{households} households x {len(SEASONS)} seasons x 7 days at 60 s (simulated, FR): "
          f"wall {wall:.1f} s with {workers} workers, CPU {cpu:.1f} s "
          f"({cpu / days * 1000:.0f} ms per household-day), load average before "
          f"{load0[0]:.1f}, after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
