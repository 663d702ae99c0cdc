"""How much each page weighs on a phone's connection: the HTML plus the stylesheets and scripts it loads,
as sent (gzip, as WhiteNoise serves static files compressed) and raw, for the demo's pages in both
languages, as each demo user sees them.

    python bench/page_weight.py

Uses a throw-away SQLite database seeded with the demo data.
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = Path(tempfile.mkdtemp()) / "weight.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ["DJANGO_SETTINGS_MODULE"] = "odr.settings"
os.environ.pop("REDIS_URL", None)
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.test import Client

    from cases.models import Case

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    users = {name: get_user_model().objects.get(email=f"{name}@demo.odr.hk") for name in ("claimant", "admin")}
    cases = list(Case.objects.exclude(reference=None).order_by("pk"))
    pages = [
        ("anonymous", "/"),
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/verify/"),
        ("anonymous", "/statistics/"),
    ]
    pages += [("claimant", "/cases/"), ("claimant", "/cases/file/")]
    pages += [("claimant", f"/cases/{case.public_id}/") for case in cases]
    pages += [("claimant", f"/cases/{case.public_id}/negotiation/") for case in cases if case.status == "negotiation"]
    pages += [("admin", "/staff/caseload/"), ("admin", "/staff/cases/"), ("admin", "/staff/audit/")]
    rows = []
    for language in ("en", "zh-hant"):
        for who, url in pages:
            client = Client()
            client.cookies["django_language"] = language
            if who != "anonymous":
                client.force_login(users[who], backend="django.contrib.auth.backends.ModelBackend")
            response = client.get(url)
            if response.status_code != 200:
                continue
            html = response.content
            assets = sorted(set(ASSET.findall(html.decode())))
            asset_bytes = [
                Path(found).read_bytes() for a in assets if (found := finders.find(a.removeprefix("/static/")))
            ]
            raw = len(html) + sum(len(b) for b in asset_bytes)
            sent = len(gzip.compress(html)) + sum(len(gzip.compress(b)) for b in asset_bytes)
            rows.append((sent, raw, language, who, url))
    rows.sort(reverse=True)
    print("| page | language | as | sent (gzip) kB | raw kB |")
    print("|---|---|---|---|---|")
    for sent, raw, language, who, url in rows[:8]:
        print(f"| {url} | {language} | {who} | {sent / 1024:.1f} | {raw / 1024:.1f} |")
    print(f"\n{len(rows)} pages; the heaviest sends {rows[0][0] / 1024:.1f} kB ({rows[0][4]}, {rows[0][2]})")


if __name__ == "__main__":
    main()
