"""Lambda handlers the emulator's custom-auth tests run (named in test_seed.yaml's functions:).

``create_echo`` shows in its public parameters what its event held (to check the event shape
and ClientMetadata from the outside), and keeps a secret in the private ones; ``verify_echo``
accepts ANSWER == the private secret or ClientMetadata ``force`` == ``yes``. The others fail
in each way Cognito knows: raise, return nothing, return a wrong shape.
"""

from __future__ import annotations

import json
from typing import Any

from cognito_emulator.examples._define import define

SECRET = "private-secret-answer"


def define_one_try(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return define(event, 1)


def define_three_tries(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return define(event, 3)


def create_echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    seen = {key: event[key] for key in ("version", "triggerSource", "region", "userPoolId",
                                         "userName", "callerContext")}
    seen["requestKeys"] = sorted(event["request"])
    seen["userAttributes"] = event["request"]["userAttributes"]
    seen["responseKeys"] = sorted(event["response"])
    seen["context"] = {"function_name": context.function_name,
                       "invoked_function_arn": context.invoked_function_arn}
    event["response"]["publicChallengeParameters"] = {
        "event": json.dumps(seen),
        "session": json.dumps(event["request"]["session"]),
        "clientMetadata": json.dumps(event["request"]["clientMetadata"]),
    }
    event["response"]["privateChallengeParameters"] = {"secret": SECRET}
    event["response"]["challengeMetadata"] = f"ROUND-{len(event['request']['session'])}"
    return event


def verify_echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["request"]
    event["response"]["answerCorrect"] = (
        request["challengeAnswer"] == request["privateChallengeParameters"]["secret"]
        or request["clientMetadata"].get("force") == "yes"
    )
    return event


def raising(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("boom from the test trigger")


def returns_nothing(event: dict[str, Any], context: Any) -> None:
    return None


def wrong_shape(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event["response"]["publicChallengeParameters"] = {"n": 1}
    return event


def pre_authentication(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event["request"]["clientMetadata"].get("block") == "yes":
        raise ValueError("blocked by pre authentication")
    return event


def post_authentication(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event["userName"] == "post-blocked-user":
        raise ValueError("no tokens for you")
    assert event["triggerSource"] == "PostAuthentication_Authentication"
    assert isinstance(event["request"]["newDeviceUsed"], bool)
    return event


def pre_token_v1(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"team": "emulator", "email": "override@example.com",
                                  "sub": "not-allowed", "source": event["triggerSource"],
                                  "event_version": event["version"]},
        "claimsToSuppress": ["name"],
    }
    return event


def pre_token_v2(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"team": "v2",
                                                        "event_version": event["version"]}},
        "accessTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"},
                                  "scopesToAdd": ["custom/read"]},
    }
    return event


MIGRATION_PASSWORD = "Legacy-Passw0rd!"
# userName -> (userAttributes, the rest of the response) for migrate_test.
_LEGACY: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "migrated-user": ({"email": "migrated@example.com", "email_verified": "true",
                       "name": "Mia Migrated"},
                      {"finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}),
    "unset-status-user": ({"email": "unset@example.com", "email_verified": "true"},
                          {"messageAction": "SUPPRESS"}),
    "reset-user": ({"email": "reset@example.com", "email_verified": "true"},
                   {"finalUserStatus": "RESET_REQUIRED", "messageAction": "SUPPRESS"}),
    "sms-mfa-user": ({"phone_number": "+15555550199", "phone_number_verified": "true"},
                     {"finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS",
                      "enableSMSMFA": True}),
    "welcome-user": ({"email": "welcome@example.com", "email_verified": "true"},
                     {"finalUserStatus": "CONFIRMED", "desiredDeliveryMediums": ["EMAIL"]}),
    "alias-taker": ({"email": "taken@example.com", "email_verified": "true"},
                    {"finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}),
    "unverified-user": ({"email": "unverified@example.com"}, {"messageAction": "SUPPRESS"}),
    "bad-status-user": ({"email": "bad@example.com"}, {"finalUserStatus": "ENABLED"}),
    "bad-attributes-user": ({"no_such_attribute": "x"}, {}),
}


def migrate_test(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """UserMigration for the migration tests: the users in ``_LEGACY`` with
    ``MIGRATION_PASSWORD`` (any password for ``weak-user``). What the event held is kept in the
    migrated user's ``custom:seen``, so the tests can read it back with AdminGetUser."""
    request = event["request"]
    seen = {key: event[key] for key in ("version", "triggerSource", "region", "userPoolId",
                                         "userName", "callerContext")}
    seen.update(requestKeys=sorted(request), responseKeys=sorted(event["response"]),
                validationData=request["validationData"],
                clientMetadata=request["clientMetadata"],
                passwordMatched=request.get("password") == MIGRATION_PASSWORD)
    if event["userName"] == "weak-user" and "password" in request:
        attributes, rest = {"email": "weak@example.com"}, {"messageAction": "SUPPRESS"}
    elif event["userName"] in _LEGACY:
        attributes, rest = _LEGACY[event["userName"]]
        if "password" in request and request["password"] != MIGRATION_PASSWORD:
            return event  # a wrong legacy password: no attributes, "unknown user"
    else:
        return event
    rest = dict(rest)
    if request["clientMetadata"].get("force") == "yes":
        rest["forceAliasCreation"] = True
    event["response"].update(userAttributes={**attributes, "custom:seen": json.dumps(seen)},
                             **rest)
    return event


def migrate_by_email(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """UserMigration for a pool whose usernames are emails: only ``mail@example.com``."""
    if event["userName"] == "mail@example.com":
        event["response"].update(userAttributes={"email_verified": "true"},
                                 messageAction="SUPPRESS")
    return event


def pre_token_groups_v1(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Puts what it was told about groups in a claim, and replaces the groups and roles."""
    config = event["request"]["groupConfiguration"]
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"seen_groups": ",".join(config["groupsToOverride"]),
                                  "seen_preferred_role": str(config["preferredRole"])},
        "groupOverrideDetails": {
            "groupsToOverride": ["overridden", *config["groupsToOverride"]],
            "iamRolesToOverride": ["arn:aws:iam::000000000000:role/overridden"],
            "preferredRole": "arn:aws:iam::000000000000:role/overridden",
        },
    }
    return event


def pre_token_groups_v2(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Version 2: takes every group away."""
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "groupOverrideDetails": {"groupsToOverride": []},
    }
    return event


# -- sign-up triggers (pool us-east-1_TestPool22) -----------------------------------------
# Each records the event it saw in the outbox (context.send_code to EVENTS), so a test can
# read its shape from outside the emulator's process.
EVENTS = "trigger-events"


def _record(event: dict[str, Any], context: Any) -> None:
    context.send_code("EMAIL", EVENTS, json.dumps(event))


def pre_sign_up(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record(event, context)
    request = event["request"]
    if request["userAttributes"].get("name") == "Refuse Me":
        raise ValueError("sign-up refused by the test trigger")
    if request["validationData"].get("confirm") == "yes":
        event["response"]["autoConfirmUser"] = True
    if request["clientMetadata"].get("verify") == "email":
        event["response"]["autoVerifyEmail"] = True
    if request["clientMetadata"].get("verify") == "phone":
        event["response"]["autoVerifyPhone"] = True
    return event


def post_confirmation(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record(event, context)
    if event["request"]["clientMetadata"].get("fail") == "yes":
        raise ValueError("post confirmation broke")
    return event


def custom_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record(event, context)
    request = event["request"]
    source = event["triggerSource"]
    if request["clientMetadata"].get("plain") == "yes":
        event["response"]["emailMessage"] = "no code in here"  # Cognito then sends its own
        return event
    event["response"]["emailSubject"] = f"Subject of {source}"
    event["response"]["emailMessage"] = (
        f"{source}: hello {event['userName']}, your code is {request['codeParameter']}")
    event["response"]["smsMessage"] = f"SMS {request['codeParameter']}"
    return event
