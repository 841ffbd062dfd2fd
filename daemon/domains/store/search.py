"""Hybrid search of store agents (SEED_MODEL.md §10, the seed's hybrid_search), over the
StoreAgent rows that pass get_store_agents' filters.

Candidates: the word matches (lexical.py) and the 200 nearest by meaning. Each is scored
    combined = 0.30 semantic + 0.30 lexical + 0.20 category + 0.10 recency + 0.10 popularity
(semantic: cosine similarity; lexical: rank / best rank; category: 1 when a category contains the
query; recency: 1 − age / 90 days, at least 0; popularity: ln(1+runs) / ln(1+most runs); a 0/0
term is 0). Rows under 0.20 are dropped; the page is re-ranked with BM25 over name, sub-heading
and description: final = 0.7 combined + 0.3 BM25 / best BM25. When the query cannot be embedded,
the semantic weight is 0 and the others are scaled to sum to 1 (the seed's fallback)."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rank_bm25 import BM25Okapi
from sqlalchemy import select

from daemon.context import Context
from daemon.domains.store.agents import agent_view, filtered, live_versions, store_agents
from daemon.domains.store.embedding.worker import embedder_of, public_vectors
from daemon.domains.store.lexical import word_ranks
from daemon.domains.store.types import StoreAgent
from daemon.storage.sql import load

log = logging.getLogger(__name__)

WEIGHTS = {"semantic": 0.30, "lexical": 0.30, "category": 0.20, "recency": 0.10, "popularity": 0.10}
MIN_SCORE = 0.20
NEAREST = 200
RECENCY_DAYS = 90.0
COMBINED_SHARE, BM25_SHARE = 0.7, 0.3
MAX_PAGE_SIZE = 100


async def query_vector(ctx: Context, query: str) -> Any:
    """The query's vector, or None when the embedder fails (search then goes on without meaning)."""
    try:
        return (await embedder_of(ctx).embed([query]))[0]
    except Exception as exc:
        log.warning("search: the query could not be embedded (%s); ranking without meaning", type(exc).__name__)
        return None


async def hybrid_search(ctx: Context, query: str, featured: bool, creators: Sequence[str] | None,
                        category: str | None, page: int, page_size: int) -> tuple[list[StoreAgent], int]:
    """The page of agents matching the query, best first, and how many match in all."""
    qvec = await query_vector(ctx, query)
    vectors = public_vectors(ctx)
    filters = (featured, creators, category)
    async with ctx.db.session() as conn:
        words = await word_ranks(conn, ctx.db.kind, query)
        meaning: dict[str, float] = {}
        if qvec is not None:
            await vectors.refresh(conn)
            meaning = vectors.similarities(qvec)
        shown = await _allowed(conn, list(words), *filters)
        words = {vid: rank for vid, rank in words.items() if vid in shown}
        nearest = await _nearest(conn, meaning, filters)
        candidates = set(words) | set(nearest)
        rows = [r._mapping for r in await conn.fetch_all(select(store_agents(*candidates)))] if candidates else []
    scored = _scored(rows, query, words, meaning, semantic=qvec is not None)
    start = (page - 1) * page_size
    return _reranked(scored[start:start + min(page_size, MAX_PAGE_SIZE)], query), len(scored)


async def _nearest(conn: Any, meaning: Mapping[str, float], filters: tuple[Any, ...]) -> list[str]:
    """The NEAREST versions by meaning among those the filters allow: the most similar vectors are
    checked against the filters a window at a time (doubling), so an unfiltered search reads a few
    hundred rows, not the store."""
    ranked = sorted(meaning, key=lambda vid: meaning[vid], reverse=True)
    nearest: list[str] = []
    start, window = 0, 4 * NEAREST
    while start < len(ranked) and len(nearest) < NEAREST:
        chunk = ranked[start:start + window]
        allowed = await _allowed(conn, chunk, *filters)
        nearest += [vid for vid in chunk if vid in allowed]
        start, window = start + window, window * 2
    return nearest[:NEAREST]


async def _allowed(conn: Any, version_ids: Sequence[str], featured: bool, creators: Sequence[str] | None,
                   category: str | None) -> set[str]:
    """Which of these versions are StoreAgent rows the filters let through (vectors and word
    matches of versions no longer shown fall out here)."""
    if not version_ids:
        return set()
    live = live_versions(version_ids)
    rows = await conn.fetch_all(select(live.c.store_listing_version_id)
                                .where(*filtered(live, featured, creators, category)))
    return {row[0] for row in rows}


def _weights(semantic: bool) -> dict[str, float]:
    if semantic:
        return WEIGHTS
    rest = sum(w for name, w in WEIGHTS.items() if name != "semantic")
    return {name: (0.0 if name == "semantic" else w / rest) for name, w in WEIGHTS.items()}


def _scored(rows: Sequence[Mapping[str, Any]], query: str, words: Mapping[str, float],
            meaning: Mapping[str, float], semantic: bool) -> list[tuple[float, Mapping[str, Any]]]:
    """(combined score, row) of the rows at or above MIN_SCORE, best first."""
    weights = _weights(semantic)
    best_words = max(words.values(), default=0.0)
    most_runs = max((int(r["runs"]) for r in rows), default=0)
    now = datetime.now(UTC)
    needle = query.lower()
    scored = []
    for row in rows:
        vid = row["store_listing_version_id"]
        terms = {"semantic": meaning.get(vid, 0.0),
                 "lexical": words.get(vid, 0.0) / best_words if best_words > 0 else 0.0,
                 "category": 1.0 if any(needle in c.lower() for c in load(row["categories"])) else 0.0,
                 "recency": max(0.0, 1.0 - _age_days(row["updated_at"], now) / RECENCY_DAYS),
                 "popularity": math.log1p(int(row["runs"])) / math.log1p(most_runs) if most_runs > 0 else 0.0}
        combined = sum(weights[name] * value for name, value in terms.items())
        if combined >= MIN_SCORE:
            scored.append((combined, row))
    scored.sort(key=lambda pair: (-pair[0], pair[1]["agent_name"], pair[1]["listing_id"]))
    return scored


def _age_days(moment: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(moment)).total_seconds() / 86400


def _tokens(text: str) -> list[str]:
    return re.findall(r"\b\w+\b", text.lower())


def _reranked(page: Sequence[tuple[float, Mapping[str, Any]]], query: str) -> list[StoreAgent]:
    """The page in final order: 0.7 combined + 0.3 BM25 (over name, sub-heading, description) / best BM25."""
    if not page:
        return []
    documents = [_tokens(f"{r['agent_name']} {r['sub_heading']} {r['description']}") for _, r in page]
    bm25 = BM25Okapi(documents).get_scores(_tokens(query)) if any(documents) else [0.0] * len(page)
    best = max(bm25)
    final = [COMBINED_SHARE * combined + BM25_SHARE * (score / best if best > 0 else 0.0)
             for (combined, _), score in zip(page, bm25, strict=True)]
    order = sorted(range(len(page)), key=lambda i: -final[i])
    return [agent_view(page[i][1]) for i in order]
