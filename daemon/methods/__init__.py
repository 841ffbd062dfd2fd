"""One module per domain; importing this package registers every method."""

from daemon.methods import credits, system, users  # noqa: F401
