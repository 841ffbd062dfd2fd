"""The notifications domain: per-user batches of notification events, one batch per type."""

from daemon.domains.notifications.tables import notification_batches, notification_events
from daemon.rpc.registry import Domain

DOMAIN = Domain("notifications", "notification batches: one per user and type, appended to and emptied by a sender",
                methods=(), tables=(notification_batches, notification_events))
