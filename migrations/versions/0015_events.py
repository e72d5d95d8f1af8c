"""events: their workflow state and history (the event itself is a record), and the versioned
handling standard that gives a dispatch its deadline

Revision ID: 0015
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_standards',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_by_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_event_standards_published_by_id_users')),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_event_standards'))
    )
    op.create_table('events',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reported_by_id', sa.BigInteger(), nullable=True),
    sa.Column('department_code', sa.String(length=32), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_events_department_code_departments')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_events_grid_id_grids')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_events_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_events_reported_by_id_users')),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_events'))
    )
    op.create_index('ix_events_department_state', 'events', ['department_code', 'state', 'deadline'], unique=False)
    op.create_index('ix_events_grid_state', 'events', ['grid_id', 'state'], unique=False)
    op.create_index('ix_events_state_deadline', 'events', ['state', 'deadline'], unique=False)
    op.create_table('event_transitions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('department_code', sa.String(length=32), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('submission_id', sa.Uuid(), nullable=True),
    sa.Column('handling_seconds', sa.Integer(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_event_transitions_actor_id_users')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_event_transitions_department_code_departments')),
    sa.ForeignKeyConstraint(['event_id'], ['events.record_id'], name=op.f('fk_event_transitions_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_transitions'))
    )
    op.create_index('ix_event_transitions_event', 'event_transitions', ['event_id', 'id'], unique=False)
    op.create_index('ix_event_transitions_performance', 'event_transitions', ['at'], unique=False, postgresql_include=['action', 'department_code', 'on_time', 'handling_seconds'], postgresql_where=sa.text("action IN ('handle', 'return')"))


def downgrade():
    op.drop_index('ix_event_transitions_performance', table_name='event_transitions', postgresql_include=['action', 'department_code', 'on_time', 'handling_seconds'], postgresql_where=sa.text("action IN ('handle', 'return')"))
    op.drop_index('ix_event_transitions_event', table_name='event_transitions')
    op.drop_table('event_transitions')
    op.drop_index('ix_events_state_deadline', table_name='events')
    op.drop_index('ix_events_grid_state', table_name='events')
    op.drop_index('ix_events_department_state', table_name='events')
    op.drop_table('events')
    op.drop_table('event_standards')
