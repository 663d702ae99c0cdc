"""Signing a deal's contract: the PDF of the locked version, each side's signature on its exact bytes (with
re-authentication, as settlement agreements are signed), the sealed executed copy once both have signed,
and /verify/ on it."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from cases.models import AuditEntry
from cases.roles_setup import PARTY_GROUP
from cases.services import ServiceError
from deals.audit import deal_subject
from deals.models import Deal, DealContract, DealSignature, DealStatus, DealVersion
from deals.models.deals import VersionFrozen
from deals.services.agreement import deal_mark_final, deal_unmark_final
from deals.services.redlines import proposal_accept, proposal_make
from deals.services.signing import deal_sign, execute_contract, execute_contract_task, render_contract_draft
from deals.services.starting import deal_cancel
from demo import builder
from documents.sealing import check_seal
from documents.selectors import verify_reference, verify_upload
from tests.conftest import PASSWORD, make_organisation, make_user

pytestmark = pytest.mark.django_db


def _locked(deal: Deal, capture: Any) -> Deal:
    """Both sides mark the text final; the draft's render is queued after the commit."""
    with capture(execute=True):
        return builder.deal_locked(deal=deal)


@pytest.fixture
def locked_deal(negotiating_deal: Deal, django_capture_on_commit_callbacks: Any) -> Deal:
    return _locked(negotiating_deal, django_capture_on_commit_callbacks)


@pytest.fixture
def ready_deal(locked_deal: Deal, run_tasks: Any, seal: Any) -> Deal:
    """Locked, and its contract's PDF rendered by the worker (the seal set up for the execution)."""
    run_tasks()
    return locked_deal


def _sign(deal: Deal, user: Any, **given: Any) -> DealSignature:
    arguments = {"password": PASSWORD, "full_name": user.username.title(), "consent": True, **given}
    return deal_sign(deal=deal, user=user, **arguments)


def _pdf(field: Any) -> bytes:
    with field.open("rb") as handle:
        return bytes(handle.read())


