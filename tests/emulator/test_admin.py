"""Admin operations: pools, app clients and users, through a SigV4-signing boto3 client."""

from __future__ import annotations

from typing import Any

from tests.emulator.helpers import POOL, cognito, outbox, password_auth, refused


def _pool(idp: Any, **extra: Any) -> dict[str, Any]:
    return dict(idp.create_user_pool(PoolName="admin-test", **extra)["UserPool"])


def test_create_describe_and_delete_a_pool(idp: Any) -> None:
    created = _pool(
        idp,
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False}},
        MfaConfiguration="OFF",
        AliasAttributes=["email", "preferred_username"],
        AutoVerifiedAttributes=["email"],
        UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"},
        Schema=[{"Name": "department", "AttributeDataType": "String", "Mutable": True}],
    )
    described = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert described["Id"] == created["Id"]
    assert created["Id"].startswith("us-east-1_")
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert described["Policies"]["PasswordPolicy"]["RequireSymbols"] is False
    assert described["AliasAttributes"] == ["email", "preferred_username"]
    assert described["UserPoolAddOns"] == {"AdvancedSecurityMode": "AUDIT"}
    assert described["Arn"].endswith(f"userpool/{created['Id']}")
    assert any(item["Name"] == "custom:department" for item in described["SchemaAttributes"])
    idp.delete_user_pool(UserPoolId=created["Id"])
    assert refused(idp.describe_user_pool, UserPoolId=created["Id"])[0] == (
        "ResourceNotFoundException")


def test_pool_region_comes_from_the_signature(url: str) -> None:
    created = cognito(url, region="eu-west-1").create_user_pool(PoolName="eu")["UserPool"]
    assert created["Id"].startswith("eu-west-1_")


def test_alias_and_username_attributes_are_exclusive(idp: Any) -> None:
    assert refused(_pool, idp, AliasAttributes=["email"], UsernameAttributes=["email"])[0] == (
        "InvalidParameterException")


def test_create_and_describe_a_client(idp: Any) -> None:
    pool = _pool(idp)
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="bff", GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AuthSessionValidity=7, EnablePropagateAdditionalUserContextData=True,
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    assert len(client["ClientSecret"]) >= 24
    described = idp.describe_user_pool_client(UserPoolId=pool["Id"],
                                              ClientId=client["ClientId"])["UserPoolClient"]
    assert described["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert described["AuthSessionValidity"] == 7
    assert described["EnablePropagateAdditionalUserContextData"] is True
    assert described["PreventUserExistenceErrors"] == "ENABLED"
    assert described["ClientSecret"] == client["ClientSecret"]


def test_propagating_user_context_needs_a_secret(idp: Any) -> None:
    pool = _pool(idp)
    assert refused(idp.create_user_pool_client, UserPoolId=pool["Id"], ClientName="spa",
                  EnablePropagateAdditionalUserContextData=True)[0] == (
        "InvalidParameterException")


def test_set_user_pool_mfa_config(idp: Any) -> None:
    pool = _pool(idp)
    config = idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"], MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"},
    )
    assert config["MfaConfiguration"] == "ON"
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["MfaConfiguration"] == "ON"


def test_admin_create_user_invites_and_refuses_duplicates(idp: Any, url: str) -> None:
    created = idp.admin_create_user(
        UserPoolId=POOL, Username="invitee", DesiredDeliveryMediums=["EMAIL"],
        UserAttributes=[{"Name": "email", "Value": "invitee@example.com"},
                        {"Name": "email_verified", "Value": "true"}],
    )["User"]
    assert created["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert created["Enabled"] is True
    (invitation,) = outbox(url, "invitee@example.com")
    assert invitation["purpose"] == "INVITATION"
    challenge = password_auth(idp, "invitee", invitation["code"])
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert refused(idp.admin_create_user, UserPoolId=POOL, Username="invitee")[0] == (
        "UsernameExistsException")
    assert refused(idp.admin_create_user, UserPoolId=POOL, Username="second",
                  MessageAction="SUPPRESS",
                  UserAttributes=[{"Name": "email", "Value": "invitee@example.com"},
                                  {"Name": "email_verified", "Value": "true"}])[0] == (
        "AliasExistsException")


def test_admin_user_lifecycle(idp: Any) -> None:
    idp.admin_create_user(UserPoolId=POOL, Username="temp", MessageAction="SUPPRESS",
                          TemporaryPassword="Temp-Passw0rd!")
    idp.admin_update_user_attributes(UserPoolId=POOL, Username="temp", UserAttributes=[
        {"Name": "email", "Value": "temp@example.com"}, {"Name": "name", "Value": "Tim"}])
    user = idp.admin_get_user(UserPoolId=POOL, Username="temp")
    attributes = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
    assert attributes["email"] == "temp@example.com"
    assert attributes["email_verified"] == "false"
    assert refused(idp.admin_update_user_attributes, UserPoolId=POOL, Username="temp",
                  UserAttributes=[{"Name": "sub", "Value": "x"}])[0] == (
        "InvalidParameterException")
    idp.admin_delete_user(UserPoolId=POOL, Username="temp")
    assert refused(idp.admin_get_user, UserPoolId=POOL, Username="temp") == (
        "UserNotFoundException", "User does not exist.")


def test_admin_confirm_sign_up(idp: Any) -> None:
    idp.sign_up(ClientId="3demopublicclient000000003", Username="pending", Password="Pend-1ng!x",
                UserAttributes=[{"Name": "name", "Value": "P"}])
    idp.admin_confirm_sign_up(UserPoolId=POOL, Username="pending")
    assert idp.admin_get_user(UserPoolId=POOL, Username="pending")["UserStatus"] == "CONFIRMED"
    assert refused(idp.admin_confirm_sign_up, UserPoolId=POOL, Username="pending")[0] == (
        "NotAuthorizedException")


def test_list_users_filters_and_pages(idp: Any) -> None:
    by_email = idp.list_users(UserPoolId=POOL, Filter='email = "sms-user@example.com"')["Users"]
    assert [user["Username"] for user in by_email] == ["sms-user"]
    prefixed = idp.list_users(UserPoolId=POOL, Filter='username ^= "s"')["Users"]
    assert [user["Username"] for user in prefixed] == ["sms-user"]
    forced = idp.list_users(UserPoolId=POOL, Filter='cognito:user_status = "FORCE_CHANGE_PASSWORD"')
    assert [user["Username"] for user in forced["Users"]] == ["new-password-user"]

    first = idp.list_users(UserPoolId=POOL, Limit=3, AttributesToGet=["email"])
    assert len(first["Users"]) == 3
    assert all([a["Name"] for a in u["Attributes"]] == ["email"] for u in first["Users"])
    rest = idp.list_users(UserPoolId=POOL, Limit=60, PaginationToken=first["PaginationToken"])
    assert "PaginationToken" not in rest
    assert len(first["Users"]) + len(rest["Users"]) == 7
    assert refused(idp.list_users, UserPoolId=POOL, Filter="email is x")[0] == (
        "InvalidParameterException")
