"""The batched email of what awaits a side in a deal: one email a while after the first change however many
follow, at most one per period, none once the page was opened or while it is open live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.services.deadlines import deadlines_sweep
from deals.models import Deal, DealParty, DealPresence
from deals.services.agreement import deal_mark_final
from deals.services.digests import deal_digests_send
from deals.services.redlines import comment_post, proposal_accept, proposal_make

pytestmark = pytest.mark.django_db


def _propose(deal: Deal, user: Any, key: str = "price", value: str = "35000") -> Any:
    deal.refresh_from_db()
    return proposal_make(
        deal=deal, user=user, target_kind="field", target_key=key, base_version=deal.current_version, value=value
    )


def _digests(sent: list[Any]) -> list[Any]:
    return [mail for mail in sent if "awaits you" in mail.subject]


def _later(settings: Any, minutes: float = 1) -> Any:
    return timezone.now() + timedelta(minutes=settings.ODR_DEAL_DIGEST_MINUTES + minutes)


def test_a_burst_of_changes_is_one_email_a_while_later(negotiating_deal, claimant, respondent, run_tasks, settings):
    _propose(negotiating_deal, respondent)
    _propose(negotiating_deal, respondent, key="quantity", value="500 boxes")
    for body in ("Can you deliver earlier?", "And unloaded, please."):
        comment_post(deal=negotiating_deal, user=respondent, target_kind="clause", target_key="delivery", body=body)
    run_tasks()
    assert deal_digests_send(now=_later(settings, minutes=-1)) == 0  # not yet: more may follow
    # Through the deadline sweep, where the app registered it.
    assert deadlines_sweep(now=_later(settings))["deal_digests"] == 1
    (email,) = _digests(run_tasks())
    assert email.to == ["alice@example.com"]
    assert email.subject.endswith(f"Deal {negotiating_deal.reference}: the other business awaits you")
    assert "2 proposed changes await your answer" in email.body
    assert "2 new comments" in email.body
    assert reverse("deals:detail", kwargs={"deal_id": negotiating_deal.public_id}) in email.body
    assert DealParty.objects.get(deal=negotiating_deal, side="initiator").awaiting_since is None
    assert deal_digests_send(now=_later(settings)) == 0  # once


def test_at_most_one_email_a_period(negotiating_deal, respondent, run_tasks, settings):
    _propose(negotiating_deal, respondent)
    first = _later(settings)
    assert deal_digests_send(now=first) == 1
    _propose(negotiating_deal, respondent, value="34000")  # right after the email: the flag is set again
    assert deal_digests_send(now=first) == 0
    assert deal_digests_send(now=first + timedelta(minutes=settings.ODR_DEAL_DIGEST_MINUTES - 1)) == 0
    assert deal_digests_send(now=first + timedelta(minutes=settings.ODR_DEAL_DIGEST_MINUTES)) == 1
    assert len(_digests(run_tasks())) == 2


def test_opening_the_deal_page_is_seeing_what_awaited(negotiating_deal, claimant, respondent, client_for, settings):
    _propose(negotiating_deal, respondent)
    assert (
        client_for(claimant).get(reverse("deals:detail", kwargs={"deal_id": negotiating_deal.public_id})).status_code
        == 200
    )
    assert deal_digests_send(now=_later(settings)) == 0


def test_no_email_while_the_page_is_open_live(negotiating_deal, respondent, run_tasks, settings):
    _propose(negotiating_deal, respondent)
    DealPresence.objects.create(deal=negotiating_deal, side="initiator", channel_name="x", last_seen=timezone.now())
    assert deal_digests_send(now=_later(settings)) == 0
    DealPresence.objects.all().delete()  # the page is closed without the change being shown
    assert deal_digests_send(now=_later(settings)) == 1
    assert len(_digests(run_tasks())) == 1


def test_the_email_says_what_awaits(negotiating_deal, claimant, respondent, run_tasks, settings):
    proposal = _propose(negotiating_deal, claimant)
    proposal_accept(deal=negotiating_deal, proposal_id=proposal.pk, user=respondent)
    deal_mark_final(deal=negotiating_deal, user=respondent, version=2)
    run_tasks()
    # Alice: her proposal accepted and the text marked final. Bob was flagged by her proposal, which he has
    # answered since: nothing awaits him, so no email.
    assert deal_digests_send(now=_later(settings)) == 1
    (email,) = _digests(run_tasks())
    assert email.to == ["alice@example.com"]
    assert "1 of your proposals was accepted" in email.body
    assert "they marked version 2 of the text final" in email.body
    assert "await your answer" not in email.body
    assert not DealParty.objects.filter(awaiting_since__isnull=False).exists()
