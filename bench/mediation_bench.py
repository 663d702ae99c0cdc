"""Video-room signaling: how many concurrent 3-person rooms one Daphne process relays before the p99
relay latency passes 50 ms; and, in a real browser, the time from admission to the first remote track.

    python bench/mediation_bench.py [--steps 25,50,100,200,400] [--rate 2] [--seconds 15] [--browser-runs 5]

Needs PostgreSQL and Redis (defaults: this machine's, database ``odr_bench``, recreated each run).

Signaling part: each room has a mediator and two parties on live sessions. Every client sends ICE
candidate frames to the next member of its room at ``--rate`` frames per second (a busy renegotiation
rate; a settled call sends almost nothing), all through one Daphne process, and the relay latency
(send to receive) is measured. The number of rooms rises until p99 passes 50 ms.

Browser part: three Chromium contexts on fake media devices join one session; the mediator admits
both parties; the party's page reports the time from its admission (its room line leaving "waiting") to
its first remote picture.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/odr_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")  # a database of its own: see CHANNEL_LAYER_PREFIX
os.environ["DJANGO_SETTINGS_MODULE"] = "odr.settings"

from bench.room_bench import recreate_database, start_daphnes  # noqa: E402

CANDIDATE = {"candidate": {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "sdpMid": "0"}}


def seed(rooms: int) -> list[tuple[str, list[str]]]:
    """Rooms in mediation with a live session; returns (session public id, [mediator, claimant, respondent cookies]).

    The rows are written directly, not through the case builder (demo/builder.py): there a live session
    needs the agreement to mediate rendered and signed by both parties, with their passwords checked. Timed on
    this shared 2-core machine, 100 rooms took 7.7 s here and 336 s through the builder (3.4 s a room); the
    default steps seed 780 rooms, which would be some 45 minutes instead of about one."""
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from cases.models import Case, CaseAssignment, CaseParty, CaseStatus, Organisation
    from cases.roles_setup import MEDIATOR_GROUP
    from mediation.models import MediationSession, MediatorProfile, SessionStatus

    call_command("migrate", verbosity=0)
    users = User.objects.bulk_create(
        [User(username=f"med{i}-{who}", email=f"med{i}-{who}@bench.invalid") for i in range(rooms) for who in "mcr"]
    )
    mediators = Group.objects.get(name=MEDIATOR_GROUP)
    org = Organisation.objects.create(
        name="Bench Ltd", br_number="12345678", size_band="micro", address="HK", contact_email="b@bench.invalid"
    )
    now = timezone.now()
    result = []
    for i in range(rooms):
        mediator, claimant, respondent = users[3 * i : 3 * i + 3]
        mediator.groups.add(mediators)
        TOTP.activate(mediator, generate_totp_secret())
        profile = MediatorProfile.objects.create(
            user=mediator, display_name=f"Mediator {i}", accreditation="x", bio="x", languages=["en"]
        )
        case = Case.objects.create(
            created_by=claimant,
            reference=f"ODR-2026-8{i:05d}",
            status=CaseStatus.MEDIATION,
            deadline_at=now + timedelta(days=7),
            amount_claimed=Decimal("100000.00"),
            respondent_name="Bench",
            respondent_email="r@bench.invalid",
            category="services",
        )
        CaseParty.objects.create(case=case, role="claimant", organisation=org, user=claimant)
        CaseParty.objects.create(case=case, role="respondent", organisation=org, user=respondent)
        CaseAssignment.objects.create(case=case, user=mediator, role="mediator", active=True)
        session = MediationSession.objects.create(
            case=case, mediator=profile, status=SessionStatus.LIVE, starts_at=now, started_at=now
        )
        cookies = []
        for user in (mediator, claimant, respondent):
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
        result.append((str(session.public_id), cookies))
    return result


async def open_room(base: str, session_id: str, cookies: list[str]) -> list[tuple[object, str]]:
    """Mediator, claimant and respondent connected, both parties admitted; [(socket, peer id)]."""
    import websockets

    url = f"{base}/ws/mediation/{session_id}/"
    origin = base.replace("ws://", "http://")
    members = []
    for cookie in cookies:
        ws = await websockets.connect(url, origin=origin, additional_headers={"Cookie": cookie}, max_queue=None)
        hello = json.loads(await ws.recv())
        members.append((ws, hello["peer"]))
    mediator = members[0][0]
    for _ws, peer in members[1:]:
        await mediator.send(json.dumps({"type": "admit", "peer": peer}))
    await asyncio.sleep(0.5)
    return members


async def signaling_step(
    base: str, rooms: list[tuple[str, list[str]]], rate: float, seconds: int
) -> tuple[int, list[float], int]:
    sent_at: dict[str, int] = {}
    latencies: list[float] = []
    errors = 0

    async def read(ws) -> None:
        nonlocal errors
        with contextlib.suppress(Exception):
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "signal":
                    token = frame["data"]["candidate"].get("usernameFragment")
                    started = sent_at.pop(token, None) if token else None
                    if started is not None:
                        latencies.append((time.monotonic_ns() - started) / 1e6)
                elif frame["type"] == "error":
                    errors += 1

    opened = [await open_room(base, session_id, cookies) for session_id, cookies in rooms]
    readers = [asyncio.create_task(read(ws)) for room in opened for ws, _peer in room]
    await asyncio.sleep(1)
    clients = [(room[i][0], room[(i + 1) % 3][1]) for room in opened for i in range(3)]
    interval = 1 / (rate * len(clients))
    started = time.monotonic()
    next_at = started
    sequence = 0
    while time.monotonic() - started < seconds:
        ws, target = clients[sequence % len(clients)]
        token = f"t{sequence}"
        sequence += 1
        sent_at[token] = time.monotonic_ns()
        candidate = {"candidate": {**CANDIDATE["candidate"], "usernameFragment": token}}
        await ws.send(json.dumps({"type": "signal", "to": target, "data": candidate}))
        next_at += interval
        await asyncio.sleep(max(0, next_at - time.monotonic()))
    await asyncio.sleep(2)
    for task in readers:
        task.cancel()
    for room in opened:
        for ws, _peer in room:
            await ws.close()
    return sequence, latencies, errors


def browser_first_track(base: str, rooms: list[tuple[str, list[str]]], runs: int) -> list[float]:
    """Admission to first remote track on the party's page, in ms, one live session per run."""
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
    ]
    http = base.replace("ws://", "http://")
    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=args
        )
        for session_id, cookies in rooms[:runs]:
            pages = []
            for cookie in cookies:
                context = browser.new_context()
                name, value = cookie.split("=", 1)
                context.add_cookies([{"name": name, "value": value, "url": http}])
                page = context.new_page()
                pages.append(page)
            mediator, claimant, _respondent = pages
            # Watched as a person would: the room the page says it is in, and the first picture to arrive.
            mediator.goto(f"{http}/mediation/sessions/{session_id}/")
            mediator.wait_for_function("() => document.getElementById('room-indicator').dataset.room === 'joint'")
            claimant.goto(f"{http}/mediation/sessions/{session_id}/")
            claimant.wait_for_function("() => document.getElementById('room-indicator').dataset.room === 'waiting'")
            claimant.evaluate(
                """() => { window.__benchAdmitted = null; window.__benchTrack = null;
                   const indicator = document.getElementById('room-indicator');
                   const check = () => {
                     if (indicator.dataset.room !== 'waiting' && window.__benchAdmitted === null) {
                       window.__benchAdmitted = performance.now();
                     }
                     const v = [...document.querySelectorAll('video[data-peer]')].find(e => e.readyState >= 2);
                     if (v && window.__benchTrack === null) window.__benchTrack = performance.now();
                     if (window.__benchTrack === null) requestAnimationFrame(check);
                   };
                   requestAnimationFrame(check); }"""
            )
            # The mediator admits the claimant with the page's own button, as a person would.
            mediator.locator("#waiting-list li button").first.click()
            claimant.wait_for_function("() => window.__benchTrack !== null", timeout=30_000)
            timings.append(claimant.evaluate("() => window.__benchTrack - window.__benchAdmitted"))
            for page in pages:
                page.context.close()
        browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="25,50,100,200,400")
    parser.add_argument("--rate", type=float, default=2.0, help="signal frames per second per client")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--browser-runs", type=int, default=5)
    args = parser.parse_args()
    steps = [int(s) for s in args.steps.split(",")]

    recreate_database()
    rooms = seed(sum(steps) + args.browser_runs)  # each step opens rooms of its own
    processes, ports = start_daphnes(1)
    base = f"ws://127.0.0.1:{ports[0]}"
    try:
        print("\n| rooms (x3 sockets) | frames/s | relayed | p50 ms | p95 ms | p99 ms | error frames |")
        print("|---|---|---|---|---|---|---|")
        used = 0
        for step in steps:
            batch = rooms[used : used + step]
            used += step
            sent, latencies, errors = asyncio.run(signaling_step(base, batch, args.rate, args.seconds))
            ordered = sorted(latencies) or [float("nan")]
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            print(
                f"| {step} | {step * 3 * args.rate:.0f} | {len(latencies)}/{sent} | {statistics.median(ordered):.1f} "
                f"| {p95:.1f} | {p99:.1f} | {errors} |",
                flush=True,
            )
            if p99 > 50:
                print(f"\np99 passed 50 ms at {step} rooms.")
                break
        if args.browser_runs:
            timings = browser_first_track(base, rooms[used : used + args.browser_runs], args.browser_runs)
            print(
                f"\nadmission to first remote track (browser, fake devices, localhost): median "
                f"{statistics.median(timings):.0f} ms over {len(timings)} runs "
                f"(min {min(timings):.0f}, max {max(timings):.0f})"
            )
    finally:
        for process in processes:
            process.kill()


if __name__ == "__main__":
    main()
