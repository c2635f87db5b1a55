"""The leakage study: every inference scored over data sources × houses × resolutions × methods.

A study is a :class:`~nilm.study.spec.StudySpec` (a TOML file or a Python object). It is cut
into **cells**, one per (source, house, period, inference, method); the occupant count is a
population inference, so its cells are per (population, period, method) with house ``"*"``
(the population: every simulated source, :func:`~.plan.population_pools`). Each
finished cell is stored as one JSON file under ``OUT/cells/`` (written atomically), so a study
that is interrupted, even by SIGKILL, resumes by computing only the missing cells, with
identical results: every cell's seed is derived from the study seed and the cell's key (never
from run order or process).

Work is scheduled per house (one load and one resampling per period serve all of that house's
cells) on local processes (default) or on a Dask distributed cluster (``scheduler=ADDRESS`` or
``"local"`` for a LocalCluster); a job killed with its worker is re-run by Dask and rewrites
only what is missing.

Outputs: ``OUT/results.csv`` (the tidy table of DESIGN.md plus the privacy columns ``inference``,
``prior``, ``skill``, ``floor`` and ``simulated``), ``OUT/predictions.csv`` (the household-level
and, on request, per-day inferences, to re-score them) and ``OUT/provenance.json``.

The spec format, the resume semantics, the executors and the measured speed and scaling are in
docs/study.md.

The package, in the order its modules import one another: :mod:`~nilm.study.spec` (what to
compute), :mod:`~nilm.study.data` (the houses of each source), :mod:`~nilm.study.plan` (cells,
jobs, their order), :mod:`~nilm.study.store` (the cell files and their fingerprints),
:mod:`~nilm.study.score` (one cell computed), :mod:`~nilm.study.heap` (glibc settings of study
processes) and :mod:`~nilm.study.run` (jobs, executors, collection). Everything a caller needs
is importable from ``nilm.study`` itself.
"""


from __future__ import annotations

from .data import house_ids, household_meta, load_house, materialise
from .heap import trim_heap, tune_heap
from .plan import Cell, period_of, plan, schedule_order, split_jobs, training_houses
from .run import QUIET_WORKER, collect, null_pairing, null_truths, run_house_job, run_study
from .score import prediction_records, score_cell, score_prior, tidy
from .spec import (
    COLUMNS,
    DEFAULT_DISAGGREGATORS,
    DEFAULT_INFERENCES,
    DEFAULT_RESOLUTIONS,
    PREDICTION_COLUMNS,
    Source,
    StudySpec,
    check_resolution,
    known_methods,
    scaled,
)
from .store import code_digest, fingerprint, read_cell, write_cell

__all__ = ["COLUMNS", "DEFAULT_DISAGGREGATORS", "DEFAULT_INFERENCES", "DEFAULT_RESOLUTIONS",
           "PREDICTION_COLUMNS", "QUIET_WORKER", "Cell", "Source", "StudySpec",
           "check_resolution", "code_digest", "collect", "fingerprint", "house_ids",
           "household_meta", "known_methods", "load_house", "materialise", "null_pairing",
           "null_truths", "period_of", "plan", "prediction_records", "read_cell",
           "run_house_job", "run_study", "scaled", "schedule_order", "score_cell", "score_prior",
           "split_jobs", "tidy", "training_houses", "trim_heap", "tune_heap", "write_cell"]
