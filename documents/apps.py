from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from cases.hooks import on_settlement_agreed
        from documents.services import settlement_agreement_start

        # When the parties agree terms, the settlement agreement is drafted for them to sign.
        on_settlement_agreed(settlement_agreement_start)
