"""login throttling: counters of failed sign-ins per account, address and both

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_throttles',
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=256), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_login_throttles')))
    op.create_index(op.f('ix_login_throttles_last_failure_at'), 'login_throttles',
                    ['last_failure_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_login_throttles_last_failure_at'), table_name='login_throttles')
    op.drop_table('login_throttles')
