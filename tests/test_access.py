"""Who may reach each case URL: parties, the case's neutrals and administrators; everyone else 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver, reverse

from cases.models import NeutralRole
from cases.services.evidence import document_upload
from negotiation.services.escalation import mediation_request
from payments.models import Charge, Payment
from payments.services.payments import payment_execute, payment_start

CASE_PEOPLE = {"claimant", "respondent", "mediator", "administrator"}
ROOM_PEOPLE = {"claimant", "respondent", "administrator"}
# Every case URL: the method a visitor uses, who may reach it (everyone else gets 404) and, where it is not 200,
# what a GET answers them.
# A new case URL without an entry here fails test_every_case_url_is_in_the_access_table.
CASE_URLS = {
    "cases:detail": ("get", CASE_PEOPLE),
    "cases:document_download": ("get", CASE_PEOPLE),
    "cases:withdraw": ("post", CASE_PEOPLE),
    "cases:counterclaim_answer": ("post", CASE_PEOPLE),
    "cases:invitation_resend": ("post", CASE_PEOPLE),
    "cases:document_upload": ("post", CASE_PEOPLE),
    "cases:document_version_upload": ("post", CASE_PEOPLE),
    "negotiation:room": ("get", ROOM_PEOPLE),
    "negotiation:action": ("post", ROOM_PEOPLE),
    # An offer's confirmation page: the parties only. The fixture's case has no open offer, so a party is sent
    # back to the room's offers with the reason (302); the page itself is tested in
    # test_offer_accept_confirmation.
    "negotiation:accept": ("get", {"claimant", "respondent"}, 302),
    # No outcome to pay on the fixture's case: 404 for all (tested with a settled case in test_compliance).
    "cases:payment_report": ("post", set()),
    "cases:payment_answer": ("post", set()),
    # The agreement pages answer 404 until terms are agreed (none on this fixture's case).
    "documents:agreement": ("get", set()),
    "documents:agreement_revise": ("post", set()),
    "documents:agreement_sign": ("post", set()),
    "documents:agreement_pdf": ("get", set()),
    "documents:agreement_to_mediate": ("get", set()),
    # The fixture's charge is the claimant's mediation fee, with a bank transfer declared for it.
    "payments:pay": ("get", {"claimant"}),
    "payments:pay_card": ("post", {"claimant"}),
    "payments:pay_manual": ("post", {"claimant"}),
    "payments:payment": ("get", {"claimant"}),
    "payments:charge_waive": ("post", {"administrator"}),
    # Receipts are checked in test_payments_access (the fixture's payment has none yet).
    "payments:receipt": ("get", set()),
    # The fixture's case is not in mediation: the page is 404 for all; its mediator may post a note, which is
    # refused (400) because no appointment exists. A real mediation is checked in test_mediation_pages.
    "mediation:case": ("get", set()),
    "mediation:action": ("post", {"mediator"}),
    # Nothing to consent to on the fixture's case: refused with a reason (400) for everyone on it.
    "cases:arbitration_consent": ("post", CASE_PEOPLE),
    # Not in arbitration: the page and the arbitrator's PDFs are 404 for all; a party's ranking is refused
    # (400). A real arbitration is checked in test_arbitration_pages.
    "arbitration:case": ("get", set()),
    "arbitration:action": ("post", {"claimant", "respondent"}),
    "arbitration:award_pdf": ("get", set()),
    # Staff pages of one case: administrators only (an empty staff form is refused with a reason).
    "administration:case_audit": ("get", {"administrator"}),
    "administration:case_extend": ("post", {"administrator"}),
    "administration:case_close": ("post", {"administrator"}),
    "administration:case_reopen": ("post", {"administrator"}),
}


def _case_patterns() -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            is_case_url = isinstance(sub, URLPattern) and "case_id" in sub.pattern.regex.groupindex
            # Drafts (cases/file/...) are the author's own; tested in test_drafts_are_private_to_their_author.
            if is_case_url and sub.name and not sub.pattern.regex.pattern.startswith("^cases/file/"):
                names.add(f"{pattern.namespace}:{sub.name}")
    return names


def test_every_case_url_is_in_the_access_table():
    assert _case_patterns() == set(CASE_URLS)


@pytest.fixture
def personas(claimant, respondent, mediator, arbitrator, administrator, outsider):
    return {
        "claimant": claimant,
        "respondent": respondent,
        "mediator": mediator,
        "arbitrator of another case": arbitrator,
        "administrator": administrator,
        "outsider": outsider,
    }


@pytest.fixture
def case_with_document(negotiation_case, claimant, mediator, assign, fee_schedule):
    assign(negotiation_case, mediator, NeutralRole.MEDIATOR)
    version = document_upload(
        case=negotiation_case, user=claimant, upload=SimpleUploadedFile("a.txt", b"invoice 42"), title="Invoice"
    )
    mediation_request(case=negotiation_case, user=claimant)
    charge = Charge.objects.get(case=negotiation_case, party__role="claimant")
    payment = payment_start(charge=charge, user=claimant, provider="manual")
    payment_execute(payment=payment, user=claimant, data={"reference": "TT-1"})
    return negotiation_case, version


def _url(name, case, version):
    kwargs = {"case_id": case.public_id}
    if name == "cases:document_download":
        kwargs["version_id"] = version.public_id
    if name == "cases:document_version_upload":
        kwargs["document_id"] = version.document.public_id
    if name == "negotiation:action":
        kwargs["action"] = "message"
    if name == "negotiation:accept":
        kwargs["offer_id"] = 1
    if name == "cases:payment_report":
        kwargs["obligation_id"] = 1
    if name == "cases:payment_answer":
        kwargs["report_id"] = 1
    if name == "mediation:action":
        kwargs["action"] = "note"
    if name == "arbitration:action":
        kwargs["action"] = "rank"
    if name in ("documents:agreement_sign", "documents:agreement_pdf", "payments:receipt", "arbitration:award_pdf"):
        kwargs["document_id"] = 1
    if name in ("payments:pay", "payments:pay_card", "payments:pay_manual", "payments:charge_waive"):
        kwargs["charge_id"] = Charge.objects.get(case=case, party__role="claimant").public_id
    if name == "payments:payment":
        kwargs["payment_id"] = Payment.objects.get(charge__case=case).public_id
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name", sorted(CASE_URLS))
def test_case_urls_by_persona(name, personas, case_with_document, client_for):
    case, version = case_with_document
    url = _url(name, case, version)
    method, allowed, *status = CASE_URLS[name]
    allowed_status = status[0] if status else 200
    for label, user in personas.items():
        response = getattr(client_for(user), method)(url)
        if response.streaming:
            for close in response._resource_closers:  # the file a FileResponse holds open
                close()
        if label in allowed and method == "get":
            assert response.status_code == allowed_status, (label, name, response.status_code)
        elif label in allowed:
            # A form sent empty: redirected, or refused with a reason (409: card payments not set up here).
            assert response.status_code in (302, 400, 409), (label, name, response.status_code)
        else:
            assert response.status_code == 404, (label, name, response.status_code)
    anonymous = getattr(client_for(None), method)(url)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_outsider_cannot_see_case_in_my_cases(negotiation_case, outsider, claimant, client_for):
    assert negotiation_case.reference not in client_for(outsider).get(reverse("cases:my_cases")).text
    assert negotiation_case.reference in client_for(claimant).get(reverse("cases:my_cases")).text


def test_drafts_are_private_to_their_author(make_draft, outsider, administrator, client_for):
    draft = make_draft()
    for user in (outsider, administrator):
        assert (
            client_for(user).get(reverse("cases:file_step", kwargs={"case_id": draft.public_id, "step": 1})).status_code
            == 404
        )
        assert client_for(user).get(reverse("cases:detail", kwargs={"case_id": draft.public_id})).status_code == 404


def test_neutral_without_two_factor_is_sent_to_set_it_up(negotiation_case, client_for, assign):
    from tests.conftest import make_user

    no_mfa = make_user("nina", "Mediators", mfa=False)
    assign(negotiation_case, no_mfa, NeutralRole.MEDIATOR)
    response = client_for(no_mfa).get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("status", ["awaiting_response", "negotiation", "mediation", "closed"])
def test_room_access_for_many_decides_as_room_access_does_for_one(
    negotiation_case, claimant, respondent, mediator, administrator, outsider, status, django_assert_max_num_queries
):
    from cases.access import room_access, room_access_many
    from cases.models import Case

    Case.objects.filter(pk=negotiation_case.pk).update(status=status)
    people = [claimant, respondent, mediator, administrator, outsider]
    other_case = Case.objects.exclude(pk=negotiation_case.pk).first()
    requests = [(person, negotiation_case.pk) for person in people] + [(claimant, 10**9)]
    if other_case is not None:
        requests.append((claimant, other_case.pk))
    with django_assert_max_num_queries(2):  # parties only: two queries, however many
        room_access_many([(claimant, negotiation_case.pk), (respondent, negotiation_case.pk)] * 50)
    decided = room_access_many(requests)
    for person, case_id in requests:
        assert decided[(person.pk, case_id)] == room_access(person, case_id), (person.username, case_id)
    # The decisions themselves, so that both being wrong alike cannot pass.
    expected_readers = {"negotiation": 3, "mediation": 3, "closed": 3, "awaiting_response": 0}[status]
    readers = [person for person in people if decided[(person.pk, negotiation_case.pk)] is not None]
    assert len(readers) == expected_readers
    writers = [p for p in people if (a := decided[(p.pk, negotiation_case.pk)]) is not None and a.can_write]
    assert writers == ([claimant, respondent] if status == "negotiation" else [])
