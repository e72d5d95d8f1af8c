"""resource database and sync

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import geoalchemy2
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('batches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.String(length=128), nullable=False),
    sa.Column('collector_id', sa.BigInteger(), nullable=False),
    sa.Column('item_ids', postgresql.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('raw', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['collector_id'], ['users.id'], name=op.f('fk_batches_collector_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches'))
    )
    op.create_index(op.f('ix_batches_collector_id'), 'batches', ['collector_id'], unique=False)
    op.create_geospatial_table('records',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('form_version', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('geometry', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('updated_by_id', sa.BigInteger(), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_xid', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_records_created_by_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_records_grid_id_grids')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_records_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records'))
    )
    op.create_geospatial_index('idx_records_geometry', 'records', ['geometry'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_records_change', 'records', ['change_xid', 'id'], unique=False)
    op.create_index('ix_records_grid_change', 'records', ['grid_id', 'change_xid', 'id'], unique=False)
    op.create_index(op.f('ix_records_grid_id'), 'records', ['grid_id'], unique=False)
    op.create_index('uq_records_active_key', 'records', ['kind', 'key'], unique=True, postgresql_where=sa.text('retired_at IS NULL'))
    op.create_geospatial_table('submissions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.String(length=128), nullable=False),
    sa.Column('collector_id', sa.BigInteger(), nullable=False),
    sa.Column('raw', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=True),
    sa.Column('form_version', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Uuid(), nullable=True),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('branch', sa.String(length=128), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('point', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('status', sa.Enum('received', 'merged', 'conflict', 'rejected', 'held', name='submission_status'), nullable=False),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_submissions_batch_id_batches')),
    sa.ForeignKeyConstraint(['collector_id'], ['users.id'], name=op.f('fk_submissions_collector_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions'))
    )
    op.create_index(op.f('ix_submissions_batch_id'), 'submissions', ['batch_id'], unique=False)
    op.create_index(op.f('ix_submissions_collector_id'), 'submissions', ['collector_id'], unique=False)
    op.create_index('ix_submissions_held', 'submissions', ['record_id'], unique=False, postgresql_where="status = 'held'")
    op.create_table('conflicts',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=True),
    sa.Column('grid_id', sa.BigInteger(), nullable=True),
    sa.Column('collector_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Enum('stale_edit', 'possible_duplicate', 'outside_assigned_grid', 'outside_district', 'record_retired', name='conflict_kind'), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='conflict_status'), nullable=False),
    sa.Column('base', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('current', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('incoming', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('changed_fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('location_check', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('record_version_at_open', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('claimed_by_id', sa.BigInteger(), nullable=True),
    sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolved_by_id', sa.BigInteger(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_conflicts_claimed_by_id_users')),
    sa.ForeignKeyConstraint(['collector_id'], ['users.id'], name=op.f('fk_conflicts_collector_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_conflicts_grid_id_grids')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_conflicts_record_id_records')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_conflicts_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_conflicts_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflicts')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_conflicts_submission_id'))
    )
    op.create_index(op.f('ix_conflicts_grid_id'), 'conflicts', ['grid_id'], unique=False)
    op.create_index('ix_conflicts_open_grid', 'conflicts', ['grid_id', 'created_at'], unique=False, postgresql_where="status = 'open'")
    op.create_index(op.f('ix_conflicts_record_id'), 'conflicts', ['record_id'], unique=False)
    op.create_geospatial_table('record_versions',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('geometry', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('form_version', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('made_by_id', sa.BigInteger(), nullable=True),
    sa.Column('submission_id', sa.Uuid(), nullable=True),
    sa.Column('conflict_id', sa.BigInteger(), nullable=True),
    sa.Column('branch', sa.String(length=128), nullable=True),
    sa.Column('changed_fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('auto_merged_fields', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('note', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['conflict_id'], ['conflicts.id'], name=op.f('fk_record_versions_conflict_id_conflicts')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_record_versions_grid_id_grids')),
    sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_record_versions_made_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_record_versions_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_record_versions_submission_id_submissions')),
    sa.PrimaryKeyConstraint('record_id', 'version', name=op.f('pk_record_versions'))
    )
    op.create_index(op.f('ix_record_versions_submission_id'), 'record_versions', ['submission_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_record_versions_submission_id'), table_name='record_versions')
    op.drop_geospatial_table('record_versions')
    op.drop_index(op.f('ix_conflicts_record_id'), table_name='conflicts')
    op.drop_index('ix_conflicts_open_grid', table_name='conflicts', postgresql_where="status = 'open'")
    op.drop_index(op.f('ix_conflicts_grid_id'), table_name='conflicts')
    op.drop_table('conflicts')
    op.drop_index('ix_submissions_held', table_name='submissions', postgresql_where="status = 'held'")
    op.drop_index(op.f('ix_submissions_collector_id'), table_name='submissions')
    op.drop_index(op.f('ix_submissions_batch_id'), table_name='submissions')
    op.drop_geospatial_table('submissions')
    op.drop_index('uq_records_active_key', table_name='records', postgresql_where=sa.text('retired_at IS NULL'))
    op.drop_index(op.f('ix_records_grid_id'), table_name='records')
    op.drop_index('ix_records_grid_change', table_name='records')
    op.drop_index('ix_records_change', table_name='records')
    op.drop_geospatial_index('idx_records_geometry', table_name='records', postgresql_using='gist', column_name='geometry')
    op.drop_geospatial_table('records')
    op.drop_index(op.f('ix_batches_collector_id'), table_name='batches')
    op.drop_table('batches')
    for type_name in ('conflict_status', 'conflict_kind', 'submission_status'):
        op.execute(f'DROP TYPE IF EXISTS {type_name}')
