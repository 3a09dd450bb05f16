"""ToolRAG: the example bank, the cached index, tool selection in both modes, the facade."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from tinyagent.embeddings import Embeddings
from tinyagent.errors import ModelLoadError
from tinyagent.plans.prompts import build_planner_prompt
from tinyagent.toolrag.bank import (
    BankError,
    Example,
    bank_queries,
    content_hash,
    default_bank_path,
    load_bank,
    normalise_query,
    parse_bank,
    tool_coverage,
)
from tinyagent.toolrag.classifier import ToolClassifier, label_tools, resolve_checkpoint
from tinyagent.toolrag.fitted import fitted
from tinyagent.toolrag.fitting import fit, vectoriser
from tinyagent.toolrag.guide import ToolSetClassifier, toolset_job
from tinyagent.toolrag.index import ExampleIndex
from tinyagent.toolrag.linear import CHARS, WORDS, Analyzer
from tinyagent.toolrag.probe import group_folds, near_duplicate_groups, probe_job, train_probe
from tinyagent.toolrag.select import (
    EMBEDDING_THRESHOLD,
    ClassifierSelector,
    EmbeddingSelector,
    ToolRAG,
    choose_tools,
)
from tinyagent.tools.registry import TOOL_NAMES, ToolSet

ALL = ToolSet.all()
MIN_PER_TOOL = 20


# --------------------------------------------------------------------------- the bank


def test_bank_is_large_valid_and_covers_every_tool() -> None:
    bank = load_bank()  # validates: every plan parses with no error or warning, unique ids/queries
    assert len(bank.examples) >= 420
    assert 0.15 <= len(bank.heldout) / len(bank.examples) <= 0.25
    coverage = tool_coverage(bank.bank)
    assert all(count >= MIN_PER_TOOL for count in coverage.values()), coverage
    assert all(tool_coverage(bank.heldout)[t] >= 3 for t in TOOL_NAMES)
    sizes = Counter(len(e.calls) for e in bank.bank)
    assert sizes[1] >= 100 and sizes[3] + sizes[4] + sizes[5] >= 100  # singles and real multi-step plans


def test_bank_queries_are_unique_after_normalisation_and_splits_disjoint() -> None:
    bank = load_bank()
    keys = [normalise_query(q) for q in bank_queries()]
    assert len(keys) == len(set(keys)) == len(bank.examples)
    assert not {normalise_query(e.query) for e in bank.bank} & {normalise_query(e.query) for e in bank.heldout}
    assert normalise_query("  Text SID, that I'm late!! ") == normalise_query("text sid that i m late")


def test_rendered_examples_follow_upstream_format() -> None:
    for example in load_bank().examples:
        text = example.render()
        assert text.startswith(f"Question: {example.query}\n1. ")
        assert text.endswith(f"{len(example.calls) + 1}. join()<END_OF_PLAN>\n")


def test_bank_rejects_broken_records() -> None:
    good = {"id": "a", "query": "text Sid hi", "plan": '1. get_phone_number("Sid")\n2. join()', "split": "bank"}
    line = json.dumps(good)
    with pytest.raises(BankError, match="does not parse"):
        parse_bank(json.dumps({**good, "plan": '1. get_phone("Sid")\n2. join()'}))
    with pytest.raises(BankError, match="repeats the query"):
        parse_bank(line + "\n" + json.dumps({**good, "id": "b", "query": "Text Sid: hi!"}))
    with pytest.raises(BankError, match="split"):
        parse_bank(json.dumps({**good, "split": "train"}))
    with pytest.raises(BankError, match="invalid JSON"):
        parse_bank("{nope")


def test_content_hash_ignores_line_endings_only() -> None:
    text = default_bank_path().read_text(encoding="utf-8")
    assert content_hash(text) == content_hash(text.replace("\n", "\r\n")) == load_bank().content_hash
    assert content_hash(text) != content_hash(text.replace("Sid", "Sidd", 1))


# --------------------------------------------------------------------------- the index cache


class BagOfWords:
    """A fast deterministic embedder that counts its calls (stands in for MiniLM)."""

    def __init__(self, model_name: str = "bow-a") -> None:
        self.vector_id = model_name
        self.texts_encoded = 0

    def encode_sync(self, texts: list[str]) -> Embeddings:
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in normalise_query(text).split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return Embeddings(vectors=out, token_count=0)


def test_index_is_built_once_then_loaded_from_disk(tmp_path: Path) -> None:
    bank = load_bank()
    first = BagOfWords()
    built = ExampleIndex.open(bank, first, tmp_path)
    assert first.texts_encoded == len(bank.bank)
    second = BagOfWords()
    loaded = ExampleIndex.open(bank, second, tmp_path)
    assert second.texts_encoded == 0
    assert np.allclose(built.vectors(), loaded.vectors())
    assert all(e.split == "bank" for e in loaded.examples)  # held-out examples are never retrievable


def test_changed_bank_or_model_rebuilds(tmp_path: Path) -> None:
    text = default_bank_path().read_text(encoding="utf-8")
    ExampleIndex.open(parse_bank(text), BagOfWords(), tmp_path)
    other_model = BagOfWords("bow-b")
    ExampleIndex.open(parse_bank(text), other_model, tmp_path)
    assert other_model.texts_encoded > 0
    edited = parse_bank(text.replace("Sid", "Siddharth", 1))
    same_model = BagOfWords()
    ExampleIndex.open(edited, same_model, tmp_path)
    assert same_model.texts_encoded == len(edited.bank)


def test_corrupt_cache_is_rebuilt_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bank = load_bank()
    ExampleIndex.open(bank, BagOfWords(), tmp_path)
    for path in tmp_path.glob("*.faiss"):
        path.write_bytes(b"not a faiss index")
    embedder = BagOfWords()
    with caplog.at_level(logging.WARNING, logger="tinyagent.toolrag.index"):
        index = ExampleIndex.open(bank, embedder, tmp_path)
    assert embedder.texts_encoded == len(bank.bank) and "rebuilding" in caplog.text
    assert ExampleIndex.open(bank, third := BagOfWords(), tmp_path).examples == index.examples
    assert third.texts_encoded == 0  # the rebuilt cache was written back


def test_filtered_search_fills_k_even_when_rare(tmp_path: Path) -> None:
    index = ExampleIndex.open(load_bank(), BagOfWords(), tmp_path)
    vector = index.embed("text Sid that I'm running late")
    hits = index.search(vector, 6, lambda e: e.tools <= {"forward_email", "get_email_address"})
    assert len(hits) == 6 and all(h.example.tools <= {"forward_email", "get_email_address"} for h in hits)
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)


# --------------------------------------------------------------------------- real MiniLM


@pytest.fixture(scope="module")
def rag(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolRAG]:
    import torch

    from tinyagent.embeddings import Embedder

    # Two cores shared with other test runs: a second torch thread only adds spin-waiting.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        data_dir = tmp_path_factory.mktemp("data")
        yield ToolRAG.create(Embedder(), cache_dir=data_dir / "toolrag")
        assert list((data_dir / "toolrag").glob("examples-*.faiss"))
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize(
    ("query", "needed"),
    [
        ("text Sid that I'm late", {"get_phone_number", "send_sms"}),
        ("Set up a zoom call with Amir tomorrow at 3pm and add it to my calendar",
         {"get_email_address", "get_zoom_meeting_link", "create_calendar_event"}),
        ("Summarize Project Proposal.pdf", {"open_and_get_file_path", "summarize_pdf"}),
        ("show me directions to Apple Park", {"maps_show_directions"}),
        ("remind me to call the dentist tomorrow at 9", {"create_reminder"}),
        ("forward this email to Maya", {"get_email_address", "forward_email"}),
        ("add eggs to my shopping list note", {"append_note_content"}),
    ],
)  # fmt: skip
def test_semantic_sanity(rag: ToolRAG, query: str, needed: set[str]) -> None:
    result = rag.retrieve(query, ALL)
    selected = {name for name, _ in result.tools}
    assert needed <= selected, result.tools
    # 3.3 tools per held-out query on average with the n-gram probe (bench_toolrag.py); 8 leaves slack.
    assert len(selected) <= 8 and not result.fallback
    assert len(result.examples) == 6
    assert all(load_example_tools(q) <= selected for q, _, _ in result.examples)


def load_example_tools(query: str) -> frozenset[str]:
    return _BANK_TOOLS[query]


_BANK_TOOLS = {e.query: e.tools for e in load_bank().bank}


def test_only_enabled_tools_and_examples_within_them(rag: ToolRAG) -> None:
    enabled = ToolSet.for_apps(["maps", "notes"])
    result = rag.retrieve("text Sid the address of Tartine Bakery", enabled)
    names = {name for name, _ in result.tools}
    assert names and names <= set(enabled.names)
    assert all(load_example_tools(q) <= names for q, _, _ in result.examples)
    assert result.toolset(enabled).names == tuple(n for n in enabled.names if n in names)


def test_never_zero_tools(rag: ToolRAG) -> None:
    selector = rag.selector
    assert isinstance(selector, EmbeddingSelector)
    strict = ToolRAG(EmbeddingSelector(selector.index, threshold=1.01, probe=selector.probe))
    enabled = ToolSet.for_apps(["reminders", "sms"])
    result = strict.retrieve("what's the weather like", enabled)
    assert result.fallback and [n for n, _ in result.tools] == list(enabled.names)
    assert ToolRAG(selector).retrieve("hello", ToolSet(())).tools == ()


def test_trained_probe_meets_recall_and_size_on_an_unseen_fold(rag: ToolRAG) -> None:
    """A probe trained on four fifths of the bank selects all needed tools of the fifth, compactly.

    Folds keep near-duplicate queries together, so this measures generalisation to new phrasings."""
    index = rag.selector.index
    vectors, examples = index.vectors(), index.examples
    test = group_folds(near_duplicate_groups(vectors), 5)[0]
    train = np.setdiff1d(np.arange(len(examples)), test)
    probe = train_probe(vectors[train], [examples[i] for i in train])
    hits, sizes = [], []
    for i in test:
        tools, _ = choose_tools(probe.scores(examples[i].query, vectors[i]), ALL, EMBEDDING_THRESHOLD)
        hits.append(examples[i].tools <= {t.name for t in tools})
        sizes.append(len(tools))
    assert len(test) > 150
    assert np.mean(hits) >= 0.98 and np.mean(sizes) <= 4.5, (np.mean(hits), np.mean(sizes))


ODD_TEXTS = (
    "Txt Sid: running 10 min late!!",
    "remindr to water the plants",
    "qqq zzz",
    "  Émail   Zoë\tthe   café's  menu\n\nnow ",
    "a I x",  # words shorter than the char n-grams, tokens shorter than the word pattern
    "",
    "déjà-vu 3pm/4pm e-mail me@example.com 🙂",
)


@pytest.mark.parametrize(
    "analyzer", [WORDS, CHARS, Analyzer("word", 2, 3), Analyzer("char_wb", 1, 3), Analyzer("word", 1, 1)]
)
def test_analysers_equal_sklearns(analyzer: Analyzer) -> None:
    """Scoring reads n-grams without scikit-learn (the server never imports it): they must be its own."""
    fitted_vectoriser = vectoriser(analyzer)
    reference = fitted_vectoriser.build_analyzer()
    for text in ODD_TEXTS:
        assert analyzer(text) == reference(text), text


def test_probe_ngram_scoring_matches_sklearn_tfidf(rag: ToolRAG) -> None:
    """The probe scores n-grams without sklearn (speed, memory): it must equal the fitted vectorisers' features."""
    index = rag.selector.index
    probe = train_probe(index.vectors(), index.examples)
    queries = [e.query for e in index.examples]
    for query in ODD_TEXTS:
        for block in probe.ngrams:
            features = vectoriser(block.analyzer).fit(queries).transform([query])
            assert np.allclose(features @ block.weights, block.logits(query), atol=1e-5)


