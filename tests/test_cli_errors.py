"""Every user error of issue 15 ends as one line on stderr and exit 2, never a traceback; every
command that loads data says what a lenient load repaired. Each test builds its damaged input."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nilm.cli import main

UCI_HEADER = ("Date;Time;Global_active_power;Global_reactive_power;Voltage;Global_intensity;"
              "Sub_metering_1;Sub_metering_2;Sub_metering_3\n")


def uci_file(path: Path, n: int = 120, decimal: str = ".") -> Path:
    """A UCI file of ``n`` minutes from 2007-02-01, 0.5 kW; ``decimal=","`` writes every value
    with a decimal comma (as a spreadsheet export in a French locale would)."""
    rows = []
    for i in range(n):
        hh, mm = divmod(i, 60)
        vals = ["0.500", "0.100", "240.000", "2.000", "0.000", "1.000", "17.000"]
        rows.append(f"1/2/2007;{hh:02d}:{mm:02d}:00;" + ";".join(v.replace(".", decimal)
                                                                  for v in vals))
    path.write_text(UCI_HEADER + "\n".join(rows) + "\n")
    return path


def redd_house(folder: Path, n: int = 200) -> Path:
    folder.mkdir(parents=True)
    (folder / "labels.dat").write_text("1 mains\n2 mains\n3 refrigerator\n")
    t = 1303100000 + 3 * np.arange(n)
    for ch, p in {1: 100.0, 2: 50.0, 3: 80.0}.items():
        (folder / f"channel_{ch}.dat").write_text("".join(f"{ti} {p}\n" for ti in t))
    return folder


def run(argv, capsys):
    """(exit status, stdout, stderr) of ``nilm ARGV`` run in this process; an exception that
    escapes main (a traceback for the user) fails the test."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code, err, *words):
    assert code == 2, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and ": error: " in err
    for w in words:
        assert w.lower() in err.lower(), (w, err)


# ------------------------------------------------------------------ periods, options, paths


def test_period_in_seconds_as_help_documents(tmp_path, capsys):
    src = uci_file(tmp_path / "h.txt")
    code, out, err = run(["resample", src, "--period", "60", "--out", tmp_path / "r.csv",
                          "--no-cache"], capsys)
    assert code == 0, err
    assert "of 60 s" in out and (tmp_path / "r.csv").read_text().count("\n") == 121


@pytest.mark.parametrize("period", ["1.5s", "0", "-60", "abc", "0min"])
def test_bad_period(tmp_path, capsys, period):
    src = uci_file(tmp_path / "h.txt")
    code, _, err = run(["resample", src, "--period", period, "--out", tmp_path / "r.csv"],
                       capsys)
    assert_user_error(code, err, "--period", "whole number of seconds")
    assert not (tmp_path / "r.csv").exists()


def test_unknown_loader_option(tmp_path, capsys):
    house = redd_house(tmp_path / "house_1")
    code, _, err = run(["inspect", house, "-o", "foo=bar", "--no-cache"], capsys)
    assert_user_error(code, err, "-o foo=bar", "foo")


def test_bad_loader_option_value(tmp_path, capsys):
    house = redd_house(tmp_path / "house_1")
    code, _, err = run(["inspect", house, "-o", "aggregate=bogus", "--no-cache"], capsys)
    assert_user_error(code, err, "aggregate", "bogus", "sum_of_circuits")


@pytest.mark.parametrize("pair", ["aggregate", "=x", "mode=strict", "cache=false"])
def test_malformed_or_reserved_option(tmp_path, capsys, pair):
    house = redd_house(tmp_path / "house_1")
    code, _, err = run(["inspect", house, "-o", pair], capsys)
    assert_user_error(code, err, "option")


def test_out_is_a_folder(tmp_path, capsys):
    src = uci_file(tmp_path / "h.txt")
    (tmp_path / "out").mkdir()
    for out in (f"{tmp_path / 'out'}/", str(tmp_path / "out"), f"{tmp_path / 'new'}/"):
        code, _, err = run(["resample", src, "--period", "10min", "--out", out], capsys)
        assert_user_error(code, err, "is a folder", "file name")


def test_missing_input(tmp_path, capsys):
    code, _, err = run(["inspect", tmp_path / "nope"], capsys)
    assert_user_error(code, err, "no such file")


