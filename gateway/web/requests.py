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
    return RequestContext(ip=request[CLIENT_IP], encoded_data=encoded_data or None)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string", field=name)
    limit = MAX_ENCODED_DATA if name == "encoded_data" else MAX_FIELD
    if len(value) > limit:
        raise InvalidRequest(f"{name} too long", field=name)
    return value


async def read_form(request: web.Request) -> dict[str, str]:
    """An urlencoded form as a plain dict of strings (first value of each field)."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("forms must be urlencoded")
    form: MultiMapping[Any] = await request.post()
    return {key: _text(form[key], key) for key in form}


async def read_json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise UnsupportedMediaType("the API takes application/json")
    try:
        body = await request.json()
    except ValueError:
        raise InvalidRequest("body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidRequest("body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidRequest(f"missing {name}", field=name)
        return None
    return _text(value, name)
