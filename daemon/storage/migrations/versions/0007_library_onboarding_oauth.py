"""the library's columns, onboarding, the OAuth grant tables, and the analytics index

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Frozen once released: a later change is a new revision, never an edit of this one.

library_agents gains image_url, is_favorite and is_created_by_user (true for the rows create_graph
made so far: they are their owners' own graphs). New tables: user_onboarding (runs, streak, steps
rewarded), and oauth_authorization_codes / oauth_access_tokens / oauth_refresh_tokens (SHA-256
digests, indexed on expires_at for the cleanup). graph_executions gets (graph_id, created_at) for the
per-graph analytics. transactions.transaction_key widens to 320 characters: generated keys
(REWARD-{user_id}-{step}) may pass 255; on PostgreSQL widening a varchar rewrites nothing.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oauth_access_tokens',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('application_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_oauth_access_tokens_expires_at', ['expires_at'], unique=False)

    op.create_table('oauth_authorization_codes',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('application_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.String(length=32), nullable=False),
    sa.Column('used_at', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    with op.batch_alter_table('oauth_authorization_codes', schema=None) as batch_op:
        batch_op.create_index('ix_oauth_authorization_codes_expires_at', ['expires_at'], unique=False)

    op.create_table('oauth_refresh_tokens',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('application_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    with op.batch_alter_table('oauth_refresh_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_oauth_refresh_tokens_expires_at', ['expires_at'], unique=False)

    op.create_table('user_onboarding',
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('completed_steps', sa.Text(), server_default='[]', nullable=False),
    sa.Column('rewarded_for', sa.Text(), server_default='[]', nullable=False),
    sa.Column('agent_runs', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_run_at', sa.String(length=32), nullable=True),
    sa.Column('consecutive_run_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    with op.batch_alter_table('graph_executions', schema=None) as batch_op:
        batch_op.create_index('ix_graph_executions_graph_created', ['graph_id', 'created_at'], unique=False)

    with op.batch_alter_table('library_agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('is_favorite', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('is_created_by_user', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.alter_column('transaction_key',
               existing_type=sa.VARCHAR(length=255),
               type_=sa.String(length=320),
               existing_nullable=False)


def downgrade() -> None:
    raise NotImplementedError("dbmanager migrates forward only; restore a backup to go back")
