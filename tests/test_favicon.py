"""Browsers ask for /favicon.ico on every site, and show the icon a page links to."""

import re

from django.test import Client


def test_favicon_ico_leads_to_the_icon(db):
    client = Client()
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(response.streaming_content)
    response.close()


def test_pages_link_the_icon(db):
    page = Client().get("/").text
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert link is not None
    icon = Client().get(link.group(1))
    assert icon.status_code == 200
    icon.close()
