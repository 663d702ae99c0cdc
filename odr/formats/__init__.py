"""How each language writes dates, times and numbers (Django's ``FORMAT_MODULE_PATH``).

``odr/formats/<locale>/formats.py`` (``en``, ``zh_Hant``: Django's locale name for ``zh-hant``) sets Django's
named formats, which templates use as ``|date:"DATE_FORMAT"``, ``|date:"DATETIME_FORMAT"``,
``|date:"SHORT_DATETIME_FORMAT"``, ``|time:"TIME_FORMAT"`` and ``|intcomma``. The input formats put ISO 8601
first, as date and datetime-local inputs need; what a module leaves out comes from Django's module.

Times use the 24-hour clock in both languages, as the Hong Kong Government stamps its press releases
("Issued at HKT 15:05" / "香港時間15時05分"): a deadline at 12:00 cannot be read as midnight, and it is
what documents and emails already said. Numbers are grouped in threes with commas in both languages
(Django's Chinese default groups in fours with no separator). HK$ amounts are written the same in both:
``cases.money.format_hkd``.

Django has no name for two formats pages need; they are set here as well and read with ``named_format``
(the ``local_datetime`` template filter): ``WEEKDAY_DATETIME_FORMAT`` (a proposed meeting time) and
``PRECISE_DATETIME_FORMAT`` (with seconds, for the audit trail).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import formats, translation

EXTRA_FORMATS = ("WEEKDAY_DATETIME_FORMAT", "PRECISE_DATETIME_FORMAT")


def named_format(name: str) -> str:
    """One of Django's named formats, or one of ours, in the active language."""
    if name not in EXTRA_FORMATS:
        return str(formats.get_format(name))
    language = translation.get_language() or settings.LANGUAGE_CODE
    for module in formats.get_format_modules(language):
        value = getattr(module, name, None)
        if value:
            return str(value)
    return str(formats.get_format("DATETIME_FORMAT"))
