"""Officer pages (Flask-AppBuilder's base template) and portal pages say their language."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login

HTML_TAG = re.compile(r"<html[^>]*>")


@pytest.mark.parametrize("url", ["/inbox/", "/kasus/", "/akun/"])
def test_officer_page_says_its_language(app, url):
    client = app.test_client()
    login(client, "operator")
    indonesian = client.get(url)
    assert indonesian.status_code == 200
    assert HTML_TAG.search(indonesian.get_data(as_text=True)).group(0) == '<html lang="id">'
    assert indonesian.headers["Content-Language"] == "id"
    client.get("/bahasa/en")
    english = client.get(url)
    assert HTML_TAG.search(english.get_data(as_text=True)).group(0) == '<html lang="en">'
    assert english.headers["Content-Language"] == "en"


def test_login_page_and_portal_say_their_language(app):
    client = app.test_client()
    login_page = client.get("/login/")
    assert HTML_TAG.search(login_page.get_data(as_text=True)).group(0) == '<html lang="id">'
    client.get("/bahasa/en")
    portal = client.get("/")
    assert HTML_TAG.search(portal.get_data(as_text=True)).group(0) == '<html lang="en">'
    assert portal.headers["Content-Language"] == "en"


def test_json_answers_are_left_alone(app):
    answer = app.test_client().get("/open311/v2/services.json")
    assert answer.mimetype == "application/json"
    assert "Content-Language" not in answer.headers
