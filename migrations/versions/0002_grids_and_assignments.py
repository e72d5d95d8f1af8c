"""grids and assignments

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import geoalchemy2
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    # btree_gist lets the exclusion constraints compare ids with = beside time ranges.
    op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
    op.create_geospatial_table('grids',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('street_code', sa.String(length=32), nullable=True),
    sa.Column('street_name', sa.String(length=64), nullable=True),
    sa.Column('community_code', sa.String(length=32), nullable=True),
    sa.Column('community_name', sa.String(length=64), nullable=True),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('boundary_simplified', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('boundary_sha256', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grids')),
    sa.UniqueConstraint('code', name=op.f('uq_grids_code'))
    )
    op.create_geospatial_index('idx_grids_boundary', 'grids', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('grid_neighbours',
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('neighbour_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_grid_neighbours_grid_id_grids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['grids.id'], name=op.f('fk_grid_neighbours_neighbour_id_grids'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grid_id', 'neighbour_id', name=op.f('pk_grid_neighbours'))
    )
    op.create_table('assignments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Enum('primary', 'roving', 'supervises', name='assignment_kind'), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.BigInteger(), nullable=True),
    sa.Column('ended_by_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('grid_id'), '='), (sa.text('tstzrange(valid_from, valid_to)'), '&&'), where=sa.text("kind = 'primary'"), using='gist', name='one_primary_per_grid'),
    postgresql.ExcludeConstraint((sa.column('user_id'), '='), (sa.text('tstzrange(valid_from, valid_to)'), '&&'), where=sa.text("kind = 'roving'"), using='gist', name='one_roving_post_per_user'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignments_created_by_id_users')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_assignments_ended_by_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_assignments_grid_id_grids')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    op.create_index('ix_assignments_grid_window', 'assignments', ['grid_id', 'valid_from'], unique=False)
    op.create_index('ix_assignments_user_window', 'assignments', ['user_id', 'valid_from'], unique=False)


def downgrade():
    op.drop_index('ix_assignments_user_window', table_name='assignments')
    op.drop_index('ix_assignments_grid_window', table_name='assignments')
    op.drop_table('assignments')
    op.drop_table('grid_neighbours')
    op.execute('DROP TYPE IF EXISTS assignment_kind')
    op.drop_geospatial_index('idx_grids_boundary', table_name='grids', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('grids')
