"""Settlement agreements: drafted from agreed terms, revised, signed, sealed, verified."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases.models import CaseOutcome, CaseStatus
from cases.money import hkd_in_words_en, hkd_in_words_zh
from cases.services import ServiceError
from documents.models import IssuedDocument, IssuedStatus
from documents.sealing import check_seal
from documents.selectors import verify_reference, verify_upload
from documents.services import agreement_revise, agreement_sign, current_draft, execute_agreement, render_draft
from negotiation.services.offers import offer_accept, offer_make
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("amount", "english", "chinese"),
    [
        (
            "12345.67",
            "Hong Kong Dollars Twelve Thousand Three Hundred and Forty-Five and Cents Sixty-Seven Only",
            "港幣壹萬貳仟叁佰肆拾伍元陸角柒分",
        ),
        ("500000.00", "Hong Kong Dollars Five Hundred Thousand Only", "港幣伍拾萬元正"),
        (
            "1020304.05",
            "Hong Kong Dollars One Million Twenty Thousand Three Hundred and Four and Cents Five Only",
            "港幣壹佰零貳萬零叁佰零肆元零伍分",
        ),
    ],
)
def test_amounts_in_words(amount, english, chinese):
    assert hkd_in_words_en(Decimal(amount)) == english
    assert hkd_in_words_zh(Decimal(amount)) == chinese


@pytest.fixture
def draft(negotiation_case, claimant, respondent, django_capture_on_commit_callbacks, seal):
    with django_capture_on_commit_callbacks(execute=True):
        offer = offer_make(
            case=negotiation_case,
            user=respondent,
            amount=Decimal("9000.50"),
            terms="The respondent pays by bank transfer within 14 days. 雙方同意以上條款。",
        )
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    document = current_draft(negotiation_case)
    assert document is not None
    return render_draft(document_id=document.pk)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_agreed_offer_drafts_the_agreement_with_names_amounts_and_chinese(draft, run_tasks):
    with draft.pdf.open("rb") as handle:
        text = _text(handle.read())
    for expected in (
        draft.case.reference,
        "Alpha Trading Limited",
        "Bravo Services Limited",
        "HK$9,000.50",
        "Hong Kong Dollars Nine Thousand",
        "bank transfer within 14 days",
        "雙方同意以上條款",  # the parties' own words, in whatever language they wrote them
        "DRAFT",
        draft.verification_reference,
    ):
        assert expected in text, expected
    assert draft.pages >= 1


def test_signing_rules(draft, claimant, respondent, outsider):
    def sign(user, **overrides):
        arguments = {"password": PASSWORD, "full_name": "A Person", "consent": True, **overrides}
        return agreement_sign(document=draft, user=user, **arguments)

    with pytest.raises(ServiceError, match="password is not correct"):
        sign(claimant, password="wrong")
    with pytest.raises(ServiceError, match="Only the parties"):
        sign(outsider)
    with pytest.raises(ServiceError, match="Tick the box"):
        sign(claimant, consent=False)
    with pytest.raises(ServiceError, match="full name"):
        sign(claimant, full_name="  ")
    signature = sign(claimant, full_name="Alice Chan")
    assert signature.pdf_sha256 == draft.sha256
    with pytest.raises(ServiceError, match="already signed"):
        sign(claimant)


def test_revision_makes_a_new_version_and_old_signatures_stop_counting(
    draft, claimant, respondent, django_capture_on_commit_callbacks
):
    agreement_sign(document=draft, user=claimant, password=PASSWORD, full_name="Alice Chan", consent=True)
    newer = agreement_revise(case=draft.case, user=respondent, terms="Pay within 30 days instead.")
    draft.refresh_from_db()
    assert draft.status == IssuedStatus.SUPERSEDED
    assert newer.version == 2
    assert newer.signatures.count() == 0
    with pytest.raises(ServiceError, match="replaced by a newer one"):
        agreement_sign(document=draft, user=respondent, password=PASSWORD, full_name="Bob Lee", consent=True)


def test_both_signatures_execute_a_sealed_copy_and_close_the_case(draft, claimant, respondent, run_tasks):
    agreement_sign(document=draft, user=claimant, password=PASSWORD, full_name="Alice Chan", consent=True)
    agreement_sign(document=draft, user=respondent, password=PASSWORD, full_name="Bob Lee", consent=True)
    executed = execute_agreement(document_id=draft.pk)
    assert execute_agreement(document_id=draft.pk) == executed  # run twice, one result
    assert IssuedDocument.objects.filter(status=IssuedStatus.EXECUTED).count() == 1
    case = executed.case
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.SETTLED)
    with executed.pdf.open("rb") as handle:
        sealed = handle.read()
    text = _text(sealed)
    assert "Alice Chan" in text
    assert "Bob Lee" in text
    assert draft.sha256 in text.replace("\n", "")
    seal = check_seal(sealed)
    assert seal.ok, seal
    result = verify_upload(sealed)
    assert result.authentic
    assert [s.full_name for s in result.signatures] == ["Alice Chan", "Bob Lee"]
    assert verify_reference(executed.verification_reference, executed.sha256).authentic
    assert not verify_reference(executed.verification_reference, "0" * 64).authentic
    # One byte flipped inside the signed range: no longer authentic.
    tampered = bytearray(sealed)
    position = sealed.index(b"/Type /Page") + 3
    tampered[position] ^= 0x01
    assert not verify_upload(bytes(tampered)).authentic
    assert not check_seal(bytes(tampered)).ok
    # The draft the parties reviewed is not an executed document.
    with draft.pdf.open("rb") as handle:
        assert not verify_upload(handle.read()).authentic


def test_verification_page(draft, claimant, respondent, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    agreement_sign(document=draft, user=claimant, password=PASSWORD, full_name="Alice Chan", consent=True)
    agreement_sign(document=draft, user=respondent, password=PASSWORD, full_name="Bob Lee", consent=True)
    executed = execute_agreement(document_id=draft.pk)
    with executed.pdf.open("rb") as handle:
        sealed = handle.read()
    url = reverse("documents:verify")
    page = client.post(url, {"file": SimpleUploadedFile("a.pdf", sealed, content_type="application/pdf")})
    assert page.status_code == 200
    assert "Authentic:" in page.text
    assert "Alice Chan" in page.text
    page = client.post(url, {"file": SimpleUploadedFile("a.pdf", sealed[:-10] + b"0000000000")})
    assert "Not verified:" in page.text
    page = client.post(url, {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert page.status_code == 400
    assert "not a PDF" in page.text
    page = client.post(url, {"reference": executed.verification_reference, "sha256": executed.sha256})
    assert "Authentic:" in page.text
    assert client.post(url, {}).status_code == 400


def test_agreement_page_for_parties_only(draft, claimant, outsider, client_for):
    url = reverse("documents:agreement", kwargs={"case_id": draft.case.public_id})
    assert client_for(outsider).get(url).status_code == 404
    page = client_for(claimant).get(url)
    assert page.status_code == 200
    assert "Sign this version" in page.text
    wrong = client_for(claimant).post(
        reverse("documents:agreement_sign", kwargs={"case_id": draft.case.public_id, "document_id": draft.pk}),
        {"full_name": "Alice", "password": "nope", "consent": "on"},
    )
    assert wrong.status_code == 400
    assert "password is not correct" in wrong.text


def test_odr_agreement_is_issued_sealed_once_both_parties_consented(
    filed_case, invitation_token, respondent, respondent_org, seal, django_capture_on_commit_callbacks, run_tasks
):
    from cases.services.responses import case_respond

    with django_capture_on_commit_callbacks(execute=True):
        case_respond(
            token=invitation_token,
            user=respondent,
            organisation=respondent_org,
            terms_accepted=True,
            consents_to_arbitration=False,
            response_text="We agree to try ODR.",
        )
    run_tasks()
    run_tasks()  # a repeated job changes nothing
    document = IssuedDocument.objects.get(case=filed_case, kind="odr_agreement")
    with document.pdf.open("rb") as handle:
        content = handle.read()
    text = _text(content)
    for expected in (
        "Online Dispute Resolution Agreement",
        "Alpha Trading Limited",
        "Bravo Services Limited",
        "alice@example.com",
        "bob@example.com",
        filed_case.reference,
    ):
        assert expected in text, expected
    assert check_seal(content).ok
    assert verify_upload(content).authentic


def test_case_page_lists_sealed_documents_for_parties(
    filed_case,
    invitation_token,
    respondent,
    respondent_org,
    seal,
    django_capture_on_commit_callbacks,
    run_tasks,
    client_for,
    claimant,
    mediator,
    assign,
):
    from cases.models import NeutralRole
    from cases.services.responses import case_respond

    with django_capture_on_commit_callbacks(execute=True):
        case_respond(
            token=invitation_token,
            user=respondent,
            organisation=respondent_org,
            terms_accepted=True,
            consents_to_arbitration=False,
            response_text="Yes.",
        )
    run_tasks()
    assign(filed_case, mediator, NeutralRole.MEDIATOR)
    url = reverse("cases:detail", kwargs={"case_id": filed_case.public_id})
    assert "Signed and sealed documents" in client_for(claimant).get(url).text
    assert "Signed and sealed documents" not in client_for(mediator).get(url).text
    document = IssuedDocument.objects.get(kind="odr_agreement")
    pdf_url = reverse("documents:agreement_pdf", kwargs={"case_id": filed_case.public_id, "document_id": document.pk})
    response = client_for(respondent).get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    for close in response._resource_closers:
        close()


def test_neutrals_do_not_get_the_parties_documents(draft, mediator, assign, client_for):
    from cases.models import NeutralRole

    assign(draft.case, mediator, NeutralRole.MEDIATOR)
    kwargs = {"case_id": draft.case.public_id}
    assert client_for(mediator).get(reverse("documents:agreement", kwargs=kwargs)).status_code == 404
    pdf = reverse("documents:agreement_pdf", kwargs={**kwargs, "document_id": draft.pk})
    assert client_for(mediator).get(pdf).status_code == 404


def test_offer_without_terms_still_drafts_an_agreement(
    negotiation_case, claimant, respondent, django_capture_on_commit_callbacks, seal
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("100.00"), terms="")
        offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    draft = current_draft(negotiation_case)
    assert draft is not None
    assert "settlement sum" in draft.terms


def test_no_revision_once_both_have_signed(draft, claimant, respondent):
    agreement_sign(document=draft, user=claimant, password=PASSWORD, full_name="Alice Chan", consent=True)
    agreement_sign(document=draft, user=respondent, password=PASSWORD, full_name="Bob Lee", consent=True)
    with pytest.raises(ServiceError, match="Both parties have signed"):
        agreement_revise(case=draft.case, user=respondent, terms="Something else")


def test_the_reference_printed_on_the_executed_copy_verifies(draft, claimant, respondent):
    import re

    agreement_sign(document=draft, user=claimant, password=PASSWORD, full_name="Alice Chan", consent=True)
    agreement_sign(document=draft, user=respondent, password=PASSWORD, full_name="Bob Lee", consent=True)
    executed = execute_agreement(document_id=draft.pk)
    with executed.pdf.open("rb") as handle:
        text = _text(handle.read())
    printed = set(re.findall(r"V-[A-Z2-9]{10}", text))
    assert printed == {executed.verification_reference}
    assert verify_reference(printed.pop(), executed.sha256).authentic


def test_wrong_passwords_when_signing_are_limited(draft, claimant):
    for _attempt in range(5):
        with pytest.raises(ServiceError, match="password is not correct"):
            agreement_sign(document=draft, user=claimant, password="guess", full_name="A", consent=True)
    with pytest.raises(ServiceError, match="Too many wrong attempts"):
        agreement_sign(document=draft, user=claimant, password=PASSWORD, full_name="A", consent=True)


def test_a_party_without_two_factor_is_not_asked_for_a_code(draft, claimant, client_for):
    page = client_for(claimant).get(reverse("documents:agreement", kwargs={"case_id": draft.case.public_id}))
    assert page.status_code == 200
    assert "Your password" in page.text
    assert "id_totp_code" not in page.text
