"""The study runner: cells, resume after SIGKILL, Dask with a worker killed mid-study; and the
fast paths of its hot spots against the slow computations they replaced."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nilm.study import Cell, Source, StudySpec, plan, run_study

SPEC_TOML = """
name = "tiny"
seed = 7
resolutions = ["native", "30min"]
inferences = ["occupancy", "routine", "hot_water"]
n_boot = 20

[[sources]]
name = "sim"
kind = "simulated"
households = {households}
days = 2
period = 300
seed = 3
"""


def _spec(households=2) -> StudySpec:
    return StudySpec(sources=[Source("sim", households=households, days=2, period=300, seed=3)],
                     name="tiny", seed=7, resolutions=["native", "30min"],
                     inferences=["occupancy", "routine", "hot_water"], n_boot=20)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    return run_study(_spec(), out, progress=False), out


def test_cells_and_seeds_are_run_order_free():
    a, b = Cell("s", "h", "10min", "routine", "changepoint"), Cell("s", "h", "30min", "routine",
                                                                   "changepoint")
    assert a.seed(0) == Cell("s", "h", "10min", "routine", "changepoint").seed(0)
    # common random numbers across the ladder, distinct otherwise
    assert a.seed(0) == b.seed(0) and a.seed(0) != a.seed(1)
    assert a.seed(0) != Cell("s", "h", "10min", "routine", "tuned").seed(0)
    assert a.seed(0) != Cell("s", "h2", "10min", "routine", "changepoint").seed(0)
    assert a.filename() != b.filename()


def test_study_results_are_tidy_and_labelled(reference):
    df, out = reference
    assert set(df.inference) == {"occupancy", "routine", "hot_water"}
    assert set(df.period_s) == {300, 1800}
    assert df.simulated.all()
    assert (out / "provenance.json").exists()
    again = pd.read_csv(out / "results.csv")
    assert len(again) == len(df)


def test_resume_recomputes_only_missing_cells(reference, tmp_path):
    df, ref_out = reference
    # a fresh run in a new folder, then delete two cells and rerun: only those are recomputed
    run_study(_spec(), tmp_path, progress=False)
    cells = sorted((tmp_path / "cells").glob("*.json"))
    mtimes = {p: p.stat().st_mtime_ns for p in cells}
    for p in cells[:2]:
        p.unlink()
    time.sleep(0.01)
    df2 = run_study(_spec(), tmp_path, progress=False)
    assert all((p.stat().st_mtime_ns == m) for p, m in mtimes.items() if p not in cells[:2])
    pd.testing.assert_frame_equal(df2, df)


@pytest.mark.slow
def test_sigkill_then_resume_gives_identical_results(reference, tmp_path):
    df, _ = reference
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML.format(households=2))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "nilm.cli", "study", str(spec), "--out", str(out),
           "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    n_total = sum(len(c) for c in plan(_spec(), _materialised(tmp_path)).values())
    deadline = time.time() + 120
    while time.time() < deadline:
        done = len(list((out / "cells").glob("*.json"))) if (out / "cells").exists() else 0
        if done >= 1:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((out / "cells").glob("*.json")))
    assert 1 <= done < n_total, "the kill should land mid-study"
    assert not (out / "results.csv").exists()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pd.testing.assert_frame_equal(pd.read_csv(out / "results.csv"),
                                  pd.read_csv(_ref_csv(reference)))


def _ref_csv(reference) -> Path:
    return reference[1] / "results.csv"


def _materialised(tmp_path) -> Path:
    from nilm.study import materialise

    d = tmp_path / "plan"
    materialise(_spec().sources[0], d)
    return d


@pytest.mark.slow
def test_dask_worker_killed_mid_study_changes_nothing(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    result = {}
    try:
        th = threading.Thread(target=lambda: result.update(
            df=run_study(_spec(), tmp_path, scheduler=cluster.scheduler_address,
                         progress=False)))
        th.start()
        deadline = time.time() + 180
        killed = False
        while time.time() < deadline and th.is_alive():
            if (tmp_path / "cells").exists() and any((tmp_path / "cells").glob("*.json")):
                pids = client.run(os.getpid)
                os.kill(pids[sorted(pids)[0]], signal.SIGKILL)
                killed = True
                break
            time.sleep(0.05)
        th.join(300)
        assert killed, "no worker was killed mid-study"
    finally:
        client.close()
        cluster.close()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "results.csv"),
                                  pd.read_csv(_ref_csv(reference)))


def _population_spec() -> StudySpec:
    """Three houses (each job trains on the others) and the population's occupant job."""
    return StudySpec(sources=[Source("sim", households=3, days=2, period=300, seed=3)],
                     name="tiny3", seed=7, resolutions=["native", "30min"],
                     inferences=["occupancy", "occupants"], n_boot=20)


