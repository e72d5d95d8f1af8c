"""webhooks: subscriptions and deliveries; the history as their outbox; periodic jobs

Revision ID: 0014
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0014'
down_revision = '0010'
branch_labels = None
depends_on = None

XID_NOW = 'CAST(CAST(pg_current_xact_id() AS text) AS bigint)'


def upgrade():
    # The history becomes the outbox: each version carries the id of the transaction that wrote
    # it. Existing versions take the id of the transaction that last changed their record: exact
    # for the newest version, and at or after the real one for older versions, so each record's
    # versions keep their order. Subscriptions start from the horizon at their creation, so
    # none of this history is ever delivered.
    op.add_column('record_versions', sa.Column('change_xid', sa.BigInteger(), nullable=True))
    op.execute("""
        UPDATE record_versions v SET change_xid = r.change_xid
          FROM records r WHERE r.id = v.record_id""")
    op.execute(f"UPDATE record_versions SET change_xid = {XID_NOW} WHERE change_xid IS NULL")
    op.alter_column('record_versions', 'change_xid', nullable=False,
                    server_default=sa.text(XID_NOW))
    op.create_index('ix_record_versions_change', 'record_versions',
                    ['change_xid', 'record_id', 'version'], unique=False)

    op.add_column('jobs', sa.Column('every_seconds', sa.Integer(), nullable=True))
    op.create_index('uq_jobs_periodic', 'jobs', ['kind'], unique=True,
                    postgresql_where=sa.text('every_seconds IS NOT NULL'))

    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('kinds', postgresql.ARRAY(sa.String(length=32)), nullable=True),
    sa.Column('grids', postgresql.ARRAY(sa.String(length=32)), nullable=True),
    sa.Column('secret_kid', sa.String(length=64), nullable=False),
    sa.Column('secret_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.Enum('active', 'disabled', name='webhook_state'), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sa.Text(), nullable=True),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cursor_xid', sa.BigInteger(), nullable=False),
    sa.Column('cursor_record_id', sa.Uuid(), nullable=False),
    sa.Column('cursor_version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_webhook_subscriptions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_webhook_subscriptions_department_code_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions'))
    )
    op.create_index(op.f('ix_webhook_subscriptions_department_code'), 'webhook_subscriptions', ['department_code'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('subscription_id', sa.BigInteger(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'delivered', 'failed', 'withheld', name='webhook_delivery_state'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retry_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['record_id', 'version'], ['record_versions.record_id', 'record_versions.version'], name='fk_webhook_deliveries_record_version', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], name=op.f('fk_webhook_deliveries_subscription_id_webhook_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    op.create_index('uq_webhook_deliveries_event', 'webhook_deliveries', ['subscription_id', 'record_id', 'version'], unique=True)
    op.create_index('ix_webhook_deliveries_pending', 'webhook_deliveries', ['subscription_id', 'id'], unique=False, postgresql_where=sa.text("state = 'pending'"))
    op.create_index('ix_webhook_deliveries_open', 'webhook_deliveries', ['subscription_id', 'record_id', 'version', 'state'], unique=False, postgresql_where=sa.text("state IN ('pending', 'failed')"))
    op.create_index('ix_webhook_deliveries_log', 'webhook_deliveries', ['subscription_id', 'id'], unique=False)


def downgrade():
    op.drop_table('webhook_deliveries')
    op.drop_index(op.f('ix_webhook_subscriptions_department_code'), table_name='webhook_subscriptions')
    op.drop_table('webhook_subscriptions')
    op.execute('DROP TYPE webhook_delivery_state')
    op.execute('DROP TYPE webhook_state')
    op.drop_index('uq_jobs_periodic', table_name='jobs')
    op.drop_column('jobs', 'every_seconds')
    op.drop_index('ix_record_versions_change', table_name='record_versions')
    op.drop_column('record_versions', 'change_xid')
