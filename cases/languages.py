"""The language pages and emails are in: a signed-in person's own choice, kept with their account (so it
follows them to another device); before they choose, the browser's language (Django's LocaleMiddleware)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from cases.models import UserPreference

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_of(user_id: int) -> str:
    return UserPreference.objects.filter(user_id=user_id).values_list("language", flat=True).first() or ""


def joining_language(user_id: int) -> str:
    """The language a party's documents are in on a case it joins now: the one its account chose, else
    the one its pages are in (the browser's), else the platform's."""
    chosen = language_of(user_id) or translation.get_language() or ""
    return chosen if chosen in SUPPORTED else settings.LANGUAGE_CODE


def languages_of(emails: Iterable[str]) -> dict[str, str]:
    """Each address's chosen language, for the people who chose one (one query)."""
    rows = get_user_model().objects.filter(email__in=list(emails), preference__language__gt="")
    return dict(rows.values_list("email", "preference__language"))


def language_remember(*, user_id: int, language: str) -> None:
    UserPreference.objects.update_or_create(user_id=user_id, defaults={"language": language})


class UserLanguageMiddleware:
    """After authentication: a signed-in person's saved language wins over the cookie and the browser, and
    the cookie is brought in line so pages served before sign-in agree next time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = ""
        if request.user.is_authenticated:
            chosen = language_of(request.user.pk)
            if chosen in SUPPORTED and chosen != translation.get_language():
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen in SUPPORTED and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            set_language_cookie(response, chosen)
        return response


def set_language_cookie(response: HttpResponse, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
