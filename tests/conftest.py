"""Shared fixtures. Real-data tests read ``../shared/data`` (or ``$NILM_SHARED_DATA``) and skip
with a reason when it is absent, so a fresh clone passes without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SHARED = Path(os.environ.get("NILM_SHARED_DATA", _DEFAULT)).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Root of the real datasets; skips the test when not present."""
    if not SHARED.is_dir():
        pytest.skip(f"real data not found at {SHARED} "
                    "(set NILM_SHARED_DATA, or clone beside shared/)")
    return SHARED


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own HDF5 cache folder, never the user's."""
    monkeypatch.setenv("NILM_CACHE", str(tmp_path_factory.getbasetemp() / "nilm-cache"))
