"""Param checking built from a method's typed signature.

A method is a plain typed async function. `ParamSpec.from_function` reads its signature once,
at registration, and compiles one small checker per param; `daemon.rpc.schema` gives the JSON
Schema that `rpc.discover` publishes from the same annotation, so validation and discovery
cannot disagree.

Supported annotations: str, int, float (any JSON number), bool, dict, Any, list[T], Literal[...], T | None, and
Annotated[T, Len(...) | Range(...) | JsonSize(...) | Doc(...) | Format(...)].
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

import orjson

from daemon.errors import InvalidParams
from daemon.rpc.schema import (
    Format,
    JsonSize,
    Len,
    Range,
    description_of,
    field_hints,
    optional_inner,
    required_fields,
    schema_of,
    strip,
)

_MISSING = inspect.Parameter.empty

Checker = Callable[[str, Any], None]


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    name: str
    required: bool
    default: Any
    check: Checker
    schema: dict[str, Any]
    description: str

    @staticmethod
    def from_function(func: Callable[..., Any]) -> list[ParamSpec]:
        """The specs of every param after the leading `ctx`, which the dispatcher supplies."""
        hints = typing.get_type_hints(func, include_extras=True)
        params = list(inspect.signature(func).parameters.values())
        if not params or params[0].name != "ctx":
            raise TypeError(f"{func.__name__}: the first param of an RPC method is ctx")
        specs = []
        for p in params[1:]:
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                raise TypeError(f"{func.__name__}: only named params are supported ({p.name})")
            hint = hints[p.name]
            specs.append(ParamSpec(p.name, p.default is _MISSING, None if p.default is _MISSING else p.default,
                                   compile_check(hint), schema_of(hint), description_of(hint)))
        return specs


def bind(specs: list[ParamSpec], args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """JSON-RPC params (by position or by name) → checked keyword arguments."""
    if args and kwargs:
        raise InvalidParams(None, "params are either by position or by name, not both")
    if len(args) > len(specs):
        raise InvalidParams(None, f"at most {len(specs)} params by position, got {len(args)}")
    # by position, fewer args than specs: the rest take their defaults
    given = dict(zip((s.name for s in specs), args, strict=False)) if args else kwargs
    known = {s.name for s in specs}
    for name in given:
        if name not in known:
            raise InvalidParams(name, "unknown param")
    bound = {}
    for spec in specs:
        if spec.name in given:
            spec.check(spec.name, given[spec.name])
            bound[spec.name] = given[spec.name]
        elif spec.required:
            raise InvalidParams(spec.name, "missing")
        else:
            bound[spec.name] = spec.default
    return bound


def compile_check(annotation: Any) -> Checker:
    """One checker for an annotation: its type, then each of its limits."""
    bare, markers = strip(annotation)
    checks = [_base(bare)] + [c for c in map(_limit_check, markers) if c is not None]
    if len(checks) == 1:
        return checks[0]

    def check(name: str, value: Any) -> None:
        for c in checks:
            c(name, value)
    return check


def _base(annotation: Any) -> Checker:
    inner = optional_inner(annotation)
    if inner is not None:
        return _nullable(compile_check(inner))
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return _one_of(set(args))
    if origin is list:
        return _list_of(compile_check(args[0]))
    if origin is dict:
        return _SCALARS[dict]
    if typing.is_typeddict(annotation):
        return _fields_of(annotation)
    if annotation is Any:
        return _anything
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"unsupported param annotation {annotation!r}")


def _type_check(kind: type, label: str) -> Checker:
    def check(name: str, value: Any) -> None:
        # bool is a subclass of int, and true is not an integer in JSON
        if type(value) is not kind:
            raise InvalidParams(name, f"must be {label}")
    return check


def _text_check(name: str, value: Any) -> None:
    if type(value) is not str:
        raise InvalidParams(name, "must be a string")
    if "\x00" in value:  # PostgreSQL text cannot hold it; refuse it on every database alike
        raise InvalidParams(name, "must not contain the NUL character")


def _anything(name: str, value: Any) -> None:
    """Any JSON value: what orjson parsed is one."""


def _number_check(name: str, value: Any) -> None:
    # a JSON number: an integer or a float, never true/false (bool is a subclass of int)
    if type(value) not in (int, float):
        raise InvalidParams(name, "must be a number")


_SCALARS: dict[Any, Checker] = {
    str: _text_check,
    float: _number_check,
    int: _type_check(int, "an integer"),
    bool: _type_check(bool, "a boolean"),
    dict: _type_check(dict, "an object"),
}


def _nullable(inner: Checker) -> Checker:
    def check(name: str, value: Any) -> None:
        if value is not None:
            inner(name, value)
    return check


def _one_of(allowed: set[Any]) -> Checker:
    def check(name: str, value: Any) -> None:
        if type(value) is not str or value not in allowed:
            raise InvalidParams(name, f"must be one of {sorted(allowed)}")
    return check


def _list_of(item: Checker) -> Checker:
    def check(name: str, value: Any) -> None:
        if type(value) is not list:
            raise InvalidParams(name, "must be an array")
        for element in value:
            item(name, element)
    return check


def _fields_of(typed_dict: Any) -> Checker:
    """An object with the TypedDict's fields: unknown and missing ones refused, each checked.
    The error names the param, and `data.field` the field's path within it (`nodes.block_id`)."""
    hints = field_hints(typed_dict)
    checks = {field: compile_check(hint) for field, hint in hints.items()}
    required = required_fields(typed_dict)

    def check(name: str, value: Any) -> None:
        if type(value) is not dict:
            raise InvalidParams(name, "must be an object")
        for field in sorted(value.keys() - checks.keys()):
            raise InvalidParams(name, "unknown field", field=field)
        for field in sorted(required - value.keys()):
            raise InvalidParams(name, "missing", field=field)
        for field, field_value in value.items():
            try:
                checks[field](field, field_value)
            except InvalidParams as exc:
                inner = exc.data.get("field")
                raise InvalidParams(name, exc.data["reason"], field=f"{field}.{inner}" if inner else field) from None
    return check