def _text(pdf: bytes) -> str:
    """The PDF's text without any white space (lines break differently in each language and column)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _audited(deal: Deal, action: str) -> int:
    return AuditEntry.objects.filter(subject=deal_subject(deal), action=action).count()


# --- refusals ---------------------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_and_nothing_is_saved(ready_deal: Deal, claimant: Any) -> None:
    with pytest.raises(ServiceError, match="password is not correct") as refusal:
        _sign(ready_deal, claimant, password="not the password")
    assert refusal.value.field == "password"
    assert not DealSignature.objects.exists()
    assert _audited(ready_deal, "deal.signed") == 0


def test_the_consent_box_and_the_full_name_are_required(ready_deal: Deal, claimant: Any) -> None:
    with pytest.raises(ServiceError, match="Tick the box"):
        _sign(ready_deal, claimant, consent=False)
    with pytest.raises(ServiceError, match="full name"):
        _sign(ready_deal, claimant, full_name="  ")
    assert not DealSignature.objects.exists()


def test_two_factor_is_required_where_the_account_has_it(
    respondent: Any, respondent_org: Any, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    dora = make_user("dora", PARTY_GROUP, mfa=True)
    delta = make_organisation(dora, "Delta Catering Limited")
    deal = builder.deal_started(initiator=dora, initiator_org=delta, counterparty_email=respondent.email)
    deal = _locked(
        builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=respondent_org),
        django_capture_on_commit_callbacks,
    )
    run_tasks()
    with pytest.raises(ServiceError, match="two-factor code") as refusal:
        _sign(deal, dora)
    assert refusal.value.field == "totp_code"
    with pytest.raises(ServiceError, match="two-factor code is not correct"):
        _sign(deal, dora, totp_code="000000")
    assert not DealSignature.objects.exists()
    signature = _sign(deal, dora, totp_code=builder.totp_code(dora))
    assert signature.side == "initiator"
    assert signature.organisation_name == "Delta Catering Limited"


def test_only_the_two_businesses_sign(ready_deal: Deal, outsider: Any) -> None:
    with pytest.raises(ServiceError, match="Only the businesses in the deal"):
        _sign(ready_deal, outsider)
    assert not DealSignature.objects.exists()


def test_nothing_is_signed_before_the_text_is_locked_or_before_its_pdf_is_ready(
    negotiating_deal: Deal, claimant: Any, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    with pytest.raises(ServiceError, match="not agreed yet"):
        _sign(negotiating_deal, claimant)
    deal = _locked(negotiating_deal, django_capture_on_commit_callbacks)
    with pytest.raises(ServiceError, match="still being prepared"):
        _sign(deal, claimant)
    assert not DealSignature.objects.exists()
    run_tasks()
    assert _sign(deal, claimant).pdf_sha256 == DealContract.objects.get(deal=deal).draft_sha256


def test_each_side_signs_once(ready_deal: Deal, claimant: Any) -> None:
    _sign(ready_deal, claimant)
    with pytest.raises(ServiceError, match="already signed"):
        _sign(ready_deal, claimant)
    assert DealSignature.objects.count() == 1


# --- signed, sealed, verified -----------------------------------------------------------------------------


def test_both_sign_and_the_sealed_contract_verifies(
    ready_deal: Deal, claimant: Any, respondent: Any, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    contract = DealContract.objects.get(deal=ready_deal)
    draft = _pdf(contract.draft_pdf)
    assert hashlib.sha256(draft).hexdigest() == contract.draft_sha256
    assert "DRAFT" in _text(draft)
    with django_capture_on_commit_callbacks(execute=True):
        _sign(ready_deal, claimant, full_name="Alice Chan")
        _sign(ready_deal, respondent, full_name="Bob Lee")
    emails = run_tasks()
    ready_deal.refresh_from_db()
    contract.refresh_from_db()
    assert ready_deal.status == DealStatus.EXECUTED
    assert ready_deal.executed_at == contract.executed_at
    assert {m.to[0] for m in emails} == {claimant.email, respondent.email}
    assert all(contract.verification_reference in m.body for m in emails)
    sealed = _pdf(contract.executed_pdf)
    assert hashlib.sha256(sealed).hexdigest() == contract.executed_sha256
    assert check_seal(sealed).ok
    text = _text(sealed)
    for printed in ("AliceChan", "BobLee", contract.draft_sha256, contract.verification_reference):
        assert printed in text  # the signature page: who signed which bytes, and how to verify the copy
    assert "DRAFT" not in text

    uploaded = verify_upload(sealed)
    assert uploaded.authentic
    assert uploaded.found is not None
    assert uploaded.found.title == (
        f"the executed contract {ready_deal.reference} between Alpha Trading Limited and Bravo Services Limited"
    )
    assert [s.full_name for s in uploaded.signatures] == ["Alice Chan", "Bob Lee"]
    assert verify_reference(contract.verification_reference.lower(), contract.executed_sha256.upper()).authentic
    assert not verify_reference(contract.verification_reference, contract.draft_sha256).authentic
    assert not verify_reference(contract.verification_reference, "").authentic
    changed = bytearray(sealed)
    changed[len(changed) // 2] ^= 0x01
    assert not verify_upload(bytes(changed)).authentic
    assert not verify_upload(draft).authentic  # the draft is not sealed


def test_the_verify_page_names_the_contract_by_upload_and_by_reference(
    negotiating_deal: Deal, seal: Any, client_for: Any
) -> None:
    deal = builder.deal_executed(deal=builder.deal_locked(deal=negotiating_deal), password=PASSWORD)
    contract = DealContract.objects.get(deal=deal)
    sealed = _pdf(contract.executed_pdf)
    client = client_for(None)
    url = reverse("documents:verify")
    by_upload = client.post(url, {"file": SimpleUploadedFile("contract.pdf", sealed, "application/pdf")})
    by_reference = client.post(url, {"reference": contract.verification_reference, "sha256": contract.executed_sha256})
    title = f"the executed contract {deal.reference} between Alpha Trading Limited and Bravo Services Limited"
    for page in (by_upload.content.decode(), by_reference.content.decode()):
        assert title in page
        assert contract.verification_reference in page
        assert "Signatories" in page
        assert "alice (Alpha Trading Limited)" in page.replace("Alice", "alice")
    changed = bytearray(sealed)
    changed[-200] ^= 0x01
    refused = client.post(url, {"file": SimpleUploadedFile("contract.pdf", bytes(changed), "application/pdf")})
    assert "Not verified" in refused.content.decode()


def _struck(deal: Deal, key: str, by: Any, accepted_by: Any) -> None:
    deal.refresh_from_db()
    proposal = proposal_make(
        deal=deal, user=by, target_kind="clause", target_key=key, base_version=deal.current_version, action="strike"
    )
    proposal_accept(deal=deal, proposal_id=proposal.pk, user=accepted_by)


@pytest.mark.parametrize("language", ["en", "zh-hant", "bilingual"])
def test_the_executed_contract_reads_in_its_language(
    language: str, claimant: Any, claimant_org: Any, respondent: Any, respondent_org: Any, seal: Any
) -> None:
    deal = builder.deal_started(
        initiator=claimant, initiator_org=claimant_org, counterparty_email=respondent.email, language=language
    )
    deal = builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=respondent_org)
    _struck(deal, "quality", respondent, claimant)
    _struck(deal, "odr", respondent, claimant)
    deal = builder.deal_executed(deal=builder.deal_locked(deal=deal), password=PASSWORD)
    contract = DealContract.objects.get(deal=deal)
    assert contract.language == language
    text = _text(_pdf(contract.executed_pdf))
    body = deal.template.body
    clauses = {clause["key"]: clause for clause in body["clauses"]}
    for lang in deal.languages:
        for key in ("sale", "delivery", "payment", "title", "entire_agreement", "governing_law"):
            assert _squeezed(clauses[key]["text"][lang]) in text, (lang, key)
        assert _squeezed(clauses["quality"]["heading"][lang]) in text  # the struck clause keeps its number...
        assert _squeezed(clauses["quality"]["text"][lang]) not in text  # ...not its words
        assert _squeezed(clauses["odr"]["text"][lang]) not in text
        assert _squeezed(body["roles"][0]["label"][lang]) in text
    others = {"en", "zh-hant"} - set(deal.languages)
    for lang in others:
        assert _squeezed(clauses["delivery"]["text"][lang]) not in text
    if "en" in deal.languages:
        assert "Struckoutbyagreementofthebusinesses." in text
        assert "ThebusinessesstrucktheCentre'sODRclause" in text
    assert "36,000.00" in text
    assert "AlphaTradingLimited" in text


# --- once only --------------------------------------------------------------------------------------------


def _files(folder: Any) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_the_execute_task_run_twice_leaves_one_executed_copy(
    negotiating_deal: Deal, seal: Any, private_storage: Any, run_tasks: Any
) -> None:
    deal = builder.deal_signed(deal=builder.deal_locked(deal=negotiating_deal), password=PASSWORD)
    first = execute_contract(deal_id=deal.pk)
    execute_contract_task.enqueue(deal_id=deal.pk)
    execute_contract_task.enqueue(deal_id=deal.pk)
    run_tasks()
    again = execute_contract(deal_id=deal.pk)
    assert again.executed_sha256 == first.executed_sha256
    assert DealContract.objects.count() == 1
    assert _audited(deal, "deal.executed") == 1
    reference = deal.reference
    assert _files(private_storage) == [f"{reference}-contract-executed.pdf", f"{reference}-contract-v1-draft.pdf"]


def test_a_file_left_by_a_run_that_died_before_committing_is_replaced(
    negotiating_deal: Deal, seal: Any, private_storage: Any
) -> None:
    deal = builder.deal_signed(deal=builder.deal_locked(deal=negotiating_deal), password=PASSWORD)
    left = private_storage / "deals" / str(deal.public_id) / f"{deal.reference}-contract-executed.pdf"
    left.write_bytes(b"%PDF-1.7 half written")
    contract = execute_contract(deal_id=deal.pk)
    assert left.read_bytes() == _pdf(contract.executed_pdf)
    assert hashlib.sha256(left.read_bytes()).hexdigest() == contract.executed_sha256
    assert len(_files(private_storage)) == 2


def test_the_text_cannot_change_once_signing_starts(ready_deal: Deal, claimant: Any, respondent: Any) -> None:
    contract = DealContract.objects.get(deal=ready_deal)
    _sign(ready_deal, claimant)
    with pytest.raises(ServiceError, match="locked"):
        proposal_make(
            deal=ready_deal, user=respondent, target_kind="field", target_key="price", base_version=1, value="1"
        )
    with pytest.raises(ServiceError, match="locked"):
        deal_mark_final(deal=ready_deal, user=respondent, version=1)
    with pytest.raises(ServiceError, match="locked"):
        deal_unmark_final(deal=ready_deal, user=claimant)
    with pytest.raises(ServiceError, match="can no longer be cancelled"):
        deal_cancel(deal=ready_deal, user=respondent, reason="changed our mind")
    version = DealVersion.objects.get(deal=ready_deal, number=1)
    version.content["fields"]["price"] = "1.00"
    with pytest.raises(VersionFrozen):
        version.save()
    assert DealVersion.objects.get(deal=ready_deal, number=1).content["fields"]["price"] == "36000.00"
    # The draft is rendered once: asked again, it is the same file and the same fingerprint.
    assert render_contract_draft(deal_id=ready_deal.pk).draft_sha256 == contract.draft_sha256
    assert hashlib.sha256(_pdf(contract.draft_pdf)).hexdigest() == contract.draft_sha256


# --- fonts ------------------------------------------------------------------------------------------------


@pytest.fixture
def without_cjk_fonts(tmp_path: Any, monkeypatch: Any) -> None:
    """fontconfig as installed, minus every CJK font (as tests/test_documents_fonts.py does)."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        "  <selectfont><rejectfont><glob>*CJK*</glob></rejectfont></selectfont>\n</fontconfig>\n"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))


