"""Response headers that limit what a page may do in the browser, beyond Django's own.

The Content-Security-Policy comes from Django's CSP support (``SECURE_CSP`` in settings): scripts only
from our origin (no inline script anywhere), no framing of our pages, forms posting only to us. Pages that
need more say so on their response (the card payment page allows Stripe's origins).

The Permissions-Policy switches off the camera, microphone and screen sharing everywhere except the
video room, which asks for them on its response.

Whatever a signed-in person is sent (case pages, PDFs, evidence, CSV exports, even a public page with their
name in the header) is marked ``Cache-Control: private, no-store``, so that neither a shared computer's
browser nor a cache on the way keeps a copy. Public pages and static files, asked for signed out, stay
cacheable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

DEFAULT_PERMISSIONS = "camera=(), microphone=(), display-capture=(), geolocation=(), payment=(), usb=()"
VIDEO_ROOM_PERMISSIONS = "camera=(self), microphone=(self), display-capture=(self), geolocation=(), usb=()"


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = DEFAULT_PERMISSIONS
        return response


class PrivateResponsesMiddleware:
    """After the authentication middleware: sets the header on every response to a signed-in request, the
    view's own caching (``cache_page``'s max-age) included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response


def allow_camera_and_microphone(response: HttpResponse) -> HttpResponse:
    response["Permissions-Policy"] = VIDEO_ROOM_PERMISSIONS
    return response


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _policy() -> dict[str, list[str]]:
    configured = cast("dict[str, list[str]]", settings.SECURE_CSP)
    return {key: [str(value) for value in values] for key, values in configured.items()}


def allow_stripe(response: HttpResponse) -> HttpResponse:
    """The card form: Stripe.js from Stripe (or the fake Stripe server in tests and the demo), its frames,
    and its calls to Stripe's API."""
    stripe_js = origin(settings.STRIPE_JS_URL)
    api = origin(settings.STRIPE_API_BASE or "https://api.stripe.com")
    policy = _policy()
    policy["script-src"] = [*policy["script-src"], stripe_js]
    policy["connect-src"] = [*policy["connect-src"], api, stripe_js]
    policy["frame-src"] = [stripe_js, "https://hooks.stripe.com"]
    response._csp_config = policy  # type: ignore[attr-defined]
    return response
