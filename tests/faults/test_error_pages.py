"""The pages shown when something fails: ours, in the site's look, and needing no database (they are
shown when it may be gone). These tests have no database: pytest-django refuses any query in them."""

from __future__ import annotations

from django.db import OperationalError
from django.test import RequestFactory
from django.views.defaults import server_error

from odr.errors import DatabaseUnavailableMiddleware


def test_the_500_page_is_ours_and_needs_no_database():
    response = server_error(RequestFactory().get("/cases/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in page
    assert "Please go back and try again." in page
    assert "/static/css/app.css" in page


def test_a_lost_database_connection_asks_to_try_again_without_the_database():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().post("/cases/")
    response = middleware.process_exception(request, OperationalError("terminating connection"))
    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert "so your request was not completed." in response.content.decode()
    assert middleware.process_exception(request, ValueError("not the database's")) is None
