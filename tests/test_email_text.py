"""Plain-text emails are not HTML: what people typed arrives exactly as typed, never HTML-escaped."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from cases.notifications import queue_email

TYPED = "Ann <b>&\"' Trading"
ESCAPES = ("&lt;", "&gt;", "&amp;", "&quot;", "&#x27;", "&#39;")
EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
KINDS = sorted(path.stem for path in EMAILS.glob("*.txt") if not path.stem.endswith("_subject"))
NAME = re.compile(r"(?<![\w.\"'])([a-z_][a-z0-9_]*)(?=[.|\s}%])")


class Typed(str):
    """Any value a template asks for: text as a user typed it, a sum where a sum is needed, one item in
    a list, and real identifiers where a link is built."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _value(name)

    def __call__(self) -> Typed:
        return self

    def __iter__(self) -> Any:
        return iter([self])

    def __len__(self) -> int:
        return 1


def _value(name: str) -> Any:
    if name == "public_id":
        return uuid.uuid4()
    if name == "pk":
        return 1
    if name.startswith("amount") or name.endswith(("amount", "amount_due")):
        return Decimal("1234.50")
    if name in {"count", "hours"} or name.endswith("_count"):
        return 2
    if name.endswith(("_at", "_by", "_on")):
        return timezone.now()
    return Typed(TYPED)


def _context_for(kind: str) -> dict[str, Any]:
    source = "".join(path.read_text() for path in EMAILS.glob(f"{kind}*.txt"))
    tags = " ".join(re.findall(r"{[{%](.*?)[}%]}", source))
    return {name: _value(name) for name in NAME.findall(tags + " ")}


def test_every_email_template_is_found():
    assert len(KINDS) > 30
    assert "invitation" in KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_plain_text_email_keeps_what_users_typed(kind, db, run_tasks):
    queue_email(to="someone@example.com", template=kind, context=_context_for(kind), language="en")
    (sent,) = run_tasks()
    for text in (sent.subject, sent.body):
        assert not [escape for escape in ESCAPES if escape in text], text
    assert TYPED in sent.subject + sent.body


def test_invitation_email_names_the_claimant_as_typed(make_draft, claimant, claimant_org, run_tasks):
    from cases.services.filing import claim_file

    claimant_org.name = TYPED
    claimant_org.save(update_fields=["name"])
    claim_file(case=make_draft(), user=claimant, terms_accepted=True, consents_to_arbitration=True)
    (invitation,) = [m for m in run_tasks() if "bob@example.com" in m.to]
    assert TYPED in invitation.body
    assert not [escape for escape in ESCAPES if escape in invitation.body]
