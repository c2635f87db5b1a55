"""scripts/attack_dev.py (development scores of the attacks) and its study spec."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nilm.protocol import is_development
from nilm.study.spec import StudySpec
from tests.scripts import load_script

SPEC = Path(__file__).resolve().parents[1] / "studies" / "dev_attacks.toml"


def test_dev_spec_draws_development_households_only():
    spec = StudySpec.from_toml(SPEC)
    assert spec.sources
    assert all(is_development(s.seed) for s in spec.sources)
    assert sum(s.households for s in spec.sources) >= 200


def _row(house, method, value, **kw):
    return {"dataset": "simulated", "house": house, "period_s": 600, "resolution": "10min",
            "inference": "occupancy", "method": method, "target": "absence", "metric": "mcc",
            "value": value, "ci_low": float("nan"), "ci_high": float("nan"), "n": 1000,
            "prior": 0.0, "skill": value, "floor": float("nan"), "seed": 0,
            "split": "households", "simulated": True, "source": "dev", **kw}


def test_summary_averages_attacks_and_leaves_priors_out():
    mod = load_script("attack_dev")
    rows = pd.DataFrame([_row("a", "supervised", 0.4), _row("b", "supervised", 0.6),
                         _row("a", "hmm", 0.1), _row("b", "hmm", 0.3),
                         _row("a", "clock_prior", 0.0), _row("b", "clock_prior", 0.0),
                         _row("a", "supervised", 0.9, metric="f1_absent")])
    out = mod.summary(rows)
    assert list(out["method"]) == ["supervised", "hmm"]
    assert out["value"].tolist() == pytest.approx([0.5, 0.2])
    assert (out["houses"] == 2).all()


def test_unreadable_file_is_one_line_and_exit_2(tmp_path, capsys):
    mod = load_script("attack_dev")
    assert mod.main([str(tmp_path / "missing.csv")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
