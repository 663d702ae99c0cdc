from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cases.access import AuthenticatedRequest
from cases.hooks import my_cases_sections
from cases.selectors import my_cases as select_my_cases


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@login_required
def my_cases(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(select_my_cases(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "cases/my_cases.html", {"page": page, "extra_sections": my_cases_sections(request.user)})
