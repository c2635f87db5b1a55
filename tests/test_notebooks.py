"""The tutorial notebooks run end to end, from the repository root and from notebooks/, on real
data when ``../shared/data`` is present and on simulated data otherwise; and the committed
``.ipynb`` files are exactly what ``scripts/make_notebooks.py`` writes (no outputs, no drift).

Each notebook is executed by nbclient in a fresh ``python3`` kernel (the virtualenv's, since
jupyter_client starts ``python`` kernels with ``sys.executable``); any cell error fails the test
with the cell's traceback. Execution times: ``pytest --durations=0`` (and, as ``seconds``,
the junit-xml user properties).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: per-notebook limits, s: about twice the time measured on a shared 2-core machine
TIMEOUT_S = 180


def _generator():
    from tests.scripts import load_script

    return load_script("make_notebooks")


def execute(name: str, cwd: Path, env: dict[str, str], tmp_path: Path, monkeypatch):
    """Run ``notebooks/<name>`` in ``cwd`` with extra environment; returns (notebook, seconds)."""
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("NILM_NOTEBOOK_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    t0 = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - t0


def outputs_text(nb) -> str:
    """Every stream and plain-text output of the executed notebook, joined."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out["text"])
            elif "data" in out:
                parts.append(out["data"].get("text/plain", ""))
    return "\n".join(parts)


def n_images(nb) -> int:
    return sum("image/png" in out.get("data", {}) for c in nb.cells
               for out in c.get("outputs", []))


def _real_data_present() -> bool:
    from conftest import SHARED

    return SHARED.is_dir()


NO_DATA = {"NILM_SHARED_DATA": "/nonexistent/shared/data"}


# -------------------------------------------------------------------------- the files themselves


def test_committed_notebooks_match_generator(tmp_path):
    gen = _generator()
    assert gen.main(["--out", str(tmp_path)]) == 0
    for name in gen.NOTEBOOKS:
        assert (tmp_path / name).read_text() == (NOTEBOOKS / name).read_text(), (
            f"{name} differs from scripts/make_notebooks.py: rerun it")
    assert gen.main(["--check", "--out", str(NOTEBOOKS)]) == 0


def test_check_detects_a_stale_notebook(tmp_path):
    gen = _generator()
    gen.main(["--out", str(tmp_path)])
    path = tmp_path / "01_quickstart.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] += " edited by hand"
    path.write_text(json.dumps(nb))
    assert gen.main(["--check", "--out", str(tmp_path)]) == 1


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_is_stripped_and_uses_python3(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


# -------------------------------------------------------------------------- execution


@pytest.mark.slow
def test_01_quickstart_real_or_simulated(tmp_path, monkeypatch, record_property):
    nb, seconds = execute("01_quickstart.ipynb", ROOT, {}, tmp_path, monkeypatch)
    record_property("seconds", round(seconds, 1))
    text = outputs_text(nb)
    kind = "real" if _real_data_present() else "simulated"
    assert f"using {kind} data" in text
    assert n_images(nb) >= 1


@pytest.mark.slow
def test_01_quickstart_without_real_data_from_notebooks_dir(tmp_path, monkeypatch,
                                                            record_property):
    # the simulated fallback, run from notebooks/ as Jupyter would
    nb, seconds = execute("01_quickstart.ipynb", NOTEBOOKS, NO_DATA, tmp_path, monkeypatch)
    record_property("seconds", round(seconds, 1))
    text = outputs_text(nb)
    assert "using simulated data" in text and "(absent)" in text
    assert f"from {ROOT}" in text


@pytest.mark.slow
def test_02_disaggregation(tmp_path, monkeypatch, record_property):
    nb, seconds = execute("02_disaggregation.ipynb", NOTEBOOKS, {}, tmp_path, monkeypatch)
    record_property("seconds", round(seconds, 1))
    text = outputs_text(nb)
    for method in ("co", "fhmm", "hart85", "mean", "prior"):
        assert method in text
    assert n_images(nb) == 1


@pytest.mark.slow
def test_02_disaggregation_without_real_data(tmp_path, monkeypatch, record_property):
    nb, seconds = execute("02_disaggregation.ipynb", ROOT, NO_DATA, tmp_path, monkeypatch)
    record_property("seconds", round(seconds, 1))
    text = outputs_text(nb)
    assert "using simulated data" in text and "sim_000" in text


@pytest.mark.slow
def test_03_leakage_study(tmp_path, monkeypatch, record_property):
    nb, seconds = execute("03_leakage_study.ipynb", ROOT, {}, tmp_path, monkeypatch)
    record_property("seconds", round(seconds, 1))
    out = tmp_path / "out" / "03_study"
    assert (out / "results.csv").is_file() and (out / "provenance.json").is_file()
    import pandas as pd

    results = pd.read_csv(out / "results.csv")
    assert set(results.inference) == {"occupancy", "routine", "appliances", "hot_water",
                                      "occupants"}
    assert sorted(results.period_s.unique()) == [60, 600, 1800]
    assert results.simulated.all()
    assert n_images(nb) >= 1


@pytest.mark.slow
def test_04_my_linky_data(tmp_path, monkeypatch, record_property):
    nb, seconds = execute("04_my_linky_data.ipynb", NOTEBOOKS, {}, tmp_path, monkeypatch)
    record_property("seconds", round(seconds, 1))
    downloads = tmp_path / "out" / "04_linky" / "my_downloads"
    assert sorted(p.name for p in downloads.iterdir()) == [
        "consumption_load_curve.json", "example_enedis_export.csv", "index.csv"]
    lines = (downloads / "example_enedis_export.csv").read_text(encoding="utf-8").splitlines()
    assert lines[3] == "Horodate;Valeur" and len(lines) == 4 + 14 * 48
    text = outputs_text(nb)
    assert "simulated data" in text and "linky_report.md" in text
    assert "Linky/xxxxxxxxxx0123" in text and "overlap_identical" in text
    assert "PRM in the outputs: False" in text  # (the files themselves are shown as they are)
    for inference in ("routine", "occupancy", "hot_water"):
        assert inference in text


def test_notebooks_do_not_hardcode_the_data_path():
    # the data folder must come from the repository root or $NILM_SHARED_DATA, never from a
    # path relative to the notebook or an absolute path of this machine
    for path in NOTEBOOKS.glob("*.ipynb"):
        src = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                        if c.cell_type == "code")
        assert "/work/" not in src and "../shared" not in src
        assert 'ROOT.parent / "shared" / "data"' in src and "NILM_SHARED_DATA" in src
