from django.urls import path

from negotiation.consumers import NegotiationConsumer

websocket_urlpatterns = [
    path("ws/cases/<uuid:case_id>/negotiation/", NegotiationConsumer.as_asgi()),
]
