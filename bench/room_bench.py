"""Negotiation-room throughput and latency against the bare Channels floor, in one run.

    python bench/room_bench.py [--rooms 250] [--clients 2] [--rate 200] [--seconds 20] [--processes 2] [--repeat 3]

Needs PostgreSQL and Redis (defaults: this machine's, database ``odr_bench``, recreated each run).
Starts N Daphne processes serving the platform plus a bare broadcast route, opens rooms x clients
sockets (the parties of a room on different processes, so every delivery crosses Redis), sends
messages at a fixed total rate, and reports delivered messages/s, p50/p99 send-to-receive latency and
messages lost, for the bare consumer, our room (which stores each message, checks access on every frame
in and out, and broadcasts after the commit) and a consumer that only stores, then broadcasts; in rounds,
with the room/floor ratio of each round and their median.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/odr_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")  # a database of its own: see CHANNEL_LAYER_PREFIX
os.environ["DJANGO_SETTINGS_MODULE"] = "odr.settings"


def recreate_database() -> None:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    admin_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(rooms: int, clients: int) -> list[tuple[str, list[str], int]]:
    """Rooms in negotiation, each with its parties signed in; returns (case public id, [session cookies], case pk).

    Each room's case is filed and answered through the services (demo/builder.py), each party with a
    business of its own: about 0.3 s a room on this shared 2-core machine (100 rooms: 32 s, against 0.06 s
    for the bulk inserts of bare rows it replaced), so the default 250 rooms add about a minute and a half."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from cases.roles_setup import PARTY_GROUP
    from demo import builder

    call_command("migrate", verbosity=0)
    if clients != 2:
        raise SystemExit("a room has two parties: use --clients 2 (a third socket would be an administrator)")
    result = []
    for i in range(rooms):
        # Bench people never sign in with a password: their sessions are made below.
        claimant, respondent = (
            builder.person(
                username=f"bench{i}-{side}", email=f"bench{i}-{side}@bench.invalid", group=PARTY_GROUP, password=None
            )
            for side in "cr"
        )
        claim = builder.Claim(respondent_name=f"Bench Respondent {i} Limited", respondent_email=respondent.email)
        case = builder.case_filed(
            claimant=claimant,
            claimant_org=builder.organisation(user=claimant, name=f"Bench Claimant {i} Limited"),
            claim=claim,
        )
        case = builder.case_in_negotiation(
            case=case,
            respondent=respondent,
            respondent_org=builder.organisation(user=respondent, name=f"Bench Respondent {i} Limited"),
        )
        cookies = []
        for user in (claimant, respondent):
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
        result.append((str(case.public_id), cookies, case.pk))
    # Statistics for the fresh tables now, so autovacuum does not wake up in the middle of a run.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_daphnes(count: int) -> tuple[list[subprocess.Popen[bytes]], list[int]]:
    ports = [free_port() for _ in range(count)]
    # As deployed: no DEBUG (which would also log every query).
    env = {**os.environ, "LOG_LEVEL": "WARNING", "DEBUG": "0"}
    (ROOT / "var").mkdir(exist_ok=True)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "bench.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(ROOT / "var" / f"bench-daphne-{number}.log").open("wb"),
        )
        for number, port in enumerate(ports)
    ]
    for port in ports:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    return processes, ports


@dataclass
class Result:
    name: str
    sent: int = 0
    expected: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def row(self) -> str:
        delivered = len(self.latencies_ms)
        lat = sorted(self.latencies_ms) or [float("nan")]
        p50 = statistics.median(lat)
        p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        return (
            f"| {self.name} | {self.sent} | {delivered / self.seconds:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} | "
            f"{lat[-1]:.0f} | {self.expected - delivered} | {self.errors} |"
        )


