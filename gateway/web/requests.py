"""Reading requests, shared by the pages and the API: bodies, fields, client context."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiMapping

from gateway.errors import InvalidRequest, UnsupportedMediaType
from gateway.keys import CLIENT_IP, ROOT_APP, SETTINGS
from gateway.security.client_context import MAX_ENCODED_DATA, RequestContext, client_ip

MAX_FIELD = 4096  # any single form or JSON field except encoded_data


def client_address(request: web.Request) -> str | None:
    """The client's IP through the trusted proxies (stored as ``CLIENT_IP`` by the request
    middleware, which every other use reads)."""
    return client_ip(
        request.remote,
        request.headers.getall("X-Forwarded-For", []),
        request[ROOT_APP][SETTINGS].trusted_proxies,
    )


def request_context(request: web.Request, encoded_data: str | None) -> RequestContext:
    if encoded_data is not None and len(encoded_data) > MAX_ENCODED_DATA:
        raise InvalidRequest("encoded_data too long", field="encoded_data")
    return RequestContext(ip=request[CLIENT_IP], encoded_data=encoded_data or None,
                          user_agent=request.headers.get("User-Agent"))


def _encodable(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8. JSON can spell a lone surrogate (``"\\ud800"``),
    which no encoder takes. Let through, one failed in the SRP code, after Cognito had been
    asked about the username: a 500 for an account that exists, 401 for one that does not."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: Any, name: str) -> str:
    """Every form and JSON field of both faces is read through here."""
    if not _encodable(name):
        raise InvalidRequest("a field name is not valid text")  # not named: it cannot be
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string", field=name)
    limit = MAX_ENCODED_DATA if name == "encoded_data" else MAX_FIELD
    if len(value) > limit:
        raise InvalidRequest(f"{name} too long", field=name, detail="too_long")
    if not _encodable(value):
        raise InvalidRequest(f"{name} is not valid text", field=name)
    return value


def _utf8_only(request: web.Request) -> None:
    """JSON is UTF-8 (RFC 8259) and our pages make browsers send forms in UTF-8: a body that
    names another charset, known or not, is refused rather than handed to its decoder."""
    charset = request.charset
    if charset is not None and charset.strip().lower() not in {"utf-8", "utf8"}:
        raise UnsupportedMediaType("bodies must be UTF-8")


async def read_form(request: web.Request) -> dict[str, str]:
    """An urlencoded form as a plain dict of strings (first value of each field)."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("forms must be urlencoded")
    _utf8_only(request)
    try:
        form: MultiMapping[Any] = await request.post()
    except UnicodeDecodeError:
        raise InvalidRequest("form is not valid UTF-8") from None
    return {key: _text(form[key], key) for key in form}


async def read_json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise UnsupportedMediaType("the API takes application/json")
    _utf8_only(request)
    try:
        body = await request.json()
    except ValueError:  # UnicodeDecodeError included
        raise InvalidRequest("body is not valid JSON") from None
    except RecursionError:
        raise InvalidRequest("body is nested too deeply") from None
    if not isinstance(body, dict):
        raise InvalidRequest("body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidRequest(f"missing {name}", field=name)
        return None
    if not isinstance(value, str):
        # A JSON number (a code sent as 123456) would lose its leading zeros: say to quote it.
        raise InvalidRequest(f"{name} must be a string", field=name, detail="not_string")
    return _text(value, name)
