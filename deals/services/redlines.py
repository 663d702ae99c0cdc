"""Redlines and comments: one side proposes new text for a clause or a field (or striking or restoring a
clause), the other accepts or rejects it; every accepted change is the next version.

Concurrency: every write here takes the deal's row lock first, so changes to one deal take turns. A proposal
names the version its author was reading; if its clause or field changed since, it is refused with the
version that changed it. Accepting a proposal makes every other open proposal on the same clause or field
out of date, so whoever accepts second is told that another change came first, and nothing is lost: the
first change is in the new version, the second proposal stays on record as out of date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta
from cases.services import ServiceError
from deals.audit import log_deal_action
from deals.content import (
    Target,
    clause_of,
    clean_clause_text,
    clean_field_value,
    content_with,
    field_spec,
    odr_clause_kept,
    target_state,
)
from deals.models import Comment, Deal, DealParty, DealVersion, Proposal, ProposalAction, ProposalStatus
from deals.realtime import broadcast_deal_on_commit
from deals.services.parties import acting_party, locked_deal, mark_other_side_awaiting, require_negotiating

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_NOTE = 2000
MAX_COMMENT = 4000


def version_content(deal: Deal, number: int) -> dict[str, Any]:
    return DealVersion.objects.filter(deal=deal, number=number).values_list("content", flat=True).get()


def _check_base(deal: Deal, target: Target, base_version: int) -> dict[str, Any]:
    """The current text, if ``target`` reads the same in it as in the version the author was reading."""
    if not 1 <= base_version <= deal.current_version:
        raise ServiceError(
            _("The version you were reading (%(version)s) is not one of this deal's. Reload the page.")
            % {"version": base_version},
            field="base_version",
        )
    current = version_content(deal, deal.current_version)
    if base_version != deal.current_version:
        changed_in = _changed_since(deal, target, base_version)
        if changed_in is not None:
            raise ServiceError(
                _(
                    "This part of the contract changed in version %(version)s, after the version you were "
                    "reading. Nothing was saved: read the current text, then propose again."
                )
                % {"version": changed_in},
                field="base_version",
            )
    return current


def _changed_since(deal: Deal, target: Target, base_version: int) -> int | None:
    """The first version after ``base_version`` in which ``target`` reads differently, if any."""
    versions = DealVersion.objects.filter(deal=deal, number__gte=base_version).order_by("number")
    previous: dict[str, Any] | None = None
    for number, content in versions.values_list("number", "content"):
        state = target_state(content, target)
        if previous is not None and state != previous:
            return number
        previous = state
    return None


def _after(
    deal: Deal, current: dict[str, Any], target: Target, action: str, before: dict[str, Any], text: Any, value: Any
) -> dict[str, Any]:
    if target.kind == "field":
        if action != ProposalAction.CHANGE:
            raise ServiceError(_("A field can only be given a new value."), field="action")
        return {"value": clean_field_value(field_spec(deal.template.body, target.key) | {"key": "value"}, value)}
    clause = clause_of(current, target.key)
    if action == ProposalAction.CHANGE:
        if clause["odr"]:
            raise ServiceError(_("The Centre's ODR clause can be kept or struck, not reworded."), field="action")
        if before["struck"]:
            raise ServiceError(_("This clause is struck: propose restoring it first."), field="action")
        raw = text if isinstance(text, dict) else {}
        return {"text": clean_clause_text(raw, deal.languages), "struck": False}
    if action == ProposalAction.STRIKE:
        if before["struck"]:
            raise ServiceError(_("This clause is already struck."), field="action")
        return {"text": before["text"], "struck": True}
    if action == ProposalAction.RESTORE:
        if not before["struck"]:
            raise ServiceError(_("This clause is not struck."), field="action")
        return {"text": before["text"], "struck": False}
    raise ServiceError(_("Choose what to propose."), field="action")


@transaction.atomic
def proposal_make(
    *,
    deal: Deal,
    user: User,
    target_kind: str,
    target_key: str,
    base_version: int,
    action: str = ProposalAction.CHANGE,
    text: dict[str, str] | None = None,
    value: str | None = None,
    note: str = "",
    meta: RequestMeta = SYSTEM,
) -> Proposal:
    """A redline on one clause or field of the current version, for the other side to accept or reject.
    ``text``: the clause's new text in each of the deal's languages; ``value``: the field's new value."""
    locked = locked_deal(deal)
    party = acting_party(locked, user)
    require_negotiating(locked)
    target = Target.parse(target_kind, target_key)
    current = _check_base(locked, target, base_version)
    before = target_state(current, target)
    after = _after(locked, current, target, action, before, text, value)
    if after == before:
        raise ServiceError(_("The proposal changes nothing: it is the current text."), field="text")
    if len(note) > MAX_NOTE:
        raise ServiceError(_("A note is at most %(count)s characters.") % {"count": MAX_NOTE}, field="note")
    proposal = Proposal.objects.create(
        deal=locked,
        target_kind=target.kind,
        target_key=target.key,
        action=action,
        base_version=locked.current_version,
        before=before,
        after=after,
        note=note.strip(),
        side=party.side,
        author=user,
    )
    log_deal_action(
        deal=locked,
        action="deal.proposal_made",
        actor=user,
        meta=meta,
        data={
            "proposal": proposal.pk,
            "target": f"{target.kind}:{target.key}",
            "change": action,
            "version": locked.current_version,
        },
    )
    mark_other_side_awaiting(locked, party.side, proposal.created_at)
    broadcast_deal_on_commit(locked.pk, "proposal", {"id": proposal.pk, "target": f"{target.kind}:{target.key}"})
    return proposal


