"""The analytics domain's params and results: the seed's DTOs (SEED_MODEL.md §1, §11)."""

from __future__ import annotations

from typing import Annotated, TypedDict

from daemon.domains.types import Timestamp
from daemon.rpc.schema import Doc, Range

DaysBack = Annotated[int, Range(1, 36500), Doc("how many days back from now, default 30")]
MinExecutions = Annotated[int, Range(0, 2**31 - 1), Doc("the fewest executions a row needs, default 10")]


class BlockErrorStats(TypedDict):
    block_id: str
    total_executions: int
    failed_executions: int
    error_rate: Annotated[float, Doc("failed / total × 100")]


class GraphExecutionCount(TypedDict):
    graph_id: str
    user_id: Annotated[str | None, Doc("null for marketplace monitoring")]
    execution_count: int


class AccuracyData(TypedDict):
    date: Annotated[str, Doc("YYYY-MM-DD (UTC)")]
    daily_score: float | None
    three_day_avg: float | None
    seven_day_avg: float | None
    fourteen_day_avg: float | None


class AccuracyAlert(TypedDict):
    graph_id: str
    user_id: str | None
    drop_percent: float
    three_day_avg: float
    seven_day_avg: float
    detected_at: Timestamp


class AccuracyTrends(TypedDict):
    latest_data: AccuracyData
    alert: AccuracyAlert | None
    historical_data: Annotated[list[AccuracyData] | None, Doc("newest first, when asked for")]


class UserExecutionSummaryStats(TypedDict):
    total_credits_used: Annotated[float, Doc("dollars: the stats' cost (cents) summed, / 100")]
    total_executions: int
    successful_runs: int
    failed_runs: Annotated[int, Doc("FAILED and TERMINATED")]
    most_used_agent: str
    total_execution_time: Annotated[float, Doc("the stats' walltime summed")]
    average_execution_time: Annotated[float, Doc("over the executions that have stats; 0 with none")]
    cost_breakdown: Annotated[dict[str, float], Doc("agent name → dollars")]
