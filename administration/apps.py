from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """Case administration: the caseload dashboard, the case list, the audit trail, the staff's case
    actions and the public statistics. It reads from every other app and owns no data of its own."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "administration"
    verbose_name = _("Case administration")

    def ready(self) -> None:
        from administration.pages import staff_section
        from cases.hooks import on_case_page

        on_case_page(staff_section)
