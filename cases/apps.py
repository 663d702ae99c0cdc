from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from cases import signals  # noqa: F401  (connects the receivers)
        from cases.roles_setup import ensure_role_groups

        # After auth's own handler (auth is listed first), so the permissions already exist.
        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="cases.ensure_role_groups")
