"""record search: name, whole numbers, and the name's character n-grams

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The characters and character pairs of a name: a GIN index over them finds a name by any
# part of it, two-character infixes included (pg_trgm cannot index those).
NAME_GRAMS = """
CREATE OR REPLACE FUNCTION zw_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN name IS NULL OR name = '' THEN NULL ELSE ARRAY(
    SELECT DISTINCT g FROM (
      SELECT substr(name, i, 1) AS g FROM generate_series(1, char_length(name)) AS i
      UNION ALL
      SELECT substr(name, i, 2) FROM generate_series(1, char_length(name) - 1) AS i
    ) AS grams ORDER BY g) END
$$"""

# What a query must find among a name's grams: its pairs, or the character if it has one.
QUERY_GRAMS = """
CREATE OR REPLACE FUNCTION zw_query_grams(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN char_length(query) = 1 THEN ARRAY[query] ELSE ARRAY(
    SELECT DISTINCT substr(query, i, 2) FROM generate_series(1, char_length(query) - 1) AS i) END
$$"""


def upgrade():
    op.execute(NAME_GRAMS)
    op.execute(QUERY_GRAMS)
    op.add_column('records', sa.Column('search_name', sa.Text(), nullable=True))
    op.add_column('records', sa.Column('search_keys', postgresql.ARRAY(sa.Text()), nullable=True))
    op.add_column('records', sa.Column('name_grams', postgresql.ARRAY(sa.Text()), sa.Computed('zw_name_grams(search_name)', persisted=True), nullable=True))
    op.create_index('ix_records_name_grams', 'records', ['name_grams'], unique=False, postgresql_using='gin')
    op.create_index('ix_records_search_keys', 'records', ['search_keys'], unique=False, postgresql_using='gin')
    op.create_index('ix_records_search_name', 'records', ['search_name'], unique=False, postgresql_ops={'search_name': 'text_pattern_ops'})


def downgrade():
    op.drop_index('ix_records_search_name', table_name='records')
    op.drop_index('ix_records_search_keys', table_name='records')
    op.drop_index('ix_records_name_grams', table_name='records')
    op.drop_column('records', 'name_grams')
    op.drop_column('records', 'search_keys')
    op.drop_column('records', 'search_name')
    op.execute('DROP FUNCTION IF EXISTS zw_query_grams(text)')
    op.execute('DROP FUNCTION IF EXISTS zw_name_grams(text)')
