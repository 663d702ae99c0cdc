from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from arbitration.models import (
    ArbitrationState,
    ArbitratorAppointment,
    ArbitratorProfile,
    ArbitratorRanking,
    Award,
    AwardStatus,
    MediatorAsArbitratorConsent,
    Question,
    StepReminder,
    Submission,
    TimetableStep,
)
from cases.admin import ReadOnlyAdmin


@admin.register(ArbitratorProfile)
class ArbitratorProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "accreditation", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "user__email"]
    raw_id_fields = ["user"]
    filter_horizontal = ["linked_organisations"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["case", "number", "status", "net_amount", "net_payer_role", "issued_at"]
    list_filter = ["status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Award]:
        # An award is the arbitrator's alone until it is issued, staff included.
        return super().get_queryset(request).filter(status=AwardStatus.ISSUED)


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["case", "party_role", "status", "filed_at"]
    # A draft is its author's alone, staff included: only filed statements are shown.
    exclude = ["statement"]


# The rest is the record of what happened: shown, never changed here.
for model in (
    ArbitrationState,
    ArbitratorAppointment,
    ArbitratorRanking,
    MediatorAsArbitratorConsent,
    Question,
    StepReminder,
    TimetableStep,
):
    admin.site.register(model, ReadOnlyAdmin)
