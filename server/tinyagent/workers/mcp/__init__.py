"""MCP servers as tool sources: the config (config.py), their tools as ToolSpecs (schema.py), one
connection each (server.py), and the hub that starts, lists and calls them all (hub.py)."""
