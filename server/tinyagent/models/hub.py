"""Model-hub access: parse hub references, find files in the cache, download once.

A file already in the hub cache is used without contacting the hub, so a model
that was fetched once keeps working offline and start-up never depends on the
network. Network calls are bounded by ``settings.hub_timeout_s``: huggingface_hub
itself retries a failed metadata request for up to a minute when nothing is
cached, so we probe the hub first and only call ``hf_hub_download`` once it
answered.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx2
from huggingface_hub import (
    HfApi,
    constants,
    get_hf_file_metadata,
    hf_hub_download,
    hf_hub_url,
    try_to_load_from_cache,
)
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from tinyagent.errors import ModelLoadError
from tinyagent.settings import Settings

T = TypeVar("T")

REVISION = "main"
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_TRUE = {"1", "on", "yes", "true"}


class HubUnreachable(ModelLoadError):
    """The hub did not answer (no network, DNS failure, timeout, offline mode)."""


@dataclass(frozen=True)
class HubRef:
    """``owner/repo:QUANT``, ``owner/repo/path/file.gguf`` or ``owner/repo`` (its only GGUF)."""

    repo_id: str
    filename: str | None = None
    quant: str | None = None

    def __str__(self) -> str:
        if self.filename:
            return f"{self.repo_id}/{self.filename}"
        return f"{self.repo_id}:{self.quant}" if self.quant else self.repo_id


def parse_reference(ref: str) -> HubRef | None:
    """The hub reference ``ref`` denotes, or None if it does not have the shape of one."""
    if ":" in ref:
        repo_id, _, quant = ref.rpartition(":")
        ok = _REPO_ID.match(repo_id) and re.fullmatch(r"[\w.-]+", quant)
        return HubRef(repo_id, quant=quant) if ok else None
    parts = ref.split("/")
    if len(parts) >= 3 and ref.lower().endswith(".gguf") and all(parts):
        repo_id = "/".join(parts[:2])
        return HubRef(repo_id, filename="/".join(parts[2:])) if _REPO_ID.match(repo_id) else None
    if len(parts) == 2 and _REPO_ID.match(ref) and not ref.lower().endswith(".gguf"):
        return HubRef(ref)
    return None


def is_offline(settings: Settings) -> bool:
    # Read the environment now: huggingface_hub froze HF_HUB_OFFLINE when it was imported.
    env = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE
    return settings.offline or env or constants.HF_HUB_OFFLINE


def endpoint(settings: Settings) -> str:
    return (settings.hub_endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def cache_dir() -> Path:
    """huggingface_hub's cache dir, computed from the environment now rather than at its import."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


def cached_file(repo_id: str, filename: str) -> Path | None:
    found = try_to_load_from_cache(repo_id, filename, cache_dir=cache_dir(), revision=REVISION)
    return Path(found) if isinstance(found, str) else None


def cached_gguf_files(repo_id: str) -> list[str]:
    """GGUF files in the cached snapshot of ``main`` (or the newest snapshot if no ref was recorded)."""
    repo_dir = cache_dir() / f"models--{repo_id.replace('/', '--')}"
    ref = repo_dir / "refs" / REVISION
    snapshots = repo_dir / "snapshots"
    if ref.is_file():
        snapshot = snapshots / ref.read_text().strip()
    elif snapshots.is_dir():
        candidates = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime)
        snapshot = candidates[-1] if candidates else snapshots
    else:
        return []
    if not snapshot.is_dir():
        return []
    files = (p for p in snapshot.rglob("*") if p.is_file() and p.name.lower().endswith(".gguf"))
    return sorted(p.relative_to(snapshot).as_posix() for p in files)


def select_quant(files: list[str], ref: HubRef) -> str:
    """The one GGUF matching the reference's quant tag (case-insensitive); ModelLoadError lists candidates."""
    ggufs = sorted(f for f in files if f.lower().endswith(".gguf"))
    if ref.quant is None:
        matches = ggufs
    else:
        tag = ref.quant.lower()
        matches = [f for f in ggufs if tag in Path(f).name.lower()]
        # "Q4_K" is contained in "Q4_K_M" too: prefer a file where the tag stands alone.
        exact = [f for f in matches if re.search(rf"(?<![a-z0-9_]){re.escape(tag)}(?![a-z0-9_])", f.lower())]
        matches = exact if len(exact) == 1 else matches
    if len(matches) == 1:
        return matches[0]
    listing = ", ".join(ggufs) or "none"
    what = f"quant {ref.quant!r}" if ref.quant else "a single GGUF file"
    if not matches:
        raise ModelLoadError(f"no GGUF file in {ref.repo_id} matches {what}; GGUF files: {listing}")
    choices = ", ".join(matches)
    raise ModelLoadError(f"{ref} is ambiguous: several GGUF files match ({choices}); name one as {ref.repo_id}/<file>")


