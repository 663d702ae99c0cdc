"""The ``room`` part of bench/deal_bench.py: edit-to-peer latency in live deal rooms, beside the negotiation
room and the bare Channels floor at the same rate, in one run.

N deals in negotiation and N cases in negotiation are made through the services (demo/builder.py), each
with its two businesses' people signed in; two Daphne processes serve the platform, and the two sockets of a
room sit on different processes (every delivery crosses Redis). An edit is a redline: ``proposal.make`` on
one of the contract's clauses with new wording (so each one stores a proposal, checks the text's version,
writes the audit entry and marks the other side awaiting); its latency runs from the send to the moment the
other business's socket gets the ``changed`` frame that names it. The negotiation room's unit is a message
(``message.send``, stored and delivered); the floor's a bare broadcast. The loads run at the same fixed total
rate, in rounds, floor, negotiation room and deal room back to back in each. Target: the deal room's p99
within 2x the negotiation room's.

Measured 2026-12-03 on the shared 2-core machine (quiet), PostgreSQL + Redis, 200 rooms of each x 2 sockets,
100 edits or messages/s for 20 s, 3 rounds, ms (0 lost, 0 error frames in every row):

| round | floor p50 / p99 | negotiation room p50 / p99 | deal room p50 / p99 | deal / negotiation p99 |
|---|---|---|---|---|
| 1 | 1.4 / 2.6 | 3.1 / 5.1 | 8.7 / 23.1 | x4.54 |
| 2 | 1.5 / 2.7 | 3.2 / 6.0 | 8.7 / 23.0 | x3.85 |
| 3 | 1.5 / 2.4 | 2.7 / 6.0 | 8.8 / 21.9 | x3.65 |

Median x3.85: the target (x2) is not met. Before the socket stopped asking the database on every delivery
(it decides access again on ``access`` events instead, and for a change in the same call that makes it), the
same run gave p50 11.4-12.2 ms, p99 53.5-55.4 ms (x8). What is left is the redline's own transaction through
the ORM (the deal's row lock, the text's version, the proposal, its audit entry, the other side's digest
mark: six statements, about 7 ms of the database thread's time each), where the negotiation room's message
has a one-statement fast path on PostgreSQL (odr/adb.py). Getting to x2 needs the same for redlines, or the
group commit of the scale work.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import statistics
import time
from collections import deque
from typing import Any

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/odr_bench_deals")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")  # a database of its own (CHANNEL_LAYER_PREFIX)

from bench.room_bench import Result, percentile, recreate_database, run_load, start_daphnes

CLAUSES = ("sale", "delivery", "payment", "quality", "title", "entire_agreement", "governing_law")


def _cookie(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def seed(rooms: int) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """``rooms`` deals and ``rooms`` cases in negotiation: (public id, [two session cookies]) of each."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cases.roles_setup import PARTY_GROUP
    from demo import builder

    call_command("migrate", verbosity=0)
    deals, cases = [], []
    for i in range(rooms):
        seller, buyer = (
            builder.person(
                username=f"deal{i}-{s}", email=f"deal{i}-{s}@bench.invalid", group=PARTY_GROUP, password=None
            )
            for s in "sb"
        )
        seller_org = builder.organisation(user=seller, name=f"Bench Seller {i} Limited")
        buyer_org = builder.organisation(user=buyer, name=f"Bench Buyer {i} Limited")
        deal = builder.deal_started(initiator=seller, initiator_org=seller_org, counterparty_email=buyer.email)
        builder.deal_in_negotiation(deal=deal, counterparty=buyer, counterparty_org=buyer_org)
        deals.append((str(deal.public_id), [_cookie(seller), _cookie(buyer)]))
        claim = builder.Claim(respondent_name=buyer_org.name, respondent_email=buyer.email)
        case = builder.case_filed(claimant=seller, claimant_org=seller_org, claim=claim)
        builder.case_in_negotiation(case=case, respondent=buyer, respondent_org=buyer_org)
        cases.append((str(case.public_id), [_cookie(seller), _cookie(buyer)]))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # statistics now, so autovacuum does not wake up mid-run
    return deals, cases


