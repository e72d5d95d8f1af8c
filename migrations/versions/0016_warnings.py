"""decision support: indicators per enterprise and month (with the values later imports
replaced), the versioned warning model, monthly warnings, the economic run per area

Revision ID: 0016
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('economy_months',
    sa.Column('area', sa.String(length=32), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('area_level', sa.String(length=16), nullable=False),
    sa.Column('enterprises', sa.Integer(), nullable=False),
    sa.Column('energy', sa.Numeric(), nullable=True),
    sa.Column('activity', sa.Numeric(), nullable=True),
    sa.Column('new_enterprises', sa.Integer(), nullable=False),
    sa.Column('exited_enterprises', sa.Integer(), nullable=False),
    sa.Column('growth_index', sa.Numeric(), nullable=True),
    sa.Column('trend_down', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('area', 'month', name=op.f('pk_economy_months'))
    )
    op.create_table('warning_models',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_by_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_warning_models_published_by_id_users')),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_warning_models'))
    )
    op.create_table('indicator_history',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('enterprise_id', sa.Uuid(), nullable=False),
    sa.Column('indicator', sa.String(length=32), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('replaced_by_import', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['records.id'], name=op.f('fk_indicator_history_enterprise_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_history'))
    )
    op.create_index('ix_indicator_history_key', 'indicator_history', ['enterprise_id', 'indicator', 'month'], unique=False)
    op.create_table('indicator_values',
    sa.Column('enterprise_id', sa.Uuid(), nullable=False),
    sa.Column('indicator', sa.String(length=32), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=True),
    sa.Column('import_id', sa.BigInteger(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_indicator_values_department_code_departments')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['records.id'], name=op.f('fk_indicator_values_enterprise_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['jobs.id'], name=op.f('fk_indicator_values_import_id_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('enterprise_id', 'indicator', 'month', name=op.f('pk_indicator_values'))
    )
    op.create_index('ix_indicator_values_month', 'indicator_values', ['month', 'indicator'], unique=False)
    op.create_table('warning_runs',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ran_by_id', sa.BigInteger(), nullable=True),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.ForeignKeyConstraint(['model_version'], ['warning_models.version'], name=op.f('fk_warning_runs_model_version_warning_models')),
    sa.ForeignKeyConstraint(['ran_by_id'], ['users.id'], name=op.f('fk_warning_runs_ran_by_id_users')),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_warning_runs'))
    )
    op.create_table('warnings',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('enterprise_id', sa.Uuid(), nullable=False),
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('score', sa.Numeric(), nullable=False),
    sa.Column('signals', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=True),
    sa.Column('dispatch', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['records.id'], name=op.f('fk_warnings_enterprise_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.record_id'], name=op.f('fk_warnings_event_id_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_warnings_grid_id_grids')),
    sa.ForeignKeyConstraint(['model_version'], ['warning_models.version'], name=op.f('fk_warnings_model_version_warning_models')),
    sa.PrimaryKeyConstraint('month', 'enterprise_id', name=op.f('pk_warnings'))
    )
    op.create_index('ix_warnings_enterprise', 'warnings', ['enterprise_id', 'month'], unique=False)
    op.create_index('ix_warnings_month_grid', 'warnings', ['month', 'grid_id', 'level'], unique=False)


def downgrade():
    op.drop_index('ix_warnings_month_grid', table_name='warnings')
    op.drop_index('ix_warnings_enterprise', table_name='warnings')
    op.drop_table('warnings')
    op.drop_table('warning_runs')
    op.drop_index('ix_indicator_values_month', table_name='indicator_values')
    op.drop_table('indicator_values')
    op.drop_index('ix_indicator_history_key', table_name='indicator_history')
    op.drop_table('indicator_history')
    op.drop_table('warning_models')
    op.drop_table('economy_months')
