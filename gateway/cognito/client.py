"""The only module that talks to Cognito (aiobotocore), and the one place its errors are read.

Rules that live here so nobody else has to remember them:

* USERNAME and SECRET_HASH travel together: the hash is computed over the exact USERNAME sent
  in the same request (the internal username after the first challenge; protocol 3.1).
* UserContextData goes with every call that accepts it, ClientMetadata and AnalyticsMetadata
  when configured.
* No automatic retries (botocore's retry modes would resend a consumed challenge answer), and
  explicit timeouts.
* A Cognito error becomes a :mod:`gateway.errors` error by operation and code
  (:mod:`gateway.cognito.errors`); Cognito's own text never reaches a person.
* Requests and replies are the typed shapes of ``types-aiobotocore-cognito-idp``; the class
  implements :class:`~gateway.cognito.port.CognitoPort`.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore import UNSIGNED
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    ParamValidationError,
    ReadTimeoutError,
)
from types_aiobotocore_cognito_idp.type_defs import (
    AnalyticsMetadataTypeTypeDef,
    CodeDeliveryDetailsTypeTypeDef,
    DeviceTypeTypeDef,
    GetTokensFromRefreshTokenRequestTypeDef,
    GetUserAttributeVerificationCodeRequestTypeDef,
    InitiateAuthRequestTypeDef,
    InitiateAuthResponseTypeDef,
    ListDevicesRequestTypeDef,
    ListWebAuthnCredentialsRequestTypeDef,
    RespondToAuthChallengeRequestTypeDef,
    RespondToAuthChallengeResponseTypeDef,
    SetUserMFAPreferenceRequestTypeDef,
    UpdateUserAttributesRequestTypeDef,
    UserContextDataTypeTypeDef,
    WebAuthnCredentialDescriptionTypeDef,
)

from cognito_srp import secret_hash
from gateway import errors
from gateway.cognito.errors import translate
from gateway.config import CognitoSettings
from gateway.security.client_context import RequestContext
from gateway.signin.model import ChallengeName, Tokens, read_reply

if TYPE_CHECKING:  # the client class exists in the stubs only
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient

log = logging.getLogger("gateway.cognito")
# The account operations a journey may call (AccountCall), by botocore name.
ACCOUNT_OPERATIONS = frozenset({"sign_up", "confirm_sign_up", "resend_confirmation_code",
                                "forgot_password", "confirm_forgot_password"})
USER_AGENT = "cognito-gateway"

def client_config(settings: CognitoSettings) -> AioConfig:
    return AioConfig(
        # The operations we call are declared noAuth: unsigned, so no AWS credentials are
        # looked up (and no instance-metadata probe happens at start-up).
        signature_version=UNSIGNED,
        retries={"mode": "standard", "total_max_attempts": 1},
        # A fixed User-Agent. Without one, botocore assembles and sanitises its ~40-part
        # header twice per request: a sixth of the event-loop thread's instructions per
        # sign-in (docs/performance.md). Ours also names the gateway in Cognito's logs.
        user_agent=USER_AGENT,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_pool_connections=64,
    )


@functools.cache
def _botocore_session() -> AioSession:
    """One botocore session per process. The session loads and keeps the service model (about
    10 MB of parsed JSON and a few hundred milliseconds); a client made from it costs a few
    hundred KB. A deployment opens one client, but the tests and any embedding that creates
    several apps would otherwise load the model once per app."""
    return get_session()


@asynccontextmanager
async def open_client(settings: CognitoSettings) -> AsyncIterator[CognitoIdentityProviderClient]:
    async with _botocore_session().create_client(
        "cognito-idp",
        region_name=settings.region,
        endpoint_url=settings.endpoint,
        config=client_config(settings),
    ) as client:
        yield client


class _Extras(TypedDict, total=False):
    """The members InitiateAuth and RespondToAuthChallenge share beyond their own."""

    Session: str
    UserContextData: UserContextDataTypeTypeDef
    ClientMetadata: Mapping[str, str]
    AnalyticsMetadata: AnalyticsMetadataTypeTypeDef


class Cognito:
    """Sign-in calls against one user pool app client."""

    def __init__(self, client: CognitoIdentityProviderClient, settings: CognitoSettings) -> None:
        self._client = client
        self._client_id = settings.client_id
        self._client_secret = settings.client_secret.reveal() if settings.client_secret else None
        self._rotating = settings.refresh_token_rotation
        # ClientMetadata and AnalyticsMetadata are the same on every call; UserContextData is
        # added per request (:meth:`_extras`).
        self._fixed: _Extras = {}
        if settings.client_metadata:
            self._fixed["ClientMetadata"] = dict(settings.client_metadata)
        if settings.analytics_endpoint_id:
            self._fixed["AnalyticsMetadata"] = {
                "AnalyticsEndpointId": settings.analytics_endpoint_id
            }

    def _signed(self, username: str) -> dict[str, str]:
        if self._client_secret is None:
            return {}
        return {"SECRET_HASH": secret_hash(username, self._client_id, self._client_secret)}

    def _extras(self, context: RequestContext, session: str | None = None) -> _Extras:
        """What every sign-in call carries besides its own parameters."""
        extras: _Extras = {**self._fixed}
        if session:
            extras["Session"] = session
        data = context.user_context_data()
        if data:
            user_context: UserContextDataTypeTypeDef = {}
            if "IpAddress" in data:
                user_context["IpAddress"] = data["IpAddress"]
            if "EncodedData" in data:
                user_context["EncodedData"] = data["EncodedData"]
            extras["UserContextData"] = user_context
        return extras

    async def initiate_auth(
        self, flow: str, username: str, parameters: Mapping[str, str], context: RequestContext,
        session: str | None = None,
    ) -> InitiateAuthResponseTypeDef:
        request: InitiateAuthRequestTypeDef = {
            # One of AUTH_FLOWS, checked when the configuration is read.
            "AuthFlow": flow,  # type: ignore[typeddict-item]
            "ClientId": self._client_id,
            "AuthParameters": {**parameters, "USERNAME": username, **self._signed(username)},
            **self._extras(context, session),
        }
        async with _translated("initiate_auth"):
            return await self._client.initiate_auth(**request)

    async def respond(
        self,
        challenge: ChallengeName,
        username: str,
        responses: Mapping[str, str],
        session: str | None,
        context: RequestContext,
    ) -> RespondToAuthChallengeResponseTypeDef:
        request: RespondToAuthChallengeRequestTypeDef = {
            "ClientId": self._client_id,
            # A Cognito challenge: the gateway's own steps (CONFIRM_SIGN_UP...) never get here.
            "ChallengeName": challenge.value,  # type: ignore[typeddict-item]
            "ChallengeResponses": {**responses, "USERNAME": username, **self._signed(username)},
            **self._extras(context, session),
        }
        async with _translated("respond_to_auth_challenge"):
            return await self._client.respond_to_auth_challenge(**request)

    async def associate_software_token(self, session: str) -> tuple[str, str]:
        async with _translated("associate_software_token"):
            reply = await self._client.associate_software_token(Session=session)
        secret = reply.get("SecretCode")
        if not secret:
            raise errors.UpstreamProtocolError("AssociateSoftwareToken answered without a secret")
        return secret, reply.get("Session") or session

    async def verify_software_token(self, session: str, code: str) -> str:
        async with _translated("verify_software_token"):
            reply = await self._client.verify_software_token(
                Session=session, UserCode=code, FriendlyDeviceName="Gateway"
            )
        if reply.get("Status") != "SUCCESS":
            raise errors.InvalidCode("VerifySoftwareToken status ERROR", field="code")
        return reply.get("Session") or session

    async def confirm_device(
        self, access_token: str, device_key: str, verifier: str, salt: str
    ) -> bool:
        async with _translated("confirm_device"):
            reply = await self._client.confirm_device(
                AccessToken=access_token, DeviceKey=device_key,
                DeviceSecretVerifierConfig={"PasswordVerifier": verifier, "Salt": salt},
                DeviceName="Browser",
            )
        return bool(reply.get("UserConfirmationNecessary"))

    async def remember_device(self, access_token: str, device_key: str) -> None:
        async with _translated("update_device_status"):
            await self._client.update_device_status(
                AccessToken=access_token, DeviceKey=device_key,
                DeviceRememberedStatus="remembered",
            )

    async def revoke_token(self, refresh_token: str) -> None:
        async with _translated("revoke_token"):
            if self._client_secret is None:
                await self._client.revoke_token(Token=refresh_token, ClientId=self._client_id)
            else:
                await self._client.revoke_token(
                    Token=refresh_token, ClientId=self._client_id, ClientSecret=self._client_secret
                )

    async def global_sign_out(self, access_token: str) -> None:
        async with _translated("global_sign_out"):
            await self._client.global_sign_out(AccessToken=access_token)

    async def change_password(self, access_token: str, previous: str, proposed: str) -> None:
        """ChangePassword: a wrong ``previous`` raises IncorrectPassword (field
        current_password), a ``proposed`` the pool refuses InvalidPassword (new_password)."""
        async with _translated("change_password"):
            await self._client.change_password(
                AccessToken=access_token, PreviousPassword=previous, ProposedPassword=proposed)

    # --- the profile of the signed-in person --------------------------------------------

    async def user_attributes(self, access_token: str) -> dict[str, str]:
        """GetUser: the person's attributes, by name (``email_verified`` as ``"true"``)."""
        async with _translated("get_user"):
            reply = await self._client.get_user(AccessToken=access_token)
        return {item["Name"]: item.get("Value", "") for item in reply.get("UserAttributes", [])}

    async def update_user_attributes(
        self, access_token: str, attributes: Mapping[str, str]
    ) -> list[CodeDelivery]:
        """UpdateUserAttributes; the codes Cognito sent to verify a changed email / phone."""
        request: UpdateUserAttributesRequestTypeDef = {
            "AccessToken": access_token,
            "UserAttributes": [{"Name": name, "Value": value}
                               for name, value in attributes.items()]}
        if "ClientMetadata" in self._fixed:
            request["ClientMetadata"] = self._fixed["ClientMetadata"]
        async with _translated("update_user_attributes"):
            reply = await self._client.update_user_attributes(**request)
        return [CodeDelivery.read(item) for item in reply.get("CodeDeliveryDetailsList", [])]

    async def verify_user_attribute(self, access_token: str, name: str, code: str) -> None:
        """VerifyUserAttribute: a wrong code raises InvalidCode (field code)."""
        async with _translated("verify_user_attribute"):
            await self._client.verify_user_attribute(
                AccessToken=access_token, AttributeName=name, Code=code)

    async def attribute_verification_code(self, access_token: str, name: str) -> CodeDelivery:
        """GetUserAttributeVerificationCode: a new code to the pending (else current) value."""
        request: GetUserAttributeVerificationCodeRequestTypeDef = {
            "AccessToken": access_token, "AttributeName": name}
        if "ClientMetadata" in self._fixed:
            request["ClientMetadata"] = self._fixed["ClientMetadata"]
        async with _translated("get_user_attribute_verification_code"):
            reply = await self._client.get_user_attribute_verification_code(**request)
        return CodeDelivery.read(reply.get("CodeDeliveryDetails", {}), name)

    async def delete_user(self, access_token: str) -> None:
        """DeleteUser: the person's account is gone, every token of theirs revoked."""
        async with _translated("delete_user"):
            await self._client.delete_user(AccessToken=access_token)

    async def account_call(
        self, operation: str, username: str, parameters: Mapping[str, Any],
        context: RequestContext,
    ) -> dict[str, Any]:
        """A journey's account operation (``sign_up``, ``confirm_sign_up``,
        ``resend_confirmation_code``, ``forgot_password``, ``confirm_forgot_password``) with
        the Username, its SecretHash, UserContextData and ClientMetadata every one of them
        takes."""
        if operation not in ACCOUNT_OPERATIONS:
            raise errors.Misconfigured(f"not an account operation: {operation}")
        request: dict[str, Any] = {"ClientId": self._client_id, "Username": username,
                                   **parameters}
        if self._client_secret is not None:
            request["SecretHash"] = secret_hash(username, self._client_id, self._client_secret)
        extras = self._extras(context)
        if "UserContextData" in extras:
            request["UserContextData"] = extras["UserContextData"]
        if "ClientMetadata" in extras:
            request["ClientMetadata"] = extras["ClientMetadata"]
        if "AnalyticsMetadata" in extras:
            request["AnalyticsMetadata"] = extras["AnalyticsMetadata"]
        async with _translated(operation):
            reply = await getattr(self._client, operation)(**request)
        return dict(reply)

    async def refresh(
        self, refresh_token: str, username: str, device_key: str | None
    ) -> Tokens:
        """New tokens for a session. A client that rotates its refresh tokens (the new one
        comes back with the others) is asked with GetTokensFromRefreshToken, which takes the
        client secret itself; any other with REFRESH_TOKEN_AUTH, whose SECRET_HASH is over the
        internal username. A remembered device's key goes along: Cognito ties the tokens to it.
        """
        if self._rotating:
            request: GetTokensFromRefreshTokenRequestTypeDef = {
                "RefreshToken": refresh_token, "ClientId": self._client_id}
            if self._client_secret is not None:
                request["ClientSecret"] = self._client_secret
            if device_key:
                request["DeviceKey"] = device_key
            if "ClientMetadata" in self._fixed:
                request["ClientMetadata"] = self._fixed["ClientMetadata"]
            async with _translated("get_tokens_from_refresh_token"):
                reply = await self._client.get_tokens_from_refresh_token(**request)
            return _refreshed(dict(reply), refresh_token)
        parameters = {"REFRESH_TOKEN": refresh_token, **self._signed(username)}
        if device_key:
            parameters["DEVICE_KEY"] = device_key
        async with _translated("refresh_token_auth"):
            answer = await self._client.initiate_auth(
                AuthFlow="REFRESH_TOKEN_AUTH", ClientId=self._client_id,
                AuthParameters=parameters, **self._fixed,
            )
        return _refreshed(dict(answer), refresh_token)


    # --- passkeys of the signed-in person ------------------------------------------------

    async def passkey_creation_options(self, access_token: str) -> dict[str, Any]:
        """StartWebAuthnRegistration: the PublicKeyCredentialCreationOptions (as JSON)."""
        async with _translated("start_web_authn_registration"):
            reply = await self._client.start_web_authn_registration(AccessToken=access_token)
        options = reply.get("CredentialCreationOptions")
        if not isinstance(options, dict):
            raise errors.UpstreamProtocolError("StartWebAuthnRegistration without options")
        return options

    async def register_passkey(self, access_token: str, credential: dict[str, Any]) -> None:
        """CompleteWebAuthnRegistration with the browser's RegistrationResponseJSON."""
        async with _translated("complete_web_authn_registration"):
            await self._client.complete_web_authn_registration(
                AccessToken=access_token, Credential=credential)

    async def passkeys(self, access_token: str) -> list[Passkey]:
        """Every passkey of the person (ListWebAuthnCredentials, page by page)."""
        found: list[Passkey] = []
        request: ListWebAuthnCredentialsRequestTypeDef = {
            "AccessToken": access_token, "MaxResults": 20}
        while True:
            async with _translated("list_web_authn_credentials"):
                reply = await self._client.list_web_authn_credentials(**request)
            found += [Passkey.from_description(item) for item in reply.get("Credentials", [])]
            if not reply.get("NextToken"):
                return found
            request["NextToken"] = reply["NextToken"]

    async def delete_passkey(self, access_token: str, credential_id: str) -> None:
        async with _translated("delete_web_authn_credential"):
            await self._client.delete_web_authn_credential(
                AccessToken=access_token, CredentialId=credential_id)


    # --- remembered devices of the signed-in person ----------------------------------------

    async def devices(self, access_token: str) -> list[RememberedDevice]:
        """Every device Cognito tracks for the person (ListDevices, page by page)."""
        found: list[RememberedDevice] = []
        request: ListDevicesRequestTypeDef = {"AccessToken": access_token, "Limit": 60}
        while True:
            async with _translated("list_devices"):
                reply = await self._client.list_devices(**request)
            found += [RememberedDevice.from_type(item) for item in reply.get("Devices", [])]
            if not reply.get("PaginationToken"):
                return found
            request["PaginationToken"] = reply["PaginationToken"]

    async def forget_device(self, access_token: str, device_key: str) -> None:
        """ForgetDevice: an unknown key (or another person's) is NotFound."""
        async with _translated("forget_device"):
            await self._client.forget_device(AccessToken=access_token, DeviceKey=device_key)

    # --- MFA settings of the signed-in person -------------------------------------------------

    async def mfa_settings(self, access_token: str) -> MfaSettings:
        """GetUser's UserMFASettingList and PreferredMfaSetting, and which delivery attributes
        (email, phone_number) the person has."""
        async with _translated("get_user"):
            reply = await self._client.get_user(AccessToken=access_token)
        attributes = {a["Name"] for a in reply.get("UserAttributes", []) if a.get("Value")}
        return MfaSettings(enabled=tuple(reply.get("UserMFASettingList") or ()),
                           preferred=reply.get("PreferredMfaSetting") or None,
                           has_email="email" in attributes,
                           has_phone="phone_number" in attributes)

    async def set_mfa_preference(self, access_token: str, method: str, *, enabled: bool,
                                 preferred: bool) -> None:
        """SetUserMFAPreference for one method (SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP)."""
        member = _MFA_MEMBERS.get(method)
        if member is None:
            raise errors.InvalidRequest(f"not an MFA method: {method}", field="method")
        request: SetUserMFAPreferenceRequestTypeDef = {"AccessToken": access_token}
        request[member] = {"Enabled": enabled, "PreferredMfa": preferred}  # type: ignore[literal-required]
        async with _translated("set_user_mfa_preference"):
            await self._client.set_user_mfa_preference(**request)

    async def add_authenticator(self, access_token: str) -> str:
        """AssociateSoftwareToken with the access token: the new secret (pending until
        verified; a second call replaces it)."""
        async with _translated("associate_software_token"):
            reply = await self._client.associate_software_token(AccessToken=access_token)
        secret = reply.get("SecretCode")
        if not secret:
            raise errors.UpstreamProtocolError("AssociateSoftwareToken answered without a secret")
        return secret

    async def verify_authenticator(self, access_token: str, code: str) -> None:
        """VerifySoftwareToken with the access token; a wrong code is InvalidCode."""
        async with _translated("verify_software_token"):
            reply = await self._client.verify_software_token(
                AccessToken=access_token, UserCode=code, FriendlyDeviceName="Authenticator")
        if reply.get("Status") != "SUCCESS":
            raise errors.InvalidCode("VerifySoftwareToken status ERROR", field="code")


