"""The analytics domain: set-based reports over executions, and a user's execution summary."""

from daemon.domains.analytics.methods import (
    get_accuracy_trends_and_alerts,
    get_block_error_stats,
    get_frequently_executed_graphs,
    get_marketplace_graphs_for_monitoring,
    get_user_execution_summary_data,
)
from daemon.rpc.registry import Domain

DOMAIN = Domain("analytics", "reports over executions: block errors, frequent graphs, accuracy trends, "
                "marketplace monitoring, and a user's execution summary",
                methods=(get_block_error_stats, get_frequently_executed_graphs, get_accuracy_trends_and_alerts,
                         get_marketplace_graphs_for_monitoring, get_user_execution_summary_data))
