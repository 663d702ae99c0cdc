from django.urls import path

from mediation.consumers import MediationRoomConsumer

websocket_urlpatterns = [
    path("ws/mediation/<uuid:session_id>/", MediationRoomConsumer.as_asgi()),
]
