"""Remembered devices over HTTP: DeviceConfiguration, NewDeviceMetadata, ConfirmDevice and the
device operations, and DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER standing in for MFA (the
known-answer vectors with the emulator as server, and pycognito as an independent client)."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP, generate_hash_device
from pycognito.exceptions import SoftwareTokenMFAChallengeException

import cognito_srp
from cognito_emulator.entropy import PinnedSrpEntropy
from cognito_emulator.seed import parse_seed
from cognito_emulator.state import Emulator
from tests.emulator.helpers import (
    DEVICE_CONFIDENTIAL,
    DEVICE_POOL,
    DEVICE_PUBLIC,
    GATEWAY,
    PASSWORD,
    TEST_PASSWORD,
    advance_clock,
    cognito,
    password_auth,
    refused,
    respond,
    secret_hash,
    totp,
)
from tests.emulator.inprocess import ThreadedEmulator

VECTORS = json.loads(
    (Path(__file__).parents[1] / "data" / "cognito-srp-vectors.json").read_text()
)
DEVICE_KEY_PATTERN = re.compile(r"^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                r"[0-9a-f]{12}$")
USER = "device-user"  # TOTP preferred, in the device pool


class DeviceSrp:
    """The client side of device SRP, from cognito_srp (realm DeviceGroupKey, id DeviceKey)."""

    def __init__(self, metadata: dict[str, str], password: str) -> None:
        self.key = metadata["DeviceKey"]
        self.group = metadata["DeviceGroupKey"]
        self.password = password
        self.a, self.big_a = cognito_srp.client_ephemeral()

    def start(self, username: str) -> dict[str, str]:
        return {"USERNAME": username, "DEVICE_KEY": self.key, "SRP_A": format(self.big_a, "x")}

    def claim(self, parameters: dict[str, str]) -> dict[str, str]:
        x = cognito_srp.x_value(int(parameters["SALT"], 16), self.group, self.key, self.password)
        key = cognito_srp.client_key(self.a, self.big_a, int(parameters["SRP_B"], 16), x)
        timestamp = cognito_srp.format_timestamp(datetime.now(UTC))
        message = cognito_srp.signature_message(
            self.group, self.key, base64.b64decode(parameters["SECRET_BLOCK"]), timestamp)
        return {"USERNAME": parameters["USERNAME"], "DEVICE_KEY": self.key,
                "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": cognito_srp.signature(key, message),
                "TIMESTAMP": timestamp}


def _with_hash(responses: dict[str, str], client_id: str) -> dict[str, str]:
    if client_id == DEVICE_CONFIDENTIAL:
        return {**responses, "SECRET_HASH": secret_hash(responses["USERNAME"], client_id)}
    return responses


def _first_sign_in(idp: Any, url: str, client_id: str = DEVICE_PUBLIC,
                   **extra: str) -> dict[str, Any]:
    """Password + TOTP; the AuthenticationResult."""
    challenge = password_auth(idp, USER, TEST_PASSWORD, client_id=client_id)
    if extra:
        challenge = idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id,
            AuthParameters=_with_hash({"USERNAME": USER, "PASSWORD": TEST_PASSWORD, **extra},
                                      client_id))
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    code = totp(url, USER, DEVICE_POOL)["code"]  # the demo seed has a device-user too
    result = respond(idp, challenge, {"SOFTWARE_TOKEN_MFA_CODE": code}, client_id=client_id)
    return dict(result["AuthenticationResult"])


def _confirmed(idp: Any, url: str, client_id: str = DEVICE_PUBLIC
               ) -> tuple[dict[str, Any], dict[str, str], str]:
    """Sign in, confirm the new device; (tokens, NewDeviceMetadata, device password)."""
    tokens = _first_sign_in(idp, url, client_id)
    metadata = tokens["NewDeviceMetadata"]
    device_password, config = generate_hash_device(metadata["DeviceGroupKey"],
                                                   metadata["DeviceKey"])
    confirmed = idp.confirm_device(AccessToken=tokens["AccessToken"],
                                   DeviceKey=metadata["DeviceKey"],
                                   DeviceSecretVerifierConfig=config, DeviceName="laptop")
    assert confirmed["UserConfirmationNecessary"] is False
    # The next TOTP code must be a later step than the one just used.
    advance_clock(url, 30)
    return tokens, metadata, device_password


def _pycognito(idp: Any, metadata: dict[str, str] | None = None,
               device_password: str | None = None) -> AWSSRP:
    device = {} if metadata is None else {
        "device_key": metadata["DeviceKey"], "device_group_key": metadata["DeviceGroupKey"],
        "device_password": device_password,
    }
    return AWSSRP(username=USER, password=TEST_PASSWORD, pool_id=DEVICE_POOL,
                  client_id=DEVICE_PUBLIC, client=idp, **device)


# -- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize("config", [
    {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
    {"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False},
])
def test_device_configuration_round_trips(idp: Any, config: dict[str, bool]) -> None:
    created = idp.create_user_pool(PoolName="devices", DeviceConfiguration=config)["UserPool"]
    assert created["DeviceConfiguration"] == config
    described = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert described["DeviceConfiguration"] == config


def test_seeded_device_configuration_is_described(idp: Any) -> None:
    pool = idp.describe_user_pool(UserPoolId=DEVICE_POOL)["UserPool"]
    assert pool["DeviceConfiguration"] == {"ChallengeRequiredOnNewDevice": True,
                                           "DeviceOnlyRememberedOnUserPrompt": False}
    assert "DeviceConfiguration" not in idp.describe_user_pool(
        UserPoolId="us-east-1_DemoPool01")["UserPool"]


# -- NewDeviceMetadata -------------------------------------------------------------------------


def test_sign_in_without_a_known_device_gets_new_device_metadata(idp: Any, url: str) -> None:
    metadata = _first_sign_in(idp, url)["NewDeviceMetadata"]
    assert DEVICE_KEY_PATTERN.match(metadata["DeviceKey"])
    assert metadata["DeviceGroupKey"]
    # An unknown DEVICE_KEY is ignored: MFA as usual, and a new device handed out.
    advance_clock(url, 30)
    again = _first_sign_in(idp, url, DEVICE_KEY="us-east-1_00000000-0000-0000-0000-000000000000")
    assert again["NewDeviceMetadata"]["DeviceKey"] != metadata["DeviceKey"]
    assert again["NewDeviceMetadata"]["DeviceGroupKey"] == metadata["DeviceGroupKey"]


def test_pool_without_device_configuration_hands_out_no_device(idp: Any) -> None:
    result = password_auth(idp, "password-user", PASSWORD, client_id="3demopublicclient000000003")
    assert "NewDeviceMetadata" not in result["AuthenticationResult"]


# -- the known-answer vectors, emulator in the server role ------------------------------------

POOL_V = VECTORS["pool"]
USER_V = VECTORS["user"]
CONFIRM_V = VECTORS["confirm_device"]
DEVICE_V = VECTORS["device_srp"]


def _at(emulator: Emulator, timestamp: str) -> None:
    moment = cognito_srp.parse_timestamp(timestamp)
    assert moment is not None
    emulator.clock.set_offset(moment.timestamp() - time.time())


def test_device_vectors_pass_with_the_emulator_as_server() -> None:
    user_inputs, device_inputs = VECTORS["user_srp"]["inputs"], DEVICE_V["inputs"]
    seed = {"pools": [{
        "Id": POOL_V["UserPoolId"], "PoolName": "vectors", "AliasAttributes": ["email"],
        "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True,
                                "DeviceOnlyRememberedOnUserPrompt": False},
        "Clients": [{"ClientId": POOL_V["ClientId"], "ClientSecret": POOL_V["ClientSecret"],
                     "ClientName": "vectors",
                     "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"]}],
        "Users": [{"Username": USER_V["USER_ID_FOR_SRP"], "Password": USER_V["password"],
                   "SrpSalt": user_inputs["SALT"],
                   "Attributes": {"email": USER_V["login_username"], "email_verified": "true"}}],
    }]}
    device_b, device_block = (int(device_inputs["b_hex"], 16),
                              base64.b64decode(device_inputs["SECRET_BLOCK"]))
    entropy = PinnedSrpEntropy(
        [int(user_inputs["b_hex"], 16), device_b, device_b],
        [base64.b64decode(user_inputs["SECRET_BLOCK"]), device_block, device_block],
        device_keys=[CONFIRM_V["NewDeviceMetadata"]["DeviceKey"]],
        device_group_keys=[CONFIRM_V["NewDeviceMetadata"]["DeviceGroupKey"]],
    )
    emulator = Emulator(parse_seed(seed), entropy=entropy)
    client_id = POOL_V["ClientId"]
    with ThreadedEmulator(emulator) as server:
        idp = cognito(server.url)
        # 1. USER_SRP_AUTH (user vectors) -> tokens with the vectors' NewDeviceMetadata.
        _at(emulator, user_inputs["TIMESTAMP"])
        idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=client_id,
                          AuthParameters=VECTORS["user_srp"]["InitiateAuth_AuthParameters"])
        tokens = idp.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=VECTORS["user_srp"]["ChallengeResponses"],
        )["AuthenticationResult"]
        assert tokens["NewDeviceMetadata"] == CONFIRM_V["NewDeviceMetadata"]
        # 2. ConfirmDevice with the vectors' verifier material.
        assert idp.confirm_device(
            AccessToken=tokens["AccessToken"],
            DeviceKey=CONFIRM_V["NewDeviceMetadata"]["DeviceKey"],
            DeviceSecretVerifierConfig=CONFIRM_V["DeviceSecretVerifierConfig"],
        )["UserConfirmationNecessary"] is False
        device = emulator.store.pools[POOL_V["UserPoolId"]].users[
            USER_V["USER_ID_FOR_SRP"]].devices[CONFIRM_V["NewDeviceMetadata"]["DeviceKey"]]
        assert format(device.verifier, "x") == CONFIRM_V["verifier_hex"]
        # 3. Sign in again with the device: DEVICE_SRP_AUTH -> the vectors' challenge.
        _at(emulator, device_inputs["TIMESTAMP"])

        def device_challenge() -> dict[str, Any]:
            start = idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id,
                AuthParameters={"USERNAME": USER_V["login_username"],
                                "PASSWORD": USER_V["password"],
                                "DEVICE_KEY": CONFIRM_V["NewDeviceMetadata"]["DeviceKey"],
                                "SECRET_HASH": VECTORS["secret_hash"]["for_login_username"][
                                    "SECRET_HASH"]})
            assert start["ChallengeName"] == "DEVICE_SRP_AUTH"
            challenge = idp.respond_to_auth_challenge(
                ClientId=client_id, ChallengeName="DEVICE_SRP_AUTH", Session=start["Session"],
                ChallengeResponses=DEVICE_V["DEVICE_SRP_AUTH_ChallengeResponses"])
            assert challenge["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
            assert challenge["ChallengeParameters"] == DEVICE_V["ChallengeParameters"]
            return dict(challenge)

        challenge = device_challenge()
        result = idp.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER",
            Session=challenge["Session"], ChallengeResponses=DEVICE_V["ChallengeResponses"])
        assert "AccessToken" in result["AuthenticationResult"]
        assert "NewDeviceMetadata" not in result["AuthenticationResult"]

        challenge = device_challenge()
        signature = DEVICE_V["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"]
        flipped = {**DEVICE_V["ChallengeResponses"],
                   "PASSWORD_CLAIM_SIGNATURE": ("B" if signature[0] == "A" else "A")
                   + signature[1:]}
        assert refused(idp.respond_to_auth_challenge, ClientId=client_id,
                       ChallengeName="DEVICE_PASSWORD_VERIFIER", Session=challenge["Session"],
                       ChallengeResponses=flipped) == (
            "NotAuthorizedException", "Incorrect username or password.")


# -- an independent client: pycognito ---------------------------------------------------------


def test_pycognito_confirms_a_device_and_signs_in_with_it_skipping_mfa(idp: Any,
                                                                        url: str) -> None:
    _tokens, metadata, device_password = _confirmed(idp, url)
    result = _pycognito(idp, metadata, device_password).authenticate_user()
    assert "ChallengeName" not in result
    tokens = result["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == USER
    assert "NewDeviceMetadata" not in tokens


def test_get_device_shows_name_and_remembered_status(idp: Any, url: str) -> None:
    # pycognito's ConfirmDevice posts to real AWS, so its generate_hash_device material goes
    # through boto3 here; DeviceOnlyRememberedOnUserPrompt false: remembered at once.
    tokens, metadata, _password = _confirmed(idp, url)
    device = idp.get_device(AccessToken=tokens["AccessToken"], DeviceKey=metadata["DeviceKey"])
    attributes = {a["Name"]: a["Value"] for a in device["Device"]["DeviceAttributes"]}
    assert attributes["device_status"] == "valid"
    assert attributes["device_name"] == "laptop"
    assert attributes["dev:device_remembered_status"] == "remembered"


def test_wrong_device_password_is_refused(idp: Any, url: str) -> None:
    _tokens, metadata, _password = _confirmed(idp, url)
    wrong = base64.b64encode(b"\x00" * 40).decode()
    assert refused(_pycognito(idp, metadata, wrong).authenticate_user) == (
        "NotAuthorizedException", "Incorrect username or password.")


def test_forgotten_device_falls_back_to_mfa(idp: Any, url: str) -> None:
    tokens, metadata, device_password = _confirmed(idp, url)
    idp.forget_device(AccessToken=tokens["AccessToken"], DeviceKey=metadata["DeviceKey"])
    challenge = password_auth(idp, USER, TEST_PASSWORD, client_id=DEVICE_PUBLIC)
    with_key = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=DEVICE_PUBLIC,
                                 AuthParameters={"USERNAME": USER, "PASSWORD": TEST_PASSWORD,
                                                 "DEVICE_KEY": metadata["DeviceKey"]})
    assert challenge["ChallengeName"] == with_key["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    # pycognito with the forgotten device gets the MFA challenge too.
    with pytest.raises(SoftwareTokenMFAChallengeException):
        _pycognito(idp, metadata, device_password).authenticate_user()
    assert refused(idp.get_device, AccessToken=tokens["AccessToken"],
                   DeviceKey=metadata["DeviceKey"]) == (
        "ResourceNotFoundException", "Device does not exist.")


# -- the device steps by hand, with a confidential client --------------------------------------


def test_device_steps_check_secret_hash_and_accept_a_refresh_with_the_device(
        idp: Any, url: str) -> None:
    _tokens, metadata, device_password = _confirmed(idp, url, DEVICE_CONFIDENTIAL)
    start = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=DEVICE_CONFIDENTIAL,
        AuthParameters=_with_hash({"USERNAME": USER, "PASSWORD": TEST_PASSWORD,
                                   "DEVICE_KEY": metadata["DeviceKey"]}, DEVICE_CONFIDENTIAL))
    assert start["ChallengeName"] == "DEVICE_SRP_AUTH"
    srp = DeviceSrp(metadata, device_password)
    assert refused(idp.respond_to_auth_challenge, ClientId=DEVICE_CONFIDENTIAL,
                   ChallengeName="DEVICE_SRP_AUTH", Session=start["Session"],
                   ChallengeResponses=srp.start(USER))[0] == "NotAuthorizedException"
    challenge = idp.respond_to_auth_challenge(
        ClientId=DEVICE_CONFIDENTIAL, ChallengeName="DEVICE_SRP_AUTH", Session=start["Session"],
        ChallengeResponses=_with_hash(srp.start(USER), DEVICE_CONFIDENTIAL))
    parameters = challenge["ChallengeParameters"]
    assert set(parameters) == {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "DEVICE_KEY"}
    assert parameters["DEVICE_KEY"] == metadata["DeviceKey"]
    claim = srp.claim(parameters)
    assert refused(idp.respond_to_auth_challenge, ClientId=DEVICE_CONFIDENTIAL,
                   ChallengeName="DEVICE_PASSWORD_VERIFIER", Session=challenge["Session"],
                   ChallengeResponses=claim)[0] == "NotAuthorizedException"
    result = idp.respond_to_auth_challenge(
        ClientId=DEVICE_CONFIDENTIAL, ChallengeName="DEVICE_PASSWORD_VERIFIER",
        Session=challenge["Session"], ChallengeResponses=_with_hash(claim, DEVICE_CONFIDENTIAL))
    device_tokens = result["AuthenticationResult"]
    assert "NewDeviceMetadata" not in device_tokens

    def refresh(device_key: str) -> dict[str, Any]:
        return dict(idp.initiate_auth(
            AuthFlow="REFRESH_TOKEN_AUTH", ClientId=DEVICE_CONFIDENTIAL,
            AuthParameters={"REFRESH_TOKEN": device_tokens["RefreshToken"],
                            "SECRET_HASH": secret_hash(USER, DEVICE_CONFIDENTIAL),
                            "DEVICE_KEY": device_key}))

    assert "AccessToken" in refresh(metadata["DeviceKey"])["AuthenticationResult"]
    assert refused(refresh, "us-east-1_00000000-0000-0000-0000-000000000000") == (
        "NotAuthorizedException", "Invalid Refresh Token")


def test_device_srp_after_user_srp_and_without_sessions(idp: Any, url: str) -> None:
    # pycognito's path by hand: PASSWORD_VERIFIER carrying DEVICE_KEY, answers with no Session.
    _tokens, metadata, device_password = _confirmed(idp, url)
    srp = AWSSRP(username=USER, password=TEST_PASSWORD, pool_id=DEVICE_POOL,
                 client_id=DEVICE_PUBLIC, client=idp, device_key=metadata["DeviceKey"],
                 device_group_key=metadata["DeviceGroupKey"], device_password=device_password)
    parameters = srp.get_auth_params()
    start = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=DEVICE_PUBLIC,
                              AuthParameters=parameters)
    answer = srp.process_challenge(start["ChallengeParameters"], parameters)
    answer.pop("DEVICE_KEY")  # InitiateAuth's DEVICE_KEY is enough
    after = idp.respond_to_auth_challenge(ClientId=DEVICE_PUBLIC,
                                          ChallengeName="PASSWORD_VERIFIER",
                                          ChallengeResponses=answer)
    assert after["ChallengeName"] == "DEVICE_SRP_AUTH"


# -- remembered only on the user's prompt ------------------------------------------------------


def test_device_on_user_prompt_replaces_mfa_only_once_remembered(idp: Any) -> None:
    pool = idp.create_user_pool(PoolName="on-prompt", DeviceConfiguration={
        "ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True,
    })["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="pat", MessageAction="SUPPRESS",
                          TemporaryPassword="Temp-0rary-pass")
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username="pat",
                                Password=TEST_PASSWORD, Permanent=True)

    def sign_in(**device: str) -> dict[str, Any]:
        return dict(idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=client,
                                      AuthParameters={"USERNAME": "pat",
                                                      "PASSWORD": TEST_PASSWORD, **device}))

    tokens = sign_in()["AuthenticationResult"]
    key = tokens["NewDeviceMetadata"]["DeviceKey"]
    _password, config = generate_hash_device(tokens["NewDeviceMetadata"]["DeviceGroupKey"], key)
    assert idp.confirm_device(AccessToken=tokens["AccessToken"], DeviceKey=key,
                              DeviceSecretVerifierConfig=config)["UserConfirmationNecessary"]
    # Not remembered yet: no device step, and no new device either (it is known).
    unremembered = sign_in(DEVICE_KEY=key)
    assert "AuthenticationResult" in unremembered
    assert "NewDeviceMetadata" not in unremembered["AuthenticationResult"]
    idp.update_device_status(AccessToken=tokens["AccessToken"], DeviceKey=key,
                             DeviceRememberedStatus="remembered")
    assert sign_in(DEVICE_KEY=key)["ChallengeName"] == "DEVICE_SRP_AUTH"
    idp.admin_update_device_status(UserPoolId=pool["Id"], Username="pat", DeviceKey=key,
                                   DeviceRememberedStatus="not_remembered")
    assert "AuthenticationResult" in sign_in(DEVICE_KEY=key)


# -- the device operations ---------------------------------------------------------------------


def test_admin_list_get_and_forget(idp: Any, url: str) -> None:
    tokens, metadata, _password = _confirmed(idp, url)
    key = metadata["DeviceKey"]
    listed = idp.admin_list_devices(UserPoolId=DEVICE_POOL, Username=USER)["Devices"]
    assert [device["DeviceKey"] for device in listed] == [key]
    assert idp.list_devices(AccessToken=tokens["AccessToken"])["Devices"] == listed
    got = idp.admin_get_device(UserPoolId=DEVICE_POOL, Username=USER, DeviceKey=key)["Device"]
    assert got["DeviceKey"] == key
    assert {"DeviceCreateDate", "DeviceLastModifiedDate", "DeviceLastAuthenticatedDate"} <= set(got)
    idp.admin_forget_device(UserPoolId=DEVICE_POOL, Username=USER, DeviceKey=key)
    assert idp.admin_list_devices(UserPoolId=DEVICE_POOL, Username=USER)["Devices"] == []
    assert refused(idp.admin_get_device, UserPoolId=DEVICE_POOL, Username=USER,
                   DeviceKey=key) == ("ResourceNotFoundException", "Device does not exist.")
    assert refused(idp.admin_forget_device, UserPoolId=DEVICE_POOL, Username=USER,
                   DeviceKey=key)[0] == "ResourceNotFoundException"


def test_device_operation_errors(idp: Any, url: str) -> None:
    tokens = _first_sign_in(idp, url)
    access, metadata = tokens["AccessToken"], tokens["NewDeviceMetadata"]
    unknown = "us-east-1_00000000-0000-0000-0000-000000000000"
    _password, config = generate_hash_device(metadata["DeviceGroupKey"], metadata["DeviceKey"])
    assert refused(idp.confirm_device, AccessToken=access, DeviceKey=unknown,
                   DeviceSecretVerifierConfig=config) == (
        "ResourceNotFoundException", "Device does not exist.")
    assert refused(idp.confirm_device, AccessToken="not-a-token", DeviceKey=metadata["DeviceKey"],
                   DeviceSecretVerifierConfig=config)[0] == "NotAuthorizedException"
    assert refused(idp.confirm_device, AccessToken=access, DeviceKey=metadata["DeviceKey"],
                   DeviceSecretVerifierConfig={"PasswordVerifier": "%%%", "Salt": "AAE="}
                   )[0] == "InvalidParameterException"
    idp.confirm_device(AccessToken=access, DeviceKey=metadata["DeviceKey"],
                       DeviceSecretVerifierConfig=config)
    assert refused(idp.confirm_device, AccessToken=access, DeviceKey=metadata["DeviceKey"],
                   DeviceSecretVerifierConfig=config)[0] == "DeviceKeyExistsException"
    for call in (idp.get_device, idp.forget_device):
        assert refused(call, AccessToken=access, DeviceKey=unknown)[0] == (
            "ResourceNotFoundException")
    assert refused(idp.update_device_status, AccessToken=access, DeviceKey=unknown,
                   DeviceRememberedStatus="remembered")[0] == "ResourceNotFoundException"
    assert refused(idp.list_devices, AccessToken="not-a-token")[0] == "NotAuthorizedException"
    assert refused(idp.admin_list_devices, UserPoolId=DEVICE_POOL,
                   Username="nobody")[0] == "UserNotFoundException"
    # GetDevice's AccessToken is optional: the DeviceKey alone names the device.
    assert idp.get_device(DeviceKey=metadata["DeviceKey"])["Device"]["DeviceKey"] == (
        metadata["DeviceKey"])


def test_gateway_client_is_unaffected(idp: Any) -> None:
    # A pool without DeviceConfiguration ignores DEVICE_KEY altogether.
    result = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=GATEWAY, AuthParameters={
        "USERNAME": "password-user", "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash(
            "password-user"), "DEVICE_KEY": "us-east-1_00000000-0000-0000-0000-000000000000"})
    assert "NewDeviceMetadata" not in result["AuthenticationResult"]