async def run_load(name: str, urls: list[list[str]], cookies: list[list[str]], rate: int, seconds: int) -> Result:
    import websockets

    result = Result(name=name)
    sent_at: dict[str, tuple[int, int]] = {}  # token -> (send time ns, sender socket index)
    sockets = []

    async def reader(index: int, ws) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):  # the run closes every socket at the end
            await read(index, ws)

    async def read(index: int, ws) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "message":
                token = frame["message"]["body"]
                sent = sent_at.get(token)
                if sent is not None and sent[1] != index:
                    result.latencies_ms.append((time.monotonic_ns() - sent[0]) / 1e6)
            elif frame.get("type") == "error":
                result.errors += 1

    readers = []
    for room_urls, room_cookies in zip(urls, cookies, strict=True):
        for url, cookie in zip(room_urls, room_cookies, strict=True):
            origin = url.replace("ws://", "http://").split("/ws/")[0]
            ws = await websockets.connect(url, origin=origin, additional_headers={"Cookie": cookie}, max_queue=None)
            index = len(sockets)
            sockets.append(ws)
            readers.append(asyncio.create_task(reader(index, ws)))
    await asyncio.sleep(2)  # let hello frames and presence settle
    senders = itertools.cycle(range(len(sockets)))
    interval = 1 / rate
    started = time.monotonic()
    next_at = started
    sequence = 0
    while time.monotonic() - started < seconds:
        index = next(senders)
        token = f"m{sequence}"
        sequence += 1
        sent_at[token] = (time.monotonic_ns(), index)
        await sockets[index].send(json.dumps({"type": "message.send", "body": token}))
        result.sent += 1
        result.expected += 1  # one other party per room
        next_at += interval
        await asyncio.sleep(max(0, next_at - time.monotonic()))
    result.seconds = time.monotonic() - started
    await asyncio.sleep(3)  # drain
    for task in readers:
        task.cancel()
    for ws in sockets:
        await ws.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=250)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--rate", type=int, default=200, help="messages per second, all rooms together")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the three loads (this machine is noisy)")
    args = parser.parse_args()

    recreate_database()
    rooms = seed(args.rooms, args.clients)
    from django.conf import settings

    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[1]
    processes, ports = start_daphnes(args.processes)
    try:

        def urls(kind: str) -> list[list[str]]:
            out = []
            for i, (public_id, _cookies, case_pk) in enumerate(rooms):
                path = {
                    "bare": f"/ws/bench/bare/{i}/",
                    "stored": f"/ws/bench/stored/{case_pk}/",
                    "room": f"/ws/cases/{public_id}/negotiation/",
                }[kind]
                # The two parties of a room sit on different processes: every delivery crosses Redis.
                out.append([f"ws://127.0.0.1:{ports[(i + j) % len(ports)]}{path}" for j in range(args.clients)])
            return out

        cookies = [c for _id, c, _pk in rooms]
        rounds = []
        for number in range(1, args.repeat + 1):
            # The floor and the room back to back in each round, so a slow spell of the shared machine
            # shows in both; the room runs before the storing floor, so neither meets a table the other
            # just grew.
            bare = asyncio.run(
                run_load(f"{number}: bare broadcast (floor)", urls("bare"), cookies, args.rate, args.seconds)
            )
            ours = asyncio.run(
                run_load(f"{number}: ODR negotiation room", urls("room"), cookies, args.rate, args.seconds)
            )
            stored = asyncio.run(
                run_load(f"{number}: store, then broadcast", urls("stored"), cookies, args.rate, args.seconds)
            )
            rounds.append((bare, stored, ours))
    finally:
        for process in processes:
            process.kill()
    print(
        f"\n{args.rooms} rooms x {args.clients} clients = {args.rooms * args.clients} sockets, "
        f"{args.rate} msg/s for {args.seconds} s, {args.processes} Daphne processes, {layer}, PostgreSQL\n"
    )
    print("| round: consumer | sent | delivered msg/s | p50 ms | p95 ms | p99 ms | max ms | lost | error frames |")
    print("|---|---|---|---|---|---|---|---|---|")
    for results in rounds:
        for result in results:
            print(result.row())
    print()
    ratios50, ratios99 = [], []
    for number, (bare, _stored, ours) in enumerate(rounds, start=1):
        ratio50 = statistics.median(ours.latencies_ms) / statistics.median(bare.latencies_ms)
        ratio99 = percentile(ours.latencies_ms, 0.99) / percentile(bare.latencies_ms, 0.99)
        ratios50.append(ratio50)
        ratios99.append(ratio99)
        print(f"round {number}: room / floor latency p50 x{ratio50:.2f}, p99 x{ratio99:.2f}")
    median50, median99 = statistics.median(ratios50), statistics.median(ratios99)
    print(f"median of {len(rounds)} rounds: p50 x{median50:.2f}, p99 x{median99:.2f}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


if __name__ == "__main__":
    main()
