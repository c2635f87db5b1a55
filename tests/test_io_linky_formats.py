"""The other Linky exports a household has, on fixtures written from their descriptions: the
Enedis XLSX (cover sheet, table found by its header, decimal comma, NA), Data Connect /
MyElectricalData JSON (naive end-labelled dates, interval_length, P1D, production, the SGE
"grandeur" shape) and the supplier's "mes-puissances-atteintes-30min" export (Latin-1, newest
first, 00:00:00 = 24:00). Each: DST days, gaps, empty values, bad values, strict and lenient, and
the energy check (loaded Wh = Σ value × own duration of the file's rows)."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest

import nilm
from nilm.errors import NilmDataError
from nilm.io import dataconnect, detect_format, enedis_xlsx, supplier
from tests import linky_files as lf


def _held(s):
    ok = np.isfinite(s.p)
    return s.t[ok], s.holds()[ok], s.p[ok].astype(np.float64)


def _same_rows(series, rows):
    """The loaded intervals are the file's: start, own duration and value of each row."""
    t, held, p = _held(series)
    want = [(int(a.timestamp()), s, float(v)) for a, s, v in rows if v is not None]
    got = [(int(a), int(b), float(c)) for a, b, c in zip(t, held, p, strict=True)]
    assert got == want


# --------------------------------------------------------------------------------- XLSX

@pytest.mark.parametrize("day", ["2025-03-30", "2025-10-26", "2025-01-08"])
def test_xlsx_week_of_hourly_data(tmp_path, day):
    rows = lf.intervals(day, [(60, 24 * 7 - (1 if day == "2025-03-30" else 0)
                                + (1 if day == "2025-10-26" else 0))], empty={5})
    path = lf.xlsx(tmp_path / "Enedis_export.xlsx", rows)
    assert enedis_xlsx.detect(path) and detect_format(path) == "enedis_xlsx"
    [h] = enedis_xlsx.read(path, mode="strict")
    # kW with three decimals -> W exactly; NA is a gap
    _same_rows(h.mains, rows)
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows), abs=1e-3)
    assert h.meta["house"] == "xxxxxxxxxx1234" and h.meta["meter_id"] == "PRM"
    assert h.report.counts()[(str(path), "missing_value")] == 1


def test_xlsx_table_found_by_its_header_not_position(tmp_path):
    import openpyxl

    rows = lf.intervals("2025-01-08", [(30, 48)])
    path = lf.xlsx(tmp_path / "a.xlsx", rows, daily=[("08/01/2025", 12.5), ("09/01/2025", 11)])
    book = openpyxl.load_workbook(path)
    sheet = book["Consommation Horaire"]
    sheet.insert_rows(1, amount=5)  # the header block grows
    sheet.insert_cols(1, amount=2)  # and the table moves right
    book.save(path)
    [h] = enedis_xlsx.read(path)
    _same_rows(h.mains, rows)
    daily = h.extra["daily"]
    assert daily.energy_wh() == pytest.approx(23500, abs=1e-3)


def test_xlsx_errors(tmp_path):
    rows = lf.intervals("2025-01-08", [(60, 24)])
    path = lf.xlsx(tmp_path / "bad.xlsx", rows)
    import openpyxl

    book = openpyxl.load_workbook(path)
    book["Consommation Horaire"]["E10"] = "nan"
    book.save(path)
    with pytest.raises(NilmDataError) as err:
        enedis_xlsx.read(path, mode="strict")
    assert err.value.line == 10 and "Consommation Horaire" in str(err.value)
    [h] = enedis_xlsx.read(path)
    assert h.report.counts()[(str(path), "non_numeric")] == 1
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert not enedis_xlsx.detect(broken)
    with pytest.raises(NilmDataError, match="XLSX"):
        enedis_xlsx.read(broken)


@pytest.mark.parametrize("damage", ["truncated", "mismatched tag"])
def test_xlsx_with_a_damaged_sheet_is_a_data_error(tmp_path, damage):
    import zipfile

    path = lf.xlsx(tmp_path / "Enedis_export.xlsx", lf.intervals("2025-01-08", [(60, 24)]))
    bad = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/worksheets/sheet2.xml":  # the data sheet, parsed lazily
                data = data[:len(data) // 2] if damage == "truncated" else data.replace(
                    b"<row", b"<r0w", 3)
            zout.writestr(name, data)
    assert enedis_xlsx.detect(bad)
    for mode in ("lenient", "strict"):
        with pytest.raises(NilmDataError, match="sheet 'Consommation Horaire' is not readable"):
            enedis_xlsx.read(bad, mode=mode)


def test_weekly_xlsx_downloads_merge_into_one_meter(tmp_path):
    rows = lf.intervals("2025-01-06", [(60, 24 * 21)])
    folder = tmp_path / "downloads"
    folder.mkdir()
    for w in range(3):  # three weekly files, each overlapping the next by a day
        lf.xlsx(folder / f"week{w}.xlsx", rows[max(0, 24 * 7 * w - 24):24 * 7 * (w + 1)])
    [h] = nilm.load_all(folder, cache=False)
    _same_rows(h.mains, rows)
    assert sum(n for (p, k), n in h.report.counts().items() if k == "overlap_identical") == 48