def test_dev_null(capsys):
    code, _, err = run(["inspect", "/dev/null", "--no-cache"], capsys)
    assert_user_error(code, err, "/dev/null", "not a data file or folder")


def test_header_only_input(tmp_path, capsys):
    src = tmp_path / "h.txt"
    src.write_text(UCI_HEADER)
    code, _, err = run(["resample", src, "--period", "10min", "--out", tmp_path / "r.csv",
                        "--no-cache"], capsys)
    assert_user_error(code, err, str(src))
    assert not (tmp_path / "r.csv").exists()


def test_missing_required_argument(tmp_path, capsys):
    code, _, err = run(["resample", uci_file(tmp_path / "h.txt")], capsys)
    assert_user_error(code, err, "--period", "nilm resample -h")


def test_unknown_command(capsys):
    code, _, err = run(["frobnicate"], capsys)
    assert_user_error(code, err, "frobnicate")


# ------------------------------------------------------------------ item 1: the load report


def test_every_value_rejected_is_an_error(tmp_path, capsys):
    """Decimal commas: the lenient load rejects every value; no CSV of empty intervals."""
    src = uci_file(tmp_path / "h.txt", decimal=",")
    code, out, err = run(["resample", src, "--period", "30min", "--out", tmp_path / "r.csv",
                          "--no-cache"], capsys)
    assert_user_error(code, err, "no usable value", "--strict")
    assert not (tmp_path / "r.csv").exists() and "intervals" not in out
    code, _, err = run(["inspect", src, "--no-cache"], capsys)
    assert_user_error(code, err, "no usable value")


def test_empty_mains_is_an_error_even_with_sub_meters(tmp_path, capsys):
    """Only the aggregate column has decimal commas: the sub-meters load, the mains does not."""
    src = uci_file(tmp_path / "h.txt")
    lines = src.read_text().splitlines()
    fixed = [lines[0]]
    for ln in lines[1:]:
        f = ln.split(";")
        f[2] = f[2].replace(".", ",")
        fixed.append(";".join(f))
    src.write_text("\n".join(fixed) + "\n")
    code, _, err = run(["inspect", src, "--no-cache"], capsys)
    assert_user_error(code, err, "no usable value", "mains", "non_numeric")


def test_repairs_are_printed(tmp_path, capsys):
    src = uci_file(tmp_path / "h.txt")
    lines = src.read_text().splitlines()
    lines[5] = lines[5].replace("0.500", "0,500")
    src.write_text("\n".join(lines) + "\n")
    for argv in (["inspect", src, "--json"],
                 ["resample", src, "--period", "10min", "--out", tmp_path / "r.csv"]):
        code, _, err = run([*argv, "--no-cache"], capsys)
        assert code == 0
        assert "repaired or skipped" in err and "h.txt" in err, err


# ------------------------------------------------------------------ study specs


def spec_file(tmp_path, text: str) -> Path:
    p = tmp_path / "spec.toml"
    p.write_text(textwrap.dedent(text))
    return p


GOOD_SOURCE = """
[[sources]]
name = "sim"
households = 1
days = 1
period = 300
"""


@pytest.mark.parametrize("text,words", [
    ("name = 'x'\n", ["no sources", "[[sources]]"]),
    ("name = 'x\n" + GOOD_SOURCE, ["not valid TOML"]),
    ("colour = 'red'\n" + GOOD_SOURCE, ["unknown study keys", "colour"]),
    (GOOD_SOURCE + "colour = 'red'\n", ["unknown keys", "colour"]),
    ("resolutions = ['native', '7 parsecs']\n" + GOOD_SOURCE, ["resolution", "7 parsecs"]),
    ("inferences = ['mood']\n" + GOOD_SOURCE, ["inferences", "mood"]),
    ("[methods]\noccupancy = ['tea_leaves']\n" + GOOD_SOURCE, ["tea_leaves", "known"]),
    (GOOD_SOURCE.replace("period = 300", "period = 7"), ["period", "3600"]),
    (GOOD_SOURCE.replace("days = 1", "days = 0"), ["days", ">= 1"]),
    ("[[sources]]\nname = 'r'\nkind = 'path'\npath = 'no/such/folder'\n",
     ["no/such/folder", "does not exist"]),
    ("[[sources]]\nname = 'r'\nkind = 'path'\n", ["needs a path"]),
])
def test_bad_spec_before_any_work(tmp_path, capsys, text, words):
    spec = spec_file(tmp_path, text)
    out = tmp_path / "out"
    code, _, err = run(["study", spec, "--out", out, "--no-progress"], capsys)
    assert_user_error(code, err, "spec.toml", *words)
    assert not out.exists()        # nothing simulated, nothing written


