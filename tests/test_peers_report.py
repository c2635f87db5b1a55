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


#: (dataset, CO throughput ratio, FHMM end-to-end ratio): every dataset the bars are judged on
DATASETS = [("simulated 1e+04", 5.0, 40.0), ("simulated 1e+05", 5.0, 40.0),
            ("simulated 1e+06", 4.0, 35.0), ("REDD house 5, 1 min", 2.0, 20.0),
            ("UCI Sceaux 2006-12, 1 min", 6.0, 50.0)]


def _results(datasets=DATASETS):
    rows = []
    for dataset, co, fhmm in datasets:
        for ours, theirs, tp, e2e in (("CO", "CO", co, 3.0), ("FHMM", "FHMMExact", 8.0, fhmm)):
            a, b = _side(tp * 1e6, e2e * 1e5, 2.0, 10.0), _side(1e6, 1e5, 40.0, 12.0)
            rows.append({"dataset": dataset, "data": "simulated", "n_train": 10, "n_test": 10,
                         "ours": ours, "theirs": theirs, "nilm": a, "nilmtk": b,
                         "throughput_ratio": tp, "end_to_end_ratio": e2e,
                         "peak_rss_ratio": 1.0, "algo_peak_ratio": 0.05})
    meta = {"date": "2026-12-02T00:00:00+00:00", "machine": "m", "python": "3.11",
            "argv": ["compare.py"], "commit": "abc1234", "load": {"before": [1.0, 2.0, 3.0],
                                                                 "after": [2.5, 2.0, 3.0]}}
    return {"meta": meta, "rows": rows}


def _line(text, start):
    return next(line for line in text.splitlines() if line.startswith(start))


def test_bars_and_verdicts_are_read_off_the_rows():
    text = report.render(_results())
    co = _line(text, "| CO ≥ 3×")
    assert co.endswith("| 5× | 5× | 4× | 2× | 6× | not met on REDD house 5, 1 min |")
    fhmm = _line(text, "| FHMM ≥ 30×")
    assert fhmm.endswith(" | not met on REDD house 5, 1 min |")
    assert _line(text, "| FHMM extra memory").endswith(" | **met** |")
    assert "| CO / CO | " + " | ".join(["10.0 vs 12.0"] * 5) + " | yes |" in text
    # the machine load before and after the run, and the commit
    assert "abc1234" in text and "before 1.00 / 2.00 / 3.00, after 2.50 / 2.00 / 3.00" in text


def test_co_bar_met_only_when_every_size_is_measured():
    good = [(d, 5.0, 40.0) for d, _, _ in DATASETS]
    assert _line(report.render(_results(good)), "| CO ≥ 3×").endswith(" | **met** |")
    # a size the run left out is no pass
    text = report.render(_results([g for g in good if g[0] != "simulated 1e+06"]))
    assert _line(text, "| CO ≥ 3×").endswith(" | not measured on simulated 1e+06 |")
    assert _line(text, "| CO / CO").endswith(" | not measured on simulated 1e+06 |")
    # nor is a size whose CO row is missing, nor one where a side failed (no ratio)
    res = _results(good)
    res["rows"] = [r for r in res["rows"] if (r["dataset"], r["ours"]) != ("simulated 1e+04", "CO")]
    fail = next(r for r in res["rows"] if (r["dataset"], r["ours"]) == ("simulated 1e+05", "CO"))
    fail.update(throughput_ratio=None, end_to_end_ratio=None)
    fail["nilmtk"] = {"error": "exit 1: boom"}
    text = report.render(res)
    co = _line(text, "| CO ≥ 3×")
    assert "| — | — | 5× | 5× | 5× |" in co
    assert co.endswith(" | not measured on simulated 1e+04, simulated 1e+05 |")
    assert _line(text, "| FHMM ≥ 30×").endswith(" | **met** |")
    # a miss and a gap are both said
    uci = next(r for r in res["rows"] if (r["dataset"], r["ours"]) == (DATASETS[-1][0], "CO"))
    uci["throughput_ratio"] = 2.9
    co = _line(report.render(res), "| CO ≥ 3×")
    assert co.endswith(" | not met on UCI Sceaux 2006-12, 1 min; not measured on "
                       "simulated 1e+04, simulated 1e+05 |")
    # a bar none of whose rows ran
    res["rows"] = [r for r in res["rows"] if r["ours"] != "CO"]
    assert _line(report.render(res), "| CO ≥ 3×").endswith(" | not measured |")


def test_update_keeps_the_page_and_is_idempotent(tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Title\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\n## After\n")
    report.update_docs(_results(), page)
    once = page.read_text()
    assert once.startswith("# Title\n\nintro\n\n") and once.endswith("\n\n## After\n")
    assert "old" not in once and once.count(report.BEGIN) == 1
    report.update_docs(_results(), page)
    assert page.read_text() == once