# ------------------------------------------------------------------------- Data Connect JSON

@pytest.mark.parametrize("day, n", [("2023-03-26", 46), ("2023-10-29", 50)])
def test_dataconnect_load_curve_dst_days(tmp_path, day, n):
    rows = lf.intervals(day, [(30, n)], skip={10}, empty={20})
    path = lf.dataconnect(tmp_path / "load_curve.json", rows)
    assert dataconnect.detect(path) and detect_format(path) == "dataconnect"
    [h] = dataconnect.read(path, mode="strict")
    _same_rows(h.mains, rows)
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows), abs=1e-6)
    assert h.meta["house"] == "xxxxxxxxxx1234"
    counts = h.report.counts()
    assert counts[(str(path), "missing_value")] == 1


def test_dataconnect_mixed_steps_daily_and_production(tmp_path):
    rows = lf.intervals("2023-06-01", [(60, 24), (30, 48), (10, 144)])
    daily = [("2023-06-01", 12000), ("2023-06-02", 9000), ("2023-06-03", 15000)]
    path = lf.dataconnect(tmp_path / "all.json", rows, daily=daily)
    [h] = dataconnect.read(path, mode="strict")
    _same_rows(h.mains, rows)
    assert h.extra["daily"].energy_wh() == pytest.approx(36000, abs=1e-3)
    prod = lf.dataconnect(tmp_path / "p.json", rows, production=True)
    [h] = dataconnect.read(prod)
    assert h.mains is None and h.extra["production"].energy_wh() == pytest.approx(
        lf.energy_wh(rows))
    named = lf.dataconnect(tmp_path / "production_load_curve.json", rows)
    [h] = dataconnect.read(named)
    assert "production" in h.extra and (str(named), "production_from_name") in \
        h.report.counts()


def test_dataconnect_sge_grandeur_shape_and_missing_lengths(tmp_path):
    doc = {"pointId": lf.PRM, "grandeur": [
        {"grandeurMetier": "CONS", "grandeurPhysique": "PA", "unite": "W",
         "points": [{"v": "400", "d": "2023-06-01 00:30:00", "p": "PT30M"},
                    {"v": "600", "d": "2023-06-01 01:00:00", "p": "PT30M"}]},
        {"grandeurMetier": "PROD", "grandeurPhysique": "PA", "unite": "W",
         "points": [{"v": "50", "d": "2023-06-01 12:30:00", "p": "PT30M"}]}]}
    path = tmp_path / "sge.json"
    path.write_text(json.dumps(doc))
    [h] = dataconnect.read(path, mode="strict")
    assert h.mains.energy_wh() == 500 and h.extra["production"].energy_wh() == 25
    # interval_length absent: the step in force is inferred from the spacing of the run
    rows = lf.intervals("2023-06-01", [(30, 10)])
    path = lf.dataconnect(tmp_path / "nolength.json", rows)
    doc = json.loads(path.read_text())
    for r in doc["meter_reading"]["interval_reading"]:
        del r["interval_length"]
    path.write_text(json.dumps(doc))
    [h] = dataconnect.read(path)
    _same_rows(h.mains, rows)


@pytest.mark.parametrize("bad", ['"nan"', "NaN", "Infinity", '"inf"', '"12,5,6"'])
def test_dataconnect_refuses_non_finite_values(tmp_path, bad):
    text = ('{"meter_reading": {"usage_point_id": "1", "reading_type": {"unit": "W"}, '
            '"interval_reading": [{"value": "100", "date": "2023-06-01 00:30:00", '
            '"interval_length": "PT30M"}, {"value": ' + bad + ', "date": "2023-06-01 01:00:00",'
            ' "interval_length": "PT30M"}]}}')
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(NilmDataError):
        dataconnect.read(path, mode="strict")
    if bad in ("NaN", "Infinity"):  # JSON literals: the document itself is refused
        with pytest.raises(NilmDataError, match="JSON"):
            dataconnect.read(path)
    else:
        [h] = dataconnect.read(path)
        assert h.mains.energy_wh() == 50


@pytest.mark.parametrize("bad, kind", [("NaN", "literal"), ("-Infinity", "literal"),
                                       ("nan", "syntax"), ("\xff", "encoding")])
def test_dataconnect_bad_literal_names_its_line(tmp_path, bad, kind):
    rows = lf.intervals("2023-06-01", [(30, 6)])
    path = lf.dataconnect(tmp_path / "dump.json", rows)
    doc = json.loads(path.read_text())
    doc["meter_reading"]["interval_reading"][4]["value"] = "@BAD@"
    # a string holding the words before the bad value must not be taken for it
    doc["meter_reading"]["quality"] = "NaN Infinity"
    text = json.dumps(doc, indent=2)
    at = next(k for k, ln in enumerate(text.splitlines(), start=1) if "@BAD@" in ln)
    assert at > 10
    raw = text.replace('"@BAD@"', bad).encode("latin-1" if kind == "encoding" else "utf-8")
    path.write_bytes(raw)
    for mode in ("strict", "lenient"):
        with pytest.raises(NilmDataError) as err:
            dataconnect.read(path, mode=mode)
        assert err.value.path == str(path) and err.value.line == at, (kind, err.value)
        assert str(err.value).startswith(f"{path}:{at}: ")


