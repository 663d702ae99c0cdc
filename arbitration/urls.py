from django.urls import path

from arbitration.views import case, panel, proposal

app_name = "arbitration"

urlpatterns = [
    path("cases/<uuid:case_id>/arbitration/", case.arbitration_page, name="case"),
    path("cases/<uuid:case_id>/arbitration/award/<int:document_id>/pdf/", case.award_pdf, name="award_pdf"),
    path("cases/<uuid:case_id>/arbitration/<slug:action>/", case.arbitration_action, name="action"),
    path("arbitration/proposals/<int:appointment_id>/", proposal.proposal_page, name="proposal"),
    path(
        "arbitration/proposals/<int:appointment_id>/declaration.pdf", proposal.declaration_pdf, name="declaration_pdf"
    ),
    path("staff/arbitrators/", panel.panel_list, name="panel"),
    path("staff/arbitrators/new/", panel.profile_edit, name="profile_new"),
    path("staff/arbitrators/<int:profile_id>/", panel.profile_edit, name="profile_edit"),
]
