"""The system domain: is the daemon up, and what does it serve."""

from daemon.domains.system.methods import discover, ping
from daemon.rpc.registry import Domain

DOMAIN = Domain("system", "the daemon itself", methods=(ping, discover))
