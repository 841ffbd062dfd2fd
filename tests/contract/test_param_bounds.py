"""What `rpc.discover` advertises is what the daemon accepts: for every param of every method with
bounds (an integer range, a string length, an enum), a value drawn inside them is never refused for
them, and one drawn outside them is -32602 naming that param. A generated client trusts these
bounds before it sends anything, so a bound that is wrong either way breaks it."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.domains import DOMAINS
from daemon.rpc.discover import openrpc_document
from daemon.rpc.registry import Registry
from tests.contract.test_fuzz import fuzz
from tests.support import REDIS_URL, ThreadDaemon, delete_keys, make_settings

DOCUMENT = openrpc_document(Registry(DOMAINS), "http://127.0.0.1:8005/rpc")
_BOUNDS = ("minimum", "maximum", "minLength", "maxLength", "enum")
# Strings the daemon refuses whatever their length (README: NUL; JSON cannot carry lone surrogates)
_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def _value_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a param's value, without the `null` an optional param also takes."""
    branches = [s for s in schema.get("oneOf", [schema]) if s.get("type") != "null"]
    assert len(branches) == 1, schema
    return branches[0]


def _bounded(schema: dict[str, Any]) -> bool:
    return any(k in schema for k in _BOUNDS) or any(k in schema.get("items", {}) for k in _BOUNDS)


BOUNDED = sorted((method["name"], param["name"]) for method in DOCUMENT["methods"] for param in method["params"]
                 if _bounded(_value_schema(param["schema"])))
SCHEMAS = {(method["name"], param["name"]): _value_schema(param["schema"])
           for method in DOCUMENT["methods"] for param in method["params"]}
REQUIRED = {method["name"]: [p["name"] for p in method["params"] if p.get("required")] for method in DOCUMENT["methods"]}


def inside(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if schema["type"] == "integer":  # the edges themselves, always, then anything between
        low, high = schema.get("minimum"), schema.get("maximum")
        edges = [edge for edge in (low, high) if edge is not None]
        return st.one_of(st.sampled_from(edges), st.integers(low, high)) if edges else st.integers()
    if schema["type"] == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 300)
        return st.one_of(*(st.text(_TEXT, min_size=n, max_size=n) for n in {low, high}),
                         st.text(_TEXT, min_size=low, max_size=min(high, 300)))
    if schema["type"] == "array":
        return st.lists(inside(schema["items"]), max_size=5)
    raise AssertionError(f"no strategy for {schema}")


def outside(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.text(_TEXT, min_size=1, max_size=20).filter(lambda v: v not in schema["enum"])
    if schema["type"] == "integer":
        below = [st.just(schema["minimum"] - 1), st.integers(-(2**63), schema["minimum"] - 1)] \
            if "minimum" in schema else []
        above = [st.just(schema["maximum"] + 1), st.integers(schema["maximum"] + 1, 2**63 - 1)] \
            if "maximum" in schema else []
        return st.one_of(*below, *above)
    if schema["type"] == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        short = [st.text(_TEXT, min_size=low - 1, max_size=low - 1), st.text(_TEXT, max_size=low - 1)] \
            if low > 0 else []
        long = [st.text(_TEXT, min_size=high + 1, max_size=high + 1), st.text(_TEXT, min_size=high + 1,
                                                                              max_size=high + 40)] \
            if high is not None else []
        return st.one_of(*short, *long)
    if schema["type"] == "array":
        return st.lists(outside(schema["items"]), min_size=1, max_size=3)
    raise AssertionError(f"no strategy for {schema}")


def _has_outside(schema: dict[str, Any]) -> bool:
    items = schema.get("items", {})
    return any(k in schema for k in _BOUNDS if k != "minLength") or schema.get("minLength", 0) > 0 \
        or any(k in items for k in _BOUNDS)


def least(schema: dict[str, Any]) -> Any:
    """The plainest valid value, for the params a case does not vary."""
    if "enum" in schema:
        return schema["enum"][0]
    if "type" not in schema:  # any JSON value (KV data, a pin's value)
        return None
    if schema.get("format") == "date-time":  # an expiry, say: the plainest string is none
        return "2030-01-01T00:00:00Z"
    return {"integer": schema.get("minimum", 0), "string": "x" * max(schema.get("minLength", 1), 1),
            "boolean": False, "array": [], "object": {}}[schema["type"]]


def params_with(method: str, param: str, value: Any) -> dict[str, Any]:
    params = {name: least(SCHEMAS[method, name]) for name in REQUIRED[method]}
    params[param] = value
    return params


def refused_for(answer: dict[str, Any], param: str) -> bool:
    error = answer.get("error")
    return bool(error) and error["code"] == -32602 and error.get("data", {}).get("param") == param


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadDaemon]:
    directory = tmp_path_factory.mktemp("bounds")
    key = f"dbm-test:{uuid.uuid4().hex[:12]}:audit"
    with ThreadDaemon(make_settings(database_url=f"sqlite:///{directory / 'bounds.sqlite3'}", redis_url=REDIS_URL,
                                    audit_stream=key, state_dir=directory)) as running:
        yield running
    delete_keys(key + "*")


def test_the_methods_have_bounded_params_to_check():
    assert ("spend_credits", "cost") in BOUNDED and ("get_transaction_history", "types") in BOUNDED
    assert ("reserve_credits", "ttl_s") in BOUNDED and ("create_user", "email") in BOUNDED


@pytest.mark.parametrize("method, param", BOUNDED)
def test_a_value_inside_the_advertised_bounds_is_not_refused_for_them(daemon, method, param):
    @fuzz(15)
    @given(st.data())
    def property_(data: st.DataObject) -> None:
        value = data.draw(inside(SCHEMAS[method, param]))
        answer = daemon.call(method, params_with(method, param, value))
        assert not refused_for(answer, param), (value, answer)
    property_()


@pytest.mark.parametrize("method, param", [b for b in BOUNDED if _has_outside(SCHEMAS[b])])
def test_a_value_outside_the_advertised_bounds_is_refused_naming_the_param(daemon, method, param):
    @fuzz(15)
    @given(st.data())
    def property_(data: st.DataObject) -> None:
        value = data.draw(outside(SCHEMAS[method, param]))
        answer = daemon.call(method, params_with(method, param, value))
        assert refused_for(answer, param), (value, answer)
    property_()
