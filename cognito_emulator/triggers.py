"""Lambda triggers: the code a pool's ``LambdaConfig`` has Cognito run at fixed points of a flow.

``LambdaConfig`` values stay Lambda ARNs (``arn:aws:lambda:<region>:<account>:function:<name>``);
the emulator finds ``<name>`` in its function table (``--function NAME=package.module:attr`` and
the seed's ``functions:`` mapping) and calls that Python callable as AWS Lambda would,
``handler(event, context)``, with Cognito's event (``version``, ``triggerSource``, ``region``,
``userPoolId``, ``userName``, ``callerContext``, ``request``, ``response``); the event it returns
is read back. Failures answer as Cognito does:

- a function not in the table (or a LambdaConfig value that is not a function ARN):
  ``UnexpectedLambdaException``;
- a handler that raises: ``UserLambdaValidationException: <Trigger> failed with error <msg>.``;
- a handler that returns no event, or one whose ``response`` has the wrong shape:
  ``InvalidLambdaResponseException: Unrecognizable lambda output``.

PreAuthentication (``PreAuthentication_Authentication``) runs when InitiateAuth USER_SRP_AUTH,
USER_PASSWORD_AUTH or CUSTOM_AUTH has found the user, before any password; PostAuthentication
(``PostAuthentication_Authentication``) before a sign-in's tokens; PreTokenGeneration
(``TokenGeneration_Authentication`` / ``TokenGeneration_RefreshTokens``; ``PreTokenGeneration``
is version 1, ``PreTokenGenerationConfig`` with ``LambdaVersion`` V2_0 the version-2 event) may
add, override and suppress claims (``PROTECTED_CLAIMS`` are left alone). The custom
authentication flow (custom_auth.py) uses three more:

- DefineAuthChallenge: called by InitiateAuth CUSTOM_AUTH and after every answer, with the
  challenges so far (``request.session``); decides the next challenge or that tokens are due.
- CreateAuthChallenge: makes a CUSTOM_CHALLENGE's public and private parameters; the private
  ones stay in the Session, as a CUSTOM_CHALLENGE record in challenge_state.py.
- VerifyAuthChallengeResponse: judges RespondToAuthChallenge's ANSWER.

UserMigration (migration.py) runs when a password sign-in or ForgotPassword names a user the
pool does not have. PreSignUp (``PreSignUp_SignUp``) runs in SignUp before the user is created
and may confirm it and verify its email / phone; PostConfirmation
(``PostConfirmation_ConfirmSignUp`` / ``_ConfirmForgotPassword``) after a confirmation;
CustomMessage (``CustomMessage_<Why>``) before any code Cognito itself sends, to word the
message (messages.py). Every run, and how it ended, is noted in the function table's ``runs``
(trigger_log.py), without the event.
"""

from __future__ import annotations

import copy
import importlib
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from cognito_emulator.delivery import CODE_PARAMETER, EMAIL, USERNAME_PARAMETER, MessageTemplate
from cognito_emulator.errors import CUSTOM_AUTH_NOT_CONFIGURED, CognitoError, NotAuthorized
from cognito_emulator.models import Pool, User
from cognito_emulator.trigger_log import TriggerLog

PRE_AUTHENTICATION = "PreAuthentication"
POST_AUTHENTICATION = "PostAuthentication"
PRE_TOKEN_GENERATION = "PreTokenGeneration"  # noqa: S105 - a trigger name
DEFINE_AUTH_CHALLENGE = "DefineAuthChallenge"
CREATE_AUTH_CHALLENGE = "CreateAuthChallenge"
VERIFY_AUTH_CHALLENGE_RESPONSE = "VerifyAuthChallengeResponse"
USER_MIGRATION = "UserMigration"
PRE_SIGN_UP = "PreSignUp"
POST_CONFIRMATION = "PostConfirmation"
CUSTOM_MESSAGE = "CustomMessage"
CUSTOM_AUTH_TRIGGERS = (DEFINE_AUTH_CHALLENGE, CREATE_AUTH_CHALLENGE,
                        VERIFY_AUTH_CHALLENGE_RESPONSE)
