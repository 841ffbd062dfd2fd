"""users grow the seed's fields; encryption keys, notification batches, human reviews

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Frozen once released: a later change is a new revision, never an edit of this one.

Users gain the seed's fields (email_verified, updated_at, integrations as a Fernet token,
stripe_customer_id, top_up_config, max_emails_per_day, timezone and ten notify_on_* flags),
existing rows taking the seed's defaults. New tables: encryption_keys (the fingerprints of the
keys that encrypted integrations here), notification_batches and notification_events (one batch
per user and type), human_reviews (HITL reviews and auto-approvals).
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('encryption_keys',
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('fingerprint')
    )
    op.create_table('notification_batches',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'type', name='uq_notification_batches_user_type')
    )
    op.create_table('human_reviews',
    sa.Column('node_exec_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('graph_exec_id', sa.String(length=255), nullable=False),
    sa.Column('graph_id', sa.String(length=255), nullable=False),
    sa.Column('graph_version', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=True),
    sa.Column('editable', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_message', sa.Text(), nullable=True),
    sa.Column('was_edited', sa.Boolean(), nullable=True),
    sa.Column('processed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=True),
    sa.Column('reviewed_at', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['graph_exec_id'], ['graph_executions.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('node_exec_id')
    )
    with op.batch_alter_table('human_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_human_reviews_graph_exec_status', ['graph_exec_id', 'status'], unique=False)
        batch_op.create_index('ix_human_reviews_user_status', ['user_id', 'status'], unique=False)

    op.create_table('notification_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('batch_id', sa.String(length=255), nullable=True),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['notification_batches.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification_events', schema=None) as batch_op:
        batch_op.create_index('ix_notification_events_batch_id', ['batch_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('integrations', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('stripe_customer_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('top_up_config', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('max_emails_per_day', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='not-set', nullable=False))
        batch_op.add_column(sa.Column('notify_on_agent_run', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_zero_balance', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_low_balance', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_block_execution_failed', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_continuous_agent_error', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_daily_summary', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_weekly_summary', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_monthly_summary', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_agent_approved', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_on_agent_rejected', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade() -> None:
    raise NotImplementedError("dbmanager migrates forward only; restore a backup to go back")