async def run_edits(name: str, urls: list[list[str]], cookies: list[list[str]], rate: int, seconds: int) -> Result:
    """Redlines at ``rate`` a second over every deal room; each timed to the other side's ``changed``."""
    import websockets

    result = Result(name=name)
    # Per receiving socket: the send times of the edits the other socket of its room made, oldest first.
    awaited: list[deque[int]] = []
    room_of: list[int] = []
    sockets: list[Any] = []

    async def read(index: int, ws: Any) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "changed" and frame.get("kind") == "proposal" and awaited[index]:
                    result.latencies_ms.append((time.monotonic_ns() - awaited[index].popleft()) / 1e6)
                elif frame.get("type") == "error":
                    result.errors += 1

    readers = []
    for room, (room_urls, room_cookies) in enumerate(zip(urls, cookies, strict=True)):
        for url, cookie in zip(room_urls, room_cookies, strict=True):
            origin = url.replace("ws://", "http://").split("/ws/")[0]
            ws = await websockets.connect(url, origin=origin, additional_headers={"Cookie": cookie}, max_queue=None)
            awaited.append(deque())
            room_of.append(room)
            sockets.append(ws)
            readers.append(asyncio.create_task(read(len(sockets) - 1, ws)))
    await asyncio.sleep(2)  # hellos and presence settle
    senders = itertools.cycle(range(len(sockets)))
    started = next_at = time.monotonic()
    sequence = 0
    while time.monotonic() - started < seconds:
        index = next(senders)
        peer = index + 1 if index % 2 == 0 else index - 1  # the other business's socket in the same room
        sequence += 1
        frame = {
            "type": "proposal.make",
            "target_kind": "clause",
            "target_key": CLAUSES[sequence % len(CLAUSES)],
            "base_version": 1,
            "action": "change",
            "text": {"en": f"Edit {sequence}: the parties agree otherwise."},
            "ref": sequence,
        }
        awaited[peer].append(time.monotonic_ns())
        await sockets[index].send(json.dumps(frame))
        result.sent += 1
        result.expected += 1
        next_at += 1 / rate
        await asyncio.sleep(max(0, next_at - time.monotonic()))
    result.seconds = time.monotonic() - started
    await asyncio.sleep(3)  # drain
    for task in readers:
        task.cancel()
    for ws in sockets:
        await ws.close()
    return result


def room_part(rooms: int, rate: int, seconds: int, processes: int, repeat: int) -> None:
    recreate_database()
    deals, cases = seed(rooms)
    daphnes, ports = start_daphnes(processes)

    def spread(paths: list[str]) -> list[list[str]]:
        # The two sockets of a room on different processes: every delivery crosses Redis.
        return [
            [f"ws://127.0.0.1:{ports[(i + j) % len(ports)]}{path}" for j in range(2)] for i, path in enumerate(paths)
        ]

    rounds = []
    try:
        for number in range(1, repeat + 1):
            bare = asyncio.run(
                run_load(
                    f"{number}: bare broadcast (floor)",
                    spread([f"/ws/bench/bare/{i}/" for i in range(rooms)]),
                    [c for _id, c in cases],
                    rate,
                    seconds,
                )
            )
            negotiation = asyncio.run(
                run_load(
                    f"{number}: negotiation room (messages)",
                    spread([f"/ws/cases/{public_id}/negotiation/" for public_id, _c in cases]),
                    [c for _id, c in cases],
                    rate,
                    seconds,
                )
            )
            deal = asyncio.run(
                run_edits(
                    f"{number}: deal room (redlines)",
                    spread([f"/ws/deals/{public_id}/" for public_id, _c in deals]),
                    [c for _id, c in deals],
                    rate,
                    seconds,
                )
            )
            rounds.append((bare, negotiation, deal))
    finally:
        for process in daphnes:
            process.kill()
    _report(rounds, rooms, rate, seconds, processes)


def _report(rounds: list[tuple[Result, Result, Result]], rooms: int, rate: int, seconds: int, processes: int) -> None:
    print(
        f"\n{rooms} deal rooms and {rooms} negotiation rooms x 2 sockets, {rate} edits or messages/s for {seconds} s, "
        f"{processes} Daphne processes, Redis channel layer, PostgreSQL\n"
    )
    print("| round: consumer | sent | delivered/s | p50 ms | p95 ms | p99 ms | max ms | lost | error frames |")
    print("|---|---|---|---|---|---|---|---|---|")
    for results in rounds:
        for result in results:
            print(result.row())
    ratios = []
    for number, (bare, negotiation, deal) in enumerate(rounds, start=1):
        ratio = percentile(deal.latencies_ms, 0.99) / percentile(negotiation.latencies_ms, 0.99)
        floor = percentile(deal.latencies_ms, 0.99) / percentile(bare.latencies_ms, 0.99)
        ratios.append(ratio)
        print(f"round {number}: deal room p99 / negotiation room p99 x{ratio:.2f} (target <= 2); / floor x{floor:.2f}")
    print(f"median of {len(rounds)} rounds: deal / negotiation p99 x{statistics.median(ratios):.2f}")