# SetUserMFAPreference's member for each method, by the name GetUser lists it under.
_MFA_MEMBERS = {"SOFTWARE_TOKEN_MFA": "SoftwareTokenMfaSettings", "SMS_MFA": "SMSMfaSettings",
                "EMAIL_OTP": "EmailMfaSettings"}


@dataclass(frozen=True, slots=True)
class RememberedDevice:
    """One device Cognito tracks for the person, as the account area lists it."""

    key: str
    name: str | None
    last_used_at: int | None  # Unix seconds
    remembered: bool

    @classmethod
    def from_type(cls, item: DeviceTypeTypeDef) -> RememberedDevice:
        attributes = {a["Name"]: a.get("Value") for a in item.get("DeviceAttributes", [])}
        used = item.get("DeviceLastAuthenticatedDate") or item.get("DeviceCreateDate")
        return cls(
            key=item.get("DeviceKey", ""),
            name=attributes.get("device_name") or None,
            last_used_at=int(used.timestamp()) if used is not None else None,
            remembered=attributes.get("dev:device_remembered_status") == "remembered",
        )


@dataclass(frozen=True, slots=True)
class MfaSettings:
    """The person's MFA methods as GetUser shows them."""

    enabled: tuple[str, ...]
    preferred: str | None
    has_email: bool
    has_phone: bool


