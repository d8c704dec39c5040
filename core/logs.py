"""Structured (JSON lines) logging without secrets, personal data or client addresses."""

import json
import logging
import sys
import time

from flask import Flask, g, request

SECRET_WORDS = ("password", "token", "secret", "authorization", "cookie")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and safe extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in getattr(record, "fields", {}).items():
            if not any(word in key.lower() for word in SECRET_WORDS):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def init_app(app: Flask) -> None:
    """Send JSON logs to stderr and log one line per request (path without query string)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    for noisy in ("alembic.runtime.plugins", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app.before_request(_start_timer)
    app.after_request(_log_request)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response):
    started = g.get("request_started")
    if started is not None and not request.path.startswith("/static/"):
        logging.getLogger("safehavens.request").info("request", extra={"fields": {
            "method": request.method, "path": request.path, "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1)}})
    return response