def test_missing_spec(tmp_path, capsys):
    code, _, err = run(["study", tmp_path / "nope.toml", "--out", tmp_path / "o"], capsys)
    assert_user_error(code, err, "nope.toml", "no such file")


def test_report_on_an_empty_folder(tmp_path, capsys):
    code, _, err = run(["report", tmp_path], capsys)
    assert_user_error(code, err, "results.csv", "nilm study")


# ------------------------------------------------------------------ simulate


@pytest.mark.parametrize("argv,words", [
    (["--period", "7"], ["--period", "3600"]),
    (["--days", "0"], ["--days", ">= 1"]),
    (["--households", "0"], ["--households", ">= 1"]),
    (["--start", "2024-13-01"], ["--start", "2024-13-01", "YYYY-MM-DD"]),
    (["--seed", "-1"], ["--seed", ">= 0"]),
])
def test_bad_simulate_arguments(tmp_path, capsys, argv, words):
    code, _, err = run(["simulate", "--out", tmp_path / "sim", *argv], capsys)
    assert_user_error(code, err, *words)
    assert not (tmp_path / "sim").exists()


def test_linky_errors_go_to_stderr(tmp_path, capsys):
    bad = tmp_path / "export.csv"
    bad.write_text("nothing to see\n")
    code, out, err = run(["linky", bad, "--out", tmp_path / "o"], capsys)
    assert_user_error(code, err, "nilm linky", "export.csv")
    assert out == ""
    code, _, err = run(["linky", bad, "--start", "yesterday"], capsys)
    assert_user_error(code, err, "--start", "ISO")


# ------------------------------------------------------------------ read-only --out


def without_root_rights() -> list[str]:
    """Command prefix that drops root's right to write anywhere (root ignores permissions)."""
    import shutil

    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a folder's permissions cannot deny root")
    caps = "-dac_override,-dac_read_search"
    prefix = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]
    if subprocess.run([*prefix, "true"], capture_output=True).returncode:
        pytest.skip("running as root where setpriv may not drop capabilities: a folder's "
                    "permissions cannot deny root")
    return prefix


def nilm_subprocess(argv):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]),
               NUMBA_NUM_THREADS="1")
    return subprocess.run([*without_root_rights(), sys.executable, "-m", "nilm.cli",
                           *map(str, argv)], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.parametrize("command", ["resample", "simulate", "study", "linky"])
def test_read_only_out(tmp_path, command):
    ro = tmp_path / "ro"
    ro.mkdir()
    src = uci_file(tmp_path / "h.txt")
    spec = spec_file(tmp_path, GOOD_SOURCE)
    ro.chmod(0o555)
    argv = {"resample": ["resample", src, "--period", "10min", "--out", ro / "r.csv"],
            "simulate": ["simulate", "--days", "1", "--out", ro / "sim"],
            "study": ["study", spec, "--out", ro / "study"],
            "linky": ["linky", src, "--out", ro / "l"]}[command]
    r = nilm_subprocess(argv)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "not writable" in r.stderr and str(ro) in r.stderr
    assert ".tmp" not in r.stderr and os.listdir(ro) == []
    ro.chmod(0o755)


def test_permission_error_names_the_target_not_the_temporary(tmp_path, monkeypatch, capsys):
    """A folder that passes the up-front check but refuses the write (a read-only mount, a
    race): the one line names the output, not the hidden temporary file."""
    import tempfile

    src = uci_file(tmp_path / "h.txt")
    out = tmp_path / "r.csv"

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".r.csv.abcd1234.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, _, err = run(["resample", src, "--period", "10min", "--out", out, "--no-cache"],
                       capsys)
    assert_user_error(code, err, f"{out}: permission denied")
    assert ".tmp" not in err


# ------------------------------------------------------------------ item 9: leftovers


