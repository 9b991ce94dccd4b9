"""The next step of a sign-in once the password is proven: a new password, a remembered
device's proof (DEVICE_SRP_AUTH) instead of MFA, MFA, MFA setup, or tokens.

These are the steps shared by USER_PASSWORD_AUTH, the PASSWORD_VERIFIER answer and the later
challenge answers, so every route into a sign-in meets the same rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import cognito_srp
from cognito_emulator import delivery, devices, messages, mfa, srp_server, triggers
from cognito_emulator.challenge_state import (
    ChallengeState,
    DeviceSrpAuthState,
    MfaCodeState,
    MfaSetupState,
    NewPasswordState,
    PasswordVerifierState,
    SelectMfaTypeState,
    SoftwareTokenMfaState,
)
from cognito_emulator.errors import (
    PASSWORD_RESET_REQUIRED,
    TEMPORARY_PASSWORD_EXPIRED,
    USER_DISABLED,
    USER_NOT_CONFIRMED,
    NotAuthorized,
    PasswordResetRequired,
    UserNotConfirmed,
)
from cognito_emulator.models import (
    PASSWORD_VERIFIER,
    SMS_MFA,
    SOFTWARE_TOKEN_MFA,
    Client,
    Pool,
    User,
)
from cognito_emulator.outbox import MFA, MFA_SETUP
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_context import CallerContext, new_ip_needs_mfa, remember_ip

# SMS and email MFA codes are valid for three minutes, whatever the session's lifetime.
MFA_CODE_VALIDITY_SECONDS = 180
# Seconds in a day, for TemporaryPasswordValidityDays.
DAY = 86400


@dataclass
class SignIn:
    """One sign-in in progress, as far as the current request is concerned."""

    emulator: Emulator
    call: Call
    pool: Pool
    client: Client
    user: User
    context: CallerContext
    # The DEVICE_KEY the client sent with this step (or with InitiateAuth), if any.
    device_key: str | None = None

    def challenge(self, state: ChallengeState, parameters: dict[str, str], *,
                  name_user: bool = True) -> dict[str, Any]:
        session = self.emulator.sessions.issue(
            pool_id=self.pool.id, client_id=self.client.client_id, username=self.user.username,
            state=state, validity_minutes=self.client.auth_session_validity,
        )
        # USER_ID_FOR_SRP tells the client the internal username to use from now on.
        named = {"USER_ID_FOR_SRP": self.user.username} if name_user else {}
        return {
            "ChallengeName": state.challenge_name,
            "Session": session.token,
            "ChallengeParameters": {**named, **parameters},
        }

    def send_code(self) -> triggers.SendCode:
        """A trigger's ``context.send_code`` for this sign-in's user."""
        return self.emulator.outbox.sender(self.pool.id, self.user.username, self.emulator.now)

    def trigger_metadata(self) -> dict[str, str]:
        """The ClientMetadata the triggers after the first step see: RespondToAuthChallenge's
        (Cognito hands InitiateAuth's only to pre sign-up, pre authentication, migration)."""
        if self.call.operation != "RespondToAuthChallenge":
            return {}
        return dict(self.call.body.get("ClientMetadata") or {})

    def complete(self) -> dict[str, Any]:
        """Tokens (after PostAuthentication and PreTokenGeneration, when configured); with
        NewDeviceMetadata when the pool tracks devices and no known device took part."""
        known = devices.known_device(self.user, self.device_key)
        functions, client_id = self.emulator.functions, self.client.client_id
        metadata = self.trigger_metadata()
        triggers.post_authentication(
            functions, self.pool, client_id, self.user, metadata,
            new_device_used=known is None and devices.tracks_devices(self.pool),
            send_code=self.send_code())
        adjust = triggers.pre_token_generation(functions, self.pool, client_id, self.user,
                                               "TokenGeneration_Authentication", metadata,
                                               self.send_code())
        remember_ip(self.user, self.context)
        new_device = None
        if known is not None:
            devices.note_authenticated(known, self.emulator.now(), self.context.effective_ip)
        elif devices.tracks_devices(self.pool):
            new_device = devices.new_device_metadata(self.emulator, self.pool, self.user)
        device_key = known.key if known else new_device["DeviceKey"] if new_device else None
        result = self.emulator.tokens.sign_in(self.pool, self.client, self.user, self.call.issuer,
                                              device_key=device_key, adjust=adjust)
        if new_device is not None:
            result["NewDeviceMetadata"] = new_device
        return {"ChallengeParameters": {}, "AuthenticationResult": result}


def after_password(sign_in: SignIn) -> dict[str, Any]:
    user = sign_in.user
    if user.status == "FORCE_CHANGE_PASSWORD":
        validity = sign_in.pool.password_policy.temporary_password_validity_days * DAY
        if sign_in.emulator.now() > user.password_set_at + validity:
            raise NotAuthorized(TEMPORARY_PASSWORD_EXPIRED)
        return sign_in.challenge(NewPasswordState(), new_password_parameters(sign_in))
    return after_first_factor(sign_in)


def new_password_parameters(sign_in: SignIn) -> dict[str, str]:
    user = sign_in.user
    missing = [name for name in sign_in.pool.required_attributes() if not user.attributes.get(name)]
    shown = {name: value for name, value in user.attributes.items() if name != "sub"}
    return {
        "requiredAttributes": json.dumps([f"userAttributes.{name}" for name in missing]),
        "userAttributes": json.dumps(shown),
    }


def after_first_factor(sign_in: SignIn) -> dict[str, Any]:
    """The MFA decision (a remembered device instead, pool OFF / OPTIONAL / ON, preference,
    adaptive rule)."""
    pool, user = sign_in.pool, sign_in.user
    device = devices.device_replacing_mfa(pool, user, sign_in.device_key)
    if device is not None:
        return sign_in.challenge(DeviceSrpAuthState(device_key=device.key),
                                 {"USERNAME": user.username})
    methods = mfa.usable_methods(pool, user) if pool.mfa_configuration != "OFF" else []
    if methods:
        return choose_mfa(sign_in, methods)
    if pool.mfa_configuration == "ON":
        # SMS is left out: MFA_SETUP cannot enrol a phone (Cognito wants the number added and
        # the sign-in restarted), and offering it would be a dead end.
        can_setup = [method for method in pool.factors() if method != SMS_MFA]
        return sign_in.challenge(MfaSetupState(can_setup=tuple(can_setup)),
                                 {"MFAS_CAN_SETUP": json.dumps(can_setup)})
    if new_ip_needs_mfa(pool, user, sign_in.context):
        methods = mfa.usable_methods(pool, user)
        fallback = mfa.fallback_method(pool, user)
        if methods:
            return choose_mfa(sign_in, methods)
        if fallback is not None:
            return issue_mfa(sign_in, fallback)
    return sign_in.complete()


def choose_mfa(sign_in: SignIn, methods: list[str]) -> dict[str, Any]:
    preferred = sign_in.user.mfa.preferred
    if preferred in methods:
        return issue_mfa(sign_in, preferred)
    if len(methods) == 1:
        return issue_mfa(sign_in, methods[0])
    return sign_in.challenge(SelectMfaTypeState(choices=tuple(methods)),
                             {"MFAS_CAN_CHOOSE": json.dumps(methods)})


def issue_mfa(sign_in: SignIn, method: str, *, setup_email: str | None = None) -> dict[str, Any]:
    if method == SOFTWARE_TOKEN_MFA:
        return sign_in.challenge(SoftwareTokenMfaState(), {})
    medium = delivery.SMS if method == SMS_MFA else delivery.EMAIL
    sent = messages.send_code(
        sign_in.emulator, sign_in.pool, sign_in.client.client_id, sign_in.user, medium,
        MFA_SETUP if setup_email else MFA, messages.AUTHENTICATION, sign_in.trigger_metadata(),
        destination=setup_email,
    )
    state = MfaCodeState(method=method, code=sent.code,
                         expires_at=sign_in.emulator.now() + MFA_CODE_VALIDITY_SECONDS,
                         setup_email=setup_email)
    return sign_in.challenge(
        state,
        {"CODE_DELIVERY_DELIVERY_MEDIUM": sent.medium, "CODE_DELIVERY_DESTINATION": sent.masked},
    )


def password_verifier(emulator: Emulator, pool: Pool, client: Client, typed: str, srp_a: str,
                       user: User | None, device_key: str | None) -> dict[str, Any]:
    """PASSWORD_VERIFIER for ``user``, or for a name that matches no user (``user`` None):
    then a stand-in that looks the same but can never be answered."""
    realm = cognito_srp.pool_name(pool.id)
    if user is None:
        # A random verifier: the claim can never verify.
        identity = srp_server.SrpIdentity(realm=realm, user_id=typed,
                                          salt=emulator.entropy.salt(),
                                          verifier=emulator.entropy.salt())
    else:
        identity = srp_server.SrpIdentity(realm=realm, user_id=user.username, salt=user.salt,
                                          verifier=user.verifier)
    exchange = srp_server.start_exchange(identity, srp_a, emulator.entropy)
    session = emulator.sessions.issue(
        pool_id=pool.id, client_id=client.client_id, username=identity.user_id,
        state=PasswordVerifierState(srp=exchange, user_exists=user is not None,
                                    device_key=device_key),
        validity_minutes=client.auth_session_validity,
    )
    return {
        "ChallengeName": PASSWORD_VERIFIER,
        "Session": session.token,
        "ChallengeParameters": {
            **exchange.challenge_parameters(),
            "USERNAME": identity.user_id,
            "USER_ID_FOR_SRP": identity.user_id,
        },
    }


def refuse_unusable(user: User) -> None:
    # Cognito reports these before looking at the password (an unconfirmed user hears
    # "not confirmed" even with a wrong password; public reports agree on this).
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    if user.status == "UNCONFIRMED":
        raise UserNotConfirmed(USER_NOT_CONFIRMED)
    if user.status == "RESET_REQUIRED":
        raise PasswordResetRequired(PASSWORD_RESET_REQUIRED)