def test_child_fit_equals_fit_in_process_and_is_kept(
    rag: ToolRAG, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The server fits in a child process and keeps the model: same weights as a fit here, loaded the
    second time without a child, refitted when damaged; without an interpreter to start, fitted here."""
    index = rag.selector.index
    job = toolset_job(index.examples[:300], index.vectors()[:300], TOOL_NAMES, ())
    here, child = fit(job), fitted(job, tmp_path)
    assert np.array_equal(here.weights, child.weights) and np.array_equal(here.bias, child.bias)
    for mine, theirs in zip(here.ngrams, child.ngrams, strict=True):
        assert mine.vocabulary == theirs.vocabulary and np.array_equal(mine.weights, theirs.weights)
    (kept,) = tmp_path.glob("probe-*.npz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tinyagent.toolrag.fitted._run_child", lambda folder: pytest.fail("fitted again"))
        assert np.array_equal(fitted(job, tmp_path).weights, here.weights)
    kept.write_bytes(b"damaged")
    assert np.array_equal(fitted(job, tmp_path).weights, here.weights)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.executable", "/nonexistent/python")
        small = probe_job(index.vectors()[:50], index.examples[:50])
        assert np.array_equal(fitted(small, None).weights, fit(small).weights)
    assert "fitting them in this one" in caplog.text


SERVER_SIDE = """
import sys
from pathlib import Path
import tinyagent.app
from tinyagent.embeddings import Embedder
from tinyagent.toolrag.select import ToolRAG
rag = ToolRAG.create(Embedder(), cache_dir=Path(sys.argv[1]))
rag.guide("text Sid that I am late", rag.tools)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "scipy")))
"""


def test_the_server_side_never_imports_scikit_learn(rag: ToolRAG) -> None:
    """The app, a ToolRAG and a guided skeleton, in a fresh interpreter: neither scikit-learn nor SciPy
    loads (~90 MB resident, issue 21's memory goal); the fits ran in children."""
    done = subprocess.run([sys.executable, "-c", SERVER_SIDE, str(rag.cache_dir)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_toolset_classifier_equals_sklearns_pipeline(rag: ToolRAG) -> None:
    """The guide's classifier, scored in numpy, gives scikit-learn's own probabilities."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    index = rag.selector.index
    examples, vectors = index.examples, index.vectors()
    classifier = ToolSetClassifier(examples, vectors, TOOL_NAMES)
    texts = [e.matched for e in examples]
    words, chars = vectoriser(WORDS).fit(texts), vectoriser(CHARS).fit(texts)
    features = hstack([csr_matrix(vectors), words.transform(texts), chars.transform(texts)]).tocsr()
    for name in ("send_sms", "create_reminder", "get_zoom_meeting_link"):
        labels = np.array([name in e.tools for e in examples], dtype=int)
        model = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced", solver="liblinear")
        model.fit(features, labels)
        for query, vector in (("txt sid im late", index.embed("txt sid im late")), (examples[7].matched, vectors[7:8])):
            row = hstack([csr_matrix(vector), words.transform([query]), chars.transform([query])]).tocsr()
            assert classifier.probabilities(query, vector)[name] == pytest.approx(
                model.predict_proba(row)[0, 1], abs=1e-9
            )


def test_result_renders_into_the_planner_prompt(rag: ToolRAG) -> None:
    result = rag.retrieve("email Priya the offsite agenda", ALL, top_k=3)
    assert len(result.examples) == 3 and set(result.timings) >= {"embed_ms", "search_ms", "total_ms"}
    block = result.examples_block()
    assert block.count("###\n") == 3 and block.startswith("Question: ")
    prompt = build_planner_prompt(
        result.toolset(ALL),
        "email Priya the offsite agenda",
        datetime(2026, 11, 23, 9),
        examples=result.rendered_examples,
    )
    assert prompt.system.endswith("Here are some examples:\n\n" + block)


# --------------------------------------------------------------------------- classifier mode


@pytest.fixture(scope="module")
def tiny_classifier_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny DeBERTa-v2 with 16 labels whose head is rigged to fire on SMS tools only."""
    import torch
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

    from tinyagent.embeddings import bundled_model_path

    out = tmp_path_factory.mktemp("toolrag-classifier")
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(bundled_model_path() / name, out / name)  # MiniLM's WordPiece tokenizer, offline
    config = DebertaV2Config(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128, num_labels=16, pooler_hidden_size=32,
    )  # fmt: skip
    torch.manual_seed(0)
    model = DebertaV2ForSequenceClassification(config)
    bias = torch.full((16,), -10.0)
    bias[TOOL_NAMES.index("get_phone_number")] = 10.0
    bias[TOOL_NAMES.index("send_sms")] = 10.0
    bias[TOOL_NAMES.index("create_reminder")] = 0.0  # sigmoid exactly 0.5: upstream needs > 0.5
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(bias)
    model.save_pretrained(out)
    return out


def test_classifier_labels_threshold_and_enabled(tiny_classifier_dir: Path, tmp_path: Path) -> None:
    classifier = ToolClassifier(tiny_classifier_dir)
    scores = classifier.scores("anything at all")
    assert set(scores) == set(TOOL_NAMES) and scores["create_reminder"] == pytest.approx(0.5)
    index = ExampleIndex.open(load_bank(), BagOfWords(), tmp_path)
    rag = ToolRAG(ClassifierSelector(classifier, index))
    result = rag.retrieve("text Sid hi", ALL)
    assert [n for n, _ in result.tools] == ["get_phone_number", "send_sms"] and not result.fallback
    assert all(load_example_tools(q) <= {"get_phone_number", "send_sms"} for q, _, _ in result.examples)
    assert [n for n, _ in rag.retrieve("x", ToolSet.for_apps(["contacts"])).tools] == ["get_phone_number"]
    maps = ToolSet.for_apps(["maps"])
    fallback = rag.retrieve("x", maps)
    assert fallback.fallback and [n for n, _ in fallback.tools] == list(maps.names)


def test_label_mapping() -> None:
    assert label_tools(None, 16) == TOOL_NAMES
    assert label_tools({i: f"LABEL_{i}" for i in range(16)}, 16) == TOOL_NAMES
    reversed_names = tuple(reversed(TOOL_NAMES))
    assert label_tools(dict(enumerate(reversed_names)), 16) == reversed_names
    with pytest.raises(ModelLoadError, match="16"):
        label_tools(None, 3)


def test_classifier_checkpoint_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_checkpoint(tmp_path) == tmp_path
    with pytest.raises(ModelLoadError, match="neither"):
        resolve_checkpoint(tmp_path / "missing-dir")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ModelLoadError, match="offline"):
        resolve_checkpoint("squeeze-ai-lab/TinyAgent-ToolRAG", offline=True)


def test_create_in_classifier_mode(tiny_classifier_dir: Path, tmp_path: Path) -> None:
    rag = ToolRAG.create(BagOfWords(), cache_dir=tmp_path, mode="classifier", classifier_model=tiny_classifier_dir)
    assert isinstance(rag.selector, ClassifierSelector)
    result = rag.retrieve("text Sid hi", ALL, top_k=2)
    assert [n for n, _ in result.tools] == ["get_phone_number", "send_sms"] and len(result.examples) == 2
    assert list(tmp_path.glob("examples-*.json"))


def test_mcp_tool_descriptions_teach_the_classifier_their_verbs() -> None:
    # Two tools of one server that only their verbs tell apart; no example uses either.
    examples = [
        Example("b1", "text Sid that I am late", '1. send_sms(["Sid"], "I am late")\n2. join()', "bank", ("send_sms",)),
        Example("b2", "what is on my Errands note", '1. open_note("Errands", "")\n2. join()', "bank", ("open_note",)),
    ]
    described = [
        ("tasks__add_task", "Add a task to the to-do list.", np.zeros((1, 4), dtype=np.float32)),
        ("tasks__complete_task", "Mark the task with this title as done.", np.zeros((1, 4), dtype=np.float32)),
    ]
    names = ["send_sms", "open_note", "tasks__add_task", "tasks__complete_task"]
    classifier = ToolSetClassifier(examples, np.zeros((2, 4), dtype=np.float32), names, described)
    done = classifier.probabilities("mark call the plumber as done", np.zeros((1, 4), dtype=np.float32))
    added = classifier.probabilities("add call the plumber to my tasks", np.zeros((1, 4), dtype=np.float32))
    assert done["tasks__complete_task"] > done["tasks__add_task"]
    assert added["tasks__add_task"] > added["tasks__complete_task"]
    untaught = ToolSetClassifier(examples, np.zeros((2, 4), dtype=np.float32), names)
    assert untaught.probabilities("mark it as done", np.zeros((1, 4), dtype=np.float32))["tasks__complete_task"] == 0.0
