"""Cognito's browser fingerprint (UserContextData.EncodedData): when the deployment configures
the advanced-security collector, the pages run it and every answer to Cognito carries what it
returned; when the collector cannot be loaded, sign-in goes on without it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.steps import (
    current_totp,
    expect_code_page,
    expect_signed_in,
    submit_code,
    submit_password,
)
from tests.browser.watch import OpenPage, Serve, Watched
from tests.demo import CLIENT, PASSWORD, POOL, TOTP_USER
from tests.gateway.hooks import EmulatorHooks
from tests.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def _sign_in(watched: Watched, hooks: EmulatorHooks) -> None:
    page = watched.page
    await page.goto("/login")
    await submit_password(page, TOTP_USER, PASSWORD)
    await expect_code_page(page)
    # The collector loads async; a person takes longer to type a code than it takes to load.
    await page.wait_for_load_state("load")
    await submit_code(page, await current_totp(hooks))
    await expect_signed_in(page)


def _context_data(calls: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [call["user_context_data"] or {} for call in calls]


async def test_every_answer_carries_the_collectors_encoded_data(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks, collector_origin: str
) -> None:
    base_url = await serve_gateway(advanced_security_script_url=f"{collector_origin}/collector.js")
    watched = await open_page(base_url)
    await _sign_in(watched, hooks)

    # What the stub collector returns for this person, this pool and this app client: the
    # pages passed it the right three arguments.
    fingerprint = f"stub-encoded-data:{TOTP_USER}:{POOL}:{CLIENT}"
    initiate = _context_data(await hooks.calls("InitiateAuth"))
    respond = _context_data(await hooks.calls("RespondToAuthChallenge"))
    assert [data.get("EncodedData") for data in initiate] == [fingerprint]
    # PASSWORD_VERIFIER (answered in the login request) and SOFTWARE_TOKEN_MFA (the code page,
    # which collected the fingerprint again).
    assert [data.get("EncodedData") for data in respond] == [fingerprint, fingerprint]
    assert {data.get("IpAddress") for data in initiate + respond} == {"127.0.0.1"}
    # The collector came from its own origin, allowed by the policy: nothing was blocked.
    assert watched.complaints == []


@pytest.mark.parametrize("failure", ["refused", "hanging"])
async def test_sign_in_works_when_the_collector_fails_to_load(
    serve_gateway: Serve,
    open_page: OpenPage,
    hooks: EmulatorHooks,
    collector_origin: str,
    failure: str,
) -> None:
    script_url = {
        "refused": f"http://127.0.0.1:{free_port()}/collector.js",  # nothing listens there
        "hanging": f"{collector_origin}/hanging.js",  # accepts, never answers
    }[failure]
    watched = await open_page(await serve_gateway(advanced_security_script_url=script_url))
    page = watched.page
    # "commit": with a hanging collector the page may never finish loading, and the person
    # does not wait for it either.
    await page.goto("/login", wait_until="commit")

    # The gateway's own script is not held hostage by the collector: after a wrong password it
    # still moves focus to the error summary.
    await submit_password(page, TOTP_USER, "Wrong-Passw0rd!")
    await expect(page.locator("#error-summary")).to_be_focused()
    await submit_password(page, TOTP_USER, PASSWORD)
    await expect_code_page(page)
    await submit_code(page, await current_totp(hooks))
    await expect_signed_in(page)

    initiate = _context_data(await hooks.calls("InitiateAuth"))
    respond = _context_data(await hooks.calls("RespondToAuthChallenge"))
    # Wrong password: InitiateAuth + a refused PASSWORD_VERIFIER; then InitiateAuth,
    # PASSWORD_VERIFIER and SOFTWARE_TOKEN_MFA. None had a fingerprint to carry.
    assert (len(initiate), len(respond)) == (2, 3)
    assert all("EncodedData" not in data for data in initiate + respond)
    assert all(data.get("IpAddress") == "127.0.0.1" for data in initiate + respond)
    assert watched.script_errors == [] and watched.violations == []
    # The console shows only the failed download (when the browser gets an answer) and the
    # refused password's 401 page.
    assert all("ERR_CONNECTION_REFUSED" in line or "status of 401" in line
               for line in watched.console_errors)
