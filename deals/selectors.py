"""Reads of deal-making for pages and the deal room: what a side sees of its deals, one deal's text with
its redlines and comments, two versions side by side, and the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import translation

from cases.models import AuditEntry
from deals.access import deals_visible_to
from deals.audit import deal_subject
from deals.diff import Piece, word_diff
from deals.models import (
    Comment,
    Deal,
    DealContract,
    DealObligation,
    DealSignature,
    DealStatus,
    DealTemplate,
    DealVersion,
    Proposal,
    ProposalStatus,
    Side,
    TemplateStatus,
)
from deals.timeline import HISTORY_TEXTS

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def shown(text: dict[str, str]) -> str:
    """A label kept in both languages, in the language of the page."""
    language = translation.get_language() or "en"
    return text.get("zh-hant" if language.startswith("zh") else "en") or text.get("en", "")


def offered_templates() -> QuerySet[DealTemplate]:
    return DealTemplate.objects.filter(status=TemplateStatus.PUBLISHED).order_by("key")


def my_deals(user: User | AnonymousUser) -> list[Deal]:
    return list(
        deals_visible_to(user)
        .select_related("template")
        .prefetch_related("parties__organisation")
        .order_by("-updated_at")
    )


@dataclass(slots=True)
class ProposalView:
    proposal: Proposal
    label: str
    mine: bool
    # A clause's change: per language, the word-level diff; a field's change: the value before and after.
    diffs: list[tuple[str, list[Piece]]] = field(default_factory=list)
    value_before: str = ""
    value_after: str = ""


@dataclass(slots=True)
class PartView:
    """A clause or a field of the current version, with what is open on it."""

    kind: str
    key: str
    label: str
    number: int = 0
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (language, heading, text)
    value: str = ""
    field_type: str = ""
    required: bool = False
    odr: bool = False
    struck: bool = False
    proposals: list[ProposalView] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def _field_label(deal: Deal, key: str) -> tuple[str, dict[str, Any]]:
    for spec in deal.template.body["fields"]:
        if spec["key"] == key:
            return shown(spec["label"]), spec
    return key, {}


def _clause_label(content: dict[str, Any], key: str) -> str:
    for number, clause in enumerate(content["clauses"], start=1):
        if clause["key"] == key:
            heading = clause["heading"]
            return f"{number}. {shown(heading) if len(heading) > 1 else next(iter(heading.values()))}"
    return key


def proposal_view(deal: Deal, content: dict[str, Any], proposal: Proposal, side: str) -> ProposalView:
    if proposal.target_kind == "field":
        label, _spec = _field_label(deal, proposal.target_key)
        return ProposalView(
            proposal,
            label,
            proposal.side == side,
            value_before=proposal.before.get("value", ""),
            value_after=proposal.after.get("value", ""),
        )
    diffs = [
        (language, word_diff(proposal.before["text"].get(language, ""), proposal.after["text"].get(language, "")))
        for language in deal.languages
    ]
    return ProposalView(proposal, _clause_label(content, proposal.target_key), proposal.side == side, diffs=diffs)


@dataclass(slots=True)
class DealPage:
    deal: Deal
    side: str
    version: DealVersion
    fields: list[PartView]
    clauses: list[PartView]
    open_proposals: list[ProposalView]
    my_final: int | None
    their_final: int | None
    role_labels: dict[str, str]


def deal_page(deal: Deal, side: Side | str) -> DealPage:
    """Everything the deal page shows: the current version's fields and clauses, each with its open
    proposals (newest first, with their diffs) and its comments. Decided proposals are the history's, not the
    page's: their diffs are not computed here."""
    version = DealVersion.objects.get(deal=deal, number=deal.current_version)
    content = version.content
    proposals = Proposal.objects.filter(deal=deal, status=ProposalStatus.OPEN).select_related("author")
    comments = list(Comment.objects.filter(deal=deal).select_related("author"))
    views = [proposal_view(deal, content, p, side) for p in proposals.order_by("-created_at")]
    open_by_target: dict[tuple[str, str], list[ProposalView]] = {}
    for view in views:
        open_by_target.setdefault((view.proposal.target_kind, view.proposal.target_key), []).append(view)
    comments_by_target: dict[tuple[str, str], list[Comment]] = {}
    for comment in comments:
        comments_by_target.setdefault((comment.target_kind, comment.target_key), []).append(comment)
    fields = []
    for spec in deal.template.body["fields"]:
        key = spec["key"]
        fields.append(
            PartView(
                "field",
                key,
                shown(spec["label"]),
                value=content["fields"].get(key, ""),
                field_type=spec["type"],
                required=bool(spec.get("required")),
                proposals=open_by_target.get(("field", key), []),
                comments=comments_by_target.get(("field", key), []),
            )
        )
    clauses = []
    for number, clause in enumerate(content["clauses"], start=1):
        key = clause["key"]
        clauses.append(
            PartView(
                "clause",
                key,
                _clause_label(content, key),
                number=number,
                texts=[(lang, clause["heading"][lang], clause["text"][lang]) for lang in deal.languages],
                odr=clause["odr"],
                struck=clause["struck"],
                proposals=open_by_target.get(("clause", key), []),
                comments=comments_by_target.get(("clause", key), []),
            )
        )
    finals = {party.side: party.final_version for party in deal.parties.all()}
    other = Side.COUNTERPARTY if side == Side.INITIATOR else Side.INITIATOR
    return DealPage(
        deal=deal,
        side=str(side),
        version=version,
        fields=fields,
        clauses=clauses,
        open_proposals=views,
        my_final=finals.get(str(side)),
        their_final=finals.get(other),
        role_labels={role["key"]: shown(role["label"]) for role in deal.template.roles},
    )


