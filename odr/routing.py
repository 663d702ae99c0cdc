"""Websocket routes of every app, gathered in one list for ``odr.asgi``."""

from deals.routing import websocket_urlpatterns as deal_routes
from mediation.routing import websocket_urlpatterns as mediation_routes
from negotiation.routing import websocket_urlpatterns as negotiation_routes

websocket_urlpatterns = [*negotiation_routes, *mediation_routes, *deal_routes]
