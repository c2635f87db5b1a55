"""The glibc heap settings of :func:`nilm.study.tune_heap` are made only in processes that exist
to run a study, never by :func:`nilm.study.run_study` in the caller's process."""

from __future__ import annotations

import pytest

from nilm import study
from nilm.study import heap


class FakeLibc:
    """Records ``mallopt`` and ``malloc_trim`` calls instead of making them."""

    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad):
        self.calls.append(("malloc_trim", pad))
        return 1


@pytest.fixture
def libc(monkeypatch):
    fake = FakeLibc()
    monkeypatch.setattr(heap, "_libc", lambda: fake)
    monkeypatch.setattr(heap, "_heap_tuned", False)
    return fake


def test_tune_heap_sets_the_thresholds_and_jobs_then_trim(libc, tmp_path):
    assert study.tune_heap() is True
    assert libc.calls == [("mallopt", -3, 2**31 - 1), ("mallopt", -1, 2**31 - 1),
                          ("mallopt", -2, 2**26)]
    spec = study.StudySpec(sources=[study.Source("sim", households=1, days=1, period=60)])
    assert study.run_house_job(spec.to_dict(), str(tmp_path), "sim", "x", []) == 0
    assert libc.calls[-1] == ("malloc_trim", 0)


def test_without_glibc_nothing_is_done(monkeypatch):
    monkeypatch.setattr(heap, "_libc", lambda: None)
    monkeypatch.setattr(heap, "_heap_tuned", False)
    assert study.tune_heap() is False


def test_run_study_in_process_leaves_the_allocator_alone(libc, tmp_path):
    spec = study.StudySpec(sources=[study.Source("sim", households=1, days=2, period=60)],
                           resolutions=["1h"], inferences=["hot_water"])
    df = study.run_study(spec, tmp_path, workers=1, progress=False)
    assert len(df) > 0
    assert libc.calls == []
