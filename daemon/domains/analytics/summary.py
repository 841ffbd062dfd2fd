"""get_user_execution_summary_data (SEED_MODEL.md §11) in SQL aggregates: one query groups the
user's executions in the period by graph (runs, outcomes, cost, time, and the newest version's
name); Python adds up those few rows, one per graph, never one per execution.

Where the seed's loop gave way: two agents with the same name share one cost_breakdown entry,
which here holds their sum (the seed kept whichever it met last); a tie for most_used_agent goes
to the graph run most recently (the seed's first met, its list being newest first)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal_column, select

from daemon.domains.analytics import stats
from daemon.domains.analytics.types import UserExecutionSummaryStats
from daemon.domains.executions.tables import graph_executions
from daemon.domains.graphs.tables import graphs

NO_AGENTS = "No agents used"
ZERO: Any = literal_column("0")  # not a bind param: asyncpg would have PostgreSQL guess its type


async def summary(conn: Any, kind: str, user_id: str, start: str, end: str) -> UserExecutionSummaryStats:
    rows = [r._mapping for r in await conn.fetch_all(per_graph_query(kind, user_id, start, end))]
    time, with_stats = sum(float(r["walltime"]) for r in rows), sum(int(r["with_stats"]) for r in rows)
    breakdown: dict[str, float] = {}
    for r in rows:
        label = _agent_name(r["graph_id"], r["name"])
        breakdown[label] = breakdown.get(label, 0.0) + float(r["cost"]) / 100
    busiest = max(rows, key=lambda r: (r["runs"], r["last_run"]), default=None)
    return {
        "total_credits_used": sum(float(r["cost"]) for r in rows) / 100,
        "total_executions": sum(int(r["runs"]) for r in rows),
        "successful_runs": sum(int(r["ok"]) for r in rows),
        "failed_runs": sum(int(r["failed"]) for r in rows),
        "most_used_agent": _agent_name(busiest["graph_id"], busiest["name"]) if busiest is not None else NO_AGENTS,
        "total_execution_time": time,
        "average_execution_time": time / with_stats if with_stats else 0.0,
        "cost_breakdown": breakdown,
    }


def per_graph_query(kind: str, user_id: str, start: str, end: str) -> Any:
    """Per graph: runs, COMPLETED, FAILED+TERMINATED, cost, walltime, runs with stats, the last
    run's created_at, and the name of the graph's highest version."""
    ge = graph_executions
    cost = stats.number(kind, "graph_executions.stats", "cost")
    walltime = stats.number(kind, "graph_executions.stats", "walltime")
    grouped = (select(ge.c.graph_id, func.count().label("runs"),
                      func.count().filter(ge.c.status == "COMPLETED").label("ok"),
                      func.count().filter(ge.c.status.in_(("FAILED", "TERMINATED"))).label("failed"),
                      func.coalesce(func.sum(cost), ZERO).label("cost"),
                      func.coalesce(func.sum(walltime), ZERO).label("walltime"),
                      func.count().filter(stats.is_object(kind, "graph_executions.stats")).label("with_stats"),
                      func.max(ge.c.created_at).label("last_run"))
               .where(ge.c.user_id == user_id, ge.c.is_deleted.is_(False), ge.c.created_at >= start,
                      ge.c.created_at <= end)
               .group_by(ge.c.graph_id).subquery("per_graph"))
    name = (select(graphs.c.name).where(graphs.c.id == grouped.c.graph_id)
            .order_by(graphs.c.version.desc()).limit(1).scalar_subquery())
    return select(*grouped.c, name.label("name")).order_by(grouped.c.graph_id)


def _agent_name(graph_id: str, name: str | None) -> str:
    return name or f"Agent {graph_id[:8]}"
