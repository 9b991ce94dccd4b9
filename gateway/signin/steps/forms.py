"""Reading a person's answers: shared by every step handler, pure.

A missing or malformed answer is refused here, naming its field, before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from gateway.errors import InvalidRequest
from gateway.signin.model import ChallengeName, Field, Prompt

CODE = re.compile(r"^[0-9]{4,10}$")
TOTP = re.compile(r"^[0-9]{6}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
MAX_PASSWORD = 256  # Cognito's PasswordType
MAX_ATTRIBUTE = 2048

CODE_FIELD = Field("code", "code", max_length=16)


def within_limits(prompt: Prompt, answers: Mapping[str, str]) -> None:
    for spec in prompt.fields:
        value = answers.get(spec.name)
        if value is not None and len(str(value)) > spec.max_length:
            raise InvalidRequest(f"{spec.name} is too long", field=spec.name, detail="too_long")


def required(answers: Mapping[str, str], name: str) -> str:
    value = answers.get(name)
    if value is None or not str(value).strip():
        raise InvalidRequest(f"missing {name}", field=name)
    return str(value)


def code(answers: Mapping[str, str], pattern: re.Pattern[str] = CODE) -> str:
    typed = "".join(required(answers, "code").split())  # people paste "123 456"
    if not pattern.match(typed):
        raise InvalidRequest("malformed code", field="code")
    return typed


def email(answers: Mapping[str, str], name: str = "email") -> str:
    typed = required(answers, name).strip()
    if not EMAIL.match(typed):
        raise InvalidRequest("malformed email", field=name)
    return typed


def choice(answers: Mapping[str, str], options: list[ChallengeName], name: str) -> ChallengeName:
    chosen = required(answers, name)
    for option in options:
        if option.value == chosen:
            return option
    raise InvalidRequest(f"{name} is not one of the offered methods", field=name)
