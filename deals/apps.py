from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deals"
    verbose_name = _("Deal-making")

    def ready(self) -> None:
        # Deal-making plugs into the apps below as the tiers do (cases.hooks, documents.hooks): they never import it.
        from cases.hooks import register_sweep_job
        from deals.presence import stale_presence_clear
        from deals.services.digests import deal_digests_send
        from deals.services.obligations import obligation_reminders_send
        from deals.verification import contract_by_reference, contract_by_sha256
        from documents.hooks import register_verifier

        # The deadline sweep's share: reminders before an obligation's date, and once it has passed; the batched
        # email of what awaits each side in the text's negotiation; the presence rows of deal room sockets whose
        # process died.
        register_sweep_job("deal_obligations", lambda now: obligation_reminders_send(now=now))
        register_sweep_job("deal_digests", lambda now: deal_digests_send(now=now))
        register_sweep_job("deal_presence_cleared", lambda now: stale_presence_clear(now=now))
        # /verify/ checks executed contracts too: the documents app asks here about what it does not hold.
        register_verifier(contract_by_sha256, contract_by_reference)
