from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("cases/<uuid:case_id>/agreement/", views.agreement, name="agreement"),
    path("cases/<uuid:case_id>/agreement-to-mediate/", views.agreement_to_mediate, name="agreement_to_mediate"),
    path("cases/<uuid:case_id>/agreement/revise/", views.agreement_revise_view, name="agreement_revise"),
    path("cases/<uuid:case_id>/agreement/<int:document_id>/sign/", views.agreement_sign_view, name="agreement_sign"),
    path("cases/<uuid:case_id>/agreement/<int:document_id>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("verify/", views.verify, name="verify"),
]
