from django.urls import path

from negotiation import views

app_name = "negotiation"

urlpatterns = [
    path("cases/<uuid:case_id>/negotiation/", views.negotiation_room, name="room"),
    path("cases/<uuid:case_id>/negotiation/offers/<int:offer_id>/accept/", views.accept_confirm, name="accept"),
    path("cases/<uuid:case_id>/negotiation/<slug:action>/", views.negotiation_action, name="action"),
]
