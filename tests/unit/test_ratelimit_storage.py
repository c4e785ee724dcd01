"""The in-process rate-limit storage counts without starting threads and still forgets old windows."""

from __future__ import annotations

import threading

from app.ratelimit import ProcessMemoryStorage


def test_counting_starts_no_thread():
    storage = ProcessMemoryStorage()
    before = threading.active_count()
    for i in range(200):
        storage.incr(f"alamat-{i % 7}", 60)
    assert threading.active_count() <= before
    assert storage.get("alamat-0") == 29


def test_a_window_ends_on_read_and_old_keys_are_swept(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: clock[0])
    monotonic = [50.0]
    monkeypatch.setattr("app.ratelimit.time.monotonic", lambda: monotonic[0])
    storage = ProcessMemoryStorage()
    storage.incr("dibaca", 10)
    storage.incr("dilupakan", 10)
    clock[0] += 11
    assert storage.get("dibaca") == 0  # a read ends its own window at once
    assert "dilupakan" in storage.storage  # nobody asked: still held until the sweep
    monotonic[0] += ProcessMemoryStorage.SWEEP_SECONDS + 1
    storage.incr("baru", 10)  # the first count after the sweep time sweeps
    assert "dilupakan" not in storage.storage
    assert storage.get("baru") == 1
