"""With DEBUG off (the demo's default and production's), a missing or refused page is the platform's own
404 page, styled and translated; the demo runner runs that way unless asked for debug pages."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.urls import reverse

from tests.processes import free_port, stop, wait_for_port


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "<h1>Page not found</h1>"), ("zh-hant", "<h1>找不到網頁</h1>")]
)
def test_a_missing_page_is_the_styled_404_page_in_the_visitors_language(language, heading, client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/", headers={"accept-language": language})
    page = response.content.decode()
    assert response.status_code == 404
    assert heading in page
    assert f'<html lang="{language}">' in page
    assert "/static/css/app.css" in page
    assert '<main id="main"' in page


def test_a_refused_case_is_the_same_404_page(negotiation_case, outsider, client_for, settings):
    settings.DEBUG = False
    response = client_for(outsider).get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_demo_runs_with_debug_off_and_serves_its_static_files(tmp_path):
    """``runplatform`` as the README's run command starts it (no collectstatic): our 404 page, not Django's
    debug page, and the stylesheet served, on the host and port it was given."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "odr.settings",
        "SQLITE_PATH": str(tmp_path / "demo.sqlite3"),
        "ODR_SEAL_KEY_PATH": str(tmp_path / "key.pem"),
        "ODR_SEAL_CERT_PATH": str(tmp_path / "cert.pem"),
    }
    for name in ("DEBUG", "ODR_DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runplatform", "--no-demo", "--no-fake-stripe", "--port", str(port)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, what="runplatform", seconds=120)
        status, page = _get(f"http://127.0.0.1:{port}/no/such/page/")
        assert status == 404
        assert "<h1>Page not found</h1>" in page
        assert "URLconf" not in page  # Django's debug page lists the URL patterns
        status, stylesheet = _get(f"http://127.0.0.1:{port}/static/css/app.css")
        assert status == 200
        assert stylesheet
    finally:
        stop(process)
