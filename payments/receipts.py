"""Receipts: a sealed PDF for every successful payment and every refund, verifiable like any document
the platform issues. Built by a background task, once per payment or refund however often it runs."""

from __future__ import annotations

from documents.models import IssuedDocument, IssuedKind, IssuedStatus
from documents.rendering import document_language
from documents.services import issue_sealed, render_document
from payments.models import Payment, Refund


def receipt_subject(payment: Payment, refund: Refund | None = None) -> str:
    return f"refund:{refund.public_id}" if refund is not None else f"payment:{payment.public_id}"


def issue_receipt(*, payment_id: int, refund_id: int | None = None) -> IssuedDocument:
    payment = Payment.objects.select_related("charge__case", "charge__party__organisation", "created_by").get(
        pk=payment_id
    )
    refund = Refund.objects.get(pk=refund_id, payment=payment) if refund_id is not None else None
    case = payment.charge.case
    if case is None:
        raise ValueError("a receipt is a document of a case: a subject's fee gets none")
    kind = IssuedKind.REFUND_RECEIPT if refund is not None else IssuedKind.FEE_RECEIPT
    subject = receipt_subject(payment, refund)
    existing = IssuedDocument.objects.filter(case=case, kind=kind, subject=subject).first()
    if existing is not None:
        return existing
    amount = refund.amount if refund is not None else (payment.amount_received or payment.amount)
    # The payer's own document, in the case's documents' language like every other.
    document = IssuedDocument(
        case=case,
        kind=kind,
        subject=subject,
        version=1,
        status=IssuedStatus.EXECUTED,
        amount=amount,
        terms="",
        language=document_language(case),
    )
    rendered = render_document(
        document=document,
        template="payments/pdf/receipt.html",
        context={
            "document": document,
            "case": case,
            "payment": payment,
            "refund": refund,
            "charge": payment.charge,
            "party": payment.charge.party,
            "amount": amount,
        },
        filename=f"{case.reference}-{kind.replace('_', '-')}-{str(payment.public_id)[:8]}.pdf",
        visible_to_parties=False,
    )
    stored = issue_sealed(
        document, rendered, reason=f"{document.get_kind_display()} {case.reference}", visible_to_parties=False
    )
    # None: another worker issued it first; keep theirs.
    return stored or IssuedDocument.objects.get(case=case, kind=kind, subject=subject)


def receipt_for(payment: Payment, refund: Refund | None = None) -> IssuedDocument | None:
    if payment.charge.case_id is None:
        return None
    kind = IssuedKind.REFUND_RECEIPT if refund is not None else IssuedKind.FEE_RECEIPT
    return IssuedDocument.objects.filter(
        case_id=payment.charge.case_id, kind=kind, subject=receipt_subject(payment, refund)
    ).first()


def payers_of(receipts: list[IssuedDocument]) -> dict[int, str]:
    """The party role (claimant / respondent) that made the payment or got the refund each receipt records,
    by receipt pk: at most two queries, whatever the number of receipts."""
    wanted: dict[str, dict[str, int]] = {"payment": {}, "refund": {}}
    for receipt in receipts:
        prefix, _sep, public_id = receipt.subject.partition(":")
        if prefix in wanted:
            wanted[prefix][public_id] = receipt.pk
    rows = [
        *Payment.objects.filter(public_id__in=list(wanted["payment"])).values_list("public_id", "charge__party__role"),
        *Refund.objects.filter(public_id__in=list(wanted["refund"])).values_list(
            "public_id", "payment__charge__party__role"
        ),
    ]
    pks = {**wanted["payment"], **wanted["refund"]}
    return {pks[str(public_id)]: role for public_id, role in rows}
