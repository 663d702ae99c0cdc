"""What a party reads about a private caucus it is not in: the mediator is in a private session with the other
party (never "everyone can see and hear each other"), on the case's mediation page and in the video room's
strings, in English and Chinese."""

from django.urls import reverse

from mediation.access import session_access
from mediation.services import room as rooms

AWAY = "The mediator is in a private session with the other party."
AWAY_ZH = "調解員正與另一方進行單獨會談。"


def _in_the_room(session, user, channel):
    access = session_access(user, session.public_id)
    return rooms.room_join(access=access, user=user, channel_name=channel)


def _caucus_with_claimant(session, mediator, claimant, respondent):
    mia = _in_the_room(session, mediator, "mia")
    for user, channel in ((claimant, "alice"), (respondent, "bob")):
        waiting = _in_the_room(session, user, channel)
        rooms.room_admit(session_id=session.pk, mediator_peer=mia.peer_id, peer_id=waiting.peer_id)
    rooms.room_caucus(session_id=session.pk, mediator_peer=mia.peer_id, party_role="claimant")
    return mia


def test_the_case_page_tells_the_other_party_the_mediator_is_in_a_private_session(
    live_session, mediator, claimant, respondent, client_for
):
    page = reverse("mediation:case", kwargs={"case_id": live_session.case.public_id})
    assert AWAY not in client_for(respondent).get(page).text
    mia = _caucus_with_claimant(live_session, mediator, claimant, respondent)
    assert AWAY in client_for(respondent).get(page).text
    assert AWAY_ZH in client_for(respondent).get(page, headers={"accept-language": "zh-hk"}).text
    assert AWAY not in client_for(claimant).get(page).text  # she is the one in it
    rooms.room_caucus(session_id=live_session.pk, mediator_peer=mia.peer_id, party_role=None)
    assert AWAY not in client_for(respondent).get(page).text


def test_the_room_page_carries_the_words_for_the_live_update(live_session, respondent, client_for):
    page = reverse("mediation:room", kwargs={"session_id": live_session.public_id})
    assert f'<span data-string="room_joint_caucus">{AWAY}</span>' in client_for(respondent).get(page).text
    chinese = client_for(respondent).get(page, headers={"accept-language": "zh-hk"}).text
    assert f'<span data-string="room_joint_caucus">{AWAY_ZH}</span>' in chinese
