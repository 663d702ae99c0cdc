"""A draft is its author's alone until it is filed or issued: no page, audit trail or export shows anyone
else its content ("Draft: only you can see it."); the entry that records the action stays on record."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arbitration.models import StepKind, TimetableStep
from arbitration.services import award as awards
from arbitration.services import proceedings as submissions
from tests.test_arbitration import _all_due, _terms


def test_the_audit_of_an_award_draft_keeps_its_sums_to_the_arbitrator(
    proceedings, arbitrator, administrator, client_for
):
    _all_due(proceedings)
    awards.award_draft_save(case=proceedings, user=arbitrator, terms=_terms(net_amount=Decimal("10500.50")))
    client = client_for(administrator)
    audit = reverse("administration:case_audit", kwargs={"case_id": proceedings.public_id})
    assert "10500.50" not in client.get(audit).text
    assert "10500.50" not in b"".join(client.get(audit + "?export=csv").streaming_content).decode()


def test_a_draft_submissions_documents_are_its_authors_alone_until_filed(
    proceedings, claimant, respondent, arbitrator, administrator, client_for
):
    """ "Draft: only you can see it." No page, audit trail or export names the draft's document to anyone
    else (administrators included) until it is filed."""
    step = TimetableStep.objects.get(case=proceedings, kind=StepKind.CLAIM)
    submissions.submission_save(case=proceedings, user=claimant, step=step, statement="Our statement.")
    title = "Witness statement of Mr Secret"
    submissions.submission_attach(
        case=proceedings, user=claimant, step=step, upload=SimpleUploadedFile("w.txt", b"statement"), title=title
    )
    kwargs = {"case_id": proceedings.public_id}
    arbitration_page = reverse("arbitration:case", kwargs=kwargs)
    assert title in client_for(claimant).get(arbitration_page).text

    def everything_others_read() -> dict[str, str]:
        admin = client_for(administrator)
        audit = reverse("administration:case_audit", kwargs=kwargs)
        everyone = reverse("administration:audit")
        read = {
            "admin case page": admin.get(reverse("cases:detail", kwargs=kwargs)).text,
            "admin case audit": admin.get(audit).text,
            "admin case audit CSV": b"".join(admin.get(audit + "?export=csv").streaming_content).decode(),
            "admin audit": admin.get(everyone).text,
            "admin audit CSV": b"".join(admin.get(everyone + "?export=csv").streaming_content).decode(),
            "admin arbitration page": admin.get(arbitration_page).text,
        }
        for name, user in (("respondent", respondent), ("arbitrator", arbitrator)):
            read[f"{name} case page"] = client_for(user).get(reverse("cases:detail", kwargs=kwargs)).text
            read[f"{name} arbitration page"] = client_for(user).get(arbitration_page).text
        return read

    leaks = [name for name, text in everything_others_read().items() if title in text]
    assert leaks == []
    submissions.submission_file(case=proceedings, user=claimant, step=step)
    read = everything_others_read()
    assert title in read["admin case audit"]
    assert title in read["respondent arbitration page"]


def test_the_django_admin_shows_staff_no_draft(proceedings, claimant, arbitrator, client_for):
    from arbitration.models import Award
    from cases.models import AuditEntry, Document
    from cases.roles_setup import ADMINISTRATOR_GROUP
    from tests.conftest import make_user

    root = make_user("root", ADMINISTRATOR_GROUP, mfa=True)
    root.is_staff = root.is_superuser = True
    root.save()
    step = TimetableStep.objects.get(case=proceedings, kind=StepKind.CLAIM)
    title = "Witness statement of Mr Secret"
    submissions.submission_attach(
        case=proceedings, user=claimant, step=step, upload=SimpleUploadedFile("w.txt", b"statement"), title=title
    )
    _all_due(proceedings)
    draft = awards.award_draft_save(case=proceedings, user=arbitrator, terms=_terms(findings="Findings of the draft."))
    client = client_for(root)
    award = Award.objects.get()
    document = Document.objects.get(title=title)
    entry = AuditEntry.objects.get(action="document.uploaded", data__title=title)
    pages = {
        "award": reverse("admin:arbitration_award_change", args=[award.pk]),
        "issued documents": reverse("admin:documents_issueddocument_changelist"),
        "document": reverse("admin:cases_document_change", args=[document.pk]),
        "documents": reverse("admin:cases_document_changelist"),
        "audit entry": reverse("admin:cases_auditentry_change", args=[entry.pk]),
    }
    shown = {name: client.get(url) for name, url in pages.items()}
    assert shown["award"].status_code == 302  # Django's answer to an object it does not find
    assert shown["document"].status_code == 302
    assert reverse("admin:documents_issueddocument_change", args=[draft.pk]) not in shown["issued documents"].text
    assert title not in shown["documents"].text
    assert shown["audit entry"].status_code == 200
    assert title not in shown["audit entry"].text
