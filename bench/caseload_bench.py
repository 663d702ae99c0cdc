"""Case administration at scale: the caseload dashboard, filtered case-list pages and the CSV export with
N seeded cases on PostgreSQL.

    python bench/caseload_bench.py [--cases 100000] [--requests 30] [--skip-seed]

Recreates the database ``odr_bench`` (unless --skip-seed), migrates, seeds N realistic cases with
``manage.py seed_caseload``, then serves each page ``--requests`` times through Django's request handler
(in process, as a signed-in administrator) and prints p50/p95 response time and the number of queries;
then streams the CSV export of every case and reports its time, its size and the most memory Python
held while streaming it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/odr_bench")
os.environ["DJANGO_SETTINGS_MODULE"] = "odr.settings"
os.environ.setdefault("DEBUG", "0")

from bench.room_bench import recreate_database  # noqa: E402

PAGES = {
    "dashboard": "/staff/caseload/",
    "case list, page 1": "/staff/cases/",
    "open and overdue, by deadline": "/staff/cases/?status=open&overdue=on&sort=deadline",
    "services, HK$10k-100k, filed in 2026": (
        "/staff/cases/?category=services&amount_min=10000&amount_max=100000&filed_from=2026-01-01&sort=-amount"
    ),
    "search a business name": "/staff/cases/?q=Harbour+Events",
    "page 200 of all cases": "/staff/cases/?page=200",
    "audit trail, one action": "/staff/audit/?action=case.respond",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args()
    if not args.skip_seed:
        recreate_database()
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import generate_totp_secret
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases.roles_setup import ADMINISTRATOR_GROUP
    from demo import builder
    from payments.services.fees import fee_schedule_create

    if not args.skip_seed:
        call_command("migrate", verbosity=0)
        admin = builder.person(
            username="bench-admin",
            email="bench-admin@example.com",
            group=ADMINISTRATOR_GROUP,
            password=None,  # signed in by force_login below
            totp_secret=generate_totp_secret(),
        )
        fee_schedule_create(
            actor=admin,
            name="Bench",
            effective_from=timezone.now(),
            registration_fee=Decimal("200.00"),
            mediation_fee=Decimal("0.00"),
            arbitration_fee=Decimal("0.00"),
        )
        started = time.perf_counter()
        call_command("seed_caseload", str(args.cases))
        print(f"seeded {args.cases} cases in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    admin = User.objects.get(username="bench-admin")
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")

    print(f"\n{args.cases} cases, PostgreSQL, {args.requests} requests per page (after one warm-up)\n")
    print("| page | p50 ms | p95 ms | queries |")
    print("|---|---|---|---|")
    for name, url in PAGES.items():
        client.get(url)
        timings = []
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"| {name} | {statistics.median(timings):.0f} | {p95:.0f} | {len(queries)} |")

    tracemalloc.start()
    started = time.perf_counter()
    response = client.get("/staff/cases/?export=csv")
    size = rows = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\nCSV export of every case: {rows - 1} rows, {size / 1e6:.1f} MB in {elapsed:.1f} s; "
        f"peak Python memory while streaming {peak / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
