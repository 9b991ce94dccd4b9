"""Test hooks under ``/_emulator/``: outbox, call log, trigger runs, devices, faults, clock,
reset, TOTP, a page.

These are outside the AWS API; the contract is documented in docs/emulator.md ("Test hooks").
Not to be confused with Lambda triggers, which live in triggers.py.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from webauthn.helpers import bytes_to_base64url

from cognito_emulator import mfa
from cognito_emulator.app_keys import EMULATOR
from cognito_emulator.faults import Fault
from cognito_emulator.models import Pool, User
from cognito_emulator.state import Emulator
from cognito_emulator.validation import operation_model

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("cognito_emulator", "templates"),
    autoescape=True,
)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_emulator/health", health)
    app.router.add_get("/_emulator/outbox", outbox)
    app.router.add_delete("/_emulator/outbox", clear_outbox)
    app.router.add_get("/_emulator/calls", calls)
    app.router.add_get("/_emulator/triggers", trigger_runs)
    app.router.add_get("/_emulator/devices", devices)
    app.router.add_get("/_emulator/passkeys", passkeys)
    app.router.add_get("/_emulator/faults", list_faults)
    app.router.add_post("/_emulator/faults", add_fault)
    app.router.add_delete("/_emulator/faults", clear_faults)
    app.router.add_get("/_emulator/clock", get_clock)
    app.router.add_post("/_emulator/clock", set_clock)
    app.router.add_post("/_emulator/reset", reset)
    app.router.add_get("/_emulator/token-validity", get_token_validity)
    app.router.add_post("/_emulator/token-validity", set_token_validity)
    app.router.add_get("/_emulator/totp", totp)
    app.router.add_get("/_emulator/authenticators", authenticators)
    app.router.add_get("/_emulator/", page)
    app.router.add_get("/_emulator/page.js", page_script)
    app.router.add_get("/_emulator", to_page)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _usernames(emulator: Emulator, name: str, pool_id: str | None) -> set[str]:
    """``name`` plus the internal usernames it is an alias of."""
    return {name} | {user.username for _pool, user in emulator.store.users_matching(name, pool_id)}


async def outbox(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    name = request.query.get("username")
    pool_id = request.query.get("pool")
    wanted = _usernames(emulator, name, pool_id) if name else None
    messages = [
        message.to_json()
        for message in emulator.outbox.messages
        if (pool_id is None or message.pool_id == pool_id)
        and (wanted is None or message.username in wanted or message.destination == name)
    ]
    return web.json_response({"messages": messages})


async def clear_outbox(request: web.Request) -> web.Response:
    request.app[EMULATOR].outbox.clear()
    return web.json_response({"messages": []})


async def calls(request: web.Request) -> web.Response:
    operation = request.query.get("operation")
    records = [
        record.to_json()
        for record in request.app[EMULATOR].calls.records
        if operation is None or record.operation == operation
    ]
    return web.json_response({"calls": records})


async def trigger_runs(request: web.Request) -> web.Response:
    """Recent Lambda trigger runs, oldest first: which ran and how it ended, never its event."""
    pool_id = request.query.get("pool")
    runs = [run.to_json() for run in request.app[EMULATOR].functions.runs.runs
            if pool_id is None or run.pool_id == pool_id]
    return web.json_response({"runs": runs})


def _devices(emulator: Emulator, pool_id: str | None = None) -> list[dict[str, Any]]:
    """Every confirmed device of every user (what ListDevices would show, minus the verifier),
    by pool, then user, then first confirmed."""
    found = []
    for pool in emulator.store.pools.values():
        if pool_id is not None and pool.id != pool_id:
            continue
        for user in pool.users.values():
            for device in sorted(user.devices.values(), key=lambda known: known.created):
                found.append({
                    "pool_id": pool.id, "username": user.username, "device_key": device.key,
                    "device_name": device.name, "remembered_status": device.remembered_status,
                    "created": device.created, "last_authenticated": device.last_authenticated,
                })
    return found


async def devices(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    return web.json_response({"devices": _devices(emulator, request.query.get("pool"))})


def _passkeys(emulator: Emulator, pool_id: str | None = None) -> list[dict[str, Any]]:
    """Every registered passkey (never its public key), by pool, user, then registration."""
    found = []
    for pool in emulator.store.pools.values():
        if pool_id is not None and pool.id != pool_id:
            continue
        for user in pool.users.values():
            for key in sorted(user.passkeys.values(), key=lambda known: known.created):
                credential_id = bytes_to_base64url(key.credential_id)
                found.append({
                    "pool_id": pool.id, "username": user.username,
                    "credential_id": credential_id, "credential_id_prefix": credential_id[:12],
                    "name": key.name, "relying_party_id": key.relying_party_id,
                    "created": key.created, "last_used": key.last_used,
                    "sign_count": key.sign_count, "transports": list(key.transports),
                    "attachment": key.attachment,
                })
    return found


async def passkeys(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    return web.json_response({"passkeys": _passkeys(emulator, request.query.get("pool"))})


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {"operation": fault.operation, "error": fault.error, "message": fault.message,
            "latency_ms": fault.latency_ms, "count": fault.remaining}


async def list_faults(request: web.Request) -> web.Response:
    pending = request.app[EMULATOR].faults.pending()
    return web.json_response({"faults": [_fault_json(fault) for fault in pending]})


async def add_fault(request: web.Request) -> web.Response:
    body = await _json_body(request)
    if body is None:
        return _problem(400, "expected a JSON object")
    operation = body.get("operation")
    error = body.get("error")
    latency = body.get("latency_ms", 0)
    count = body.get("count", 1)
    if not isinstance(operation, str) or operation_model(operation) is None:
        return _problem(400, "operation must name a Cognito operation")
    if error is not None and (not isinstance(error, str) or not error.isidentifier()):
        return _problem(400, "error must be an error code such as InternalErrorException")
    if not _non_negative_int(latency) or not _non_negative_int(count) or count == 0:
        return _problem(400, "latency_ms must be an integer >= 0 and count an integer >= 1")
    if error is None and latency == 0:
        return _problem(400, "give an error, a latency_ms, or both")
    fault = Fault(operation=operation, remaining=count, error=error,
                  message=str(body.get("message", "")), latency_ms=latency)
    request.app[EMULATOR].faults.add(fault)
    return web.json_response(_fault_json(fault), status=201)


def _non_negative_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


async def clear_faults(request: web.Request) -> web.Response:
    request.app[EMULATOR].faults.clear()
    return web.json_response({"faults": []})


def _clock_json(emulator: Emulator) -> dict[str, float]:
    return {"offset_seconds": emulator.clock.offset_seconds, "now": emulator.now()}


async def get_clock(request: web.Request) -> web.Response:
    return web.json_response(_clock_json(request.app[EMULATOR]))


async def set_clock(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    body = await _json_body(request)
    if body is None or len(body) != 1:
        return _problem(400, "give exactly one of advance_seconds or offset_seconds")
    ((key, value),) = body.items()
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if key not in ("advance_seconds", "offset_seconds") or not is_number:
        return _problem(400, "give exactly one of advance_seconds or offset_seconds (a number)")
    if key == "advance_seconds":
        emulator.clock.advance(value)
    else:
        emulator.clock.set_offset(value)
    return web.json_response(_clock_json(emulator))


def _token_validity_json(emulator: Emulator) -> dict[str, bool]:
    return {"enforce_ranges": emulator.store.enforce_token_validity_ranges}


async def get_token_validity(request: web.Request) -> web.Response:
    return web.json_response(_token_validity_json(request.app[EMULATOR]))


async def set_token_validity(request: web.Request) -> web.Response:
    """``{"enforce_ranges": false}`` lets app clients made from now on have token lifetimes
    outside Cognito's ranges (a 3-second access token for a test that waits in real time);
    a reset makes the ranges apply again."""
    emulator = request.app[EMULATOR]
    body = await _json_body(request)
    if body is None or set(body) != {"enforce_ranges"} or not isinstance(
        body["enforce_ranges"], bool
    ):
        return _problem(400, 'give {"enforce_ranges": true|false}')
    emulator.store.enforce_token_validity_ranges = body["enforce_ranges"]
    return web.json_response(_token_validity_json(emulator))


async def reset(request: web.Request) -> web.Response:
    request.app[EMULATOR].reset()
    return web.json_response({"status": "reset"})


def _totp_secret(user: User) -> str | None:
    return user.mfa.totp_secret or user.mfa.pending_totp_secret


def _totp_json(emulator: Emulator, pool: Pool, user: User, secret: str) -> dict[str, Any]:
    now = emulator.now()
    return {
        "pool_id": pool.id,
        "username": user.username,
        "code": mfa.totp_code(secret, now),
        "secret": secret,
        "verified": secret == user.mfa.totp_secret,
        "seconds_left": mfa.TOTP_STEP_SECONDS - int(now) % mfa.TOTP_STEP_SECONDS,
    }


async def totp(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    name = request.query.get("username")
    if not name:
        return _problem(400, "username is required")
    found = [(pool, user) for pool, user in
             emulator.store.users_matching(name, request.query.get("pool"))
             if _totp_secret(user)]
    if not found:
        return _problem(404, "no such user with a software token")
    if len(found) > 1:
        return _problem(409, "several users match; add pool=<UserPoolId>")
    pool, user = found[0]
    secret = _totp_secret(user)
    assert secret is not None
    return web.json_response(_totp_json(emulator, pool, user, secret))


async def to_page(request: web.Request) -> web.Response:
    raise web.HTTPFound("/_emulator/")


def _authenticators(emulator: Emulator) -> list[dict[str, Any]]:
    """The current code of every user with a software token, enrolled or being set up."""
    found = []
    for pool in emulator.store.pools.values():
        for user in pool.users.values():
            secret = _totp_secret(user)
            if secret:
                found.append(_totp_json(emulator, pool, user, secret))
    return found


async def authenticators(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    return web.json_response({
        "now": emulator.now(),
        "step_seconds": mfa.TOTP_STEP_SECONDS,
        "authenticators": _authenticators(emulator),
    })


def _message_key(message: dict[str, Any]) -> str:
    """How the page's script tells messages apart (page.js builds the same string from the
    JSON: the time to the millisecond, then the other fields)."""
    fields = [f"{message['sent_at']:.3f}"] + [
        str(message[k]) for k in ("pool_id", "username", "destination", "purpose", "code")
    ]
    return "|".join(fields)


def _device_key(device: dict[str, Any]) -> str:
    """As page.js's deviceKey: what tells a device row apart, and when it must be redrawn."""
    return "|".join([device["pool_id"], device["device_key"], device["remembered_status"],
                     f"{device['last_authenticated']:.3f}", device["device_name"] or ""])


