"""The study runner: cells, resume after SIGKILL, Dask with a worker killed mid-study."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

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
    assert a.seed(0) != b.seed(0) and a.seed(0) != a.seed(1)
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
