"""The executions domain's params and results: the seed's DTOs (SEED_MODEL.md §1)."""

from typing import Annotated, Any, Literal, TypedDict

from daemon.domains.types import DateTime, JsonObject, Timestamp
from daemon.rpc.schema import Doc, JsonSize, Len, Range

# A JSON value in params is bounded only by the request's size (API.md); JsonSize also refuses
# what could not be written back (nesting past MAX_JSON_DEPTH, integers past 64 bits).
MAX_JSON_VALUE_BYTES = 64 * 1024 * 1024

ExecutionStatus = Literal["INCOMPLETE", "QUEUED", "RUNNING", "COMPLETED", "TERMINATED", "FAILED", "REVIEW"]
GraphExecId = Annotated[str, Len(1, 255), Doc("the graph execution's id")]
NodeExecId = Annotated[str, Len(1, 255), Doc("the node execution's id")]
Limit = Annotated[int, Range(1, 1000), Doc("at most this many (the seed caps node lists at 1000)")]
Json = Annotated[Any, Doc("any JSON value")]
TargetStatus = Annotated[
    Literal["QUEUED", "RUNNING", "COMPLETED", "TERMINATED", "FAILED", "REVIEW"],
    Doc("the status to move to; INCOMPLETE is never a target"),
]

# in params
JsonValue = Annotated[Any, JsonSize(MAX_JSON_VALUE_BYTES), Doc("any JSON value")]
JsonParamObject = Annotated[JsonObject, JsonSize(MAX_JSON_VALUE_BYTES), Doc("a JSON object")]
PinName = Annotated[str, Len(1, 255), Doc("the name of a node's input or output pin")]
KvKey = Annotated[str, Len(1, 255), Doc("the key, per user")]
GraphExecLimit = Annotated[int, Range(1, 2**31 - 1), Doc("at most this many; default: all")]
Since = Annotated[DateTime, Doc("created at or after this moment")]
Until = Annotated[DateTime, Doc("created at or before this moment")]
StartingNodesInput = Annotated[
    list[list[Any]], JsonSize(MAX_JSON_VALUE_BYTES),
    Doc("[[node_id, {input name: value}], …]: the nodes to queue first, each with its inputs"),
]


class GraphExecutionMeta(TypedDict):
    id: str
    user_id: str
    graph_id: str
    graph_version: int
    inputs: Json
    credential_inputs: Json
    nodes_input_masks: Json
    preset_id: str | None
    status: ExecutionStatus
    started_at: Timestamp | None
    ended_at: Timestamp | None
    is_shared: bool
    share_token: str | None
    stats: Annotated[Json, Doc("as last stored, or null")]


class NodeExecutionResult(TypedDict):
    user_id: str
    graph_id: Annotated[str, Doc("empty unless the graph execution was read with it")]
    graph_version: int
    graph_exec_id: str
    node_exec_id: str
    node_id: str
    block_id: Annotated[str, Doc("empty unless the node was read with it")]
    status: ExecutionStatus
    input_data: Annotated[JsonObject, Doc("name -> value")]
    output_data: Annotated[dict[str, list[Any]], Doc("name -> every value output on it, oldest first")]
    add_time: Timestamp
    queue_time: Timestamp | None
    start_time: Timestamp | None
    end_time: Timestamp | None


class GraphExecution(GraphExecutionMeta):
    # inputs (from the Meta) are the stored ones, else gathered from AgentInputBlock nodes
    outputs: Annotated[dict[str, list[Any]], Doc("AgentOutputBlock name -> values")]


class GraphExecutionWithNodes(GraphExecution):
    node_executions: list[NodeExecutionResult]


# The seed's (NodeExecutionResult, inputs): a JSON array of the two (API.md: a seed tuple is an array)
UpsertedInput = tuple[
    Annotated[NodeExecutionResult, Doc("the node execution as it was before this input (block_id empty, as the seed's)")],
    Annotated[JsonObject, Doc("the node execution's inputs, the new one included")],
]


class GraphExecutionMaybeWithNodes(GraphExecution, total=False):
    node_executions: Annotated[list[NodeExecutionResult], Doc("only when include_node_executions")]
