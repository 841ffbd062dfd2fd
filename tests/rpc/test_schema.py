"""JSON Schema from annotations: one source for what params accept and results promise."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Required, TypedDict

import jsonschema
import pytest

from daemon.domains import DOMAINS
from daemon.domains.users.tables import NOTIFY_FLAGS
from daemon.errors import InvalidParams
from daemon.rpc.params import compile_check
from daemon.rpc.registry import Registry
from daemon.rpc.schema import Doc, Format, JsonSize, Len, Range, schema_of
from tests.support import check_results, strict


class Inner(TypedDict):
    n: int


class Outer(TypedDict, total=False):
    name: Annotated[str, Len(1, 5)]
    inner: Inner | None
    tags: list[Literal["a", "b"]]


def test_scalars_lists_literals_and_optionals():
    assert schema_of(int) == {"type": "integer"}
    assert schema_of(list[str]) == {"type": "array", "items": {"type": "string"}}
    assert schema_of(Literal["X", "Y"]) == {"type": "string", "enum": ["X", "Y"]}
    assert schema_of(str | None) == {"oneOf": [{"type": "string"}, {"type": "null"}]}
    assert schema_of(dict[str, Any]) == {"type": "object"}
    assert schema_of(Any) == {}


def test_markers_refine_the_type_they_annotate():
    assert schema_of(Annotated[int, Range(0, 9), Doc("digits")]) == {
        "type": "integer", "minimum": 0, "maximum": 9, "description": "digits"}
    assert schema_of(Annotated[str, Len(1, 3)] | None) == {
        "oneOf": [{"type": "string", "minLength": 1, "maxLength": 3}, {"type": "null"}]}
    assert schema_of(Annotated[str, Format("date-time")])["format"] == "date-time"
    assert "16 bytes" in schema_of(Annotated[dict[str, Any], JsonSize(16)])["description"]


def test_typed_dicts_are_objects_with_their_required_keys():
    schema = schema_of(Outer)
    assert schema["title"] == "Outer" and schema["required"] == []
    assert schema["properties"]["inner"]["oneOf"][0] == {
        "title": "Inner", "type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert schema["properties"]["name"] == {"type": "string", "minLength": 1, "maxLength": 5}


def test_schemas_are_never_shared_between_params():
    """One param's limits never show on another's (each schema is built afresh)."""
    methods = Registry(DOMAINS).methods
    limit = next(p for p in methods["get_transaction_history"].params if p.name == "limit").schema
    cost = next(p for p in methods["spend_credits"].params if p.name == "cost").schema
    assert (limit["minimum"], limit["maximum"]) == (1, 1000)
    assert (cost["minimum"], cost["maximum"]) == (0, 2**53 - 1)
    cursor = next(p for p in methods["get_transaction_history"].params if p.name == "cursor").schema
    assert "minLength" not in cursor["oneOf"][0]


def test_optional_params_keep_their_description():
    refund = {p.name: p for p in Registry(DOMAINS).methods["refund_credits"].params}
    assert refund["amount"].description.startswith("default: all that is left")


def test_unsupported_annotations_are_refused_at_registration():
    with pytest.raises(TypeError):
        schema_of(set[int])


def test_the_test_client_refuses_a_result_the_schema_does_not_promise():
    registry = Registry(DOMAINS)
    request = {"jsonrpc": "2.0", "method": "get_user_by_id", "id": 1}
    user = {"id": "u", "email": "e@x", "email_verified": True, "name": None, "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z", "metadata": {}, "stripe_customer_id": None, "top_up_config": None,
            "max_emails_per_day": 3, "timezone": "not-set", **dict.fromkeys(NOTIFY_FLAGS, True)}
    check_results(registry, request, {"jsonrpc": "2.0", "result": user, "id": 1})
    with pytest.raises(jsonschema.ValidationError):  # a field rpc.discover does not declare
        check_results(registry, request, {"jsonrpc": "2.0", "result": {**user, "secret": 1}, "id": 1})
    with pytest.raises(jsonschema.ValidationError):  # a declared field missing
        check_results(registry, request, {"jsonrpc": "2.0", "result": {"id": "u"}, "id": 1})


def test_strict_closes_nested_objects_only_where_properties_are_declared():
    closed = strict(schema_of(Outer))
    assert closed["additionalProperties"] is False
    assert closed["properties"]["inner"]["oneOf"][0]["additionalProperties"] is False
    assert "additionalProperties" not in strict({"type": "object"})


class Partly(TypedDict, total=False):
    must: Required[Annotated[str, Len(1, 3)]]
    may: int


def test_required_fields_of_a_partial_typed_dict_are_required():
    schema = schema_of(Partly)
    assert schema["required"] == ["must"]
    assert schema["properties"]["must"] == {"type": "string", "minLength": 1, "maxLength": 3}
    check = compile_check(Partly)
    check("p", {"must": "abc"})
    with pytest.raises(InvalidParams) as missing:
        check("p", {"may": 1})
    assert missing.value.data == {"param": "p", "reason": "missing", "field": "must"}
    with pytest.raises(InvalidParams) as too_long:
        check("p", {"must": "abcd"})
    assert too_long.value.data["field"] == "must"


def test_tuples_are_fixed_length_arrays_in_either_draft():
    schema = schema_of(list[tuple[Inner, int]])
    pair = schema["items"]
    assert pair["prefixItems"] == [schema_of(Inner), {"type": "integer"}]
    assert (pair["minItems"], pair["maxItems"]) == (2, 2)
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate([[{"n": 1}, 2]], schema)
    for wrong in ([[2, {"n": 1}]], [[{"n": 1}]], [[{"n": 1}, 2, 3]]):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, schema)
