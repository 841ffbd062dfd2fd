"""The library domain: the agents in a user's library, adding store agents, and the run
permission check. Its table, library_agents, is the graphs domain's (create_graph keeps the
owner's entry); revision 0007 added the columns this domain reads."""

from daemon.domains.library.methods import (
    add_store_agent_to_library,
    list_library_agents,
    validate_graph_execution_permissions,
)
from daemon.rpc.registry import Domain

DOMAIN = Domain("library", "a user's library of agents: listing, adding from the store, permission to run",
                methods=(list_library_agents, add_store_agent_to_library, validate_graph_execution_permissions))