# What Cognito puts in callerContext.awsSdkVersion when it cannot tell.
SDK_VERSION = "aws-sdk-unknown-unknown"
# callerContext.clientId of a trigger run by an admin operation (no app client involved).
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"
INVALID_RESPONSE = "Unrecognizable lambda output"
# Claims a PreTokenGeneration trigger may not add, change or suppress (ignored if it tries).
PROTECTED_CLAIMS = frozenset({
    "acr", "amr", "aud", "at_hash", "auth_time", "azp", "c_hash", "client_id", "cognito:username",
    "event_id", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope",
    "sub", "token_use", "username",
})
SendCode = Callable[[str, str, str], None]

Handler = Callable[[dict[str, Any], Any], Any]


class UserLambdaValidation(CognitoError):
    code = "UserLambdaValidationException"


class UnexpectedLambda(CognitoError):
    code = "UnexpectedLambdaException"


class InvalidLambdaResponse(CognitoError):
    code = "InvalidLambdaResponseException"


class FunctionSpecError(ValueError):
    """A ``NAME=package.module:attr`` that cannot be used; the message says why."""


def load_handler(spec: str) -> Handler:
    """The callable ``package.module:attr`` names (imported now, so a typo fails at start)."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise FunctionSpecError(f"{spec!r}: expected package.module:attr")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise FunctionSpecError(f"{spec!r}: cannot import {module_name}: {exc}") from exc
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise FunctionSpecError(f"{spec!r}: {module_name} has no attribute {attribute}")
        target = getattr(target, part)
    if not callable(target):
        raise FunctionSpecError(f"{spec!r}: not callable")
    handler: Handler = target
    return handler


def parse_function_option(option: str) -> tuple[str, str]:
    """``NAME=package.module:attr`` -> (NAME, spec)."""
    name, sep, spec = option.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise FunctionSpecError(f"{option!r}: expected NAME=package.module:attr")
    return name.strip(), spec.strip()


@dataclass
class FunctionTable:
    """Lambda function name -> Python handler, and the record of recent runs."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    runs: TriggerLog = field(default_factory=lambda: TriggerLog(time.time))

    @classmethod
    def from_specs(cls, specs: Mapping[str, str],
                   now: Callable[[], float] = time.time) -> FunctionTable:
        return cls({name: load_handler(spec) for name, spec in specs.items()}, TriggerLog(now))

    def get(self, name: str) -> Handler | None:
        return self.handlers.get(name)


@dataclass
class LambdaContext:
    """What a Python Lambda receives as ``context``, plus ``send_code`` (the emulator's stand-in
    for SES / SNS: the message lands in the outbox with purpose ``CUSTOM_CHALLENGE``)."""

    function_name: str
    invoked_function_arn: str
    send_code: Callable[[str, str, str], None]
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 5000


def function_name(arn: str) -> str | None:
    """``<name>`` of ``arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]``."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == "function":
        return parts[6]
    return None


def configured(pool: Pool, trigger: str) -> str | None:
    """The ARN the pool's LambdaConfig names for ``trigger``, if any."""
    config = pool.extra.get("LambdaConfig") or {}
    value = config.get(trigger)
    if trigger == PRE_TOKEN_GENERATION:
        versioned = config.get("PreTokenGenerationConfig") or {}
        value = versioned.get("LambdaArn") or value
    return value if isinstance(value, str) and value else None


def pre_token_generation_version(pool: Pool) -> str:
    config = pool.extra.get("LambdaConfig") or {}
    versioned = config.get("PreTokenGenerationConfig") or {}
    return "2" if versioned.get("LambdaVersion") in ("V2_0", "V3_0") else "1"


def user_attributes(user: User) -> dict[str, str]:
    """``request.userAttributes`` as Cognito fills it."""
    return {**user.attributes, "sub": user.sub, "cognito:user_status": user.status}


