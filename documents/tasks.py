from django.tasks import task

from documents.services import execute_agreement, issue_odr_agreement, render_draft


@task()
def render_draft_task(*, document_id: int) -> str:
    return render_draft(document_id=document_id).sha256


@task()
def execute_agreement_task(*, document_id: int) -> str:
    return execute_agreement(document_id=document_id).sha256


@task()
def issue_odr_agreement_task(*, case_id: int) -> str:
    return issue_odr_agreement(case_id=case_id).sha256
