"""Passkeys (WebAuthn): registration by a signed-in user, the list of their passkeys, and the
assertion that answers a WEB_AUTHN challenge.

Every WebAuthn structure is built and verified by py_webauthn (``webauthn``): the options, the
attestation (``none`` and ``packed`` among its formats), the assertion's signature, challenge,
origin, RP id hash, user verification and signature counter. The emulator only decides which
origins are allowed and maps the library's verdicts to Cognito's errors:

- the relying party is the pool's ``WebAuthnConfiguration.RelyingPartyId`` (the emulator has no
  user-pool domains, so without one: WebAuthnConfigurationMissingException);
- allowed origins are ``https://<RelyingPartyId>``; for ``localhost`` also
  ``http(s)://localhost:<any port>``; plus the seed's ``WebAuthnAllowedOrigins``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from typing import Any

import webauthn
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    options_to_json_dict,
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from cognito_emulator.challenge_state import WebAuthnState
from cognito_emulator.errors import (
    INCORRECT_CREDENTIALS,
    WEB_AUTHN_CHALLENGE_NOT_FOUND,
    WEB_AUTHN_CONFIGURATION_MISSING,
    WEB_AUTHN_NOT_ENABLED,
    InvalidParameter,
    LimitExceeded,
    NotAuthorized,
    ResourceNotFound,
    WebAuthnChallengeNotFound,
    WebAuthnClientMismatch,
    WebAuthnConfigurationMissing,
    WebAuthnCredentialNotSupported,
    WebAuthnNotEnabled,
    WebAuthnOriginNotAllowed,
    WebAuthnRelyingPartyMismatch,
)
from cognito_emulator.models import Passkey, PendingRegistration, Pool, User
from cognito_emulator.pool_store import web_authn_enabled
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_self import signed_in_user

log = logging.getLogger("cognito_emulator")

# A registration challenge lasts five minutes; the browser is told the same (milliseconds).
REGISTRATION_VALIDITY_SECONDS = 300
# The WEB_AUTHN sign-in challenge: the browser's hint (the Session bounds it anyway).
AUTHENTICATION_TIMEOUT_MS = 180_000
CHALLENGE_BYTES = 32
# Cognito's limit of passkeys per user.
MAX_PASSKEYS = 20
LIST_PAGE = 20
# ES256 and RS256, what Cognito asks authenticators for.
ALGORITHMS = [COSEAlgorithmIdentifier.ECDSA_SHA_256,
              COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256]
_LOCALHOST_ORIGIN = re.compile(r"https?://localhost(:\d{1,5})?")
# FriendlyCredentialName: the authenticator's name from its AAGUID when it is a well-known
# one, else "Passkey".
_KNOWN_AAGUIDS = {
    "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
    "dd4ec289-e01d-41c9-bb89-70fa845d4bf2": "iCloud Keychain (Managed)",
    "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
    "adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
    "08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
    "9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
    "6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
    "bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
    "d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
    "53414d53-554e-4700-0000-000000000000": "Samsung Pass",
    "531126d6-e717-415c-9320-3d9aa6981239": "Dashlane",
}
DEFAULT_NAME = "Passkey"


# -- configuration ---------------------------------------------------------------------------


def relying_party(pool: Pool) -> str:
    """The pool's RP id, or Cognito's errors when passkeys are off or not configured."""
    if not web_authn_enabled(pool):
        raise WebAuthnNotEnabled(WEB_AUTHN_NOT_ENABLED)
    if pool.web_authn is None or not pool.web_authn.relying_party_id:
        raise WebAuthnConfigurationMissing(WEB_AUTHN_CONFIGURATION_MISSING)
    return pool.web_authn.relying_party_id


def configured_relying_party(pool: Pool) -> str | None:
    try:
        return relying_party(pool)
    except (WebAuthnNotEnabled, WebAuthnConfigurationMissing):
        return None


def origin_allowed(pool: Pool, origin: str) -> bool:
    rp_id = pool.web_authn.relying_party_id if pool.web_authn else None
    if not rp_id:
        return False
    if origin == f"https://{rp_id}" or origin in pool.extra_web_authn_origins:
        return True
    return rp_id == "localhost" and _LOCALHOST_ORIGIN.fullmatch(origin) is not None


def usable_passkeys(pool: Pool, user: User) -> list[Passkey]:
    """The user's passkeys for the pool's current relying party, oldest first."""
    rp_id = configured_relying_party(pool)
    if rp_id is None:
        return []
    return sorted((key for key in user.passkeys.values() if key.relying_party_id == rp_id),
                  key=lambda key: key.created)


def user_handle(user: User) -> bytes:
    """WebAuthn's user.id: the user's ``sub``, never the username."""
    return user.sub.encode()


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in passkey.transports
                  if t in AuthenticatorTransport._value2member_map_]
    return PublicKeyCredentialDescriptor(id=passkey.credential_id, transports=transports or None)


def _verification(requirement: str) -> UserVerificationRequirement:
    return UserVerificationRequirement(requirement)


# -- registration ----------------------------------------------------------------------------


def start_web_authn_registration(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    rp_id = relying_party(pool)
    assert pool.web_authn is not None
    if len(user.passkeys) >= MAX_PASSKEYS:
        raise LimitExceeded(f"A user can have at most {MAX_PASSKEYS} passkeys.")
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    client_id = str(call.record.client_id or "")
    user.pending_registration = PendingRegistration(
        challenge=challenge, client_id=client_id,
        expires_at=emulator.now() + REGISTRATION_VALIDITY_SECONDS)
    options = webauthn.generate_registration_options(
        rp_id=rp_id, rp_name=pool.name, user_name=user.username, user_id=user_handle(user),
        user_display_name=user.attributes.get("name") or user.attributes.get("email")
        or user.username,
        challenge=challenge, timeout=REGISTRATION_VALIDITY_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, require_resident_key=True,
            user_verification=_verification(pool.web_authn.user_verification)),
        exclude_credentials=[_descriptor(key) for key in usable_passkeys(pool, user)],
        supported_pub_key_algs=ALGORITHMS,
    )
    return {"CredentialCreationOptions": options_to_json_dict(options)}


def complete_web_authn_registration(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    rp_id = relying_party(pool)
    assert pool.web_authn is not None
    given = call.body["Credential"]
    if not isinstance(given, dict):
        raise InvalidParameter("Credential must be a RegistrationResponseJSON object.")
    try:
        credential = parse_registration_credential_json(given)
        client_data = parse_client_data_json(credential.response.client_data_json)
        attestation = parse_attestation_object(credential.response.attestation_object)
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise InvalidParameter("Credential is not a valid RegistrationResponseJSON.") from exc
    pending = user.pending_registration
    if (pending is None or emulator.now() >= pending.expires_at
            or not secrets.compare_digest(pending.challenge, client_data.challenge)):
        raise WebAuthnChallengeNotFound(WEB_AUTHN_CHALLENGE_NOT_FOUND)
    # The challenge counts once, whatever the verdict below.
    user.pending_registration = None
    if pending.client_id != (call.record.client_id or ""):
        raise WebAuthnClientMismatch(
            "The registration was started with an access token of another app client.")
    if not origin_allowed(pool, client_data.origin):
        raise WebAuthnOriginNotAllowed(f"Origin {client_data.origin} is not allowed.")
    if attestation.auth_data.rp_id_hash != hashlib.sha256(rp_id.encode()).digest():
        raise WebAuthnRelyingPartyMismatch(
            f"The credential was not created for the relying party {rp_id}.")
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=pending.challenge, expected_rp_id=rp_id,
            expected_origin=client_data.origin,
            require_user_verification=pool.web_authn.user_verification == "required",
            supported_pub_key_algs=ALGORITHMS,
        )
    except WebAuthnException as exc:
        log.info("passkey registration refused: %s", exc)
        raise WebAuthnCredentialNotSupported(f"The credential is not supported: {exc}") from exc
    if verified.credential_id in user.passkeys:
        raise WebAuthnCredentialNotSupported("This passkey is already registered.")
    user.passkeys[verified.credential_id] = Passkey(
        credential_id=verified.credential_id, public_key=verified.credential_public_key,
        sign_count=verified.sign_count, relying_party_id=rp_id,
        transports=[str(t.value) for t in credential.response.transports or []],
        attachment=(credential.authenticator_attachment.value
                    if credential.authenticator_attachment else None),
        name=_KNOWN_AAGUIDS.get(verified.aaguid, DEFAULT_NAME), created=emulator.now(),
    )
    user.modified = emulator.now()
    return {}


def passkey_view(passkey: Passkey) -> dict[str, Any]:
    """WebAuthnCredentialDescription."""
    view: dict[str, Any] = {
        "CredentialId": bytes_to_base64url(passkey.credential_id),
        "FriendlyCredentialName": passkey.name,
        "RelyingPartyId": passkey.relying_party_id,
        "AuthenticatorTransports": list(passkey.transports),
        "CreatedAt": passkey.created,
    }
    if passkey.attachment:
        view["AuthenticatorAttachment"] = passkey.attachment
    return view


def list_web_authn_credentials(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = signed_in_user(emulator, call)
    token = call.body.get("NextToken")
    if token is not None and not token.isdigit():
        raise InvalidParameter("Invalid next token.")
    start = int(token or 0)
    limit = call.body.get("MaxResults") or LIST_PAGE
    everything = sorted(user.passkeys.values(), key=lambda key: key.created)
    response: dict[str, Any] = {
        "Credentials": [passkey_view(key) for key in everything[start:start + limit]]}
    if start + limit < len(everything):
        response["NextToken"] = str(start + limit)
    return response


def delete_web_authn_credential(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = signed_in_user(emulator, call)
    try:
        credential_id = base64url_to_bytes(call.body["CredentialId"])
    except ValueError:
        credential_id = b""
    if credential_id not in user.passkeys:
        raise ResourceNotFound("Credential not found.")
    del user.passkeys[credential_id]
    if not user.passkeys:
        user.mfa.webauthn_mfa_enabled = False
    user.modified = emulator.now()
    return {}


# -- sign-in ---------------------------------------------------------------------------------


def request_options(pool: Pool, user: User | None, *,
                    require_user_verification: bool) -> tuple[WebAuthnState, str]:
    """The WEB_AUTHN challenge record and its CREDENTIAL_REQUEST_OPTIONS (a JSON string).
    ``user`` None: the stand-in for a name that matches no user (no passkey allowed)."""
    rp_id = pool.web_authn.relying_party_id if pool.web_authn else None
    assert rp_id is not None
    config = pool.web_authn
    assert config is not None
    keys = usable_passkeys(pool, user) if user is not None else []
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    requirement = "required" if require_user_verification else config.user_verification
    options = webauthn.generate_authentication_options(
        rp_id=rp_id, challenge=challenge, timeout=AUTHENTICATION_TIMEOUT_MS,
        allow_credentials=[_descriptor(key) for key in keys],
        user_verification=_verification(requirement),
    )
    state = WebAuthnState(challenge=challenge,
                          allowed=tuple(key.credential_id for key in keys),
                          require_user_verification=requirement == "required",
                          user_exists=user is not None)
    return state, json.dumps(options_to_json_dict(options), separators=(",", ":"))


def verify_assertion(pool: Pool, user: User, state: WebAuthnState, text: str,
                     now: float) -> Passkey:
    """The passkey that signed CREDENTIAL, verified by py_webauthn; NotAuthorizedException
    for anything wrong (a malformed CREDENTIAL is InvalidParameterException)."""
    try:
        credential = parse_authentication_credential_json(text)
        client_data = parse_client_data_json(credential.response.client_data_json)
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise InvalidParameter("CREDENTIAL is not a valid AuthenticationResponseJSON.") from exc
    passkey = user.passkeys.get(credential.raw_id)
    rp_id = configured_relying_party(pool)
    reason = None
    if passkey is None or credential.raw_id not in state.allowed:
        reason = "not one of the user's passkeys"
    elif rp_id is None or passkey.relying_party_id != rp_id:
        reason = "relying party no longer configured"
    elif not origin_allowed(pool, client_data.origin):
        reason = f"origin {client_data.origin} not allowed"
    elif (credential.response.user_handle is not None
          and credential.response.user_handle != user_handle(user)):
        reason = "user handle of another user"
    if reason is not None or passkey is None or rp_id is None:
        log.info("passkey assertion refused: %s", reason)
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=state.challenge, expected_rp_id=rp_id,
            expected_origin=client_data.origin, credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=state.require_user_verification,
        )
    except WebAuthnException as exc:
        log.info("passkey assertion refused: %s", exc)
        raise NotAuthorized(INCORRECT_CREDENTIALS) from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used = now
    return passkey
