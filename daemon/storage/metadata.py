"""The one SQLAlchemy MetaData every domain's tables join, and the column types they share.

Each domain defines its tables in its own `tables.py`; Alembic (`storage/migrations/`) compares
this metadata, with every domain imported, against the database.
"""

from sqlalchemy import BigInteger, Integer, MetaData, String

metadata = MetaData()

# SQLite makes only an INTEGER PRIMARY KEY an auto-incrementing rowid
Id = BigInteger().with_variant(Integer, "sqlite")

# Timestamps are RFC 3339 text in UTC with microseconds (2026-11-28T13:52:10.123456Z): the same on
# both databases, sortable as text, and already the shape the API returns.
Timestamp = String(32)

# Names of things (user ids, transaction keys): the README's 1–255 characters
Name = String(255)
