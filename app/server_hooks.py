"""gunicorn settings module (`--config python:app.server_hooks`, see app/server.py): hooks only."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """The worker has built its app: warm what a citizen's report reads before the first one arrives, then
    settle its heap (app/server.py `settle_heap`)."""
    from app.portal import warm
    from app.server import settle_heap

    warm(worker.wsgi)
    settle_heap()
