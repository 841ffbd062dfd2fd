"""JSON Schema from Python annotations: the one source of both param and result schemas.

A method's params and its return annotation are ordinary types — str, int, bool, dict, Any,
list[T], Literal[...], T | None, TypedDict — refined with `Annotated[T, …]` markers for the
limits of the contract (`Len`, `Range`, `JsonSize`), a `Format` and a `Doc`. `schema_of` turns one
into a JSON Schema for `rpc.discover`; `daemon.rpc.params` turns the same markers into checks,
so what is published and what is enforced cannot drift apart.

Every call builds fresh dicts: schemas are never shared, so refining one cannot change another.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal

from daemon.constants import MAX_JSON_DEPTH


@dataclasses.dataclass(frozen=True)
class Len:
    """A string's length in characters, both ends included."""
    min: int
    max: int


@dataclasses.dataclass(frozen=True)
class Range:
    """An integer's bounds, both ends included."""
    min: int | None = None
    max: int | None = None


@dataclasses.dataclass(frozen=True)
class JsonSize:
    """A JSON value's size once serialized, and how deep it nests."""
    max_bytes: int
    max_depth: int = MAX_JSON_DEPTH


@dataclasses.dataclass(frozen=True)
class Doc:
    """A description for rpc.discover."""
    text: str


@dataclasses.dataclass(frozen=True)
class Format:
    """A JSON Schema `format`, such as date-time."""
    name: str


def schema_of(annotation: Any) -> dict[str, Any]:
    """The JSON Schema of an annotation."""
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *markers = typing.get_args(annotation)
        schema = schema_of(inner)
        for marker in markers:
            _refine(_target(schema), marker)
        return schema
    return _plain(annotation)


def strip(annotation: Any) -> tuple[Any, list[Any]]:
    """(the bare type, its markers) of a possibly Annotated annotation."""
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *markers = typing.get_args(annotation)
        return inner, markers
    return annotation, []


def optional_inner(annotation: Any) -> Any | None:
    """T for `T | None`, else None."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        if type(None) in args:
            inner = [a for a in args if a is not type(None)]
            if len(inner) != 1:
                raise TypeError(f"unsupported union {annotation!r}")
            return inner[0]
    return None


def description_of(annotation: Any) -> str:
    """The Doc text of an annotation, looking through `| None`."""
    inner, markers = strip(annotation)
    docs = [m.text for m in markers if isinstance(m, Doc)]
    nested = optional_inner(inner)
    if nested is not None:
        docs.append(description_of(nested))
    return " ".join(d for d in docs if d)


def _plain(annotation: Any) -> dict[str, Any]:
    inner = optional_inner(annotation)
    if inner is not None:
        return {"oneOf": [schema_of(inner), {"type": "null"}]}
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return {"type": _json_type(args[0]), "enum": list(args)}
    if origin is list:
        return {"type": "array", "items": schema_of(args[0])}
    if origin is tuple:
        return _tuple(args)
    if origin is dict or annotation is dict:
        return {"type": "object"}
    if typing.is_typeddict(annotation):
        return _object(annotation)
    if annotation is Any:
        return {}
    if annotation is None or annotation is type(None):
        return {"type": "null"}
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    raise TypeError(f"unsupported annotation {annotation!r}")


_SCALARS = {str: "string", int: "integer", bool: "boolean", float: "number"}


def _json_type(value: Any) -> str:
    return "boolean" if isinstance(value, bool) else _SCALARS[type(value)]


def field_hints(typed_dict: Any) -> dict[str, Any]:
    """A TypedDict's field annotations, markers kept, `Required[…]`/`NotRequired[…]` taken off."""
    hints = typing.get_type_hints(typed_dict, include_extras=True)
    return {name: _unwrap_requiredness(hint) for name, hint in hints.items()}


def required_fields(typed_dict: Any) -> frozenset[str]:
    """The fields a TypedDict requires. Read from the evaluated annotations as well as
    `__required_keys__`: on Python 3.11, a module with `from __future__ import annotations`
    leaves `Required[…]`/`NotRequired[…]` unseen in `__required_keys__`."""
    required = set(typed_dict.__required_keys__)
    for name, hint in typing.get_type_hints(typed_dict, include_extras=True).items():
        if typing.get_origin(hint) is typing.Required:
            required.add(name)
        elif typing.get_origin(hint) is typing.NotRequired:
            required.discard(name)
    return frozenset(required)


def _unwrap_requiredness(hint: Any) -> Any:
    while typing.get_origin(hint) in (typing.Required, typing.NotRequired):
        hint = typing.get_args(hint)[0]
    return hint


def _tuple(members: tuple[Any, ...]) -> dict[str, Any]:
    """A fixed-length JSON array (results only: the seed's tuples, API.md). `prefixItems` says each
    position's schema (JSON Schema 2020-12); for readers of draft 7, which OpenRPC names, `items`
    still says that each one is one of them, and the length is fixed either way."""
    if not members or Ellipsis in members:
        raise TypeError("only fixed-length tuples are supported")
    return {"type": "array", "prefixItems": [schema_of(m) for m in members],
            "items": {"anyOf": [schema_of(m) for m in members]}, "minItems": len(members), "maxItems": len(members)}


def _object(typed_dict: Any) -> dict[str, Any]:
    hints = field_hints(typed_dict)
    return {
        "title": typed_dict.__name__,
        "type": "object",
        "properties": {name: schema_of(hint) for name, hint in hints.items()},
        "required": [name for name in hints if name in required_fields(typed_dict)],
    }


def _target(schema: dict[str, Any]) -> dict[str, Any]:
    """Limits of `T | None` describe the T."""
    return schema["oneOf"][0] if "oneOf" in schema else schema


def _refine(schema: dict[str, Any], marker: Any) -> None:
    if isinstance(marker, Len):
        schema.update(minLength=marker.min, maxLength=marker.max)
    elif isinstance(marker, Range):
        schema.update({k: v for k, v in (("minimum", marker.min), ("maximum", marker.max)) if v is not None})
    elif isinstance(marker, JsonSize):
        _describe(schema, f"at most {marker.max_bytes} bytes once serialized, nested at most {marker.max_depth} levels")
    elif isinstance(marker, Doc):
        _describe(schema, marker.text)
    elif isinstance(marker, Format):
        schema["format"] = marker.name
    else:
        raise TypeError(f"unsupported marker {marker!r}")


def _describe(schema: dict[str, Any], text: str) -> None:
    schema["description"] = f"{schema['description']}; {text}" if "description" in schema else text
