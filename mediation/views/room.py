"""The video room page (its behaviour lives in static/js/mediation-room.js and mediation/consumers.py)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from cases.access import AuthenticatedRequest, granted_view
from mediation.access import SessionAccess, session_access
from mediation.models import MediationSession
from odr.security import allow_camera_and_microphone


@granted_view(session_access, url_key="session_id")
def room_page(request: AuthenticatedRequest, access: SessionAccess) -> HttpResponse:
    session = MediationSession.objects.select_related("case").get(pk=access.session_id)
    page = render(request, "mediation/room.html", {"session": session, "case": session.case, "access": access})
    return allow_camera_and_microphone(page)
