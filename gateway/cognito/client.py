"""The only module that talks to Cognito (aiobotocore), and the one place its errors are read.

Rules that live here so nobody else has to remember them:

* USERNAME and SECRET_HASH travel together: the hash is computed over the exact USERNAME sent
  in the same request (the internal username after the first challenge; protocol 3.1).
* UserContextData goes with every call that accepts it, ClientMetadata and AnalyticsMetadata
  when configured.
* No automatic retries (botocore's retry modes would resend a consumed challenge answer), and
  explicit timeouts.
* A Cognito error becomes a :mod:`gateway.errors` error by its code (by its message only for
  NotAuthorizedException's sub-cases); Cognito's own text never reaches a person.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore import UNSIGNED
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    ParamValidationError,
    ReadTimeoutError,
)

from cognito_srp import secret_hash
from gateway import errors
from gateway.config import Settings
from gateway.security.client import RequestContext
from gateway.signin.model import ChallengeName

log = logging.getLogger("gateway.cognito")
USER_AGENT = "cognito-gateway"

_MISCONFIGURED = frozenset({
    "ResourceNotFoundException",
    "InvalidUserPoolConfigurationException",
    "InvalidSmsRoleAccessPolicyException",
    "InvalidSmsRoleTrustRelationshipException",
    "InvalidEmailRoleAccessPolicyException",
    "UnsupportedOperationException",
    "UnexpectedLambdaException",
    "UserLambdaValidationException",
    "InvalidLambdaResponseException",
    "OperationNotEnabledException",
    "FeatureUnavailableInTierException",
    "UnauthorizedException",
})


# Cognito's InvalidPasswordException sentences (English only) -> the rule they name.
_BROKEN_RULES = {
    "Password not long enough": "length",
    "Password must have uppercase characters": "upper",
    "Password must have lowercase characters": "lower",
    "Password must have numeric characters": "number",
    "Password must have symbol characters": "symbol",
}


def translate(code: str, message: str, status: int) -> errors.GatewayError:
    """Map a Cognito error (code, message, HTTP status) to the gateway error a person sees."""
    reason = f"Cognito {code}"
    match code:
        case "NotAuthorizedException":
            return _not_authorized(message, reason)
        case "UserNotFoundException" | "UserNotConfirmedException":
            # Same answer as a wrong password: anything else tells a stranger who has an account.
            return errors.InvalidCredentials(reason)
        # Every one-time code arrives in the form field "code"; naming it lets an SPA put the
        # message next to the field, as the pages do.
        case "CodeMismatchException" | "EnableSoftwareTokenMFAException":
            return errors.InvalidCode(reason, field="code")
        case "ExpiredCodeException":
            if "used once" in message:
                return errors.CodeAlreadyUsed(reason, field="code")
            return errors.CodeExpired(reason, field="code")
        case "InvalidPasswordException":
            # "Password did not conform with policy: Password must have symbol characters":
            # only which rule broke is kept; the person reads it from our catalog.
            _, _, broken = message.partition(": ")
            rule = _BROKEN_RULES.get(broken.strip())
            return errors.InvalidPassword(reason, field="new_password", detail=rule)
        case "PasswordHistoryPolicyViolationException":
            return errors.InvalidPassword(reason, field="new_password")
        case "PasswordResetRequiredException":
            return errors.PasswordResetRequired(reason)
        case "TooManyFailedAttemptsException":
            return errors.TooManyAttempts(reason)
        case "LimitExceededException":
            return errors.RateLimited(reason, retry_after=60)
        case "TooManyRequestsException" | "ConcurrentModificationException":
            return errors.ServiceBusy(reason, retry_after=2)
        case "MFAMethodNotFoundException" | "SoftwareTokenMFANotFoundException":
            return errors.MfaUnavailable(reason)
        case "InvalidParameterException" | "AliasExistsException":
            return errors.InvalidRequest(reason)
        case "InternalErrorException" | "CodeDeliveryFailureException" | "ForbiddenException":
            return errors.UpstreamUnavailable(reason)
        case _ if code in _MISCONFIGURED:
            return errors.Misconfigured(reason)
        case _:
            return errors.UpstreamUnavailable(f"{reason} (HTTP {status})")


def _not_authorized(message: str, reason: str) -> errors.GatewayError:
    text = message.lower()
    if "invalid session" in text:
        return errors.FlowExpired(f"{reason}: session refused")
    if "password attempts exceeded" in text:
        return errors.TooManyAttempts(f"{reason}: password attempts exceeded")
    if "user is disabled" in text:
        return errors.AccountDisabled(reason)
    if "temporary password has expired" in text:
        return errors.TemporaryPasswordExpired(reason)
    if "secret" in text:
        # "Unable to verify secret hash", "SECRET_HASH was not received", ...: our bug or a
        # wrong client secret. Loud in the logs, "temporarily unavailable" for the person.
        return errors.Misconfigured(f"{reason}: secret hash refused; check GATEWAY_CLIENT_SECRET")
    if "token" in text:
        return errors.NotSignedIn(f"{reason}: token refused")
    return errors.InvalidCredentials(reason)


def client_config(settings: Settings) -> AioConfig:
    return AioConfig(
        # The operations we call are declared noAuth: unsigned, so no AWS credentials are
        # looked up (and no instance-metadata probe happens at start-up).
        signature_version=UNSIGNED,
        retries={"mode": "standard", "total_max_attempts": 1},
        # A fixed User-Agent. Without one, botocore assembles and sanitises its ~40-part
        # header twice per request: a sixth of the event-loop thread's instructions per
        # sign-in (README, "Performance"). Ours also names the gateway in Cognito's logs.
        user_agent=USER_AGENT,
        connect_timeout=settings.cognito_connect_timeout,
        read_timeout=settings.cognito_read_timeout,
        max_pool_connections=64,
    )


@asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[Any]:
    session = get_session()
    async with session.create_client(
        "cognito-idp",
        region_name=settings.region,
        endpoint_url=settings.cognito_endpoint,
        config=client_config(settings),
    ) as client:
        yield client


class Cognito:
    """Sign-in calls against one user pool app client."""

    def __init__(self, client: Any, settings: Settings) -> None:
        self._client = client
        self._client_id = settings.client_id
        self._client_secret = settings.client_secret.reveal() if settings.client_secret else None
        self._extras: dict[str, Any] = {}
        if settings.client_metadata:
            self._extras["ClientMetadata"] = dict(settings.client_metadata)
        if settings.analytics_endpoint_id:
            self._extras["AnalyticsMetadata"] = {
                "AnalyticsEndpointId": settings.analytics_endpoint_id
            }

    def _signed(self, username: str, key: str = "SECRET_HASH") -> dict[str, str]:
        if self._client_secret is None:
            return {}
        return {key: secret_hash(username, self._client_id, self._client_secret)}

    def _context(self, context: RequestContext) -> dict[str, Any]:
        data = context.user_context_data()
        return {"UserContextData": data, **self._extras} if data else dict(self._extras)

    async def initiate_auth(
        self, flow: str, username: str, parameters: Mapping[str, str], context: RequestContext
    ) -> dict[str, Any]:
        return await self._call(
            "initiate_auth",
            AuthFlow=flow,
            ClientId=self._client_id,
            AuthParameters={**parameters, "USERNAME": username, **self._signed(username)},
            **self._context(context),
        )

    async def respond(
        self,
        challenge: ChallengeName,
        username: str,
        responses: Mapping[str, str],
        session: str | None,
        context: RequestContext,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "ClientId": self._client_id,
            "ChallengeName": challenge.value,
            "ChallengeResponses": {**responses, "USERNAME": username, **self._signed(username)},
            **self._context(context),
        }
        if session:
            request["Session"] = session
        return await self._call("respond_to_auth_challenge", **request)

    async def associate_software_token(self, session: str) -> tuple[str, str]:
        reply = await self._call("associate_software_token", Session=session)
        return reply["SecretCode"], reply.get("Session") or session

    async def verify_software_token(self, session: str, code: str) -> str:
        reply = await self._call(
            "verify_software_token", Session=session, UserCode=code, FriendlyDeviceName="Gateway"
        )
        if reply.get("Status") != "SUCCESS":
            raise errors.InvalidCode("VerifySoftwareToken status ERROR", field="code")
        return str(reply.get("Session") or session)

    async def revoke_token(self, refresh_token: str) -> None:
        request = {"Token": refresh_token, "ClientId": self._client_id}
        if self._client_secret is not None:
            request["ClientSecret"] = self._client_secret
        await self._call("revoke_token", **request)

    async def global_sign_out(self, access_token: str) -> None:
        await self._call("global_sign_out", AccessToken=access_token)

    async def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        started = time.perf_counter()
        outcome = "ok"
        try:
            reply: dict[str, Any] = await getattr(self._client, operation)(**request)
            return reply
        except ClientError as error:
            details = error.response.get("Error", {})
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            outcome = str(details.get("Code", "Unknown"))
            raise translate(outcome, str(details.get("Message", "")), status) from None
        except (ReadTimeoutError, ConnectTimeoutError) as error:
            outcome = "timeout"
            raise errors.UpstreamTimeout(f"Cognito {operation} timed out") from error
        except ParamValidationError:
            outcome = "invalid-request"
            # Raised by botocore before anything is sent. Its report can quote a value (a
            # Session, a code), so it is not chained into anything that might be logged.
            raise errors.Misconfigured(f"Cognito {operation} request rejected locally") from None
        except BotoCoreError as error:
            outcome = type(error).__name__
            raise errors.UpstreamUnavailable(f"Cognito {operation}: {outcome}") from error
        finally:
            log.debug(
                "cognito call",
                extra={"operation": operation, "outcome": outcome,
                       "ms": round((time.perf_counter() - started) * 1000, 1)},
            )
