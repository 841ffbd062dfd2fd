"""rpc.discover: the document it serves is valid OpenRPC and describes every method completely.

The meta-schema is a copy kept in tests/openrpc/ (see its README): `schema.json` from the
@open-rpc/meta-schema npm package, and the JSON Schema meta-schema it refers to by URL
(`https://meta.json-schema.tools`), from @json-schema-tools/meta-schema, so that nothing is
fetched over the network.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT7

import rpc_client
from daemon.domains import DOMAINS
from daemon.rpc.discover import rpc_url
from daemon.rpc.registry import Registry as MethodRegistry

META = Path(__file__).parent / "openrpc"
CONTRACT_ERRORS = {cls.code: cls.message for cls in rpc_client.ERRORS_BY_CODE.values()}
CONTRACT_METHODS = {"ping", "rpc.discover", "create_user", "get_user_by_id", "get_credits", "spend_credits",
                    "top_up_credits", "grant_credits", "refund_credits", "get_transaction_history"}


def openrpc_validator() -> jsonschema.Draft7Validator:
    json_schema_meta = DRAFT7.create_resource(json.loads((META / "json-schema-meta-schema.json").read_text()))
    registry = Registry().with_resources([("https://meta.json-schema.tools", json_schema_meta),
                                          ("https://meta.json-schema.tools/", json_schema_meta)])
    return jsonschema.Draft7Validator(json.loads((META / "schema.json").read_text()), registry=registry)


@pytest.fixture
async def document(sqlite_rpc) -> dict:
    return await sqlite_rpc.result("rpc.discover")


async def test_document_is_valid_openrpc(document):
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in openrpc_validator().iter_errors(document)]
    assert errors == []
    assert document["openrpc"].startswith("1.3.")


async def test_validation_is_not_vacuous(document):
    broken = copy.deepcopy(document)
    broken["methods"][0]["params"] = [{"name": "x", "schema": {"type": 5}}]
    assert not openrpc_validator().is_valid(broken)


async def test_every_method_of_the_daemon_and_the_contract_is_described(document):
    names = [m["name"] for m in document["methods"]]
    assert sorted(names) == sorted(MethodRegistry(DOMAINS).methods) and len(set(names)) == len(names)
    assert CONTRACT_METHODS <= set(names)


async def test_every_method_documents_params_result_and_errors(document):
    for method in document["methods"]:
        assert isinstance(method["params"], list), method["name"]
        for param in method["params"]:
            assert param["name"] and param["schema"] and isinstance(param["required"], bool), (method["name"], param)
            jsonschema.Draft7Validator.check_schema(param["schema"])
        assert method["result"]["schema"], method["name"]
        jsonschema.Draft7Validator.check_schema(method["result"]["schema"])
        codes = [e["code"] for e in method["errors"]]
        assert codes and len(set(codes)) == len(codes), method["name"]
        assert all(CONTRACT_ERRORS.get(e["code"]) == e["message"] for e in method["errors"]), method["errors"]


async def test_the_client_retries_as_the_published_x_retry_says(document):
    published = {m["name"]: m for m in document["methods"]}
    assert rpc_client.SAFE == {name for name, m in published.items() if m["x-retry"] == "safe"}
    assert set(rpc_client.KEYED) == {name for name, m in published.items() if m["x-retry"] == "keyed"}
    for method, names in rpc_client.KEYED.items():
        assert tuple(p["name"] for p in published[method]["params"]) == names
        assert "transaction_key" in names


async def test_each_method_is_tagged_with_its_domain(document):
    tags = {m["name"]: [t["name"] for t in m["tags"]] for m in document["methods"]}
    assert tags["spend_credits"] == ["credits"] and tags["create_user"] == ["users"] and tags["ping"] == ["system"]
    assert all(len(t) == 1 for t in tags.values())


async def test_the_document_is_also_at_a_url(sqlite_rpc, document):
    response = await sqlite_rpc.client.get("/openrpc.json")
    assert response.status == 200 and await response.json() == document


async def test_the_command_prints_the_document_with_the_configured_address(document):
    printed = subprocess.run([sys.executable, "-m", "daemon", "openrpc", "--host", "::1", "--port", "9"],
                             capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    expected = {**document, "servers": [{**document["servers"][0], "url": "http://[::1]:9/rpc"}]}
    assert json.loads(printed.stdout) == expected


async def test_the_server_is_an_absolute_url_of_the_listen_address(document):
    server, = document["servers"]
    assert server["url"] == "http://127.0.0.1:0/rpc"  # in-process daemons are configured with port 0
    assert "proxy" in server["description"]  # callers that reach it another way use their own address


@pytest.mark.parametrize("host, url", [
    ("127.0.0.1", "http://127.0.0.1:8005/rpc"), ("localhost", "http://localhost:8005/rpc"),
    ("0.0.0.0", "http://0.0.0.0:8005/rpc"), ("::", "http://[::]:8005/rpc"),
    ("fe80::1%eth0", "http://[fe80::1%25eth0]:8005/rpc"),
])
def test_rpc_url_brackets_ipv6_literals(host, url):
    assert rpc_url(host, 8005) == url
    assert urlsplit(url).scheme == "http" and urlsplit(url).port == 8005


async def test_no_schema_refers_elsewhere(document):
    """A $ref to a URL makes every tool fetch it, and fail offline (issue 11)."""
    assert "$ref" not in json.dumps(document)


async def test_nullable_values_are_one_of_not_a_list_of_types(document):
    """Code generators read a list of types badly; every nullable value is a oneOf (issue 11)."""
    text = json.dumps(document)
    assert '"type": [' not in text and '{"type": "null"}' in text

