"""The registry: domains declare their methods, the app combines them explicitly."""

from __future__ import annotations

from typing import Any

import pytest

from daemon.context import State, StateKey
from daemon.domains import DOMAINS
from daemon.domains.credits.batcher import BATCHER, SpendBatcher
from daemon.rpc.registry import Domain, Registry, rpc_method
from tests.support import make_settings, running


@rpc_method(retry="safe")
async def echo(ctx: Any, text: str) -> str:
    """Gives back its text."""
    return text


@rpc_method(retry="keyed")
async def keyless(ctx: Any, amount: int) -> int:
    return amount


async def unmarked(ctx: Any) -> int:
    return 1


@rpc_method(retry="safe")
async def no_result(ctx: Any):  # type: ignore[no-untyped-def]
    return 1


def test_domains_list_their_methods_and_nothing_registers_on_import():
    registry = Registry(DOMAINS)
    assert {m.domain for m in registry.methods.values()} == {d.name for d in DOMAINS}
    assert "echo" not in registry
    assert Registry([Domain("t", "t", methods=(echo,))]).methods.keys() == {"echo"}


def test_a_name_declared_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Registry([Domain("a", "a", methods=(echo,)), Domain("b", "b", methods=(echo,))])


@pytest.mark.parametrize("func, reason", [(keyless, "transaction_key"), (unmarked, "not marked"),
                                          (no_result, "return annotation")])
def test_methods_that_cannot_be_described_are_refused(func, reason):
    with pytest.raises(TypeError, match=reason):
        Registry([Domain("t", "t", methods=(func,))])


def test_a_domain_serves_only_the_databases_it_declares():
    only_pg = Domain("pg", "pg", methods=(echo,), dialects=frozenset({"postgresql"}))
    assert "echo" in Registry([only_pg]).for_dialect("postgresql")
    assert "echo" not in Registry([only_pg]).for_dialect("sqlite")


def test_state_keys_are_typed_and_missing_reads_none():
    key: StateKey[int] = StateKey("n")
    state = State()
    assert state.get(key) is None
    state.set(key, 3)
    assert state.get(key) == 3 and state.pop(key) == 3 and state.get(key) is None


async def test_domain_hooks_start_and_stop_their_state(db_url, tmp_path, redis_url, stream_key):
    settings = make_settings(database_url=db_url, redis_url=redis_url, audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as rpc:
        batcher = rpc.services.state.get(BATCHER)
        assert isinstance(batcher, SpendBatcher) if db_url.startswith("postgresql") else batcher is None
        state = rpc.services.state
    assert state.get(BATCHER) is None  # stopped


async def test_extra_methods_are_served_by_one_daemon_only(tmp_path, redis_url, stream_key):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", redis_url=redis_url,
                             audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings, [echo]) as with_echo:
        assert await with_echo.result("echo", ["hi"]) == "hi"
    async with running(settings) as without:
        assert (await without.error("echo", ["hi"]))["code"] == -32601
