"""A mediation by video in three real browsers (fake camera and microphone): the parties wait until the
mediator admits them, everyone connects to everyone, a private caucus with the claimant reaches the
respondent in no form (no media, no signaling, no chat), and the joint session comes back after it.

The tests watch the pages as their users do: the room they are told they are in, the tiles of the people
they see (each captioned with a name and role and saying how its connection is), the pictures arriving,
the chat, the status lines. The page exposes nothing for tests."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in_with_code, totp_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WebRTC on localhost usually connects in well under a second, but ICE checks on a loaded CI machine
# (three Chromiums, one Daphne) can take several: poll generously, never sleep.
CONNECT_MS = 45_000
UI_MS = 20_000

CAUCUS_SECRET = "Between us: we could go down to HK$6,000."
JOINT_MESSAGE = "Is anyone still in the joint room?"

# The people as each other's tiles name them.
MIA = "Mia Mediator (Mediator)"
ALICE = "alice@example.com (Claimant)"
BOB = "bob@example.com (Respondent)"

# What a page shows of someone else in its room: one tile each, captioned with their name and role, with a
# line saying how the connection to them is ("Connection: good", "fair" or "poor" once it carries media).
SHOWN = """() => [...document.querySelectorAll("#video-grid li.video-tile[data-peer]")].map((tile) => ({
    who: tile.querySelector("figcaption").textContent.replace(/\\s+/g, " ").trim(),
    peer: tile.dataset.peer,
    connection: tile.querySelector(".video-quality").dataset.quality,
}))"""


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()


def shown(page: Any) -> dict[str, Any]:
    """Where the page says it is, and whom it shows (see SHOWN)."""
    room = page.locator("#room-indicator").get_attribute("data-room")
    return {"room": room, "tiles": page.evaluate(SHOWN)}


def peer_of(page: Any, who: str) -> str:
    """The peer id of the tile ``page`` shows for ``who`` (to match the frames another page receives)."""
    return next(tile["peer"] for tile in page.evaluate(SHOWN) if tile["who"] == who)


def wait_connected(page: Any, room: str, people: list[str]) -> None:
    """Wait until ``page`` says it is in ``room`` and shows exactly ``people``, each connected."""
    try:
        page.wait_for_function(
            f"""([room, people]) => {{
                if (document.getElementById("room-indicator").dataset.room !== room) return false;
                const tiles = ({SHOWN})();
                return tiles.length === people.length && people.every((who) => tiles.some(
                    (tile) => tile.who === who && ["good", "fair", "poor"].includes(tile.connection)));
            }}""",
            arg=[room, people],
            timeout=CONNECT_MS,
        )
    except Exception as exc:  # say where it stood
        raise AssertionError(f"not connected in {room} to {people}: {shown(page)}") from exc


def wait_media_flowing(page: Any, people: list[str]) -> None:
    """Pictures from each of ``people``'s cameras reach their tile's <video>."""
    page.wait_for_function(
        f"""(people) => {{
            const tiles = ({SHOWN})();
            return people.every((who) => {{
                const tile = tiles.find((t) => t.who === who);
                const video = tile && document.querySelector(`video[data-peer="${{tile.peer}}"]`);
                return video && video.videoWidth > 0 && video.readyState >= 2;
            }});
        }}""",
        arg=people,
        timeout=CONNECT_MS,
    )


def poll(page: Any, condition: Callable[[], bool], message: str, timeout_s: float = 15) -> None:
    """Wait for a condition on the Python side (Playwright delivers events while the page waits)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        page.wait_for_timeout(100)


def record_room_frames(page: Any) -> list[dict[str, Any]]:
    """Every frame the page's mediation websocket(s) receive, decoded, in order of arrival."""
    frames: list[dict[str, Any]] = []

    def on_socket(ws: Any) -> None:
        if "/ws/mediation/" not in ws.url:
            return

        def received(payload: str | bytes) -> None:
            text = payload if isinstance(payload, str) else payload.decode()
            frames.append({"raw": text, **json.loads(text)})

        ws.on("framereceived", received)

    page.on("websocket", on_socket)
    return frames


def watch_for_script_errors(**pages: Any) -> list[str]:
    """Uncaught errors in the room's script, per page (asserted empty at the end)."""
    problems: list[str] = []
    for name, page in pages.items():
        page.on("pageerror", lambda error, name=name: problems.append(f"{name}: {error}"))
    return problems


