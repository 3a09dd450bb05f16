"""Tool selection and example retrieval for one planner prompt; ``ToolRAG`` is the entry point.

Two selectors share one protocol (``ToolSelector``) and one retrieval step:

* ``EmbeddingSelector`` (default): a linear probe over the query's MiniLM embedding and its TF-IDF
  n-grams scores the 16 tools (``probe.py``); the threshold is chosen by cross-validation on the bank.
* ``ClassifierSelector``: upstream's DeBERTa checkpoint, sigmoid > 0.5.

Then, as upstream: tools are narrowed to the enabled ones, and the top-k bank examples are taken
among those whose tools are all selected, so no example shows a tool the prompt does not describe.

Invariants: only enabled tools are ever returned, and never zero tools: when nothing passes the
threshold every enabled tool is returned (``fallback``), since a prompt without the needed tool
cannot produce a correct plan while an oversized prompt only costs time.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from tinyagent.plans.prompts import examples_block
from tinyagent.plans.skeleton import PlanGuide
from tinyagent.settings import Settings
from tinyagent.toolrag.bank import Example, ExampleBank, load_bank, parse_example, without_values
from tinyagent.toolrag.classifier import DEFAULT_THRESHOLD as CLASSIFIER_THRESHOLD
from tinyagent.toolrag.classifier import UPSTREAM_MODEL, ToolClassifier
from tinyagent.toolrag.guide import DEFAULT_SHOTS, USER_PREFIX, SkeletonRanker
from tinyagent.toolrag.index import ExampleIndex, Hit, TextEmbedder
from tinyagent.toolrag.linear import LinearProbe
from tinyagent.toolrag.probe import ProbeConfig, train_probe
from tinyagent.tools.registry import ToolSet

DEFAULT_TOP_K = 6  # upstream TinyAgent._DEFAULT_TOP_K
# Chosen by grouped 5-fold cross-validation on the bank split (bench/bench_toolrag.py --cv prints the curve):
# recall 0.996 with 3.7 tools per query (0.1: 1.000 / 4.9; 0.2: 0.992 / 3.1; 0.25: 0.991 / 2.8). The lowest of
# those within recall 0.99, for margin: a missing tool fails the plan while an extra one costs ~100 prompt tokens.
# The held-out split only reports the result (bench/bench_toolrag.py).
EMBEDDING_THRESHOLD = 0.15
# summarize_pdf's description says it only works after open_and_get_file_path.
REQUIRES: Mapping[str, tuple[str, ...]] = {"summarize_pdf": ("open_and_get_file_path",)}

Mode = Literal["embedding", "classifier"]
# (query, plan) pairs a user wrote for MCP tools (workers/mcp/hub.py), added to the bank.
ExtraExamples = Sequence[tuple[str, str]]
# ``await extras()``: every tool (the enabled built-ins and the MCP servers') and the MCP examples.
ExtrasSource = Callable[[], Awaitable[tuple[ToolSet, ExtraExamples]]]


@dataclass(frozen=True)
class ToolChoice:
    """The tools, examples and guide for one plan prompt, as ToolRAG (or nothing) chose them."""

    tools: ToolSet
    examples: str | None = None  # a rendered examples block; None = upstream's default examples
    guide: PlanGuide | None = None  # guided planning (small-model profiles)


@dataclass(frozen=True)
class ScoredTool:
    name: str
    score: float


@dataclass(frozen=True)
class Selection:
    tools: tuple[ScoredTool, ...]  # registry order
    examples: tuple[Hit, ...]  # most similar first
    fallback: bool = False  # nothing passed the threshold: every enabled tool was returned
    timings: Mapping[str, float] = field(default_factory=dict)  # milliseconds per stage

    def toolset(self, enabled: ToolSet) -> ToolSet:
        names = {t.name for t in self.tools}
        return ToolSet(tuple(t for t in enabled if t.name in names))


class ToolSelector(Protocol):
    index: ExampleIndex

    def select(self, query: str, enabled: ToolSet, *, top_k: int = DEFAULT_TOP_K) -> Selection: ...


def choose_tools(
    scores: Mapping[str, float], enabled: ToolSet, threshold: float, *, strict: bool = False
) -> tuple[tuple[ScoredTool, ...], bool]:
    """Enabled tools scoring >= ``threshold`` (> if ``strict``) plus what they require; all if none pass."""
    chosen = {
        name for name in enabled.names if (s := scores.get(name, 0.0)) > threshold or (not strict and s == threshold)
    }
    fallback = not chosen
    if fallback:
        chosen = set(enabled.names)
    for name in list(chosen):
        chosen.update(r for r in REQUIRES.get(name, ()) if r in enabled)
    tools = tuple(ScoredTool(n, round(float(scores.get(n, 0.0)), 4)) for n in enabled.names if n in chosen)
    return tools, fallback


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _retrieve(index: ExampleIndex, vector: np.ndarray, tools: tuple[ScoredTool, ...], top_k: int) -> tuple[Hit, ...]:
    allowed = frozenset(t.name for t in tools)
    return tuple(index.search(vector, top_k, lambda e: e.tools <= allowed))


class EmbeddingSelector:
    """Probe scores on the query embedding; examples from the same embedding."""

    def __init__(
        self, index: ExampleIndex, *, threshold: float = EMBEDDING_THRESHOLD, probe: LinearProbe | None = None
    ) -> None:
        self.index = index
        self.threshold = threshold
        self.probe = probe if probe is not None else train_probe(index.vectors(), index.examples, ProbeConfig())

    def scores(self, query: str, vector: np.ndarray) -> dict[str, float]:
        return self.probe.scores(query, vector)

    def select(self, query: str, enabled: ToolSet, *, top_k: int = DEFAULT_TOP_K) -> Selection:
        start = time.perf_counter()
        vector = self.index.embed(query)
        embed_ms, start = _ms(start), time.perf_counter()
        tools, fallback = choose_tools(self.scores(query, vector), enabled, self.threshold)
        select_ms, start = _ms(start), time.perf_counter()
        examples = _retrieve(self.index, vector, tools, top_k)
        timings = {"embed_ms": embed_ms, "select_ms": select_ms, "search_ms": _ms(start)}
        return Selection(tools, examples, fallback, timings)


class ClassifierSelector:
    """Upstream's classifier for the tools; the embedding index for the examples."""

    def __init__(
        self, classifier: ToolClassifier, index: ExampleIndex, *, threshold: float = CLASSIFIER_THRESHOLD
    ) -> None:
        self.classifier = classifier
        self.index = index
        self.threshold = threshold

    def select(self, query: str, enabled: ToolSet, *, top_k: int = DEFAULT_TOP_K) -> Selection:
        start = time.perf_counter()
        scores = self.classifier.scores(query)
        # Upstream keeps labels with probability strictly above 0.5.
        tools, fallback = choose_tools(scores, enabled, self.threshold, strict=True)
        select_ms, start = _ms(start), time.perf_counter()
        vector = self.index.embed(query)
        embed_ms, start = _ms(start), time.perf_counter()
        examples = _retrieve(self.index, vector, tools, top_k)
        timings = {"embed_ms": embed_ms, "select_ms": select_ms, "search_ms": _ms(start)}
        return Selection(tools, examples, fallback, timings)


