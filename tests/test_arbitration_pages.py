"""The arbitration pages: who sees them, what each side sees of the other's drafts, and how bad input is
answered (a 400 page with the reason, nothing recorded)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from arbitration.models import ArbitratorAppointment, Award, StepKind, TimetableStep
from arbitration.services import proceedings as submissions
from arbitration.services.appointment import arbitrator_appoint
from cases.models import ArbitrationEntry, CaseStatus
from documents.models import IssuedDocument, IssuedKind
from documents.services import render_draft
from mediation.services.sessions import outcome_record
from tests.conftest import PASSWORD, make_user


def _close(response):
    """Release a file download's handle without firing request_finished (it would close the test's database)."""
    for close in response._resource_closers:
        close()


def _page(case):
    return reverse("arbitration:case", kwargs={"case_id": case.public_id})


def _action(case, action):
    return reverse("arbitration:action", kwargs={"case_id": case.public_id, "action": action})


def test_the_arbitration_page_by_persona(
    proceedings, client_for, claimant, respondent, arbitrator, administrator, mediator, outsider
):
    for user in (claimant, respondent, arbitrator, administrator):
        response = client_for(user).get(_page(proceedings))
        assert response.status_code == 200, user
        assert "Statement of claim" in response.text
    for user in (mediator, outsider):
        assert client_for(user).get(_page(proceedings)).status_code == 404, user
    assert client_for(None).get(_page(proceedings)).status_code == 302


def test_an_arbitrator_without_two_factor_is_sent_to_set_it_up(proceedings, arbitrator, client_for):
    arbitrator.authenticator_set.all().delete()
    response = client_for(arbitrator).get(_page(proceedings))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_the_other_side_never_sees_a_draft_or_its_documents(proceedings, claimant, respondent, client_for):
    step = TimetableStep.objects.get(case=proceedings, kind=StepKind.CLAIM)
    client = client_for(claimant)
    response = client.post(_action(proceedings, "save"), {"step": step.pk, "statement": "Our confidential draft"})
    assert response.status_code == 302
    client.post(
        _action(proceedings, "attach"),
        {"step": step.pk, "title": "Ledger", "file": SimpleUploadedFile("ledger.txt", b"Ledger lines")},
    )
    step.refresh_from_db()
    document = step.submission.documents.get()
    download = reverse(
        "cases:document_download",
        kwargs={"case_id": proceedings.public_id, "version_id": document.versions.get().public_id},
    )
    assert "Our confidential draft" in client.get(_page(proceedings)).text
    other = client_for(respondent)
    assert "Our confidential draft" not in other.get(_page(proceedings)).text
    assert "Ledger" not in other.get(reverse("cases:detail", kwargs={"case_id": proceedings.public_id})).text
    assert other.get(download).status_code == 404
    owner_download = client.get(download)
    assert owner_download.status_code == 200
    _close(owner_download)
    client.post(_action(proceedings, "file"), {"step": step.pk})
    assert "Our confidential draft" in other.get(_page(proceedings)).text
    released = other.get(download)
    assert released.status_code == 200
    _close(released)


def test_filing_for_the_other_side_is_refused_with_a_reason(proceedings, respondent, client_for):
    step = TimetableStep.objects.get(case=proceedings, kind=StepKind.CLAIM)
    response = client_for(respondent).post(_action(proceedings, "save"), {"step": step.pk, "statement": "Forged"})
    assert response.status_code == 400
    assert "You can only file your own" in response.text
    assert not hasattr(TimetableStep.objects.get(pk=step.pk), "submission")


def test_a_late_filing_is_refused(proceedings, claimant, client_for):
    step = TimetableStep.objects.get(case=proceedings, kind=StepKind.CLAIM)
    submissions.submission_save(case=proceedings, user=claimant, step=step, statement="Ready")
    TimetableStep.objects.filter(pk=step.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    response = client_for(claimant).post(_action(proceedings, "file"), {"step": step.pk})
    assert response.status_code == 400
    assert "deadline for this submission has passed" in response.text


def test_an_award_that_does_not_add_up_re_renders_with_the_reason(proceedings, arbitrator, client_for):
    TimetableStep.objects.filter(case=proceedings).exclude(kind="award").update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    form = {
        "findings": "Deposit paid.",
        "reasons": "No clause allows keeping it.",
        "claim_awarded": "1000.00",
        "counterclaim_awarded": "0.00",
        "costs_amount": "0.00",
        "net_amount": "999.00",
        "net_payer_role": "respondent",
        "pay_by": (timezone.localdate() + timedelta(days=7)).isoformat(),
    }
    response = client_for(arbitrator).post(_action(proceedings, "award"), form)
    assert response.status_code == 400
    assert "The sums do not add up" in response.text
    assert "HK$1,000.00" in response.text
    assert 'value="999.00"' in response.text  # what was typed is kept
    assert not Award.objects.exists()
    response = client_for(arbitrator).post(_action(proceedings, "award"), {**form, "net_amount": "1000.00"})
    assert response.status_code == 302
    assert IssuedDocument.objects.filter(case=proceedings, kind=IssuedKind.ARBITRAL_AWARD, status="draft").exists()


def test_parties_cannot_reach_the_arbitrators_award_drafts(proceedings, arbitrator, claimant, client_for):
    from arbitration.services.award import award_draft_save
    from tests.test_arbitration import _all_due, _terms

    _all_due(proceedings)
    draft = render_draft(document_id=award_draft_save(case=proceedings, user=arbitrator, terms=_terms()).pk)
    url = reverse("arbitration:award_pdf", kwargs={"case_id": proceedings.public_id, "document_id": draft.pk})
    assert client_for(claimant).get(url).status_code == 404
    response = client_for(arbitrator).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    _close(response)
    assert "Preview the award (PDF)" in client_for(arbitrator).get(_page(proceedings)).text


def test_the_proposal_page_is_the_proposed_arbitrators_alone(
    arbitration_case, administrator, arbitrator, arbitrator_profile, outsider, client_for
):
    appointment = arbitrator_appoint(case=arbitration_case, actor=administrator, arbitrator=arbitrator_profile)
    url = reverse("arbitration:proposal", kwargs={"appointment_id": appointment.pk})
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(administrator).get(url).status_code == 404
    client = client_for(arbitrator)
    assert arbitration_case.reference in client.get(url).text
    response = client.post(url, {"action": "accept"})
    assert response.status_code == 400
    assert "independent" in response.text
    response = client.post(
        url, {"action": "accept", "independent": "on", "disclosures": "I once spoke at Alpha's AGM."}
    )
    assert response.status_code == 302
    declaration = IssuedDocument.objects.get(case=arbitration_case, kind=IssuedKind.DECLARATION_OF_INDEPENDENCE)
    assert declaration.terms == "I once spoke at Alpha's AGM."
    response = client.post(url, {"action": "decline", "decline_reason": "Too busy after all."})
    assert response.status_code == 302
    assert ArbitratorAppointment.objects.get(pk=appointment.pk).status == "declined"
    assert client.get(url).status_code == 404


def test_a_party_agrees_to_arbitration_from_the_case_page(mediation_case, mediator, respondent, client_for):
    mediation_case.parties.filter(role="respondent").update(consents_to_arbitration=False)
    outcome_record(case=mediation_case, user=mediator, result="not_settled")
    assert ArbitrationEntry.objects.filter(case=mediation_case).exists()
    client = client_for(respondent)
    detail = reverse("cases:detail", kwargs={"case_id": mediation_case.public_id})
    assert "I agree to arbitration" in client.get(detail).text
    consent = reverse("cases:arbitration_consent", kwargs={"case_id": mediation_case.public_id})
    assert client.post(consent, {"agree": "yes"}).status_code == 302
    mediation_case.refresh_from_db()
    assert mediation_case.status == CaseStatus.ARBITRATION
    response = client.post(consent, {"agree": "yes"})
    assert response.status_code == 400
    assert "no question of arbitration open" in response.text


def test_an_arbitrator_on_another_case_sees_nothing_of_this_one(proceedings, client_for, db):
    from cases.roles_setup import ARBITRATOR_GROUP

    stranger = make_user("stan", ARBITRATOR_GROUP, mfa=True)
    assert client_for(stranger).get(_page(proceedings)).status_code == 404
    assert (
        client_for(stranger).post(_action(proceedings, "ask"), {"to_role": "claimant", "text": "?"}).status_code == 404
    )


@pytest.mark.parametrize("action", ["timetable", "extend", "ask", "award", "sign", "correct"])
def test_parties_cannot_use_the_arbitrators_actions(proceedings, claimant, client_for, action):
    assert client_for(claimant).post(_action(proceedings, action), {}).status_code == 404


def test_the_arbitrator_panel_is_kept_by_administrators(client_for, administrator, arbitrator, mediator, claimant):
    from arbitration.models import ArbitratorProfile
    from cases.models import AuditEntry

    assert client_for(claimant).get(reverse("arbitration:panel")).status_code == 404
    form = {
        "user": arbitrator.pk,
        "display_name": "Arthur A.",
        "languages": ["en"],
        "specialisms": ["services"],
        "accreditation": "FHKIArb",
        "bio": "Bio",
        "active": "on",
    }
    # Only members of the arbitrators' group can be on the arbitrator panel.
    refused = client_for(administrator).post(reverse("arbitration:profile_new"), {**form, "user": mediator.pk})
    assert refused.status_code == 400
    response = client_for(administrator).post(reverse("arbitration:profile_new"), form)
    assert response.status_code == 302
    assert ArbitratorProfile.objects.get(user=arbitrator).display_name == "Arthur A."
    assert "Arthur A." in client_for(administrator).get(reverse("arbitration:panel")).text
    assert AuditEntry.objects.filter(action="arbitration.panel_created").exists()


def test_an_administrator_appoints_with_a_reason(arbitration_case, administrator, arbitrator_profile, client_for):
    from cases.models import AuditEntry

    client = client_for(administrator)
    refused = client.post(_action(arbitration_case, "appoint"), {"arbitrator": arbitrator_profile.pk})
    assert refused.status_code == 400
    assert not ArbitratorAppointment.objects.exists()
    done = client.post(
        _action(arbitration_case, "appoint"), {"arbitrator": arbitrator_profile.pk, "reason": "Speaks Cantonese"}
    )
    assert done.status_code == 302
    entry = AuditEntry.objects.get(case=arbitration_case, action="arbitration.appointed_by_administrator")
    assert entry.data["reason"] == "Speaks Cantonese"


def test_the_parties_rank_the_panel_on_the_page(arbitration_case, arbitrator_profile, claimant, respondent, client_for):
    page = client_for(claimant).get(_page(arbitration_case))
    assert "Rank the arbitrators" in page.text
    assert f'name="rank-{arbitrator_profile.pk}"' in page.text
    for user in (claimant, respondent):
        response = client_for(user).post(_action(arbitration_case, "rank"), {f"rank-{arbitrator_profile.pk}": "1"})
        assert response.status_code == 302
    assert ArbitratorAppointment.objects.get(case=arbitration_case).proposed_by == "ranking"
    refused = client_for(claimant).post(_action(arbitration_case, "rank"), {f"rank-{arbitrator_profile.pk}": "one"})
    assert refused.status_code == 400
    assert "whole numbers" in refused.text


def _two_factor_field(page: str) -> str:
    start = page.index('for="id_totp_code"')
    return page[start : page.index("</label>", start)]


def test_signing_the_declaration_asks_for_the_two_factor_code_as_required(
    arbitration_case, administrator, arbitrator, arbitrator_profile, client_for
):
    appointment = arbitrator_appoint(case=arbitration_case, actor=administrator, arbitrator=arbitrator_profile)
    url = reverse("arbitration:proposal", kwargs={"appointment_id": appointment.pk})
    client = client_for(arbitrator)
    client.post(url, {"action": "accept", "independent": "on"})
    render_draft(
        document_id=IssuedDocument.objects.get(case=arbitration_case, kind=IssuedKind.DECLARATION_OF_INDEPENDENCE).pk
    )
    page = client.get(url).text
    assert "(optional)" not in _two_factor_field(page)
    assert "Only if your account uses two-factor" not in page
    sign = {"action": "sign", "full_name": "Arthur Arbitrator", "password": PASSWORD, "consent": "on"}
    response = client.post(url, sign)
    assert response.status_code == 400
    assert "Enter your two-factor code." in response.text
    assert "is not correct" not in response.text


def test_signing_the_award_asks_for_the_two_factor_code_as_required(proceedings, arbitrator, client_for):
    from arbitration.services.award import award_draft_save
    from tests.test_arbitration import _all_due, _terms

    _all_due(proceedings)
    render_draft(document_id=award_draft_save(case=proceedings, user=arbitrator, terms=_terms()).pk)
    client = client_for(arbitrator)
    page = client.get(_page(proceedings)).text
    assert "(optional)" not in _two_factor_field(page)
    sign = {"full_name": "Arthur Arbitrator", "password": PASSWORD, "consent": "on"}
    response = client.post(_action(proceedings, "sign"), sign)
    assert response.status_code == 400
    assert "Enter your two-factor code." in response.text
    assert "is not correct" not in response.text
    assert not IssuedDocument.objects.filter(case=proceedings, kind=IssuedKind.ARBITRAL_AWARD, status="issued")
