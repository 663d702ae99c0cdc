from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path

from cases.access import must_enable_mfa
from cases.views.pages import favicon, home
from odr.health import healthz

# The admin signs in through allauth (rate limits, two-factor), never its own password-only form,
# and lets no one in whose account still lacks the second factor it requires.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
_admin_has_permission = admin.site.has_permission


def _admin_permission(request: HttpRequest) -> bool:
    return _admin_has_permission(request) and not must_enable_mfa(request.user)


admin.site.has_permission = _admin_permission  # type: ignore[method-assign]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("cases.urls")),
    path("", include("documents.urls")),
    path("", include("payments.urls")),
    path("", include("negotiation.urls")),
    path("", include("mediation.urls")),
    path("", include("arbitration.urls")),
    path("", include("deals.urls")),
    path("", include("administration.urls")),
]
