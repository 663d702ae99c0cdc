from django.tasks import task

from payments.receipts import issue_receipt


@task()
def issue_receipt_task(*, payment_id: int, refund_id: int | None = None) -> str:
    return issue_receipt(payment_id=payment_id, refund_id=refund_id).verification_reference


@task()
def cancel_open_payments_task(*, charge_id: int) -> None:
    from payments.models import Charge
    from payments.services.payments import payments_cancel_open

    payments_cancel_open(charge=Charge.objects.get(pk=charge_id))