def test_stale_temporaries_are_removed_on_the_next_write(tmp_path):
    from nilm.atomic import STALE_TMP_S, write_text

    stale = tmp_path / ".r.csv.k2j4h5g6.tmp"
    fresh = tmp_path / ".other.csv.a1b2c3d4.tmp"      # a write in progress right now
    mine = tmp_path / ".notes.tmp"                     # not a name nilm gives
    for p in (stale, fresh, mine):
        p.write_text("partial")
    old = time.time() - STALE_TMP_S - 60
    os.utime(stale, (old, old))
    os.utime(mine, (old, old))
    with pytest.warns(RuntimeWarning, match="removed 1 temporary file"):
        write_text(tmp_path / "r.csv", "x\n")
    assert not stale.exists() and fresh.exists() and mine.exists()


def test_interrupted_simulation_is_reported(tmp_path, capsys):
    import nilm
    from nilm.errors import NilmDataError
    from nilm.simulate import simulate_to_dir

    simulate_to_dir(tmp_path, households=1, days=1, seed=1, period=300)
    h = nilm.load(tmp_path / "sim_000.nilm.h5", cache=False)
    assert not h.report
    (tmp_path / "population.json").unlink()        # what a killed `nilm simulate` leaves
    h = nilm.load(tmp_path / "sim_000.nilm.h5", cache=False)
    assert [r.kind for r in h.report.repairs] == ["incomplete_simulation"]
    with pytest.raises(NilmDataError, match="interrupted"):
        nilm.load(tmp_path, mode="strict", cache=False)
    code, _, err = run(["inspect", tmp_path, "--no-cache"], capsys)
    assert code == 0 and "incomplete_simulation" in err
    # a rerun into the same folder removes the old manifest first: a kill mid-way is seen
    simulate_to_dir(tmp_path, households=1, days=1, seed=1, period=300)
    assert (tmp_path / "population.json").exists()


def test_cache_files_stay_private(tmp_path):
    import nilm

    old = os.umask(0o022)
    try:
        nilm.load(uci_file(tmp_path / "h.txt"), cache=tmp_path / "cache")
    finally:
        os.umask(old)
    files = list((tmp_path / "cache").glob("*.nilm.h5"))
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


def test_outputs_get_the_same_mode(tmp_path):
    from nilm.simulate import simulate_to_dir

    old = os.umask(0o022)
    try:
        simulate_to_dir(tmp_path, households=1, days=1, seed=1, period=300)
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert set(modes.values()) == {0o644}, modes
    assert any(n.endswith(".nilm.h5") for n in modes) and not any(n.endswith(".tmp")
                                                                   for n in modes)


# ------------------------------------------------------------------ item 10: help


def help_text(argv, capsys) -> str:
    with pytest.raises(SystemExit) as e:
        main([*argv, "-h"])
    assert e.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_help_says_what_the_csv_is(capsys):
    text = help_text(["resample"], capsys)
    assert "START in UTC" in text and "seconds (60)" in text and "default: 0.5" in text
    assert "UTC" in help_text(["inspect"], capsys)


def test_help_gives_options_and_defaults(capsys):
    text = help_text(["simulate"], capsys)
    for words in ("number of households (default: 1)", "local days per household (default: 7)",
                  "population seed", "must divide 3600) (default: 1)", "(default: 2024-01-08)"):
        assert words in text, words
    text = help_text(["linky"], capsys)
    assert "seed of the simulated training population and the detector (default: 0)" in text


def test_option_hints_are_cli_syntax(tmp_path, capsys):
    house = tmp_path / "house_1"
    house.mkdir()
    (house / "channel_3.dat").write_text("1303100000 80\n1303100003 80\n")
    code, _, err = run(["inspect", house, "--no-cache"], capsys)     # no labels.dat
    assert_user_error(code, err, "-o format=redd", "-o aggregate=sum_of_circuits")
    assert "aggregate='" not in err


def test_study_path_source_checked_before_any_work(tmp_path, capsys):
    src = uci_file(tmp_path / "h.txt")
    spec = spec_file(tmp_path, f"""
        [[sources]]
        name = "uci"
        kind = "path"
        path = "{src}"
        options = {{aggregate = "bogus"}}
        """)
    code, _, err = run(["study", spec, "--out", tmp_path / "o", "--no-progress"], capsys)
    assert_user_error(code, err, "source 'uci'", "aggregate", "rejected by the uci loader")
    assert not (tmp_path / "o" / "cells").exists()
    uci_file(src, decimal=",")
    spec.write_text(spec.read_text().replace('options = {aggregate = "bogus"}', ""))
    code, _, err = run(["study", spec, "--out", tmp_path / "o", "--no-progress"], capsys)
    assert_user_error(code, err, "no usable value")
    assert not (tmp_path / "o" / "cells").exists()


