"""The Content-Security-Policy, as a real browser enforces it: the gateway's own script runs
(with its nonce), nothing else does, and the sign-in flow trips no violation on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

from tests.browser.steps import (
    current_totp,
    expect_code_page,
    expect_signed_in,
    submit_code,
    submit_password,
)
from tests.browser.watch import OpenPage, Serve
from tests.demo import PASSWORD, TOTP_USER
from tests.gateway.hooks import EmulatorHooks

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def _focused(page: Page) -> str:
    return str(await page.evaluate("document.activeElement && document.activeElement.id"))


async def test_sign_in_flow_runs_its_script_and_trips_no_policy(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    watched = await open_page(await serve_gateway())
    page = watched.page

    response = await page.goto("/login")
    assert response is not None
    assert "'nonce-" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]

    await submit_password(page, TOTP_USER, "Wrong-Passw0rd!")
    summary = page.locator("#error-summary")
    await summary.wait_for()
    # gateway.js (loaded with the page's nonce) moved focus to the summary, so a screen reader
    # announces the error at once. Without the script focus would sit in the username field.
    assert await _focused(page) == "error-summary"
    assert await summary.get_attribute("role") == "alert"

    await submit_password(page, TOTP_USER, PASSWORD)
    await expect_code_page(page)
    await submit_code(page, await current_totp(hooks))
    await expect_signed_in(page)

    # The refused password comes back as the login form with status 401, and Chromium logs
    # every 4xx document on the console. That one line is the gateway answering honestly; any
    # other line (a policy violation, a script error, a missing resource) fails the test.
    refused = [line for line in watched.console_errors
               if "status of 401 (Unauthorized)" in line and line.endswith("/login)")]
    assert len(refused) == 1
    assert [line for line in watched.complaints if line not in refused] == []


PROBE_PAGE = """{% extends "base.html" %}
{% block title %}Policy probe{% endblock %}
{% block content %}
<p id="without-nonce">not run</p>
<p id="with-nonce">not run</p>
<p id="handler">not run</p>
<script>document.getElementById("without-nonce").textContent = "ran";</script>
<script nonce="{{ csp_nonce }}">document.getElementById("with-nonce").textContent = "ran";</script>
<img src="data:," alt="" onerror="document.getElementById('handler').textContent = 'ran'">
{% endblock %}
"""


async def test_inline_script_in_a_template_runs_only_with_the_nonce(
    serve_gateway: Serve, open_page: OpenPage, tmp_path: Path
) -> None:
    # A team's template override (GATEWAY_TEMPLATE_DIR) that adds inline script, one block with
    # the page's nonce and one without, plus an inline event handler.
    (tmp_path / "login.html").write_text(PROBE_PAGE)
    watched = await open_page(await serve_gateway(template_dir=str(tmp_path)))
    page = watched.page
    await page.goto("/login")
    await page.wait_for_load_state("load")

    assert await page.text_content("#with-nonce") == "ran"
    assert await page.text_content("#without-nonce") == "not run"
    assert await page.text_content("#handler") == "not run"
    blocked = {(v["directive"], v["blocked"]) for v in watched.violations}
    assert blocked == {("script-src-elem", "inline"), ("script-src-attr", "inline")}


# What an XSS payload would try once it got markup into a live page: a script element and an
# inline event handler, each trying to leave a mark.
_INJECT = """() => new Promise((done) => {
  const script = document.createElement("script");
  script.textContent = "document.body.dataset.injectedScript = 'ran';";
  document.body.append(script);
  document.body.insertAdjacentHTML("beforeend",
    '<img src="data:," alt="" onerror="document.body.dataset.injectedHandler = \\'ran\\'">');
  setTimeout(() => done({
    script: document.body.dataset.injectedScript || "not run",
    handler: document.body.dataset.injectedHandler || "not run",
  }), 200);
})"""


async def test_script_injected_into_the_login_page_does_not_run(
    serve_gateway: Serve, open_page: OpenPage
) -> None:
    base_url = await serve_gateway()
    watched = await open_page(base_url)
    await watched.page.goto("/login")
    assert await watched.page.evaluate(_INJECT) == {"script": "not run", "handler": "not run"}
    assert {v["directive"] for v in watched.violations} == {"script-src-elem", "script-src-attr"}

    # The same injection in a browser told to ignore CSP does run: the policy, not the payload,
    # is what stopped it above.
    unprotected = await open_page(base_url, bypass_csp=True)
    await unprotected.page.goto("/login")
    assert await unprotected.page.evaluate(_INJECT) == {"script": "ran", "handler": "ran"}
