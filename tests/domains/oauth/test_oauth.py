"""OAuth codes and tokens: kept as SHA-256 digests, replayed by a retry, 1003 for a taken one;
the cleanup's counts; the daemon's own scheduled cleanup; bad params."""

import asyncio
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select, update

from daemon.domains.oauth.cleanup import SWEEPER
from daemon.domains.oauth.tables import oauth_access_tokens, oauth_authorization_codes, oauth_refresh_tokens
from tests.support import make_settings, running

PAST, FUTURE = "2020-01-01T00:00:00+02:00", "2999-01-01T00:00:00Z"
KINDS = [("create_oauth_authorization_code", "code", oauth_authorization_codes),
         ("create_oauth_access_token", "token", oauth_access_tokens),
         ("create_oauth_refresh_token", "token", oauth_refresh_tokens)]


@pytest.fixture
async def ann(rpc):
    await rpc.result("create_user", {"email": "ann@x.io", "user_id": "ann"})
    await rpc.result("create_user", {"email": "bob@x.io", "user_id": "bob"})
    return rpc


def _params(secret_param, secret, user_id="ann", expires_at=FUTURE, scopes=("EXECUTE_GRAPH",)):
    return {"user_id": user_id, "application_id": "app-1", "scopes": list(scopes), "expires_at": expires_at,
            secret_param: secret}


async def _rows(rpc, table):
    async with rpc.services.db.session() as conn:
        return [dict(r._mapping) for r in await conn.fetch_all(select(table).order_by(table.c.expires_at))]


@pytest.mark.parametrize(("method", "param", "table"), KINDS)
async def test_a_grant_is_kept_as_the_digest_of_its_plaintext(ann, method, param, table):
    got = await ann.result(method, _params(param, "s3cret-plaintext", expires_at="2999-01-01T02:00:00+02:00"))
    assert got["expires_at"] == "2999-01-01T00:00:00.000000Z"
    [row] = await _rows(ann, table)
    assert row["id"] == got["id"] and row["digest"] == hashlib.sha256(b"s3cret-plaintext").hexdigest()
    assert "s3cret-plaintext" not in repr(row) and row["user_id"] == "ann"


@pytest.mark.parametrize(("method", "param", "table"), KINDS)
async def test_a_retry_answers_the_same_row_and_a_taken_secret_is_1003(ann, method, param, table):
    first = await ann.result(method, _params(param, "tok"))
    assert await ann.result(method, _params(param, "tok")) == first
    for other in (_params(param, "tok", user_id="bob"), _params(param, "tok", scopes=["READ"])):
        error = await ann.error(method, other)
        assert error["code"] == 1003 and error["data"]["param"] == param
    assert len(await _rows(ann, table)) == 1


async def test_an_unknown_user_is_1002(ann):
    error = await ann.error("create_oauth_access_token", _params("token", "t", user_id="nobody"))
    assert error["code"] == 1002 and error["data"] == {"kind": "user", "id": "nobody"}


async def test_cleanup_deletes_expired_rows_only_and_counts_them(ann):
    for method, param, _ in KINDS:
        await ann.result(method, _params(param, f"{param}-old-1", expires_at=PAST))
        await ann.result(method, _params(param, f"{param}-old-2", expires_at="2021-06-01T00:00:00Z"))
        await ann.result(method, _params(param, f"{param}-live", expires_at=FUTURE))
    # a used code and a revoked token stay until they expire, as in the seed
    async with ann.services.db.write() as conn:
        await conn.execute(update(oauth_authorization_codes).values(used_at="2020-01-01T00:00:00.000000Z"))
        await conn.execute(update(oauth_access_tokens).values(revoked_at="2020-01-01T00:00:00.000000Z"))
    got = await ann.result("cleanup_expired_oauth_tokens")
    assert got == {"authorization_codes": 2, "access_tokens": 2, "refresh_tokens": 2}
    for _, _, table in KINDS:
        assert [r["expires_at"] for r in await _rows(ann, table)] == ["2999-01-01T00:00:00.000000Z"]
    assert await ann.result("cleanup_expired_oauth_tokens", []) == {
        "authorization_codes": 0, "access_tokens": 0, "refresh_tokens": 0}


async def test_the_daemon_cleans_up_on_its_own_schedule(db_url, redis_url, stream_key, tmp_path: Path):
    settings = make_settings(database_url=db_url, redis_url=redis_url, audit_stream=stream_key, state_dir=tmp_path,
                             oauth_cleanup_interval_s=0.05)
    async with running(settings) as rpc:
        assert rpc.services.state.get(SWEEPER) is not None
        await rpc.result("create_user", {"email": "ann@x.io", "user_id": "ann"})
        await rpc.result("create_oauth_refresh_token", _params("token", "gone", expires_at=PAST))
        await rpc.result("create_oauth_refresh_token", _params("token", "kept", expires_at=FUTURE))
        async with asyncio.timeout(20):  # waits for the sweeper, however slow the machine: asserts no speed
            while len(await _rows(rpc, oauth_refresh_tokens)) > 1:
                await asyncio.sleep(0.05)
        assert [r["expires_at"] for r in await _rows(rpc, oauth_refresh_tokens)] == ["2999-01-01T00:00:00.000000Z"]


async def test_interval_zero_runs_no_sweeper(redis_url, stream_key, tmp_path: Path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", redis_url=redis_url,
                             audit_stream=stream_key, state_dir=tmp_path, oauth_cleanup_interval_s=0)
    async with running(settings) as rpc:
        assert rpc.services.state.get(SWEEPER) is None


BAD = [
    ({"user_id": ""}, "user_id"),
    ({"application_id": "a" * 256}, "application_id"),
    ({"scopes": "READ"}, "scopes"),
    ({"scopes": ["x" * 256]}, "scopes"),
    ({"scopes": [""]}, "scopes"),
    ({"expires_at": "tomorrow"}, "expires_at"),
    ({"expires_at": "2030-01-01T00:00:00"}, "expires_at"),
    ({"token": ""}, "token"),
    ({"token": "a\u0000b"}, "token"),
]


async def test_bad_params_name_the_param_and_write_nothing(ann):
    failed = []
    for change, param in BAD:
        error = await ann.error("create_oauth_access_token", {**_params("token", "ok"), **change})
        if error["code"] != -32602 or error["data"]["param"] != param:
            failed.append((change, error))
    error = await ann.error("create_oauth_authorization_code", _params("token", "x"))
    assert error["code"] == -32602 and error["data"]["param"] in ("code", "token")
    assert not failed, failed
    assert await _rows(ann, oauth_access_tokens) == [] and await _rows(ann, oauth_authorization_codes) == []
