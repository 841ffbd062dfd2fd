"""The graphs domain's params and results: the seed's DTOs (SEED_MODEL.md §2), less the fields
that need its block registry (API.md)."""

from __future__ import annotations

from typing import Annotated, Required, TypedDict

from daemon.constants import MAX_JSON_DEPTH
from daemon.domains.types import JsonObject, Name, Timestamp
from daemon.rpc.schema import Doc, JsonSize, Len, Range

GraphId = Annotated[str, Len(1, 255), Doc("the graph's id")]
NodeId = Annotated[str, Len(1, 255), Doc("the node's id (unique across every graph and version)")]
GraphVersion = Annotated[int, Range(1, 2**31 - 1), Doc("the graph's version, from 1")]
PinName = Annotated[str, Len(1, 255), Doc("a pin (input or output) name of the node")]
# Any object the request can carry; the depth bound is what a response can still write
# (the request's size, DBM_MAX_BODY_BYTES, is the real bound on its bytes)
NodeJson = Annotated[JsonObject, JsonSize(2**31 - 1, MAX_JSON_DEPTH)]


class Link(TypedDict):
    id: str
    source_id: str
    sink_id: str
    source_name: str
    sink_name: str
    is_static: bool


class Node(TypedDict):
    id: str
    block_id: str
    input_default: JsonObject
    metadata: JsonObject
    input_links: list[Link]
    output_links: list[Link]
    graph_id: str
    graph_version: int
    webhook_id: str | None
    webhook: Annotated[JsonObject | None, Doc("always null: webhooks are not stored here")]


class Graph(TypedDict):
    id: str
    version: int
    is_active: bool
    name: Annotated[str, Doc("empty when not set, as the seed gives it")]
    description: Annotated[str, Doc("empty when not set, as the seed gives it")]
    instructions: str | None
    recommended_schedule_cron: str | None
    nodes: Annotated[list[Node], Doc("in the order create_graph was given them")]
    links: Annotated[list[Link], Doc("every link of the graph's nodes, in the order they were given")]
    forked_from_id: str | None
    forked_from_version: int | None
    sub_graphs: Annotated[list[JsonObject], Doc("Graph objects: the graphs AgentExecutorBlock nodes run, when asked "
                                                "for")]
    user_id: Annotated[str, Doc("the owner; empty for_export")]
    created_at: Timestamp


class GraphMeta(TypedDict):
    id: str
    name: Annotated[str, Doc("empty when not set")]
    description: Annotated[str, Doc("empty when not set")]
    version: int
    is_active: bool


class GraphSettings(TypedDict):
    human_in_the_loop_safe_mode: bool
    sensitive_action_safe_mode: bool


# create_graph's `graph` param (API.md)
class NewNode(TypedDict, total=False):
    id: Annotated[Name, Doc("kept when new; replaced by a new id when already used (links follow it)")]
    block_id: Required[Annotated[Name, Doc("any string")]]
    input_default: Annotated[NodeJson, Doc("the node's input defaults; default {}")]
    metadata: Annotated[NodeJson, Doc("default {}")]


class NewLink(TypedDict, total=False):
    source_id: Required[Annotated[Name, Doc("the id of a node of this graph, as given in `nodes`")]]
    sink_id: Required[Annotated[Name, Doc("the id of a node of this graph, as given in `nodes`")]]
    source_name: Required[PinName]
    sink_name: Required[PinName]
    is_static: Annotated[bool, Doc("default false")]


class NewGraph(TypedDict, total=False):
    id: Annotated[Name, Doc("a new id makes version 1, the id of one's own graph its next version; default: generated")]
    name: str | None
    description: str | None
    instructions: str | None
    recommended_schedule_cron: str | None
    forked_from_id: Name | None
    forked_from_version: GraphVersion | None
    nodes: Required[list[NewNode]]
    links: Required[list[NewLink]]


class SettingsUpdate(TypedDict, total=False):
    human_in_the_loop_safe_mode: bool
    sensitive_action_safe_mode: bool


