"""Full-text search over approved versions' search_text: PostgreSQL's to_tsvector('english') with
plainto_tsquery and ts_rank_cd (the seed's), SQLite's FTS5 with porter stemming and bm25().
Both give a rank where higher is better; search.py divides it by the best candidate's."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, literal_column, select, text

from daemon.domains.store.embedding.vectors import approved_versions, slv, versions_and_listings

MAX_LEXICAL_HITS = 1000  # the best this many word matches join the candidates

# plainto_tsquery('english') drops stop words; FTS5 has no such list, so these are dropped here
# (the commonest of PostgreSQL's english list) lest "an agent for my emails" need every word
_STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have he her his i if in into is it its me my no not of on or our "
    "she so that the their them then there these they this to was we were what when which who will with you your".split())


async def word_ranks(conn: Any, kind: str, query: str) -> dict[str, float]:
    """{version id: rank > 0} of the approved versions whose text matches every word of the query."""
    if kind == "postgresql":
        return await _postgresql(conn, query)
    return await _sqlite(conn, query)


async def _postgresql(conn: Any, query: str) -> dict[str, float]:
    english: Any = literal_column("'english'")
    vector = func.to_tsvector(english, slv.c.search_text)  # the expression ix_store_listing_versions_search indexes
    tsquery = func.plainto_tsquery(english, query)
    rank = func.ts_rank_cd(vector, tsquery).label("rank")
    rows = await conn.fetch_all(select(slv.c.id, rank).select_from(versions_and_listings())
                                .where(approved_versions(), vector.op("@@")(tsquery))
                                .order_by(rank.desc()).limit(MAX_LEXICAL_HITS))
    return {row[0]: float(row[1]) for row in rows}


async def _sqlite(conn: Any, query: str) -> dict[str, float]:
    words = [w for w in re.findall(r"\w+", query.lower()) if w not in _STOP_WORDS]
    if not words:
        return {}
    match = " ".join(f'"{word}"' for word in words)  # quoted: words, never FTS5 syntax
    rows = await conn.fetch_all(text(
        "SELECT v.id, -bm25(store_search_fts) AS rank FROM store_search_fts "
        "JOIN store_listing_versions v ON v.rowid = store_search_fts.rowid "
        "JOIN store_listings l ON l.id = v.store_listing_id "
        "WHERE store_search_fts MATCH :match AND v.submission_status = 'APPROVED' AND v.is_deleted = 0 "
        "AND l.is_deleted = 0 ORDER BY rank DESC LIMIT :limit").bindparams(match=match, limit=MAX_LEXICAL_HITS))
    return {row[0]: max(float(row[1]), 0.0) for row in rows}
