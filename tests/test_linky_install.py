"""A household installs nilm from the wheel (no clone, no make) and ``nilm linky`` runs: the
wheel built from this tree is installed into an empty folder, its ``nilm`` console script is
run from outside the repository on an Enedis export, and the report quotes the packaged
headline results (not "not measured yet") and names no full PRM. Offline: no build isolation,
no dependency download (the test environment already holds them)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import linky_files as lf

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_installs_and_nilm_linky_runs(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(ROOT)], check=True, cwd=tmp_path)
    (wheel,) = wheels.glob("nilm-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    # the results each finding quotes, their provenance and the French catalogue ship with it
    for name in ("nilm/results/headline.csv", "nilm/results/provenance.json",
                 "nilm/locale/fr/LC_MESSAGES/nilm.po"):
        assert name in names, name
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    "--target", str(site), str(wheel)], check=True, cwd=tmp_path)
    export = lf.horodate(tmp_path / f"Enedis_Conso_Heure_20241014-20241027_{lf.PRM}.csv",
                         lf.intervals("2024-10-14", [(30, 48 * 14)], seed=4))
    env = dict(os.environ, PYTHONPATH=str(site), NUMBA_NUM_THREADS="1")
    for var in ("NILM_HEADLINE", "NILM_REAL"):
        env.pop(var, None)
    done = subprocess.run([sys.executable, "-c", "import nilm, sys; print(nilm.__file__); "
                           "from nilm.cli import main; sys.exit(main(sys.argv[1:]))",
                           "linky", str(export), "--out", str(tmp_path / "out")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(str(site))  # the installed copy ran
    md = (tmp_path / "out" / "linky_report.md").read_text("utf-8")
    assert md.startswith("# Ce que révèlent vos données Linky")
    assert "headline.csv: dataset=" in md and "xxxxxxxxxx1234" in md
    assert lf.PRM not in md + done.stdout + done.stderr
    assert (site / "bin" / "nilm").exists()  # the console script pipx puts on PATH