def test_dataconnect_item_errors_name_the_items_file_line(tmp_path):
    rows = lf.intervals("2023-06-01", [(30, 6)])
    path = lf.dataconnect(tmp_path / "dump.json", rows)  # indented, one key per line
    doc = json.loads(path.read_text())
    doc["meter_reading"]["interval_reading"][3]["date"] = "@DATE@"
    doc["meter_reading"]["interval_reading"][4]["value"] = "@VALUE@"
    text = json.dumps(doc, indent=2)
    lines = text.splitlines()
    # the line of the "{" that opens each damaged item (the line above its first key)
    opens = [next(k for k in range(at, 0, -1) if lines[k - 1].strip() == "{")
             for at in (next(k for k, ln in enumerate(lines, start=1) if tag in ln)
                        for tag in ("@DATE@", "@VALUE@"))]
    path.write_text(text.replace('"@DATE@"', '"2023-13-45"').replace('"@VALUE@"', '"12,5,6"'))
    with pytest.raises(NilmDataError, match=r"interval_reading\[4\]: bad date") as err:
        dataconnect.read(path, mode="strict")
    assert err.value.line == opens[0]
    [h] = dataconnect.read(path)
    found = {r.kind: r.line for r in h.report.repairs}
    assert found["malformed_line"] == opens[0] and found["non_numeric"] == opens[1]
    # a minified dump is one line: the item index in the message tells them apart
    path.write_text(json.dumps(json.loads(path.read_text())))
    with pytest.raises(NilmDataError, match=r"interval_reading\[4\]") as err:
        dataconnect.read(path, mode="strict")
    assert err.value.line == 1


def test_dataconnect_maximum_power_is_not_energy(tmp_path):
    doc = {"meter_reading": {"usage_point_id": lf.PRM, "reading_type": {
        "unit": "VA", "measurement_kind": "power", "aggregate": "maximum",
        "measuring_period": "P1D"}, "interval_reading": [{"value": "6200",
                                                          "date": "2024-01-01"}]}}
    path = tmp_path / "max.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(NilmDataError, match="maximum power"):
        dataconnect.read(path)


# ------------------------------------------------------------------------- supplier export

def test_supplier_export_latin1_newest_first_midnight_is_24h(tmp_path):
    rows = lf.intervals("2023-10-27", [(30, 48 * 4 + 2)], empty={3}, skip={100})
    path = lf.supplier(tmp_path / f"mes-puissances-atteintes-30min-{lf.PRM}-75011.csv", rows)
    assert b"R\xe9capitulatif" in path.read_bytes()  # Latin-1 on disk
    assert supplier.detect(path) and detect_format(path) == "supplier"
    [h] = supplier.read(path, mode="strict")
    _same_rows(h.mains, rows)  # 29 October (50 half-hours) included
    assert h.mains.energy_wh() == pytest.approx(lf.energy_wh(rows), abs=1e-6)
    assert h.meta["house"] == "xxxxxxxxxx1234"
    shown = [k for k in h.report.counts() if k[1] == "missing_value"][0][0]
    assert lf.PRM not in shown and "xxxxxxxxxx1234" in shown  # the file name is masked


def test_supplier_export_bad_rows(tmp_path):
    path = tmp_path / "mes-puissances-atteintes-30min-004047194096-92120.csv"
    text = ("Récapitulatif de mes puissances atteintes en W\r\n\r\nDate et heure de relève par "
            "le distributeur;Puissance atteinte (W);Nature de la donnée\r\n18/01/2025;;\r\n"
            "00:00:00;1122;Réelle\r\n23:30:00;1184;Réelle\r\n23:30:00;9999;Réelle\r\n"
            "23:15:00;1234;Réelle\r\n23:00:00;nan;Réelle\r\n22:30:00;1000;Réelle\r\n")
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(NilmDataError) as err:
        supplier.read(path, mode="strict")
    assert err.value.line == 8  # 23:15 is off the half-hour grid
    [h] = supplier.read(path)
    counts = {k[1]: n for k, n in h.report.counts().items()}
    assert counts["malformed_line"] == 1 and counts["non_numeric"] == 1
    assert counts["duplicate_timestamp"] == 1 and counts["meter_unknown"] == 1
    # kept: 22:30 (1000), 23:00 empty, 23:30 the first in file order (1184), 24:00 (1122);
    # each row ends its half-hour
    t, _, p = _held(h.mains)
    day = datetime(2025, 1, 18, tzinfo=lf.PARIS).timestamp()
    assert t.tolist() == [day + 22 * 3600, day + 23 * 3600, day + 23.5 * 3600]
    assert p.tolist() == [1000, 1184, 1122]
