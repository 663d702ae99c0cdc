import re
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections

from cases.models import AuditEntry, Case, CaseParty, CaseStatus, Invitation
from cases.services import ServiceError
from cases.services.filing import claim_draft_update, claim_file
from tests.conftest import make_organisation


def test_filed_case_gets_reference_and_records_terms_acceptance(filed_case, claimant):
    assert re.fullmatch(r"ODR-\d{4}-\d{6}", filed_case.reference)
    party = CaseParty.objects.get(case=filed_case, role="claimant")
    assert party.user == claimant
    assert party.terms_accepted_at is not None
    assert party.terms_version
    assert AuditEntry.objects.filter(case=filed_case, action="terms.accepted").exists()
    assert Invitation.objects.filter(case=filed_case, email="bob@example.com").count() == 1


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"amount_claimed": Decimal("500000.01")}, "over the scheme's limit of HK$500,000.00"),
        ({"covid_related": False}, "COVID-19"),
    ],
)
def test_ineligible_claims_are_refused_with_the_reason(make_draft, claimant, overrides, reason):
    case = make_draft(**overrides)
    with pytest.raises(ServiceError, match=re.escape(reason)):
        claim_file(case=case, user=claimant, terms_accepted=True, consents_to_arbitration=False)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert case.reference is None
    assert not Invitation.objects.filter(case=case).exists()


def test_claim_needs_a_hong_kong_party(claimant, make_draft):
    overseas = make_organisation(claimant, "Overseas Co", hk=False)
    case = make_draft(organisation=overseas, respondent_is_hk=False)
    with pytest.raises(ServiceError, match="Hong Kong business"):
        claim_file(case=case, user=claimant, terms_accepted=True, consents_to_arbitration=False)
    # Either side being a Hong Kong business is enough.
    case = make_draft(organisation=overseas, respondent_is_hk=True)
    assert claim_file(case=case, user=claimant, terms_accepted=True, consents_to_arbitration=False).reference


def test_terms_must_be_accepted(make_draft, claimant):
    case = make_draft()
    with pytest.raises(ServiceError, match="accept the ODR terms"):
        claim_file(case=case, user=claimant, terms_accepted=False, consents_to_arbitration=False)


def test_respondent_email_of_the_claimant_side_is_refused(make_draft, claimant):
    case = make_draft()
    for email in ("alice@example.com", "ALICE@example.com", "office@alpha.example"):
        with pytest.raises(ServiceError, match="your own side"):
            claim_draft_update(
                case=case,
                user=claimant,
                step=1,
                values={"respondent_name": "X", "respondent_email": email, "respondent_is_hk": True},
            )


def test_incomplete_draft_cannot_be_filed(claimant, claimant_org):
    from cases.services.filing import claim_draft_start

    case = claim_draft_start(user=claimant, organisation=claimant_org)
    with pytest.raises(ServiceError, match="not filled in"):
        claim_file(case=case, user=claimant, terms_accepted=True, consents_to_arbitration=False)


def test_filing_twice_is_refused(filed_case, claimant):
    with pytest.raises(ServiceError, match="already been filed"):
        claim_file(case=filed_case, user=claimant, terms_accepted=True, consents_to_arbitration=False)
    assert Case.objects.filter(reference__isnull=False).count() == 1


def test_another_user_cannot_touch_the_draft(make_draft, outsider):
    case = make_draft()
    with pytest.raises(ServiceError, match="Only the person who started"):
        claim_file(case=case, user=outsider, terms_accepted=True, consents_to_arbitration=False)


def _in_threads(*targets):
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def run(i, target):
        try:
            barrier.wait()
            results[i] = target()
        except Exception as exc:
            results[i] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_get_distinct_references(make_draft, claimant):
    drafts = [make_draft() for _ in range(4)]
    results = _in_threads(
        *[
            lambda c=c: claim_file(case=c, user=claimant, terms_accepted=True, consents_to_arbitration=False)
            for c in drafts
        ]
    )
    assert all(isinstance(r, Case) for r in results), results
    references = [c.reference for c in Case.objects.filter(reference__isnull=False)]
    assert len(references) == 4
    assert len(set(references)) == 4


@pytest.mark.django_db(transaction=True)
def test_double_submission_files_once(make_draft, claimant):
    case = make_draft()
    results = _in_threads(
        *[lambda: claim_file(case=case, user=claimant, terms_accepted=True, consents_to_arbitration=False)] * 2
    )
    assert sorted(type(r).__name__ for r in results) == ["Case", "ServiceError"]
    assert Invitation.objects.filter(case=case).count() == 1
    assert AuditEntry.objects.filter(case=case, action="case.file").count() == 1
