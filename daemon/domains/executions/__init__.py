"""The executions domain: graph and node executions, their inputs and outputs, KV data, and
the execution events their status changes make."""

from daemon.domains.executions.graph_executions import (
    create_graph_execution,
    get_child_graph_executions,
    get_graph_execution,
    get_graph_execution_meta,
    get_graph_executions,
    get_graph_executions_count,
    update_graph_execution_start_time,
    update_graph_execution_stats,
)
from daemon.domains.executions.kv import get_execution_kv_data, set_execution_kv_data
from daemon.domains.executions.node_executions import (
    get_latest_node_execution,
    get_node_execution,
    get_node_executions,
    update_node_execution_status,
    update_node_execution_status_batch,
)
from daemon.domains.executions.pins import (
    get_execution_outputs_by_node_exec_id,
    upsert_execution_input,
    upsert_execution_output,
)
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
    methods=(
        create_graph_execution, get_graph_execution, get_graph_execution_meta, get_graph_executions,
        get_graph_executions_count, get_child_graph_executions, update_graph_execution_start_time,
        update_graph_execution_stats,
        get_node_execution, get_node_executions, get_latest_node_execution, update_node_execution_status,
        update_node_execution_status_batch,
        upsert_execution_input, upsert_execution_output, get_execution_outputs_by_node_exec_id,
        get_execution_kv_data, set_execution_kv_data,
    ),
    tables=(graph_executions, node_executions, node_execution_io, execution_kv, events_outbox),
)
