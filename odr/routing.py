"""Websocket routes of every app, gathered in one list for ``odr.asgi``."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
