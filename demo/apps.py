from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo: ``runplatform`` (the README's run command), ``seed_demo`` (the demo people and cases),
    ``seed_caseload`` (a large caseload for the staff pages and benches) and ``demo_totp``. The top floor of
    the house: it may use every app, and no app uses it. It owns no data."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = _("Demo")
