"""The integrations domain's table: the encryption keys a database has seen. The integrations
themselves are a column of users (users.integrations), encrypted."""

from sqlalchemy import Column, String, Table

from daemon.storage.metadata import Timestamp, metadata

# The fingerprint of each key that has encrypted something here: a daemon none of whose keys is
# recorded (another key file) would write rows the others cannot read, so it refuses to start.
encryption_keys = Table(
    "encryption_keys", metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("created_at", Timestamp, nullable=False),
)
