"""A local fake of the model hub's HTTP API, for testing hub code without the internet.

It speaks the protocol huggingface_hub 2.4 uses, so the library runs unpatched:

- ``HEAD|GET /{repo}/resolve/{rev}/{path}``: small files are served directly (ETag = git blob
  sha1); "LFS" files (.gguf) answer 302 with ``X-Linked-Etag`` (sha256), ``X-Linked-Size`` and a
  ``Location`` on a second port, which huggingface_hub treats as a CDN (another origin, so the
  HEAD does not follow it). Every answer carries ``X-Repo-Commit``; no Xet headers, so
  downloads use plain HTTP.
- ``GET /repos/{sha256}`` on the CDN port: the bytes, with ``Range`` support (206).
- ``GET /api/models/{repo}`` and ``/api/models/{repo}/revision/{rev}``: model info with ``siblings``.
- ``GET /api/models/{repo}/tree/{rev}[/{path}]``: the tree listing ``list_repo_files`` pages through.
- Errors carry ``X-Error-Code`` (RepoNotFound, RevisionNotFound, EntryNotFound) as the real hub does.

Every request is recorded, so tests can assert "downloaded once, then served from the cache".
Connections close after each response, so ``stop()`` really makes the hub unreachable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_REVISION = "main"
_LFS_POINTER_SIZE = 134


@dataclass(frozen=True)
class HubFile:
    path: str
    content: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def git_oid(self) -> str:
        # Git's blob id; for LFS files the real hub reports the pointer's, any stable value will do.
        data = f"version lfs\noid sha256:{self.sha256}\n".encode() if self.lfs else self.content
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class RecordedRequest:
    server: str  # "hub" or "cdn"
    method: str
    path: str  # unquoted, without the query string
    status: int
    range: str | None = None


@dataclass
class _State:
    repos: dict[str, dict[str, HubFile]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    # One-shot: cut the next CDN download after this many body bytes, as a flaky network would.
    drop_after: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeHub:
    """Start with ``with FakeHub() as hub:``; pass ``hub.endpoint`` as the hub endpoint."""

    def __init__(self) -> None:
        self._state = _State()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.endpoint = ""
        self.cdn_endpoint = ""

    # --- repository content ---------------------------------------------------------
    def add_file(self, repo_id: str, path: str, content: bytes, *, lfs: bool | None = None) -> HubFile:
        """Add or replace a file (a new commit). LFS defaults to True for .gguf files."""
        is_lfs = path.lower().endswith(".gguf") if lfs is None else lfs
        hub_file = HubFile(path, content, is_lfs)
        with self._state.lock:
            self._state.repos.setdefault(repo_id, {})[path] = hub_file
        return hub_file

    def add_repo(self, repo_id: str) -> None:
        with self._state.lock:
            self._state.repos.setdefault(repo_id, {})

    def commit(self, repo_id: str) -> str:
        with self._state.lock:
            return _commit_of(self._state.repos[repo_id])

    # --- request log ------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def count(self, *, method: str | None = None, server: str | None = None, contains: str = "") -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (server is None or r.server == server) and contains in r.path
        )

    def downloads(self, repo_id: str, path: str) -> int:
        """GET requests that transferred the file's bytes (from the CDN or directly)."""
        with self._state.lock:
            hub_file = self._state.repos[repo_id][path]
        if hub_file.lfs:
            return self.count(method="GET", server="cdn", contains=hub_file.sha256)
        resolve = re.compile(rf"^/{re.escape(repo_id)}/resolve/[^/]+/{re.escape(path)}$")
        return sum(1 for r in self.requests if r.method == "GET" and r.server == "hub" and resolve.match(r.path))

    def drop_next_download(self, after_bytes: int) -> None:
        """Make the next CDN download send only ``after_bytes`` of its body, then close the connection."""
        with self._state.lock:
            self._state.drop_after = after_bytes

    def reset_log(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> FakeHub:
        cdn = self._serve("cdn")
        self.cdn_endpoint = f"http://127.0.0.1:{cdn.server_address[1]}"
        hub = self._serve("hub")
        self.endpoint = f"http://127.0.0.1:{hub.server_address[1]}"
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _serve(self, role: str) -> ThreadingHTTPServer:
        handler = type(f"_{role.title()}Handler", (_Handler,), {"hub": self, "role": role})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=f"fakehub-{role}", daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return server


def _commit_of(files: dict[str, HubFile]) -> str:
    digest = hashlib.sha1(b"fakehub")
    for path in sorted(files):
        digest.update(f"{path}\0{files[path].git_oid}\n".encode())
    return digest.hexdigest()


class _Response:
    def __init__(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> _Response:
    body = json.dumps(data).encode()
    return _Response(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def _error(status: int, code: str, message: str, commit: str | None = None) -> _Response:
    headers = {"X-Error-Code": code, "X-Error-Message": message}
    if commit:
        headers["X-Repo-Commit"] = commit
    return _json({"error": message}, status, headers)


_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$")
_API = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)(?:/(?P<kind>revision|tree)/(?P<rev>[^/]+)(?P<sub>/.*)?)?$")
_CDN = re.compile(r"^/repos/(?:[0-9a-f]{2}/)?(?P<sha>[0-9a-f]{64})$")


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    role: str
    # HTTP/1.0: one request per connection, so no pooled connection outlives stop().
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("fakehub %s: " + format, self.role, *args)

    def _handle(self, *, head: bool) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        response = self._route(path, parse_qs(url.query))
        self._record(path, response.status)
        self.send_response(response.status)
        headers = {"Content-Length": str(len(response.body)), **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(response.body[: self._take_drop(response)])

    def _take_drop(self, response: _Response) -> int | None:
        state = self.hub._state
        with state.lock:
            if self.role != "cdn" or response.status != 200 or state.drop_after is None:
                return None
            drop, state.drop_after = state.drop_after, None
            return drop

    def _record(self, path: str, status: int) -> None:
        state = self.hub._state
        with state.lock:
            state.requests.append(RecordedRequest(self.role, self.command, path, status, self.headers.get("Range")))

    def _route(self, path: str, query: dict[str, list[str]]) -> _Response:
        if self.role == "cdn":
            match = _CDN.match(path)
            return self._cdn(match["sha"]) if match else _error(404, "NotFound", "no such object")
        if match := _API.match(path):
            if match["kind"] == "tree":
                recursive = query.get("recursive", ["false"])[0].lower() == "true"
                return self._tree(match["repo"], match["rev"], (match["sub"] or "").strip("/"), recursive)
            return self._info(match["repo"], match["rev"] or DEFAULT_REVISION)
        if match := _RESOLVE.match(path):
            return self._resolve(match["repo"], match["rev"], match["path"])
        return _error(404, "NotFound", f"no route for {path}")

    def _snapshot(self, repo_id: str, rev: str) -> tuple[dict[str, HubFile], str] | _Response:
        state = self.hub._state
        with state.lock:
            files = dict(state.repos[repo_id]) if repo_id in state.repos else None
        if files is None:
            return _error(401, "RepoNotFound", f"Repository Not Found for url: {self.path}.")
        commit = _commit_of(files)
        if rev not in (DEFAULT_REVISION, commit):
            return _error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        return files, commit

    def _resolve(self, repo_id: str, rev: str, path: str) -> _Response:
        snapshot = self._snapshot(repo_id, rev)
        if isinstance(snapshot, _Response):
            return snapshot
        files, commit = snapshot
        hub_file = files.get(path)
        if hub_file is None:
            return _error(404, "EntryNotFound", f"Entry not found: {path}", commit)
        headers = {"X-Repo-Commit": commit, "Accept-Ranges": "bytes"}
        if not hub_file.lfs:
            return _Response(200, hub_file.content, {**headers, "ETag": f'"{hub_file.git_oid}"'})
        location = f"{self.hub.cdn_endpoint}/repos/{hub_file.sha256[:2]}/{hub_file.sha256}"
        redirect_headers = {
            **headers,
            "Location": location,
            "ETag": f'"{hub_file.git_oid}"',
            "X-Linked-Etag": f'"{hub_file.sha256}"',
            "X-Linked-Size": str(len(hub_file.content)),
        }
        return _Response(302, f"Found. Redirecting to {location}".encode(), redirect_headers)

    def _cdn(self, sha256: str) -> _Response:
        state = self.hub._state
        with state.lock:
            found = [f for files in state.repos.values() for f in files.values() if f.lfs and f.sha256 == sha256]
        if not found:
            return _error(404, "NotFound", "no such object")
        hub_file = found[0]
        headers = {
            "ETag": f'"{sha256}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{hub_file.path.rsplit("/", 1)[-1]}";',
        }
        return _ranged(hub_file.content, self.headers.get("Range"), headers)

    def _info(self, repo_id: str, rev: str) -> _Response:
        snapshot = self._snapshot(repo_id, rev)
        if isinstance(snapshot, _Response):
            return snapshot
        files, commit = snapshot
        owner = repo_id.split("/")[0]
        return _json(
            {
                "_id": commit[:24],
                "id": repo_id,
                "modelId": repo_id,
                "author": owner,
                "sha": commit,
                "lastModified": "2024-05-01T00:00:00.000Z",
                "createdAt": "2024-05-01T00:00:00.000Z",
                "private": False,
                "disabled": False,
                "gated": False,
                "downloads": 0,
                "likes": 0,
                "library_name": "gguf",
                "tags": ["gguf"],
                "siblings": [{"rfilename": p} for p in sorted(files)],
            }
        )

    def _tree(self, repo_id: str, rev: str, sub: str, recursive: bool) -> _Response:
        snapshot = self._snapshot(repo_id, rev)
        if isinstance(snapshot, _Response):
            return snapshot
        files, _commit = snapshot
        entries = list(_tree_entries(files, sub, recursive))
        if sub and not entries:
            return _error(404, "EntryNotFound", f"{sub} does not exist on {rev}")
        return _json(entries)


def _tree_entries(files: dict[str, HubFile], sub: str, recursive: bool) -> Iterator[dict[str, object]]:
    prefix = f"{sub}/" if sub else ""
    folders: set[str] = set()
    for path in sorted(files):
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        for depth in range(1, len(parts) if recursive else min(len(parts), 2)):
            folders.add(prefix + "/".join(parts[:depth]))
        if recursive or len(parts) == 1:
            yield _file_entry(files[path])
    for folder in sorted(folders):
        yield {
            "type": "directory",
            "oid": hashlib.sha1(folder.encode()).hexdigest(),
            "size": 0,
            "path": folder,
        }


def _file_entry(hub_file: HubFile) -> dict[str, object]:
    entry: dict[str, object] = {
        "type": "file",
        "oid": hub_file.git_oid,
        "size": len(hub_file.content),
        "path": hub_file.path,
    }
    if hub_file.lfs:
        entry["lfs"] = {
            "oid": hub_file.sha256,
            "size": len(hub_file.content),
            "pointerSize": _LFS_POINTER_SIZE,
        }
    return entry


def _ranged(content: bytes, range_header: str | None, headers: dict[str, str]) -> _Response:
    """200 with the whole body, or 206 for a ``bytes=start-[end]`` request (the form http_get sends)."""
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header or "")
    if not match:
        return _Response(200, content, headers)
    start = int(match[1])
    end = int(match[2]) if match[2] else len(content) - 1
    if start >= len(content):
        return _Response(416, b"", {**headers, "Content-Range": f"bytes */{len(content)}"})
    end = min(end, len(content) - 1)
    return _Response(206, content[start : end + 1], {**headers, "Content-Range": f"bytes {start}-{end}/{len(content)}"})
