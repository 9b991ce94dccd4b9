"""The aiohttp application: AWS JSON 1.1 on ``POST /``, plus the well-known and test endpoints.

Every failure leaves as a Cognito-shaped error (``{"__type", "message"}``, 400, or 500 for
InternalErrorException) with an ``x-amzn-RequestId``; an unexpected exception is logged here
and answered with a plain InternalErrorException, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from typing import Any

from aiohttp import web

from cognito_emulator import control, wellknown
from cognito_emulator.app_keys import EMULATOR, ISSUER_OVERRIDE
from cognito_emulator.calllog import CallRecord
from cognito_emulator.errors import (
    CognitoError,
    InternalError,
    SerializationError,
    UnknownOperation,
    UnsupportedOperation,
    error_class,
)
from cognito_emulator.operations import HANDLERS
from cognito_emulator.state import Call, Emulator
from cognito_emulator.validation import operation_model, service_model, validate

log = logging.getLogger("cognito_emulator")

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
DEFAULT_REGION = "us-east-1"
# SigV4's credential scope names the region: Credential=<key>/<date>/<region>/cognito-idp/...
_CREDENTIAL_REGION = re.compile(r"Credential=[^/,]+/\d{8}/([a-z0-9-]+)/")


def create_app(emulator: Emulator, *, issuer_base_url: str | None = None) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[EMULATOR] = emulator
    app[ISSUER_OVERRIDE] = issuer_base_url or ""
    app.router.add_post("/", handle_api)
    control.add_routes(app)
    wellknown.add_routes(app)
    return app


async def handle_api(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    request_id = str(uuid.uuid4())
    target = request.headers.get("X-Amz-Target", "")
    prefix, _, operation = target.partition(".")
    record = CallRecord(operation=operation or target, source_ip=request.remote or "",
                        at=emulator.now())
    record.effective_ip = record.source_ip
    try:
        if prefix != service_model().metadata["targetPrefix"] or operation_model(operation) is None:
            raise UnknownOperation(f"Operation {target or '(none)'} is not supported.")
        emulator.calls.add(record)
        body = await _read_json(request)
        if isinstance(body.get("ChallengeName"), str):
            record.challenge = body["ChallengeName"]
        flow = body.get("AuthFlow")
        if operation in ("InitiateAuth", "AdminInitiateAuth") and isinstance(flow, str):
            record.auth_flow = flow[:64]  # an enum value; capped in case it is not
        await _apply_fault(emulator, operation)
        model = operation_model(operation)
        assert model is not None
        validate(model, body)
        handler = HANDLERS.get(operation)
        if handler is None:
            raise UnsupportedOperation(f"cognito-emulator does not implement {operation}.")
        call = Call(operation=operation, body=body, source_ip=record.source_ip,
                    issuer=wellknown.issuer_base(request), region=_region(request), record=record)
        result = handler(emulator, call)
    except CognitoError as error:
        record.error = error.code
        log.info("%s -> %s", record.operation, error.code)
        return _error_response(error, request_id)
    except Exception:
        # The traceback goes to our log only. Request bodies are never logged: they carry
        # passwords, codes and sessions.
        log.exception("%s failed unexpectedly", record.operation)
        record.error = InternalError.code
        return _error_response(InternalError("An internal error occurred."), request_id)
    log.info("%s -> ok", operation)
    if isinstance(result, dict) and isinstance(result.get("ChallengeName"), str):
        record.next_challenge = result["ChallengeName"]
    return web.json_response(result, content_type=JSON_CONTENT_TYPE,
                             headers={"x-amzn-RequestId": request_id})


async def _read_json(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SerializationError("Could not parse the request body as JSON.") from exc
    if not isinstance(body, dict):
        raise SerializationError("The request body must be a JSON object.")
    return body


async def _apply_fault(emulator: Emulator, operation: str) -> None:
    fault = emulator.faults.take(operation)
    if fault is None:
        return
    if fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
    if fault.error:
        raise error_class(fault.error)(fault.message)


def _error_response(error: CognitoError, request_id: str) -> web.Response:
    return web.json_response(error.body(), status=error.status, content_type=JSON_CONTENT_TYPE,
                             headers={"x-amzn-RequestId": request_id})


def _region(request: web.Request) -> str:
    match = _CREDENTIAL_REGION.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else DEFAULT_REGION
