"""The notifications domain: per-user batches of notification events, one batch per type."""

from daemon.domains.notifications.append import create_or_add_to_user_notification_batch
from daemon.domains.notifications.reads import (
    get_all_batches_by_type,
    get_user_notification_batch,
    get_user_notification_oldest_message_in_batch,
)
from daemon.domains.notifications.removals import (
    clear_all_user_notification_batches,
    empty_user_notification_batch,
    remove_notifications_from_batch,
)
from daemon.domains.notifications.tables import notification_batches, notification_events
from daemon.rpc.registry import Domain

DOMAIN = Domain("notifications", "notification batches: one per user and type, appended to and emptied by a sender",
                methods=(
                    create_or_add_to_user_notification_batch, get_user_notification_batch, get_all_batches_by_type,
                    get_user_notification_oldest_message_in_batch, empty_user_notification_batch,
                    remove_notifications_from_batch, clear_all_user_notification_batches,
                ),
                tables=(notification_batches, notification_events))
