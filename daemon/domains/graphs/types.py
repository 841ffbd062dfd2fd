"""The graphs domain's params and results: the seed's DTOs (SEED_MODEL.md §2), less the fields
that need its block registry (API.md)."""

from __future__ import annotations

from typing import Annotated, TypedDict

from daemon.domains.types import JsonObject, Name, Timestamp
from daemon.rpc.schema import Doc, Len, Range

GraphId = Annotated[str, Len(1, 255), Doc("the graph's id")]
NodeId = Annotated[str, Len(1, 255), Doc("the node's id (unique across every graph and version)")]
GraphVersion = Annotated[int, Range(1, 2**31 - 1), Doc("the graph's version, from 1")]


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
    name: str | None
    description: str | None
    instructions: str | None
    recommended_schedule_cron: str | None
    nodes: list[Node]
    links: Annotated[list[Link], Doc("every link of the graph's nodes")]
    forked_from_id: str | None
    forked_from_version: int | None
    sub_graphs: Annotated[list[JsonObject], Doc("Graph objects: the graphs AgentExecutorBlock nodes run, when asked "
                                                "for")]
    user_id: Annotated[str, Doc("the owner; empty for_export")]
    created_at: Timestamp


class GraphMeta(TypedDict):
    id: str
    name: str | None
    description: str | None
    version: int
    is_active: bool


class GraphSettings(TypedDict):
    human_in_the_loop_safe_mode: bool
    sensitive_action_safe_mode: bool


# create_graph's `graph` param (API.md)
class NewNode(TypedDict, total=False):
    id: Annotated[Name, Doc("kept when new; replaced when already used")]
    block_id: Name
    input_default: JsonObject
    metadata: JsonObject


class NewLink(TypedDict, total=False):
    source_id: Name
    sink_id: Name
    source_name: str
    sink_name: str
    is_static: bool


class NewGraph(TypedDict, total=False):
    id: Name
    name: str | None
    description: str | None
    instructions: str | None
    recommended_schedule_cron: str | None
    forked_from_id: str | None
    forked_from_version: int | None
    nodes: list[NewNode]
    links: list[NewLink]


class SettingsUpdate(TypedDict, total=False):
    human_in_the_loop_safe_mode: bool
    sensitive_action_safe_mode: bool


