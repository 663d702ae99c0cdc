from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from cases.access import AuthenticatedRequest
from cases.hooks import my_cases_sections
from cases.selectors import my_cases as select_my_cases


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links to: send them to the icon the pages link."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_required
def my_cases(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(select_my_cases(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "cases/my_cases.html", {"page": page, "extra_sections": my_cases_sections(request.user)})