def _open_proposal(deal: Deal, proposal_id: int) -> Proposal:
    proposal = Proposal.objects.select_for_update().filter(deal=deal, pk=proposal_id).first()
    if proposal is None:
        raise ServiceError(_("There is no such proposal in this deal."))
    if proposal.status == ProposalStatus.OUTDATED:
        raise ServiceError(
            _(
                "Another change to this part of the contract was accepted first (version %(version)s), so this "
                "proposal no longer applies. Nothing else changed: read the current text and propose again."
            )
            % {"version": _outdating_version(proposal)}
        )
    if proposal.status != ProposalStatus.OPEN:
        raise ServiceError(
            _("This proposal was already %(status)s.") % {"status": proposal.get_status_display().lower()}
        )
    return proposal


def _outdating_version(proposal: Proposal) -> int:
    winner = (
        Proposal.objects.filter(
            deal_id=proposal.deal_id,
            target_kind=proposal.target_kind,
            target_key=proposal.target_key,
            status=ProposalStatus.ACCEPTED,
            result_version__gt=proposal.base_version,
        )
        .order_by("result_version")
        .values_list("result_version", flat=True)
        .first()
    )
    return winner or proposal.base_version


@transaction.atomic
def proposal_accept(*, deal: Deal, proposal_id: int, user: User, meta: RequestMeta = SYSTEM) -> DealVersion:
    """The other side accepts a redline: the next version has it, and both sides' marks of the text as final
    are cleared (they marked other words)."""
    locked = locked_deal(deal)
    party = acting_party(locked, user)
    require_negotiating(locked)
    proposal = _open_proposal(locked, proposal_id)
    if proposal.side == party.side:
        raise ServiceError(_("Your own proposal is for the other business to accept."))
    target = Target(proposal.target_kind, proposal.target_key)
    current = version_content(locked, locked.current_version)
    if target_state(current, target) != proposal.before:  # kept out of date on accept; checked all the same
        raise ServiceError(_("This part of the contract changed since the proposal was made. Propose again."))
    content = content_with(current, target, proposal.after)
    now = timezone.now()
    number = locked.current_version + 1
    version = DealVersion.objects.create(
        deal=locked,
        number=number,
        content=content,
        proposal=proposal,
        created_by=user,
        summary=_summary(proposal),
    )
    kept_before, kept_after = locked.odr_clause_kept, odr_clause_kept(content)
    locked.current_version = number
    locked.odr_clause_kept = kept_after
    locked.save(update_fields=["current_version", "odr_clause_kept", "updated_at"])
    DealParty.objects.filter(deal=locked).update(final_version=None)
    proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.ACCEPTED, user, now
    proposal.result_version = number
    proposal.save(update_fields=["status", "decided_by", "decided_at", "result_version"])
    outdated = Proposal.objects.filter(
        deal=locked, target_kind=target.kind, target_key=target.key, status=ProposalStatus.OPEN
    ).update(status=ProposalStatus.OUTDATED, decided_at=now)
    log_deal_action(
        deal=locked,
        action="deal.proposal_accepted",
        actor=user,
        meta=meta,
        data={
            "proposal": proposal.pk,
            "target": f"{target.kind}:{target.key}",
            "version": number,
            "outdated": outdated,
        },
    )
    if kept_before != kept_after:
        log_deal_action(
            deal=locked,
            action="deal.odr_clause_kept" if kept_after else "deal.odr_clause_struck",
            actor=user,
            meta=meta,
            data={"version": number},
        )
    mark_other_side_awaiting(locked, party.side, now)
    broadcast_deal_on_commit(locked.pk, "version", {"number": number, "target": f"{target.kind}:{target.key}"})
    return version


