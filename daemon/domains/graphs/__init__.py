"""The graphs domain: versioned agent graphs, their nodes and links, and their settings."""

from daemon.domains.graphs.tables import graph_links, graph_nodes, graphs, library_agents
from daemon.rpc.registry import Domain

DOMAIN = Domain(
    "graphs", "agent graphs: versions, nodes, links, sub-graphs and settings",
    methods=(),
    tables=(graphs, graph_nodes, graph_links, library_agents),
)
