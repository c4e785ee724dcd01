"""The benchmarks' count of the database server's CPU (bench.common.DatabaseCpu): on PostgreSQL the CPU
its backends used for this database, none on SQLite."""

from __future__ import annotations

import os

from sqlalchemy import create_engine

from bench.common import DatabaseCpu
from tests.conftest import POSTGRES


def test_the_work_of_a_pooled_backend_is_counted_and_the_probe_is_not():
    url = os.environ["DATABASE_URL"] if POSTGRES else "sqlite://"
    engine = create_engine(url)
    with engine.connect() as conn:  # the pool's backend exists before the count starts
        conn.exec_driver_sql("SELECT 1")
    try:
        counted = DatabaseCpu(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM generate_series(1, 3000000)" if POSTGRES else "SELECT 1")
        seconds = counted.seconds()
        idle = DatabaseCpu(engine)
        idle_seconds = idle.seconds()
    finally:
        engine.dispose()
    if not POSTGRES:
        assert seconds is None and idle_seconds is None
        return
    # Three million rows counted take a backend well over 50 ms of CPU on any machine this runs on.
    assert seconds > 0.05
    # Nothing done between two reads: only the probe's own connections ran, and they are not counted.
    assert idle_seconds < 0.02
