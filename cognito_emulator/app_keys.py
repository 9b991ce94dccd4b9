"""Typed application keys (string keys warn in aiohttp, and warnings fail our tests)."""

from __future__ import annotations

from aiohttp import web

from cognito_emulator.state import Emulator

EMULATOR = web.AppKey("emulator", Emulator)
# Base URL for token issuers; empty means "as the caller reached us".
ISSUER_OVERRIDE = web.AppKey("issuer_override", str)
