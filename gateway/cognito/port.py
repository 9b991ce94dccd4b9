"""The Cognito operations the gateway uses, as an interface.

:class:`~gateway.cognito.client.Cognito` implements it over aiobotocore; a test can hand the
sign-in runner anything else that does. Replies are the typed shapes of
``types-aiobotocore-cognito-idp`` (the botocore service model, as TypedDicts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from types_aiobotocore_cognito_idp.type_defs import (
    InitiateAuthResponseTypeDef,
    RespondToAuthChallengeResponseTypeDef,
)

from gateway.security.client_context import RequestContext
from gateway.signin.model import ChallengeName, Tokens

AuthReply = InitiateAuthResponseTypeDef | RespondToAuthChallengeResponseTypeDef


class CognitoPort(Protocol):
    async def initiate_auth(
        self, flow: str, username: str, parameters: Mapping[str, str], context: RequestContext,
        session: str | None = None,
    ) -> InitiateAuthResponseTypeDef: ...

    async def account_call(
        self, operation: str, username: str, parameters: Mapping[str, Any],
        context: RequestContext,
    ) -> dict[str, Any]:
        """SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword."""
        ...

    async def respond(
        self,
        challenge: ChallengeName,
        username: str,
        responses: Mapping[str, str],
        session: str | None,
        context: RequestContext,
    ) -> RespondToAuthChallengeResponseTypeDef: ...

    async def associate_software_token(self, session: str) -> tuple[str, str]:
        """The TOTP secret to enrol, and the Session to continue with."""
        ...

    async def verify_software_token(self, session: str, code: str) -> str:
        """The Session to continue with; a wrong code raises InvalidCode."""
        ...

    async def confirm_device(
        self, access_token: str, device_key: str, verifier: str, salt: str
    ) -> bool:
        """ConfirmDevice; True when the pool waits for UpdateDeviceStatus
        (UserConfirmationNecessary)."""
        ...

    async def remember_device(self, access_token: str, device_key: str) -> None:
        """UpdateDeviceStatus ``remembered``."""
        ...

    async def revoke_token(self, refresh_token: str) -> None: ...

    async def global_sign_out(self, access_token: str) -> None: ...

    async def change_password(self, access_token: str, previous: str, proposed: str) -> None:
        """ChangePassword; a wrong previous password raises IncorrectPassword."""
        ...

    async def refresh(self, refresh_token: str, username: str, device_key: str | None) -> Tokens:
        """New tokens; a refused refresh token raises SessionExpired."""
        ...
