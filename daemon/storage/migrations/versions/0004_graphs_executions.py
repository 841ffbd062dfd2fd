"""graphs and executions: their tables, pin values, KV data and the events outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Frozen once released: a later change is a new revision, never an edit of this one.

Graphs (one row per version), their nodes and links, and the owner's library entry; graph and
node executions, the values on their pins, per-user KV data, and events_outbox, the execution
event stream's outbox (AUTOINCREMENT on SQLite: an event_id is never handed out twice).
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events_outbox',
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('graph_exec_id', sa.String(length=255), nullable=False),
    sa.Column('node_exec_id', sa.String(length=255), nullable=False),
    sa.Column('node_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('graph_id', sa.String(length=255), nullable=False),
    sa.Column('graph_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('event_id'),
    sqlite_autoincrement=True
    )
    op.create_table('execution_kv',
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('node_exec_id', sa.String(length=255), nullable=False),
    sa.Column('data', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'key')
    )
    op.create_table('graph_executions',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('graph_id', sa.String(length=255), nullable=False),
    sa.Column('graph_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=True),
    sa.Column('started_at', sa.String(length=32), nullable=True),
    sa.Column('ended_at', sa.String(length=32), nullable=True),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('preset_id', sa.String(length=255), nullable=True),
    sa.Column('inputs', sa.Text(), nullable=True),
    sa.Column('credential_inputs', sa.Text(), nullable=True),
    sa.Column('nodes_input_masks', sa.Text(), nullable=True),
    sa.Column('stats', sa.Text(), nullable=True),
    sa.Column('parent_graph_execution_id', sa.String(length=255), nullable=True),
    sa.Column('is_shared', sa.Boolean(), nullable=False),
    sa.Column('share_token', sa.String(length=255), nullable=True),
    sa.Column('shared_at', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('share_token')
    )
    with op.batch_alter_table('graph_executions', schema=None) as batch_op:
        batch_op.create_index('ix_graph_executions_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_graph_executions_graph', ['graph_id', 'graph_version'], unique=False)
        batch_op.create_index('ix_graph_executions_parent', ['parent_graph_execution_id'], unique=False)
        batch_op.create_index('ix_graph_executions_user_deleted_created', ['user_id', 'is_deleted', 'created_at'], unique=False)

    op.create_table('graphs',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('instructions', sa.Text(), nullable=True),
    sa.Column('recommended_schedule_cron', sa.Text(), nullable=True),
    sa.Column('forked_from_id', sa.String(length=255), nullable=True),
    sa.Column('forked_from_version', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id', 'version')
    )
    with op.batch_alter_table('graphs', schema=None) as batch_op:
        batch_op.create_index('ix_graphs_forked_from', ['forked_from_id', 'forked_from_version'], unique=False)
        batch_op.create_index('ix_graphs_user_id_id_version', ['user_id', 'id', 'version'], unique=False)

    op.create_table('library_agents',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('graph_id', sa.String(length=255), nullable=False),
    sa.Column('graph_version', sa.Integer(), nullable=False),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('is_archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'graph_id', name='uq_library_agents_user_graph')
    )
    op.create_table('graph_nodes',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('graph_id', sa.String(length=255), nullable=False),
    sa.Column('graph_version', sa.Integer(), nullable=False),
    sa.Column('block_id', sa.String(length=255), nullable=False),
    sa.Column('input_default', sa.Text(), nullable=False),
    sa.Column('metadata', sa.Text(), nullable=False),
    sa.Column('webhook_id', sa.String(length=255), nullable=True),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['graph_id', 'graph_version'], ['graphs.id', 'graphs.version'], name='fk_graph_nodes_graph'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('graph_nodes', schema=None) as batch_op:
        batch_op.create_index('ix_graph_nodes_block_id', ['block_id'], unique=False)
        batch_op.create_index('ix_graph_nodes_graph', ['graph_id', 'graph_version'], unique=False)

    op.create_table('graph_links',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('source_id', sa.String(length=255), nullable=False),
    sa.Column('sink_id', sa.String(length=255), nullable=False),
    sa.Column('source_name', sa.Text(), nullable=False),
    sa.Column('sink_name', sa.Text(), nullable=False),
    sa.Column('is_static', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['sink_id'], ['graph_nodes.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['graph_nodes.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('graph_links', schema=None) as batch_op:
        batch_op.create_index('ix_graph_links_sink_id', ['sink_id'], unique=False)
        batch_op.create_index('ix_graph_links_source_id', ['source_id'], unique=False)

    op.create_table('node_executions',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('graph_exec_id', sa.String(length=255), nullable=False),
    sa.Column('node_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('execution_data', sa.Text(), nullable=True),
    sa.Column('stats', sa.Text(), nullable=True),
    sa.Column('added_time', sa.String(length=32), nullable=False),
    sa.Column('queued_time', sa.String(length=32), nullable=True),
    sa.Column('started_time', sa.String(length=32), nullable=True),
    sa.Column('ended_time', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['graph_exec_id'], ['graph_executions.id'], ),
    sa.ForeignKeyConstraint(['node_id'], ['graph_nodes.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('node_executions', schema=None) as batch_op:
        batch_op.create_index('ix_node_executions_added_queued', ['added_time', 'queued_time'], unique=False)
        batch_op.create_index('ix_node_executions_exec_node_status', ['graph_exec_id', 'node_id', 'status'], unique=False)
        batch_op.create_index('ix_node_executions_node_status', ['node_id', 'status'], unique=False)

    op.create_table('node_execution_io',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('data', sa.Text(), nullable=True),
    sa.Column('time', sa.String(length=32), nullable=False),
    sa.Column('input_exec_id', sa.String(length=255), nullable=True),
    sa.Column('output_exec_id', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['input_exec_id'], ['node_executions.id'], ),
    sa.ForeignKeyConstraint(['output_exec_id'], ['node_executions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('node_execution_io', schema=None) as batch_op:
        batch_op.create_index('ix_node_execution_io_input', ['input_exec_id', 'name'], unique=False)
        batch_op.create_index('ix_node_execution_io_output', ['output_exec_id'], unique=False)



def downgrade() -> None:
    raise NotImplementedError("dbmanager migrates forward only; restore a backup to go back")
