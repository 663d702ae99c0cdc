"""No user-facing text in a template outside Django's translation tags, so the Chinese pages and emails
have no English left in them: visible text, and the attributes people read (alt, title, placeholder,
aria-label)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Written the same in every language: codes, units and marks.
ALLOWED = {"HK$", "HKT", "ODR", "PDF", "CSV", "SHA", "BR", "IP", "UTC", "TOTP", "URL"}
SKIPPED_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans", "comment": "endcomment"}
READ_ATTRIBUTE_NAMES = {"alt", "title", "placeholder", "aria-label"}
WORD = re.compile(r"[A-Za-z][A-Za-z$'-]*")


def _without_tags(source: str) -> str:
    """The template with translation and comment blocks removed and every other tag or variable replaced by
    a blank, so only the literal text and markup remain."""
    kept: list[str] = []
    skipping: str | None = None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skipping is None and name in SKIPPED_BLOCKS:
                skipping = SKIPPED_BLOCKS[name]
            elif skipping is None and name == "block" and token.contents.split()[-1].endswith("_class"):
                skipping = "endblock"  # a block that fills in CSS class names, not text
            elif name == skipping:
                skipping = None
            kept.append(" ")
        elif skipping is None and token.token_type == TokenType.TEXT:
            kept.append(token.contents)
        else:
            kept.append(" ")
    return "".join(kept)


class _Reader(HTMLParser):
    """Collects what a person reads: text outside scripts and styles, and the attributes read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.pieces += [value for name, value in attrs if name in READ_ATTRIBUTE_NAMES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.pieces.append(data)


def _visible_text(path: Path) -> list[str]:
    text = _without_tags(path.read_text())
    if path.suffix == ".txt":
        return [text]
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader.pieces


def _untranslated(piece: str) -> list[str]:
    piece = re.sub(r"&[a-z]+;|&#\d+;", " ", piece)
    return [word for word in WORD.findall(piece) if word.strip("'-") not in ALLOWED]


def test_no_template_has_text_outside_translation_tags():
    found = []
    for path in sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]):
        for piece in _visible_text(path):
            words = _untranslated(piece)
            if words:
                found.append(f"{path.relative_to(TEMPLATES)}: {' '.join(words)[:80]}")
    assert found == [], "\n".join(found)
