"""Per-user key-value data that blocks keep between executions (SEED_MODEL.md §1). Unlike the
seed, a falsy value (0, "", [], {}) reads back as stored (API.md "Seed bugs not copied")."""

from __future__ import annotations

from sqlalchemy import Text, literal, select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.executions.tables import execution_kv
from daemon.domains.executions.types import Json, JsonValue, KvKey, NodeExecId
from daemon.domains.types import UserId
from daemon.domains.users.tables import users
from daemon.errors import NotFound
from daemon.rpc.registry import rpc_method
from daemon.storage.sql import dump, load, one_statement, upsert_insert

kv = execution_kv


@rpc_method(retry="safe")
async def get_execution_kv_data(ctx: Context, user_id: UserId, key: KvKey) -> Json:
    """The user's data under this key, or null."""
    async with ctx.db.session() as conn:
        return load(await conn.fetch_val(select(kv.c.data).where(kv.c.user_id == user_id, kv.c.key == key)))


@rpc_method(errors=(NotFound,), retry="safe")
async def set_execution_kv_data(ctx: Context, user_id: UserId, node_exec_id: NodeExecId, key: KvKey,
                                data: JsonValue) -> Json:
    """Stores data (null included) under the user's key, replacing what was there. Returns it."""
    now = now_rfc3339()
    text = None if data is None else dump(data)
    # INSERT … SELECT from users: one statement that inserts nothing for a user who does not exist
    values = select(users.c.id, literal(key, Text), literal(node_exec_id, Text), literal(text, Text),
                    literal(now, Text)).where(users.c.id == user_id)
    insert = upsert_insert(ctx.db.kind)(kv).from_select(["user_id", "key", "node_exec_id", "data", "created_at"],
                                                          values)
    upsert = insert.on_conflict_do_update(index_elements=[kv.c.user_id, kv.c.key], set_={
        "node_exec_id": node_exec_id, "data": text, "updated_at": now}).returning(kv.c.key)
    async with one_statement(ctx.db) as conn:
        if await conn.fetch_val(upsert) is None:
            raise NotFound("user", user_id)
    return data

