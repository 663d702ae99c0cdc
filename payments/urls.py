from django.urls import path

from payments.views import pay, staff, webhooks

app_name = "payments"

urlpatterns = [
    path("cases/<uuid:case_id>/fees/<uuid:charge_id>/pay/", pay.pay, name="pay"),
    path("cases/<uuid:case_id>/fees/<uuid:charge_id>/pay/card/", pay.pay_card, name="pay_card"),
    path("cases/<uuid:case_id>/fees/<uuid:charge_id>/pay/manual/", pay.pay_manual, name="pay_manual"),
    path("cases/<uuid:case_id>/fees/<uuid:charge_id>/waive/", staff.charge_waive_view, name="charge_waive"),
    path("cases/<uuid:case_id>/payments/<uuid:payment_id>/", pay.payment_detail, name="payment"),
    path("cases/<uuid:case_id>/receipts/<int:document_id>/", pay.receipt_pdf, name="receipt"),
    path("staff/payments/", staff.reconciliation, name="reconciliation"),
    path("staff/payments/<uuid:payment_id>/", staff.staff_payment, name="staff_payment"),
    path("staff/payments/<uuid:payment_id>/<slug:action>/", staff.staff_payment_action, name="staff_payment_action"),
    path("staff/fees/", staff.fee_schedules, name="fee_schedules"),
    path("payments/stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
