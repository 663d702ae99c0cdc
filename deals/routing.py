from django.urls import path

from deals.consumers import DealConsumer

websocket_urlpatterns = [
    path("ws/deals/<uuid:deal_id>/", DealConsumer.as_asgi()),
]
