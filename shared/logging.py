"""Structured JSON logs that carry the request's correlation id everywhere.

The gateway picks or accepts a correlation id per HTTP request and puts it in
the worker's context data; nameko copies context data onto every RPC it
makes, the outbox copies it into each event envelope, and event handlers put
it back into their own context. ``CorrelationTracker`` makes the current id
visible to the log formatter for the life of each worker.
"""
import json
import logging
import threading
import uuid
from datetime import UTC, datetime

from nameko.extensions import DependencyProvider

CORRELATION_KEY = "correlation_id"

# threading.local is green-thread local once eventlet has monkey-patched.
_current = threading.local()


def current_correlation_id():
    return getattr(_current, "correlation_id", None)


def set_correlation_id(value):
    _current.correlation_id = value


def new_correlation_id():
    return uuid.uuid4().hex


class CorrelationTracker(DependencyProvider):
    """Ensures every worker has a correlation id and exposes it to logging."""

    def worker_setup(self, worker_ctx):
        correlation_id = worker_ctx.data.get(CORRELATION_KEY) or new_correlation_id()
        # Stored in the context data so nameko propagates it to outgoing RPCs.
        worker_ctx.data[CORRELATION_KEY] = correlation_id
        set_correlation_id(correlation_id)

    def worker_teardown(self, worker_ctx):
        set_correlation_id(None)

    def get_dependency(self, worker_ctx):
        return worker_ctx.data[CORRELATION_KEY] if CORRELATION_KEY in worker_ctx.data else None


class JsonFormatter(logging.Formatter):
    def __init__(self, service=None, **kwargs):
        super().__init__()
        self.service = service

    def format(self, record):
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "correlation_id": current_correlation_id(),
        }
        if self.service:
            entry["service"] = self.service
        for key in ("event_id", "event_type", "handler"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
