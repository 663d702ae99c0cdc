from django.contrib import admin

from cases.admin import ReadOnlyAdmin
from negotiation.models import BlindBid, Message, NegotiationState, Offer, ReadMarker, RoomPresence


@admin.register(BlindBid)
class BlindBidAdmin(ReadOnlyAdmin):
    # The confidential figures stay out of every page, the admin's included.
    exclude = ["claimant_figure", "respondent_figure"]
    list_display = ["case", "number", "outcome", "settled_amount", "created_at", "closed_at"]


for model in (Message, Offer, NegotiationState, RoomPresence, ReadMarker):
    admin.site.register(model, ReadOnlyAdmin)
