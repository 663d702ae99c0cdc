from django.contrib import admin

from cases.admin import ReadOnlyAdmin, ReadOnlyInline
from payments.models import Charge, FeeSchedule, FeeWaiverRule, Payment, Refund, WebhookEvent

# Money records change only through the services (which audit each change); the admin shows them.


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["charge", "provider", "provider_reference", "status", "amount", "amount_received", "mismatch"]
    list_filter = ["status", "provider", "mismatch"]
    search_fields = ["provider_reference", "charge__case__reference", "charge__subject_reference"]


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = ["case", "subject_reference", "organisation", "kind", "amount_due", "status", "schedule"]
    list_filter = ["kind", "status"]
    search_fields = ["case__reference", "subject_reference"]


class WaiverRuleInline(ReadOnlyInline):
    model = FeeWaiverRule


@admin.register(FeeSchedule)
class FeeScheduleAdmin(ReadOnlyAdmin):
    # New schedules are made on the Fees page, which checks them; one already charged never changes.
    list_display = ["name", "effective_from", "registration_fee", "mediation_fee", "arbitration_fee"]
    inlines = [WaiverRuleInline]


for model in (FeeWaiverRule, Refund, WebhookEvent):
    admin.site.register(model, ReadOnlyAdmin)
