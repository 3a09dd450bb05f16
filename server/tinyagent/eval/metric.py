r"""TinyAgent's evaluation metric: graph isomorphism over tool-call graphs.

Upstream (``src/utils/graph_utils.py``) turns a plan into a DiGraph: one node per step, ``join``
included (it has no arguments, hence no edges), attributes ``tool_name`` and ``dependencies``
(the recursive tree of referenced steps), and an edge j -> i for each ``$j`` in step i's
arguments. A prediction succeeds iff its graph is isomorphic to the reference's with nodes
matched by tool name and, recursively, dependency trees. Argument values are never compared.

Both variants below are always computed; ``upstream_compat`` picks the headline one.

* ``upstream``: upstream's exact semantics, so numbers compare with the published ones. Plans are
  read with upstream's regexes and ``ast.literal_eval`` and cut at the first unknown tool;
  references are found by ``\$\d+`` -- only the first per string, strings nested one list deep,
  never ``${N}`` -- and point at the step at that position; dependency trees are compared after
  a stable sort by tool name only. A plan upstream's code would crash on (a reference out of
  range or to itself, a cycle) scores 0.
* ours (the default): the plan as this server runs it. It is parsed by ``plan_parser`` and scores
  0 if it has a fatal error, since it would never run. Every ``$N`` and ``${N}`` reference is an
  edge (the executor substitutes all of them), several references to one task are one
  dependency, and dependency trees compare as multisets, independent of argument order.

For the plans good planners write -- valid, one ``$N`` per string -- the two agree.

Dependency trees are hash-consed (each node keeps a digest of its tree) so a long, densely
referencing prediction costs linear, not exponential, time to compare.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx  # type: ignore[import-untyped]  # no stubs; pyproject is not ours to change

from tinyagent.eval.arguments import ArgScore, score_arguments
from tinyagent.plans.parser import parse_plan
from tinyagent.plans.plan import Plan, Task
from tinyagent.tools.registry import JOIN, TOOL_NAMES, ToolSet

# Upstream's parser regexes (plan_utils.py), verbatim: the upstream variant must read plans as it did.
_U_PLAN_RE = re.compile(r"(?:Thought: ([^\n]*)\n)?\s*\n*(\d+)\. (\w+)\((.*)\)(\s*#\w+\n)?")
_U_DEPENDENCY_RE = re.compile(r"\$\d+")


class GraphError(ValueError):
    """The plan has no graph upstream could build: a reference out of range, to itself, or a cycle."""


@dataclass(frozen=True)
class Step:
    """A plan step as the metric sees it: the tool and the 0-based positions of the steps it uses."""

    tool: str
    deps: tuple[int, ...] = ()


# --- plans to steps ------------------------------------------------------------------------------


def steps_from_tasks(tasks: Plan | Sequence[Task]) -> tuple[Step, ...]:
    """Our semantics: a task's dependencies are its parsed references; join stays edgeless."""
    seq = tasks.tasks if isinstance(tasks, Plan) else tuple(tasks)
    position = {t.id: i for i, t in enumerate(seq)}
    return tuple(Step(t.tool, () if t.is_join else tuple(position[d] for d in t.depends_on)) for t in seq)


def _upstream_args(raw: str) -> Sequence[object]:
    if raw == "":
        return ()
    try:
        value: object = ast.literal_eval(raw)
    except Exception:  # upstream's bare except: unparsable text becomes the single argument
        value = raw
    return value if isinstance(value, list | tuple) else (value,)


def upstream_calls(text: str) -> list[tuple[str, Sequence[object]]]:
    """Upstream's ``parse_plan``: (tool, args) per action up to the first join, unknown tools kept.

    Ids are dict keys, so a repeated id replaces the earlier call in its original position.
    """
    by_id: dict[int, tuple[str, Sequence[object]]] = {}
    for _thought, idx, tool, raw, _comment in _U_PLAN_RE.findall(text):
        by_id[int(idx)] = (tool, _upstream_args(raw))
        if tool == JOIN:
            break
    return list(by_id.values())


