"""User-pool groups: the admin operations, their errors and pagination, the seed's groups,
and ``cognito:groups`` (with PreTokenGeneration's group overrides) in the tokens."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests.emulator.helpers import (
    GATEWAY,
    POOL,
    TEST_PASSWORD,
    password_auth,
    refused,
    secret_hash,
)

ROLE = "arn:aws:iam::000000000000:role/demo-staff"


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _tokens(idp: Any, username: str = "password-user", **kwargs: Any) -> dict[str, Any]:
    return dict(password_auth(idp, username, **kwargs)["AuthenticationResult"])


def test_create_get_update_and_delete_a_group(idp: Any) -> None:
    created = idp.create_group(UserPoolId=POOL, GroupName="editors", Description="Edit things",
                               RoleArn=ROLE, Precedence=3)["Group"]
    assert created["GroupName"] == "editors"
    assert created["UserPoolId"] == POOL
    assert created["Description"] == "Edit things"
    assert created["RoleArn"] == ROLE
    assert created["Precedence"] == 3
    assert {"CreationDate", "LastModifiedDate"} <= set(created)
    assert idp.get_group(UserPoolId=POOL, GroupName="editors")["Group"] == created

    updated = idp.update_group(UserPoolId=POOL, GroupName="editors", Precedence=7)["Group"]
    assert updated["Precedence"] == 7
    assert updated["Description"] == "Edit things"  # left out: kept

    idp.delete_group(UserPoolId=POOL, GroupName="editors")
    code, message = refused(idp.get_group, UserPoolId=POOL, GroupName="editors")
    assert (code, message) == ("ResourceNotFoundException", "Group not found.")


def test_a_group_without_optional_members_omits_them(idp: Any) -> None:
    group = idp.create_group(UserPoolId=POOL, GroupName="plain")["Group"]
    assert not {"Description", "RoleArn", "Precedence"} & set(group)


def test_group_errors(idp: Any) -> None:
    idp.create_group(UserPoolId=POOL, GroupName="dup")
    code, message = refused(idp.create_group, UserPoolId=POOL, GroupName="dup")
    assert code == "GroupExistsException"
    assert "dup" in message
    assert refused(idp.create_group, UserPoolId="us-east-1_Nope00000",
                   GroupName="x")[0] == "ResourceNotFoundException"
    assert refused(idp.update_group, UserPoolId=POOL, GroupName="missing")[0] == (
        "ResourceNotFoundException")
    assert refused(idp.delete_group, UserPoolId=POOL, GroupName="missing")[0] == (
        "ResourceNotFoundException")
    assert refused(idp.create_group, UserPoolId=POOL, GroupName="bad-role",
                   RoleArn="not-an-arn-but-long-enough")[0] == "InvalidParameterException"
    assert refused(idp.admin_add_user_to_group, UserPoolId=POOL, Username="nobody",
                   GroupName="dup")[0] == "UserNotFoundException"
    assert refused(idp.admin_add_user_to_group, UserPoolId=POOL, Username="password-user",
                   GroupName="missing")[0] == "ResourceNotFoundException"
    assert refused(idp.admin_remove_user_from_group, UserPoolId=POOL, Username="nobody",
                   GroupName="dup")[0] == "UserNotFoundException"
    assert refused(idp.admin_list_groups_for_user, UserPoolId=POOL,
                   Username="nobody")[0] == "UserNotFoundException"
    assert refused(idp.list_users_in_group, UserPoolId=POOL, GroupName="missing")[0] == (
        "ResourceNotFoundException")


def test_the_demo_pool_seeds_staff_with_password_user(idp: Any) -> None:
    groups = idp.list_groups(UserPoolId=POOL)["Groups"]
    assert [group["GroupName"] for group in groups] == ["staff"]
    members = idp.list_users_in_group(UserPoolId=POOL, GroupName="staff")["Users"]
    assert [user["Username"] for user in members] == ["password-user"]
    mine = idp.admin_list_groups_for_user(UserPoolId=POOL, Username="password-user")["Groups"]
    assert [group["GroupName"] for group in mine] == ["staff"]


def test_membership_add_remove_and_listing(idp: Any) -> None:
    idp.create_group(UserPoolId=POOL, GroupName="beta")
    idp.admin_add_user_to_group(UserPoolId=POOL, Username="totp-user", GroupName="beta")
    idp.admin_add_user_to_group(UserPoolId=POOL, Username="totp-user", GroupName="beta")
    # An alias names the user as well.
    idp.admin_add_user_to_group(UserPoolId=POOL, Username="alias@example.com", GroupName="beta")
    users = idp.list_users_in_group(UserPoolId=POOL, GroupName="beta")["Users"]
    assert [user["Username"] for user in users] == [
        "totp-user", "7d3f0c4e-2b1a-4c5d-9e8f-a1b2c3d4e5f6"]
    assert {"Attributes", "UserStatus", "Enabled"} <= set(users[0])
    idp.admin_remove_user_from_group(UserPoolId=POOL, Username="totp-user", GroupName="beta")
    idp.admin_remove_user_from_group(UserPoolId=POOL, Username="totp-user", GroupName="beta")
    users = idp.list_users_in_group(UserPoolId=POOL, GroupName="beta")["Users"]
    assert [user["Username"] for user in users] == ["7d3f0c4e-2b1a-4c5d-9e8f-a1b2c3d4e5f6"]
    idp.delete_group(UserPoolId=POOL, GroupName="beta")
    groups = idp.admin_list_groups_for_user(UserPoolId=POOL,
                                            Username="alias@example.com")["Groups"]
    assert groups == []


@pytest.mark.parametrize("operation", ["list_groups", "admin_list_groups_for_user"])
def test_group_lists_page_with_limit_and_next_token(idp: Any, operation: str) -> None:
    for index in range(5):
        idp.create_group(UserPoolId=POOL, GroupName=f"page-{index}")
        idp.admin_add_user_to_group(UserPoolId=POOL, Username="sms-user",
                                    GroupName=f"page-{index}")
    arguments: dict[str, Any] = {"UserPoolId": POOL, "Limit": 2}
    if operation == "admin_list_groups_for_user":
        arguments["Username"] = "sms-user"
    names: list[str] = []
    pages = 0
    while True:
        reply = getattr(idp, operation)(**arguments)
        pages += 1
        assert len(reply["Groups"]) <= 2
        names += [group["GroupName"] for group in reply["Groups"]]
        if "NextToken" not in reply:
            break
        arguments["NextToken"] = reply["NextToken"]
    expected = [f"page-{index}" for index in range(5)]
    if operation == "list_groups":
        expected = sorted([*expected, "staff"])
    assert names == expected
    assert pages == 3
    assert refused(getattr(idp, operation), **{**arguments, "NextToken": "garbage"})[0] == (
        "InvalidParameterException")
    assert refused(getattr(idp, operation), **{**arguments, "Limit": 61})[0] == (
        "InvalidParameterException")


def test_users_in_group_page(idp: Any) -> None:
    idp.create_group(UserPoolId=POOL, GroupName="many")
    for name in ("sms-user", "email-user", "choice-user"):
        idp.admin_add_user_to_group(UserPoolId=POOL, Username=name, GroupName="many")
    first = idp.list_users_in_group(UserPoolId=POOL, GroupName="many", Limit=2)
    assert len(first["Users"]) == 2
    rest = idp.list_users_in_group(UserPoolId=POOL, GroupName="many", Limit=2,
                                   NextToken=first["NextToken"])
    assert "NextToken" not in rest
    assert len(rest["Users"]) == 1


def test_tokens_carry_groups_by_precedence_then_name(idp: Any) -> None:
    idp.create_group(UserPoolId=POOL, GroupName="zeta", Precedence=1,
                     RoleArn="arn:aws:iam::000000000000:role/zeta")
    idp.create_group(UserPoolId=POOL, GroupName="alpha", Precedence=1)
    idp.create_group(UserPoolId=POOL, GroupName="none")  # no precedence: last
    for name in ("none", "zeta", "alpha"):
        idp.admin_add_user_to_group(UserPoolId=POOL, Username="password-user", GroupName=name)
    tokens = _tokens(idp)
    expected = ["alpha", "zeta", "staff", "none"]  # staff has precedence 10
    access, identity = _claims(tokens["AccessToken"]), _claims(tokens["IdToken"])
    assert access["cognito:groups"] == expected
    assert identity["cognito:groups"] == expected
    assert identity["cognito:roles"] == ["arn:aws:iam::000000000000:role/zeta"]
    assert identity["cognito:preferred_role"] == "arn:aws:iam::000000000000:role/zeta"
    assert "cognito:roles" not in access


def test_a_user_in_no_group_has_no_groups_claim(idp: Any) -> None:
    tokens = _tokens(idp, "alias@example.com")
    assert "cognito:groups" not in _claims(tokens["AccessToken"])
    assert "cognito:groups" not in _claims(tokens["IdToken"])
    assert "cognito:preferred_role" not in _claims(tokens["IdToken"])


def test_refreshed_tokens_follow_membership_changes(idp: Any) -> None:
    tokens = _tokens(idp)
    assert _claims(tokens["IdToken"])["cognito:groups"] == ["staff"]
    idp.admin_remove_user_from_group(UserPoolId=POOL, Username="password-user",
                                     GroupName="staff")
    refreshed = idp.initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY,
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"],
                        "SECRET_HASH": secret_hash("password-user")},
    )["AuthenticationResult"]
    assert "cognito:groups" not in _claims(refreshed["AccessToken"])


def test_pre_token_generation_v1_sees_and_overrides_groups(idp: Any) -> None:
    tokens = _tokens(idp, "grouped-user", password=TEST_PASSWORD,
                     client_id="23testgroupsv1000000023")
    access, identity = _claims(tokens["AccessToken"]), _claims(tokens["IdToken"])
    assert identity["seen_groups"] == "admins,readers"
    assert identity["seen_preferred_role"] == "arn:aws:iam::000000000000:role/admins"
    assert identity["cognito:groups"] == ["overridden", "admins", "readers"]
    assert access["cognito:groups"] == ["overridden", "admins", "readers"]
    assert identity["cognito:roles"] == ["arn:aws:iam::000000000000:role/overridden"]
    assert identity["cognito:preferred_role"] == "arn:aws:iam::000000000000:role/overridden"


def test_pre_token_generation_v2_can_remove_every_group(idp: Any) -> None:
    tokens = _tokens(idp, "grouped-user", password=TEST_PASSWORD,
                     client_id="24testgroupsv2000000024")
    assert "cognito:groups" not in _claims(tokens["AccessToken"])
    assert "cognito:groups" not in _claims(tokens["IdToken"])