@dataclass(slots=True)
class ComparedPart:
    label: str
    changed: bool
    # Per language (clauses) or one row (fields): (language, left text, right text, diff).
    rows: list[tuple[str, str, str, list[Piece]]]
    struck: tuple[bool, bool] = (False, False)


def versions_compared(deal: Deal, left: int, right: int) -> list[ComparedPart]:
    """Versions ``left`` and ``right`` side by side, part by part, each with the word-level diff."""
    contents = dict(DealVersion.objects.filter(deal=deal, number__in=(left, right)).values_list("number", "content"))
    a, b = contents[left], contents[right]
    parts: list[ComparedPart] = []
    for spec in deal.template.body["fields"]:
        key = spec["key"]
        old, new = a["fields"].get(key, ""), b["fields"].get(key, "")
        parts.append(ComparedPart(shown(spec["label"]), old != new, [("", old, new, word_diff(old, new))]))
    right_clauses = {c["key"]: c for c in b["clauses"]}
    for number, clause in enumerate(a["clauses"], start=1):
        other = right_clauses.get(clause["key"], clause)
        rows = [
            (lang, clause["text"][lang], other["text"][lang], word_diff(clause["text"][lang], other["text"][lang]))
            for lang in deal.languages
        ]
        changed = any(r[1] != r[2] for r in rows) or clause["struck"] != other["struck"]
        heading = shown(clause["heading"]) if len(clause["heading"]) > 1 else next(iter(clause["heading"].values()))
        parts.append(ComparedPart(f"{number}. {heading}", changed, rows, (clause["struck"], other["struck"])))
    return parts


def deal_versions(deal: Deal) -> list[DealVersion]:
    return list(DealVersion.objects.filter(deal=deal).select_related("created_by", "proposal").order_by("-number"))


@dataclass(frozen=True, slots=True)
class HistoryRow:
    entry: AuditEntry
    text: str


def deal_history(deal: Deal) -> list[HistoryRow]:
    """Who did what to the deal, and when (the audit log's entries on the deal), each in words; entries kept
    for the Centre's staff (how a fee was paid, by which provider) are not shown to the businesses."""
    entries = AuditEntry.objects.filter(subject=deal_subject(deal), visible_to_parties=True).order_by(
        "created_at", "id"
    )
    return [HistoryRow(entry, str(HISTORY_TEXTS.get(entry.action, entry.action))) for entry in entries]


def deal_obligations(deal: Deal) -> list[DealObligation]:
    """What the signed contract obliges each side to do, by date, each with its record."""
    return list(DealObligation.objects.filter(deal=deal).prefetch_related("events").order_by("due_on", "id"))


def room_state(deal_id: int) -> dict[str, Any]:
    """What the deal room's socket says first: the version on the table and the deal's state; a page that
    holds another version (it was away) fetches its parts again."""
    version, status = Deal.objects.filter(pk=deal_id).values_list("current_version", "status").get()
    return {"version": version, "status": status}


@dataclass(frozen=True, slots=True)
class SigningView:
    """The contract as the deal page shows it from the lock on: its PDFs, who has signed, and whether the
    reader's side still has to."""

    contract: DealContract | None
    signatures: dict[str, DealSignature]  # by side
    side: str

    @property
    def signed_by_us(self) -> bool:
        return self.side in self.signatures

    @property
    def may_sign(self) -> bool:
        return (
            self.contract is not None
            and self.contract.draft_ready
            and not self.contract.executed
            and not self.signed_by_us
        )


def signing_view(deal: Deal, side: Side | str) -> SigningView | None:
    if deal.status not in (DealStatus.SIGNING, DealStatus.EXECUTED):
        return None
    return SigningView(
        contract=DealContract.objects.filter(deal=deal).first(),
        signatures={signature.side: signature for signature in DealSignature.objects.filter(deal=deal)},
        side=str(side),
    )
