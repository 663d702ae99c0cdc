"""The iCalendar invitation (RFC 5545, sent as an RFC 5546 REQUEST) for a mediation session, attached to
the emails that confirm it."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from mediation.models import MediationSession


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def session_ics(session: MediationSession) -> str:
    """The session's invitation. The Centre organises it (its address sends every email of the case); the
    mediator chairs it and the parties' people are required. Nobody is asked to answer by calendar (RSVP is
    false): attendance is answered on the case page. SEQUENCE is 0: a confirmed session's time never changes
    (a new time is a new session, with its own UID)."""
    assert session.starts_at is not None
    assert session.ends_at is not None
    case = session.case
    url = settings.SITE_URL + reverse("mediation:room", kwargs={"session_id": session.public_id})
    centre_name, centre_email = parseaddr(settings.DEFAULT_FROM_EMAIL)

    event = Event()
    event.add("uid", f"{session.public_id}@odr-centre")
    event.add("dtstamp", timezone.now())
    event.add("sequence", 0)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", f"Mediation session, case {case.reference}")
    event.add("description", f"Join the video session at {url}")
    event.add("url", url)
    event.add("status", "CONFIRMED")
    event.add("organizer", _address(centre_email, centre_name or "ODR Centre"))
    mediator = session.mediator
    event.add(
        "attendee",
        _address(mediator.user.email, mediator.display_name, ROLE="CHAIR", PARTSTAT="ACCEPTED", RSVP="FALSE"),
    )
    for party in case.parties.select_related("user", "organisation").order_by("role"):
        person = party.user.get_full_name() or party.user.email
        event.add(
            "attendee",
            _address(
                party.user.email,
                f"{person} ({party.organisation.name})",
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="FALSE",
            ),
        )

    calendar = Calendar()
    calendar.add("prodid", "-//ODR Centre//Mediation//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    return calendar.to_ical().decode()
