"""Helpers of the integrations tests: key files, daemons that share one database, and the raw column."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from daemon.domains.integrations.tables import encryption_keys
from daemon.domains.users.tables import users
from tests.support import Rpc, make_settings, running

SECRET = "sk-live-PLANTED-3f9a1c77e2"

# what a seed caller stores: an API key credential, an OAuth state and the managed Ayrshare key
DATA: dict[str, Any] = {
    "managed_credentials": {"ayrshare_profile_key": SECRET + "-ayrshare"},
    "credentials": [{"id": "c1", "provider": "openai", "type": "api_key", "title": "mine",
                     "api_key": SECRET, "expires_at": None}],
    "oauth_states": [{"token": "st-1", "provider": "github", "expires_at": 1900000000, "scopes": ["repo"],
                      "code_verifier": None, "state_metadata": {}}],
}
DEFAULTS = {"managed_credentials": {}, "credentials": [], "oauth_states": []}


def key_file(path: Path, *keys: bytes, extra: str = "") -> Path:
    path.write_text(extra + "".join(key.decode() + "\n" for key in keys))
    return path


async def new_user(rpc: Rpc, user_id: str) -> None:
    await rpc.result("create_user", {"email": f"{user_id}@x.io", "user_id": user_id})


async def raw_token(rpc: Rpc, user_id: str) -> str:
    async with rpc.services.db.session() as conn:
        token: str = await conn.fetch_val(select(users.c.integrations).where(users.c.id == user_id))
    return token


async def recorded_fingerprints(rpc: Rpc) -> set[str]:
    async with rpc.services.db.session() as conn:
        return {row[0] for row in await conn.fetch_all(select(encryption_keys.c.fingerprint))}


def opens(key: bytes, token: str) -> bool:
    try:
        Fernet(key).decrypt(token)
        return True
    except InvalidToken:
        return False


DaemonWithKeys = Callable[..., contextlib.AbstractAsyncContextManager[Rpc]]


@pytest.fixture
def daemon_with_keys(db_url: str, redis_url: str, stream_key: str, events_key: str, tmp_path: Path) -> DaemonWithKeys:
    """daemon_with_keys(*keys): an in-process daemon on the test's database whose key file holds
    these keys, in this order; several, one after another, share the database as daemons would."""
    @contextlib.asynccontextmanager
    async def daemon(*keys: bytes) -> AsyncIterator[Rpc]:
        path = key_file(tmp_path / f"keys-{len(list(tmp_path.glob('keys-*')))}", *keys)
        settings = make_settings(database_url=db_url, redis_url=redis_url, audit_stream=stream_key,
                                 events_stream=events_key, state_dir=tmp_path, encryption_key_file=path)
        async with running(settings) as rpc:
            yield rpc
    return daemon
