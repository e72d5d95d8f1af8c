"""departments, their grants, users' departments, the access log of personal data

Revision ID: 0011
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('departments',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_departments'))
    )
    op.create_table('grants',
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('kinds', postgresql.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('grids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_grants_department_code_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_grants_updated_by_id_users')),
    sa.PrimaryKeyConstraint('department_code', name=op.f('pk_grants'))
    )
    op.add_column('users', sa.Column('department_code', sa.String(length=32), nullable=True))
    op.create_foreign_key(op.f('fk_users_department_code_departments'), 'users', 'departments', ['department_code'], ['code'])
    op.create_table('access_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('record_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_log_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    op.create_index('ix_access_log_at', 'access_log', ['at'], unique=False)
    op.create_index('ix_access_log_user_action_at', 'access_log', ['user_id', 'action', 'at'], unique=False)
    op.create_table('access_log_records',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('access_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['access_id'], ['access_log.id'], name=op.f('fk_access_log_records_access_id_access_log'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'access_id', name=op.f('pk_access_log_records'))
    )
    op.create_index('ix_access_log_records_access_id', 'access_log_records', ['access_id'], unique=False)


def downgrade():
    op.drop_index('ix_access_log_records_access_id', table_name='access_log_records')
    op.drop_table('access_log_records')
    op.drop_index('ix_access_log_user_action_at', table_name='access_log')
    op.drop_index('ix_access_log_at', table_name='access_log')
    op.drop_table('access_log')
    op.drop_constraint(op.f('fk_users_department_code_departments'), 'users', type_='foreignkey')
    op.drop_column('users', 'department_code')
    op.drop_table('grants')
    op.drop_table('departments')
