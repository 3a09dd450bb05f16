"""Serves the web console's files: ``/`` is the page, ``/console/<file>`` its scripts and styles.

Only the files named in ``ASSETS`` are served, from the installed package (nothing is fetched from
elsewhere, at install or at run time). Every answer carries a Content-Security-Policy that allows
scripts, styles and connections from this origin only, and no inline script: model text or tool output
that ever reached the page as markup could not run. The page holds no secret, so it is public like
``/health``; the API calls it makes need the key when the server has one.
"""

from __future__ import annotations

import functools
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from tinyagent.errors import NotFound

STATIC = resources.files(__package__) / "static"
PAGE = "console.html"
ASSETS: dict[str, str] = {
    "console.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "js/api.js": "text/javascript; charset=utf-8",
    "js/chat.js": "text/javascript; charset=utf-8",
    "js/dom.js": "text/javascript; charset=utf-8",
    "js/graph.js": "text/javascript; charset=utf-8",
    "js/main.js": "text/javascript; charset=utf-8",
    "js/run.js": "text/javascript; charset=utf-8",
    "js/runstate.js": "text/javascript; charset=utf-8",
    "js/runstore.js": "text/javascript; charset=utf-8",
    "js/runs.js": "text/javascript; charset=utf-8",
    "js/status.js": "text/javascript; charset=utf-8",
    "js/timeline.js": "text/javascript; charset=utf-8",
    "js/tools.js": "text/javascript; charset=utf-8",
}
PREFIX = "/console/"

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        # Defence in depth: the console never writes markup, and with Trusted Types the browser throws if
        # any code ever tries (innerHTML, document.write, a script's text).
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    )
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    # Revalidate each load: an upgraded server must not run last version's scripts against its API.
    "cache-control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@functools.cache
def _content(name: str) -> bytes:
    """Read once: the files only change with the installed package."""
    return (STATIC / name).read_bytes()


def _file(name: str, media_type: str) -> Response:
    return Response(_content(name), media_type=media_type, headers=HEADERS)


@router.api_route("/", methods=["GET", "HEAD"])
async def page() -> Response:
    return _file(PAGE, "text/html; charset=utf-8")


@router.api_route(PREFIX + "{name:path}", methods=["GET", "HEAD"])
async def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"No console file {name!r}.", code="not_found")
    return _file(name, media_type)
