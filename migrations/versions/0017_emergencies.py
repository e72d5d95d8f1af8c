"""emergencies: versioned typhoon and rainstorm plans, declared warnings, check tasks, notices

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('emergency_plans',
    sa.Column('hazard', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_by_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_emergency_plans_published_by_id_users')),
    sa.PrimaryKeyConstraint('hazard', 'version', name=op.f('pk_emergency_plans'))
    )
    op.create_table('emergencies',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('hazard', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=True),
    sa.Column('area_name', sa.String(length=128), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('declared_by_id', sa.BigInteger(), nullable=True),
    sa.Column('level_changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('stood_down_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stood_down_by_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['declared_by_id'], ['users.id'], name=op.f('fk_emergencies_declared_by_id_users')),
    sa.ForeignKeyConstraint(['stood_down_by_id'], ['users.id'], name=op.f('fk_emergencies_stood_down_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergencies'))
    )
    op.create_index('uq_emergencies_active', 'emergencies', ['hazard', 'area_code'], unique=True, postgresql_where=sa.text('stood_down_at IS NULL'), postgresql_nulls_not_distinct=True)
    op.create_table('emergency_notices',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('emergency_id', sa.BigInteger(), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('classes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['emergency_id'], ['emergencies.id'], name=op.f('fk_emergency_notices_emergency_id_emergencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_notices'))
    )
    op.create_index('ix_emergency_notices_department', 'emergency_notices', ['department_code', 'at'], unique=False)
    op.create_index(op.f('ix_emergency_notices_emergency_id'), 'emergency_notices', ['emergency_id'], unique=False)
    op.create_table('emergency_tasks',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('emergency_id', sa.BigInteger(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('actions', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('departments', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('assignees', postgresql.ARRAY(sa.BigInteger()), nullable=False),
    sa.Column('nearest', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.BigInteger(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('evacuated', sa.Integer(), nullable=True),
    sa.Column('sheltered', sa.Integer(), nullable=True),
    sa.Column('check_id', sa.Uuid(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_emergency_tasks_done_by_id_users')),
    sa.ForeignKeyConstraint(['emergency_id'], ['emergencies.id'], name=op.f('fk_emergency_tasks_emergency_id_emergencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_emergency_tasks_grid_id_grids')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_emergency_tasks_record_id_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_tasks'))
    )
    op.create_index('uq_emergency_tasks_open', 'emergency_tasks', ['emergency_id', 'record_id'], unique=True, postgresql_where=sa.text("state = 'open'"))
    op.create_index('ix_emergency_tasks_emergency_state', 'emergency_tasks', ['emergency_id', 'state'], unique=False)
    op.create_index('ix_emergency_tasks_grid_state', 'emergency_tasks', ['grid_id', 'state'], unique=False)
    # The nearest shelters and resources of every activated facility (KNN): an index over the
    # points of records by kind, so a warning's KNN never walks the residents around a facility.
    op.create_index('ix_records_kind_geometry', 'records', ['kind', 'geometry'], unique=False, postgresql_using='gist', postgresql_where=sa.text('retired_at IS NULL'))


def downgrade():
    op.drop_index('ix_records_kind_geometry', table_name='records', postgresql_using='gist', postgresql_where=sa.text('retired_at IS NULL'))
    op.drop_index('uq_emergency_tasks_open', table_name='emergency_tasks', postgresql_where=sa.text("state = 'open'"))
    op.drop_index('ix_emergency_tasks_grid_state', table_name='emergency_tasks')
    op.drop_index('ix_emergency_tasks_emergency_state', table_name='emergency_tasks')
    op.drop_table('emergency_tasks')
    op.drop_index(op.f('ix_emergency_notices_emergency_id'), table_name='emergency_notices')
    op.drop_index('ix_emergency_notices_department', table_name='emergency_notices')
    op.drop_table('emergency_notices')
    op.drop_index('uq_emergencies_active', table_name='emergencies', postgresql_where=sa.text('stood_down_at IS NULL'), postgresql_nulls_not_distinct=True)
    op.drop_table('emergencies')
    op.drop_table('emergency_plans')