def test_a_contract_the_fonts_cannot_show_is_refused_and_nothing_is_stored(
    claimant: Any, claimant_org: Any, respondent: Any, respondent_org: Any, private_storage: Any, without_cjk_fonts: Any
) -> None:
    deal = builder.deal_started(
        initiator=claimant, initiator_org=claimant_org, counterparty_email=respondent.email, language="zh-hant"
    )
    deal = builder.deal_locked(
        deal=builder.deal_in_negotiation(deal=deal, counterparty=respondent, counterparty_org=respondent_org)
    )
    with pytest.raises(ServiceError, match="cannot show these characters"):
        render_contract_draft(deal_id=deal.pk)
    assert not DealContract.objects.get(deal=deal).draft_ready
    assert _files(private_storage) == [] if private_storage.exists() else True
    entry = AuditEntry.objects.get(subject=deal_subject(deal), action="deal.contract_refused")
    assert "賣" in entry.data["characters"]


# --- the deal page ----------------------------------------------------------------------------------------


def _url(name: str, deal: Deal) -> str:
    return reverse(f"deals:{name}", kwargs={"deal_id": deal.public_id})


def _download(client: Any, name: str, deal: Deal) -> Any:
    response = client.get(_url(name, deal))
    if response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment")
        response.body = b"".join(response.streaming_content)
    return response


