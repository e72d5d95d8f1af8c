"""attachments: photos stored by SHA-256, tus uploads in progress, photo references of record
versions and of submissions

Revision ID: 0010
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachments',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('uploaded_by_id', sa.BigInteger(), nullable=True),
    sa.Column('thumb_size', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_attachments'))
    )
    op.create_table('attachment_uploads',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('length', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_attachment_uploads_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment_uploads'))
    )
    op.create_index(op.f('ix_attachment_uploads_sha256'), 'attachment_uploads', ['sha256'], unique=False)
    op.create_index(op.f('ix_attachment_uploads_created_by_id'), 'attachment_uploads', ['created_by_id'], unique=False)
    op.create_table('record_version_photos',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['record_id', 'version'], ['record_versions.record_id', 'record_versions.version'], name='fk_record_version_photos_version', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'version', 'field', 'position', name=op.f('pk_record_version_photos'))
    )
    op.create_index('ix_record_version_photos_sha256', 'record_version_photos', ['sha256'], unique=False)
    op.create_table('submission_photos',
    sa.Column('submission_id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_photos_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', 'sha256', name=op.f('pk_submission_photos'))
    )
    op.create_index('ix_submission_photos_sha256', 'submission_photos', ['sha256'], unique=False)


def downgrade():
    op.drop_index('ix_submission_photos_sha256', table_name='submission_photos')
    op.drop_table('submission_photos')
    op.drop_index('ix_record_version_photos_sha256', table_name='record_version_photos')
    op.drop_table('record_version_photos')
    op.drop_index(op.f('ix_attachment_uploads_created_by_id'), table_name='attachment_uploads')
    op.drop_index(op.f('ix_attachment_uploads_sha256'), table_name='attachment_uploads')
    op.drop_table('attachment_uploads')
    op.drop_table('attachments')