def test_mediator_admits_parties_holds_a_private_caucus_and_returns_to_the_joint_session(
    live_session, mediator, claimant, respondent, asgi_live_server_url, new_page
):
    base = asgi_live_server_url
    room_url = f"{base}/mediation/sessions/{live_session.public_id}/"
    secret = totp_secret(mediator)  # read before the browsers open

    mia = new_page()
    alice = new_page()
    bob = new_page(width=360)  # the respondent joins from a phone
    bob_frames = record_room_frames(bob)
    problems = watch_for_script_errors(mia=mia, alice=alice, bob=bob)

    sign_in_with_code(mia, base, "mia@example.com", secret)
    sign_in(alice, base, "alice@example.com")
    sign_in(bob, base, "bob@example.com")

    # The mediator opens the room and goes straight into the joint session.
    mia.goto(room_url)
    expect(mia.locator("#mediation-connection")).to_have_attribute("data-state", "live", timeout=UI_MS)
    expect(mia.locator("#room-indicator")).to_have_attribute("data-room", "joint")
    expect(mia.get_by_role("link", name="Back to the case's mediation").first).to_have_attribute(
        "href", f"/cases/{live_session.case.public_id}/mediation/"
    )
    expect(mia.locator("#waiting-empty")).to_have_text("No one is waiting.")

    # The parties wait until admitted: no media, no one to connect to, no chat.
    for page in (alice, bob):
        page.goto(room_url)
        expect(page.locator("#room-indicator")).to_have_attribute("data-room", "waiting", timeout=UI_MS)
        expect(page.get_by_text("Please wait: the mediator will admit you.")).to_be_visible()
        expect(page.get_by_label("Message")).to_be_disabled()
        expect(page.locator(".video-tile:not(.video-tile-own)")).to_have_count(0)

    waiting = mia.locator("#waiting-list li")
    expect(waiting).to_have_count(2, timeout=UI_MS)
    expect(waiting.filter(has_text="alice@example.com")).to_contain_text("(Claimant)")
    expect(waiting.filter(has_text="bob@example.com")).to_contain_text("(Respondent)")
    mia.get_by_role("button", name="Admit alice@example.com").click()
    mia.get_by_role("button", name="Admit bob@example.com").click()
    expect(waiting).to_have_count(0, timeout=UI_MS)
    expect(mia.locator("#waiting-empty")).to_be_visible()

    # A full mesh in the joint session: every pair connected, media flowing, each tile labelled.
    everyone = {mia: MIA, alice: ALICE, bob: BOB}
    for page, own in everyone.items():
        others = [who for who in everyone.values() if who != own]
        wait_connected(page, "joint", others)
        wait_media_flowing(page, others)
        expect(page.get_by_text("Please wait: the mediator will admit you.")).to_be_hidden()
    mia_peer, alice_peer, bob_peer = peer_of(bob, MIA), peer_of(bob, ALICE), peer_of(alice, BOB)
    expect(bob.locator(f'video[data-peer="{alice_peer}"]')).to_have_attribute("data-role", "claimant")
    expect(bob.locator(f'li[data-peer="{alice_peer}"] figcaption')).to_have_text("alice@example.com (Claimant)")
    expect(bob.locator(f'li[data-peer="{mia_peer}"] figcaption')).to_have_text("Mia Mediator (Mediator)")
    expect(bob.locator(f'li[data-peer="{alice_peer}"] .video-quality')).to_have_text(
        re.compile(r"^Connection: (good|fair|poor)$"), timeout=UI_MS
    )
    assert bob.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the room scrolls sideways at 360px"
    )

    # Camera and microphone are toggle buttons.
    camera = alice.get_by_role("button", name="Camera")
    expect(camera).to_have_attribute("aria-pressed", "true")
    camera.click()
    expect(camera).to_have_attribute("aria-pressed", "false")
    own_camera = "document.getElementById('own-video').srcObject.getVideoTracks()[0].enabled"
    assert alice.evaluate(own_camera) is False
    camera.click()
    expect(camera).to_have_attribute("aria-pressed", "true")

    # Sharing a screen swaps what the mediator sends to everyone (both parties see its shape change), and
    # stopping brings the camera back.
    share = mia.get_by_role("button", name="Share screen")
    preview_track = "() => document.getElementById('own-video').srcObject.getVideoTracks()[0].id"
    shape = (
        "(p) => { const v = document.querySelector(`video[data-peer='${p}']`); return v.videoWidth / v.videoHeight }"
    )
    camera_track, camera_shape = mia.evaluate(preview_track), alice.evaluate(shape, mia_peer)
    share.click()
    expect(share).to_have_attribute("aria-pressed", "true")
    screen_track = mia.evaluate(preview_track)
    assert screen_track != camera_track
    for party in (alice, bob):
        party.wait_for_function(f"(p) => Math.abs(({shape})(p) - {camera_shape}) > 0.05", arg=mia_peer, timeout=UI_MS)
    share.click()
    expect(share).to_have_attribute("aria-pressed", "false")
    assert mia.evaluate(preview_track) == camera_track
    for party in (alice, bob):
        party.wait_for_function(f"(p) => Math.abs(({shape})(p) - {camera_shape}) < 0.05", arg=mia_peer, timeout=UI_MS)

    alice.get_by_label("Message").fill("Good morning, everyone.")
    alice.get_by_role("button", name="Send", exact=True).click()
    for page in (mia, bob):
        expect(page.locator("#chat-log")).to_contain_text("Good morning, everyone.")

    # The private caucus with the claimant: the respondent loses the claimant (and the mediator).
    mia.get_by_role("button", name="Private caucus with the claimant").click()
    wait_connected(mia, "caucus-claimant", [ALICE])
    wait_connected(alice, "caucus-claimant", [MIA])
    wait_media_flowing(alice, [MIA])
    expect(mia.locator("#room-indicator")).to_have_text("Private caucus with the claimant")
    expect(alice.locator("#room-indicator")).to_contain_text("Private caucus with the mediator")
    expect(mia.get_by_role("button", name="Back to the joint session")).to_be_focused()

    expect(bob.locator(f'video[data-peer="{alice_peer}"]')).to_have_count(0)
    expect(bob.locator(".video-tile:not(.video-tile-own)")).to_have_count(0)
    expect(bob.locator("#room-indicator")).to_have_attribute("data-room", "joint")
    # ... and reads where the mediator went, not that everyone can see and hear each other.
    expect(bob.locator("#room-indicator")).to_have_text("The mediator is in a private session with the other party.")

    # Chat is per room: the caucus's history is its own, and what is said there stays there.
    expect(alice.locator("#chat-log")).not_to_contain_text("Good morning, everyone.")
    alice.get_by_label("Message").fill(CAUCUS_SECRET)
    alice.get_by_label("Message").press("Enter")
    expect(mia.locator("#chat-log")).to_contain_text(CAUCUS_SECRET)
    expect(alice.locator("#chat-log")).to_contain_text(CAUCUS_SECRET)

    # The respondent's own message is its round trip: every frame sent to it before is in by then.
    bob.get_by_label("Message").fill(JOINT_MESSAGE)
    bob.get_by_role("button", name="Send", exact=True).click()
    expect(bob.locator("#chat-log")).to_contain_text(JOINT_MESSAGE)
    poll(bob, lambda: any(JOINT_MESSAGE in f["raw"] for f in bob_frames), "the respondent's echo never arrived")
    expect(bob.locator("#chat-log")).not_to_contain_text(CAUCUS_SECRET)
    expect(mia.locator("#chat-log")).not_to_contain_text(JOINT_MESSAGE)

    # From the room state without the claimant on, no frame to the respondent so much as names her.
    caucus_started = next(
        i
        for i, f in enumerate(bob_frames)
        if f["type"] == "room.state" and {m["peer"] for m in f["members"]} == {bob_peer}
    )
    during_caucus = bob_frames[caucus_started:]
    assert not [f for f in during_caucus if f["type"] == "signal"], during_caucus
    assert not [f for f in during_caucus if alice_peer in f["raw"] or mia_peer in f["raw"]], during_caucus
    assert [f["message"]["body"] for f in during_caucus if f["type"] == "chat"] == [JOINT_MESSAGE]

    # Back to the joint session: everyone reconnects, and the joint chat is what the joint room said.
    mia.get_by_role("button", name="Back to the joint session").click()
    for page, own in everyone.items():
        others = [who for who in everyone.values() if who != own]
        wait_connected(page, "joint", others)
        wait_media_flowing(page, others)
        expect(page.locator("#room-indicator")).to_have_attribute("data-room", "joint")
    expect(bob.locator("#room-indicator")).to_have_text("Joint session: everyone can see and hear each other.")
    expect(mia.get_by_role("button", name="Private caucus with the claimant")).to_be_focused()
    for page in (mia, alice):
        expect(page.locator("#chat-log")).to_contain_text(JOINT_MESSAGE)
        expect(page.locator("#chat-log")).not_to_contain_text(CAUCUS_SECRET)

    # Over the whole run the respondent's socket never carried the caucus: no secret, and no signal
    # from the claimant at a time the server's last word had her outside the respondent's room.
    assert not [f for f in bob_frames if CAUCUS_SECRET in f["raw"]]
    with_claimant = False
    for frame in bob_frames:
        if frame["type"] in ("hello", "room.state", "moved"):
            with_claimant = alice_peer in {m["peer"] for m in frame["members"]}
        elif frame["type"] == "signal" and frame["from"] == alice_peer:
            assert with_claimant, f"a signal from the claimant reached the respondent outside the joint room: {frame}"
    assert any(f["type"] == "signal" and f["from"] == alice_peer for f in bob_frames[caucus_started:])  # reconnected
    assert not problems, problems


