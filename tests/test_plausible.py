"""The plausibility layer (nilm.io.plausible): each case builds its damaged input in tmp_path."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from nilm.errors import LoadReport, NilmDataError
from nilm.io import load_all, plausible, text
from nilm.resample import to_grid
from tests import linky_files as lf

T0 = 1_303_132_929  # 2011-04-18 13:22:09 UTC, a REDD time
Y2100 = int(datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp())


def _redd(d, mains1, mains2=None, *, app=None):
    """A REDD house: two mains legs (rows of (t, p)) and one appliance channel."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "labels.dat").write_text("1 mains\n2 mains\n3 refrigerator\n")
    mains2 = mains2 if mains2 is not None else [(t, "50") for t, _ in mains1]
    app = app if app is not None else [(t, "70") for t, _ in mains1]
    for n, rows in ((1, mains1), (2, mains2), (3, app)):
        (d / f"channel_{n}.dat").write_text("".join(f"{t} {p}\n" for t, p in rows))
    return d


def _rows(n=50, step=3, p=lambda i: f"{100 + i}", t0=T0):
    return [(t0 + step * i, p(i)) for i in range(n)]


def _load(d, mode, **kw):
    return load_all(d, format="redd", mode=mode, cache=False, **kw)


def _kinds(h) -> dict[str, int]:
    out: dict[str, int] = {}
    for (_, k), n in h.report.counts().items():
        out[k] = out.get(k, 0) + n
    return out


# ---------------------------------------------------------------- epoch unit


@pytest.mark.parametrize("unit,div", [("ms", 1_000), ("us", 1_000_000)])
def test_epoch_unit_detected_strict_refuses_lenient_converts(tmp_path, unit, div):
    rows = _rows()
    scaled = [(t * div, p) for t, p in rows]
    d = _redd(tmp_path / "house_1", scaled, [(t * div, "50") for t, _ in rows],
              app=[(t * div, "70") for t, _ in rows])
    with pytest.raises(NilmDataError) as e:
        _load(d, "strict")
    assert e.value.line == 1 and e.value.path.endswith("channel_1.dat")
    assert f"epoch {unit}" in e.value.message
    [h] = _load(d, "lenient")
    np.testing.assert_array_equal(h.mains.t, [t for t, _ in rows])
    assert _kinds(h)["time_unit_converted"] == 3 * len(rows)


def test_epoch_unit_of_plain_seconds_and_small_test_times():
    assert plausible.epoch_unit([T0, T0 + 1]) == ("s", 1)
    assert plausible.epoch_unit([100, 104]) == ("s", 1)
    assert plausible.epoch_unit([T0 * 1000]) == ("ms", 1000)
    assert plausible.epoch_unit([T0 * 10 ** 9, T0 * 10 ** 9 + 1]) == ("ns", 10 ** 9)


# ---------------------------------------------------------------- dates


def test_one_row_in_2100_strict_names_line_lenient_drops_it(tmp_path):
    rows = _rows(210, 60)
    rows.insert(100, (Y2100, "150"))
    d = _redd(tmp_path / "house_1", rows)
    with pytest.raises(NilmDataError) as e:
        _load(d, "strict")
    assert e.value.line == 101 and "2100-01-01" in e.value.message
    assert e.value.path.endswith("channel_1.dat")
    [h] = _load(d, "lenient")
    assert int(h.mains.t.max()) < T0 + 86_400  # no 89-year series
    assert _kinds(h)["implausible_date"] == 3  # the row is in each of the three files
    assert len(h.mains) == 210
    grid = to_grid(h, 1800)  # 3.5 h: 8 half-hours, not 1.56 M
    assert len(grid.mains) <= 9


def test_isolated_row_years_away_inside_the_epoch_span_is_dropped(tmp_path):
    rows = _rows(200, 60)
    rows.append((T0 + 9 * 365 * 86_400, "150"))  # 2020, after a 2011 recording
    d = _redd(tmp_path / "house_1", rows)
    with pytest.raises(NilmDataError, match="days away from the rest") as e:
        _load(d, "strict")
    assert e.value.line == 201
    [h] = _load(d, "lenient")
    assert int(h.mains.t.max()) == T0 + 60 * 199
    assert _kinds(h)["implausible_date"] == 3


def test_a_real_gap_with_data_on_both_sides_is_kept():
    t = np.r_[T0 + np.arange(100), T0 + 2 * 365 * 86_400 + np.arange(100)]
    assert not plausible.isolated(t).any()


