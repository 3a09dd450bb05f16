"""The OpenAPI spec as exported to openapi/openapi.json (a test fails when they drift)."""

from __future__ import annotations

from typing import Any

from tinyagent.app import create_app
from tinyagent.settings import Settings


def export_openapi() -> dict[str, Any]:
    # The spec depends only on the routes, not on which model is served.
    app = create_app(Settings(model="spec-only"))
    return app.openapi()
