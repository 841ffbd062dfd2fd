"""Param checking built from a method's typed signature.

A method is a plain typed async function. `ParamSpec.from_function` reads its signature once,
at registration, and compiles one small checker per param; the same specs give the JSON Schema
that `rpc.discover` publishes, so validation and discovery cannot disagree.

Supported annotations: str, int, bool, dict, list[T], Literal[...], T | None, and
Annotated[T, Len(...) | Range(...) | JsonSize(...)] for the limits of API.md.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from typing import Any, Callable, Literal

import orjson

from daemon.constants import MAX_JSON_DEPTH
from daemon.errors import InvalidParams

_MISSING = inspect.Parameter.empty


@dataclasses.dataclass(frozen=True)
class Len:
    min: int
    max: int


@dataclasses.dataclass(frozen=True)
class Range:
    min: int | None = None
    max: int | None = None


@dataclasses.dataclass(frozen=True)
class JsonSize:
    max_bytes: int
    max_depth: int = MAX_JSON_DEPTH


@dataclasses.dataclass(frozen=True)
class Doc:
    """A param's description for rpc.discover."""
    text: str


Checker = Callable[[str, Any], None]


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    name: str
    required: bool
    default: Any
    check: Checker
    schema: dict
    description: str

    @staticmethod
    def from_function(func: Callable) -> list["ParamSpec"]:
        """The specs of every param after the leading `ctx`, which the dispatcher supplies."""
        hints = typing.get_type_hints(func, include_extras=True)
        params = list(inspect.signature(func).parameters.values())
        if not params or params[0].name != "ctx":
            raise TypeError(f"{func.__name__}: the first param of an RPC method is ctx")
        specs = []
        for p in params[1:]:
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                raise TypeError(f"{func.__name__}: only named params are supported ({p.name})")
            check, schema, doc = _compile(hints[p.name])
            specs.append(ParamSpec(p.name, p.default is _MISSING, None if p.default is _MISSING else p.default,
                                   check, schema, doc))
        return specs


def bind(specs: list[ParamSpec], args: tuple, kwargs: dict) -> dict[str, Any]:
    """JSON-RPC params (by position or by name) → checked keyword arguments."""
    if args and kwargs:
        raise InvalidParams(None, "params are either by position or by name, not both")
    if len(args) > len(specs):
        raise InvalidParams(None, f"at most {len(specs)} params by position, got {len(args)}")
    given = dict(zip((s.name for s in specs), args)) if args else kwargs
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


def _compile(annotation: Any) -> tuple[Checker, dict, str]:
    """(checker, JSON schema, description) for one annotation."""
    doc = ""
    limits: list[Any] = []
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extras = typing.get_args(annotation)
        limits = [e for e in extras if not isinstance(e, Doc)]
        doc = " ".join(e.text for e in extras if isinstance(e, Doc))
    base_check, schema = _base(annotation)
    checks = [base_check] + [_limit_check(limit, schema) for limit in limits]

    def check(name: str, value: Any) -> None:
        for c in checks:
            c(name, value)
    return (checks[0] if len(checks) == 1 else check), schema, doc


def _base(annotation: Any) -> tuple[Checker, dict]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        inner_check, inner_schema, _ = _compile(inner[0])
        return _nullable(inner_check), {"oneOf": [inner_schema, {"type": "null"}]}
    if origin is Literal:
        allowed = set(args)
        return _one_of(allowed), {"type": "string", "enum": list(args)}
    if origin is list:
        item_check, item_schema = _compile(args[0])[:2]
        return _list_of(item_check), {"type": "array", "items": item_schema}
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


_SCALARS: dict[Any, tuple[Checker, dict]] = {
    str: (_text_check, {"type": "string"}),
    int: (_type_check(int, "an integer"), {"type": "integer"}),
    bool: (_type_check(bool, "a boolean"), {"type": "boolean"}),
    dict: (_type_check(dict, "an object"), {"type": "object"}),
}


def _nullable(inner: Checker) -> Checker:
    def check(name: str, value: Any) -> None:
        if value is not None:
            inner(name, value)
    return check


def _one_of(allowed: set) -> Checker:
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


def _limit_check(limit: Any, schema: dict) -> Checker:
    target = schema["oneOf"][0] if "oneOf" in schema else schema
    if isinstance(limit, Len):
        target.update(minLength=limit.min, maxLength=limit.max)
        return _skip_none(lambda name, v: _check_len(name, v, limit))
    if isinstance(limit, Range):
        target.update({k: v for k, v in (("minimum", limit.min), ("maximum", limit.max)) if v is not None})
        return _skip_none(lambda name, v: _check_range(name, v, limit))
    if isinstance(limit, JsonSize):
        target["description"] = f"at most {limit.max_bytes} bytes once serialized, nested at most {limit.max_depth} levels"
        return _skip_none(lambda name, v: _check_json_size(name, v, limit))
    raise TypeError(f"unsupported limit {limit!r}")


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
