"""nilm.locale: the PO catalogue of nilm linky (complete, placeholders intact) and the way
French and English write numbers, clock times and dates."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from nilm.locale import Locale, read_po, translation

ROOT = Path(__file__).resolve().parents[1]


def _messages():
    from tests.scripts import load_script

    return load_script("linky_messages").messages(ROOT)


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_has_a_french_translation_with_the_same_placeholders():
    catalogue = read_po((ROOT / "nilm/locale/fr/LC_MESSAGES/nilm.po").read_text("utf-8"))
    messages = _messages()
    assert len(messages) > 40  # the extraction found the report's calls
    missing = [m for m in messages if m not in catalogue]
    assert not missing
    for m in messages:
        assert _fields(catalogue[m]) == _fields(m), m
        assert catalogue[m] != m or len(m) < 12, m  # translated, not copied


def test_read_po_continuations_escapes_and_errors():
    text = ('# comment\nmsgid ""\nmsgstr "Language: fr\\n"\n\n'
            'msgid "a \\"b\\""\nmsgstr "x"\n"y"\n\nmsgid "untranslated"\nmsgstr ""\n')
    assert read_po(text) == {'a "b"': "xy"}
    with pytest.raises(ValueError, match="PO line 2"):
        read_po('msgid "a"\nmsgstr x\n')


def test_translation_and_fallback():
    fr = translation("fr")
    assert fr.gettext("Findings") == "Ce que l'on trouve"
    assert fr.gettext("a message nobody wrote") == "a message nobody wrote"
    assert translation("en").gettext("Findings") == "Findings"
    with pytest.raises(ValueError, match="language"):
        translation("de")


def test_french_and_english_numbers_times_dates():
    fr, en = Locale("fr"), Locale("en")
    assert fr.unit(13.24, "kWh") == "13,2 kWh" and en.unit(13.24, "kWh") == "13.2 kWh"
    assert fr.number(1234.5, 1) == "1\u202f234,5" and en.number(1234.5, 1) == "1,234.5"
    assert fr.clock("07:05") == "7 h 05" and en.clock("07:05") == "07:05"
    assert fr.clock("") == "–" and fr.number(float("nan")) == "–"
    assert fr.date("2026-12-02") == "02/12/2026" and en.date("2026-12-02") == "2026-12-02"
    assert fr.period(86400) == "1 jour" and en.period(86400) == "1 day"
    assert fr._("{n} days with data; median {kwh} per day.", n=3, kwh="2,0 kWh") == \
        "3 jours avec données ; médiane 2,0 kWh par jour."