def _within(timeout_s: float, what: str, call: Callable[[], T]) -> T:
    """Run a hub call in a daemon thread and give up after the timeout.

    HTTP client timeouts do not cover DNS resolution, which can hang for tens of seconds
    behind some firewalls; the thread is abandoned if it does not finish.
    """
    results: list[T] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            results.append(call())
        except BaseException as exc:  # handed over to the caller's thread, which re-raises it
            errors.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="tinyagent-hub", daemon=True).start()
    if not done.wait(timeout_s + 1.0):
        raise HubUnreachable(f"{what}: no answer within {timeout_s:g} s")
    if errors:
        raise errors[0]
    return results[0]


def _first_line(exc: Exception) -> str:
    # huggingface_hub appends hints and request ids on further lines; a start-up message needs one.
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _hub_error(exc: Exception, what: str, hub_url: str) -> ModelLoadError:
    """Turn a huggingface_hub / httpx failure into a ModelLoadError with a plain message."""
    if isinstance(exc, (httpx2.TransportError, OfflineModeIsEnabled, HubUnreachable)):
        return HubUnreachable(
            f"the model hub at {hub_url} could not be reached ({type(exc).__name__}: {_first_line(exc)})"
        )
    if isinstance(exc, GatedRepoError):
        return ModelLoadError(f"{what} is gated on {hub_url}: accept its licence and log in (HF_TOKEN)")
    if isinstance(exc, RepositoryNotFoundError):
        return ModelLoadError(f"repository of {what} not found on {hub_url} (or it is private)")
    if isinstance(exc, RevisionNotFoundError):
        return ModelLoadError(f"revision {REVISION!r} of {what} not found on {hub_url}")
    if isinstance(exc, EntryNotFoundError):
        return ModelLoadError(f"{what} not found on {hub_url}")
    if isinstance(exc, HfHubHTTPError):
        return ModelLoadError(f"the model hub at {hub_url} refused {what}: {_first_line(exc)}")
    return ModelLoadError(f"could not fetch {what} from {hub_url}: {type(exc).__name__}: {_first_line(exc)}")


def _hub_call(settings: Settings, what: str, call: Callable[[], T]) -> T:
    try:
        return _within(settings.hub_timeout_s, what, call)
    except (
        httpx2.HTTPError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        ValueError,
        OSError,
        HubUnreachable,
    ) as exc:
        raise _hub_error(exc, what, endpoint(settings)) from exc


def list_gguf_files(repo_id: str, settings: Settings) -> list[str]:
    """GGUF files of a repo: from the hub when reachable, else from the cached snapshot."""
    if not is_offline(settings):
        api = HfApi(endpoint=endpoint(settings))
        try:
            info = _hub_call(
                settings,
                f"repository {repo_id}",
                lambda: api.model_info(repo_id, revision=REVISION, timeout=settings.hub_timeout_s),
            )
            return sorted(s.rfilename for s in info.siblings or () if s.rfilename.lower().endswith(".gguf"))
        except HubUnreachable:
            if not cached_gguf_files(repo_id):
                raise
    files = cached_gguf_files(repo_id)
    if not files:
        reason = "offline mode is on" if is_offline(settings) else "the hub is unreachable"
        raise HubUnreachable(f"no cached GGUF files for {repo_id} and {reason}")
    return files


def download(repo_id: str, filename: str, settings: Settings) -> Path:
    """Download one file into the hub cache (with huggingface_hub's progress bar) and return its path."""
    what = f"{repo_id}/{filename}"
    hub_url = endpoint(settings)
    url = hf_hub_url(repo_id, filename, revision=REVISION, endpoint=hub_url)
    # A bounded probe first: on a connection error with nothing cached, hf_hub_download retries for ~1 min.
    _hub_call(settings, what, lambda: get_hf_file_metadata(url, timeout=settings.hub_timeout_s, endpoint=hub_url))
    try:
        path = hf_hub_download(
            repo_id,
            filename,
            revision=REVISION,
            cache_dir=cache_dir(),
            endpoint=hub_url,
            etag_timeout=settings.hub_timeout_s,
        )
    except (httpx2.HTTPError, HfHubHTTPError, OfflineModeIsEnabled, ValueError, OSError) as exc:
        raise _hub_error(exc, what, hub_url) from exc
    return Path(str(path))


def fetch(ref: HubRef, settings: Settings) -> Path:
    """Local path of the file a hub reference names: from the cache if there, else downloaded once."""
    filename = ref.filename or select_quant(list_gguf_files(ref.repo_id, settings), ref)
    cached = cached_file(ref.repo_id, filename)
    if cached is not None:
        return cached
    if is_offline(settings):
        raise HubUnreachable(f"{ref.repo_id}/{filename} is not in the hub cache ({cache_dir()}) and offline mode is on")
    try:
        return download(ref.repo_id, filename, settings)
    except HubUnreachable as exc:
        raise HubUnreachable(f"{ref.repo_id}/{filename} is not in the hub cache and {exc.message}") from exc
