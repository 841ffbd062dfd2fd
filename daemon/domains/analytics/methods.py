"""The analytics domain's methods: the seed's execution analytics (SEED_MODEL.md §1) and a
user's execution summary (§11). Each is one read query (reports.py, summary.py)."""

from __future__ import annotations

from daemon.clock import as_utc
from daemon.context import Context
from daemon.domains.analytics import reports
from daemon.domains.analytics.summary import summary
from daemon.domains.analytics.types import (
    AccuracyTrends,
    BlockErrorStats,
    DaysBack,
    GraphExecutionCount,
    MinExecutions,
    UserExecutionSummaryStats,
)
from daemon.domains.graphs.types import GraphId
from daemon.domains.types import DateTime, UserId
from daemon.rpc.registry import rpc_method


@rpc_method(retry="safe")
async def get_block_error_stats(ctx: Context, start_time: DateTime, end_time: DateTime) -> list[BlockErrorStats]:
    """Per block, its node executions added in [start_time, end_time] and how many FAILED; blocks with at least 10.

    Ordered by block_id. Node executions of deleted graph executions do not count."""
    async with ctx.db.session() as conn:
        return await reports.block_error_stats(conn, as_utc(start_time), as_utc(end_time))


@rpc_method(retry="safe")
async def get_frequently_executed_graphs(ctx: Context, days_back: DaysBack = 30,
                                         min_executions: MinExecutions = 10) -> list[GraphExecutionCount]:
    """Per graph and user, their finished, non-deleted executions of the last days_back days; most first.

    Finished is COMPLETED, FAILED or TERMINATED. Only pairs with at least min_executions."""
    async with ctx.db.session() as conn:
        return await reports.frequently_executed(conn, days_back, min_executions)


@rpc_method(retry="safe")
async def get_accuracy_trends_and_alerts(ctx: Context, graph_id: GraphId, days_back: DaysBack = 30,
                                         user_id: UserId | None = None, drop_threshold: float = 10.0,
                                         include_historical: bool = False) -> AccuracyTrends:
    """The graph's daily correctness score (× 100) and its 3-, 7- and 14-day rolling averages, with an alert on a drop.

    Days are UTC days of finished executions whose stats hold a numeric correctness_score, at
    least 3 of them a day. drop_percent = (7-day − 3-day) / 7-day × 100 (0 when the 7-day average
    is 0); an alert when it reaches drop_threshold. With no such day, latest_data is today with
    nulls."""
    async with ctx.db.session() as conn:
        return await reports.accuracy_trends(conn, ctx.db.kind, graph_id, days_back, user_id, drop_threshold,
                                             include_historical)


@rpc_method(retry="safe")
async def get_marketplace_graphs_for_monitoring(ctx: Context, days_back: DaysBack = 30,
                                                min_executions: MinExecutions = 10) -> list[GraphExecutionCount]:
    """Graphs with an APPROVED active version of a live store listing, and their finished executions of the last days_back days.

    Only graphs with at least min_executions; most first; user_id is null."""
    async with ctx.db.session() as conn:
        return await reports.marketplace_graphs(conn, days_back, min_executions)


@rpc_method(retry="safe")
async def get_user_execution_summary_data(ctx: Context, user_id: UserId, start_time: DateTime,
                                          end_time: DateTime) -> UserExecutionSummaryStats:
    """The user's non-deleted executions created in [start_time, end_time], summed up: runs, outcomes, dollars, time, agents.

    Dollars are the stats' cost (cents) / 100; time is the stats' walltime; most_used_agent is
    the name of the graph run most ("Agent {id[:8]}" when unnamed, "No agents used" with none)."""
    async with ctx.db.session() as conn:
        return await summary(conn, ctx.db.kind, user_id, as_utc(start_time), as_utc(end_time))
