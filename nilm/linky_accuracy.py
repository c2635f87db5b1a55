"""The measured accuracy of each ``nilm linky`` finding, read from the protocol's results.

The evaluation protocol commits its headline scores to ``docs/results/headline.csv`` (one row
per dataset × threat model × inference × target × metric × period × stratum, with the value,
its 95 % CI over households, the population prior and the skill against it) and its scores on
real households with ground truth (METER at 10 / 30 / 60 min, ECO at 15 / 30 / 60 min) to
``docs/results/real.csv``, in the same columns plus ``training``: ``sim_to_real`` (the attack
trained on simulated households, as ``nilm linky`` trains it) or ``real_others`` (trained on
the other real households, which ``nilm linky`` does not do). For a finding of the
household's report at its own step, :func:`lookup` returns the row that measures it:

* the threat model of that step: ``daily_index`` (a day), ``tic_dongle`` (a TIC log, ≤ 10 s)
  or ``consented_curve`` (a load curve);
* real households with ground truth first (``simulated`` false; of ``real.csv`` only the
  ``sim_to_real`` rows, the training ``nilm linky`` uses), the one with the most households,
  else the simulated evaluation population, and says which;
* stratum ``all``, never a permutation-null row (``null`` other
  than ``none``).

A finding is *revealed* only when the attack beats the population prior: the lower end of the
skill's 95 % CI is above 0. The headline rows take their skill CI from ``headline_tests.csv``
beside the headline file (:func:`with_skill_ci`). When there is no skill CI (``skill_ci_low``,
``skill_ci_high``), the skill CI is derived from the value's CI with the prior held fixed
(skill = (v − prior)/(1 − prior) for scores where higher is better, 1 − v/prior for errors),
which is how ``skill_population`` is defined. No CI, no claim: the finding is then not shown
as revealed.

Nothing here invents a number: without the file, or without a row for the step, the finding
says its accuracy is not measured yet.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

#: the finding → the protocol's (inference, target, metric) that scores it
FINDINGS = {
    "wake": ("routine", "wake", "within_30min"),
    "bed": ("routine", "bed", "within_30min"),
    "absence": ("occupancy", "absence", "mcc"),
    "water_heater": ("hot_water", "water_heater", "mae_kwh_day"),
}
#: metrics where a lower value is better (errors)
LOWER_IS_BETTER = ("mae_kwh_day",)
#: the training of a real row that matches ``nilm linky`` (its detector learns on simulations)
LINKY_TRAINING = "sim_to_real"
#: where the results are looked for: a copy shipped in the package, then the repository's own
PACKAGED = "results/headline.csv"
REPOSITORY = Path(__file__).resolve().parents[1] / "docs" / "results" / "headline.csv"
REAL_PACKAGED = "results/real.csv"
REAL_REPOSITORY = REPOSITORY.with_name("real.csv")
#: the protocol's per-row tests (skill CI, q-value) beside the headline file
TESTS_NAME = "headline_tests.csv"


@dataclass(frozen=True)
class Accuracy:
    """One finding's measured accuracy (all numbers language-neutral floats).

    ``value``, ``ci_low``, ``ci_high``: the headline attack's score and its 95 % CI;
    ``prior``: the population prior's score; ``skill_low``: the lower end of the skill's
    95 % CI (NaN when unknown); ``revealed``: the attack beats the prior (``skill_low > 0``);
    ``real``: scored on real households with ground truth (else simulated); ``training``:
    the real row's training (``sim_to_real``; empty for a simulated row); ``source``: the
    file and row it comes from.
    """

    finding: str
    metric: str
    period_s: float
    value: float
    ci_low: float
    ci_high: float
    prior: float
    skill_low: float
    revealed: bool
    real: bool
    dataset: str
    threat_model: str
    method: str
    n_households: int
    n_days: int
    source: str
    training: str = ""


def threat_model(period_s: float) -> str:
    """The protocol's threat model of data at ``period_s``: who holds a curve at that step."""
    if period_s >= 86400:
        return "daily_index"
    if period_s <= 10:
        return "tic_dongle"
    return "consented_curve"


def _located(path, variable: str, packaged: str, repository: Path) -> Path | None:
    path = path if path is not None else os.environ.get(variable) or None
    if path is not None:
        return Path(path) if Path(path).exists() else None
    shipped = resources.files("nilm").joinpath(packaged)
    if shipped.is_file():
        return Path(str(shipped))
    return repository if repository.exists() else None


def results_path(path=None) -> Path | None:
    """The headline results file: ``path`` if given, else the file named by the environment
    variable ``NILM_HEADLINE``, else the packaged copy, else the repository's
    ``docs/results/headline.csv``; None when none exists."""
    return _located(path, "NILM_HEADLINE", PACKAGED, REPOSITORY)


def real_path(path=None) -> Path | None:
    """The real-household results file, found as :func:`results_path` finds the headline
    one (environment variable ``NILM_REAL``, then ``results/real.csv`` in the package, then
    ``docs/results/real.csv``); None when none exists."""
    return _located(path, "NILM_REAL", REAL_PACKAGED, REAL_REPOSITORY)


def source_label(found: Path) -> str:
    """How a results file is named in a report: a committed file by its repository path
    (``docs/results/<name>``), another file by its own name."""
    return f"docs/results/{found.name}" if found.parent.name == "results" else found.name