def _upstream_refs(args: Sequence[object]) -> list[int]:
    refs = []
    for arg in args:
        # Only lists are looked into (not tuples), one level deep, as check_for_dependency's caller.
        for item in arg if isinstance(arg, list) else [arg]:
            if isinstance(item, str) and (match := _U_DEPENDENCY_RE.search(item)):
                refs.append(int(match.group()[1:]))
    return refs


def upstream_steps(text: str, tools: Iterable[str] = TOOL_NAMES) -> tuple[Step, ...]:
    """Upstream's graph input: calls cut at the first hallucinated tool, first-``$N`` references.

    ``tools``: the tools that exist, upstream's sixteen and the MCP tools of the set being scored. Cut at
    the first MCP tool, "what time is it in Lisbon? text it to Ana" was right only in the reference's order."""
    calls = upstream_calls(text)
    known = {*tools, JOIN}
    cut = next((i for i, (tool, _) in enumerate(calls) if tool not in known), len(calls))
    calls = calls[:cut]
    steps = []
    for i, (tool, args) in enumerate(calls):
        refs = _upstream_refs(args)
        if any(ref < 1 or ref > len(calls) for ref in refs):
            raise GraphError(f"step {i + 1} references a step that does not exist")
        if i + 1 in refs:
            raise GraphError(f"step {i + 1} depends on itself")
        steps.append(Step(tool, tuple(ref - 1 for ref in refs)))
    return tuple(steps)


# --- graphs ---------------------------------------------------------------------------------------


def _digest(tool: str, children: Iterable[str]) -> str:
    return hashlib.sha1(f"{tool}({','.join(children)})".encode()).hexdigest()


@dataclass
class _TreeBuilder:
    """Memoised dependency trees and digests for one plan; lives for one build_graph call."""

    steps: Sequence[Step]
    upstream: bool
    trees: dict[int, list[dict[str, Any]]]
    digests: dict[int, str]
    visiting: set[int]

    def tree(self, i: int) -> list[dict[str, Any]]:
        if i in self.trees:
            return self.trees[i]
        if i in self.visiting:
            raise GraphError(f"step {i + 1} is part of a dependency cycle")
        self.visiting.add(i)
        deps = self._ordered(self.steps[i].deps)
        tree = [{"tool_name": self.steps[d].tool, "dependencies": self.tree(d)} for d in deps]
        self.visiting.discard(i)
        self.trees[i] = tree
        self.digests[i] = _digest(self.steps[i].tool, self.child_key(i))
        return tree

    def _ordered(self, deps: tuple[int, ...]) -> list[int]:
        if self.upstream:  # upstream's node_match: stable sort by tool name, duplicates kept
            return sorted(deps, key=lambda d: self.steps[d].tool)
        return sorted(set(deps))

    def child_key(self, i: int) -> tuple[str, ...]:
        """What node_match compares: the children's digests in upstream's order, or as a multiset."""
        self.tree(i)
        keys = [self.digests[d] for d in self._ordered(self.steps[i].deps)]
        return tuple(keys) if self.upstream else tuple(sorted(keys))


def graph_from_steps(steps: Sequence[Step], *, upstream: bool = False) -> nx.DiGraph:
    """Upstream's ``build_graph`` over steps: node ``"{i}: {tool}"`` per step, edge j -> i per reference."""
    builder = _TreeBuilder(steps, upstream, {}, {}, set())
    graph: nx.DiGraph = nx.DiGraph()
    names = [f"{i + 1}: {step.tool}" for i, step in enumerate(steps)]
    for i, step in enumerate(steps):
        graph.add_node(
            names[i],
            tool_name=step.tool,
            dependencies=builder.tree(i),
            dependency_key=builder.child_key(i),
        )
    for i, step in enumerate(steps):
        for d in step.deps:
            graph.add_edge(names[d], names[i])
    return graph


