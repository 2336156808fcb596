"""LIS deliveries as durable jobs (kind, destination, release version, delivery key, back-off) and the
assays table (assay YAML uploaded by an admin, with version, hash and retirement).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chipdx.store._models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='analysis', nullable=False))
        batch_op.add_column(sa.Column('destination', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('release_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delivery_key', sa.String(length=700), nullable=True))
        batch_op.add_column(sa.Column('not_before', chipdx.store._models.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_delivery_key'), ['delivery_key'], unique=True)
    op.create_table('assays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', chipdx.store._models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('retired_at', chipdx.store._models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'version')
    )
    with op.batch_alter_table('assays', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assays_name'), ['name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assays_name'))
    op.drop_table('assays')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_delivery_key'))
        batch_op.drop_index(batch_op.f('ix_jobs_kind'))
        batch_op.drop_column('not_before')
        batch_op.drop_column('delivery_key')
        batch_op.drop_column('release_version')
        batch_op.drop_column('destination')
        batch_op.drop_column('kind')
