"""Alembic environment of chipdx.store: runs on the connection the Store hands over (``config.attributes``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from chipdx.store._models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("chipdx migrations run through chipdx.store.Store.open / upgrade(), which pass a connection")
_run(connection)
