"""The ``nilm`` command line. Each sub-command is a thin layer over a library function.

Every argument is parsed and checked here, with the value types of :mod:`nilm.arguments`,
before any work starts. Every user error (a bad value, path, option, spec or input file) ends
the same way: one line on stderr saying what is wrong and what to do, and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
from pathlib import Path

from . import arguments
from .errors import NilmDataError, UsageError

#: exit status of a user error (bad argument, spec or input data)
USAGE_EXIT = 2
#: the sub-commands, in --help order
COMMANDS = ("inspect", "resample", "study", "leaderboard", "report", "simulate", "linky", "demo")

CSV_NOTE = ("The CSV has one row per interval: 'timestamp' is the interval's START in UTC "
            "(ISO 8601, ending in Z), then mains and one column per appliance, mean power in W "
            "over the interval (3 decimals); an empty cell is an interval covered less than "
            "--min-coverage.")


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are :class:`UsageError` (one line, exit 2, see
    :func:`main`) instead of a usage block."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} -h)")


def _type(fn):
    """``fn`` as an argparse type: its UsageError becomes argparse's message."""
    def convert(text):
        try:
            return fn(text)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = fn.__name__
    return convert


def preset(text) -> str:
    """A simulator country preset (:data:`nilm.simulate.presets.PRESETS`), any case; checked
    here, above the simulator's layer, and only when ``nilm simulate`` runs (it imports SciPy:
    ``nilm -h`` must not wait for it)."""
    from .simulate.presets import PRESETS

    name = str(text).strip().upper()
    if name not in PRESETS:
        raise UsageError(f"preset {text!r}: choose one of {', '.join(sorted(PRESETS))}")
    return name


# ----------------------------------------------------------------------------- loading


def _load_all(args):
    """The households at ``args.path``, with the load report printed on stderr (see
    :func:`report_load`)."""
    return load_checked(args.path, f"nilm {args.command}", arguments.options(args.option),
                        mode="strict" if args.strict else "lenient",
                        cache=False if args.no_cache else None)


def load_checked(path, prog: str, options: dict, *, given: str | None = None, **kw):
    """:func:`nilm.load_all` of ``path`` with loader ``options``; an option the loader rejects
    is a :class:`UsageError` naming it as ``given`` (default: as ``-o KEY=VALUE``), a file that
    cannot be decoded a :class:`NilmDataError`, and the load report is printed
    (:func:`report_load`)."""
    from .io import detect_format, load_all

    try:
        households = load_all(path, **kw, **options)
    except NilmDataError:
        raise
    except (UnicodeDecodeError, KeyError, RuntimeError) as exc:
        # damage a loader did not name: a byte that is not text, or a broken HDF5 structure
        # (h5py raises KeyError or RuntimeError from its own code; elsewhere they are bugs)
        if not isinstance(exc, UnicodeDecodeError) and not _raised_in(exc, "h5py"):
            raise
        raise NilmDataError(path, None, f"unreadable, the file may be damaged "
                            f"({type(exc).__name__}: {exc})") from None
    except (TypeError, ValueError) as exc:
        if not options:
            raise
        if given is None:
            given = " ".join(f"-o {k}={v}" for k, v in options.items())
        fmt = options.get("format") or detect_format(path)
        module = {"linky": "linky_folder"}.get(fmt, fmt)   # the one format named otherwise
        raise UsageError(f"{given} rejected by the {fmt} loader: {exc} (its options: "
                         f"help(nilm.io.{module}.read) or the API reference)") from None
    return report_load(households, path, prog)


