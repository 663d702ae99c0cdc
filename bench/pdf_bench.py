"""Settlement agreement PDFs: render (WeasyPrint, PDF/A-3b) and seal (pyHanko PAdES) times by length.

    python bench/pdf_bench.py [--runs 10]

Uses the embedded SQLite database in a temporary folder and the project's own services. Prints the median
of N runs after a warm-up for agreements of about 1, 5 and 20 pages, and the cost per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="odr-pdf-bench-"))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "odr.settings",
        "SQLITE_PATH": str(WORK / "bench.sqlite3"),
        "PRIVATE_MEDIA_ROOT": str(WORK / "private"),
        "ODR_SEAL_KEY_PATH": str(WORK / "key.pem"),
        "ODR_SEAL_CERT_PATH": str(WORK / "cert.pem"),
        "DEBUG": "0",
    }
)
os.environ.pop("DATABASE_URL", None)

PARAGRAPH = (
    "The respondent shall pay the settlement sum by bank transfer to the claimant's account within fourteen "
    "days. 答辯人須於十四日內以銀行轉賬方式向申索人支付和解金額。 Neither party admits liability. "
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("create_dev_seal_key")
    from cases.roles_setup import PARTY_GROUP
    from demo import builder
    from documents.models import IssuedDocument
    from documents.rendering import renderer
    from documents.sealing import seal_pdf
    from documents.services import _context

    # A case in settlement (terms agreed in negotiation), through the services, between two businesses.
    claimant, respondent = (
        builder.person(username=side, email=f"{side}@bench.invalid", group=PARTY_GROUP, password=None)
        for side in ("claimant", "respondent")
    )
    claim = builder.Claim(amount_claimed=Decimal("88000"), respondent_email=respondent.email, facts="Event cancelled.")
    case = builder.case_filed(
        claimant=claimant, claimant_org=builder.organisation(user=claimant, name="Bench Trading Ltd"), claim=claim
    )
    case = builder.case_in_negotiation(
        case=case, respondent=respondent, respondent_org=builder.organisation(user=respondent, name="Bench Venues Ltd")
    )
    case = builder.case_in_settlement(case=case, amount=Decimal("12345.67"), terms="Refund of the deposit.")

    print(f"median of {args.runs} runs after a warm-up\n")
    print("| paragraphs of terms | pages | render ms | seal ms | total ms |")
    print("|---|---|---|---|---|")
    rows = []
    for paragraphs in (1, 38, 170):
        document = IssuedDocument(
            case=case,
            kind="settlement_agreement",
            version=paragraphs,
            amount=Decimal("12345.67"),
            terms=(PARAGRAPH + "\n\n") * paragraphs,
        )
        context = _context(document)

        def render(context: dict = context) -> bytes:
            return renderer.render(
                template="documents/pdf/settlement_agreement.html", context=context, filename="x.pdf", language="en"
            ).content

        pdf = render()
        seal_pdf(pdf, reason="warm-up")
        render_times, seal_times = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            pdf = render()
            middle = time.perf_counter()
            seal_pdf(pdf, reason="bench")
            end = time.perf_counter()
            render_times.append((middle - start) * 1000)
            seal_times.append((end - middle) * 1000)
        import io

        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        r, s = statistics.median(render_times), statistics.median(seal_times)
        rows.append((pages, r + s))
        print(f"| {paragraphs} | {pages} | {r:.0f} | {s:.0f} | {r + s:.0f} |")
    (p1, t1), (p2, t2) = rows[0], rows[-1]
    print(f"\nper page: {(t2 - t1) / (p2 - p1):.0f} ms; fixed: {t1 - (t2 - t1) / (p2 - p1) * p1:.0f} ms")


if __name__ == "__main__":
    main()
