"""Vectors in the database (content_embeddings: float32 bytes, their dimension and model) and
the public store vectors of this process in memory, for cosine in numpy.

The in-memory copy follows the table: each search first reads the newest updated_at of the
model's rows (one indexed lookup) and loads only the rows changed since it last looked. Daemons
sharing a database so see each other's approvals. A row deleted by another daemon's cleanup stays
in this copy until a reload (this daemon's own cleanup reloads it): harmless, since every
candidate is checked against the listings before it is shown."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import and_, func, select

from daemon.domains.store.embedding.minilm import Array
from daemon.domains.store.tables import content_embeddings, store_listing_versions, store_listings
from daemon.storage.sql import dump, upsert_insert

STORE_AGENT = "STORE_AGENT"  # the seed's ContentType of a store listing version's vector
PUBLIC = ""  # user_id of a vector every user may find (the seed's NULL)
ce, slv, sl = content_embeddings, store_listing_versions, store_listings


def approved_versions() -> Any:
    """Where a version is one the store may show: APPROVED, neither it nor its listing deleted."""
    return and_(slv.c.submission_status == "APPROVED", slv.c.is_deleted.is_(False), sl.c.is_deleted.is_(False))


def versions_and_listings() -> Any:
    return slv.join(sl, sl.c.id == slv.c.store_listing_id)


def lacking_vectors(model: str) -> Any:
    """Approved versions with no vector of `model` (a vector of another model counts as none)."""
    has = and_(ce.c.content_type == STORE_AGENT, ce.c.content_id == slv.c.id, ce.c.user_id == PUBLIC,
               ce.c.model == model)
    return (select(slv.c.id, slv.c.search_text, slv.c.name, slv.c.sub_heading, slv.c.categories)
            .select_from(versions_and_listings().outerjoin(ce, has))
            .where(approved_versions(), ce.c.id.is_(None)))


async def store_vectors(conn: Any, kind: str, versions: Sequence[Mapping[str, Any]], vectors: Array, model: str,
                        now: str) -> None:
    """Upserts one public STORE_AGENT vector per version (the seed's ON CONFLICT … DO UPDATE)."""
    insert = upsert_insert(kind)
    for version, vector in zip(versions, vectors, strict=True):
        row = {"embedding": vector.astype(np.float32).tobytes(), "dimensions": int(vector.shape[0]), "model": model,
               "searchable_text": version["search_text"],
               "metadata": dump({"name": version["name"], "sub_heading": version["sub_heading"],
                                 "categories": version["categories"]}), "updated_at": now}
        statement = insert(ce).values(id=str(uuid.uuid4()), content_type=STORE_AGENT, content_id=version["id"],
                                      user_id=PUBLIC, created_at=now, **row)
        await conn.execute(statement.on_conflict_do_update(index_elements=["content_type", "content_id", "user_id"],
                                                           set_=row))


class PublicVectors:
    """The public STORE_AGENT vectors of one model, in memory: ids and a unit-row matrix."""

    def __init__(self, model: str):
        self.model = model
        self.ids: list[str] = []
        self.rows: dict[str, int] = {}
        self.matrix: Array = np.zeros((0, 0), dtype=np.float32)
        self._seen: str | None = None  # the newest updated_at loaded
        self._lock = asyncio.Lock()

    def _mine(self) -> list[Any]:
        return [ce.c.content_type == STORE_AGENT, ce.c.user_id == PUBLIC, ce.c.model == self.model]

    async def refresh(self, conn: Any) -> None:
        async with self._lock:
            newest = await conn.fetch_val(select(func.max(ce.c.updated_at)).where(*self._mine()))
            if newest is not None and newest != self._seen:
                await self._load(conn, self._seen)
                self._seen = newest

    def forget(self) -> None:
        """Drops the copy: the next search reloads it whole (after rows were deleted)."""
        self.ids, self.rows, self.matrix, self._seen = [], {}, np.zeros((0, 0), dtype=np.float32), None

    async def _load(self, conn: Any, since: str | None) -> None:
        query = select(ce.c.content_id, ce.c.embedding).where(*self._mine())
        if since is not None:
            query = query.where(ce.c.updated_at >= since)
        changed = {r[0]: np.frombuffer(r[1], dtype=np.float32) for r in await conn.fetch_all(query)}
        if since is None:
            self.ids, self.rows, self.matrix = [], {}, np.zeros((0, 0), dtype=np.float32)
        if not changed:
            return
        vectors = [self.matrix[i] for i in range(len(self.ids))]
        for content_id, vector in changed.items():
            if content_id in self.rows:
                vectors[self.rows[content_id]] = vector
            else:
                self.rows[content_id] = len(self.ids)
                self.ids.append(content_id)
                vectors.append(vector)
        self.matrix = np.vstack(vectors).astype(np.float32)

    def similarities(self, query: Array) -> dict[str, float]:
        """Cosine similarity (1 - cosine distance) of the query with every vector held."""
        if not self.ids or self.matrix.shape[1] != query.shape[0]:
            return {}
        scores = self.matrix @ query
        return dict(zip(self.ids, scores.tolist(), strict=True))
