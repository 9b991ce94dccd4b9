"""WEB_AUTHN: a passkey. Cognito hands over the PublicKeyCredentialRequestOptions
(``CREDENTIAL_REQUEST_OPTIONS``), the browser asks the person's authenticator
(``navigator.credentials.get``), and the answer is the PublicKeyCredential in its WebAuthn
Level 3 ``toJSON()`` form (``credential``), which Cognito verifies: signature, challenge,
origin, relying party and sign count. The gateway checks only that the answer is such a JSON
object, and that the relying party Cognito names can be used from this site at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gateway import errors
from gateway.signin.model import Challenge, ChallengeName, Field, Prompt, ProtocolError
from gateway.signin.protocol import Arrival, Ask, Effects, Reply, RespondToChallenge, Turn, done
from gateway.signin.steps import forms

FORM = "passkey"
# An assertion is a few hundred bytes of base64url; room for large authenticator data.
CREDENTIAL_FIELD = Field("credential", "credential", max_length=65536)
_MEMBERS = ("id", "rawId", "type", "response")


def request_options(challenge: Challenge) -> dict[str, Any]:
    try:
        options = json.loads(challenge.parameters.get("CREDENTIAL_REQUEST_OPTIONS", ""))
    except json.JSONDecodeError:
        raise ProtocolError("WEB_AUTHN without readable CREDENTIAL_REQUEST_OPTIONS") from None
    if not isinstance(options, dict) or not isinstance(options.get("challenge"), str):
        raise ProtocolError("WEB_AUTHN options without a challenge")
    return options


def credential(answers: Mapping[str, str]) -> str:
    """The browser's PublicKeyCredential, re-serialised: a JSON object with the members every
    assertion has, or a refusal naming the field before anything reaches Cognito."""
    typed = forms.required(answers, CREDENTIAL_FIELD.name)
    try:
        parsed = json.loads(typed)
    except json.JSONDecodeError:
        raise errors.InvalidRequest("credential is not JSON", field="credential") from None
    if not isinstance(parsed, dict) or any(not parsed.get(m) for m in _MEMBERS) or (
            not isinstance(parsed["response"], dict)):
        raise errors.InvalidRequest("credential is not a PublicKeyCredential",
                                    field="credential")
    return json.dumps(parsed, separators=(",", ":"))


class Passkey:
    challenges = (ChallengeName.WEB_AUTHN,)
    forms = (FORM,)

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        request_options(challenge)  # unusable options are Cognito's fault: 502 now
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        return Prompt(challenge.name, FORM, (CREDENTIAL_FIELD,),
                      {"credential_request_options": request_options(challenge)})

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        answer = credential(answers)
        reply = yield RespondToChallenge(challenge.name, challenge.username,
                                         {"CREDENTIAL": answer}, challenge.session)
        return Reply(reply)
