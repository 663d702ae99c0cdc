from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArbitrationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "arbitration"
    verbose_name = _("Arbitration")

    def ready(self) -> None:
        from arbitration.documents import register_documents
        from arbitration.models import ArbitratorProfile
        from arbitration.pages import arbitration_section, proposals_section
        from arbitration.services.appointment import arbitration_open, rankings_deadline_sweep
        from arbitration.services.timetable import step_reminders_send
        from arbitration.timeline import TIMELINE_TEXTS
        from cases.hooks import (
            on_case_page,
            on_my_cases,
            on_status_entered,
            register_personal_data,
            register_sweep_job,
            register_timeline_texts,
        )
        from cases.models import CaseStatus
        from cases.panels import panel_personal_data

        register_documents()
        on_case_page(arbitration_section)
        on_my_cases(proposals_section)
        on_status_entered(CaseStatus.ARBITRATION, arbitration_open)
        register_timeline_texts(TIMELINE_TEXTS)
        register_sweep_job("arbitrator_rankings_closed", lambda now: rankings_deadline_sweep(now=now))
        register_sweep_job("arbitration_reminders", lambda now: step_reminders_send(now=now))
        register_personal_data(panel_personal_data("arbitrator_profile", ArbitratorProfile))
