"""The dashboard built for many users, in Chromium: the chart's hour is fetched once and
grows with each refresh of the live part, the live part names the user's scope, and the
static files come with their digest and a year of caching."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.integration.console.test_browser import (  # noqa: F401 (fixtures)
    browser,
    console,
    login,
    page,
    shot,
)

pytestmark = pytest.mark.xdist_group("console-browser-load")


def test_the_chart_grows_with_each_refresh_without_fetching_the_hour_again(
    console: str,  # noqa: F811 (the fixture)
    page: Page,  # noqa: F811
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    cached: dict[str, str] = {}
    page.on("response", lambda r: cached.update({r.url: r.headers.get("cache-control", "")}))
    login(page, console, "admin")
    page.wait_for_selector("#chart canvas")
    assert page.inner_text("#scope") == "范围：全部科室"
    drawn = int(page.get_attribute("#chart", "data-drawn") or 0)
    page.wait_for_timeout(7000)  # three refreshes (2 s), samples every second
    shot(page, "dashboard-refreshed")
    assert errors == []
    assert sum("/dashboard/live" in url for url in asked) >= 3
    assert sum("/dashboard/series" in url for url in asked) == 1
    # each refresh brought the newest sample, appended to the chart
    assert int(page.get_attribute("#chart", "data-drawn") or 0) >= drawn + 2
    statics = {url: c for url, c in cached.items() if "/static/" in url}
    assert statics and all("?v=" in url and "immutable" in c for url, c in statics.items())


def test_a_department_user_sees_its_scope_on_the_live_part(
    console: str,  # noqa: F811 (the fixture)
    page: Page,  # noqa: F811
) -> None:
    login(page, console, "ward")
    page.wait_for_selector("#scope")
    assert page.inner_text("#scope").startswith("范围：科室 ICU")
    shot(page, "dashboard-department")
