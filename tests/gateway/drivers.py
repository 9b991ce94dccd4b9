"""Two ways to drive one sign-in: the hosted pages (forms, 303s) and the JSON API.

Scenarios are written once against :class:`Step` and run through both drivers, which is how the
suite shows the two faces share one flow.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.gateway.html import Page, error_code

API_HEADERS = {"X-CSRF": "1"}

# What the ``make_gateway`` fixture hands a test: demo configuration plus overrides -> a client.
GatewayFactory = Callable[..., Awaitable[TestClient]]


@dataclass
class Step:
    """Where the sign-in is: waiting on a page/challenge, signed in, or refused."""

    view: str | None = None  # e.g. "authenticator-code"; None once signed in
    challenge: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    user: dict[str, Any] | None = None
    error: str | None = None  # a stable error code, when the last answer was refused
    # What the step says about the last answer (a custom challenge asked again).
    notice: str | None = None
    status: int = 200
    page: Page | None = None

    @property
    def signed_in(self) -> bool:
        return self.user is not None


class Driver(Protocol):
    name: str
    client: TestClient

    async def login(self, username: str, password: str, **extra: str) -> Step: ...
    async def answer(self, current: Step, answers: dict[str, str], **extra: str) -> Step: ...
    async def session(self) -> dict[str, Any] | None: ...
    async def logout(self) -> None: ...


# --- hosted pages ---------------------------------------------------------------------------

# The login page's notice (why the person is back at the start) carries no code: its sentence ->
# the code whose message it is, from the English catalog.
def _notice_codes() -> dict[str, str]:
    import json
    from pathlib import Path

    catalog = json.loads(
        (Path(__file__).parents[2] / "gateway" / "web" / "locales" / "en.json").read_text()
    )
    return {text: key.split(".", 1)[1] for key, text in catalog.items()
            if key.startswith("error.") and not key.startswith("error.invalid.")
            and key != "error.summary"}


_NOTICES = _notice_codes()
# What a step's page says like an error (in its error summary) though the step is new: the API
# sends these as the step's ``notice``.
STEP_NOTICES = frozenset({"answer_not_accepted"})


class HtmlDriver:
    name = "html"

    def __init__(self, client: TestClient, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}
        self.responses: list[ClientResponse] = []

    async def get(self, path: str) -> Page:
        response = await self.client.get(path, headers=self.headers, allow_redirects=False)
        self.responses.append(response)
        return Page.parse(response.status, path, await response.text(), dict(response.headers))

    async def post(self, path: str, fields: dict[str, str]) -> ClientResponse:
        response = await self.client.post(
            path, data=fields, headers=self.headers, allow_redirects=False
        )
        self.responses.append(response)
        return response

    async def submit(self, page: Page, action: str, answers: dict[str, str]) -> ClientResponse:
        form = page.form(action)
        return await self.post(action, {**form.fields, **answers})

    async def _land(self, response: ClientResponse) -> Step:
        """Follow one 303, or read the re-rendered form, and say where we are."""
        if response.status == 303:
            location = response.headers["Location"]
            page = await self.get(location)
            while page.status == 303:  # e.g. /login -> / when already signed in
                location = page.headers["Location"]
                page = await self.get(location)
            return self._read(page, location)
        page = Page.parse(response.status, str(response.url.path), await response.text(),
                          dict(response.headers))
        return self._read(page, str(response.url.path))

    def _read(self, page: Page, location: str) -> Step:
        error = error_code(page)  # the error summary's, or the error page's
        notice = next((code for text, code in _NOTICES.items()
                       if any(a.get("class") == "notice" for a in page.elements_named("p"))
                       and text in page.text), None)
        if location.startswith("/login/"):
            form = page.form(location)
            said = error if error in STEP_NOTICES else None
            return Step(view=location.removeprefix("/login/"),
                        challenge=form.fields.get("challenge"),
                        parameters=self._parameters(page), error=None if said else error,
                        notice=said, status=page.status, page=page)
        if location.startswith("/login"):
            return Step(view="login", error=error or notice, status=page.status, page=page)
        if page.status == 200 and page.forms and page.forms[0].action == "/logout":
            return Step(user={"text": page.text}, status=page.status, page=page)
        return Step(view=None, error=error or "unexpected_page", status=page.status, page=page)

    @staticmethod
    def _parameters(page: Page) -> dict[str, Any]:
        parameters: dict[str, Any] = {}
        if "totp-secret" in page.by_id:
            parameters["secret_code"] = page.by_id["totp-secret"].replace(" ", "")
        options = [o for f in page.forms for o in f.options.get("mfa_type", [])]
        if options:
            parameters["options"] = options
        masked = re.search(r"sent a code to (\S+)\.", page.text)
        if masked:
            parameters["destination"] = masked.group(1)
        return parameters

    async def login(self, username: str, password: str, **extra: str) -> Step:
        page = await self.get("/login")
        # No password: the login form of plain CUSTOM_AUTH, which has no such field.
        typed = {"username": username, **({"password": password} if password else {})}
        response = await self.submit(page, "/login", {**typed, **extra})
        return await self._land(response)

    async def answer(self, current: Step, answers: dict[str, str], **extra: str) -> Step:
        assert current.page is not None and current.view is not None
        action = f"/login/{current.view}"
        response = await self.submit(current.page, action, {**answers, **extra})
        return await self._land(response)

    async def session(self) -> dict[str, Any] | None:
        page = await self.get("/")
        return {"text": page.text} if page.status == 200 else None

    async def logout(self) -> None:
        page = await self.get("/")
        response = await self.submit(page, "/logout", {})
        assert response.status == 303


# --- JSON API -------------------------------------------------------------------------------


class JsonDriver:
    name = "json"

    def __init__(self, client: TestClient, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = {**API_HEADERS, **(headers or {})}
        self.responses: list[ClientResponse] = []

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = await self.client.request(
            method, path, json=body, headers=self.headers, allow_redirects=False
        )
        self.responses.append(response)
        assert response.status < 300 or response.status >= 400, "the API never redirects"
        payload = await response.json() if response.content_type == "application/json" else None
        return response.status, payload

    @staticmethod
    def _read(status: int, body: dict[str, Any]) -> Step:
        if "error" in body:
            return Step(error=body["error"]["code"], status=status, parameters=body["error"])
        if body["status"] == "authenticated":
            return Step(user=body["user"], status=status)
        if body["status"] == "finished":  # back to signing in, saying why (password changed)
            return Step(view="login", notice=body["notice"], status=status, parameters=body)
        challenge = body["challenge"]
        return Step(view=challenge["step"], challenge=challenge["name"],
                    parameters=challenge["parameters"], notice=challenge.get("notice"),
                    status=status)

    async def login(self, username: str, password: str, **extra: str) -> Step:
        status, body = await self.call(
            "POST", "/auth/login",
            {"username": username, **({"password": password} if password else {}), **extra},
        )
        return self._read(status, body)

    async def answer(self, current: Step, answers: dict[str, str], **extra: str) -> Step:
        status, body = await self.call(
            "POST", "/auth/challenge",
            {"challenge": current.challenge, "answers": answers, **extra},
        )
        after = self._read(status, body)
        if after.error and after.view is None and not after.parameters.get("restart"):
            # A refused answer leaves the flow where it was.
            after.view, after.challenge = current.view, current.challenge
        return after

    async def session(self) -> dict[str, Any] | None:
        status, body = await self.call("GET", "/auth/session")
        return body["user"] if status == 200 else None

    async def logout(self) -> None:
        status, _ = await self.call("POST", "/auth/logout")
        assert status == 204


def drive(client: TestClient, face: str) -> HtmlDriver | JsonDriver:
    """The driver for one face ("html" or "json") of a gateway client."""
    return HtmlDriver(client) if face == "html" else JsonDriver(client)
