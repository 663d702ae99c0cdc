"""The video room page (its behaviour lives in static/js/mediation-room.js and mediation/consumers.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cases.access import AuthenticatedRequest
from mediation.access import session_access
from mediation.models import MediationSession
from odr.security import allow_camera_and_microphone


@login_required
def room_page(request: AuthenticatedRequest, session_id: object) -> HttpResponse:
    access = session_access(request.user, session_id)
    if access is None:
        raise Http404(_("No such session."))
    session = MediationSession.objects.select_related("case").get(pk=access.session_id)
    page = render(request, "mediation/room.html", {"session": session, "case": session.case, "access": access})
    return allow_camera_and_microphone(page)
