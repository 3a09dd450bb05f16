"""Turn ``settings.model`` (a path, a hub reference or a catalogue alias) into a local GGUF file.

The one forgiving rule: when the user did not choose a model and the default
cannot be had (offline, hub unreachable, nothing cached), the embedded model is
served instead and the reason travels with the result, so /health and
/v1/models can say so. A model the user named explicitly either resolves or
fails with ModelLoadError.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from tinyagent.errors import ModelLoadError
from tinyagent.models import hub
from tinyagent.models.catalogue import (
    EMBEDDED_DEFAULT,
    AssembledSource,
    CatalogueEntry,
    HubSource,
    aliases,
    assemble_file,
    entry_for_filename,
    get_entry,
    served_file,
)
from tinyagent.models.profiles import GENERIC, ModelProfile
from tinyagent.settings import Settings

logger = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class ResolvedModel:
    path: Path
    profile: ModelProfile
    # Id reported by /v1/models: the alias, the hub reference as given, or the file name.
    model_id: str
    # Where the file came from, for logs and /health: a path, a hub reference or a package.
    source: str
    # Set when the embedded model stands in for the default: a plain sentence for humans.
    fallback_reason: str | None = None


def check_gguf(path: Path) -> None:
    """ModelLoadError unless ``path`` is an existing file that starts with the GGUF magic bytes."""
    if not path.exists():
        raise ModelLoadError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelLoadError(f"model path is not a file: {path}")
    try:
        with path.open("rb") as f:
            magic = f.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise ModelLoadError(f"cannot read model file {path}: {exc}") from exc
    if magic != GGUF_MAGIC:
        raise ModelLoadError(f"{path} is not a GGUF model file (it does not start with {GGUF_MAGIC!r})")


def _apply_overrides(profile: ModelProfile, settings: Settings) -> ModelProfile:
    if settings.chat_format:
        profile = dataclasses.replace(profile, chat_format=settings.chat_format)
    if settings.n_ctx:
        profile = dataclasses.replace(profile, context_length=settings.n_ctx)
    return profile


def _result(path: Path, profile: ModelProfile, model_id: str, source: str, settings: Settings) -> ResolvedModel:
    check_gguf(path)
    return ResolvedModel(path, _apply_overrides(profile, settings), model_id, source)


def _looks_like_path(ref: str) -> bool:
    return ref.startswith(("/", "./", "../", "~", ".\\", "..\\")) or "\\" in ref or ref.lower().endswith(".gguf")


def _from_path(path: Path, settings: Settings) -> ResolvedModel:
    entry = entry_for_filename(path.name)
    profile = entry.profile if entry is not None else GENERIC
    return _result(path, profile, path.name, str(path), settings)


def _from_entry(entry: CatalogueEntry, settings: Settings) -> ResolvedModel:
    source = entry.source
    if isinstance(source, HubSource):
        path = hub.fetch(hub.HubRef(source.repo_id, filename=source.filename), settings)
    elif isinstance(source, AssembledSource):
        path = assemble_file(source, settings.data_dir)
    else:
        path = served_file(source, settings.data_dir)
    return _result(path, entry.profile, entry.alias, source.describe(), settings)


def _from_hub(ref: hub.HubRef, given: str, settings: Settings) -> ResolvedModel:
    path = hub.fetch(ref, settings)
    entry = entry_for_filename(path.name)
    profile = entry.profile if entry is not None else GENERIC
    return _result(path, profile, given, f"hub {ref.repo_id}/{path.name}", settings)


def _resolve_reference(ref: str, settings: Settings) -> ResolvedModel:
    entry = get_entry(ref)
    if entry is not None:
        return _from_entry(entry, settings)
    path = Path(ref).expanduser()
    if path.exists():
        return _from_path(path, settings)
    hub_ref = hub.parse_reference(ref)
    if hub_ref is not None:
        return _from_hub(hub_ref, ref, settings)
    if _looks_like_path(ref):
        raise ModelLoadError(f"model file not found: {path}")
    raise ModelLoadError(
        f"unknown model {ref!r}: not a file, not a hub reference (owner/repo:QUANT or owner/repo/file.gguf) "
        f"and not a catalogue alias ({', '.join(aliases())})"
    )


def _fallback(settings: Settings, failure: ModelLoadError) -> ResolvedModel:
    embedded = get_entry(EMBEDDED_DEFAULT)
    assert embedded is not None, "EMBEDDED_DEFAULT must name a catalogue entry"
    reason = (
        f"The default model {settings.model} could not be loaded because {failure.message}; "
        f"serving the embedded {embedded.alias} model instead (pass --model to choose one explicitly)."
    )
    try:
        resolved = _from_entry(embedded, settings)
    except ModelLoadError as exc:
        raise ModelLoadError(
            f"{failure.message}; the embedded fallback {embedded.alias} cannot be had either: {exc.message}"
        ) from exc
    banner = "!" * 72
    logger.warning("\n%s\nMODEL FALLBACK: %s\n%s", banner, reason, banner)
    return dataclasses.replace(resolved, fallback_reason=reason)


def resolve_model(settings: Settings) -> ResolvedModel:
    """Resolve ``settings.model`` to a local GGUF; ModelLoadError if it cannot be had.

    May download (hub references) or assemble (gemma3-270m) a file once; blocking,
    so call it from a worker thread in async code.
    """
    try:
        return _resolve_reference(settings.model, settings)
    except ModelLoadError as exc:
        if "model" in settings.model_fields_set:
            raise
        return _fallback(settings, exc)
