from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deals"
    verbose_name = _("Deal-making")

    def ready(self) -> None:
        # Deal-making plugs into the core as the tiers do (cases.hooks): the core never imports it.
        from cases.hooks import register_sweep_job
        from deals.services.obligations import obligation_reminders_send

        # The deadline sweep's share: reminders before an obligation's date, and once it has passed.
        register_sweep_job("deal_obligations", lambda now: obligation_reminders_send(now=now))
