"""User-pool groups (admin operations): CreateGroup, GetGroup, ListGroups, UpdateGroup,
DeleteGroup, AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser and
ListUsersInGroup.

A group is a name with an optional Description, RoleArn and Precedence; membership is kept on
the user (``User.groups``). A user's groups reach their tokens as ``cognito:groups`` (ordered by
precedence, then name; models.Pool.group_claims), the groups' roles as ``cognito:roles`` and
``cognito:preferred_role``. Lists page with ``Limit`` (at most 60) and ``NextToken``.
"""

from __future__ import annotations

from typing import Any

from cognito_emulator.admin import target_user, user_view
from cognito_emulator.errors import GROUP_NOT_FOUND, InvalidParameter, ResourceNotFound
from cognito_emulator.models import Group, Pool
from cognito_emulator.pool_store import add_group
from cognito_emulator.state import Call, Emulator

PAGE_LIMIT = 60


def group_view(pool: Pool, group: Group) -> dict[str, Any]:
    """GroupType: members without a value are left out, as Cognito does."""
    view: dict[str, Any] = {"GroupName": group.name, "UserPoolId": pool.id}
    if group.description is not None:
        view["Description"] = group.description
    if group.role_arn is not None:
        view["RoleArn"] = group.role_arn
    if group.precedence is not None:
        view["Precedence"] = group.precedence
    view["LastModifiedDate"] = group.modified
    view["CreationDate"] = group.created
    return view


def _group(pool: Pool, name: str) -> Group:
    group = pool.groups.get(name)
    if group is None:
        raise ResourceNotFound(GROUP_NOT_FOUND)
    return group


def _page(items: list[Any], body: dict[str, Any]) -> tuple[list[Any], str | None]:
    token = body.get("NextToken")
    start = 0
    if token is not None:
        if not token.isdigit() or int(token) > len(items):
            raise InvalidParameter("Invalid next token.")
        start = int(token)
    limit = body.get("Limit") or PAGE_LIMIT
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else None)


def _paged(key: str, views: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    page, next_token = _page(views, body)
    response: dict[str, Any] = {key: page}
    if next_token is not None:
        response["NextToken"] = next_token
    return response


def create_group(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    return {"Group": group_view(pool, add_group(pool, call.body, emulator.now()))}


def get_group(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    return {"Group": group_view(pool, _group(pool, call.body["GroupName"]))}


def list_groups(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    groups = sorted(pool.groups.values(), key=lambda group: group.name)
    return _paged("Groups", [group_view(pool, group) for group in groups], call.body)


def update_group(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    group = _group(pool, call.body["GroupName"])
    # Members left out keep their value.
    if "Description" in call.body:
        group.description = call.body["Description"]
    if "RoleArn" in call.body:
        group.role_arn = call.body["RoleArn"]
    if "Precedence" in call.body:
        group.precedence = call.body["Precedence"]
    group.modified = emulator.now()
    return {"Group": group_view(pool, group)}


def delete_group(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    group = _group(pool, call.body["GroupName"])
    del pool.groups[group.name]
    for user in pool.users.values():
        if group.name in user.groups:
            user.groups.remove(group.name)
    return {}


def admin_add_user_to_group(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    group = _group(pool, call.body["GroupName"])
    if group.name not in user.groups:  # adding twice is not an error
        user.groups.append(group.name)
    return {}


def admin_remove_user_from_group(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    group = _group(pool, call.body["GroupName"])
    if group.name in user.groups:  # removing a non-member is not an error
        user.groups.remove(group.name)
    return {}


def admin_list_groups_for_user(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    groups = sorted(pool.user_groups(user), key=lambda group: group.name)
    return _paged("Groups", [group_view(pool, group) for group in groups], call.body)


def list_users_in_group(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    group = _group(pool, call.body["GroupName"])
    members = [user for user in pool.users.values() if group.name in user.groups]
    return _paged("Users", [user_view(user) for user in members], call.body)
