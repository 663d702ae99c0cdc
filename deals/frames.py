"""What the deal room's socket reads from a client frame before it calls a service: only the shapes (a number
where a number goes, text where text goes). Every rule about the deal (which clause, whose proposal, which
version) is the services' to check, for the socket as for the plain forms, with the same messages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from deals.content import KEY, LANGUAGES
from odr.sockets import FrameError

MAX_ID = 2**63 - 1


def whole_number(content: dict[str, Any], key: str) -> int:
    raw = content.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_ID:
        raise FrameError("invalid", _("The request is missing a valid %(field)s.") % {"field": key})
    return raw


def text(content: dict[str, Any], key: str, *, default: str | None = "") -> str | None:
    """``content[key]`` if it is text; ``default`` if it is absent (None: it may be left out)."""
    raw = content.get(key, default)
    if raw is None and default is None:
        return None
    if not isinstance(raw, str):
        raise FrameError("invalid", _("The request is missing %(field)s.") % {"field": key})
    return raw


def target(content: dict[str, Any]) -> dict[str, str]:
    """The clause or field a frame is about, as the services take it (they check that it exists)."""
    return {"target_kind": text(content, "target_kind") or "", "target_key": text(content, "target_key") or ""}


def clause_text(content: dict[str, Any]) -> dict[str, str] | None:
    """A clause's new text per language ({"en": ..., "zh-hant": ...}); absent for a field or a strike."""
    raw = content.get("text")
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(k in LANGUAGES and isinstance(v, str) for k, v in raw.items()):
        raise FrameError("invalid", _("The new text must be given per language, as text."))
    return raw


def proposal_arguments(content: dict[str, Any]) -> dict[str, Any]:
    """``proposal_make``'s arguments from a ``proposal.make`` frame."""
    return {
        **target(content),
        "base_version": whole_number(content, "base_version"),
        "action": text(content, "action", default="change"),
        "text": clause_text(content),
        "value": text(content, "value", default=None),
        "note": text(content, "note"),
    }


def typing_target(content: dict[str, Any]) -> str | None:
    """The clause or field someone types about ("clause:<key>"), or None for the deal as a whole. Only relayed,
    never stored: a target that is not a clause's or field's shape is refused."""
    raw = content.get("target")
    if raw is None:
        return None
    kind, _sep, key = raw.partition(":") if isinstance(raw, str) else ("", "", "")
    if kind not in ("clause", "field") or not KEY.fullmatch(key):
        raise FrameError("invalid", _("Choose a clause or a field of the contract."))
    return f"{kind}:{key}"
