"""Typed keys for what the app and each request carry, in one place so every module agrees."""

from __future__ import annotations

from aiohttp import web

from demo_upstream.auth import Identity, Verifier
from demo_upstream.keys import JwksCache
from demo_upstream.requestlog import RequestLog

JWKS = web.AppKey("jwks", JwksCache)
VERIFIER = web.AppKey("verifier", Verifier)
REQUEST_LOG = web.AppKey("request_log", RequestLog)
IDENTITY = web.RequestKey("identity", Identity)
