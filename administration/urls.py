from django.urls import path

from administration.views import audit, cases, dashboard, security

app_name = "administration"

urlpatterns = [
    path("staff/caseload/", dashboard.dashboard, name="dashboard"),
    path("staff/cases/", cases.case_list, name="case_list"),
    path("staff/audit/", audit.audit_trail, name="audit"),
    path("staff/security/", security.security_event_list, name="security_events"),
    path("cases/<uuid:case_id>/audit/", audit.case_audit_trail, name="case_audit"),
    path("cases/<uuid:case_id>/staff/extend/", cases.case_extend, name="case_extend"),
    path("cases/<uuid:case_id>/staff/close/", cases.case_close, name="case_close"),
    path("cases/<uuid:case_id>/staff/reopen/", cases.case_reopen_view, name="case_reopen"),
    path("statistics/", dashboard.public_statistics, name="statistics"),
]
