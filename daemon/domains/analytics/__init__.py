"""The analytics domain: set-based reports over executions, and a user's execution summary."""

from daemon.rpc.registry import Domain

DOMAIN = Domain("analytics", "reports over executions: block errors, frequent graphs, accuracy trends, "
                "marketplace monitoring, and a user's execution summary", methods=())
