"""What every page may do in the browser: no inline script, no framing, forms only to us; the camera and
microphone only in the video room; Stripe's origins only on the card payment page."""

from django.urls import reverse


def _directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else "" for part in header.split("; ")}


def test_pages_carry_a_strict_policy(negotiation_case, claimant, client_for):
    response = client_for(claimant).get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    policy = _directives(response)
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert response["Permissions-Policy"].startswith("camera=(), microphone=()")
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_only_the_video_room_may_use_the_camera(live_session, claimant, client_for):
    room = client_for(claimant).get(reverse("mediation:room", kwargs={"session_id": live_session.public_id}))
    assert room.status_code == 200
    assert "camera=(self)" in room["Permissions-Policy"]
    assert "microphone=(self)" in room["Permissions-Policy"]


def test_stripe_is_allowed_only_on_the_card_payment_page(
    negotiation_case, claimant, client_for, fee_schedule, stripe_settings
):
    from negotiation.services.escalation import mediation_request
    from payments.models import Charge

    mediation_request(case=negotiation_case, user=claimant)
    charge = Charge.objects.get(case=negotiation_case, party__role="claimant")
    client = client_for(claimant)
    pay = client.get(
        reverse("payments:pay", kwargs={"case_id": negotiation_case.public_id, "charge_id": charge.public_id})
    )
    assert stripe_settings in _directives(pay)["script-src"]
    assert stripe_settings in _directives(pay)["connect-src"]
    case_page = client.get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    assert stripe_settings not in case_page["Content-Security-Policy"]
