"""The reviews domain: human review of node executions (human in the loop), and auto-approvals."""

from daemon.domains.reviews.tables import human_reviews
from daemon.rpc.registry import Domain

DOMAIN = Domain("reviews", "human review: a node execution waits for a person to approve or reject its data",
                methods=(), tables=(human_reviews,))
