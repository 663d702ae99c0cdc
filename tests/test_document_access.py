"""Who may download each document the platform issues, in each status, and what the pages list of them.

The expectations below are written out by hand, apart from the rule they check (documents.access): a new
kind or status of document fails ``test_every_document_kind_and_status_by_persona`` until it is decided
here and there.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import Resolver404, resolve, reverse

from arbitration.services import award as awards
from cases.models import CaseSettlement, NeutralRole, RefusalReason, SecurityEvent, SettlementSource
from documents.access import DOCUMENT_AUDIENCES
from documents.models import IssuedDocument, IssuedKind, IssuedStatus
from documents.services import render_draft
from payments.models import Charge, Payment, Refund
from tests.test_arbitration import _all_due, _issue, _terms

PERSONAS = ("claimant", "respondent", "mediator", "arbitrator", "administrator", "outsider", "anonymous")
PARTIES = frozenset({"claimant", "respondent"})
CENTRE = frozenset({"administrator"})
ARBITRATOR = frozenset({"arbitrator"})
NOBODY: frozenset[str] = frozenset()
ANY_STATUS = tuple(IssuedStatus)
UNSEALED = (IssuedStatus.DRAFT, IssuedStatus.SUPERSEDED, IssuedStatus.SIGNED)


def _expected(settled_in_mediation: bool) -> dict[tuple[str, str], frozenset[str]]:
    """Who may download each kind of document in each status, on a case with every persona on it."""
    settlement_readers = PARTIES | CENTRE | ({"mediator"} if settled_in_mediation else set())
    table: dict[tuple[str, str], frozenset[str]] = {}
    for status in ANY_STATUS:
        sealed = status == IssuedStatus.EXECUTED
        table[IssuedKind.ODR_AGREEMENT, status] = PARTIES | CENTRE if sealed else NOBODY
        table[IssuedKind.SETTLEMENT_AGREEMENT, status] = frozenset(settlement_readers)
        table[IssuedKind.AGREEMENT_TO_MEDIATE, status] = PARTIES | CENTRE
        # The receipts below are the claimant's: it paid, and was refunded.
        table[IssuedKind.FEE_RECEIPT, status] = frozenset({"claimant"}) | CENTRE if sealed else NOBODY
        table[IssuedKind.REFUND_RECEIPT, status] = frozenset({"claimant"}) | CENTRE if sealed else NOBODY
        table[IssuedKind.DECLARATION_OF_INDEPENDENCE, status] = PARTIES | CENTRE | ARBITRATOR if sealed else ARBITRATOR
        table[IssuedKind.ARBITRAL_AWARD, status] = PARTIES | CENTRE | ARBITRATOR if sealed else ARBITRATOR
    return table


def _close(response: Any) -> None:
    """Release a file download's handle without firing request_finished (it would close the test's database)."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    for close in getattr(response, "_resource_closers", []):
        close()


def _get(client: Any, url: str) -> Any:
    response = client.get(url)
    _close(response)
    return response


def _pdf(document: IssuedDocument) -> str:
    return reverse("documents:agreement_pdf", kwargs={"case_id": document.case.public_id, "document_id": document.pk})


DOWNLOADS = {"documents:agreement_pdf", "arbitration:award_pdf", "payments:receipt"}
HREF = re.compile(r'href="([^"]+)"')


def _linked_documents(html: str) -> list[tuple[str, int]]:
    """(URL, document id) of every link to a document download on a page."""
    found = []
    for href in HREF.findall(html):
        try:
            match = resolve(href.split("?")[0])
        except Resolver404:
            continue
        if match.view_name in DOWNLOADS:
            found.append((href, int(match.kwargs["document_id"])))
    return found


def _pages(case: Any) -> list[str]:
    kwargs = {"case_id": case.public_id}
    return [
        reverse("cases:detail", kwargs=kwargs),
        reverse("documents:agreement", kwargs=kwargs),
        reverse("documents:agreement_to_mediate", kwargs=kwargs),
        reverse("arbitration:case", kwargs=kwargs),
        reverse("mediation:case", kwargs=kwargs),
    ]


@pytest.fixture
def people(claimant, respondent, mediator, arbitrator, administrator, outsider, client_for):
    users = {
        "claimant": claimant,
        "respondent": respondent,
        "mediator": mediator,
        "arbitrator": arbitrator,
        "administrator": administrator,
        "outsider": outsider,
        "anonymous": None,
    }
    return {persona: (user, client_for(user)) for persona, user in users.items()}


def _store(case: Any, kind: str, status: str, version: int, subject: str = "") -> IssuedDocument:
    document = IssuedDocument(
        case=case, kind=kind, status=status, version=version, amount=Decimal("1.00"), terms="", subject=subject
    )
    document.pdf.save("document.pdf", ContentFile(f"%PDF-1.4 {kind} {status}".encode()), save=False)
    document.save()
    return document


def _every_document(case: Any, claimant: Any, fee_schedule: Any) -> dict[int, tuple[str, str]]:
    """One document of every kind in every status on ``case``; the receipts are for the claimant's payment."""
    party = case.parties.select_related("organisation", "user").get(role="claimant")
    charge = Charge.objects.create(
        case=case,
        party=party,
        organisation=party.organisation,
        payer=party.user,
        kind="mediation",
        stage_action="escalate_to_mediation",
        schedule=fee_schedule,
        base_amount=Decimal("1000.00"),
        amount_due=Decimal("1000.00"),
        status="paid",
    )
    payment = Payment.objects.create(
        charge=charge, provider="manual", status="partly_refunded", amount=Decimal("1000.00"), created_by=claimant
    )
    refund = Refund.objects.create(payment=payment, amount=Decimal("100.00"), reason="Overpaid")
    subjects = {
        IssuedKind.FEE_RECEIPT: f"payment:{payment.public_id}",
        IssuedKind.REFUND_RECEIPT: f"refund:{refund.public_id}",
    }
    made = {}
    for kind in IssuedKind:
        for version, status in enumerate(IssuedStatus, start=1):
            document = _store(case, kind, status, version, subjects.get(kind, ""))
            made[document.pk] = (kind.value, status.value)
    return made


