"""conflicts: the grid the point lies in, so its supervisors review the conflict too

Revision ID: 0013
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('conflicts', sa.Column('point_grid_id', sa.BigInteger(), nullable=True))
    op.create_index(op.f('ix_conflicts_point_grid_id'), 'conflicts', ['point_grid_id'], unique=False)
    op.create_foreign_key(op.f('fk_conflicts_point_grid_id_grids'), 'conflicts', 'grids', ['point_grid_id'], ['id'])
    op.execute("""
        UPDATE conflicts c SET point_grid_id = g.id
          FROM grids g WHERE g.code = c.location_check->>'covering_grid'
           AND g.id IS DISTINCT FROM c.grid_id""")


def downgrade():
    op.drop_constraint(op.f('fk_conflicts_point_grid_id_grids'), 'conflicts', type_='foreignkey')
    op.drop_index(op.f('ix_conflicts_point_grid_id'), table_name='conflicts')
    op.drop_column('conflicts', 'point_grid_id')
