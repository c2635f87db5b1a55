"""Several downloads of one meter merged by PRM: overlaps de-duplicated, disagreeing values
reported (never averaged), a coarser download under a finer one, daily files as daily data of
the same meter, files without id, several meters; and the PRM masked in everything nilm keeps
(metadata, report, cache)."""

from __future__ import annotations

import numpy as np
import pytest

import nilm
from nilm.errors import NilmDataError
from nilm.io import detect_format, linky_folder
from nilm.io.prm import mask, mask_text
from tests import linky_files as lf


def _counts(h) -> dict:
    out: dict = {}
    for (_, kind), n in h.report.counts().items():
        out[kind] = out.get(kind, 0) + n
    return out


def _rows_of(series):
    ok = np.isfinite(series.p)
    return list(zip(series.t[ok].tolist(), series.holds()[ok].astype(int).tolist(),
                    series.p[ok].astype(float).tolist(), strict=True))


def _want(rows):
    return [(int(t.timestamp()), s, float(v)) for t, s, v in rows if v is not None]


def test_mask():
    assert mask("12345678901234") == "xxxxxxxxxx1234" and mask("42") == "xx"
    assert mask_text("mes-puissances-atteintes-30min-12345678901234-75011.csv") == \
        "mes-puissances-atteintes-30min-xxxxxxxxxx1234-75011.csv"
    assert mask_text("Enedis_Conso_Heure_20240101-20240201") == \
        "Enedis_Conso_Heure_20240101-20240201"  # dates are not identifiers


def test_overlapping_downloads_in_three_formats(tmp_path):
    rows = lf.intervals("2023-06-01", [(30, 48 * 21)], empty={30})
    folder = tmp_path / "downloads"
    folder.mkdir()
    a, b, c = rows[:48 * 9], rows[48 * 7:48 * 16], rows[48 * 14:]
    disagree = 48 * 8 + 5  # one half-hour of b differs from a
    b = [(t, s, v + 40 if k == disagree - 48 * 7 else v) for k, (t, s, v) in enumerate(b)]
    lf.horodate(folder / f"Enedis_Conso_Heure_20230601-20230609_{lf.PRM}.csv", a)
    lf.dataconnect(folder / "consumption_load_curve.json", b)
    lf.supplier(folder / f"mes-puissances-atteintes-30min-{lf.PRM}-75011.csv", c)
    assert detect_format(folder) == "linky"
    [h] = nilm.load_all(folder, cache=False)
    assert _rows_of(h.mains) == _want(rows)  # the first file's value wins the disagreement
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows), abs=1e-6)
    counts = _counts(h)
    # a and b share 2 days (one value disagrees), b and c 2 days: 96 rows each
    assert counts["overlap_disagrees"] == 1 and "overlap_filled" not in counts
    assert counts["overlap_identical"] == 96 - 1 + 96
    entry = [r for r in h.report.repairs if r.kind == "overlap_disagrees"][0]
    assert "W here but" in entry.detail and "(the first file's value kept)" in entry.detail
    with pytest.raises(NilmDataError, match="W here but"):
        nilm.load_all(folder, cache=False, mode="strict")
    assert h.meta["linky_formats"] == ["dataconnect", "enedis_csv", "supplier"]


def test_an_empty_value_is_filled_from_another_download(tmp_path):
    rows = lf.intervals("2023-06-01", [(30, 96)])
    folder = tmp_path / "d"
    folder.mkdir()
    lf.horodate(folder / "a.csv", [(t, s, None if k == 10 else v)
                                   for k, (t, s, v) in enumerate(rows)])
    lf.dataconnect(folder / "b.json", rows)
    [h] = nilm.load_all(folder, cache=False)
    assert _rows_of(h.mains) == _want(rows)
    assert _counts(h)["overlap_filled"] == 1


def test_a_coarser_download_under_a_finer_one(tmp_path):
    fine = lf.intervals("2023-03-01", [(30, 96)])
    hourly = [(fine[2 * k][0], 3600, (fine[2 * k][2] + fine[2 * k + 1][2]) / 2)
              for k in range(48)]
    hourly[7] = (hourly[7][0], 3600, hourly[7][2] + 100)  # one hour disagrees
    folder = tmp_path / "d"
    folder.mkdir()
    lf.horodate(folder / "hourly.csv", hourly)
    lf.dataconnect(folder / "halfhourly.json", fine)
    [h] = nilm.load_all(folder, cache=False)
    assert _rows_of(h.mains) == _want(fine)  # the finer steps are kept
    counts = _counts(h)
    assert counts["overlap_coarser"] == 47 and counts["overlap_disagrees"] == 1


