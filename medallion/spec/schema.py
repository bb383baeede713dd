"""A strict reader that turns TOML tables into frozen dataclasses.

Why not a schema library: the spec is small, and every error must be one line that names the
file, the dotted key and what was expected; a forty-line walker over dataclass fields gives
exactly that with no dependency.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


class SpecError(ValueError):
    """The estate spec is wrong; the message is one line naming the file and the key."""


def build(cls: type[T], table: Any, *, source: str, at: str = "") -> T:
    """Build `cls` from a TOML table, refusing unknown keys, wrong types and missing values."""
    where = at or "top level"
    if not isinstance(table, dict):
        raise SpecError(f"{source}: [{where}] must be a table, found {_kind(table)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key in table:
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise SpecError(f"{source}: unknown key '{_join(at, key)}' (known keys here: {known})")
    values = {}
    for name, field in fields.items():
        key = _join(at, name)
        if name in table:
            values[name] = _coerce(hints[name], table[name], source=source, key=key)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise SpecError(f"{source}: missing value '{key}' ({_describe(hints[name])})")
    return cls(**values)


def _coerce(hint: Any, value: Any, *, source: str, key: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return build(hint, value, source=source, at=key)
    if origin is dict:
        _, item = typing.get_args(hint)
        if not isinstance(value, dict):
            raise _wrong(source, key, hint, value)
        return {k: _coerce(item, v, source=source, key=f"{key}.{k}") for k, v in value.items()}
    if origin in (tuple, list):
        (item, *_) = typing.get_args(hint)
        if not isinstance(value, list):
            raise _wrong(source, key, hint, value)
        return tuple(_coerce(item, v, source=source, key=f"{key}[{i}]") for i, v in enumerate(value))
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(options[0], value, source=source, key=key)
    if origin is typing.Literal:
        if value not in typing.get_args(hint):
            raise _wrong(source, key, hint, value)
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise _wrong(source, key, hint, value)
    return value


def _wrong(source: str, key: str, hint: Any, value: Any) -> SpecError:
    return SpecError(f"{source}: '{key}' must be {_describe(hint)}, found {_kind(value)} {value!r}")


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return "a table"
    if origin is dict:
        return "a table of " + _describe(typing.get_args(hint)[1]).removeprefix("a ").removeprefix("an ") + "s"
    if origin in (tuple, list):
        return "a list of " + _describe(typing.get_args(hint)[0]).removeprefix("a ").removeprefix("an ") + "s"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return _describe([a for a in typing.get_args(hint) if a is not type(None)][0])
    return {int: "an integer", str: "a string", bool: "true or false", float: "a number"}.get(hint, str(hint))


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "table"}.get(type(value), type(value).__name__)


def _join(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key
