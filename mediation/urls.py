from django.urls import path

from mediation.views import case, panel, proposal, room

app_name = "mediation"

urlpatterns = [
    path("cases/<uuid:case_id>/mediation/", case.mediation_page, name="case"),
    path("cases/<uuid:case_id>/mediation/<slug:action>/", case.mediation_action, name="action"),
    path("mediation/proposals/<int:appointment_id>/", proposal.proposal_page, name="proposal"),
    path("mediation/sessions/<uuid:session_id>/", room.room_page, name="room"),
    path("staff/mediators/", panel.panel_list, name="panel"),
    path("staff/mediators/new/", panel.profile_edit, name="profile_new"),
    path("staff/mediators/<int:profile_id>/", panel.profile_edit, name="profile_edit"),
]