def test_a_coarser_download_fills_what_the_finer_one_leaves_empty(tmp_path):
    fine = lf.intervals("2023-03-01", [(30, 48)])
    hourly = [(fine[2 * k][0], 3600, (fine[2 * k][2] + fine[2 * k + 1][2]) / 2)
              for k in range(24)]
    # the half-hourly download lacks 10:30-14:30 (hours 10 and 14 half covered) and has an
    # empty 20:00-20:30 value; its 03:00-04:00 holds more energy than the hourly value
    holes = set(range(21, 29))
    half = [(t, st, None if k == 40 else v) for k, (t, st, v) in enumerate(fine)
            if k not in holes]
    hourly[3] = (hourly[3][0], 3600, fine[6][2] / 2 - 10)
    half = [r for r in half if r[0] != fine[7][0]]  # 03:30-04:00 missing too
    folder = tmp_path / "d"
    folder.mkdir()
    lf.horodate(folder / "hourly.csv", hourly)
    lf.horodate(folder / "halfhourly.csv", half)
    [h] = nilm.load_all(folder, cache=False)
    want = dict((int(t.timestamp()), v) for t, _, v in fine)
    got = dict(zip(h.mains.t.tolist(), h.mains.p.astype(float).tolist(), strict=True))
    for k in (21, 28, 40):  # each exactly its half-hour: the hour's energy minus the other's
        assert got[int(fine[k][0].timestamp())] == want[int(fine[k][0].timestamp())], k
    # hour 3 disagrees: its gap stays a gap (no value, or the NaN that closes the step before)
    assert not np.isfinite(got.get(int(fine[7][0].timestamp()), np.nan))
    expect = lf.energy_wh(fine) - fine[7][2] / 2
    assert h.mains.energy_wh() == pytest.approx(expect, abs=1e-6)
    counts = _counts(h)
    assert counts["overlap_remainder"] == 3 and counts["overlap_disagrees"] == 1
    assert counts["overlap_coarser"] == 24 - 3 - 1 - 3  # hours 11-13 are not covered at all


def test_daily_index_beside_load_curves_is_daily_data_of_the_same_meter(tmp_path):
    rows = lf.intervals("2023-06-01", [(30, 48 * 5)])
    folder = tmp_path / "d"
    folder.mkdir()
    lf.horodate(folder / "curve.csv", rows)
    readings = [(lf.local_midnight(f"2023-06-0{d}"), {"EAS T": 1_000_000 + 10_000 * d})
                for d in range(1, 7)]
    lf.index(folder / "index.csv", readings)
    lf.horodate(folder / "stripped.csv", lf.intervals("2023-06-06", [(30, 48)]), meta=False,
                header=False)
    (folder / "README.txt").write_text("downloaded from the Enedis customer space\n")
    [h] = nilm.load_all(folder, cache=False)
    assert h.extra["daily"].energy_wh() == pytest.approx(50_000, rel=1e-7)  # float32 W
    assert h.mains.energy_wh() == pytest.approx(
        lf.energy_wh(rows) + lf.energy_wh(lf.intervals("2023-06-06", [(30, 48)])))
    counts = _counts(h)
    assert counts["meter_assumed"] == 1 and counts["file_skipped"] == 1
    assert linky_folder.sources(folder) == sorted(f for f in folder.iterdir()
                                                  if f.suffix == ".csv")


def test_two_meters_are_two_households(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    lf.horodate(folder / "a.csv", lf.intervals("2023-06-01", [(30, 48)]))
    lf.horodate(folder / "b.csv", lf.intervals("2023-06-01", [(30, 48)]),
                prm="98765432109876")
    houses = nilm.load_all(folder, cache=False)
    assert [h.meta["house"] for h in houses] == ["xxxxxxxxxx1234", "xxxxxxxxxx9876"]
    with pytest.raises(NilmDataError, match="2 households"):
        nilm.load(folder, cache=False)


def test_a_single_file_no_linky_reader_knows_is_an_error(tmp_path):
    junk = tmp_path / "notes.csv"
    junk.write_text("nothing here\n")
    with pytest.raises(NilmDataError, match="not a Linky file") as err:
        linky_folder.read(junk)  # no household at all was returned before
    assert err.value.path == str(junk)


def test_the_prm_never_reaches_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    folder = tmp_path / "d"
    folder.mkdir()
    rows = lf.intervals("2023-06-01", [(30, 96)], empty={3})
    lf.horodate(folder / f"Enedis_{lf.PRM}.csv", rows)
    lf.xlsx(folder / "export.xlsx", lf.intervals("2023-06-03", [(60, 24)]))
    first = nilm.load(folder, cache=cache)
    again = nilm.load(folder, cache=cache)  # a cache hit
    assert again.meta == first.meta and np.array_equal(again.mains.p, first.mains.p,
                                                       equal_nan=True)
    written = b"".join(f.read_bytes() for f in cache.rglob("*") if f.is_file())
    assert written and lf.PRM.encode() not in written
    assert lf.PRM not in repr(first.meta) and lf.PRM not in repr(first.report.repairs)
    assert all(lf.PRM not in p for p in first.meta["source_files"])
