"""records: (grid, name) index for scoped searches, replacing the grid-only index

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_records_grid_name', 'records', ['grid_id', 'search_name'], unique=False,
                    postgresql_ops={'search_name': 'text_pattern_ops'})
    op.drop_index('ix_records_grid_id', table_name='records')


def downgrade():
    op.create_index('ix_records_grid_id', 'records', ['grid_id'], unique=False)
    op.drop_index('ix_records_grid_name', table_name='records')
