"""Which handler serves which Cognito operation (the X-Amz-Target suffix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cognito_emulator import (
    account,
    admin,
    challenge_answers,
    devices,
    groups,
    initiate_auth,
    passkeys,
    refresh,
    software_token,
    user_attributes,
    user_self,
)
from cognito_emulator.state import Call, Emulator

Handler = Callable[[Emulator, Call], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    # setup (admin)
    "CreateUserPool": admin.create_user_pool,
    "DescribeUserPool": admin.describe_user_pool,
    "DeleteUserPool": admin.delete_user_pool,
    "UpdateUserPool": admin.update_user_pool,
    "GetUserPoolMfaConfig": admin.get_user_pool_mfa_config,
    "CreateUserPoolClient": admin.create_user_pool_client,
    "DescribeUserPoolClient": admin.describe_user_pool_client,
    "UpdateUserPoolClient": admin.update_user_pool_client,
    "SetUserPoolMfaConfig": admin.set_user_pool_mfa_config,
    "AdminCreateUser": admin.admin_create_user,
    "AdminSetUserPassword": admin.admin_set_user_password,
    "AdminGetUser": admin.admin_get_user,
    "AdminDeleteUser": admin.admin_delete_user,
    "AdminUpdateUserAttributes": admin.admin_update_user_attributes,
    "AdminSetUserMFAPreference": admin.admin_set_user_mfa_preference,
    "AdminConfirmSignUp": admin.admin_confirm_sign_up,
    "AdminDisableUser": admin.admin_disable_user,
    "AdminEnableUser": admin.admin_enable_user,
    "ListUsers": admin.list_users,
    "AdminGetDevice": devices.admin_get_device,
    "AdminListDevices": devices.admin_list_devices,
    "AdminUpdateDeviceStatus": devices.admin_update_device_status,
    "AdminForgetDevice": devices.admin_forget_device,
    # groups
    "CreateGroup": groups.create_group,
    "GetGroup": groups.get_group,
    "ListGroups": groups.list_groups,
    "UpdateGroup": groups.update_group,
    "DeleteGroup": groups.delete_group,
    "AdminAddUserToGroup": groups.admin_add_user_to_group,
    "AdminRemoveUserFromGroup": groups.admin_remove_user_from_group,
    "AdminListGroupsForUser": groups.admin_list_groups_for_user,
    "ListUsersInGroup": groups.list_users_in_group,
    # sign-in
    "InitiateAuth": initiate_auth.initiate_auth,
    "RespondToAuthChallenge": challenge_answers.respond_to_auth_challenge,
    "AssociateSoftwareToken": software_token.associate_software_token,
    "VerifySoftwareToken": software_token.verify_software_token,
    "SetUserMFAPreference": user_self.set_user_mfa_preference,
    "GetUser": user_self.get_user,
    "GlobalSignOut": user_self.global_sign_out,
    "RevokeToken": user_self.revoke_token,
    "GetTokensFromRefreshToken": refresh.get_tokens_from_refresh_token,
    "GetUserAuthFactors": user_self.get_user_auth_factors,
    # passkeys
    "StartWebAuthnRegistration": passkeys.start_web_authn_registration,
    "CompleteWebAuthnRegistration": passkeys.complete_web_authn_registration,
    "ListWebAuthnCredentials": passkeys.list_web_authn_credentials,
    "DeleteWebAuthnCredential": passkeys.delete_web_authn_credential,
    # remembered devices
    "ConfirmDevice": devices.confirm_device,
    "UpdateDeviceStatus": devices.update_device_status,
    "GetDevice": devices.get_device,
    "ListDevices": devices.list_devices,
    "ForgetDevice": devices.forget_device,
    # account
    "SignUp": account.sign_up,
    "ConfirmSignUp": account.confirm_sign_up,
    "ResendConfirmationCode": account.resend_confirmation_code,
    "ForgotPassword": account.forgot_password,
    "ConfirmForgotPassword": account.confirm_forgot_password,
    "ChangePassword": user_self.change_password,
    "UpdateUserAttributes": user_attributes.update_user_attributes,
    "GetUserAttributeVerificationCode": user_attributes.get_user_attribute_verification_code,
    "VerifyUserAttribute": user_attributes.verify_user_attribute,
    "DeleteUser": user_attributes.delete_user,
}
