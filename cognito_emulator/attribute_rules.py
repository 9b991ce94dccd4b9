"""What attributes a new or changed user may have: the pool's schema, and who holds an alias.

Shared by SignUp, the admin operations and user migration (migration.py), which all create
users from attributes someone else chose; kept apart so none of them has to import another.
"""

from __future__ import annotations

from cognito_emulator.errors import AliasExists, InvalidParameter
from cognito_emulator.models import Pool
from cognito_emulator.pool_store import PoolStore


def check_schema(pool: Pool, attributes: dict[str, str], *, require_all: bool) -> None:
    """Unknown attributes are refused; with ``require_all`` so are missing required ones."""
    for name in attributes:
        if name not in pool.schema:
            raise InvalidParameter(
                f"Attributes did not conform to the schema: Type for attribute {{{name}}} "
                "could not be determined"
            )
    if require_all:
        for name in pool.required_attributes():
            if not attributes.get(name):
                raise InvalidParameter(
                    f"Attributes did not conform to the schema: {name}: The attribute is required"
                )


def claim_aliases(store: PoolStore, pool: Pool, attributes: dict[str, str], *,
                  force: bool) -> None:
    """A verified email/phone alias belongs to one user; ForceAliasCreation moves it."""
    for name in pool.alias_attributes:
        value = attributes.get(name)
        needs_verification = name in ("email", "phone_number")
        if value is None or (needs_verification and attributes.get(f"{name}_verified") != "true"):
            continue
        owner = store.alias_owner(pool, name, value, verified_only=needs_verification)
        if owner is None:
            continue
        if not force:
            raise AliasExists(f"An account with the given {name} already exists.")
        if needs_verification:
            owner.attributes[f"{name}_verified"] = "false"
        else:
            del owner.attributes[name]
