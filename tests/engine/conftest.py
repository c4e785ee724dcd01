"""Engine tests without the web app: a plain SQLAlchemy database made from the engine's own
tables, the engine set up through `workflows.bootstrap.configure`, the bundled packages deployed.

SQLite by default; with DATABASE_URL pointing at PostgreSQL, a schema of its own (`engine_tests`),
dropped and made again, so the web app's tests in `public` are not touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from config import database_url
from tests.conftest import POSTGRES, ROOT

SCHEMA = "engine_tests"


@pytest.fixture(scope="session")
def engine_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from workflows import bootstrap
    from workflows.db import Base
    from workflows.deployment import deploy_bundled

    work = tmp_path_factory.mktemp("engine")
    if POSTGRES:
        url = database_url()
        with create_engine(url).begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine = create_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})
    else:
        engine = create_engine(f"sqlite:///{work / 'engine.db'}")
    bootstrap.configure(bootstrap.EngineConfig(upload_dir=Path(work / "files")))
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        deploy_bundled(session, ROOT)
    yield engine
    engine.dispose()
    if POSTGRES:
        with create_engine(database_url()).begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))


@pytest.fixture
def session(engine_db: Engine) -> Iterator[Session]:
    with Session(engine_db) as s:
        yield s
