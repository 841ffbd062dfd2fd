"""A graph `for_export` (the seed's GraphModel.from_db(for_export) and NodeModel.stripped_for_export),
less what needs the block registry:

- `user_id` is blanked; links stay as they are;
- in each node's `input_default`, at any depth of nested objects, a key whose lower-cased name
  contains `credentials`, `api_key`, `password`, `token` or `secret` is dropped, unless its value is
  a boolean (the `secret` flag of an input node). The seed also drops the fields its block schema
  marks secret: with no registry here, the names are all there is to go by;
- an AgentInputBlock node flagged `"secret": true` loses its `value` (the seed does this for
  every input block type; only the base AgentInputBlock's id is known here);
- `webhook_id` and `webhook` are null.
Sub-graphs are stripped the same way.
"""

from __future__ import annotations

from typing import Any, cast

from daemon.domains.graphs.tables import AGENT_INPUT_BLOCK
from daemon.domains.graphs.types import Graph, Node

SENSITIVE_KEY_PARTS = ("credentials", "api_key", "password", "token", "secret")


def for_export(graph: Graph) -> Graph:
    return {**graph, "user_id": "", "nodes": [_stripped(node) for node in graph["nodes"]],
            "sub_graphs": [dict(for_export(cast(Graph, sub))) for sub in graph["sub_graphs"]]}


def _stripped(node: Node) -> Node:
    inputs = _without_secrets(node["input_default"])
    if node["block_id"] == AGENT_INPUT_BLOCK and inputs.get("secret") is True:
        inputs.pop("value", None)
    return {**node, "input_default": inputs, "webhook_id": None, "webhook": None}


def _without_secrets(values: dict[str, Any]) -> dict[str, Any]:
    kept = {}
    for key, value in values.items():
        if type(value) is not bool and any(part in key.lower() for part in SENSITIVE_KEY_PARTS):
            continue
        kept[key] = _without_secrets(value) if isinstance(value, dict) else value
    return kept
