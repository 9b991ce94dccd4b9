"""Turning results and errors into responses: HTML pages for people, JSON for SPAs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from gateway.config import PasswordPolicy
from gateway.errors import GatewayError
from gateway.keys import CSP_NONCE, PAGES, REQUEST_ID, ROOT_APP, SETTINGS, TRANSLATOR
from gateway.web.i18n import Translator


def error_message(t: Translator, error: GatewayError, labels: dict[str, str] | None = None) -> str:
    """The sentence a person sees for an error, in their language.

    An error's ``detail`` (a machine-readable refinement: ``not_string``, ``too_long``,
    ``header``, ``no_flow``) picks a more precise sentence when the catalog has one: first
    for its field (``error.invalid.{field}.{detail}``), then for its code
    (``error.{code}.{detail}``, which may name the field as ``{field}``)."""
    if error.detail:
        refined = [f"error.{error.code}.{error.detail}"]
        if error.code == "invalid_request" and error.field:
            refined.insert(0, f"error.invalid.{error.field}.{error.detail}")
        for key in refined:
            if t.has(key):
                return t(key, field=error.field or "")
    if error.code == "invalid_request" and error.field:
        specific = f"error.invalid.{error.field}"
        if t.has(specific):
            return t(specific)
        if labels and error.field in labels:
            return t("error.invalid.attribute", label=labels[error.field])
    # A refusal that knows when to come back (Retry-After) says when, in words, rather than
    # "wait a few minutes".
    if error.retry_after is not None and t.has(f"error.{error.code}.retry_in"):
        return t(f"error.{error.code}.retry_in", wait=wait_in_words(t, error.retry_after))
    return t(f"error.{error.code}")


def wait_in_words(t: Translator, seconds: int) -> str:
    """``45 seconds``, ``7 minutes``, ``2 hours``: a Retry-After in the person's language,
    rounded up, so trying again at the time it says always works."""
    if seconds < 60:
        count, unit = max(seconds, 1), "seconds"
    elif seconds <= 90 * 60:
        count, unit = -(-seconds // 60), "minutes"
    else:
        count, unit = -(-seconds // 3600), "hours"
    return t(f"time.{unit}.{'one' if count == 1 else 'other'}", count=count)


def error_detail(t: Translator, error: GatewayError, policy: PasswordPolicy) -> str | None:
    """The extra sentence shown under an error's message, in the person's language: for a
    refused new password, the rule it broke (``error.detail``, from :func:`cognito.translate`)."""
    rule = error.detail
    if error.code != "invalid_password" or rule is None:
        return None
    needs = (t("password.rule.length", count=policy.min_length) if rule == "length"
             else t(f"password.rule.{rule}"))
    return t("error.invalid_password.detail", rule=needs)


def page(
    request: web.Request, template: str | Sequence[str], *, status: int = 200, **context: Any
) -> web.Response:
    t = request[TRANSLATOR]
    body = request[ROOT_APP][PAGES].render(
        template,
        {
            "t": t,
            "lang": t.language,
            "csp_nonce": request[CSP_NONCE],
            "request_id": request[REQUEST_ID],
            "errors": {},
            "error_summary": None,
            "error_code": None,  # the stable code of the error shown, for scripts and tests
            "values": {},  # what the person typed, shown again with an error
            **context,
        },
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def with_retry_after(response: web.StreamResponse, error: GatewayError) -> web.StreamResponse:
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def error_page(request: web.Request, error: GatewayError) -> web.StreamResponse:
    t = request[TRANSLATOR]
    response = page(
        request, "error.html", status=error.status, message=error_message(t, error), error=error,
        error_code=error.code,
    )
    return with_retry_after(response, error)


def json_body(request: web.Request, error: GatewayError) -> dict[str, Any]:
    t = request[TRANSLATOR]
    body: dict[str, Any] = {
        "code": error.code,
        "message": error_message(t, error),
        "request_id": request[REQUEST_ID],
    }
    if error.field:
        body["field"] = error.field
    detail = error_detail(t, error, request[ROOT_APP][SETTINGS].branding.password_policy)
    if detail:
        body["detail"] = detail
    if error.retry_after is not None:
        body["retry_after"] = error.retry_after
    if error.restart:
        body["restart"] = True
    return {"error": body}


def json_error(request: web.Request, error: GatewayError) -> web.StreamResponse:
    response = web.json_response(json_body(request, error), status=error.status)
    return with_retry_after(response, error)