def test_negative_epoch_time_is_refused(tmp_path):
    f = tmp_path / "c.dat"
    f.write_text(f"{T0} 5\n-5 7\n{T0 + 1} 6\n")
    with pytest.raises(NilmDataError) as e:
        text.read_int_float(f, mode="strict")
    assert e.value.line == 2
    rep = LoadReport()
    t, p, _ = text.read_int_float(f, mode="lenient", report=rep)
    assert list(t) == [T0, T0 + 1] and rep.counts()[(str(f), "implausible_date")] == 1


# ---------------------------------------------------------------- non-finite values


@pytest.mark.parametrize("token", ["nan", "inf", "1e400", "Infinity", "-inf"])
def test_non_finite_value_in_a_text_channel(tmp_path, token):
    f = tmp_path / "c.dat"
    f.write_text(f"{T0} 5\n{T0 + 1} {token}\n{T0 + 2} 6\n")
    with pytest.raises(NilmDataError, match="non-finite|non-numeric") as e:
        text.read_int_float(f, mode="strict")
    assert e.value.line == 2
    rep = LoadReport()
    t, p, _ = text.read_int_float(f, mode="lenient", report=rep)
    if len(t) == 3:  # the parser read the token as a number: it is now missing, and reported
        assert np.isnan(p[1]) and p[0] == 5 and p[2] == 6
        assert rep.counts() == {(str(f), "non_finite"): 1}
    else:  # the parser refused the token itself: the line is skipped and reported
        assert list(t) == [T0, T0 + 2] and sum(rep.counts().values()) == 1


def _uci(tmp_path, values):
    header = ";".join(("Date", "Time", "Global_active_power", "Global_reactive_power", "Voltage",
                       "Global_intensity", "Sub_metering_1", "Sub_metering_2", "Sub_metering_3"))
    t = datetime(2007, 2, 1, 12, 0)
    rows = [f"{t.day}/{t.month}/{t.year};{(t + timedelta(minutes=k)):%H:%M:%S};{v};0.1;240;5;0;1;"
            "17" for k, v in enumerate(values)]
    d = tmp_path / "uci"
    d.mkdir()
    (d / "household_power_consumption.txt").write_text("\n".join([header, *rows]) + "\n")
    return d


def test_uci_minus_inf_is_non_finite_not_negative_power(tmp_path):
    d = _uci(tmp_path, ["1.2", "-inf", "1.3", "1e400"])
    with pytest.raises(NilmDataError, match="non-finite") as e:
        load_all(d, mode="strict", cache=False)
    assert e.value.line == 3
    [h] = load_all(d, mode="lenient", cache=False)
    kinds = _kinds(h)
    assert kinds.get("non_finite") == 2 and "negative_power" not in kinds
    assert np.isnan(h.mains.p[1]) and np.isnan(h.mains.p[3]) and h.mains.p[0] == 1200


@pytest.mark.parametrize("token", ["nan", "inf", "Infinity", "1e400"])
def test_enedis_refuses_non_finite_values(tmp_path, token):
    rows = lf.intervals("2023-03-01", [(30, 48)])
    f = lf.horodate(tmp_path / "conso.csv", rows)
    lines = f.read_bytes().split(b"\r\n")
    k = next(i for i, ln in enumerate(lines) if ln[:4] == b"2023") + 5
    lines[k] = lines[k].split(b";")[0] + b";" + token.encode()
    f.write_bytes(b"\r\n".join(lines))
    with pytest.raises(NilmDataError) as e:
        load_all(f, mode="strict", cache=False)
    assert e.value.line == k + 1
    [h] = load_all(f, mode="lenient", cache=False)
    assert np.isfinite(h.mains.p[np.isfinite(h.mains.p)]).all()
    assert h.report and all(np.nanmax(h.mains.p) < 36_000 for _ in [0])


# ---------------------------------------------------------------- physical range


def test_absurd_power_strict_error_lenient_out_of_range(tmp_path):
    rows = _rows()
    rows[7] = (rows[7][0], "1e12")
    d = _redd(tmp_path / "house_1", rows)
    with pytest.raises(NilmDataError, match="outside the physical range") as e:
        _load(d, "strict")
    assert str(d) in e.value.path
    [h] = _load(d, "lenient")
    assert np.isnan(h.mains.p[7]) and np.isfinite(np.delete(h.mains.p, 7)).all()
    assert _kinds(h)["out_of_range"] == 1


