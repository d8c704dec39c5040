"""Logs are JSON lines without secrets, query strings or client addresses."""

import json
import logging

from core.logs import JsonFormatter


def test_request_is_logged_as_json_without_query_string_or_address(client, caplog):
    with caplog.at_level(logging.INFO, logger="safehavens.request"):
        client.get("/api/v1/schools?name=secret-search", headers={"Authorization": "Bearer x"},
                   environ_base={"REMOTE_ADDR": "203.0.113.9"})
    record = next(r for r in caplog.records if r.name == "safehavens.request")
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["path"] == "/api/v1/schools" and entry["status"] == 200
    assert "secret-search" not in line and "203.0.113.9" not in line and "Bearer" not in line


def test_fields_named_like_secrets_are_dropped():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.fields = {"user": 3, "password": "hunter2", "api_token": "abc", "Cookie": "s=1"}
    entry = json.loads(JsonFormatter().format(record))
    assert entry["user"] == 3
    assert not {"password", "api_token", "Cookie"} & set(entry)
