"""the store: profiles, listings, their versions and reviews

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Frozen once released: a later change is a new revision, never an edit of this one.

New tables: profiles (one per user, usernames unique), store_listings (one per graph; its
active_version_id is the version last approved), store_listing_versions (the submissions, with
their review status) and store_listing_reviews (a user's score of a version).
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


def downgrade() -> None:
    raise NotImplementedError("dbmanager migrates forward only; restore a backup to go back")