@pytest.mark.parametrize("settled_in_mediation", [False, True], ids=["settled-elsewhere", "settled-in-mediation"])
def test_every_document_kind_and_status_by_persona(
    settled_in_mediation, negotiation_case, claimant, mediator, arbitrator, assign, fee_schedule, people
):
    case = negotiation_case
    assign(case, mediator, NeutralRole.MEDIATOR)
    assign(case, arbitrator, NeutralRole.ARBITRATOR)
    if settled_in_mediation:
        CaseSettlement.objects.create(case=case, amount=Decimal("1.00"), source=SettlementSource.MEDIATION)
    documents = _every_document(case, claimant, fee_schedule)
    expected = _expected(settled_in_mediation)
    wrong = []
    for pk, (kind, status) in documents.items():
        url = reverse("documents:agreement_pdf", kwargs={"case_id": case.public_id, "document_id": pk})
        allowed = expected[kind, status]
        for persona, (_user, client) in people.items():
            code = _get(client, url).status_code
            if (code == 200) != (persona in allowed) or (code != 200 and code not in (404, 302)):
                wrong.append(f"{kind} {status}: {persona} got {code}")
    assert not wrong, "; ".join(wrong)
    # The arbitrator's preview and the payer's receipt page answer by the same rule for their kinds.
    for pk, (kind, status) in documents.items():
        name = {IssuedKind.ARBITRAL_AWARD: "arbitration:award_pdf", IssuedKind.FEE_RECEIPT: "payments:receipt"}.get(
            IssuedKind(kind)
        )
        if name is None:
            continue
        url = reverse(name, kwargs={"case_id": case.public_id, "document_id": pk})
        for persona, (_user, client) in people.items():
            assert (_get(client, url).status_code == 200) == (persona in expected[kind, status]), (
                name,
                status,
                persona,
            )
    # No page lists a document its reader may not download.
    for persona, (_user, client) in people.items():
        for page in _pages(case):
            response = client.get(page)
            if response.status_code != 200:
                continue
            for href, pk in _linked_documents(response.text):
                kind, status = documents[pk]
                assert persona in expected[kind, status], f"{page} shows {persona} a link to {kind} {status}: {href}"


def test_the_rule_decides_every_kind_in_every_status():
    assert set(DOCUMENT_AUDIENCES) == {(kind, status) for kind in IssuedKind for status in IssuedStatus}


def test_only_the_arbitrator_downloads_award_drafts_and_parties_get_the_issued_award(proceedings, arbitrator, people):
    """As seen on a full arbitration: before signing, both parties downloaded the draft award from the
    case's document download; later the superseded drafts and the pending correction draft too."""
    _all_due(proceedings)
    first = render_draft(document_id=awards.award_draft_save(case=proceedings, user=arbitrator, terms=_terms()).pk)
    declaration = IssuedDocument.objects.get(
        case=proceedings, kind=IssuedKind.DECLARATION_OF_INDEPENDENCE, status=IssuedStatus.SIGNED
    )
    for document in (first, declaration):
        for persona, (_user, client) in people.items():
            code = _get(client, _pdf(document)).status_code
            assert (code == 200) == (persona == "arbitrator"), (document.get_status_display(), persona, code)

    issued = _issue(proceedings, arbitrator, _terms(findings="The deposit was paid; the event did not take place."))
    second = IssuedDocument.objects.get(pk=issued.executed_from_id)
    first.refresh_from_db()
    assert (first.status, second.status) == (IssuedStatus.SUPERSEDED, IssuedStatus.SIGNED)
    awards.award_correction_start(case=proceedings, user=arbitrator)
    corrected = _terms(costs_amount=Decimal("550.50"), net_amount=Decimal("10550.50"), correction_note="Costs.")
    correction = render_draft(
        document_id=awards.award_draft_save(case=proceedings, user=arbitrator, terms=corrected).pk
    )
    for persona, (_user, client) in people.items():
        assert (_get(client, _pdf(issued)).status_code == 200) == (
            persona in {"claimant", "respondent", "arbitrator", "administrator"}
        ), persona
        for document in (first, second, correction):
            code = _get(client, _pdf(document)).status_code
            assert (code == 200) == (persona == "arbitrator"), (document.get_status_display(), persona, code)
    # The pages list exactly what their reader may download: the parties the sealed award and declaration.
    for persona, (_user, client) in people.items():
        linked = set()
        for page in _pages(proceedings):
            response = client.get(page)
            if response.status_code == 200:
                linked |= {pk for _href, pk in _linked_documents(response.text)}
        for pk in linked:
            document = IssuedDocument.objects.get(pk=pk)
            assert _get(client, _pdf(document)).status_code == 200, (persona, document.kind, document.status)
        if persona in PARTIES:
            assert issued.pk in linked
            assert not linked & {first.pk, second.pk, correction.pk, declaration.pk}


def test_a_refused_download_is_a_security_event(proceedings, arbitrator, claimant, client_for):
    _all_due(proceedings)
    draft = render_draft(document_id=awards.award_draft_save(case=proceedings, user=arbitrator, terms=_terms()).pk)
    assert _get(client_for(claimant), _pdf(draft)).status_code == 404
    event = SecurityEvent.objects.get()
    assert event.reason == RefusalReason.NOT_THEIRS
    assert event.user == claimant
    assert event.case_ref == proceedings.public_id
