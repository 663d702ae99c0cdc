"""How documents' audited events read in a case's timeline."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.hooks import TimelineText
from documents.models import IssuedKind
from documents.rendering import shown_characters


def _kind(kind: str) -> str:
    return str(IssuedKind(kind).label) if kind in IssuedKind.values else _("document")


TIMELINE_TEXTS: dict[str, TimelineText] = {
    "document.refused": lambda e: (
        _(
            "%(document)s not produced: the server's fonts cannot show %(characters)s. "
            "Nothing was issued; the Centre's staff have been told."
        )
        % {"document": _kind(e.data.get("kind", "")), "characters": shown_characters(e.data.get("characters", ""))}
    ),
}
