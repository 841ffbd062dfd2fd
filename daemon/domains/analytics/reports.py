"""The seed's four execution analytics (SEED_MODEL.md §1), each one set-based query on either
database: the grouping, counting and rolling averages happen in SQL, and Python only shapes the
rows that come back (one per block, graph or day, never one per execution).

Timestamps are RFC 3339 text in UTC with microseconds, so ranges compare as text, and a UTC day
is the text's first ten characters. "Finished" is COMPLETED, FAILED or TERMINATED, and deleted
graph executions (and their node executions) are never counted (API.md, "Seed bugs not copied")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from daemon.clock import rfc3339
from daemon.domains.analytics import stats
from daemon.domains.analytics.types import AccuracyAlert, AccuracyData, AccuracyTrends, BlockErrorStats, GraphExecutionCount
from daemon.domains.executions.tables import graph_executions, node_executions
from daemon.domains.graphs.tables import graph_nodes
from daemon.domains.store.tables import store_listing_versions, store_listings

FINISHED = ("COMPLETED", "FAILED", "TERMINATED")
MIN_BLOCK_EXECUTIONS = 10  # the seed's HAVING COUNT(*) >= 10
MIN_SCORED_PER_DAY = 3  # a day's score needs this many scored executions


def since(days_back: int) -> str:
    return rfc3339(datetime.now(UTC) - timedelta(days=days_back))


async def block_error_stats(conn: Any, start: str, end: str) -> list[BlockErrorStats]:
    return [{"block_id": block, "total_executions": int(n), "failed_executions": int(bad),
             "error_rate": int(bad) / int(n) * 100}
            for block, n, bad in ((r[0], r[1], r[2]) for r in await conn.fetch_all(block_error_query(start, end)))]


def block_error_query(start: str, end: str) -> Any:
    ne, ge = node_executions, graph_executions
    total, failed = func.count(), func.count().filter(ne.c.status == "FAILED")
    return (select(graph_nodes.c.block_id, total, failed)
            .select_from(ne.join(graph_nodes, graph_nodes.c.id == ne.c.node_id).join(ge, ge.c.id == ne.c.graph_exec_id))
            .where(ne.c.added_time >= start, ne.c.added_time <= end, ge.c.is_deleted.is_(False))
            .group_by(graph_nodes.c.block_id).having(total >= MIN_BLOCK_EXECUTIONS)
            .order_by(graph_nodes.c.block_id))


async def frequently_executed(conn: Any, days_back: int, min_executions: int) -> list[GraphExecutionCount]:
    return [{"graph_id": r[0], "user_id": r[1], "execution_count": int(r[2])}
            for r in await conn.fetch_all(frequent_query(days_back, min_executions))]


def frequent_query(days_back: int, min_executions: int) -> Any:
    ge, count = graph_executions, func.count().label("execution_count")
    return (select(ge.c.graph_id, ge.c.user_id, count)
            .where(*_finished_since(days_back))
            .group_by(ge.c.graph_id, ge.c.user_id).having(func.count() >= min_executions)
            .order_by(count.desc(), ge.c.graph_id, ge.c.user_id))


async def marketplace_graphs(conn: Any, days_back: int, min_executions: int) -> list[GraphExecutionCount]:
    return [{"graph_id": r[0], "user_id": None, "execution_count": int(r[1])}
            for r in await conn.fetch_all(marketplace_query(days_back, min_executions))]


def marketplace_query(days_back: int, min_executions: int) -> Any:
    """Graphs whose store listing is live (not deleted) with an APPROVED active version, and
    their finished executions (any user, any version) in the period."""
    sl, slv, ge = store_listings, store_listing_versions, graph_executions
    listed = (select(slv.c.graph_id).distinct()
              .select_from(sl.join(slv, slv.c.id == sl.c.active_version_id))
              .where(sl.c.has_approved_version.is_(True), sl.c.is_deleted.is_(False),
                     slv.c.submission_status == "APPROVED").subquery("listed"))
    count = func.count().label("execution_count")
    return (select(listed.c.graph_id, count).select_from(listed.join(ge, ge.c.graph_id == listed.c.graph_id))
            .where(*_finished_since(days_back))
            .group_by(listed.c.graph_id).having(func.count() >= min_executions)
            .order_by(count.desc(), listed.c.graph_id))


async def accuracy_trends(conn: Any, kind: str, graph_id: str, days_back: int, user_id: str | None,
                          drop_threshold: float, include_historical: bool) -> AccuracyTrends:
    rows = [_day(r) for r in await conn.fetch_all(trend_query(kind, graph_id, days_back, user_id, include_historical))]
    now = datetime.now(UTC)
    if not rows:
        latest: AccuracyData = {"date": now.date().isoformat(), "daily_score": None, "three_day_avg": None,
                                "seven_day_avg": None, "fourteen_day_avg": None}
        return {"latest_data": latest, "alert": None, "historical_data": [] if include_historical else None}
    latest = rows[0]
    three, seven = latest["three_day_avg"], latest["seven_day_avg"]
    drop = 0.0 if not seven else (seven - (three or 0.0)) / seven * 100  # API.md: 0 when the 7-day average is 0
    alert: AccuracyAlert | None = None
    if three is not None and seven is not None and drop >= drop_threshold:
        alert = {"graph_id": graph_id, "user_id": user_id, "drop_percent": drop, "three_day_avg": three,
                 "seven_day_avg": seven, "detected_at": rfc3339(now)}
    return {"latest_data": latest, "alert": alert, "historical_data": rows if include_historical else None}


def trend_query(kind: str, graph_id: str, days_back: int, user_id: str | None, include_historical: bool) -> Any:
    """Days (UTC) with at least three scored finished executions, newest first: each day's mean
    score × 100 and the mean of the last 3, 7 and 14 such days (rows, as the seed's window)."""
    ge = graph_executions
    score = stats.number(kind, "graph_executions.stats", "correctness_score")
    day = func.substr(ge.c.created_at, 1, 10).label("day")
    where = [*_finished_since(days_back), ge.c.graph_id == graph_id, score.isnot(None)]
    if user_id is not None:
        where.append(ge.c.user_id == user_id)
    daily = (select(day, (func.avg(score) * 100).label("daily_score")).where(*where)
             .group_by(day).having(func.count() >= MIN_SCORED_PER_DAY).subquery("daily"))

    def rolling(days: int) -> Any:
        return func.avg(daily.c.daily_score).over(order_by=daily.c.day, rows=(-(days - 1), 0))
    query = (select(daily.c.day, daily.c.daily_score, rolling(3), rolling(7), rolling(14))
             .order_by(daily.c.day.desc()))
    return query if include_historical else query.limit(1)


def _day(row: Any) -> AccuracyData:
    day, score, three, seven, fourteen = (row[i] for i in range(5))  # (a Record iterates over its keys)
    return {"date": day, "daily_score": _float(score), "three_day_avg": _float(three),
            "seven_day_avg": _float(seven), "fourteen_day_avg": _float(fourteen)}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _finished_since(days_back: int) -> tuple[Any, ...]:
    ge = graph_executions
    return (ge.c.created_at >= since(days_back), ge.c.is_deleted.is_(False), ge.c.status.in_(FINISHED))

