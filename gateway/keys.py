"""Every typed key under which the application and each request keep their dependencies."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from gateway.cognito.client import Cognito
from gateway.cognito.jwks import TokenVerifier
from gateway.config import Settings
from gateway.security.signing import Signing
from gateway.session.refresh import Freshness
from gateway.session.sessions import Sessions
from gateway.signin.runner import SignIn
from gateway.store import Store
from gateway.web.i18n import Catalogs, Translator
from gateway.web.templates import Pages

if TYPE_CHECKING:  # the typed client exists in the stubs only
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient

SETTINGS = web.AppKey("settings", Settings)
SIGNING = web.AppKey("signing", Signing)
CATALOGS = web.AppKey("catalogs", Catalogs)
PAGES = web.AppKey("pages", Pages)
# Filled in by the cleanup contexts once the connections exist.
STORE = web.AppKey("store", Store)
COGNITO_CLIENT: web.AppKey[CognitoIdentityProviderClient] = web.AppKey("cognito_client")
COGNITO = web.AppKey("cognito", Cognito)
SESSIONS = web.AppKey("sessions", Sessions)
SIGN_IN = web.AppKey("sign_in", SignIn)
EXECUTOR = web.AppKey("executor", Executor)
# The gateway's own HTTP client (the pool's JWKS), and the relay's, one per upstream route.
HTTP = web.AppKey("http", aiohttp.ClientSession)
UPSTREAM_CLIENTS = web.AppKey("upstream_clients", dict[str, aiohttp.ClientSession])
VERIFIER = web.AppKey("verifier", TokenVerifier)
FRESHNESS = web.AppKey("freshness", Freshness)

# The gateway's own application, whose keys above hold every dependency. Handlers read them
# through this rather than ``request.app`` (inside the /auth sub-app that is the sub-app) or
# ``request.config_dict`` (which builds a new lookup chain on every access).
ROOT_APP = web.RequestKey("root_app", web.Application)
REQUEST_ID = web.RequestKey("request_id", str)
CSP_NONCE = web.RequestKey("csp_nonce", str)
TRANSLATOR = web.RequestKey("translator", Translator)
# Cookies that arrived but did not verify: cleared on whatever response goes out.
STALE_COOKIES = web.RequestKey("stale_cookies", set[str])
# The client IP through the trusted proxies, worked out once: UserContextData, the rate limits
# and the request log all use this one value.
CLIENT_IP: web.RequestKey[str | None] = web.RequestKey("client_ip")
# The request went to an upstream ("personal": with a person's token; "anonymous": without):
# its answer keeps the upstream's own Cache-Control, made private when personal.
RELAYED = web.RequestKey("relayed", str)