def has_custom_auth(pool: Pool) -> bool:
    return all(configured(pool, trigger) for trigger in CUSTOM_AUTH_TRIGGERS)


def refuse_custom_auth() -> NoReturn:
    """InitiateAuth CUSTOM_AUTH without the custom-auth triggers: Cognito's refusal."""
    raise NotAuthorized(CUSTOM_AUTH_NOT_CONFIGURED)


def base_event(pool: Pool, trigger_source: str, username: str, client_id: str,
               request: dict[str, Any], response: dict[str, Any],
               version: str = "1") -> dict[str, Any]:
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": username,
        "callerContext": {"awsSdkVersion": SDK_VERSION, "clientId": client_id},
        "request": request,
        "response": response,
    }


def invoke(functions: FunctionTable, pool: Pool, trigger: str, event: dict[str, Any],
           send_code: Callable[[str, str, str], None]) -> dict[str, Any]:
    """Run the pool's ``trigger`` on ``event``; the ``response`` of the event it returns.

    The run is noted in ``functions.runs`` whatever its outcome."""
    arn = configured(pool, trigger)
    name = None if arn is None else function_name(arn)
    try:
        response = _run(functions, trigger, arn, name, event, send_code)
    except CognitoError as exc:
        functions.runs.add(pool.id, trigger, event["triggerSource"], name, event["userName"],
                           exc.code)
        raise
    functions.runs.add(pool.id, trigger, event["triggerSource"], name, event["userName"], None)
    return response


def _run(functions: FunctionTable, trigger: str, arn: str | None, name: str | None,
         event: dict[str, Any], send_code: SendCode) -> dict[str, Any]:
    if arn is None:
        raise UnexpectedLambda(f"{trigger} invocation failed due to error "
                               "ResourceNotFoundException.")
    handler = None if name is None else functions.get(name)
    if name is None or handler is None:
        raise UnexpectedLambda(f"{trigger} invocation failed due to error "
                               "ResourceNotFoundException.")
    context = LambdaContext(function_name=name, invoked_function_arn=arn, send_code=send_code)
    try:
        returned = handler(copy.deepcopy(event), context)
    except Exception as exc:  # whatever the user's code raised is its answer
        raise UserLambdaValidation(f"{trigger} failed with error {exc}.") from exc
    if not isinstance(returned, dict) or not isinstance(returned.get("response"), dict):
        raise InvalidLambdaResponse(INVALID_RESPONSE)
    response: dict[str, Any] = returned["response"]
    return response


