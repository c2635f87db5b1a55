"""The cell store's fingerprint keys on the code that computes a cell (the nilm source files,
read from disk), not on the git commit: an uncommitted edit of an attack invalidates stored
cells, a commit that changes no such code (or a copy of the same code outside git) keeps them."""

from __future__ import annotations

import shutil

import pytest

from nilm.study import Source, StudySpec, collect, run_study, store


def _spec() -> StudySpec:
    return StudySpec(sources=[Source("sim", households=2, days=2, period=300, seed=3)],
                     name="fp", seed=7, resolutions=["30min"], inferences=["hot_water"],
                     n_boot=20)


@pytest.fixture
def code(tmp_path):
    """A copy of the nilm package outside any git checkout."""
    root = tmp_path / "nilm"
    shutil.copytree(store.CODE_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_the_digest_reads_the_files_not_git(code):
    assert store.code_digest(code) == store.code_digest()  # same files, no git: same digest


def test_an_edit_of_cell_code_changes_the_digest(code):
    before = store.code_digest(code)
    path = code / "privacy" / "hot_water.py"
    text = path.read_text()
    path.write_text(text + "\n# an uncommitted edit\n")
    assert store.code_digest(code) != before
    path.write_text(text)
    assert store.code_digest(code) == before
    (code / "privacy" / "new_attack.py").write_text("X = 1\n")  # a new module counts too
    assert store.code_digest(code) != before


def test_an_edit_of_a_report_leaves_the_digest(code):
    before = store.code_digest(code)
    for rel in ("report.py", "plot.py", "cli.py", "__init__.py"):
        path = code / rel
        path.write_text(path.read_text() + "\n# presentation only\n")
    assert store.code_digest(code) == before


def test_fingerprint_follows_the_code_and_ignores_the_commit(monkeypatch):
    spec = _spec()
    fp = store.fingerprint(spec, "sim")
    monkeypatch.setattr("nilm.study.run.git_commit", lambda: "another-commit")
    assert store.fingerprint(spec, "sim") == fp
    monkeypatch.setattr(store, "code_digest", lambda root=None: "other code")
    assert store.fingerprint(spec, "sim") != fp


def test_a_store_of_other_code_is_recomputed_and_of_another_commit_reused(tmp_path,
                                                                          monkeypatch):
    df = run_study(_spec(), tmp_path, progress=False)
    cells = sorted((tmp_path / "cells").glob("*.json"))
    mtimes = {p: p.stat().st_mtime_ns for p in cells}
    monkeypatch.setattr("nilm.study.run.git_commit", lambda: "a re-commit of the same code")
    run_study(_spec(), tmp_path, progress=False)
    assert {p: p.stat().st_mtime_ns for p in cells} == mtimes  # every cell reused
    monkeypatch.setattr(store, "code_digest", lambda root=None: "an edited attack")
    with pytest.raises(RuntimeError, match="cells missing"):
        collect(_spec(), tmp_path)  # no stored cell is served to other code
    again = run_study(_spec(), tmp_path, progress=False)
    assert all(p.stat().st_mtime_ns != m for p, m in mtimes.items())  # every cell recomputed
    assert again.equals(df)
