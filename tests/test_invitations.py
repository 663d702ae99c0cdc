from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseOutcome, CaseParty, CaseStatus, Invitation
from cases.services import ServiceError
from cases.services.invitations import invitation_for_token, invitation_send
from cases.services.responses import case_decline, case_respond, counterclaim_answer
from tests.conftest import make_organisation


def respond(token, user, org, **extra):
    return case_respond(
        token=token,
        user=user,
        organisation=org,
        terms_accepted=True,
        consents_to_arbitration=False,
        response_text="We disagree.",
        **extra,
    )


def test_invitation_email_carries_a_working_link(filed_case, run_tasks):
    sent = run_tasks()
    invitation_mail = next(m for m in sent if "bob@example.com" in m.to)
    assert filed_case.reference in invitation_mail.subject
    link = next(line for line in invitation_mail.body.splitlines() if "/invitations/" in line)
    token = link.rsplit("/invitations/", 1)[1].strip("/")
    assert invitation_for_token(token).case == filed_case


def test_respond_moves_case_to_negotiation_and_notifies_claimant(
    invitation_token, respondent, respondent_org, run_tasks
):
    case = respond(invitation_token, respondent, respondent_org)
    assert case.status == CaseStatus.NEGOTIATION
    party = CaseParty.objects.get(case=case, role="respondent")
    assert party.organisation == respondent_org
    assert party.terms_accepted_at is not None
    assert any("alice@example.com" in m.to and "answered" in m.subject for m in run_tasks())


def test_invitation_link_is_single_use(invitation_token, respondent, respondent_org, outsider):
    respond(invitation_token, respondent, respondent_org)
    with pytest.raises(ServiceError, match="already been used"):
        respond(invitation_token, outsider, make_organisation(outsider, "Charlie Co"))


def test_expired_link_is_refused(invitation_token, respondent, respondent_org):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError, match="expired"):
        respond(invitation_token, respondent, respondent_org)


def test_tampered_link_is_refused(invitation_token, filed_case):
    forged = signing.dumps({"c": filed_case.public_id.hex, "n": "guess"}, salt="cases.invitation", compress=True)
    for token in (invitation_token[:-2] + "xx", forged):
        with pytest.raises(ServiceError, match="not valid"):
            invitation_for_token(token)


def test_resending_revokes_the_earlier_link(invitation_token, filed_case, claimant):
    newer = invitation_send(case=filed_case, actor=claimant)
    with pytest.raises(ServiceError, match="replaced"):
        invitation_for_token(invitation_token)
    assert invitation_for_token(newer).case == filed_case


def test_claimant_cannot_answer_own_claim(invitation_token, claimant):
    other = make_organisation(claimant, "Alpha Second Co")
    with pytest.raises(ServiceError, match="claimant's side"):
        respond(invitation_token, claimant, other)


def test_decline_closes_case_with_reason(invitation_token, respondent, respondent_org, run_tasks):
    case = case_decline(token=invitation_token, user=respondent, organisation=respondent_org, reason="Prefer court")
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closing_reason) == (CaseStatus.CLOSED, CaseOutcome.DECLINED, "Prefer court")
    assert any("declined" in m.subject and "Prefer court" in m.body for m in run_tasks())


def test_counterclaim_and_answer(invitation_token, respondent, respondent_org, claimant):
    from decimal import Decimal

    case = respond(
        invitation_token, respondent, respondent_org, counterclaim_amount=Decimal("800.00"), counterclaim_text="Costs"
    )
    assert case.response.counterclaim_answer_due_at > timezone.now()
    with pytest.raises(ServiceError, match="Only the claimant"):
        counterclaim_answer(case=case, user=respondent, answer="no")
    counterclaim_answer(case=case, user=claimant, answer="We reject the costs.")
    with pytest.raises(ServiceError, match="already answered"):
        counterclaim_answer(case=case, user=claimant, answer="again")


def test_failed_response_leaves_invitation_usable(invitation_token, respondent, respondent_org):
    with pytest.raises(ServiceError):
        case_respond(
            token=invitation_token,
            user=respondent,
            organisation=respondent_org,
            terms_accepted=True,
            consents_to_arbitration=False,
            response_text="   ",
        )
    assert invitation_for_token(invitation_token).used_at is None
    assert not CaseParty.objects.filter(role="respondent").exists()


def test_anonymous_visitor_is_asked_to_sign_in_and_comes_back(invitation_token, respondent, client_for):
    """And, having no business profile yet, is asked to add one before answering."""
    client = client_for(None)
    url = reverse("cases:invitation", kwargs={"token": invitation_token})
    page = client.get(url)
    assert "Alpha Trading Limited" in page.text
    assert "Create an account" in page.text
    login = client.post(
        reverse("account_login"), {"login": "bob@example.com", "password": "correct horse battery staple"}
    )
    assert login.status_code == 302
    assert login["Location"] == url
    page = client.get(url).text
    assert "Add your business" in page
    assert "Consent and file my response" not in page


