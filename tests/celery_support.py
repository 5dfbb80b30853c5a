"""Real Celery workers on the Redis at 127.0.0.1:6379 (database 15), each test on a queue
of its own so that parallel runs never take each other's tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager

import pytest
import redis
from celery import Celery

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def celery_queue(app, live_app, monkeypatch):
    """Sends the app's jobs and mail to the test's queue; yields `worker(log_path, **env)`,
    a context manager running one worker process on that queue with the app's settings
    (plus `env`, as CAIRN_* variables)."""
    if not redis_answers():
        pytest.skip(f"Redis does not answer PING at {REDIS_URL}")
    queue = f"cairn-test-{uuid.uuid4().hex[:8]}"
    sender = Celery("cairn-test", broker=REDIS_URL)
    sender.conf.task_default_queue = queue
    monkeypatch.setitem(app.extensions, "celery", sender)
    monkeypatch.setitem(app.config, "JOBS_RUNNER", "celery")
    config = live_app.config
    base_env = {**os.environ, "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
                "CAIRN_INSTANCE_DIR": config["INSTANCE_DIR"],
                "CAIRN_SECRET_KEY": config["SECRET_KEY"], "CAIRN_BASE_URL": config["BASE_URL"],
                "CAIRN_BROKER_URL": REDIS_URL, "CAIRN_JOBS_QUEUE": queue}
    started = []

    @contextmanager
    def worker(log_path, **env):
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "cairn.celery_worker", "worker",
                 "--pool", "solo", "-Q", queue, "--loglevel", "INFO", "--without-heartbeat",
                 "--without-gossip", "--without-mingle", "-n", f"w{len(started)}@%h"],
                env={**base_env, **{f"CAIRN_{name}": str(value) for name, value in env.items()}},
                stdout=log, stderr=subprocess.STDOUT)
            started.append(process)
            try:
                yield process
            finally:
                stop(process)
                print(log_path.read_text(errors="replace")[-3000:])

    yield worker
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(queue, *client.keys(f"_kombu.binding*.{queue}"))


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