# Keeps every WebSocket the page opens, so a test can cut one as a network failure would.
SOCKET_RECORDER = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();
"""


def test_an_admitted_party_who_drops_out_rejoins_directly_then_leaves_and_the_session_ends(
    live_session, mediator, claimant, asgi_live_server_url, new_page
):
    from django.utils import timezone

    from mediation.models import MediationSession, SessionStatus
    from tests.e2e.conftest import off_the_browser_thread

    base = asgi_live_server_url
    room_url = f"{base}/mediation/sessions/{live_session.public_id}/"
    case_mediation_url = f"{base}/cases/{live_session.case.public_id}/mediation/"
    secret = totp_secret(mediator)

    mia = new_page()
    alice = new_page(width=360)
    alice.add_init_script(SOCKET_RECORDER)
    problems = watch_for_script_errors(mia=mia, alice=alice)
    sign_in_with_code(mia, base, "mia@example.com", secret)
    sign_in(alice, base, "alice@example.com")

    mia.goto(room_url)
    expect(mia.locator("#room-indicator")).to_have_attribute("data-room", "joint", timeout=UI_MS)
    alice.goto(room_url)
    expect(alice.locator("#room-indicator")).to_have_attribute("data-room", "waiting", timeout=UI_MS)
    admit = mia.get_by_role("button", name="Admit alice@example.com")
    expect(admit).to_be_visible(timeout=UI_MS)
    first_peer = mia.locator("#waiting-list li", has_text="alice@example.com").get_attribute("data-peer")
    admit.click()
    wait_connected(mia, "joint", [ALICE])
    wait_connected(alice, "joint", [MIA])
    assert peer_of(mia, ALICE) == first_peer

    # The claimant's connection drops: her page says so and reconnects by itself, as a new peer, and the
    # server puts her straight back in the joint session (she was admitted once); the mediator's tile of
    # the old connection goes and one of the new connection comes, with nobody admitting her again.
    alice.evaluate("window.__sockets.at(-1).close()")
    expect(alice.locator("#mediation-connection")).to_have_text("The connection dropped. Reconnecting…")
    expect(mia.locator(f'video[data-peer="{first_peer}"]')).to_have_count(0, timeout=UI_MS)
    wait_connected(mia, "joint", [ALICE])
    wait_connected(alice, "joint", [MIA])
    assert peer_of(mia, ALICE) != first_peer
    expect(alice.locator("#mediation-connection")).to_have_attribute("data-state", "live")
    expect(alice.locator("#mediation-connection")).to_have_text("Connected to the video room.")
    expect(alice.get_by_text("Please wait: the mediator will admit you.")).to_be_hidden()
    expect(mia.get_by_role("button", name="Admit alice@example.com")).to_have_count(0)
    wait_media_flowing(mia, [ALICE])
    assert alice.evaluate("window.__sockets.length") == 2

    # Leaving closes everything and returns to the case; the mediator sees the claimant go.
    alice.get_by_role("button", name="Leave the session").click()
    alice.wait_for_url(case_mediation_url)
    expect(mia.locator(".video-tile:not(.video-tile-own)")).to_have_count(0, timeout=UI_MS)

    # The session ends: the server answers the mediator's next frame with "ended", and the page closes
    # the room for good instead of reconnecting.
    off_the_browser_thread(
        lambda: MediationSession.objects.filter(pk=live_session.pk).update(
            status=SessionStatus.ENDED, ended_at=timezone.now()
        )
    )
    # The page's own keep-alive ping may meet the ended session first and close the room before the
    # chat goes: force the actions, which do nothing to controls that are already disabled.
    mia.get_by_label("Message").fill("Thank you both.", force=True)
    mia.get_by_role("button", name="Send", exact=True).click(force=True)
    expect(mia.locator("#room-ended")).to_contain_text("The session has ended.")
    expect(mia.locator("#mediation-connection")).to_have_attribute("data-state", "offline")
    expect(mia.get_by_label("Message")).to_be_disabled()
    assert not problems, problems


def test_a_mediator_who_joins_after_a_party_sees_them_waiting(
    live_session, mediator, claimant, asgi_live_server_url, new_page
):
    base = asgi_live_server_url
    room_url = f"{base}/mediation/sessions/{live_session.public_id}/"
    secret = totp_secret(mediator)

    mia = new_page()
    alice = new_page()
    sign_in_with_code(mia, base, "mia@example.com", secret)
    sign_in(alice, base, "alice@example.com")
    alice.goto(room_url)
    expect(alice.locator("#room-indicator")).to_have_attribute("data-room", "waiting", timeout=UI_MS)
    mia.goto(room_url)
    expect(mia.locator("#room-indicator")).to_have_attribute("data-room", "joint", timeout=UI_MS)
    expect(mia.get_by_role("button", name="Admit alice@example.com")).to_be_visible(timeout=5_000)


def test_the_mediator_ends_the_session_and_records_a_settlement(
    live_session, mediator, claimant, asgi_live_server_url, new_page
):
    """From the mediation page, as the mediator would after the video session: end it, record "settled"
    with the sum and terms, and the case moves on to the settlement agreement the parties sign."""
    from cases.models import Case
    from documents.models import IssuedDocument, IssuedKind
    from tests.e2e.conftest import off_the_browser_thread

    base = asgi_live_server_url
    case = live_session.case
    secret = totp_secret(mediator)
    mia = new_page()
    sign_in_with_code(mia, base, mediator.email, secret)
    mia.goto(f"{base}/cases/{case.public_id}/mediation/")
    expect(mia.get_by_text("A video session is in progress.")).to_be_visible()
    mia.get_by_role("button", name="End the session").click()
    expect(mia.get_by_text("The session has ended.")).to_be_visible()
    # The form says what is wrong and keeps what was typed.
    mia.get_by_label("Settled", exact=True).check()
    mia.get_by_label("Agreed terms").fill("The respondent refunds the deposit in two instalments.")
    mia.get_by_role("button", name="Record the outcome").click()
    expect(mia.get_by_text("Enter the settlement sum in HK$.").first).to_be_visible()
    expect(mia.get_by_label("Agreed terms")).to_have_value("The respondent refunds the deposit in two instalments.")
    mia.get_by_label("Settlement sum (HK$)").fill("9000.00")
    mia.get_by_role("button", name="Record the outcome").click()
    expect(mia.get_by_role("heading", name=re.compile(r"^Case ODR-"))).to_be_visible()
    expect(mia.get_by_text("The outcome is recorded.")).to_be_visible()

    def record() -> tuple[str, str, bool]:
        fresh = Case.objects.get(pk=case.pk)
        drafted = IssuedDocument.objects.filter(case=fresh, kind=IssuedKind.SETTLEMENT_AGREEMENT).exists()
        return fresh.status, fresh.settlement.terms, drafted

    status, terms, _drafted = off_the_browser_thread(record)
    assert (status, terms) == ("settlement", "The respondent refunds the deposit in two instalments.")