def build_graph(plan: Plan | Sequence[Task]) -> nx.DiGraph:
    """The tool-call graph of a parsed plan, with our reference semantics."""
    return graph_from_steps(steps_from_tasks(plan))


def build_upstream_graph(text: str, tools: Iterable[str] = TOOL_NAMES) -> nx.DiGraph:
    """The graph upstream's evaluation builds from plan text; GraphError where upstream would crash."""
    return graph_from_steps(upstream_steps(text, tools), upstream=True)


def node_match(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same tool and the same dependency structure (compared through the trees' digests)."""
    return bool(a["tool_name"] == b["tool_name"] and a["dependency_key"] == b["dependency_key"])


def graphs_match(predicted: nx.DiGraph, reference: nx.DiGraph) -> bool:
    return bool(nx.is_isomorphic(predicted, reference, node_match=node_match))


def alignments(predicted: nx.DiGraph, reference: nx.DiGraph) -> Iterator[dict[int, int]]:
    """Every isomorphism of two plan graphs, as predicted task position -> reference task position
    (1-based, as the node names "3: tool" number them)."""
    matcher = nx.algorithms.isomorphism.DiGraphMatcher(predicted, reference, node_match=node_match)
    for mapping in matcher.isomorphisms_iter():
        yield {int(p.split(":")[0]): int(r.split(":")[0]) for p, r in mapping.items()}


# --- one prediction -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanScore:
    """How one predicted plan fares against its reference."""

    valid: bool
    success: bool
    success_upstream: bool
    predicted_tools: tuple[str, ...]
    reference_tools: tuple[str, ...]
    # The arguments under the best alignment, for a graph right by upstream's metric; None otherwise.
    args: ArgScore | None = None

    def headline(self, upstream_compat: bool) -> bool:
        return self.success_upstream if upstream_compat else self.success

    @property
    def args_exact(self) -> bool:
        """Upstream's graph success and every argument right by its kind (``eval/arguments.py``)."""
        return self.success_upstream and self.args is not None and self.args.exact


def _tool_names(text: str) -> tuple[str, ...]:
    # Every named tool before the first join, unknown ones included: hallucinations cost precision.
    return tuple(tool for tool, _ in upstream_calls(text) if tool != JOIN)


def _upstream_success(predicted: str, reference: str, tools: Iterable[str]) -> bool:
    try:
        predicted_graph = build_upstream_graph(predicted, tools)
    except GraphError:
        return False
    return graphs_match(predicted_graph, build_upstream_graph(reference, tools))


def reference_plan(reference: str, tools: ToolSet | None = None) -> Plan:
    """The reference parsed strictly; ValueError if it is not a valid plan (a broken dataset row)."""
    outcome = parse_plan(reference, tools or ToolSet.all())
    if outcome.plan is None:
        raise ValueError("invalid reference plan: " + "; ".join(str(e) for e in outcome.fatal_errors))
    return outcome.plan


def score_plan(predicted: str, reference: str, tools: ToolSet | None = None) -> PlanScore:
    """Score plan text against reference plan text (both in TinyAgent syntax, stop marker optional)."""
    tools = tools or ToolSet.all()
    ref_plan = reference_plan(reference, tools)
    outcome = parse_plan(predicted, tools)
    ours = outcome.plan is not None and graphs_match(build_graph(outcome.plan), build_graph(ref_plan))
    upstream = _upstream_success(predicted, reference, tools.names)
    args = None
    if upstream and outcome.plan is not None:
        aligned = alignments(build_graph(outcome.plan), build_graph(ref_plan))
        args = score_arguments(outcome.plan, ref_plan, aligned, tools)
    return PlanScore(
        valid=outcome.plan is not None,
        success=ours,
        success_upstream=upstream,
        predicted_tools=_tool_names(predicted),
        reference_tools=tuple(t.tool for t in ref_plan.actions),
        args=args,
    )


def success(predicted: str, reference: str, *, upstream_compat: bool = False) -> int:
    """1 if the predicted plan's graph is isomorphic to the reference's, else 0."""
    return int(score_plan(predicted, reference).headline(upstream_compat))


# --- aggregates -----------------------------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def _set_precision(s: PlanScore) -> float:
    pred, ref = set(s.predicted_tools), set(s.reference_tools)
    return len(pred & ref) / len(pred) if pred else float(not ref)


def _set_recall(s: PlanScore) -> float:
    # Upstream's evaluate_tool_recall, which divides by zero for a join-only reference: that is 1 here.
    pred, ref = set(s.predicted_tools), set(s.reference_tools)
    return len(pred & ref) / len(ref) if ref else 1.0


@dataclass(frozen=True)
class Summary:
    """Dataset-level numbers. Multiset tool precision/recall are micro-averaged call counts (a tool
    called twice where the reference calls it once is one false positive); the set variants are
    per-query means over distinct tool names, as upstream's ``evaluate_tool_recall``."""

    n: int
    success_rate: float | None
    success_rate_ours: float | None
    success_rate_upstream: float | None
    validity: float | None
    tool_precision: float | None
    tool_recall: float | None
    tool_set_precision: float | None
    tool_set_recall: float | None
    args_exact_rate: float | None = None  # graph right and every argument right (eval/arguments.py)


def _overlap(s: PlanScore) -> int:
    return sum((Counter(s.predicted_tools) & Counter(s.reference_tools)).values())


def summarize(scores: Sequence[PlanScore], *, upstream_compat: bool = False) -> Summary:
    return Summary(
        n=len(scores),
        success_rate=_mean(float(s.headline(upstream_compat)) for s in scores),
        success_rate_ours=_mean(float(s.success) for s in scores),
        success_rate_upstream=_mean(float(s.success_upstream) for s in scores),
        validity=_mean(float(s.valid) for s in scores),
        tool_precision=_ratio(sum(map(_overlap, scores)), sum(len(s.predicted_tools) for s in scores)),
        tool_recall=_ratio(sum(map(_overlap, scores)), sum(len(s.reference_tools) for s in scores)),
        tool_set_precision=_mean(map(_set_precision, scores)),
        tool_set_recall=_mean(map(_set_recall, scores)),
        args_exact_rate=_mean(float(s.args_exact) for s in scores),
    )


@dataclass(frozen=True)
class ToolResult:
    """One tool: success on the queries whose reference uses it, and its call-level (multiset) counts."""

    tool: str
    queries: int
    success_rate: float | None
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float | None:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float | None:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)


def _tool_result(tool: str, scores: Sequence[PlanScore], headline: Callable[[PlanScore], bool]) -> ToolResult:
    using = [s for s in scores if tool in s.reference_tools]
    pred = [s.predicted_tools.count(tool) for s in scores]
    ref = [s.reference_tools.count(tool) for s in scores]
    return ToolResult(
        tool=tool,
        queries=len(using),
        success_rate=_mean(float(headline(s)) for s in using),
        true_positives=sum(map(min, pred, ref)),
        false_positives=sum(max(p - r, 0) for p, r in zip(pred, ref, strict=True)),
        false_negatives=sum(max(r - p, 0) for p, r in zip(pred, ref, strict=True)),
    )


def per_tool(scores: Sequence[PlanScore], *, upstream_compat: bool = False) -> list[ToolResult]:
    """Registry tools in prompt order, then any hallucinated names the predictions used."""
    extra = sorted({t for s in scores for t in s.predicted_tools} - set(TOOL_NAMES))
    return [_tool_result(tool, scores, lambda s: s.headline(upstream_compat)) for tool in (*TOOL_NAMES, *extra)]
