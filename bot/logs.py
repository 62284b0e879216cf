"""How log records are written: readable lines for people, or one JSON object a line for collectors.

LOG_FORMAT=json is for deployments whose logs are gathered by a machine (a container runtime, journald,
Loki, Elasticsearch): each line parses on its own, and a traceback stays inside its record instead of
spilling over lines that a collector would take for records of their own.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import LogFormat

TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"

SHARD_ATTRIBUTE = "shard_id"
"""The record attribute (``logger.info(..., extra={"shard_id": 3})``) naming the Discord shard a record
is about; written as "shard" when a record has it."""


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, process id, the cluster
    member that wrote it (under `newsbrief cluster`), and the shard and the exception or stack text
    when the record has them.

    Non-ASCII text is escaped: collectors decode it, and the line survives any stream encoding. Put the
    token filter (bot.redaction.RedactSecrets) on the same handler: it rewrites the message and the
    traceback before this formats them.
    """

    def __init__(self, *, cluster_index: int | None = None) -> None:
        super().__init__()
        self.cluster_index = cluster_index

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.process is not None:
            entry["process"] = record.process
        if self.cluster_index is not None:
            entry["cluster"] = self.cluster_index
        shard = getattr(record, SHARD_ATTRIBUTE, None)
        if shard is not None:
            entry["shard"] = shard
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def log_formatter(log_format: LogFormat, *, cluster_index: int | None = None) -> logging.Formatter:
    """The formatter for LOG_FORMAT; a cluster member's lines say which member wrote them
    ("[cluster 1] " before the logger's name, or a "cluster" field)."""
    if log_format == "json":
        return JsonFormatter(cluster_index=cluster_index)
    member = f"[cluster {cluster_index}] " if cluster_index is not None else ""
    return logging.Formatter(TEXT_FORMAT.replace("%(name)s", f"{member}%(name)s"))
