"""Remembered devices: NewDeviceMetadata after a sign-in, ConfirmDevice and the device
operations (user and Admin), and which device may stand in for MFA.

A pool tracks devices when it has a DeviceConfiguration. A sign-in without a known device then
hands out a fresh DeviceKey (``<region>_<uuid>``) and the user's DeviceGroupKey; ConfirmDevice
registers the device's SRP salt and verifier (base64, cognito-protocol.md 9.7), never its
password. With ``DeviceOnlyRememberedOnUserPrompt`` the device stays ``not_remembered`` until
UpdateDeviceStatus says otherwise (``UserConfirmationNecessary`` true); without it the device is
remembered at once. A remembered device replaces MFA (DEVICE_SRP_AUTH, then
DEVICE_PASSWORD_VERIFIER proved with realm = DeviceGroupKey, user id = DeviceKey) when the pool's
``ChallengeRequiredOnNewDevice`` is true (cognito-protocol.md section 5.6).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import cognito_srp
from cognito_emulator.admin import target_user
from cognito_emulator.errors import (
    DeviceKeyExists,
    InvalidParameter,
    ResourceNotFound,
)
from cognito_emulator.models import NOT_REMEMBERED, REMEMBERED, Device, Pool, User
from cognito_emulator.srp_server import SrpIdentity
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_self import signed_in_user

DEVICE_DOES_NOT_EXIST = "Device does not exist."
# Keys handed out in NewDeviceMetadata and never confirmed are forgotten beyond this many per
# user (oldest first), so repeated sign-ins cannot grow the state without bound.
MAX_UNCONFIRMED_KEYS = 50
# ListDevices' largest (and default) page.
MAX_PAGE = 60


# -- during sign-in ----------------------------------------------------------------------------


def tracks_devices(pool: Pool) -> bool:
    return pool.device_configuration is not None


def known_device(user: User, device_key: str | None) -> Device | None:
    """The confirmed device of ``user`` with that key; None for no key or any other key (an
    unknown DEVICE_KEY is ignored, as in Cognito)."""
    return user.devices.get(device_key) if device_key else None


def device_replacing_mfa(pool: Pool, user: User, device_key: str | None) -> Device | None:
    """The remembered device that answers instead of MFA in this sign-in, if any."""
    config = pool.device_configuration
    device = known_device(user, device_key)
    if config is None or not config.challenge_required_on_new_device or device is None:
        return None
    return device if device.remembered_status == REMEMBERED else None


def srp_identity(device: Device) -> SrpIdentity:
    return SrpIdentity(realm=device.group_key, user_id=device.key, salt=device.salt,
                       verifier=device.verifier)


def new_device_metadata(emulator: Emulator, pool: Pool, user: User) -> dict[str, str]:
    """NewDeviceMetadata for a sign-in that did not use a known device."""
    if user.device_group_key is None:
        user.device_group_key = emulator.entropy.device_group_key()
    key = emulator.entropy.device_key(pool.region)
    user.issued_device_keys[key] = emulator.now()
    while len(user.issued_device_keys) > MAX_UNCONFIRMED_KEYS:
        del user.issued_device_keys[next(iter(user.issued_device_keys))]
    return {"DeviceKey": key, "DeviceGroupKey": user.device_group_key}


def note_authenticated(device: Device, now: float, ip: str | None) -> None:
    device.last_authenticated = now
    if ip:
        device.last_ip = ip


# -- the API -----------------------------------------------------------------------------------


def device_view(device: Device) -> dict[str, Any]:
    """DeviceType."""
    attributes = [{"Name": "device_status", "Value": "valid"}]
    if device.name:
        attributes.append({"Name": "device_name", "Value": device.name})
    attributes.append({"Name": "dev:device_remembered_status", "Value": device.remembered_status})
    if device.last_ip:
        attributes.append({"Name": "last_ip_used", "Value": device.last_ip})
    return {
        "DeviceKey": device.key,
        "DeviceAttributes": attributes,
        "DeviceCreateDate": device.created,
        "DeviceLastModifiedDate": device.modified,
        "DeviceLastAuthenticatedDate": device.last_authenticated,
    }


def confirm_device(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    key = call.body["DeviceKey"]
    if key in user.devices:
        raise DeviceKeyExists("Device key already exists.")
    if key not in user.issued_device_keys or pool.device_configuration is None:
        raise ResourceNotFound(DEVICE_DOES_NOT_EXIST)
    config = call.body.get("DeviceSecretVerifierConfig") or {}
    verifier = _base64_number(config.get("PasswordVerifier"), "PasswordVerifier")
    salt = _base64_number(config.get("Salt"), "Salt")
    if verifier % cognito_srp.N == 0:
        raise InvalidParameter("DeviceSecretVerifierConfig.PasswordVerifier is not valid.")
    on_prompt = pool.device_configuration.only_remembered_on_user_prompt
    now = emulator.now()
    del user.issued_device_keys[key]
    assert user.device_group_key is not None  # set when the key was issued
    user.devices[key] = Device(
        key=key, group_key=user.device_group_key, name=call.body.get("DeviceName"), salt=salt,
        verifier=verifier, remembered_status=NOT_REMEMBERED if on_prompt else REMEMBERED,
        created=now, modified=now, last_authenticated=now, last_ip=call.source_ip or None,
    )
    return {"UserConfirmationNecessary": on_prompt}


def _base64_number(text: Any, member: str) -> int:
    if not isinstance(text, str) or not text:
        raise InvalidParameter(f"DeviceSecretVerifierConfig.{member} is required.")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidParameter(f"DeviceSecretVerifierConfig.{member} is not base64.") from exc
    value = int.from_bytes(raw, "big")
    if value == 0:
        raise InvalidParameter(f"DeviceSecretVerifierConfig.{member} is not valid.")
    return value


def _device(user: User, key: str) -> Device:
    device = user.devices.get(key)
    if device is None:
        raise ResourceNotFound(DEVICE_DOES_NOT_EXIST)
    return device


def _owner(emulator: Emulator, call: Call) -> User:
    """The user whose device the call is about: the access token's, or (the model makes
    AccessToken optional for GetDevice / ForgetDevice) whoever owns the DeviceKey."""
    if call.body.get("AccessToken"):
        return signed_in_user(emulator, call)[1]
    key = call.body["DeviceKey"]
    for pool in emulator.store.pools.values():
        for user in pool.users.values():
            if key in user.devices:
                call.record.username = user.username
                return user
    raise ResourceNotFound(DEVICE_DOES_NOT_EXIST)


def _set_status(emulator: Emulator, device: Device, body: dict[str, Any]) -> None:
    status = body.get("DeviceRememberedStatus")
    if status not in (REMEMBERED, NOT_REMEMBERED):
        raise InvalidParameter("DeviceRememberedStatus must be remembered or not_remembered.")
    device.remembered_status = status
    device.modified = emulator.now()


def _page(devices: list[Device], body: dict[str, Any]) -> dict[str, Any]:
    token = body.get("PaginationToken")
    if token is None:
        start = 0
    elif token.isdigit():
        start = int(token)
    else:
        raise InvalidParameter("Invalid pagination token.")
    limit = body.get("Limit") or MAX_PAGE
    response: dict[str, Any] = {
        "Devices": [device_view(device) for device in devices[start : start + limit]]
    }
    if start + limit < len(devices):
        response["PaginationToken"] = str(start + limit)
    return response


def update_device_status(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = signed_in_user(emulator, call)
    _set_status(emulator, _device(user, call.body["DeviceKey"]), call.body)
    return {}


def get_device(emulator: Emulator, call: Call) -> dict[str, Any]:
    user = _owner(emulator, call)
    return {"Device": device_view(_device(user, call.body["DeviceKey"]))}


def list_devices(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = signed_in_user(emulator, call)
    return _page(list(user.devices.values()), call.body)


def forget_device(emulator: Emulator, call: Call) -> dict[str, Any]:
    user = _owner(emulator, call)
    _device(user, call.body["DeviceKey"])
    del user.devices[call.body["DeviceKey"]]
    return {}


def admin_get_device(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = target_user(emulator, call)
    return {"Device": device_view(_device(user, call.body["DeviceKey"]))}


def admin_list_devices(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = target_user(emulator, call)
    return _page(list(user.devices.values()), call.body)


def admin_update_device_status(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = target_user(emulator, call)
    _set_status(emulator, _device(user, call.body["DeviceKey"]), call.body)
    return {}


def admin_forget_device(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = target_user(emulator, call)
    _device(user, call.body["DeviceKey"])
    del user.devices[call.body["DeviceKey"]]
    return {}