def test_undecodable_byte_is_one_line(tmp_path, capsys):
    """A byte that is not text after the first 4 KB (past any encoding sniffing)."""
    src = uci_file(tmp_path / "h.txt", n=300)
    raw = bytearray(src.read_bytes())
    raw[raw.index(b"\n", 6000) + 3] = 0xFF
    src.write_bytes(bytes(raw))
    code, _, err = run(["inspect", src, "--strict", "--no-cache"], capsys)
    assert_user_error(code, err, "h.txt")


def test_damaged_nilm_h5_is_one_line(tmp_path, capsys):
    """64 bytes flipped in a simulated file's HDF5 structure: h5py's own KeyError or
    RuntimeError ends as one NilmDataError line naming the file."""
    from nilm.simulate import simulate_to_dir

    simulate_to_dir(tmp_path, households=1, days=1, seed=1, period=300)
    f = tmp_path / "sim_000.nilm.h5"
    raw = bytearray(f.read_bytes())
    raw[1024:1088] = bytes(b ^ 0xFF for b in raw[1024:1088])
    f.write_bytes(bytes(raw))
    code, _, err = run(["inspect", f], capsys)
    assert_user_error(code, err, "sim_000.nilm.h5")


def test_linky_repairs_on_stderr_without_the_meter_id(tmp_path, capsys):
    """A damaged Enedis export (one value not a number): the repair is printed on stderr, and
    the meter id in the file name is masked there as everywhere."""
    from tests import linky_files as lf

    rows = lf.intervals("2024-01-08", [(30, 48 * 7)], seed=1)
    rows[30] = (rows[30][0], rows[30][1], "n/a")
    src = tmp_path / f"Enedis_Conso_Heure_20240108-20240114_{lf.PRM}.csv"
    lf.horodate(src, rows)
    code, out, err = run(["linky", src, "--out", tmp_path / "o", "--lang", "en"], capsys)
    assert code == 0, err
    assert "nilm linky: repaired or skipped:" in err and lf.PRM not in err + out


def test_spec_checked_on_construction():
    """The Python API checks the same things as the TOML reader (no file involved)."""
    from nilm.errors import UsageError
    from nilm.study import Source, StudySpec

    with pytest.raises(UsageError, match="no sources"):
        StudySpec(sources=[])
    with pytest.raises(UsageError, match="households"):
        Source("s", households=0)
    with pytest.raises(UsageError, match="unique"):
        StudySpec(sources=[Source("s"), Source("s")])
    with pytest.raises(UsageError, match="resolution '3 fortnights'"):
        StudySpec(sources=[Source("s")], resolutions=["native", "3 fortnights"])
    spec = StudySpec(sources=[Source("s", households=np.int64(2))], resolutions=["native", 600])
    assert spec.resolutions == ["native", 600]


def test_warnings_are_one_line(tmp_path, capsys):
    """A stale temporary removed during `nilm resample` is said in one line, not as a Python
    warning with its source line."""
    from nilm.atomic import STALE_TMP_S

    src = uci_file(tmp_path / "h.txt")
    stale = tmp_path / ".r.csv.q1w2e3r4.tmp"
    stale.write_text("partial")
    old = time.time() - STALE_TMP_S - 60
    os.utime(stale, (old, old))
    code, _, err = run(["resample", src, "--period", "10min", "--out", tmp_path / "r.csv",
                        "--no-cache"], capsys)
    assert code == 0 and not stale.exists()
    assert err == f"nilm resample: warning: removed 1 temporary file(s) left by interrupted " \
                  f"writes in {tmp_path} (.r.csv.q1w2e3r4.tmp)\n", err


def test_closed_pipe_is_not_an_error(tmp_path):
    """`nilm inspect ... --json | head -c 100`: the reader leaves early; no traceback. 80
    houses print 160 KB, more than a pipe holds, so the write does fail."""
    for k in range(1, 81):
        redd_house(tmp_path / "data" / f"house_{k}", n=20)
    house = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]),
               NUMBA_NUM_THREADS="1")
    cmd = f"'{sys.executable}' -m nilm.cli inspect '{house}' --json --no-cache | head -c 100"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True,
                       env=env, timeout=300)
    assert len(r.stdout) == 100 and r.stderr == "", r.stderr
