from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NegotiationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "negotiation"
    verbose_name = _("Negotiation")

    def ready(self) -> None:
        # The room plugs into the core as the other tiers do (cases.hooks): the core never imports it.
        from cases.hooks import register_personal_data, register_sweep_job, register_timeline_texts
        from negotiation.personal_data import PERSONAL_DATA_SOURCES
        from negotiation.services.messages import message_digests_send
        from negotiation.services.offers import expire_offers
        from negotiation.services.presence import stale_presence_clear
        from negotiation.timeline import TIMELINE_TEXTS

        register_timeline_texts(TIMELINE_TEXTS)
        for source in PERSONAL_DATA_SOURCES:
            register_personal_data(source)
        # The deadline sweep's share of the room: offers past their expiry, the digest of unread messages, and
        # the presence rows of sockets whose process died.
        register_sweep_job("offers_expired", lambda now: expire_offers(now=now))
        register_sweep_job("digests", lambda now: message_digests_send(now=now))
        register_sweep_job("presence_cleared", lambda now: stale_presence_clear(now=now))