def test_signed_in_respondent_answers_through_the_page(invitation_token, respondent, respondent_org, client_for):
    client = client_for(respondent)
    url = reverse("cases:invitation", kwargs={"token": invitation_token})
    assert "Consent and file my response" in client.get(url).text
    respond_url = reverse("cases:invitation_respond", kwargs={"token": invitation_token})
    missing_terms = client.post(respond_url, {"organisation": respondent_org.pk, "response_text": "No."})
    assert missing_terms.status_code == 400
    assert "This field is required" in missing_terms.text
    done = client.post(
        respond_url,
        {"organisation": respondent_org.pk, "response_text": "No.", "accept_terms": "on", "counterclaim_amount": "-5"},
    )
    assert done.status_code == 400
    assert "greater than or equal to 0.01" in done.text
    done = client.post(respond_url, {"organisation": respondent_org.pk, "response_text": "No.", "accept_terms": "on"})
    assert done.status_code == 302
    assert "Negotiation" in client.get(done["Location"]).text


def test_used_link_page_says_why(invitation_token, respondent, respondent_org, client_for):
    respond(invitation_token, respondent, respondent_org)
    page = client_for(respondent).get(reverse("cases:invitation", kwargs={"token": invitation_token}))
    assert page.status_code == 410
    assert "already been used" in page.text


def test_resend_is_for_the_claimant_and_throttled(filed_case, claimant, respondent, settings):
    from cases.services.invitations import invitation_resend

    with pytest.raises(ServiceError, match="Only the claimant"):
        invitation_resend(case=filed_case, user=respondent)
    with pytest.raises(ServiceError, match="Please wait"):
        invitation_resend(case=filed_case, user=claimant)
    settings.ODR_INVITATION_RESEND_MINUTES = 0
    assert invitation_for_token(invitation_resend(case=filed_case, user=claimant)).case == filed_case


def test_response_after_the_deadline_is_refused_even_before_the_sweep(invitation_token, respondent, respondent_org):
    from cases.models import Case

    Case.objects.update(deadline_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ServiceError, match="time to respond"):
        respond(invitation_token, respondent, respondent_org)


def test_forwarded_link_is_recorded(invitation_token, outsider):
    from cases.models import AuditEntry

    org = make_organisation(outsider, "Charlie Trading")
    respond(invitation_token, outsider, org)
    entry = AuditEntry.objects.get(action="invitation.used")
    assert entry.data["invited_email"] == "bob@example.com"
    assert entry.data["email_matches"] is False


def test_failed_response_leaves_no_evidence_file_behind(invitation_token, respondent, respondent_org, private_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import DocumentVersion

    with pytest.raises(ServiceError, match="not accepted"):
        respond(
            invitation_token,
            respondent,
            respondent_org,
            evidence=[SimpleUploadedFile("ok.txt", b"fine"), SimpleUploadedFile("bad.pdf", b"\x00\x01binary")],
        )
    assert not DocumentVersion.objects.exists()
    assert not [p for p in private_storage.rglob("*") if p.is_file()]


class _Ids(HTMLParser):
    """Every id on a page, and each label's target with the form (its action) the label is in."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.labels: dict[str, str] = {}  # the field's id -> the action of the form holding its label
        self.fields: dict[str, tuple[str, str]] = {}  # id -> (name, the action of the form holding it)
        self._action = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self._action = found.get("action") or ""
        if found.get("id"):
            self.ids.append(str(found["id"]))
            if tag in ("input", "select", "textarea"):
                self.fields[str(found["id"])] = (str(found.get("name")), self._action)
        if tag == "label" and found.get("for"):
            self.labels[str(found["for"])] = self._action


def page_ids(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("after_refused_decline", [False, True], ids=["as-opened", "decline-refused"])
def test_the_two_answers_on_the_invitation_page_have_ids_of_their_own(
    invitation_token, respondent, respondent_org, client_for, after_refused_decline
):
    """Responding and declining both ask which business: each form's fields, help and errors have their own
    ids, so each label names (and a screen reader announces) the field of its own form."""
    client = client_for(respondent)
    if after_refused_decline:
        decline_url = reverse("cases:invitation_decline", kwargs={"token": invitation_token})
        page = client.post(decline_url, {"organisation": respondent_org.pk, "reason": ""})
        assert page.status_code == 400
    else:
        page = client.get(reverse("cases:invitation", kwargs={"token": invitation_token}))
    found = page_ids(page.text)
    repeated = sorted({name for name in found.ids if found.ids.count(name) > 1})
    assert repeated == []
    for field_id, label_form in found.labels.items():
        assert field_id in found.fields, f"a label names #{field_id}, which is no field"
        assert found.fields[field_id][1] == label_form, f"the label for #{field_id} is in another form than it"
    organisation_fields = [action for name, action in found.fields.values() if name == "organisation"]
    assert len(organisation_fields) == 2  # one in each form, each labelled within its own form


def test_each_partys_terms_acceptance_records_both_consents_on_the_audit_trail(negotiation_case):
    """The respondent's entry used to leave out its consent to mediation, which the claimant's carried."""
    from cases.models import AuditEntry

    for party in negotiation_case.parties.all():
        entry = AuditEntry.objects.get(case=negotiation_case, action="terms.accepted", data__role=party.role)
        assert entry.data["consents_to_mediation"] == party.consents_to_mediation
        assert entry.data["consents_to_arbitration"] == party.consents_to_arbitration
