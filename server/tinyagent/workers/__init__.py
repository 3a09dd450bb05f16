"""Tool workers: the processes that perform app actions (macOS apps, or the SQLite sandbox)."""