@dataclass(frozen=True)
class ToolRAGResult:
    tools: tuple[tuple[str, float], ...]  # (name, score), registry order
    examples: tuple[tuple[str, str, float], ...]  # (query, plan, similarity), most similar first
    timings: Mapping[str, float]  # embed_ms, select_ms, search_ms, total_ms
    fallback: bool
    rendered_examples: tuple[str, ...]  # "Question: ...\n1. ...\nN. join()<END_OF_PLAN>\n"

    def toolset(self, enabled: ToolSet) -> ToolSet:
        """The selected tools as a ToolSet, for ``prompts.build_planner_prompt(tools, ...)``."""
        names = {name for name, _ in self.tools}
        return ToolSet(tuple(t for t in enabled if t.name in names))

    def examples_block(self) -> str:
        """The examples exactly as the planner prompt shows them (each followed by ``###``)."""
        return examples_block(self.rendered_examples)


class ToolRAG:
    """Facade: ``retrieve(query, enabled)`` -> tools + examples for the planner prompt;
    ``guide(query, enabled)`` -> a plan skeleton and its examples for guided planning."""

    def __init__(self, selector: ToolSelector, tools: ToolSet | None = None, cache_dir: Path | None = None) -> None:
        self.selector = selector
        self.cache_dir = cache_dir  # where fitted scorers are kept (toolrag/fitted.py); None: nowhere
        self.tools = tools if tools is not None else ToolSet.all()  # every tool a plan here may name
        # MCP tools the selector cannot score (no example taught it them): always offered, never guided.
        probe = getattr(selector, "probe", None)
        scored = {t for e in selector.index.examples for t in e.tools} if probe is not None else set()
        self.unranked = frozenset(t.name for t in self.tools if t.remote is not None and t.name not in scored)
        self._cards: dict[str, np.ndarray] = {}
        self._ranker: SkeletonRanker | None = None
        self._ranker_lock = threading.Lock()

    def ranker(self) -> SkeletonRanker:
        """Built on first use: every bank plan's skeleton, and the tool-set classifier (fitted in a child
        process, ~2 s, or loaded from the cache dir)."""
        with self._ranker_lock:
            if self._ranker is None:
                self._ranker = SkeletonRanker(self.selector.index, self.tools, self.cache_dir)
            return self._ranker

    def _card(self, name: str) -> np.ndarray:
        """An unranked tool's words (its name and first description line), embedded once."""
        if name not in self._cards:
            spec = self.tools.get(name)
            words = (spec.remote.name if spec and spec.remote else name).replace("_", " ")
            first = spec.bullets[0] if spec is not None and spec.bullets else ""
            self._cards[name] = self.selector.index.embed(f"{words}: {first}")
        return self._cards[name]

    def unranked_first(self, query: str, enabled: ToolSet) -> bool:
        """Whether an enabled tool without examples is nearer the query than every bank example.

        Guided planning can only pick skeletons of the bank, so such a query plans from the tools'
        signatures instead (docs/mcp.md)."""
        names = [n for n in enabled.names if n in self.unranked]
        if not names:
            return False
        vector = self.selector.index.embed(query)
        nearest = self.selector.index.nearest(vector, 1)
        best_card = max(float((vector @ self._card(n).T).item()) for n in names)
        return not nearest or best_card >= nearest[0].similarity

    def guide(self, query: str, enabled: ToolSet, *, shots: int = DEFAULT_SHOTS) -> PlanGuide | None:
        return self.ranker().guide(query, enabled, shots=shots)

    def guided_skeleton(self, query: str, enabled: ToolSet) -> PlanGuide | None:
        """The skeleton a guided plan for ``query`` fills; None when it plans from the tools' signatures."""
        return None if self.unranked_first(query, enabled) else self.guide(query, enabled)

    async def aguided_skeleton(self, query: str, enabled: ToolSet) -> PlanGuide | None:
        return await asyncio.to_thread(self.guided_skeleton, query, enabled)

    def choose(
        self, query: str, enabled: ToolSet, *, toolrag: bool, guided: bool, top_k: int = DEFAULT_TOP_K
    ) -> tuple[ToolChoice, ToolRAGResult | None]:
        """The prompt's choice for /plan, /run and the eval, and ToolRAG's result when it retrieved.

        Guided first: its skeleton may use any enabled tool, so the tools are not narrowed (a narrowed
        set would make the expanded plan name a tool the parser does not know). Without a skeleton,
        ToolRAG's tools and examples when ``toolrag``; otherwise every enabled tool.
        """
        if guided and (guide := self.guided_skeleton(query, enabled)) is not None:
            return ToolChoice(enabled, None, guide), None
        if not toolrag:
            return ToolChoice(enabled), None
        result = self.retrieve(query, enabled, top_k=top_k)
        return ToolChoice(result.toolset(enabled), result.examples_block()), result

    async def achoose(
        self, query: str, enabled: ToolSet, *, toolrag: bool, guided: bool, top_k: int = DEFAULT_TOP_K
    ) -> tuple[ToolChoice, ToolRAGResult | None]:
        """``choose`` off the event loop (embedding and scoring are CPU work)."""
        return await asyncio.to_thread(self.choose, query, enabled, toolrag=toolrag, guided=guided, top_k=top_k)

    @classmethod
    def create(
        cls,
        embedder: TextEmbedder,
        *,
        cache_dir: Path | None = None,
        mode: Mode = "embedding",
        classifier_model: str | Path = UPSTREAM_MODEL,
        offline: bool = False,
        bank: ExampleBank | None = None,
        threshold: float | None = None,
        tools: ToolSet | None = None,
        extra: ExtraExamples = (),
    ) -> ToolRAG:
        """Open the index (its vectors cached in ``cache_dir``; none without one) and a selector.

        Blocking: the first run embeds the bank and fits the probe in a child process (seconds), later
        runs load both from ``cache_dir`` (milliseconds). Call it at start-up in a worker thread, or
        lazily on the first request.
        """
        tools = tools if tools is not None else ToolSet.all()
        index = ExampleIndex.open(bank if bank is not None else load_bank(), embedder, cache_dir)
        index = index.extended(extra_examples(extra, tools))
        if mode == "classifier":
            classifier = ToolClassifier(classifier_model, offline=offline)
            t = CLASSIFIER_THRESHOLD if threshold is None else threshold
            return cls(ClassifierSelector(classifier, index, threshold=t), tools, cache_dir)
        probe = train_probe(index.vectors(), index.examples, ProbeConfig(), tools.names, cache_dir)
        t = EMBEDDING_THRESHOLD if threshold is None else threshold
        return cls(EmbeddingSelector(index, threshold=t, probe=probe), tools, cache_dir)

    @classmethod
    def from_settings(
        cls, settings: Settings, embedder: TextEmbedder, tools: ToolSet | None = None, extra: ExtraExamples = ()
    ) -> ToolRAG:
        """The ToolRAG the server's settings describe (index cached under the data dir). Blocking."""
        return cls.create(
            embedder,
            cache_dir=settings.toolrag_cache(),
            mode=settings.toolrag_mode,
            classifier_model=settings.toolrag_classifier,
            offline=settings.offline,
            threshold=settings.toolrag_threshold,
            tools=tools,
            extra=extra,
        )

    def retrieve(self, query: str, enabled: ToolSet, *, top_k: int = DEFAULT_TOP_K) -> ToolRAGResult:
        start = time.perf_counter()
        selection = self.selector.select(query, enabled, top_k=top_k)
        timings = {**selection.timings, "total_ms": _ms(start)}
        chosen = {t.name: t.score for t in selection.tools}
        chosen.update({n: chosen.get(n, 0.0) for n in enabled.names if n in self.unranked})
        return ToolRAGResult(
            tools=tuple((n, chosen[n]) for n in enabled.names if n in chosen),
            examples=tuple((h.example.query, h.example.plan, round(h.similarity, 4)) for h in selection.examples),
            timings=timings,
            fallback=selection.fallback,
            rendered_examples=tuple(h.example.render() for h in selection.examples),
        )

    async def aretrieve(self, query: str, enabled: ToolSet, *, top_k: int = DEFAULT_TOP_K) -> ToolRAGResult:
        """``retrieve`` off the event loop (embedding is CPU work of a few milliseconds)."""
        return await asyncio.to_thread(self.retrieve, query, enabled, top_k=top_k)


class LazyToolRAG:
    """``await source()``: the settings' ToolRAG, built once on first use, off the event loop.

    Building embeds or loads the example bank and fits or loads the probe (seconds the first time); the
    server's warm-up plan asks for it before /health turns 200, the CLIs on their first plan. Every
    caller then shares the one instance.
    """

    def __init__(self, settings: Settings, embedder: TextEmbedder, extras: ExtrasSource | None = None) -> None:
        self._settings, self._embedder, self._extras = settings, embedder, extras
        self._built: ToolRAG | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> ToolRAG:
        async with self._lock:
            if self._built is None:
                tools, extra = await self._extras() if self._extras is not None else (None, ())
                self._built = await asyncio.to_thread(
                    ToolRAG.from_settings, self._settings, self._embedder, tools, extra
                )
            return self._built


def extra_examples(pairs: ExtraExamples, tools: ToolSet) -> tuple[Example, ...]:
    """User-written (query, plan) pairs as bank examples, validated as the bank's own are."""
    return tuple(
        without_values(parse_example({"id": f"{USER_PREFIX}{n}", "query": q, "plan": p, "split": "bank"},
                                     f"MCP example {n}", tools))
        for n, (q, p) in enumerate(pairs, start=1)
    )  # fmt: skip