def test_population_jobs_are_scheduled_first():
    from nilm.study import schedule_order

    jobs = [(("a", "h1"), [1]), (("a", "*"), [2]), (("b", "h2"), [3]), (("b", "*"), [4]),
            (("a", "h3"), [5])]
    assert schedule_order(jobs) == [jobs[1], jobs[3], jobs[0], jobs[2], jobs[4]]


@pytest.mark.slow
def test_dask_and_process_pools_write_byte_identical_results(tmp_path):
    pytest.importorskip("distributed")
    runs = {"one process": {"workers": 1}, "two processes": {"workers": 2},
            "dask, two workers": {"workers": 2, "scheduler": "local"}}
    csv = {}
    for name, kw in runs.items():
        out = tmp_path / name.replace(" ", "_").replace(",", "")
        run_study(_population_spec(), out, progress=False, **kw)
        csv[name] = (out / "results.csv").read_bytes()
    assert b"occupants" in csv["one process"]
    for name in runs:
        assert csv[name] == csv["one process"], f"{name} differs from one process"


# ----------------------------------------------------------------------------- speed-ups
# The study's hot spots were sped up in shared helpers; each fast path is checked here against
# the slow, obviously-correct computation it replaced (bit-identical where it is exact).


def _local_clock_pandas(t, tz):
    """The former local_clock: every timestamp through pandas' time-zone conversion."""
    t = np.asarray(t, dtype=np.int64)
    idx = pd.to_datetime(t, unit="s", utc=True).tz_convert(tz).tz_localize(None)
    wall = ((idx - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).to_numpy().astype(np.int64)
    return wall // 86400, (wall % 86400).astype(np.float64)


@pytest.mark.parametrize("tz", ["Europe/Paris", "Australia/Lord_Howe", "America/St_Johns",
                                "Asia/Kolkata", "UTC"])
def test_local_clock_table_equals_pandas(tz):
    from nilm.privacy.scores import local_clock

    rng = np.random.default_rng(0)
    spread = np.sort(rng.integers(1_200_000_000, 1_900_000_000, 5000))
    # every second of two hours around the 2024 spring and autumn changes in each hemisphere
    near = np.concatenate([np.arange(c - 5400, c + 5400) for c in
                           (1711846800, 1729990800, 1712440800, 1727539200)])
    for t in (spread, near, spread[:1], np.array([0, 2**31 + 7])):
        day, sod = local_clock(t, tz)
        rday, rsod = _local_clock_pandas(t, tz)
        np.testing.assert_array_equal(day, rday)
        np.testing.assert_array_equal(sod, rsod)
    day, sod = local_clock(np.zeros(0, np.int64), tz)
    assert day.size == 0 and sod.size == 0


def _ratio_ci_loop(num, den, seed, n_boot=1000):
    """The former ratio_ci: metrics.bootstrap_ci's per-replicate loop on a custom ratio."""
    from nilm import metrics

    def _ratio(a, b):
        s = float(np.sum(b))
        return float(np.sum(a)) / s if s > 0 else float("nan")

    return metrics.bootstrap_ci(_ratio, num, den, 86400, n_boot=n_boot, seed=seed,
                                block_s=86400)


@pytest.mark.parametrize("n", [1, 2, 3, 9, 14, 130, 365])
def test_ratio_ci_equals_the_bootstrap_loop_bit_for_bit(n):
    from nilm.privacy.scores import ratio_ci

    rng = np.random.default_rng(n)
    cases = [(rng.random(n) * 10 ** rng.uniform(-3, 4, n), rng.integers(0, 4, n) + 0.0),
             (rng.random(n), np.ones(n))]
    num, den = rng.random(n), (rng.random(n) < 0.3).astype(float)  # many empty days
    cases.append((num, den))
    if n > 2:
        num = rng.random(n)
        num[1] = np.nan  # a NaN day poisons the replicates that draw it
        cases.append((num, np.ones(n)))
    for num, den in cases:
        if den.sum() <= 0:
            continue
        for seed in (0, 12345):
            got = np.array(ratio_ci(num, den, seed=seed))
            ref = np.array(_ratio_ci_loop(num, den, seed))
            np.testing.assert_array_equal(got, ref)


def _coarsen_naive(x, k, min_coverage=0.5):
    out = []
    for i in range(0, len(x), k):
        block = [float(v) for v in x[i:i + k]]
        good = [v for v in block if np.isfinite(v)]
        ok = good and len(good) >= min_coverage * len(block)
        out.append(sum(good) / len(good) if ok else np.nan)
    return np.array(out)


@pytest.mark.parametrize("n,k", [(0, 6), (1, 6), (5, 6), (60, 6), (61, 30), (1000, 60),
                                 (7, 1)])
def test_coarsen_equals_naive_block_means(n, k):
    from nilm.privacy.scores import coarsen
    from nilm.series import Grid

    rng = np.random.default_rng(n + k)
    mains = rng.uniform(0, 3000, n).astype(np.float32)
    apps = rng.uniform(0, 100, (2, n)).astype(np.float32)
    if n:
        mains[rng.random(n) < 0.3] = np.nan  # scattered gaps
        mains[: min(n, 2 * k)] = np.nan  # whole NaN blocks
        apps[0, -min(n, k // 2 + 1):] = np.nan  # a short, mostly missing tail
        apps[1] = 500.0  # a constant run
    g = Grid(1_700_000_000, 10, mains, apps, ["a", "b"])
    c = coarsen(g, k)
    assert c.period == 10 * max(k, 1) if k > 1 else c is g
    np.testing.assert_allclose(c.mains, _coarsen_naive(mains, k), rtol=1e-6, equal_nan=True)
    for i in range(2):
        np.testing.assert_allclose(c.appliances[i], _coarsen_naive(apps[i], k), rtol=1e-6,
                                   equal_nan=True)


def test_learned_attacks_read_minute_blocks_of_a_fine_grid():
    """At 10 s the direct detector and the supervised occupancy attack decide per minute, and
    decide exactly what they decide on the minute block means."""
    from nilm.privacy.appliances import DirectDetector
    from nilm.privacy.occupancy import occupancy_supervised
    from nilm.privacy.scores import coarsen, temporal_split
    from tests.synthetic import synthetic_household

    household, truth = synthetic_household(days=4, seed=5)
    grid = household.to_grid(10)
    tz = truth.timezone
    train, test = temporal_split(grid, tz)
    names = ["kettle", "fridge"]
    fine = DirectDetector(names=names, seed=3).fit([(train, truth)]).predict(test, tz)
    coarse = DirectDetector(names=names, seed=3).fit([(coarsen(train, 6), truth)]).predict(
        coarsen(test, 6), tz)
    for n in names:
        assert fine[n].shape == (len(test),)
        np.testing.assert_array_equal(fine[n], np.repeat(coarse[n], 6)[: len(test)])
    assert any(fine[n].any() for n in names), "the detector should find some activity"
    occ = occupancy_supervised([(train, truth)], test, tz, seed=3)
    occ_c = occupancy_supervised([(coarsen(train, 6), truth)], coarsen(test, 6), tz, seed=3)
    expect = np.repeat(occ_c, 6)[: len(test)]
    expect[~np.isfinite(test.mains)] = np.nan
    np.testing.assert_array_equal(occ, expect)


def test_precomputed_true_events_change_nothing():
    from nilm.privacy.appliances import score_appliances, true_activity
    from tests.synthetic import synthetic_household

    household, truth = synthetic_household(days=4, seed=6)
    grid = household.to_grid(600)
    names = ["kettle", "fridge", "tv"]
    plain = score_appliances(grid, truth, 600, method="direct", seed=1, native=household,
                             names=names)
    events = {n: true_activity(household.appliances[n], n) for n in names}
    fast = score_appliances(grid, truth, 600, method="direct", seed=1, native=household,
                            names=names, true_events=events)
    assert plain
    pd.testing.assert_frame_equal(pd.DataFrame(plain), pd.DataFrame(fast))


def test_disaggregator_attack_without_fittable_training_days_says_not_used():
    """Two days at a 1-day period leave one training interval: no crash, no false uses."""
    from nilm.privacy import ATTACKS
    from nilm.series import Grid

    train = Grid(1_700_000_000, 86400, [900.0], [[100.0], [800.0]], ["fridge", "kettle"])
    test = Grid(1_700_086_400, 86400, [950.0], [[100.0], [850.0]], ["fridge", "kettle"])
    attack = ATTACKS["appliances.co"](names=["fridge", "kettle"], seed=0)
    out = attack.fit([(train, None)]).predict(test, "Europe/Paris")
    assert set(out) == {"fridge", "kettle"}
    assert not any(a.any() for a in out.values())


def _event_day_stats_add_at(t_true, t_pred, days, tz, tol):
    """The former per-day event counts, by np.add.at."""
    from nilm import metrics
    from nilm.privacy.appliances import _day_index

    t_true, t_pred = np.sort(t_true), np.sort(t_pred)
    m = metrics.match_events(t_true, t_pred, float(tol))
    num, den = np.zeros(len(days)), np.zeros(len(days))
    kt, kp = _day_index(t_true, days, tz), _day_index(t_pred, days, tz)
    np.add.at(num, kt[(kt >= 0) & m], 2.0)
    np.add.at(den, kt[kt >= 0], 1.0)
    np.add.at(den, kp[kp >= 0], 1.0)
    return num, den


@pytest.mark.parametrize("n_true,n_pred", [(0, 0), (1, 0), (0, 5), (40, 3000), (500, 20)])
def test_event_day_stats_by_bincount_equal_add_at(n_true, n_pred):
    from nilm.privacy.appliances import _event_day_stats
    from nilm.privacy.scores import local_clock

    rng = np.random.default_rng(n_true + n_pred)
    t0 = 1_711_500_000  # spans the 2024 spring change in Paris
    t_true = rng.uniform(t0, t0 + 6 * 86400, n_true)
    t_pred = np.concatenate([t_true[: n_true // 2] + rng.normal(0, 50, n_true // 2),
                             rng.uniform(t0 - 86400, t0 + 8 * 86400, n_pred)])
    days = np.unique(local_clock(np.arange(t0, t0 + 6 * 86400, 3600), "Europe/Paris")[0])
    for tol in (0.5, 60.0, 1800.0):
        got = _event_day_stats(t_true, t_pred, days, "Europe/Paris", tol)
        ref = _event_day_stats_add_at(t_true, t_pred, days, "Europe/Paris", tol)
        for a, b in zip(got, ref, strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("households", [2, 3])
@pytest.mark.slow
def test_population_job_scores_what_the_scorer_scores_on_all_grids(tmp_path, households):
    """The occupant job loads only what the scorer reads; its rows are the scorer's own on every
    household's grid (3 households: scored; 2: the scorer abstains, nothing is loaded)."""
    from nilm.privacy import score_occupants_population
    from nilm.study import load_house

    spec = StudySpec(sources=[Source("sim", households=households, days=2, period=300, seed=3)],
                     seed=7, resolutions=["native", "30min"], inferences=["occupants"],
                     n_boot=20)
    df = run_study(spec, tmp_path, progress=False)
    jobs = plan(spec, tmp_path)
    houses = [f.name[: -len(".nilm.h5")] for f in sorted((tmp_path / "data" / "sim")
                                                          .glob("*.nilm.h5"))]
    pairs = [load_house(spec.sources[0], h, tmp_path) for h in houses]
    assert len(pairs) == households
    for cell in jobs[("sim", "*")]:
        period = 300 if cell.resolution == "native" else 1800
        rows = score_occupants_population([h.to_grid(period) for h, _ in pairs],
                                          [t for _, t in pairs], period, method=cell.method,
                                          seed=cell.seed(7), n_boot=20)
        got = df[(df.period_s == period) & (df.method == cell.method)].sort_values("metric")
        want = pd.DataFrame(rows).sort_values("metric")
        assert len(got) == len(want) > 0
        np.testing.assert_allclose(got.value.to_numpy(), want.value.to_numpy(), equal_nan=True)
        np.testing.assert_array_equal(got.n.to_numpy(), want.n.to_numpy())
        assert (got.dataset == "simulated").all() and got.simulated.all()
        if households < 3:
            assert got.value.isna().all()


def test_simulated_population_trains_on_the_other_households(tmp_path):
    spec = StudySpec(sources=[Source("sim", households=3, days=2, period=300, seed=3)],
                     seed=7, resolutions=["30min"], inferences=["occupancy"], n_boot=20)
    df = run_study(spec, tmp_path / "others", progress=False)
    assert set(df.split) == {"households"}
    spec.train_on_others = False
    own = run_study(spec, tmp_path / "own", progress=False)
    assert set(own.split) == {"temporal_half"}


@pytest.mark.slow
def test_one_house_split_across_two_workers_gives_the_same_table(tmp_path):
    """With more workers than houses, a house's job is cut by resolution (split_jobs); the
    parts, each fitting the learned attacks again, give the table of one in-process job —
    including the fine rung, whose direct detector reads the house's 1-min grid."""
    from nilm.study import split_jobs

    spec = StudySpec(sources=[Source("sim", households=1, days=2, period=10, seed=3)],
                     seed=7, resolutions=["native", "1min", "10min"],
                     inferences=["appliances", "occupancy"],
                     methods={"appliances": ["direct", "co"], "occupancy": ["supervised"]},
                     n_boot=20)
    one = run_study(spec, tmp_path / "one", progress=False)
    jobs = plan(spec, tmp_path / "one")
    parts = split_jobs(jobs, 2)
    house = [cells for (s, h), cells in parts if h != "*"]
    assert [sorted({c.resolution for c in cells}) for cells in house] == [
        ["native"], ["10min", "1min"]]
    assert split_jobs(jobs, 1) == list(jobs.items())
    two = run_study(spec, tmp_path / "two", workers=2, progress=False)
    pd.testing.assert_frame_equal(one, two)
    assert set(one.resolution) == {"native", "1min", "10min"}
    fine = one[(one.resolution == "native") & (one.method == "direct")]
    assert len(fine) and fine.value.notna().any()


def test_training_houses_are_bounded_and_cyclic():
    from nilm.study import training_houses

    hs = [f"h{i}" for i in range(6)]
    assert training_houses(hs, "h2", 5) == ["h0", "h1", "h3", "h4", "h5"]  # every other one
    assert training_houses(hs, "h4", 2) == ["h0", "h5"]  # the two after h4, wrapping
    assert training_houses(hs, "h0", 2) == ["h1", "h2"]
    # each house trains exactly k others: the load per job does not grow with the population
    counts = {h: 0 for h in hs}
    for h in hs:
        for o in training_houses(hs, h, 3):
            assert o != h
            counts[o] += 1
    assert set(counts.values()) == {3}


def test_cells_stored_under_other_settings_are_recomputed(reference, tmp_path):
    """A cell store reused with another study seed (or other nilm code:
    tests/test_study_fingerprint.py) is not trusted: every cell is recomputed, giving a fresh
    run's table."""
    import shutil

    df, out = reference
    shutil.copytree(out, tmp_path / "reused")
    spec = _spec()
    spec.seed = 8
    again = run_study(spec, tmp_path / "reused", progress=False)
    fresh = run_study(spec, tmp_path / "fresh", progress=False)
    pd.testing.assert_frame_equal(again, fresh)
    assert set(again.seed) != set(df.seed)


def test_a_scorer_called_directly_gives_the_study_numbers(tmp_path):
    """The Jupyter path: each scorer called on the household, its training households and
    (for the learned attacks at 1 min and finer) their 1-min grids, with the cell's seed,
    gives exactly the study's rows — the study passes the same inputs explicitly and only
    shares fits and calendars that are the same objects."""
    from nilm.privacy import INFERENCES
    from nilm.privacy.appliances import appliance_targets
    from nilm.study import (
        fingerprint,
        house_ids,
        load_house,
        materialise,
        read_cell,
        run_house_job,
        training_houses,
    )

    spec = StudySpec(sources=[Source("sim", households=3, days=2, period=10, seed=3)],
                     seed=7, resolutions=["native", "1min", "10min"],
                     inferences=["occupancy", "routine", "appliances", "hot_water"],
                     methods={"occupancy": ["supervised", "unsupervised"],
                              "appliances": ["direct", "co"], "routine": ["changepoint"]},
                     n_boot=20)
    source = spec.sources[0]
    materialise(source, tmp_path)
    houses = house_ids(source, tmp_path)
    house = houses[0]
    # the study's job of this house alone (the others' jobs would only be thrown away)
    cells = plan(spec, tmp_path)[("sim", house)]
    assert run_house_job(spec.to_dict(), str(tmp_path), "sim", house, cells) == len(cells)
    fp = fingerprint(spec, "sim")
    h, truth = load_house(source, house, tmp_path)
    others = [load_house(source, o, tmp_path)
              for o in training_houses(houses, house, spec.max_train_households)]
    checked = 0
    for cell in cells:
        period = {"native": 10, "1min": 60, "10min": 600}[cell.resolution]
        grid = h.to_grid(period)
        kw = {"train": [(o.to_grid(period), t) for o, t in others]}
        if cell.inference in ("occupancy", "appliances") and period <= 60:
            kw["features"] = (h.to_grid(60), [(o.to_grid(60), t) for o, t in others])
        if cell.inference == "appliances":
            kw["names"] = appliance_targets(grid, cell.method)
        rows = pd.DataFrame(INFERENCES[cell.inference](h, truth, period, method=cell.method,
                                                       seed=cell.seed(spec.seed), **kw))
        got = pd.DataFrame(read_cell(tmp_path, cell, fp)["rows"])
        assert set(got.period_s) == {period} and set(got.house) == {house}
        keys = ["target", "metric"]
        got = got.sort_values(keys).reset_index(drop=True)
        rows = rows.sort_values(keys).reset_index(drop=True)
        assert len(got) == len(rows) > 0, cell
        for col in ("target", "metric", "split", "n"):
            assert got[col].tolist() == rows[col].tolist(), (cell, col)
        for col in ("value", "ci_low", "ci_high", "prior", "skill", "floor"):
            np.testing.assert_array_equal(got[col].to_numpy(float), rows[col].to_numpy(float),
                                          err_msg=f"{cell} {col}")
        checked += 1
    assert checked == 3 * (2 + 1 + 2 + 1)
