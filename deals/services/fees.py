"""The deal-making fee: each business pays it once, when both have marked the text final (the contract is
then known and its price fixed, from the schedule in force at that moment), and signs once it is paid or
waived. A business that pays nothing (a size the schedule prices at zero) gets no charge and signs at once.

The fee is a payments charge on the deal's subject ("deal:<public id>"): payments takes the money, records
webhooks once and refunds duplicates; this module decides when the fee falls due and what it holds.
"""

from __future__ import annotations

from cases.notifications import queue_email
from deals.audit import deal_subject
from deals.models import Deal, DealStatus
from payments.models import Charge, ChargeStatus, FeeKind
from payments.services.fees import Owes, charges_for_subject

# The step a deal's fee gates, as its charges record it.
SIGN_DEAL = "sign_deal"


def deal_fees_due(*, deal: Deal) -> list[Charge]:
    """Each business's live deal-making fee on ``deal``, made now if missing, from the schedule in force
    when the text was locked (so asking again later makes the same fee); the businesses whose fee is made
    now, and due, are emailed. Nothing is due before the text is locked.

    Call it in the transaction that holds the deal's row lock (locking the text, signing): with the
    database's unique constraint, a business's fee is made once however often it is asked for."""
    if deal.locked_at is None or deal.status not in (DealStatus.SIGNING, DealStatus.EXECUTED):
        return []
    parties = list(deal.parties.select_related("organisation", "user").order_by("side"))
    charges, made = charges_for_subject(
        subject=deal_subject(deal),
        reference=deal.reference or str(deal.public_id),
        kind=FeeKind.DEAL,
        step=SIGN_DEAL,
        owers=[Owes(organisation=party.organisation, payer=party.user) for party in parties],
        at=deal.locked_at,
    )
    for charge in made:
        if charge.status == ChargeStatus.DUE:
            queue_email(to=charge.payer.email, template="deal_fee_due", context={"deal": deal, "charge": charge})
    return charges
