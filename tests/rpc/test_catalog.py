"""Texts derived from the registry (docs/METHODS.md, the README's method table, rpc_client's
retry table) are current, and say what the registry says."""

from __future__ import annotations

import rpc_client
from daemon.domains import DOMAINS
from daemon.rpc import catalog
from daemon.rpc.registry import Registry

REGISTRY = Registry(DOMAINS)


def test_every_generated_text_is_current():
    stale = [str(path) for path, text in catalog.rendered(REGISTRY).items() if path.read_text() != text]
    assert not stale, f"run python -m daemon.rpc.catalog: {stale}"


def test_the_check_command_fails_on_a_stale_text(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(catalog, "methods_doc", lambda registry: "something else")
    assert catalog.main(["--check"]) == 1
    assert "stale: docs/METHODS.md" in capsys.readouterr().out


def test_the_client_retries_what_the_registry_says_it_may():
    retry = {name: method.retry for name, method in REGISTRY.methods.items()}
    assert rpc_client.SAFE == {name for name, r in retry.items() if r == "safe"}
    assert set(rpc_client.KEYED) == {name for name, r in retry.items() if r == "keyed"}
    for name, params in rpc_client.KEYED.items():
        assert params == tuple(p.name for p in REGISTRY[name].params)


def test_the_methods_doc_names_every_method_once():
    text = catalog.methods_doc(REGISTRY)
    for name in REGISTRY.methods:
        assert text.count(f"| `{name}` |") == 1


def test_results_are_described_by_their_types():
    assert catalog.describe(REGISTRY["get_user_by_id"].result) == "User"
    assert catalog.describe(REGISTRY["get_credits"].result) == "int"
    assert catalog.describe({"oneOf": [{"type": "string"}, {"type": "null"}]}) == "string or null"
    assert catalog.describe({"type": "array", "items": REGISTRY["get_user_by_id"].result}) == "[User]"
