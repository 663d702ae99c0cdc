from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from cases.hooks import on_case_page, on_parties_consented, on_settlement_agreed, register_timeline_texts
        from documents.selectors import issued_section
        from documents.services import odr_agreement_start, settlement_agreement_start
        from documents.timeline import TIMELINE_TEXTS

        register_timeline_texts(TIMELINE_TEXTS)
        # The case page lists the sealed documents (parties and staff only; the page checks access).
        on_case_page(issued_section)
        # When the parties agree terms, the settlement agreement is drafted for them to sign.
        on_settlement_agreed(settlement_agreement_start)
        # When both have accepted the ODR terms, the ODR agreement is issued as a sealed record.
        on_parties_consented(odr_agreement_start)
