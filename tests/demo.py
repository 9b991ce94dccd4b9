"""The demo seed as the tests know it: pool and client ids, the demo users, their passwords and
TOTP secrets, read from ``cognito_emulator/demo_seed.yaml`` (the seed the session's emulator
serves), plus the gateway configuration the tests run it with.

Import these from here, never from a ``conftest``: conftests hold fixtures only. The values are
read from the seed file rather than written out again, so the two cannot drift apart; the
usernames are checked against the seed at import.
"""

from __future__ import annotations

from typing import Any

import yaml

from tests.servers import ROOT, EmulatorProcess, RedisServer

DEMO_SEED = ROOT / "cognito_emulator" / "demo_seed.yaml"
_SEED: dict[str, Any] = yaml.safe_load(DEMO_SEED.read_text(encoding="utf-8"))


def _pool(name: str) -> dict[str, Any]:
    (pool,) = (p for p in _SEED["pools"] if p["PoolName"] == name)
    return dict(pool)


def _client(pool: dict[str, Any], name: str) -> dict[str, Any]:
    (client,) = (c for c in pool["Clients"] if c["ClientName"] == name)
    return dict(client)


def seed_user(username: str) -> dict[str, Any]:
    """The seed's entry for ``username``, in whichever pool it is."""
    (user,) = (u for p in _SEED["pools"] for u in p["Users"] if u["Username"] == username)
    return dict(user)


def name_of(username: str) -> str:
    """The ``name`` attribute the seed gives ``username``: what the landing page greets."""
    return str(seed_user(username)["Attributes"]["name"])


# --- the pools and their app clients ----------------------------------------------------------

_MAIN = _pool("demo")  # MFA optional: one user per sign-in scenario
_MFA_REQUIRED = _pool("demo-mfa-required")  # MFA on: users without a method set one up

POOL: str = _MAIN["Id"]
CLIENT: str = _client(_MAIN, "gateway")["ClientId"]
SECRET: str = _client(_MAIN, "gateway")["ClientSecret"]
PUBLIC_CLIENT: str = _client(_MAIN, "public")["ClientId"]  # no secret
MFA_POOL: str = _MFA_REQUIRED["Id"]
MFA_CLIENT: str = _client(_MFA_REQUIRED, "gateway")["ClientId"]
MFA_SECRET: str = _client(_MFA_REQUIRED, "gateway")["ClientSecret"]

# Remembered devices: one pool per GATEWAY_REMEMBER_DEVICES mode, a TOTP user in each.
_DEVICES_ASK = _pool("demo-devices-ask")  # DeviceOnlyRememberedOnUserPrompt: true
_DEVICES_ALWAYS = _pool("demo-devices-always")  # DeviceOnlyRememberedOnUserPrompt: false
DEVICE_ASK_POOL: str = _DEVICES_ASK["Id"]
DEVICE_ASK_CLIENT: str = _client(_DEVICES_ASK, "gateway")["ClientId"]
DEVICE_ASK_SECRET: str = _client(_DEVICES_ASK, "gateway")["ClientSecret"]
DEVICE_ALWAYS_POOL: str = _DEVICES_ALWAYS["Id"]
DEVICE_ALWAYS_CLIENT: str = _client(_DEVICES_ALWAYS, "gateway")["ClientId"]
DEVICE_ALWAYS_SECRET: str = _client(_DEVICES_ALWAYS, "gateway")["ClientSecret"]
# Custom authentication: the two example triggers, each in its own pool.
_CUSTOM_CODE = _pool("demo-custom-auth")  # CUSTOM_AUTH: a code by email, three tries
_CUSTOM_QUESTION = _pool("demo-custom-question")  # CUSTOM_AUTH_SRP: password, then a question
CODE_POOL: str = _CUSTOM_CODE["Id"]
CODE_CLIENT: str = _client(_CUSTOM_CODE, "gateway-custom-auth")["ClientId"]
CODE_SECRET: str = _client(_CUSTOM_CODE, "gateway-custom-auth")["ClientSecret"]
QUESTION_POOL: str = _CUSTOM_QUESTION["Id"]
QUESTION_CLIENT: str = _client(_CUSTOM_QUESTION, "gateway")["ClientId"]
QUESTION_SECRET: str = _client(_CUSTOM_QUESTION, "gateway")["ClientSecret"]
CODE_USER = "code-user"
QUESTION_USER = "question-user"
QUESTION_ANSWER = "42"  # cognito_emulator/examples/security_question.py

