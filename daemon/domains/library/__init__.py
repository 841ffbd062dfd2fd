"""The library domain: the agents in a user's library, adding store agents, and the run permission check."""

from daemon.rpc.registry import Domain

DOMAIN = Domain("library", "a user's library of agents: listing, adding from the store, permission to run",
                methods=())
