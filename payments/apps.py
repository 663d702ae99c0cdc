from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Plug into the core: fees gate stages, the case page shows what each party owes, and a receipt
        # goes to the party who paid.
        from cases.hooks import (
            on_case_page,
            on_stage_dropped,
            register_personal_data,
            register_stage_gate,
            register_timeline_texts,
        )
        from documents.access import register_payers_of
        from payments.gates import fees_gate, fees_section, stage_fees_cancel
        from payments.personal_data import PAYMENTS_PERSONAL_DATA
        from payments.receipts import payers_of
        from payments.timeline import TIMELINE_TEXTS

        register_stage_gate(fees_gate)
        on_stage_dropped(stage_fees_cancel)
        on_case_page(fees_section)
        register_timeline_texts(TIMELINE_TEXTS)
        register_personal_data(PAYMENTS_PERSONAL_DATA)
        register_payers_of(payers_of)
