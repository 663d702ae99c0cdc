from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from cases import signals  # noqa: F401  (connects the receivers)
        from cases.compliance_page import compliance_section
        from cases.hooks import (
            on_case_page,
            on_status_entered,
            register_personal_data,
            register_sweep_job,
            register_timeline_texts,
        )
        from cases.models import CaseStatus
        from cases.roles_setup import ensure_role_groups
        from cases.security_events import personal_data_source
        from cases.services.compliance import COMPLIANCE_TIMELINE, obligation_from_settlement, overdue_notify

        # Compliance after the outcome uses the same plug points the other apps use.
        on_status_entered(CaseStatus.CLOSED, obligation_from_settlement)
        on_case_page(compliance_section)
        register_sweep_job("obligations_overdue", overdue_notify)
        register_timeline_texts(COMPLIANCE_TIMELINE)
        # A person's refused accesses are theirs to download; erasing the account pseudonymises them.
        register_personal_data(personal_data_source())

        # After auth's own handler (auth is listed first), so the permissions already exist.
        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="cases.ensure_role_groups")