def string_map(value: Any) -> dict[str, str]:
    """A response member that must be a map of strings (None = empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise InvalidLambdaResponse(INVALID_RESPONSE)
    return dict(value)


def optional_bool(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidLambdaResponse(INVALID_RESPONSE)
    return value


def optional_string(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidLambdaResponse(INVALID_RESPONSE)
    return value


def pre_authentication(functions: FunctionTable, pool: Pool, client_id: str, user: User,
                       client_metadata: dict[str, str], send_code: SendCode) -> None:
    """PreAuthentication, when configured: a raise refuses the sign-in."""
    if configured(pool, PRE_AUTHENTICATION) is None:
        return
    event = base_event(pool, "PreAuthentication_Authentication", user.username, client_id,
                       {"userAttributes": user_attributes(user),
                        "clientMetadata": dict(client_metadata), "userNotFound": False}, {})
    invoke(functions, pool, PRE_AUTHENTICATION, event, send_code)


def post_authentication(functions: FunctionTable, pool: Pool, client_id: str, user: User,
                        client_metadata: dict[str, str], new_device_used: bool,
                        send_code: SendCode) -> None:
    """PostAuthentication, when configured, before the tokens: a raise refuses them."""
    if configured(pool, POST_AUTHENTICATION) is None:
        return
    event = base_event(pool, "PostAuthentication_Authentication", user.username, client_id,
                       {"userAttributes": user_attributes(user), "newDeviceUsed": new_device_used,
                        "clientMetadata": dict(client_metadata)}, {})
    invoke(functions, pool, POST_AUTHENTICATION, event, send_code)


ClaimAdjuster = Callable[[dict[str, Any], dict[str, Any]], None]


def pre_token_generation(functions: FunctionTable, pool: Pool, client_id: str, user: User,
                         source: str, client_metadata: dict[str, str],
                         send_code: SendCode) -> ClaimAdjuster | None:
    """Run PreTokenGeneration (when configured) now; what it changes, for Tokens.mint."""
    if configured(pool, PRE_TOKEN_GENERATION) is None:
        return None
    version = pre_token_generation_version(pool)
    groups = pool.group_claims(user)
    request: dict[str, Any] = {
        "userAttributes": user_attributes(user),
        "groupConfiguration": {"groupsToOverride": list(groups.groups),
                               "iamRolesToOverride": list(groups.roles),
                               "preferredRole": groups.preferred_role},
        "clientMetadata": dict(client_metadata),
    }
    if version == "2":
        request["scopes"] = ["aws.cognito.signin.user.admin"]
        response: dict[str, Any] = {"claimsAndScopeOverrideDetails": None}
    else:
        response = {"claimsOverrideDetails": None}
    event = base_event(pool, source, user.username, client_id, request, response, version)
    answered = invoke(functions, pool, PRE_TOKEN_GENERATION, event, send_code)
    if version == "2":
        details = _object(answered.get("claimsAndScopeOverrideDetails"))
        id_changes = _claim_changes(details.get("idTokenGeneration"))
        access_changes = _claim_changes(details.get("accessTokenGeneration"))
        access_scopes = _object(details.get("accessTokenGeneration"))
        scopes_to_add = _string_list(access_scopes.get("scopesToAdd"))
        scopes_to_suppress = _string_list(access_scopes.get("scopesToSuppress"))
        group_override = _group_override(details.get("groupOverrideDetails"))
    else:
        details = _object(answered.get("claimsOverrideDetails"))
        id_changes = _claim_changes(details)
        access_changes = ({}, [])
        scopes_to_add, scopes_to_suppress = [], []
        group_override = _group_override(details.get("groupOverrideDetails"))

    def adjust(access: dict[str, Any], identity: dict[str, Any]) -> None:
        _apply(identity, *id_changes)
        _apply(access, *access_changes)
        if group_override is not None:
            _override_groups(access, identity, group_override)
        if scopes_to_add or scopes_to_suppress:
            scopes = [scope for scope in str(access.get("scope", "")).split()
                      if scope not in scopes_to_suppress]
            scopes += [scope for scope in scopes_to_add if scope not in scopes]
            access["scope"] = " ".join(scopes)

    return adjust


def _object(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidLambdaResponse(INVALID_RESPONSE)
    return value


def _string_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidLambdaResponse(INVALID_RESPONSE)
    return list(value)


@dataclass(frozen=True)
class _GroupOverride:
    groups: list[str] | None
    roles: list[str] | None
    preferred_role: str | None
    preferred_role_given: bool


def _group_override(value: Any) -> _GroupOverride | None:
    """groupOverrideDetails: each member present replaces what the user's groups gave."""
    if value is None:
        return None
    details = _object(value)
    groups = details.get("groupsToOverride")
    roles = details.get("iamRolesToOverride")
    preferred = details.get("preferredRole")
    if preferred is not None and not isinstance(preferred, str):
        raise InvalidLambdaResponse(INVALID_RESPONSE)
    return _GroupOverride(
        groups=None if groups is None else _string_list(groups),
        roles=None if roles is None else _string_list(roles),
        preferred_role=preferred, preferred_role_given="preferredRole" in details,
    )


def _override_groups(access: dict[str, Any], identity: dict[str, Any],
                     override: _GroupOverride) -> None:
    if override.groups is not None:
        for claims in (access, identity):
            if override.groups:
                claims["cognito:groups"] = list(override.groups)
            else:
                claims.pop("cognito:groups", None)
    if override.roles is not None:
        if override.roles:
            identity["cognito:roles"] = list(override.roles)
        else:
            identity.pop("cognito:roles", None)
    if override.preferred_role_given:
        if override.preferred_role:
            identity["cognito:preferred_role"] = override.preferred_role
        else:
            identity.pop("cognito:preferred_role", None)


