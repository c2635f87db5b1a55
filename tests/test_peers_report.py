"""The generated block of docs/benchmarks.md: bars and MAE read off a run's rows, the page
outside the markers kept, re-rendering idempotent (benchmarks/peers/report.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "peers"))
import report  # noqa: E402


def _side(sps, e2e, mem, mae):
    return {"train_s": 0.1, "throughput_sps": sps, "end_to_end_sps": e2e, "peak_rss_mb": 100.0,
            "algo_peak_mb": mem, "mean_mae_w": mae}


def _results():
    rows = []
    for dataset, co, fhmm in (("simulated 1e+05", 5.0, 40.0), ("REDD house 5, 1 min", 2.0, 20.0)):
        for ours, theirs, tp, e2e in (("CO", "CO", co, 3.0), ("FHMM", "FHMMExact", 8.0, fhmm)):
            a, b = _side(tp * 1e6, e2e * 1e5, 2.0, 10.0), _side(1e6, 1e5, 40.0, 12.0)
            rows.append({"dataset": dataset, "data": "simulated", "n_train": 10, "n_test": 10,
                         "ours": ours, "theirs": theirs, "nilm": a, "nilmtk": b,
                         "throughput_ratio": tp, "end_to_end_ratio": e2e,
                         "peak_rss_ratio": 1.0, "algo_peak_ratio": 0.05})
    meta = {"date": "2026-12-02T00:00:00+00:00", "machine": "m", "python": "3.11",
            "argv": ["compare.py"], "commit": "abc1234", "load": {"before": [1.0, 2.0, 3.0],
                                                                 "after": [2.0, 2.0, 3.0]}}
    return {"meta": meta, "rows": rows}


def test_bars_and_verdicts_are_read_off_the_rows():
    text = report.render(_results())
    co = next(line for line in text.splitlines() if line.startswith("| CO ≥ 3×"))
    assert "5×" in co and "2×" in co and "not met on REDD house 5, 1 min" in co
    fhmm = next(line for line in text.splitlines() if line.startswith("| FHMM ≥ 30×"))
    assert "not met on REDD house 5, 1 min" in fhmm
    mem = next(line for line in text.splitlines() if line.startswith("| FHMM extra memory"))
    assert "**met**" in mem
    assert "| CO / CO | 10.0 vs 12.0 | 10.0 vs 12.0 | yes |" in text
    assert "abc1234" in text and "1.00 / 2.00 / 3.00" in text


def test_update_keeps_the_page_and_is_idempotent(tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Title\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\n## After\n")
    report.update_docs(_results(), page)
    once = page.read_text()
    assert once.startswith("# Title\n\nintro\n\n") and once.endswith("\n\n## After\n")
    assert "old" not in once and once.count(report.BEGIN) == 1
    report.update_docs(_results(), page)
    assert page.read_text() == once