def _passkey_key(passkey: dict[str, Any]) -> str:
    """As page.js's passkeyKey."""
    used = passkey["last_used"]
    return "|".join([passkey["pool_id"], passkey["credential_id"], str(passkey["sign_count"]),
                     "" if used is None else f"{used:.3f}", passkey["name"]])


def _run_key(run: dict[str, Any]) -> str:
    """As page.js's runKey."""
    return "|".join([f"{run['at']:.3f}", run["pool_id"], run["trigger_source"],
                     run["function_name"] or "", run["outcome"], run["error"] or "",
                     run["username"]])


def _clock_time(epoch: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(epoch)) + " UTC"


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


# The page lists this many trigger runs, newest first (the JSON hook has them all).
PAGE_RUNS = 50

_SCRIPT = (Path(__file__).parent / "templates" / "page.js").read_text(encoding="utf-8")


async def page_script(request: web.Request) -> web.Response:
    return web.Response(
        text=_SCRIPT, content_type="text/javascript", charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )


async def page(request: web.Request) -> web.Response:
    """A page for people: what was sent (newest first), each authenticator's code, the devices
users have confirmed and the latest trigger runs (newest first; no event, so no password).

    Rendered complete on the server; ``page.js`` then keeps it current in place (countdown,
    new codes, new messages) from the JSON hooks, without reloading, so a selection survives.
    """
    emulator = request.app[EMULATOR]
    messages = []
    for message in reversed(emulator.outbox.messages):
        shown = message.to_json()
        shown.update(key=_message_key(shown), sent_clock=_clock_time(message.sent_at),
                     sent_iso=_iso(message.sent_at), sent_at=repr(message.sent_at))
        messages.append(shown)
    runs = []
    for run in list(reversed(emulator.functions.runs.runs))[:PAGE_RUNS]:
        shown = run.to_json()
        shown.update(key=_run_key(shown), at_clock=_clock_time(run.at), at_iso=_iso(run.at),
                     at=repr(run.at))
        runs.append(shown)
    known_devices = []
    for device in _devices(emulator):
        used = device["last_authenticated"]
        device.update(key=_device_key(device), used_clock=_clock_time(used),
                      used_iso=_iso(used), used_at=repr(used))
        known_devices.append(device)
    known_passkeys = []
    for passkey in _passkeys(emulator):
        created, used = passkey["created"], passkey["last_used"]
        passkey.update(key=_passkey_key(passkey), created_clock=_clock_time(created),
                       created_iso=_iso(created), created_at=repr(created),
                       used_clock=None if used is None else _clock_time(used),
                       used_iso=None if used is None else _iso(used),
                       used_at=None if used is None else repr(used))
        known_passkeys.append(passkey)
    nonce = secrets.token_urlsafe(16)
    html = _templates.get_template("index.html").render(
        messages=messages, authenticators=_authenticators(emulator), nonce=nonce,
        now=repr(emulator.now()), step_seconds=mfa.TOTP_STEP_SECONDS,
        devices=known_devices, passkeys=known_passkeys, runs=runs, page_runs=PAGE_RUNS,
    )
    return web.Response(
        text=html,
        content_type="text/html",
        headers={
            "Content-Security-Policy": (
                f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'self'; "
                "connect-src 'self'; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
