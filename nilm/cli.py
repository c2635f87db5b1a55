"""The ``nilm`` command line. Each sub-command is a thin layer over a library function."""

from __future__ import annotations

import argparse
import json
import sys


def _parse_options(pairs: list[str]) -> dict:
    """``["aggregate=sum_of_circuits", "merge_legs=false"]`` → dict with ints/floats/bools."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"option {pair!r} is not KEY=VALUE")
        key, value = pair.split("=", 1)
        low = value.lower()
        if low in ("true", "false"):
            out[key] = low == "true"
        else:
            for conv in (int, float):
                try:
                    out[key] = conv(value)
                    break
                except ValueError:
                    continue
            else:
                out[key] = value
    return out


def _load_all(args):
    from .io import load_all

    return load_all(args.path, mode="strict" if args.strict else "lenient",
                    cache=False if args.no_cache else None, **_parse_options(args.option))


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
    from .resample import parse_period

    households = _load_all(args)
    if len(households) > 1 and "{house}" not in args.out:
        raise SystemExit(f"{len(households)} households: put {{house}} in --out")
    period = parse_period(args.period)
    for h in households:
        grid = h.to_grid(period, min_coverage=args.min_coverage)
        out = args.out.replace("{house}", str(h.meta.get("house")))
        write_grid_csv(grid, out)
        print(f"{h.name}: {len(grid)} intervals of {period:g} s -> {out}")
    return 0


def cmd_study(args) -> int:
    from .study import StudySpec, run_study

    spec = StudySpec.from_toml(args.spec)
    df = run_study(spec, args.out, workers=args.workers, scheduler=args.scheduler,
                   progress=not args.no_progress)
    print(f"{len(df)} result rows -> {args.out}/results.csv")
    if not args.no_report:
        from .report import write_report

        paths = write_report(args.out)
        print(f"report -> {paths.get('report.html', args.out)}")
    return 0


def _add_load_args(p) -> None:
    p.add_argument("path", help="data file or folder (format detected)")
    p.add_argument("-o", "--option", action="append", metavar="KEY=VALUE",
                   help="loader option, e.g. -o aggregate=sum_of_circuits (repeatable)")
    p.add_argument("--strict", action="store_true", help="raise on the first bad line instead "
                   "of repairing and reporting")
    p.add_argument("--no-cache", action="store_true", help="do not use the HDF5 cache")


def build_parser() -> argparse.ArgumentParser:
    from .version import __version__

    parser = argparse.ArgumentParser(prog="nilm", description=__doc__)
    parser.add_argument("--version", action="version", version=f"nilm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="per-channel summary of a dataset")
    _add_load_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("resample", help="energy-preserving resampling to a CSV")
    _add_load_args(p)
    p.add_argument("--period", required=True, help="e.g. 30min, 10min, 1h, 60 (seconds)")
    p.add_argument("--out", required=True, help="CSV path ({house} is replaced per household)")
    p.add_argument("--min-coverage", type=float, default=0.5,
                   help="minimum covered fraction of an interval, else empty (default 0.5)")
    p.set_defaults(func=cmd_resample)

    p = sub.add_parser("study", help="run (or resume) a leakage study from a TOML spec")
    p.add_argument("spec", help="study spec (TOML), see docs/study.md")
    p.add_argument("--out", required=True, help="output folder (resumes what is there)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--scheduler", default=None,
                   help="Dask: 'local' for a LocalCluster of --workers, or a scheduler address")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-report", action="store_true", help="results only, no report")
    p.set_defaults(func=cmd_study)

    # commands whose parser lives beside their code: listed here for --help, dispatched in main
    for name, help_ in _DELEGATED.items():
        sub.add_parser(name, help=help_, add_help=False)
    return parser


#: sub-command -> help; each has its own ``cli_main(argv)``
_DELEGATED = {
    "demo": "the main job: leakage study on a simulated population (+ real data), with report",
    "simulate": "simulated households with ground truth (nilm simulate -h)",
    "linky": "what your own Enedis export reveals, computed locally (nilm linky -h)",
    "report": "(re)write report.md/.html/tables.tex of a study folder (nilm report -h)",
}


def _delegate(name: str, argv: list[str]) -> int:
    import importlib

    module = {"demo": "demo", "simulate": "simulate", "linky": "linky_report",
              "report": "report"}[name]
    return importlib.import_module(f"{__package__}.{module}").cli_main(argv)


def main(argv=None) -> int:
    from .errors import NilmDataError

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in _DELEGATED:
        return _delegate(argv[0], argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except NilmDataError as e:
        print(f"nilm: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