@dataclass(frozen=True, slots=True)
class CodeDelivery:
    """Where Cognito sent a verification code: the attribute, EMAIL / SMS, the masked address."""

    attribute: str
    medium: str | None
    destination: str | None

    @classmethod
    def read(cls, item: CodeDeliveryDetailsTypeTypeDef, attribute: str = "") -> CodeDelivery:
        return cls(attribute=item.get("AttributeName") or attribute,
                   medium=item.get("DeliveryMedium"), destination=item.get("Destination"))


@dataclass(frozen=True, slots=True)
class Passkey:
    """One passkey as the person sees it listed."""

    id: str
    name: str
    created_at: str  # ISO 8601
    attachment: str | None
    transports: tuple[str, ...]

    @classmethod
    def from_description(cls, item: WebAuthnCredentialDescriptionTypeDef) -> Passkey:
        created = item.get("CreatedAt")
        return cls(
            id=item["CredentialId"], name=item.get("FriendlyCredentialName") or "Passkey",
            created_at=created.isoformat() if hasattr(created, "isoformat") else str(created),
            attachment=item.get("AuthenticatorAttachment"),
            transports=tuple(item.get("AuthenticatorTransports") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "created_at": self.created_at,
                "authenticator_attachment": self.attachment, "transports": list(self.transports)}


def _refreshed(reply: Mapping[str, object], refresh_token: str) -> Tokens:
    """The tokens of a refresh reply; the refresh token stays the one sent unless a rotating
    client handed out a new one."""
    step = read_reply(reply, "")
    if not isinstance(step, Tokens):
        raise errors.UpstreamProtocolError("a token refresh answered with a challenge")
    if step.refresh_token:
        return step
    return Tokens(step.access_token, step.id_token, refresh_token, step.expires_in)


@asynccontextmanager
async def _translated(operation: str) -> AsyncIterator[None]:
    """Every failure of one Cognito call as a gateway error, and one debug line with its time."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        outcome = str(details.get("Code", "Unknown"))
        raise translate(operation, outcome, str(details.get("Message", "")), status) from None
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
