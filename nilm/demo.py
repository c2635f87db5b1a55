"""``nilm demo``: the leakage study end to end on a simulated population and on whatever real
datasets are found, then the report (:mod:`nilm.report`).

The simulated population (:mod:`nilm.simulate`, exact ground truth) is sized so that the whole
demo runs in a few minutes on a 2-core laptop. Real datasets are looked for under ``data`` at the
paths of the shared excerpts (``../shared/data``, see datasets.md); each is loaded once up front
and skipped — with its error written into the report — when it cannot be loaded or has no
ground-truth proxy. Each dataset gets the resolution ladder of DESIGN.md from its native period
up: a resolution finer than the data's own period is skipped for that dataset and the report
says so (resampling to it would only repeat samples).

All sources go into one :func:`nilm.study.run_study` (so every household of every dataset is
one job of the same worker pool), which writes ``OUT/results.csv`` and ``OUT/provenance.json``;
the demo adds its notes (datasets and resolutions skipped) to the latter.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .atomic import atomic_open
from .study import DEFAULT_RESOLUTIONS, Source, StudySpec

#: real datasets looked for under ``data``: (source name, relative path, loader options)
REAL_CANDIDATES = [
    ("uci_sceaux", "uci_household_power_consumption/sceaux_2006-12-16_to_2007-01-19", {}),
    ("redd_house5", "redd/low_freq/house_5", {"aggregate": "sum_of_circuits"}),
    ("ukdale_house1", "ukdale/house_1_2013-04-12_pda_fixture", {}),
    ("ampds_hourly", "ampds/ampds_2012-04-01_to_2014-04-01_hourly_Wh", {}),
]

#: simulated population of the demo: measured to run the whole demo (simulation, study over
#: the full ladder, report) within 5 minutes on 2 cores; see the module notes
DEMO_HOUSEHOLDS = 6
DEMO_DAYS = 14
#: output period of the simulated households, s (the TIC's 2 s: the finest rung of the ladder)
DEMO_PERIOD = 2


def ladder_for(native_s: float, resolutions=DEFAULT_RESOLUTIONS) -> tuple[list[str], list[str]]:
    """(resolutions to run, resolutions skipped) for data of native period ``native_s`` s.

    ``native`` is always run; a named resolution finer than or equal to the native period is
    skipped (equal: ``native`` already is that point)."""
    from .resample import parse_period

    keep, skip = [], []
    for r in resolutions:
        if r == "native":
            keep.append(r)
        elif parse_period(r) > native_s:
            keep.append(r)
        else:
            skip.append(r)
    return keep, skip


def probe_real(data, out: Path, candidates=REAL_CANDIDATES):
    """Load each candidate dataset under ``data`` once (filling the study's cache).

    Returns ``(sources, natives, notes)``: a :class:`~nilm.study.Source` per usable dataset,
    its native period in s, and one note per dataset skipped (absent, unloadable, or without a
    ground-truth proxy), naming the error."""
    from .io import load_all
    from .privacy.truth_proxy import proxy_truth

    sources, natives, notes = [], {}, []
    root = Path(data)
    for name, rel, options in candidates:
        path = root / rel
        if not path.exists():
            notes.append(f"{name}: not found at {path}, skipped.")
            continue
        try:
            houses = load_all(path, cache=Path(out) / "cache", **options)
            if not houses:
                raise ValueError("no household found")
            for h in houses:
                proxy_truth(h)
        except Exception as e:  # noqa: BLE001 - any loader failure is reported, not fatal
            notes.append(f"{name} ({path}): skipped, {type(e).__name__}: {e}")
            continue
        sources.append(Source(name=name, kind="path", path=str(path), options=dict(options)))
        natives[name] = float(min(h.native_period for h in houses))
    return sources, natives, notes


def _demo_figures(out: Path, real: list, seed: int) -> dict:
    """Carpet and disaggregation figures of the first simulated household, and a carpet of the
    first real dataset with sub-meters (its ground truth is then a sub-meter proxy)."""
    from . import plot
    from .figure_data import carpet_data, disaggregation_data
    from .io import load, load_all
    from .privacy.truth_proxy import proxy_truth
    from .truth import GroundTruth

    figs = {}
    d = out / "data" / "simulated"
    first = sorted(d.glob("*.nilm.h5"))[0]
    house = load(first)
    truth = GroundTruth.load(d / (first.name[: -len(".nilm.h5")] + ".truth.npz"))
    figs["carpet_simulated"] = (
        plot.carpet(carpet_data(house, truth)),
        f"Carpet plot of simulated household {house.meta.get('house')} at its native period, "
        "10 and 30 min: inferred wake-up/bed (change point, triangles) and absences "
        "(unsupervised attack, hatched) against the "
        "simulator's truth (red). Data: simulated.")
    figs["disaggregation_simulated"] = (
        plot.disaggregation_example(disaggregation_data(house, periods=(600, 1800), model="co",
                                                        seed=seed)),
        "One day of combinatorial-optimisation disaggregation at 10 and 30 min. Data: "
        "simulated.")
    for src in real:
        h = load_all(src.path, cache=out / "cache", **src.options)[0]
        if h.appliances and h.mains is not None:
            span = h.span()
            if span[1] - span[0] < 3 * 86400:
                continue
            figs[f"carpet_{src.name}"] = (
                plot.carpet(carpet_data(h, proxy_truth(h))),
                f"Carpet plot of {h.name} (real data) with the attacks drawn on; 'true' times "
                "and absences are a sub-meter proxy, not labels.")
            break
    return figs


def run_demo(out="reports/demo", data=None, *, workers: int = 2,
             households: int = DEMO_HOUSEHOLDS, days: int = DEMO_DAYS, seed: int = 0,
             progress: bool = True, n_boot: int = 200,
             resolutions=DEFAULT_RESOLUTIONS) -> Path:
    """Run the leakage study on a simulated population and the real datasets under ``data``,
    and write the report.

    Parameters
    ----------
    out : output folder: ``report.md``, ``report.html``, ``tables.tex``, ``figures/``,
        ``results.csv``, ``provenance.json``, ``leakage_vs_resolution.png`` (the README's
        picture), and the study's ``data/``, ``cache/`` and ``cells/`` (a rerun resumes).
    data : folder of the real datasets (e.g. ``../shared/data``); None = simulated only.
    workers : local worker processes.
    households, days : size of the simulated population (households × local days at 2 s).
    seed : study seed (simulation, attacks, bootstraps).
    progress : progress bars and messages.
    n_boot : bootstrap replicates per score.
    resolutions : the ladder (default :data:`nilm.study.DEFAULT_RESOLUTIONS`); per dataset,
        those not coarser than its native period are skipped and noted.

    The report also shows the committed real-household rows (:func:`nilm.linky_accuracy.read_real`:
    ``NILM_REAL``, the packaged or the repository's ``docs/results/real.csv``), saying which file.

    Returns
    -------
    Path of ``report.html``.
    """
    from .linky_accuracy import read_real
    from .real_rows import N_FOLDS
    from .report import write_report
    from .study import run_study

    t0 = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notes = []
    sources = [Source(name="simulated", kind="simulated", households=households, days=days,
                      period=DEMO_PERIOD, seed=seed)]
    natives = {"simulated": float(DEMO_PERIOD)}
    if data is not None:
        real, real_natives, skipped = probe_real(data, out)
        notes += skipped
        sources += real
        natives.update(real_natives)
    run = set()
    for src in sources:
        keep, skip = ladder_for(natives[src.name], resolutions)
        run.update(keep)
        if skip:
            notes.append(f"{src.name}: native period {natives[src.name]:g} s; resolutions "
                         f"{', '.join(skip)} not run (not coarser than the data).")
    # a rung no source needs is left out of the study (the study skips finer-than-native
    # cells itself, but would recompute a rung equal to a source's native period)
    spec = StudySpec(sources=sources, name="demo", seed=seed, n_boot=n_boot,
                     resolutions=[r for r in resolutions if r in run])
    results = run_study(spec, out, workers=workers, progress=progress)
    with open(out / "provenance.json") as f:
        prov = json.load(f)
    prov["notes"] = notes
    prov["demo"] = {"households": households, "days": days, "period_s": DEMO_PERIOD,
                    "data": None if data is None else str(data)}
    extra = _demo_figures(out, [s for s in sources if s.kind == "path"], seed)
    prov["demo"]["elapsed_s"] = time.time() - t0
    with atomic_open(out / "provenance.json", "w") as f:
        json.dump(prov, f, indent=2, default=str)
    # the real-household rows come from their own command (`make real-results`: METER's
    # licence keeps its data out of the demo); the report shows them, saying so
    real = read_real()
    written = write_report(out, results=results, provenance=prov, extra_figures=extra, seed=seed,
                           real=None if real is None else real[0], real_folds=N_FOLDS,
                           real_source=None if real is None else real[1])
    with open(written["figures/leakage_vs_resolution.png"], "rb") as src_png, \
            atomic_open(out / "leakage_vs_resolution.png", "wb") as dst:
        dst.write(src_png.read())
    print(f"nilm demo: report at {written['report.html']} "
          f"({time.time() - t0:.0f} s)")
    return written["report.html"]


__all__ = ["DEMO_DAYS", "DEMO_HOUSEHOLDS", "DEMO_PERIOD", "REAL_CANDIDATES",
           "ladder_for", "probe_real", "run_demo"]
