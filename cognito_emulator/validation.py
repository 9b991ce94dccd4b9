"""Request validation against botocore's own model of Cognito (``cognito-idp`` service-2).

Cognito validates every request before it looks at it: a value of the wrong JSON type is a
``SerializationException``; a missing required member, a value outside its length or range, a
pattern or enum violation is an ``InvalidParameterException`` whose message lists every problem
("2 validation errors detected: Value ... at 'clientId' failed to satisfy constraint: ...").
botocore checks only required members, types and minimum lengths before sending, so everything
else (maximum lengths, patterns, enums) is ours to refuse, exactly as the service would.

Values of members the model marks ``sensitive`` (passwords, sessions, tokens, codes) are never
echoed in a message, as Cognito does.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
import regex  # type: ignore[import-untyped]  # ships no types; types-regex is not pinned
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from cognito_emulator.errors import InvalidParameter, SerializationError

SERVICE_NAME = "cognito-idp"


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def operation_model(name: str) -> OperationModel | None:
    model = service_model()
    if name not in model.operation_names:
        return None
    return model.operation_model(name)


def validate(operation: OperationModel, body: dict[str, Any]) -> None:
    """Raise SerializationError or InvalidParameter if ``body`` does not fit the model."""
    shape = operation.input_shape
    if shape is None:
        return
    problems: list[str] = []
    _check_structure(shape, body, "", problems)
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise InvalidParameter(
            f"{len(problems)} validation {noun} detected: " + "; ".join(problems)
        )


def _member_path(parent: str, member: str) -> str:
    # Cognito names members in lowerCamelCase in these messages ('clientId', 'userContextData').
    name = member[:1].lower() + member[1:]
    return f"{parent}.{name}" if parent else name


def _check_structure(shape: StructureShape, value: dict[str, Any], path: str,
                     problems: list[str]) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(
                f"Value null at '{_member_path(path, name)}' failed to satisfy constraint: "
                "Member must not be null"
            )
    for name, member_value in value.items():
        member = shape.members.get(name)
        if member is None or member_value is None:
            # Unknown members are ignored, and JSON null means "absent", as in the service.
            continue
        _check(member, member_value, _member_path(path, name), problems)


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    # ``value`` is JSON of any shape: _check_type makes sure it is the kind ``shape`` names.
    _check_type(shape, value, path)
    if isinstance(shape, StructureShape):
        _check_structure(shape, value, path, problems)
        return
    if isinstance(shape, ListShape):
        _check_size(shape, value, path, problems, len(value))
        for index, item in enumerate(value, start=1):
            if item is not None:
                _check(shape.member, item, f"{path}.{index}.member", problems)
        return
    if isinstance(shape, MapShape):
        _check_size(shape, value, path, problems, len(value))
        for key, item in value.items():
            _check(shape.key, key, f"{path}.key", problems)
            if item is not None:
                _check(shape.value, item, f"{path}.{key}", problems)
        return
    if shape.type_name == "string":
        _check_size(shape, value, path, problems, len(value))
        if shape.enum and value not in shape.enum:
            allowed = ", ".join(shape.enum)
            problems.append(_describe(shape, value, path,
                                      f"Member must satisfy enum value set: [{allowed}]"))
        pattern = shape.metadata.get("pattern")
        if pattern and not _compiled(pattern).fullmatch(value):
            problems.append(_describe(shape, value, path,
                                      f"Member must satisfy regular expression pattern: {pattern}"))
        return
    if shape.type_name in ("integer", "long"):
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            problems.append(_describe(shape, value, path,
                                      f"Member must have value greater than or equal to {low}"))
        if high is not None and value > high:
            problems.append(_describe(shape, value, path,
                                      f"Member must have value less than or equal to {high}"))


def _check_size(shape: Shape, value: object, path: str, problems: list[str], size: int) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        problems.append(_describe(shape, value, path,
                                  f"Member must have length greater than or equal to {low}"))
    if high is not None and size > high:
        problems.append(_describe(shape, value, path,
                                  f"Member must have length less than or equal to {high}"))


def _describe(shape: Shape, value: object, path: str, constraint: str) -> str:
    if shape.metadata.get("sensitive") or not isinstance(value, str | int):
        return f"Value at '{path}' failed to satisfy constraint: {constraint}"
    return f"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (int, float),
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
}


def _check_type(shape: Shape, value: object, path: str) -> None:
    expected = _JSON_TYPES.get(shape.type_name)
    if expected is None:
        return
    # bool is an int subclass in Python; JSON true is never a number.
    wrong_bool = isinstance(value, bool) and bool not in expected
    if wrong_bool or not isinstance(value, expected):
        raise SerializationError(
            f"Unexpected {_json_kind(value)} at '{path}': expected a {shape.type_name}"
        )


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@functools.cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(_from_java(pattern))


def _from_java(pattern: str) -> str:
    """The model's patterns are Java regular expressions. Two things differ in Python: ``\\p{L}``
    style classes (the ``regex`` module supports them) and ``\\w``, which is ASCII-only in Java
    but Unicode in Python, so it is spelled out."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index : index + 2]
            if escaped == "\\w":
                out.append("A-Za-z0-9_" if in_class else "[A-Za-z0-9_]")
            else:
                out.append(escaped)
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)
