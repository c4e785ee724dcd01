"""How the web app is served (app/server.py): several gunicorn workers only on PostgreSQL, and
never a scheduler inside a worker."""

from __future__ import annotations

import subprocess

import pytest

from app import server


@pytest.mark.parametrize(("url", "workers", "expected"), [
    ("postgresql+psycopg://u@h/db", 4, True),
    ("postgresql+psycopg://u@h/db", 1, False),
    ("sqlite:////tmp/ligat.db", 4, False),  # one writer: more processes would only wait for it
])
def test_several_processes_only_on_postgresql(url, workers, expected):
    assert server.uses_workers(url, workers) is expected


def test_worker_count_from_the_environment_or_the_cores(monkeypatch):
    monkeypatch.setenv("LIGAT_WORKERS", "6")
    assert server.worker_count() == 6
    monkeypatch.delenv("LIGAT_WORKERS")
    monkeypatch.setattr(server.os, "cpu_count", lambda: 1)
    assert server.worker_count() == 2
    monkeypatch.setattr(server.os, "cpu_count", lambda: 16)
    assert server.worker_count() == 16


def test_workers_start_without_scheduler_and_without_migrating(monkeypatch):
    seen = {}

    class FakePopen:
        def __init__(self, args, env):
            seen["args"], seen["env"] = args, env

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.setenv("LIGAT_SCHEDULER", "1")
    server.start_workers("app:create_app()", "127.0.0.1", 5107, 3, 4)
    args, env = seen["args"], seen["env"]
    assert args[1:4] == ["-m", "gunicorn", "app:create_app()"]
    assert args[args.index("--workers") + 1] == "3" and args[args.index("--threads") + 1] == "4"
    assert args[args.index("--worker-class") + 1] == "gthread"
    assert args[args.index("--bind") + 1] == "127.0.0.1:5107"
    # The parent (run.py) runs the one scheduler and has migrated the database already.
    assert env["LIGAT_SCHEDULER"] == "0" and env["LIGAT_MIGRATE_ON_START"] == "0"


def test_access_lines_only_when_asked(monkeypatch):
    monkeypatch.delenv("LIGAT_ACCESS_LOG", raising=False)
    assert "--access-logfile" not in server.gunicorn_command("app:create_app()", "127.0.0.1", 5107, 2, 8)
    monkeypatch.setenv("LIGAT_ACCESS_LOG", "1")
    args = server.gunicorn_command("app:create_app()", "127.0.0.1", 5107, 2, 8)
    assert args[args.index("--access-logfile") + 1] == "-"


def test_each_worker_warms_the_portal_data_before_serving(monkeypatch):
    from types import SimpleNamespace

    from app import server_hooks
    from app.regions import villages

    args = server.gunicorn_command("app:create_app()", "127.0.0.1", 5107, 2, 8)
    assert args[args.index("--config") + 1] == "python:app.server_hooks"
    villages.cache_clear()
    server_hooks.post_worker_init(SimpleNamespace(wsgi=SimpleNamespace(config={"LIGAT_OFFICE_REGION": "91.71"})))
    assert villages.cache_info().currsize == 1


def test_each_worker_settles_its_heap_after_warming(monkeypatch):
    """What a worker holds once it has started is left out of the garbage collector's full collections."""
    import gc
    from types import SimpleNamespace

    from app import server_hooks

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        server_hooks.post_worker_init(SimpleNamespace(wsgi=SimpleNamespace(config={"LIGAT_OFFICE_REGION": "91.71"})))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
