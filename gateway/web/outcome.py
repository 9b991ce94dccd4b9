"""The one outcome writer: the only code that sets or clears the gateway's cookies and ends a
replaced session. Both faces build their own body (a redirect, a page, JSON) and hand the
response here with what happened.
"""

from __future__ import annotations

from aiohttp import web

from gateway.keys import COGNITO, ROOT_APP, SESSIONS, SETTINGS
from gateway.security.signing import Purpose, Ticket
from gateway.session.logout import sign_out
from gateway.signin.runner import Finished, Outcome, Pending, SignedIn
from gateway.web.cookies import (
    clear_device,
    clear_ticket,
    read_ticket,
    set_device,
    set_known,
    set_ticket,
)
from gateway.web.session_layer import forget_session

# On sign-out, ask the browser to drop everything this site stored for the person.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
# ... but for the device cookie (where devices are remembered) and the known-person cookie
# (passkey autofill): Clear-Site-Data cannot spare one cookie, and a browser that forgot them
# after every sign-out would be remembered for nothing.
# The gateway's own cookies are cleared one by one all the same (Set-Cookie).
CLEAR_SITE_DATA_KEEPING_COOKIES = '"cache", "storage"'


async def write(request: web.Request, response: web.StreamResponse, outcome: Outcome) -> None:
    """A step is waiting (the flow cookie names it), or the person is signed in (a new session
    cookie; the flow cookie and any session this browser carried before are ended).

    The device cookie: written when this sign-in remembered the device (sealed: the device's
    secret never reaches the browser in clear), cleared when it named a device Cognito no
    longer knows (the person is then asked for MFA, with no error)."""
    match outcome:
        case Finished(ticket, _):
            # Back at the login form, which reads the journey's notice and name.
            set_ticket(request, response, Purpose.FLOW, ticket)
        case Pending(ticket, _, _, forget_device):
            set_ticket(request, response, Purpose.FLOW, ticket)
            if forget_device:
                clear_device(request, response)
        case SignedIn(ticket, _, _, remembered, typed):
            await _end_replaced_session(request)
            set_ticket(request, response, Purpose.SESSION, ticket)
            clear_ticket(request, response, Purpose.FLOW)
            if remembered is not None:
                set_device(request, response, remembered)
            if typed and request[ROOT_APP][SETTINGS].cognito.auth_flow == "USER_AUTH":
                set_known(request, response, typed)


def forgot_device(request: web.Request, response: web.StreamResponse) -> None:
    """This browser's remembered device was forgotten (the account area): its cookie goes."""
    clear_device(request, response)


def anchor_flow(request: web.Request, response: web.StreamResponse, ticket: Ticket) -> None:
    """The login form's ticket: it exists before any Redis record does, to bind the form's
    CSRF token to this browser (login CSRF) without letting page views create state."""
    set_ticket(request, response, Purpose.FLOW, ticket)


def end_flow(request: web.Request, response: web.StreamResponse) -> None:
    clear_ticket(request, response, Purpose.FLOW)


async def signed_out(
    request: web.Request, response: web.StreamResponse, ticket: Ticket, *,
    everywhere: bool = False,
) -> None:
    """End the session of this browser's session cookie, ``ticket`` (and, ``everywhere``,
    every session of the person), then clear both cookies and ask the browser to forget what
    the site stored (its cookies too, unless this browser's remembered device must survive an
    ordinary sign-out).

    Only for a request that proved it is the person's own (the cookie came, and with it the
    face's CSRF proof): Clear-Site-Data wipes every cookie and all storage of the site, other
    applications' on the same host included, so a request that could have been forged by
    another site must never get here.
    """
    await sign_out(request[ROOT_APP][SESSIONS], request[ROOT_APP][COGNITO], ticket,
                   everywhere=everywhere)
    forget_session(request)
    clear_ticket(request, response, Purpose.SESSION)
    clear_ticket(request, response, Purpose.FLOW)
    # "Sign out everywhere" is the panic button: this browser forgets its device (and who
    # signed in with it) too.
    settings = request[ROOT_APP][SETTINGS]
    remembers = settings.devices.remember != "off" or settings.cognito.auth_flow == "USER_AUTH"
    response.headers["Clear-Site-Data"] = (
        CLEAR_SITE_DATA_KEEPING_COOKIES if remembers and not everywhere else CLEAR_SITE_DATA)


async def _end_replaced_session(request: web.Request) -> None:
    """Signing in ends the session this browser already carried: neither a planted id
    (fixation) nor an earlier sign-in lives on beside the new session."""
    ticket = read_ticket(request, Purpose.SESSION)
    if ticket is not None:
        await sign_out(request[ROOT_APP][SESSIONS], request[ROOT_APP][COGNITO], ticket)
        forget_session(request)
