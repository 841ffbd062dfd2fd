"""The reviews domain: human review of node executions (human in the loop), and auto-approvals."""

from daemon.domains.reviews.decisions import review_human_review
from daemon.domains.reviews.pending import (
    cancel_pending_reviews_for_execution,
    check_approval,
    get_or_create_human_review,
    has_pending_reviews_for_graph_exec,
    update_review_processed_status,
)
from daemon.domains.reviews.tables import human_reviews
from daemon.rpc.registry import Domain

DOMAIN = Domain("reviews", "human review: a node execution waits for a person to approve or reject its data",
                methods=(get_or_create_human_review, check_approval, has_pending_reviews_for_graph_exec,
                         cancel_pending_reviews_for_execution, update_review_processed_status, review_human_review),
                tables=(human_reviews,))
