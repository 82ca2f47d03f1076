"""The self-hosted GraphiQL page works in a real browser, offline.

Drives Debian's headless Chromium (``/usr/bin/chromium`` or ``$CHROMIUM_PATH``; installed
by ``scripts/ensure-chromium.sh``) through Playwright's async API. Playwright never
downloads its own browser here: the system binary is passed as ``executable_path``.

Checks, against the live app (``live_api`` fixture from ``tests/conftest.py``):
- ``/graphiql/`` loads from committed assets (``api/static/graphiql``) and fetches nothing
  from any other host;
- a query sent without an API key shows the 401 in the result pane;
- with a key typed into the "API key" field (sent as ``X-API-Key``) the query runs and the
  answer is shown; the key survives a reload (localStorage).

Set ``GRAPHIQL_SCREENSHOT_DIR`` to save screenshots of the page for a visual check.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, async_playwright

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATIC_DIR = Path(__file__).resolve().parents[1] / "api" / "static" / "graphiql"
QUERY = "{ __typename }"
TIMEOUT_MS = 30_000


def _chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = _chromium_path()
    if path is None:
        pytest.skip(
            "no Chromium binary (set CHROMIUM_PATH or run scripts/ensure-chromium.sh "
            "to install Debian's chromium)"
        )
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def _base_url(live_api: Any) -> str:
    return str(live_api.base_url).rstrip("/")


async def _result_text(page: Page) -> str:
    # The response pane is a read-only Monaco editor; it renders spaces as U+00A0.
    text = await page.locator(".graphiql-response .view-lines").inner_text()
    return text.replace("\u00a0", " ")


async def _wait_for_result(page: Page, pattern: str) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT_MS / 1000
    text = ""
    while loop.time() < deadline:
        text = await _result_text(page)
        if re.search(pattern, text):
            return text
        await asyncio.sleep(0.2)
    raise AssertionError(f"result pane never matched {pattern!r}; it shows:\n{text}")


async def _set_query(page: Page, query: str) -> None:
    editor = page.locator(".graphiql-query-editor .monaco-editor").first
    await editor.wait_for(state="visible", timeout=TIMEOUT_MS)
    await editor.locator(".view-lines").click()
    await page.keyboard.press("ControlOrMeta+A")
    await page.keyboard.press("Delete")
    # insertText does not trigger Monaco's bracket auto-closing the way typing would.
    await page.keyboard.insert_text(query)
    content = (await editor.locator(".view-lines").inner_text()).replace("\u00a0", " ")
    assert content.strip() == query, f"query editor holds {content!r}"


async def _run(page: Page) -> None:
    await page.get_by_role("button", name=re.compile(r"^Execute query")).click()


async def _screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("GRAPHIQL_SCREENSHOT_DIR")
    if folder:
        await page.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_graphiql_assets_are_committed() -> None:
    index = STATIC_DIR / "index.html"
    assert index.is_file(), "run scripts/build-graphiql.sh and commit api/static/graphiql"
    html = index.read_text(encoding="utf-8")
    assert 'src="/graphiql/assets/' in html
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html), "index.html loads from outside"


async def test_graphiql_runs_query_with_api_key(browser: Browser, live_api: Any) -> None:
    base = _base_url(live_api)
    origin = urlsplit(base)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    foreign: list[str] = []

    def on_request(request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if (url.scheme, url.netloc) != (origin.scheme, origin.netloc):
            foreign.append(request.url)

    context.on("request", on_request)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        response = await page.goto(f"{base}/graphiql/")
        assert response is not None
        assert response.ok, f"/graphiql/ answered {response.status}"

        key_field = page.locator("#api-key")
        await key_field.wait_for(state="visible")
        assert await page.get_by_label("API key").count() == 1
        assert await key_field.input_value() == ""

        # Without a key the API refuses the request and the page says so.
        await _set_query(page, QUERY)
        await _run(page)
        await _wait_for_result(page, r"\b401\b")
        await _screenshot(page, "graphiql-no-key")

        # With a key typed into the bar the same query is answered.
        key = live_api.create_key("ANALYST")
        await key_field.fill(key)
        await _run(page)
        text = await _wait_for_result(page, r'"__typename":\s*"Query"')
        assert "401" not in text
        await _screenshot(page, "graphiql-with-key")

        # The key is kept in localStorage and survives a reload.
        await page.reload()
        await page.locator("#api-key").wait_for(state="visible")
        assert await page.locator("#api-key").input_value() == key

        assert not foreign, f"the page fetched from other hosts: {foreign}"
    finally:
        await context.close()
