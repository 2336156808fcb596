"""Alembic: ``upgrade head`` on an empty database creates exactly the models' schema (and the triggers), on
SQLite and PostgreSQL; downgrade to base removes everything and upgrade works again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from chipdx.store import Store, upgrade
from chipdx.store._engine import make_engine
from chipdx.store._models import Base


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_head_creates_the_models_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0002"
        assert conn.execute(text("SELECT seq, hash FROM audit_head")).one() == (0, "0" * 64)
    engine.dispose()
    assert _differences(db_url) == []


def test_models_differ_from_an_empty_database(db_url: str) -> None:
    # the comparison can fail: on a database without the migrations every table is reported missing
    assert len(_differences(db_url)) >= len(Base.metadata.tables)


def test_downgrade_and_upgrade_again(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade_to_base(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    store = Store.open(db_url)  # opening migrates again
    assert store.verify_audit().intact
    store.close()


def upgrade_to_base(engine: object) -> None:
    from alembic import command
    from alembic.config import Config

    from chipdx.store._engine import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # type: ignore[attr-defined]
        config.attributes["connection"] = connection
        command.downgrade(config, "base")


def test_plain_create_engine_urls_work_too(tmp_path: object) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/plain.db")
    upgrade(engine)
    assert "audit_events" in inspect(engine).get_table_names()
    engine.dispose()
