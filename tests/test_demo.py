import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count

from cases.models import Case, CaseOutcome, CaseStatus
from payments.models import Charge, Payment, PaymentStatus


@pytest.mark.django_db(transaction=True)  # real commits: the seed relies on after-commit hooks, as in use
def test_demo_data_has_every_stage_and_outcome_and_is_idempotent(capsys, seal):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "claimant@demo.odr.hk" in out
    assert "odr-demo-2026" in out
    assert User.objects.filter(email__endswith="@demo.odr.hk").count() == 5
    statuses = set(Case.objects.values_list("status", flat=True))
    # "filed": claims waiting for the claimant's registration fee.
    assert statuses == set(CaseStatus.values)
    fees = dict(Charge.objects.filter(case__isnull=False).values_list("status").annotate(n=Count("pk")))
    assert fees == {"due": 2, "paid": 1}
    # The deals both businesses marked final: the small business owes its deal-making fee on the one awaiting
    # signatures and paid it on the one signed; the micro enterprise pays none.
    deal_fees = Charge.objects.filter(kind="deal").order_by("created_at")
    assert list(deal_fees.values_list("organisation__name", "amount_due", "status")) == [
        ("Harbour Events Limited", Decimal("500.00"), "due"),
        ("Harbour Events Limited", Decimal("500.00"), "paid"),
    ]
    assert Payment.objects.filter(status=PaymentStatus.PROCESSING).count() == 1  # for the administrator to confirm
    outcomes = set(Case.objects.exclude(outcome="").values_list("outcome", flat=True))
    assert outcomes == set(CaseOutcome.values)
    assert User.objects.get(email="claimant@demo.odr.hk").check_password("odr-demo-2026")


def test_demo_totp_prints_the_demo_accounts_current_code(capsys):
    call_command("demo_totp")
    assert re.fullmatch(r"\d{6}\n", capsys.readouterr().out)
