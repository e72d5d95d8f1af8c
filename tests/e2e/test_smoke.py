"""The web clients are served and the browser harness works."""
from __future__ import annotations


def test_the_phone_app_shell_is_served(phone, live_server):
    page = phone.new_page()
    response = page.goto("/app/")
    assert response is not None and response.status == 200
    assert "Zhiwang" in page.title() or "织网" in page.title()


def test_the_console_shell_is_served(desk, live_server):
    page = desk.new_page()
    response = page.goto("/console/")
    assert response is not None and response.status == 200
