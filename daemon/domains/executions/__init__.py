"""The executions domain: graph and node executions, their inputs and outputs, KV data, and
the execution events their status changes make."""

from daemon.domains.executions.tables import (
    events_outbox,
    execution_kv,
    graph_executions,
    node_execution_io,
    node_executions,
)
from daemon.rpc.registry import Domain

DOMAIN = Domain(
    "executions", "graph and node executions: create, queue, run, record inputs and outputs, read back",
    methods=(),
    tables=(graph_executions, node_executions, node_execution_io, execution_kv, events_outbox),
)
