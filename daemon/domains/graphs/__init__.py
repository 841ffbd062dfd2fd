"""The graphs domain: versioned agent graphs, their nodes and links, and their settings."""

from daemon.domains.graphs.methods import (
    create_graph,
    get_connected_output_nodes,
    get_graph,
    get_graph_metadata,
    get_graph_settings,
    get_node,
    update_graph_settings,
)
from daemon.domains.graphs.tables import graph_links, graph_nodes, graphs, library_agents
from daemon.rpc.registry import Domain

DOMAIN = Domain(
    "graphs", "agent graphs: versions, nodes, links, sub-graphs and settings",
    methods=(create_graph, get_graph, get_graph_metadata, get_graph_settings, update_graph_settings, get_node,
             get_connected_output_nodes),
    tables=(graphs, graph_nodes, graph_links, library_agents),
)
