"""Websocket routes of every app, gathered in one list for ``odr.asgi``."""

from cases.routing import websocket_urlpatterns as cases_routes
from mediation.routing import websocket_urlpatterns as mediation_routes

websocket_urlpatterns = [*cases_routes, *mediation_routes]
