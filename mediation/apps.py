from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
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
        from mediation.models import MediatorProfile
        from mediation.pages import mediation_section, proposals_section
        from mediation.services.appointment import mediation_open, rankings_deadline_sweep
        from mediation.services.sessions import session_reminders_send
        from mediation.timeline import TIMELINE_TEXTS

        on_case_page(mediation_section)
        on_my_cases(proposals_section)
        on_status_entered(CaseStatus.MEDIATION, mediation_open)
        register_timeline_texts(TIMELINE_TEXTS)
        register_sweep_job("mediator_rankings_closed", lambda now: rankings_deadline_sweep(now=now))
        register_sweep_job("session_reminders", lambda now: session_reminders_send(now=now))
        register_personal_data(panel_personal_data("mediator_profile", MediatorProfile))
