"""What the signed-in person's own pages and routes share (the account area, passkeys): the
session they need, a page form checked against its token, and how a moment is shown."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from gateway import errors
from gateway.keys import ROOT_APP, SIGNING
from gateway.web.requests import read_form, read_json
from gateway.web.session_layer import Current, current_session


async def signed_in(request: web.Request) -> Current:
    current = await current_session(request)
    if current is None:
        raise errors.NotSignedIn("no session")
    return current


async def posted(request: web.Request) -> tuple[dict[str, str], Current]:
    """A form of an account page: the signed-in session and the form's token bound to it."""
    form = await read_form(request)
    current = await current_session(request)
    if current is None or not request[ROOT_APP][SIGNING].check_csrf(form.get("csrf"),
                                                                    current.ticket):
        raise errors.CsrfFailed("account form without the page's token")
    return form, current


async def no_members(request: web.Request) -> None:
    if request.body_exists:
        await read_json(request)  # no members, but a body must still be JSON


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def when(seconds: int | None) -> dict[str, str] | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, UTC)
    return {"iso": moment.isoformat(), "text": moment.strftime("%Y-%m-%d %H:%M UTC")}