def _summary(proposal: Proposal) -> str:
    where = f"{proposal.target_kind} {proposal.target_key}"
    return {
        ProposalAction.CHANGE: _("%(where)s changed"),
        ProposalAction.STRIKE: _("%(where)s struck"),
        ProposalAction.RESTORE: _("%(where)s restored"),
    }[ProposalAction(proposal.action)] % {"where": where}


@transaction.atomic
def proposal_reject(*, deal: Deal, proposal_id: int, user: User, meta: RequestMeta = SYSTEM) -> Proposal:
    locked = locked_deal(deal)
    party = acting_party(locked, user)
    require_negotiating(locked)
    proposal = _open_proposal(locked, proposal_id)
    if proposal.side == party.side:
        raise ServiceError(_("You can withdraw your own proposal, not reject it."))
    return _close(locked, proposal, user, ProposalStatus.REJECTED, "deal.proposal_rejected", meta)


@transaction.atomic
def proposal_withdraw(*, deal: Deal, proposal_id: int, user: User, meta: RequestMeta = SYSTEM) -> Proposal:
    locked = locked_deal(deal)
    acting_party(locked, user)
    require_negotiating(locked)
    proposal = _open_proposal(locked, proposal_id)
    if proposal.author_id != user.pk:
        raise ServiceError(_("Only its author can withdraw a proposal."))
    return _close(locked, proposal, user, ProposalStatus.WITHDRAWN, "deal.proposal_withdrawn", meta)


def _close(deal: Deal, proposal: Proposal, user: User, status: str, action: str, meta: RequestMeta) -> Proposal:
    proposal.status, proposal.decided_by, proposal.decided_at = status, user, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    log_deal_action(deal=deal, action=action, actor=user, meta=meta, data={"proposal": proposal.pk})
    broadcast_deal_on_commit(
        deal.pk, "proposal", {"id": proposal.pk, "target": f"{proposal.target_kind}:{proposal.target_key}"}
    )
    return proposal


@transaction.atomic
def comment_post(
    *, deal: Deal, user: User, target_kind: str, target_key: str, body: str, meta: RequestMeta = SYSTEM
) -> Comment:
    """A remark on a clause or a field, while the text is negotiated."""
    locked = locked_deal(deal)
    party = acting_party(locked, user)
    require_negotiating(locked)
    target = Target.parse(target_kind, target_key)
    target_state(version_content(locked, locked.current_version), target)  # the clause or field exists
    text = (body or "").strip()
    if not text:
        raise ServiceError(_("Write your comment."), field="body")
    if len(text) > MAX_COMMENT:
        raise ServiceError(_("A comment is at most %(count)s characters.") % {"count": MAX_COMMENT}, field="body")
    comment = Comment.objects.create(
        deal=locked, target_kind=target.kind, target_key=target.key, side=party.side, author=user, body=text
    )
    log_deal_action(
        deal=locked,
        action="deal.commented",
        actor=user,
        meta=meta,
        data={"comment": comment.pk, "target": f"{target.kind}:{target.key}"},
    )
    mark_other_side_awaiting(locked, party.side, comment.created_at)
    broadcast_deal_on_commit(locked.pk, "comment", {"id": comment.pk, "target": f"{target.kind}:{target.key}"})
    return comment