def read_real(path=None) -> tuple[pd.DataFrame, str] | None:
    """The real-household rows found by :func:`real_path` and the file's
    :func:`source_label`; None when there is no such file."""
    found = real_path(path)
    return None if found is None else (pd.read_csv(found), source_label(found))


def with_skill_ci(headline: pd.DataFrame, tests_path: Path) -> pd.DataFrame:
    """``headline`` with ``skill_ci_low`` / ``skill_ci_high`` from the protocol's tests file
    beside it (``headline_tests.csv``: each stratum-``all`` row's skill CI over households,
    written by ``make results``), when that file exists; other rows and a headline without the
    file are returned unchanged (the skill CI is then derived from the value's CI)."""
    if not tests_path.is_file():
        return headline
    tests = pd.read_csv(tests_path)
    keys = ["dataset", "inference", "target", "metric", "method", "period_s", "threat_model"]
    tests = tests[keys + ["skill_lo", "skill_hi"]].rename(
        columns={"skill_lo": "skill_ci_low", "skill_hi": "skill_ci_high"})
    tests["stratum"] = "all"
    return headline.merge(tests, on=keys + ["stratum"], how="left", validate="many_to_one")


def read_results(path=None, real=None) -> pd.DataFrame | None:
    """The headline rows and the real-household rows in one table, each row's file in a
    ``source_file`` column (None when neither file exists).

    A headline file named by ``path`` comes alone unless ``real`` is named too (a file given
    on purpose is not mixed with rows found elsewhere)."""
    frames = []
    found_real = real_path(real) if path is None or real is not None else None
    headline = results_path(path)
    for found in (found_real, headline):
        if found is not None:
            frame = pd.read_csv(found)
            if found == headline:
                frame = with_skill_ci(frame, found.with_name(TESTS_NAME))
            frame["source_file"] = source_label(found)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else None


def _is_simulated(column: pd.Series) -> pd.Series:
    return column.astype(str).str.lower().isin(("true", "1"))


def _f(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _skill_low(row, metric: str) -> float:
    if "skill_ci_low" in row and math.isfinite(_f(row["skill_ci_low"])):
        return _f(row["skill_ci_low"])
    prior = _f(row.get("prior_population"))
    if metric in LOWER_IS_BETTER:
        # an error: the skill's low end comes with the error's high end
        return 1.0 - _f(row["ci_high"]) / prior if prior > 0 else math.nan
    return (_f(row["ci_low"]) - prior) / (1.0 - prior) if prior < 1 else math.nan


def lookup(results: pd.DataFrame | None, finding: str, period_s: float,
           source: str = "docs/results/headline.csv") -> Accuracy | None:
    """The measured accuracy of ``finding`` (a key of :data:`FINDINGS`) at ``period_s``.

    ``source`` names the file of rows without a ``source_file`` column. Returns None when
    ``results`` is None or holds no scored row for that finding, threat model and step (the
    accuracy is then not measured yet)."""
    if results is None:
        return None
    inference, target, metric = FINDINGS[finding]
    model = threat_model(period_s)
    rows = results[(results["inference"] == inference) & (results["target"] == target)
                   & (results["metric"] == metric) & (results["threat_model"] == model)
                   & (results["period_s"].astype(float) == float(period_s))]
    if "stratum" in rows:
        rows = rows[rows["stratum"].fillna("all") == "all"]
    if "null" in rows:
        # a permutation-null row scores the attack on shuffled truth, not the household's risk
        rows = rows[rows["null"].fillna("none") == "none"]
    rows = rows[pd.to_numeric(rows["value"], errors="coerce").notna()]
    simulated = _is_simulated(rows["simulated"])
    if "training" in rows:
        # a real row trained on other real households measures another attack than ours
        training = rows["training"].fillna("").astype(str)
        rows = rows[simulated | training.isin(("", LINKY_TRAINING))]
        simulated = _is_simulated(rows["simulated"])
    if rows.empty:
        return None
    real = rows[~simulated]
    pick = real if not real.empty else rows
    row = pick.sort_values("n_households", ascending=False, kind="stable").iloc[0]
    training = str(row["training"]) if "training" in row and not real.empty \
        and isinstance(row["training"], str) else ""
    where = row["source_file"] if "source_file" in row and isinstance(row["source_file"], str) \
        else source
    skill_low = _skill_low(row, metric)
    n_days = _f(row.get("n_days"))
    return Accuracy(
        finding=finding, metric=metric, period_s=float(period_s), value=_f(row["value"]),
        ci_low=_f(row["ci_low"]), ci_high=_f(row["ci_high"]),
        prior=_f(row.get("prior_population")), skill_low=skill_low,
        revealed=bool(math.isfinite(skill_low) and skill_low > 0), real=not real.empty,
        dataset=str(row["dataset"]), threat_model=model, method=str(row["method"]),
        n_households=int(row["n_households"]),
        n_days=int(n_days) if math.isfinite(n_days) else 0, training=training,
        source=f"{where}: dataset={row['dataset']}, threat_model={model}, "
               f"inference={inference}, target={target}, metric={metric}, "
               f"period_s={int(period_s)}, method={row['method']}"
               + (f", training={training}" if training else ""))


__all__ = ["FINDINGS", "LINKY_TRAINING", "Accuracy", "lookup", "read_real", "read_results",
           "real_path", "results_path", "source_label", "threat_model"]