def _claim_changes(value: Any) -> tuple[dict[str, Any], list[str]]:
    details = _object(value)
    add = _object(details.get("claimsToAddOrOverride"))
    return add, _string_list(details.get("claimsToSuppress"))


def _apply(claims: dict[str, Any], add: dict[str, Any], suppress: list[str]) -> None:
    for name, value in add.items():
        if name not in PROTECTED_CLAIMS:
            claims[name] = value
    for name in suppress:  # suppressing wins over adding the same claim
        if name not in PROTECTED_CLAIMS:
            claims.pop(name, None)


@dataclass(frozen=True)
class PreSignUpAnswer:
    auto_confirm_user: bool
    auto_verify_email: bool
    auto_verify_phone: bool


def pre_sign_up(functions: FunctionTable, pool: Pool, client_id: str, username: str,
                attributes: dict[str, str], validation_data: dict[str, str],
                client_metadata: dict[str, str], send_code: SendCode,
                source: str = "PreSignUp_SignUp") -> PreSignUpAnswer | None:
    """PreSignUp, when configured, before the user exists: a raise refuses the sign-up."""
    if configured(pool, PRE_SIGN_UP) is None:
        return None
    event = base_event(pool, source, username, client_id, {
        "userAttributes": dict(attributes), "validationData": dict(validation_data),
        "clientMetadata": dict(client_metadata),
    }, {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False})
    answered = invoke(functions, pool, PRE_SIGN_UP, event, send_code)
    return PreSignUpAnswer(auto_confirm_user=optional_bool(answered.get("autoConfirmUser")),
                           auto_verify_email=optional_bool(answered.get("autoVerifyEmail")),
                           auto_verify_phone=optional_bool(answered.get("autoVerifyPhone")))


def post_confirmation(functions: FunctionTable, pool: Pool, client_id: str, user: User,
                      source: str, client_metadata: dict[str, str], send_code: SendCode) -> None:
    """PostConfirmation, when configured, once the user is confirmed (a raise is the call's
    answer, but the confirmation stands)."""
    if configured(pool, POST_CONFIRMATION) is None:
        return
    event = base_event(pool, source, user.username, client_id,
                       {"userAttributes": user_attributes(user),
                        "clientMetadata": dict(client_metadata)}, {})
    invoke(functions, pool, POST_CONFIRMATION, event, send_code)


def custom_message(functions: FunctionTable, pool: Pool, client_id: str | None, username: str,
                   attributes: dict[str, str], source: str, medium: str,
                   client_metadata: dict[str, str], send_code: SendCode,
                   username_parameter: str | None = None) -> MessageTemplate | None:
    """CustomMessage, when configured: the wording of the code about to be sent by ``medium``,
    or None for Cognito's own (no trigger, no text for that medium, or a text without
    ``{####}``: Cognito then sends its default message)."""
    if configured(pool, CUSTOM_MESSAGE) is None:
        return None
    event = base_event(pool, source, username, client_id or NO_CLIENT, {
        "userAttributes": dict(attributes), "codeParameter": CODE_PARAMETER,
        "usernameParameter": username_parameter, "clientMetadata": dict(client_metadata),
    }, {"smsMessage": None, "emailMessage": None, "emailSubject": None})
    answered = invoke(functions, pool, CUSTOM_MESSAGE, event, send_code)
    sms = optional_string(answered.get("smsMessage"))
    email = optional_string(answered.get("emailMessage"))
    subject = optional_string(answered.get("emailSubject"))
    text = email if medium == EMAIL else sms
    if not text or CODE_PARAMETER not in text:
        return None
    if username_parameter is not None and USERNAME_PARAMETER not in text:
        return None
    return MessageTemplate(message=text, subject=subject if medium == EMAIL else None)
