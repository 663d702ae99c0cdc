"""What a person sees when the database goes away (or cannot answer) in the middle of their request.

A connection dropped mid-request (a restart, a failover, ``pg_terminate_backend``) fails the request's
transaction as a whole: nothing of it is saved. The person is told so and asked to try again (503, with
``Retry-After``), on a page that needs no database; a deadlock or a lock wait that timed out (the other
``OperationalError``s) gets the same page. The broken connection is not used again: the pool checks each
connection before handing it out (``CONN_HEALTH_CHECKS`` does the same without a pool), so the next
request gets a working one. An error before the view (a session that cannot be read) gets the plain
500 page, ``templates/500.html``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None  # Django's handler: the log, and templates/500.html
        logger.error("database unavailable during %s %s", request.method, request.path, exc_info=exception)
        # No request context: its processors could query the database that just failed.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
