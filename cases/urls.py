from django.urls import path

from cases.views import (
    case,
    compliance,
    evidence,
    filing,
    invitations,
    organisations,
    pages,
    personal_data,
    preferences,
)

app_name = "cases"

urlpatterns = [
    path("cases/", pages.my_cases, name="my_cases"),
    path("preferences/time-zone/", preferences.timezone_preference, name="timezone"),
    path("preferences/language/", preferences.language_preference, name="language"),
    path("account/data/", personal_data.personal_data, name="personal_data"),
    path("account/data/export/", personal_data.personal_data_export, name="personal_data_export"),
    path("account/data/erase/", personal_data.account_erase_view, name="account_erase"),
    path("cases/file/", filing.file_start, name="file_start"),
    path("cases/file/<uuid:case_id>/step/<int:step>/", filing.file_step, name="file_step"),
    path(
        "cases/file/<uuid:case_id>/documents/<uuid:document_id>/remove/",
        filing.draft_document_remove,
        name="draft_document_remove",
    ),
    path("cases/<uuid:case_id>/", case.case_detail, name="detail"),
    path(
        "cases/<uuid:case_id>/payments-due/<int:obligation_id>/report/",
        compliance.payment_report_view,
        name="payment_report",
    ),
    path(
        "cases/<uuid:case_id>/payments-due/reports/<int:report_id>/answer/",
        compliance.payment_answer_view,
        name="payment_answer",
    ),
    path("cases/<uuid:case_id>/withdraw/", case.case_withdraw_view, name="withdraw"),
    path("cases/<uuid:case_id>/arbitration-consent/", case.arbitration_consent_view, name="arbitration_consent"),
    path("cases/<uuid:case_id>/counterclaim-answer/", case.counterclaim_answer_view, name="counterclaim_answer"),
    path("cases/<uuid:case_id>/invitation/resend/", case.invitation_resend_view, name="invitation_resend"),
    path("cases/<uuid:case_id>/documents/", evidence.document_upload_view, name="document_upload"),
    path(
        "cases/<uuid:case_id>/documents/<uuid:document_id>/versions/",
        evidence.document_version_upload,
        name="document_version_upload",
    ),
    path("cases/<uuid:case_id>/files/<uuid:version_id>/", evidence.document_download, name="document_download"),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
    path("invitations/<str:token>/respond/", invitations.invitation_respond, name="invitation_respond"),
    path("invitations/<str:token>/decline/", invitations.invitation_decline, name="invitation_decline"),
    path("organisations/", organisations.organisation_list, name="organisation_list"),
    path("organisations/new/", organisations.organisation_create_view, name="organisation_create"),
    path("organisations/<int:organisation_id>/", organisations.organisation_edit, name="organisation_edit"),
]
