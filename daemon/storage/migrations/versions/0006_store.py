"""the store: profiles, listings, their versions and reviews

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Frozen once released: a later change is a new revision, never an edit of this one.

New tables: profiles (one per user, usernames unique), store_listings (one per graph; its
active_version_id is the version last approved), store_listing_versions (the submissions, with
their review status) and store_listing_reviews (a user's score of a version);
content_embeddings (vectors of approved versions, for search) and full-text search over each
version's search_text (PostgreSQL: a GIN index on to_tsvector; SQLite: an FTS5 table and triggers).
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('profiles',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('links', sa.Text(), nullable=False),
    sa.Column('avatar_url', sa.Text(), nullable=True),
    sa.Column('is_featured', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('store_listings',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('owning_user_id', sa.String(length=255), nullable=False),
    sa.Column('graph_id', sa.String(length=255), nullable=False),
    sa.Column('graph_version', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=255), nullable=False),
    sa.Column('active_version_id', sa.String(length=255), nullable=True),
    sa.Column('has_approved_version', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('use_for_onboarding', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['owning_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('active_version_id'),
    sa.UniqueConstraint('graph_id'),
    sa.UniqueConstraint('owning_user_id', 'slug', name='uq_store_listings_owner_slug')
    )
    with op.batch_alter_table('store_listings', schema=None) as batch_op:
        batch_op.create_index('ix_store_listings_live', ['is_deleted', 'has_approved_version'], unique=False)

    op.create_table('store_listing_versions',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('store_listing_id', sa.String(length=255), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('graph_id', sa.String(length=255), nullable=False),
    sa.Column('graph_version', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('sub_heading', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=True),
    sa.Column('categories', sa.Text(), nullable=False),
    sa.Column('image_urls', sa.Text(), nullable=False),
    sa.Column('video_url', sa.Text(), nullable=True),
    sa.Column('agent_output_demo_url', sa.Text(), nullable=True),
    sa.Column('recommended_schedule_cron', sa.Text(), nullable=True),
    sa.Column('is_featured', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('is_available', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('submission_status', sa.String(length=255), nullable=False),
    sa.Column('changes_summary', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.String(length=32), nullable=True),
    sa.Column('reviewer_id', sa.String(length=255), nullable=True),
    sa.Column('review_comments', sa.Text(), nullable=True),
    sa.Column('internal_comments', sa.Text(), nullable=True),
    sa.Column('reviewed_at', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('search_text', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['store_listing_id'], ['store_listings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('store_listing_id', 'version', name='uq_store_listing_versions_listing_version')
    )
    with op.batch_alter_table('store_listing_versions', schema=None) as batch_op:
        batch_op.create_index('ix_store_listing_versions_graph', ['graph_id', 'graph_version'], unique=False)
        batch_op.create_index('ix_store_listing_versions_status', ['submission_status'], unique=False)

    op.create_table('store_listing_reviews',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('store_listing_version_id', sa.String(length=255), nullable=False),
    sa.Column('review_by_user_id', sa.String(length=255), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['review_by_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['store_listing_version_id'], ['store_listing_versions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('store_listing_version_id', 'review_by_user_id', name='uq_store_listing_reviews_version_user')
    )

    op.create_table('content_embeddings',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=False),
    sa.Column('content_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), server_default='', nullable=False),
    sa.Column('embedding', sa.LargeBinary(), nullable=False),
    sa.Column('dimensions', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=255), nullable=False),
    sa.Column('searchable_text', sa.Text(), nullable=False),
    sa.Column('metadata', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('content_type', 'content_id', 'user_id', name='uq_content_embeddings_content')
    )
    with op.batch_alter_table('content_embeddings', schema=None) as batch_op:
        batch_op.create_index('ix_content_embeddings_type_user', ['content_type', 'user_id'], unique=False)
        batch_op.create_index('ix_content_embeddings_updated', ['updated_at'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_store_listing_versions_search ON store_listing_versions "
                   "USING gin (to_tsvector('english', search_text))")
    else:
        _sqlite_full_text()


def _sqlite_full_text() -> None:
    """An FTS5 table over store_listing_versions.search_text (external content: it keeps only the
    index), kept by triggers; porter stemming comes closest to PostgreSQL's 'english'."""
    op.execute("CREATE VIRTUAL TABLE store_search_fts USING fts5(search_text, content='store_listing_versions', "
               "content_rowid='rowid', tokenize='porter unicode61')")
    op.execute("CREATE TRIGGER store_search_fts_insert AFTER INSERT ON store_listing_versions BEGIN "
               "INSERT INTO store_search_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END")
    op.execute("CREATE TRIGGER store_search_fts_delete AFTER DELETE ON store_listing_versions BEGIN "
               "INSERT INTO store_search_fts(store_search_fts, rowid, search_text) "
               "VALUES ('delete', old.rowid, old.search_text); END")
    op.execute("CREATE TRIGGER store_search_fts_update AFTER UPDATE OF search_text ON store_listing_versions BEGIN "
               "INSERT INTO store_search_fts(store_search_fts, rowid, search_text) "
               "VALUES ('delete', old.rowid, old.search_text); "
               "INSERT INTO store_search_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END")


def downgrade() -> None:
    raise NotImplementedError("dbmanager migrates forward only; restore a backup to go back")