def test_the_deal_page_signs_by_form_and_only_the_businesses_download(
    ready_deal: Deal,
    claimant: Any,
    respondent: Any,
    outsider: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
    run_tasks: Any,
) -> None:
    contract = DealContract.objects.get(deal=ready_deal)
    alice, bob, charlie = client_for(claimant), client_for(respondent), client_for(outsider)
    page = alice.get(_url("detail", ready_deal)).content.decode()
    assert "Download the contract to sign (PDF)" in page
    assert contract.draft_sha256 in page
    assert 'name="password"' in page
    assert 'name="totp_code"' not in page
    draft = _download(alice, "contract_draft", ready_deal)
    assert hashlib.sha256(draft.body).hexdigest() == contract.draft_sha256
    assert _download(alice, "contract_executed", ready_deal).status_code == 404  # not sealed yet
    for name in ("contract_draft", "contract_executed"):
        assert _download(charlie, name, ready_deal).status_code == 404

    form = {"full_name": "Alice Chan", "password": "wrong", "consent": "on"}
    refused = alice.post(_url("sign", ready_deal), form)
    assert refused.status_code == 400
    assert "The password is not correct." in refused.content.decode()
    assert not DealSignature.objects.exists()
    assert alice.post(_url("sign", ready_deal), {**form, "password": PASSWORD}).status_code == 302
    page = alice.get(_url("detail", ready_deal)).content.decode()
    assert "Your business has signed." in page
    assert "signed by Alice Chan" in page
    with django_capture_on_commit_callbacks(execute=True):
        bob.post(_url("sign", ready_deal), {"full_name": "Bob Lee", "password": PASSWORD, "consent": "on"})
    run_tasks()

    contract.refresh_from_db()
    page = alice.get(_url("detail", ready_deal)).content.decode()
    assert "Download the signed and sealed contract (PDF)" in page
    assert contract.verification_reference in page
    assert contract.executed_sha256 in page
    executed = _download(bob, "contract_executed", ready_deal)
    assert hashlib.sha256(executed.body).hexdigest() == contract.executed_sha256
    for name in ("contract_draft", "contract_executed"):
        assert _download(charlie, name, ready_deal).status_code == 404
