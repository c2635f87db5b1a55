"""``make results``: run the headline study, re-score its permutation null, and write the
committed headline table.

    python scripts/results.py studies/headline.toml [--households N] [--workers 2]

Runs the spec (``OUT/``, default ``reports/headline``), writes its report, then
``docs/results/headline.csv`` (:func:`nilm.report.headline_csv`, by stratum),
``docs/results/null.csv`` (the null-control table: every inference, every rung, re-scored from
the study's predictions.csv over every allowed partner, :func:`null_table`; occupancy needs the
spec's ``predictions = "interval"``),
``docs/results/ownership.csv`` (water-heater and appliance ownership over households),
``docs/results/headline_tests.csv`` (each headline row as a test: skill CI, Benjamini–Hochberg
q-value, smallest detectable skill, "leak" / "no leak found"),
``docs/results/provenance.json`` (the study's provenance, wall time, peak memory, the machine's
load, the override) and the README's headline table between its markers. ``--households N``
scales every simulated source so that the population totals about N households (a smaller
stated evaluation population when the full one cannot run on the machine at hand).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from nilm import null, report
from nilm.atomic import atomic_open
from nilm.labels import INFERENCE_LABELS, data_label, period_label
from nilm.linky_accuracy import read_real
from nilm.protocol import HEADLINE
from nilm.real_rows import N_FOLDS
from nilm.study import StudySpec, run_study, scaled

ROOT = Path(__file__).resolve().parent.parent
MARK_START, MARK_END = "<!-- headline:start -->", "<!-- headline:end -->"
PROSE_START, PROSE_END = "<!-- headline-prose:start -->", "<!-- headline-prose:end -->"
#: what each headline metric measures, in words (the README's sentences)
METRIC_WORDS = {"mcc": "MCC of occupied vs absent intervals",
                "within_30min": "share of days found within ±30 min",
                "day_use_mcc": "day-use MCC per appliance, mean over households",
                "mae_kwh_day": "MAE of the water heater's daily energy, kWh",
                "balanced_accuracy": "balanced accuracy of the occupant count"}
SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
           6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}


def _population(spec: StudySpec, out: Path):
    """(source, population.json) of each simulated source."""
    for s in spec.sources:
        if s.kind == "simulated":
            with open(out / "data" / s.name / "population.json") as f:
                yield s, json.load(f)


def ownership(spec: StudySpec, out: Path) -> pd.DataFrame:
    """True ownership: source, house, target (appliance), owns."""
    return pd.DataFrame([{"source": s.name, "house": h["house"], "target": name, "owns": owns}
                         for s, pop in _population(spec, out) for h in pop["houses"]
                         for name, owns in h["config"]["ownership"].items()])


def strata(spec: StudySpec, out: Path) -> pd.DataFrame:
    """One row per simulated household: source, house, heating, water_heater, household_type,
    season (read from each source's population.json)."""
    rows = []
    for s, pop in _population(spec, out):
        season = SEASONS[int(s.start[5:7])]
        for h in pop["houses"]:
            cfg = h["config"]
            own = cfg["ownership"]
            # electric / heat_pump / none, written by the simulator (population.json); a file
            # from before it had the stratum: electric heat owned or not
            heating = h.get("heating_stratum") or ("electric" if own.get("electric_heat")
                                                   else "none")
            wh = cfg.get("water_heater") or {}
            water = ("none" if not own.get("water_heater") else
                     "offpeak" if wh.get("offpeak") else "daytime")
            rows.append({"source": s.name, "house": h["house"], "heating": heating,
                         "water_heater": water, "household_type": h["household_type"],
                         "season": season})
    return pd.DataFrame(rows)


def null_spec(spec: StudySpec) -> StudySpec:
    """The permutation null of ``spec`` as a study of its own (the study option ``null =
    "permute_households"``: each curve scored against ONE other household's truth), with each
    inference's declared headline attack and the priors only (a cell's numbers do not depend
    on which other cells run). ``make results`` no longer runs it: null.csv is re-scored over
    every partner from the study's own predictions (:func:`null_table`); it stays the test of
    that re-scoring (tests/test_null_rescore.py) and a study anyone can run."""
    priors = {*report.POPULATION_PRIORS, report.HOUSEHOLD_PRIOR}
    methods = {inf: [m for m in spec.methods_for(inf)
                     if m == HEADLINE[inf].method or m in priors]
               for inf in spec.inferences if inf in HEADLINE}
    return dataclasses.replace(spec, null="permute_households",
                               methods={k: v for k, v in methods.items() if v})


def null_partners(spec: StudySpec, out: Path, *, cyclic: bool = False) -> dict:
    """``{source: {house: [partners]}}`` of the permutation null (:func:`nilm.null.pair_scores`):
    every house of the same source (the same calendar dates) except the house itself, its
    training block and the houses that trained the block's attacks and population priors
    (:func:`nilm.study.plan.block_training_houses`); for the occupant count's pool every other
    household of the pool (ids ``source/house`` when it pools several sources). ``cyclic``:
    only the one partner of the ``permute_households`` study (:func:`nilm.null.partner`)."""
    from nilm.study import house_ids
    from nilm.study.plan import (
        block_training_houses,
        null_skip,
        population_pools,
        training_blocks,
        trains_on_others,
    )

    out_map = {}
    for source in spec.sources:
        houses = house_ids(source, out)
        if len(houses) < 2:
            continue
        blocks = training_blocks(spec, source, houses)
        trains = trains_on_others(spec, source, houses)
        skip = null_skip(spec, source, houses)
        m = {}
        for h in houses:
            if cyclic:
                m[h] = [null.partner(houses, h, skip)]
                continue
            block = next(b for b in blocks if h in b)
            shut = {h, *block}
            if trains:
                shut |= set(block_training_houses(houses, block, spec.max_train_households))
            m[h] = [b for b in houses if b not in shut]
        out_map[source.name] = m
    for pool, sources in population_pools(spec).items():
        ids = [(s.name, h) for s in sources for h in house_ids(s, out)]
        name = (lambda s, h: h) if len(sources) == 1 else (lambda s, h: f"{s}/{h}")
        keys = [name(s, h) for s, h in ids]
        if cyclic:
            # the study permutes each source's truths within it (nilm.study.null_truths)
            m = {}
            for s in sources:
                hs = house_ids(s, out)
                skip = null_skip(spec, s, hs)
                m.update({name(s.name, h): [name(s.name, null.partner(hs, h, skip))]
                          for h in hs})
            out_map[pool] = m
        else:
            out_map[pool] = {k: [b for b in keys if b != k] for k in keys}
    return out_map


def null_table(results: pd.DataFrame, predictions: pd.DataFrame | None, partners: dict,
               seed: int) -> pd.DataFrame:
    """Every inference's declared headline metric at every rung of the study, re-scored under
    the permutation null over every allowed partner (:func:`nilm.null.pair_scores`,
    :func:`nilm.null.null_rows`: value, the population prior (``prior``, ``skill``) and the
    household-typical prior over the same pairs, two-way bootstrap CIs, ``n_pairs``). An
    inference without the records it needs (occupancy without ``predictions = "interval"``)
    is missing, and said so on stderr."""
    if predictions is None:
        print("results: no predictions.csv: no null table", file=sys.stderr)
        return pd.DataFrame(columns=null.NULL_COLUMNS)
    pairs = null.pair_scores(predictions, partners, results=results)
    tab = null.null_rows(pairs, seed=seed)
    missing = sorted(set(HEADLINE) & set(results["inference"]) - set(tab["inference"]))
    if missing:
        print(f"results: the null has no rows for {', '.join(missing)} (predictions.csv lacks "
              "their records: occupancy needs predictions = \"interval\")", file=sys.stderr)
    return tab


#: columns of ``docs/results/headline_tests.csv``
TEST_COLUMNS = ["dataset", "simulated", "inference", "target", "metric", "method", "period_s",
                "threat_model", "skill", "skill_lo", "skill_hi", "p_value", "q_value",
                "discovery", "detectable_skill", "no_decision", "houses", "ci_reason",
                "bootstrap", "attacks_tried", "finding"]


def tests_table(results: pd.DataFrame, seed: int, predictions=None) -> pd.DataFrame:
    """The headline rows (population "all") as tests of "skill ≤ 0" against the population
    prior (issue 11, item 9): the skill's CI, the bootstrap p-value and its Benjamini–Hochberg
    q-value over the table's rows (``discovery`` at FDR 5 %), the smallest skill the study
    could have detected at 80 % power, and a ``finding`` in words — "leak" for a discovery,
    "no decision" when every replicate gives the same skill (a zero-width CI tests nothing),
    else "no leak found" with the skill's CI upper end and that detectable skill.
    ``predictions`` (the study's predictions.csv): as :func:`nilm.report.headline_table`."""
    tab = report.headline_table(results, seed=seed, predictions=predictions)

    def finding(x) -> str:
        if bool(x["discovery"]):
            return "leak"
        lo, hi, d = float(x["skill_lo"]), float(x["skill_hi"]), float(x["detectable_skill"])
        if pd.notna(lo) and lo == hi:
            # e.g. an attack that abstains on every day and is scored with the prior's estimate
            return "no decision (every replicate gives the same skill: no CI, no test)"
        if pd.isna(x["p_value"]) and pd.notna(lo) and pd.notna(hi):
            # a CI without replicates here (e.g. a study without predictions.csv, whose
            # occupant-count row keeps its scorer's CI): untested, never "no leak found"
            side = "above 0" if lo > 0 else "below 0" if hi < 0 else "includes 0"
            return f"not tested (no bootstrap p-value); skill CI {side}"
        up = f"{hi:.2f}" if pd.notna(hi) else "none"
        det = f"{d:.2f}" if pd.notna(d) else "none"
        return f"no leak found (skill CI upper end {up}; detectable skill {det})"

    tab["finding"] = [finding(x) for _, x in tab.iterrows()]
    return tab[TEST_COLUMNS]


def read_predictions(out: Path) -> pd.DataFrame | None:
    """A study's per-day predictions (``OUT/predictions.csv``), for the two-stage bootstrap of
    the headline CIs; None when the study wrote none. ``truth`` and ``prediction`` are read
    as text: a per-interval record (``predictions = "interval"``) is a string of "1" / "0" /
    "-" that must not be parsed as a number."""
    path = out / "predictions.csv"
    return (pd.read_csv(path, dtype={"truth": str, "prediction": str}) if path.exists()
            else None)


def _num(v) -> str:
    return f"{float(v):.2f}".replace("-", "−") if pd.notna(v) else "none"


def prose_sentence(x) -> str:
    """One README sentence for a row of headline_tests.csv: what was inferred, at which rung,
    with which attack, the skill against the population prior with its CI and q-value, and
    the finding ("leak", "no leak found by these attacks (tried: …)", "no decision")."""
    what = METRIC_WORDS.get(str(x["metric"]), str(x["metric"]))
    kind = data_label(x["simulated"]).split(" ")[0]  # "simulated" or "real"
    name = "" if str(x["dataset"]).lower() == kind else f" {x['dataset']}"
    head = (f"**{INFERENCE_LABELS.get(x['inference'], x['inference'])}** at "
            f"{period_label(x['period_s'])} ({what}; attack {x['method']}; "
            f"{int(x['houses'])} {kind}{name} households)")
    q = float(x["q_value"])
    qs = "q < 0.001" if q < 0.001 else f"q {q:.2g}" if pd.notna(q) else "no q-value"
    tested = pd.notna(x["skill_lo"]) and pd.notna(x["skill_hi"])
    if tested:
        sk = (f"skill against the population prior {_num(x['skill'])} "
              f"[{_num(x['skill_lo'])}, {_num(x['skill_hi'])}], {qs}")
    else:
        reason = x["ci_reason"] if isinstance(x["ci_reason"], str) and x["ci_reason"] else \
            "no CI"
        sk = f"skill against the population prior {_num(x['skill'])} (no CI: {reason})"
    finding = str(x["finding"])
    if finding == "leak":
        verdict = "a leak (a discovery at 5 % false discovery rate)"
    elif finding.startswith("no leak found") and not tested:
        verdict = f"not tested (attacks tried: {x['attacks_tried']})"
    elif finding.startswith("no leak found"):
        verdict = (f"no leak found by these attacks (tried: {x['attacks_tried']}; CI upper "
                   f"end {_num(x['skill_hi'])}; detectable skill {_num(x['detectable_skill'])})")
    else:
        verdict = finding
    return f"- {head}: {sk}; {verdict}."


def population_sentence(prov: dict) -> str:
    """Which population ran, with which command, how long and on what machine load."""
    t = prov.get("timing") or {}
    parts = [f"{t[k]:.0f} s {k[:-2]}" for k in ("study_s", "null_s")
             if isinstance(t.get(k), (int, float))]
    null = (f", the permutation null on {prov['null_households']}"
            if prov.get("null_households") else "")
    load = prov.get("load_average") or []
    rss = (f", peak RSS {prov['peak_rss_gb']} GB" if prov.get("peak_rss_gb") is not None
           else "")
    if prov.get("reused"):
        # a re-report's own load and memory say nothing about the run: its notes carry them
        notes = " ".join(str(n) for n in prov.get("notes", []))
        return (f"Population that ran: **{prov.get('households')} households** "
                f"(`{prov.get('command')}`){null}; {', '.join(parts) or 'time not recorded'} "
                f"on {prov.get('workers')} workers, re-reported from the finished studies "
                f"(`--reuse`){f'; {notes}' if notes else ''}.")
    return (f"Population that ran: **{prov.get('households')} households** "
            f"(`{prov.get('command')}`){null}; {', '.join(parts) or 'time not recorded'} "
            f"on {prov.get('workers')} workers{rss}, load afterwards "
            f"{load[0] if load else 'not recorded'}.")


def null_sentence(nulls: pd.DataFrame) -> str:
    """What the permutation null found: discoveries among its rows and its skills' range."""
    sk = nulls["skill"].to_numpy(float)
    sk = sk[pd.notna(sk)]
    disc = int(nulls["discovery"].astype(str).str.lower().isin(["true", "1"]).sum())
    rungs = ", ".join(dict.fromkeys(period_label(p) for p in nulls["period_s"]))
    span = f"skills {_num(sk.min())} to {_num(sk.max())}" if sk.size else "no skill"
    found = nulls[nulls["discovery"].astype(str).str.lower().isin(["true", "1"])]
    named = "; ".join(
        f"{INFERENCE_LABELS.get(x['inference'], x['inference'])} at "
        f"{period_label(x['period_s'])}: skill {_num(x['skill'])} [{_num(x['skill_lo'])}, "
        f"{_num(x['skill_hi'])}], {int(x['houses'])} households" for _, x in found.iterrows())
    word = "discovery" if disc == 1 else "discoveries"
    # a null.csv re-scored over every partner counts its pairs (nilm.null.null_rows)
    how = ("every curve scored against the truth of every allowed other household, "
           f"{int(nulls['n_pairs'].sum()):,} pairs" if "n_pairs" in nulls.columns
           else "each curve scored against another household's truth")
    return (f"Permutation null ({how}; {rungs}):"
            f" {disc} {word} in {len(nulls)} rows{f' ({named})' if named else ''}; {span}. "
            "What the null tests, and each discovery investigated: docs/metrics.md, "
            "\"Null controls\".")


def readme_prose(docs: Path) -> str:
    """The README's sentences from the files of ``docs`` (headline_tests.csv, provenance.json,
    null.csv): the population that ran, one sentence per headline test row at the README
    table's rungs (:data:`nilm.report.HEADLINE_PERIODS`, in the table's order) and the null."""
    tests = pd.read_csv(docs / "headline_tests.csv")
    with open(docs / "provenance.json") as f:
        prov = json.load(f)
    rows = tests[tests["period_s"].astype(float).isin([float(p) for p in
                                                       report.HEADLINE_PERIODS])]
    lines = [population_sentence(prov), ""]
    lines += [prose_sentence(x) for _, x in rows.iterrows()]
    if prov.get("null_households") and (docs / "null.csv").exists():  # not a stale null
        lines += ["", null_sentence(pd.read_csv(docs / "null.csv"))]
    return "\n".join(lines)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    with atomic_open(path, "w", newline="") as f:
        df.to_csv(f, index=False, float_format="%.6g")


def between_markers(text: str, start: str, end: str, block: str, path: Path) -> str:
    """``text`` with what lies between the markers ``start`` and ``end`` replaced by ``block``."""
    if start not in text or end not in text:
        raise SystemExit(f"{path}: no {start} … {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}\n{end}{tail}"


def update_readme(table: str, prose: str, path: Path) -> None:
    """Write the headline table and its sentences between their README markers."""
    text = path.read_text(encoding="utf-8")
    text = between_markers(text, MARK_START, MARK_END, table, path)
    text = between_markers(text, PROSE_START, PROSE_END, prose, path)
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _git_head() -> str | None:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=ROOT, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def peak_rss_gb() -> float:
    """Largest resident set of this process or any finished child, GB (Linux: KiB units)."""
    kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return kib / 1024 ** 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "headline")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs" / "results")
    ap.add_argument("--readme", type=Path, default=ROOT / "README.md")
    ap.add_argument("--households", type=int, default=None,
                    help="scale the simulated sources to about this many households")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-null", action="store_true",
                    help="skip the permutation null (re-scored from the study's predictions)")
    ap.add_argument("--note", action="append", default=[],
                    help="a line added to the provenance notes (e.g. measurements of a reused "
                         "run)")
    ap.add_argument("--add-results", type=Path, action="append", default=[],
                    help="with --reuse: another results.csv of the same population (e.g. its "
                         "priors scored by a later run) appended to the study's")
    ap.add_argument("--reuse", action="store_true",
                    help="read the finished study's results.csv and predictions.csv (OUT) "
                         "instead of running it: re-reports with this code")
    a = ap.parse_args(argv)
    try:
        spec = scaled(StudySpec.from_toml(a.spec), a.households)
    except (OSError, ValueError, TypeError) as e:
        print(f"results: {a.spec}: {e}", file=sys.stderr)
        return 2
    timing = {}
    t0 = time.time()
    res = (pd.concat([pd.read_csv(p) for p in [a.out / "results.csv", *a.add_results]],
                     ignore_index=True) if a.reuse
           else run_study(spec, a.out, workers=a.workers))
    timing["study_s"] = round(time.time() - t0, 1)
    # the real-household rows are regenerated by `make real-results`; the report shows the
    # committed ones, naming the file
    real = read_real()
    preds = read_predictions(a.out)
    report.write_report(a.out, results=res, seed=spec.seed, predictions=preds,
                        real=None if real is None else real[0], real_folds=N_FOLDS,
                        real_source=None if real is None else real[1])
    nulls = None
    if not a.no_null:
        # the null over every partner, re-scored from this study's predictions: no study of
        # its own (the 48-household, 4-rung null study took 116 s of the 20-min bar)
        t1 = time.time()
        path = a.out / "predictions.csv"
        nulls = null_table(res, null.read_predictions(path) if path.exists() else None,
                           null_partners(spec, a.out), spec.seed)
        null_s = round(time.time() - t1, 1)
    a.docs.mkdir(parents=True, exist_ok=True)
    head = report.headline_csv(res, strata(spec, a.out), seed=spec.seed, predictions=preds)
    write_csv(head, a.docs / "headline.csv")
    tests = tests_table(res, spec.seed, preds)
    write_csv(tests, a.docs / "headline_tests.csv")
    if nulls is not None:
        write_csv(nulls, a.docs / "null.csv")
    write_csv(report.ownership_scores(res, ownership(spec, a.out), seed=spec.seed),
              a.docs / "ownership.csv")
    with open(a.out / "provenance.json") as f:
        prov = json.load(f)
    if a.reuse:
        # the studies ran before: their own wall times are in their provenance records
        timing = {"study_s": prov.get("elapsed_s")}
        prov["report_git_commit"] = _git_head()
    if nulls is not None:
        timing["null_s"] = null_s  # the re-scoring, also under --reuse (it runs here)
    prov["notes"] = list(prov.get("notes", [])) + a.note
    prov.update(timing=timing, peak_rss_gb=None if a.reuse else round(peak_rss_gb(), 2),
                reused=bool(a.reuse),
                load_average=[round(x, 2) for x in os.getloadavg()], cpus=os.cpu_count(),
                households_override=a.households, workers=a.workers,
                households=int(sum(s.households for s in spec.sources)),
                null_households=(None if nulls is None else int(nulls["houses"].max())
                                 if len(nulls) else 0),
                null="none" if nulls is None else "every allowed partner, re-scored",
                command=" ".join(["python", "scripts/results.py", str(a.spec)]
                                 + ([f"--households {a.households}"] if a.households else [])
))
    with atomic_open(a.docs / "provenance.json", "w") as f:
        json.dump(prov, f, indent=2, default=str)
    update_readme(report.readme_table(head), readme_prose(a.docs), a.readme)
    print(json.dumps({"timing": timing, "peak_rss_gb": prov["peak_rss_gb"],
                      "households": prov["households"], "rows": len(head)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
