"""Log configuration for the CLI (the library itself only creates loggers)."""

from __future__ import annotations

import json
import logging
import os
import sys

from tinyagent.request_context import RequestIdFilter

# Libraries that report their own routine at INFO (faiss: each CPU variant it tried to load, with a
# traceback; httpx: every request to a remote model or MCP server). Their news is DEBUG for us.
CHATTY_LOGGERS = ("faiss", "httpx", "httpcore", "mcp", "sentence_transformers", "transformers", "huggingface_hub")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: str, as_json: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    fmt = "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter(fmt, "%H:%M:%S"))
    # On the handler, not a logger: records propagated from any logger (uvicorn's too) get the id.
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn runs with log_config=None; make its loggers propagate to this one handler, access log included.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers[:] = []
        uvicorn_logger.propagate = True
    quiet_libraries(root.level)


def quiet_libraries(level: int) -> None:
    """Library INFO only when the server logs at DEBUG; no progress bars in a server log."""
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
    # tqdm (>=4.66) and the Hugging Face libraries read these when a bar would start.
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
