"""Alembic's environment: run by `daemon.storage.migrate` on a connection it already holds,
inside the transaction that holds the migration lock. Never run `alembic` against a live
database by hand; `dbmanager migrate` is the way in."""

from alembic import context

from daemon.domains import compared, schema

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=schema(),
    render_as_batch=True,  # SQLite cannot ALTER most things: autogenerate writes batch operations
    compare_type=True,
    include_object=compared,  # leaves out what the tables cannot declare (full-text search objects)
)
with context.begin_transaction():  # inside the caller's transaction: all of it commits, or none
    context.run_migrations()
