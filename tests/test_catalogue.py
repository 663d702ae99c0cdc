"""The Traditional Chinese catalogue: every message in the code and templates is translated (none missing,
none fuzzy), the compiled catalogue the platform loads is the same as the one translators edit, and pages
come out in Chinese."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hant" / "LC_MESSAGES"
IGNORED = [".venv", "bench", "tests", "var", "node_modules", "staticfiles"]


def _entries(po_text: str) -> list[dict[str, object]]:
    """The catalogue's entries: msgid, plural, translations and flags (enough of the format for these checks)."""
    entries = []
    for block in po_text.strip().split("\n\n"):
        entry: dict[str, object] = {"flags": "", "msgid": "", "plural": None, "msgstr": []}
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = line
            elif line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("msgid_plural "):
                entry["plural"], current = _unquote(line[13:]), "plural"
            elif line.startswith("msgid "):
                entry["msgid"], current = _unquote(line[6:]), "msgid"
            elif line.startswith("msgstr"):
                entry["msgstr"].append(_unquote(line.split(" ", 1)[1]))  # type: ignore[attr-defined]
                current = "msgstr"
            elif line.startswith('"') and current:
                if current == "msgstr":
                    entry["msgstr"][-1] += _unquote(line)  # type: ignore[index]
                else:
                    entry[current] = str(entry[current]) + _unquote(line)
        if entry["msgid"] or entry["plural"]:
            entries.append(entry)
    return entries


def _unquote(text: str) -> str:
    return bytes(text.strip()[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is needed (scripts/system-deps installs it)")
def test_every_message_is_translated_and_none_is_fuzzy():
    # makemessages always writes to the project's own locale folder when run from the project (it adds
    # ./locale itself): read what it makes of the sources, then put the catalogue back as it was.
    catalogue = CATALOGUE / "django.po"
    original = catalogue.read_bytes()
    try:
        call_command("makemessages", locale=["zh_Hant"], ignore_patterns=IGNORED, verbosity=0)
        text = catalogue.read_text()
    finally:
        catalogue.write_bytes(original)
    live = [entry for entry in _entries(text) if not entry.get("obsolete")]
    missing = [entry["msgid"] for entry in live if not all(entry["msgstr"])]  # type: ignore[attr-defined]
    fuzzy = [entry["msgid"] for entry in live if "fuzzy" in str(entry["flags"])]
    assert missing == [], f"{len(missing)} messages have no Chinese translation"
    assert fuzzy == [], f"{len(fuzzy)} translations are marked fuzzy"


def test_the_compiled_catalogue_is_the_one_translators_edit():
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    entries = _entries((CATALOGUE / "django.po").read_text())
    stale = []
    for entry in entries:
        if entry.get("obsolete"):
            continue
        msgid, translations = str(entry["msgid"]), entry["msgstr"]
        got = compiled.ngettext(msgid, str(entry["plural"]), 1) if entry["plural"] else compiled.gettext(msgid)
        if got != translations[0]:  # type: ignore[index]
            stale.append(msgid)
    assert stale == [], f"{len(stale)} messages differ: run `manage.py compilemessages`"


def test_pages_come_out_in_chinese(negotiation_case, claimant, client_for):
    client = client_for(claimant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    page = client.get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    assert page.status_code == 200
    assert 'lang="zh-hant"' in page.text
    assert "申索人" in page.text
    assert re.search(r"登出", page.text)
