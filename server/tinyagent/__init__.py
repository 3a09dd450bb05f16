"""TinyAgent Server: a local OpenAI-compatible agent server."""

__version__ = "0.1.0"