def test_linky_power_above_36_kva_is_out_of_range(tmp_path):
    rows = lf.intervals("2023-03-01", [(30, 48)])
    rows[10] = (rows[10][0], rows[10][1], 10 ** 12)
    f = lf.horodate(tmp_path / "conso.csv", rows)
    with pytest.raises(NilmDataError, match="outside the physical range"):
        load_all(f, mode="strict", cache=False)
    [h] = load_all(f, mode="lenient", cache=False)
    assert np.nanmax(h.mains.p) < 36_000 and _kinds(h)["out_of_range"] == 1
    # the energy of the other rows is unchanged (the bad row is missing, not zero or huge)
    kept = [r for k, r in enumerate(rows) if k != 10]
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(kept), rel=1e-6)


def test_voltage_is_not_range_checked_as_power(tmp_path):
    d = _uci(tmp_path, ["1.2"] * 5)
    [h] = load_all(d, mode="strict", cache=False)
    assert "out_of_range" not in _kinds(h) if h.report else True
    assert float(h.extra["voltage"].p[0]) == 240


# ---------------------------------------------------------------- unit 1000x off


def _two_days(scale):
    rng = np.random.default_rng(3)
    # a household in W: 150 W base, a few kW peaks
    p = 150 + rng.gamma(0.5, 400, size=2 * 1440)
    return [(T0 + 60 * i, f"{v * scale:.6g}") for i, v in enumerate(p)]


@pytest.mark.parametrize("scale,what", [(1e-3, "look like kW"), (1e3, "1000x too large")])
def test_mains_1000x_off_is_flagged(tmp_path, scale, what):
    rows = _two_days(scale)
    d = _redd(tmp_path / "house_1", rows, [(t, "0") for t, _ in rows])
    with pytest.raises(NilmDataError, match=what):
        _load(d, "strict")
    [h] = _load(d, "lenient")
    assert _kinds(h)["unit_suspect"] == 1
    assert "out_of_range" not in _kinds(h)  # a wrong unit does not wipe the file
    np.testing.assert_allclose(h.mains.p[:5], [float(p) for _, p in rows[:5]], rtol=1e-6)


def test_mains_in_watts_is_not_flagged(tmp_path):
    rows = _two_days(1.0)
    d = _redd(tmp_path / "house_1", rows, [(t, "0") for t, _ in rows])
    [h] = _load(d, "strict")
    assert not h.report


@pytest.mark.realdata
def test_development_files_pass_the_unit_and_range_rules(shared_data):
    """The thresholds were tuned on these files: none may be flagged."""
    for sub, options in [("redd/low_freq", {"aggregate": "sum_of_circuits"}),
                         ("ukdale/house_1_2013-04-12_pda_fixture", {}),
                         ("uci_household_power_consumption", {}), ("ampds", {}),
                         ("eco/house_2_2012-06_15min_derived", {}),
                         ("meter/sample_2018-07_visible", {})]:
        for h in load_all(shared_data / sub, mode="lenient", cache=False, **options):
            kinds = {k for (_, k) in (h.report.counts() if h.report else {})}
            assert not kinds & {"unit_suspect", "out_of_range", "implausible_date",
                                "time_unit_converted"}, (sub, h.name, kinds)


def test_linky_row_dated_2100_strict_names_line_lenient_drops_it(tmp_path):
    rows = lf.intervals("2023-03-01", [(30, 48)])
    far = datetime(2100, 1, 1, tzinfo=timezone.utc)
    rows.append((far, 1800, 500))
    f = lf.horodate(tmp_path / "conso.csv", rows)
    with pytest.raises(NilmDataError, match="2100-01-01") as e:
        load_all(f, mode="strict", cache=False)
    assert e.value.path == str(f) and e.value.line is not None
    [h] = load_all(f, mode="lenient", cache=False)
    assert int(h.mains.t.max()) < int(far.timestamp()) - 10 * 365 * 86_400
    assert _kinds(h)["implausible_date"] == 1
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows[:-1]), rel=1e-6)


def test_every_format_declares_its_physical_power_range():
    """Every loader but nilm's own format states the range its meters can measure (a new
    loader that forgets it would silently get the generic bound)."""
    import importlib
    import pkgutil

    from nilm import io

    formats = [m for info in pkgutil.iter_modules(io.__path__)
               if all(hasattr(m := importlib.import_module(f"nilm.io.{info.name}"), a)
                      for a in ("NAME", "detect", "read"))]
    assert len(formats) >= 16
    for mod in formats:
        name = mod.NAME
        if name == "nilmh5":
            continue
        lo, hi = mod.POWER_RANGE_W
        assert lo <= 0 < 20_000 <= hi <= plausible.GENERIC_POWER_RANGE_W[1], (name, lo, hi)