def _check_datetime(name: str, value: str) -> None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidParams(name, "must be an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise InvalidParams(name, "must be an RFC 3339 date-time with an offset (Z or ±hh:mm)")


def _limit_check(limit: Any) -> Checker | None:
    """The check of one marker; None for the ones that only describe (Doc, Format)."""
    if isinstance(limit, Len):
        return _skip_none(lambda name, v: _check_len(name, v, limit))
    if isinstance(limit, Range):
        return _skip_none(lambda name, v: _check_range(name, v, limit))
    if isinstance(limit, JsonSize):
        return _skip_none(lambda name, v: _check_json_size(name, v, limit))
    if isinstance(limit, Format) and limit.name == "date-time":
        return _skip_none(_check_datetime)
    return None


def _skip_none(check: Checker) -> Checker:
    return lambda name, value: None if value is None else check(name, value)


def _check_len(name: str, value: str, limit: Len) -> None:
    if not limit.min <= len(value) <= limit.max:
        raise InvalidParams(name, f"must be {limit.min} to {limit.max} characters")


def _check_range(name: str, value: int, limit: Range) -> None:
    if limit.min is not None and value < limit.min:
        raise InvalidParams(name, f"must be at least {limit.min}")
    if limit.max is not None and value > limit.max:
        raise InvalidParams(name, f"must be at most {limit.max}")


def _check_json_size(name: str, value: Any, limit: JsonSize) -> None:
    try:
        size = len(orjson.dumps(value))
    except orjson.JSONEncodeError:  # nested deeper than orjson writes, or an integer past 64 bits
        raise InvalidParams(name, "must be JSON nested less deeply, with 64-bit integers") from None
    if size > limit.max_bytes:
        raise InvalidParams(name, f"must be at most {limit.max_bytes} bytes once serialized")
    if _depth(value) > limit.max_depth:  # deeper, a response holding it could not be written
        raise InvalidParams(name, f"must be nested at most {limit.max_depth} levels deep")


def _depth(value: Any) -> int:
    """How many levels of arrays and objects a parsed JSON value nests, level by level
    (no recursion, so no recursion limit)."""
    depth, level = 0, [value]
    while level := [v for v in level if isinstance(v, (dict, list))]:
        depth += 1
        level = [child for v in level for child in (v.values() if isinstance(v, dict) else v)]
    return depth
