"""The report's language: one gettext catalogue per language and the way it writes numbers.

The messages of ``nilm linky`` are English ``msgid`` strings; their translations live in
``nilm/locale/<lang>/LC_MESSAGES/nilm.po`` (GNU gettext PO files, shipped as package data), so
a new language is a new file, not a code change. The PO file is read directly by
:func:`read_po` (a compiled ``.mo`` needs a build step a plain ``pip install`` of the sources
would skip); the result is a :class:`gettext.NullTranslations` like any other, whose
``gettext`` falls back to the English ``msgid`` for a missing entry.

:class:`Locale` also writes numbers, clock times and dates as a reader of that language does:
French ``13,2 kWh``, ``7 h 05``, ``02/12/2026``; English ``13.2 kWh``, ``07:05``,
``2026-12-02``. CSV outputs never go through it (ISO dates, ``.`` decimals).
"""

from __future__ import annotations

import ast
import gettext
import math
from importlib import resources

#: languages with a catalogue (English is the msgid language)
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DOMAIN = "nilm"
#: month names (msgids of the catalogue)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


class _Catalogue(gettext.NullTranslations):
    """Translations read from a PO file (:func:`read_po`)."""

    def __init__(self, messages: dict[str, str]):
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        return self._messages.get(message) or message


def read_po(text: str) -> dict[str, str]:
    """``{msgid: msgstr}`` of a PO file's text (untranslated and header entries left out).

    Handles the subset gettext tools write for a catalogue without plurals or contexts:
    ``msgid``/``msgstr`` lines, continuation lines of quoted strings, ``#`` comments.
    """
    messages: dict[str, str] = {}
    key, parts, current = None, {"msgid": [], "msgstr": []}, None

    def flush():
        if current is not None:
            mid, mstr = "".join(parts["msgid"]), "".join(parts["msgstr"])
            if mid and mstr:
                messages[mid] = mstr

    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for key in ("msgid", "msgstr"):
            if line.startswith(key + " "):
                if key == "msgid":
                    flush()
                    parts = {"msgid": [], "msgstr": []}
                current = key
                line = line[len(key):].strip()
                break
        if current is None or not line.startswith('"'):
            raise ValueError(f"PO line {n}: expected a quoted string, got {raw!r}")
        parts[current].append(ast.literal_eval(line))
    flush()
    return messages


def translation(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` (``"en"``: the English messages themselves).

    Raises
    ------
    ValueError : no catalogue for ``lang``.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    if lang == "en":
        return gettext.NullTranslations()
    po = resources.files(__name__).joinpath(lang, "LC_MESSAGES", f"{DOMAIN}.po")
    return _Catalogue(read_po(po.read_text(encoding="utf-8")))


class Locale:
    """Messages and number formats of one language (``"fr"`` or ``"en"``)."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE):
        self.lang = lang
        self._t = translation(lang)

    def _(self, message: str, **values) -> str:
        """The translation of ``message``, ``str.format``-ed with ``values``."""
        text = self._t.gettext(message)
        return text.format(**values) if values else text

    def number(self, x, digits: int = 1) -> str:
        """``x`` with ``digits`` decimals (French decimal comma); ``–`` for a missing value."""
        if x is None or not math.isfinite(float(x)):
            return "–"
        text = f"{float(x):,.{digits}f}"
        if self.lang == "fr":
            # French groups thousands with a (narrow) space and writes a decimal comma
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def unit(self, x, unit: str, digits: int = 1) -> str:
        """``13,2 kWh`` / ``13.2 kWh``."""
        return f"{self.number(x, digits)} {unit}"

    def clock(self, hhmm: str) -> str:
        """A local clock time ``HH:MM`` as the language writes it: ``7 h 05`` / ``07:05``."""
        if not hhmm:
            return "–"
        if self.lang == "fr":
            return f"{int(hhmm[:2])} h {hhmm[3:5]}"
        return hhmm[:5]

    def date(self, iso: str) -> str:
        """An ISO date ``YYYY-MM-DD`` as ``02/12/2026`` (fr) or unchanged (en)."""
        if self.lang == "fr" and len(iso) >= 10:
            return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"
        return iso[:10]

    def months(self, months) -> str:
        """Calendar months (1–12) in words, in calendar order: ``janvier, juillet``; all twelve
        as ``toute l'année``."""
        if len(set(months)) == 12:
            return self._("all year")
        return ", ".join(self._(MONTHS[m - 1]) for m in sorted(months))

    def period(self, seconds: float) -> str:
        """A step in words: ``30 min``, ``1 h``, ``1 jour`` / ``1 day``."""
        from ..labels import period_label

        label = period_label(seconds)
        if self.lang == "fr":
            label = label.replace("days", "jours").replace("day", "jour")
        return label


__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "MONTHS", "Locale", "read_po", "translation"]
