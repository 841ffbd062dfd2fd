"""The store: creators' profiles, listings of their graphs, each listing's submitted versions and
the reviews users leave on them. The seed's StoreAgent view is a query over these (see queries in
this package), run counts and ratings computed when read."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, LargeBinary, Table, Text, UniqueConstraint, false, true

from daemon.storage.metadata import Name, Timestamp, metadata

# A creator's public face: one per user, its username unique across the store
profiles = Table(
    "profiles", metadata,
    Column("id", Name, primary_key=True),
    Column("user_id", Name, ForeignKey("users.id"), nullable=False, unique=True),
    Column("username", Name, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("links", Text, nullable=False),  # JSON list of strings
    Column("avatar_url", Text, nullable=True),
    Column("is_featured", Boolean, nullable=False, server_default=false()),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

# One listing per graph; its versions are the submissions. active_version_id points at the
# version last approved (no foreign key: the two tables point at each other)
store_listings = Table(
    "store_listings", metadata,
    Column("id", Name, primary_key=True),
    Column("owning_user_id", Name, ForeignKey("users.id"), nullable=False),
    Column("graph_id", Name, nullable=False, unique=True),
    Column("graph_version", Integer, nullable=False),  # the newest version submitted
    Column("slug", Name, nullable=False),
    Column("active_version_id", Name, nullable=True, unique=True),
    Column("has_approved_version", Boolean, nullable=False, server_default=false()),
    Column("use_for_onboarding", Boolean, nullable=False, server_default=false()),
    Column("is_deleted", Boolean, nullable=False, server_default=false()),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("owning_user_id", "slug", name="uq_store_listings_owner_slug"),
    Index("ix_store_listings_live", "is_deleted", "has_approved_version"),
)

# SubmissionStatus: DRAFT, PENDING, APPROVED, REJECTED
store_listing_versions = Table(
    "store_listing_versions", metadata,
    Column("id", Name, primary_key=True),
    Column("store_listing_id", Name, ForeignKey("store_listings.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("graph_id", Name, nullable=False),
    Column("graph_version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("sub_heading", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("instructions", Text, nullable=True),
    Column("categories", Text, nullable=False),  # JSON list of strings
    Column("image_urls", Text, nullable=False),  # JSON list of strings
    Column("video_url", Text, nullable=True),
    Column("agent_output_demo_url", Text, nullable=True),
    Column("recommended_schedule_cron", Text, nullable=True),
    Column("is_featured", Boolean, nullable=False, server_default=false()),
    Column("is_available", Boolean, nullable=False, server_default=true()),
    Column("is_deleted", Boolean, nullable=False, server_default=false()),
    Column("submission_status", Name, nullable=False),
    Column("changes_summary", Text, nullable=True),
    Column("submitted_at", Timestamp, nullable=True),
    Column("reviewer_id", Name, nullable=True),
    Column("review_comments", Text, nullable=True),
    Column("internal_comments", Text, nullable=True),
    Column("reviewed_at", Timestamp, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    # what the version is found by (name, sub-heading, description, categories): the text that is
    # embedded, and that full-text search indexes (to_tsvector on PostgreSQL, FTS5 on SQLite)
    Column("search_text", Text, nullable=False, server_default=""),
    UniqueConstraint("store_listing_id", "version", name="uq_store_listing_versions_listing_version"),
    Index("ix_store_listing_versions_graph", "graph_id", "graph_version"),
    Index("ix_store_listing_versions_status", "submission_status"),
)

# A user's score (1–5) of a listing version: one per user and version
store_listing_reviews = Table(
    "store_listing_reviews", metadata,
    Column("id", Name, primary_key=True),
    Column("store_listing_version_id", Name, ForeignKey("store_listing_versions.id"), nullable=False),
    Column("review_by_user_id", Name, ForeignKey("users.id"), nullable=False),
    Column("score", Integer, nullable=False),
    Column("comments", Text, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("store_listing_version_id", "review_by_user_id", name="uq_store_listing_reviews_version_user"),
)

# The seed's UnifiedContentEmbedding: one vector per (content type, content id, user). Only
# STORE_AGENT rows exist here (content_id: a listing version's id). user_id '' is public (the
# seed's NULL): a plain unique key then treats public rows as equal on both databases. The vector
# is float32 bytes, its dimension and the model that made it beside it (no pgvector here: cosine
# is computed in numpy, embedding/vectors.py).
content_embeddings = Table(
    "content_embeddings", metadata,
    Column("id", Name, primary_key=True),
    Column("content_type", Name, nullable=False),
    Column("content_id", Name, nullable=False),
    Column("user_id", Name, nullable=False, server_default=""),
    Column("embedding", LargeBinary, nullable=False),
    Column("dimensions", Integer, nullable=False),
    Column("model", Name, nullable=False),
    Column("searchable_text", Text, nullable=False),
    Column("metadata", Text, nullable=False),  # JSON object: {name, categories, sub_heading}
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("content_type", "content_id", "user_id", name="uq_content_embeddings_content"),
    Index("ix_content_embeddings_type_user", "content_type", "user_id"),
    Index("ix_content_embeddings_updated", "updated_at"),
)

# Full-text search over store_listing_versions.search_text, made by revision 0006 outside these
# tables (SQLAlchemy models neither): on PostgreSQL a GIN index on to_tsvector('english', …), on
# SQLite an FTS5 table kept by triggers. Alembic's comparison leaves them out by these names.
SEARCH_INDEX = "ix_store_listing_versions_search"
SEARCH_FTS = "store_search_fts"
