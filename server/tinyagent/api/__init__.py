"""HTTP layer: routers, wire models, SSE framing and the error mapping. Only this package imports FastAPI."""