DEVICE_USER = "device-user"  # in the "ask" pool
ALWAYS_DEVICE_USER = "always-device-user"  # in the "always" pool

# How long the gateway client's Cognito Session lasts (AuthSessionValidity, minutes).
SESSION_VALIDITY_SECONDS: int = _client(_MAIN, "gateway")["AuthSessionValidity"] * 60
# An address on the demo pool's adaptive-authentication block list.
(BLOCKED_IP,) = _MAIN["Adaptive"]["BlockedIps"]

# --- the demo users, one per sign-in scenario -----------------------------------------------

PASSWORD_USER = "password-user"  # no MFA
TOTP_USER = "totp-user"  # authenticator app
SMS_USER = "sms-user"
EMAIL_USER = "email-user"
CHOICE_USER = "choice-user"  # all three methods, none preferred
NEW_PASSWORD_USER = "new-password-user"  # a temporary password
SETUP_USER = "setup-user"  # MFA-required pool, no method yet
for _username in (PASSWORD_USER, TOTP_USER, SMS_USER, EMAIL_USER, CHOICE_USER,
                  NEW_PASSWORD_USER, SETUP_USER):
    seed_user(_username)  # fails here, not in some test, if the seed loses one
# Signs in by email alias; its username is an opaque id.
ALIAS_EMAIL = "alias@example.com"
(ALIAS_ID,) = (u["Username"] for u in _MAIN["Users"]
               if u["Attributes"].get("email") == ALIAS_EMAIL)

# Every demo user with a permanent password has the same one.
(PASSWORD,) = {u["Password"] for p in _SEED["pools"] for u in p["Users"] if "Password" in u}
TEMPORARY_PASSWORD: str = seed_user(NEW_PASSWORD_USER)["TemporaryPassword"]
TOTP_SECRET: str = seed_user(TOTP_USER)["Mfa"]["Totp"]["Secret"]  # base32, what the app holds
CHOICE_TOTP_SECRET: str = seed_user(CHOICE_USER)["Mfa"]["Totp"]["Secret"]

# --- the gateway the tests run against the demo seed ----------------------------------------

SIGNING_KEY = "test-signing-key-0123456789abcdefghijklmnop"
BRAND_NAME = "Demo App"


def environment(
    emulator: EmulatorProcess, redis_server: RedisServer, **overrides: str
) -> dict[str, str]:
    """The demo gateway's GATEWAY_* environment, plus overrides (lower case, without the
    prefix; an empty string removes a variable)."""
    env = {
        "GATEWAY_REDIS_URL": redis_server.url,
        "GATEWAY_SECRET_KEYS": SIGNING_KEY,
        "GATEWAY_USER_POOL_ID": POOL,
        "GATEWAY_CLIENT_ID": CLIENT,
        "GATEWAY_CLIENT_SECRET": SECRET,
        "GATEWAY_COGNITO_ENDPOINT": emulator.url,
        "GATEWAY_BRAND_NAME": BRAND_NAME,
        # The delay that evens out failed sign-ins would only slow the suite down; the tests
        # of it (test_security_existence.py) turn it back on.
        "GATEWAY_FAILED_SIGN_IN_FLOOR_MS": "0",
        # Every test's traffic comes from one address and signs the same demo users in again
        # and again; the tests of these budgets (test_security_fair_limits.py) set their own.
        "GATEWAY_CLIENT_START_LIMIT": "10000",
        "GATEWAY_ACCOUNT_START_LIMIT": "10000",
        "GATEWAY_CLIENT_CODE_LIMIT": "10000",
        "GATEWAY_ACCOUNT_CODE_LIMIT": "10000",
        "GATEWAY_ASSUME_PREVENT_USER_EXISTENCE": "true",
    }
    env.update({f"GATEWAY_{key.upper()}": value for key, value in overrides.items()})
    return {k: v for k, v in env.items() if v != ""}



# Choice-based sign-in (USER_AUTH) with passkeys: an Essentials pool, one user per first factor.
_CHOICE = _pool("demo-choice")
CHOICE_POOL: str = _CHOICE["Id"]
CHOICE_CLIENT: str = _client(_CHOICE, "gateway")["ClientId"]
CHOICE_SECRET: str = _client(_CHOICE, "gateway")["ClientSecret"]
CHOICE_PASSWORD_USER = "choice-password-user"
CHOICE_EMAIL_USER = "choice-email-user"
CHOICE_SMS_USER = "choice-sms-user"
PASSKEY_USER = "passkey-user"