def _raised_in(exc: BaseException, package: str) -> bool:
    """Whether ``exc`` was raised by code of ``package`` (its innermost frame)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and package in Path(tb.tb_frame.f_code.co_filename).parts


def usable(household) -> bool:
    """Whether a loaded household holds a usable value: in its mains when it has one (an
    aggregate left empty makes the household useless to every command), else in any channel."""
    import numpy as np

    if household.mains is not None and household.meta.get("mains_kind") != "absent":
        return bool(np.isfinite(household.mains.p).any())
    chans = [*household.appliances.values(), *household.extra.values()]
    return any(np.isfinite(c.p).any() for c in chans)


def report_load(households, path, prog: str = "nilm"):
    """Print what a lenient load repaired or skipped (one line per file and kind, on stderr);
    raise :class:`NilmDataError` when no household is :func:`usable`."""
    ok = [usable(h) for h in households]
    if not any(ok):
        lines = [line for h in households if h.report for line in h.report.summary()]
        what = "; ".join(lines[:3]) + ("; ..." if len(lines) > 3 else "")
        raise NilmDataError(path, None, "no usable value: the mains (or, without mains, every "
                            "channel) is empty after the load" + (f" ({what})" if what else "")
                            + "; check the file's format (decimal separator, columns, units); "
                            "--strict stops at the first bad line")
    for h, good in zip(households, ok):
        for line in (h.report.summary() if h.report else []):
            print(f"{prog}: {h.name}: repaired or skipped: {line}", file=sys.stderr)
        if not good:
            print(f"{prog}: {h.name}: no usable mains value", file=sys.stderr)
    return households


# ----------------------------------------------------------------------------- commands


def cmd_inspect(args) -> int:
    from .inspect import format_summary, household_summary

    summaries = [household_summary(h) for h in _load_all(args)]
    if args.json:
        print(json.dumps(summaries if len(summaries) > 1 else summaries[0], indent=2))
    else:
        print("\n\n".join(format_summary(s) for s in summaries))
    return 0


def cmd_resample(args) -> int:
    from .export import write_grid_csv

    households = _load_all(args)
    if len(households) > 1 and "{house}" not in args.out:
        raise UsageError(f"{len(households)} households found: put {{house}} in --out, "
                         f"e.g. --out {Path(args.out).with_name('{house}.csv')}")
    for h in households:
        grid = h.to_grid(args.period, min_coverage=args.min_coverage)
        out = args.out.replace("{house}", str(h.meta.get("house")))
        write_grid_csv(grid, out)
        print(f"{h.name}: {len(grid)} intervals of {args.period:g} s -> {out}")
    return 0


def cmd_study(args) -> int:
    from .study import StudySpec, run_study, tune_heap

    spec = StudySpec.from_toml(args.spec)
    for source in spec.sources:
        if source.kind == "path":   # loaded once here (then cached): bad data fails now
            load_checked(source.path, "nilm study", source.options, cache=args.out / "cache",
                         given=f"{args.spec}: source {source.name!r}: options = "
                         f"{source.options}")
    tune_heap()  # this process exists to run the study (see nilm.study.tune_heap)
    df = run_study(spec, args.out, workers=args.workers, scheduler=args.scheduler,
                   progress=not args.no_progress)
    print(f"{len(df)} result rows -> {args.out}/results.csv")
    if not args.no_report:
        from .report import write_report

        paths = write_report(args.out)
        print(f"report -> {paths.get('report.html', args.out)}")
    return 0


def cmd_report(args) -> int:
    from .report import write_report

    if not (args.out / "results.csv").is_file():
        raise UsageError(f"{args.out} holds no results.csv: run nilm study SPEC --out "
                         f"{args.out} first")
    written = write_report(args.out, figures=not args.no_figures)
    print(f"report: {written['report.html']}")
    return 0


def cmd_simulate(args) -> int:
    from .simulate import simulate_to_dir

    sigs = None
    if args.tracebase:
        from .simulate.calibration import tracebase_activations

        sigs = tracebase_activations(args.tracebase)
    path = simulate_to_dir(args.out, args.households, args.days, args.seed, args.period,
                           start=args.start, preset=args.preset,
                           smart_share=args.smart_share, signatures=sigs,
                           signatures_source=None if args.tracebase is None
                           else str(args.tracebase), progress=True)
    print(path)
    return 0


def cmd_linky(args) -> int:
    from .io.prm import mask_text
    from .linky_report import CAVEAT, analyse_export, default_out
    from .locale import Locale

    L = Locale(args.lang)
    src = args.export
    out = args.out or arguments.output_folder(default_out(src))
    result = analyse_export(src, out, seed=args.seed, start=args.start, lang=args.lang,
                            simulated=args.simulated)
    for line in result["repairs"]:
        print(L._("nilm linky: repaired or skipped: {line}", line=mask_text(line)),
              file=sys.stderr)
    print("\n".join([f"{x['text']} — {x['accuracy']}" if x["accuracy"] else x["text"]
                     for x in result["findings"]] + result["notes"]))
    print(L._(CAVEAT))
    print(L._("report: {path}", path=result["files"]["linky_report.html"]))
    return 0


def cmd_leaderboard(args) -> int:
    from .leaderboard import LeaderboardSpec, run_leaderboard

    try:
        spec = LeaderboardSpec.from_toml(args.spec)
    except ValueError as e:
        raise UsageError(str(e)) from None
    df = run_leaderboard(spec, args.out, data=args.data, workers=args.workers,
                         progress=not args.no_progress)
    print(f"{len(df)} rows -> {args.out}/leaderboard.csv")
    if args.publish is not None:
        from .leaderboard_report import publish

        for path in publish(args.out, args.publish):
            print(f"-> {path}")
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(args.out, args.data, workers=args.workers, households=args.households,
             days=args.days, seed=args.seed, progress=not args.quiet)
    return 0


# ----------------------------------------------------------------------------- parser


def _add_load_args(p) -> None:
    p.add_argument("path", type=_type(arguments.input_path),
                   help="data file or folder (format detected)")
    p.add_argument("-o", "--option", action="append", metavar="KEY=VALUE",
                   help="loader option, e.g. -o aggregate=sum_of_circuits or -o format=redd "
                   "(repeatable; the options of each format are in its module's read)")
    p.add_argument("--strict", action="store_true", help="stop at the first bad line (file "
                   "and line named) instead of repairing and reporting what was repaired")
    p.add_argument("--no-cache", action="store_true", help="do not use the HDF5 cache")


def build_parser() -> argparse.ArgumentParser:
    from .demo import DEMO_DAYS, DEMO_HOUSEHOLDS
    from .version import __version__

    parser = Parser(prog="nilm", description="Non-intrusive load monitoring, and what a "
                    "load curve reveals at each resolution. Every command: nilm COMMAND -h.")
    parser.add_argument("--version", action="version", version=f"nilm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fmt = argparse.ArgumentDefaultsHelpFormatter

    p = sub.add_parser("inspect", help="per-channel summary of a dataset", description=(
        "Per-channel summary of every household found at PATH: samples, median period, "
        "first and last time (UTC), gaps over 5 min, energy (Wh), missing values, and what a "
        "lenient load repaired (also printed on stderr)."))
    _add_load_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("resample", help="energy-preserving resampling to a CSV",
                       formatter_class=fmt, description=(
                           "Resample every channel to one fixed period, preserving energy, and "
                           "write a CSV per household. " + CSV_NOTE))
    _add_load_args(p)
    p.add_argument("--period", required=True, type=_type(arguments.period),
                   help="interval: seconds (60) or with a unit (30min, 10min, 1h, 1d, PT30M)")
    p.add_argument("--out", required=True, type=_type(arguments.output_file),
                   help="CSV path; {house} is replaced per household")
    p.add_argument("--min-coverage", type=_type(arguments.fraction), default=0.5,
                   help="covered fraction of an interval below which it is left empty")
    p.set_defaults(func=cmd_resample)

    p = sub.add_parser("study", help="run (or resume) a leakage study from a TOML spec",
                       formatter_class=fmt, description=(
                           "Run a leakage study (docs/study.md). The spec is checked completely "
                           "before any work; a rerun with the same --out resumes."))
    p.add_argument("spec", type=_type(arguments.input_path), help="study spec (TOML)")
    p.add_argument("--out", required=True, type=_type(arguments.output_folder),
                   help="output folder (resumes what is there)")
    p.add_argument("--workers", type=_type(arguments.count), default=1,
                   help="worker processes")
    p.add_argument("--scheduler", default=None,
                   help="Dask: 'local' for a LocalCluster of --workers, or a scheduler address")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-report", action="store_true", help="results only, no report")
    p.set_defaults(func=cmd_study)

    p = sub.add_parser("leaderboard", help="disaggregation leaderboard from a TOML spec",
                       formatter_class=fmt, description=(
                           "Every model x dataset x resolution rung x seed, with block-bootstrap "
                           "CIs (studies/leaderboard.toml). A rerun with the same --out "
                           "resumes."))
    p.add_argument("spec", type=_type(arguments.input_path), help="leaderboard spec (TOML)")
    p.add_argument("--out", type=_type(arguments.output_folder), default="reports/leaderboard",
                   help="output folder (resumes what is there)")
    p.add_argument("--data", type=_type(arguments.input_path), default=None,
                   help="folder the spec's dataset paths are relative to, e.g. ../shared/data")
    p.add_argument("--workers", type=_type(arguments.count), default=1,
                   help="worker processes")
    p.add_argument("--publish", type=_type(arguments.output_folder), default=None,
                   help="docs folder: write results/leaderboard.csv, its provenance, "
                   "leaderboard.md and leaderboard.png there")
    p.add_argument("--no-progress", action="store_true", help="no per-cell lines")
    p.set_defaults(func=cmd_leaderboard)

    p = sub.add_parser("report", help="(re)write report.md/.html/tables.tex of a study folder",
                       description="Write report.md, report.html, tables.tex and figures/ "
                       "from a study's results.csv and provenance.json.")
    p.add_argument("out", type=_type(arguments.output_folder),
                   help="the study's output folder")
    p.add_argument("--no-figures", action="store_true", help="tables only")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("simulate", help="simulated households with ground truth",
                       formatter_class=fmt, description=(
                           "Simulate households (SIMULATED data, not measurements) and write, "
                           "per household, <house>.nilm.h5, <house>.truth.npz and "
                           "<house>.events.csv, then population.json (written last: a folder "
                           "without it is an interrupted run). See docs/simulator.md."))
    p.add_argument("--out", required=True, type=_type(arguments.output_folder),
                   help="output folder")
    p.add_argument("--households", type=_type(arguments.count), default=1,
                   help="number of households")
    p.add_argument("--days", type=_type(arguments.count), default=7,
                   help="local days per household")
    p.add_argument("--seed", type=_type(arguments.seed), default=0,
                   help="population seed (same seed, same households)")
    p.add_argument("--period", type=_type(arguments.simulation_period), default=1,
                   help="output period, s (must divide 3600)")
    p.add_argument("--start", type=_type(arguments.date), default="2024-01-08",
                   help="first local day, ISO date")
    p.add_argument("--preset", default="FR", type=_type(preset),
                   help="country preset (climate, heating mix, tariff clock), e.g. FR, GB, CH")
    p.add_argument("--smart-share", type=_type(arguments.fraction), default=None,
                   help="share of presence-following thermostats (default: the preset's)")
    p.add_argument("--tracebase", type=_type(arguments.input_path), default=None,
                   help="folder of tracebase traces: replay real activations")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("linky", help="what your own Enedis export reveals, computed locally",
                       formatter_class=fmt, description=(
                           "What your own Linky data reveals, computed on this computer "
                           "(nothing leaves it)."))
    p.add_argument("export", type=_type(arguments.input_path),
                   help="a Linky file (Enedis CSV/XLSX export, Data Connect JSON, supplier "
                   "export, TIC log) or a folder of one meter's downloads")
    p.add_argument("--out", type=_type(arguments.output_folder), default=None,
                   help="output folder (default: <export>_nilm/ beside the export)")
    p.add_argument("--seed", type=_type(arguments.seed), default=0,
                   help="seed of the simulated training population and the detector")
    p.add_argument("--start", type=_type(arguments.local_time), default=None,
                   help="start time of a TIC capture without clock (ISO 8601, local time "
                   "without offset)")
    p.add_argument("--lang", choices=("fr", "en"), default="fr",
                   help="language of the report and messages (CSV outputs stay neutral)")
    p.add_argument("--simulated", action="store_true",
                   help="the file holds simulated data (a fixture): the report says so")
    p.set_defaults(func=cmd_linky)

    p = sub.add_parser("demo", help="the main job: leakage study on a simulated population "
                       "(+ real data), with report", formatter_class=fmt, description=(
                           "Run the leakage study on a simulated population and the real "
                           "datasets found, and write the report."))
    p.add_argument("--out", type=_type(arguments.output_folder), default="reports/demo",
                   help="output folder")
    p.add_argument("--data", type=_type(arguments.input_path), default=None,
                   help="folder of the real datasets, e.g. ../shared/data")
    p.add_argument("--workers", type=_type(arguments.count), default=2,
                   help="worker processes")
    p.add_argument("--households", type=_type(arguments.count), default=DEMO_HOUSEHOLDS,
                   help="simulated households")
    p.add_argument("--days", type=_type(arguments.count), default=DEMO_DAYS,
                   help="simulated days each")
    p.add_argument("--seed", type=_type(arguments.seed), default=0, help="study seed")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_demo)
    return parser


# ----------------------------------------------------------------------------- errors


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line."""
    if isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror or exc}"
    else:
        text = str(exc)
    return " ".join(text.split())


def main(argv=None) -> int:
    """Run ``nilm ARGV``; the exit status is 0, or :data:`USAGE_EXIT` after one line on stderr
    for a user error. Warnings (a rebuilt cache, removed leftovers) are one line each too."""
    import warnings

    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    prog = f"nilm {argv[0]}" if argv and argv[0] in COMMANDS else "nilm"
    with warnings.catch_warnings():
        warnings.showwarning = functools.partial(_show_warning, prog)
        return _run(argv, prog)


def _show_warning(prog, message, category, filename, lineno, file=None, line=None) -> None:
    text = one_line(message).removeprefix("nilm: ")
    print(f"{prog}: warning: {text}", file=sys.stderr)


def _run(argv: list[str], prog: str) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except BrokenPipeError:
        # the reader went away (nilm inspect ... | head): nothing to report; stdout goes to
        # /dev/null so that the interpreter's final flush does not fail again
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (UsageError, NilmDataError, OSError) as exc:
        message = one_line(exc)
        if isinstance(exc, PermissionError):
            message += " (choose another path or change its permissions)"
        if prog == "nilm linky":
            from .io.prm import mask_text

            message = mask_text(message)   # a meter id never reaches the screen
        print(f"{prog}: error: {message}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    return USAGE_EXIT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
