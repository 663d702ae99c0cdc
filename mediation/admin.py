from django.contrib import admin

from cases.admin import ReadOnlyAdmin
from mediation.models import (
    MediationOutcome,
    MediationSession,
    MediationState,
    MediatorAppointment,
    MediatorNote,
    MediatorProfile,
    MediatorRanking,
    Participant,
    RoomMessage,
    SessionReminder,
    SessionSlot,
    SlotAvailability,
)


@admin.register(MediatorProfile)
class MediatorProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "accreditation", "active"]
    list_filter = ["active"]
    search_fields = ["display_name", "user__email"]
    raw_id_fields = ["user"]
    filter_horizontal = ["linked_organisations"]


@admin.register(MediatorNote)
class MediatorNoteAdmin(ReadOnlyAdmin):
    list_display = ["case", "created_at"]
    # The mediator's private notes are theirs alone, staff included.
    exclude = ["body"]


@admin.register(RoomMessage)
class RoomMessageAdmin(ReadOnlyAdmin):
    list_display = ["session", "created_at"]
    # Caucus messages are confidential to the mediator and that party.
    exclude = ["body"]


for model in (
    MediationOutcome,
    MediationSession,
    MediationState,
    MediatorAppointment,
    MediatorRanking,
    Participant,
    SessionReminder,
    SessionSlot,
    SlotAvailability,
):
    admin.site.register(model, ReadOnlyAdmin)
