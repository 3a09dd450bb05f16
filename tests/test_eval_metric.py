"""The evaluation metric: upstream's graph-isomorphism success, pinned on hand-built plans."""

from __future__ import annotations

import time

import pytest

from tinyagent.eval.metric import (
    GraphError,
    PlanScore,
    Step,
    build_graph,
    build_upstream_graph,
    graph_from_steps,
    per_tool,
    score_plan,
    success,
    summarize,
    upstream_steps,
)
from tinyagent.plans.parser import parse_plan
from tinyagent.tools.registry import ToolSet


def plan(*lines: str) -> str:
    return "".join(f"{i}. {line}\n" for i, line in enumerate(lines, start=1)) + f"{len(lines) + 1}. join()"


# Contacts -> mail, with a parallel SMS branch: the shapes most dev-set plans have.
REF = plan(
    'get_email_address("Amir")',
    'get_phone_number("Bea")',
    'compose_new_email(["$1"], [], "Meeting postponed", "", [])',
    'send_sms(["$2"], "The meeting is postponed")',
)


def both(predicted: str, reference: str = REF) -> tuple[int, int]:
    return success(predicted, reference), success(predicted, reference, upstream_compat=True)


def test_identical_plan_succeeds() -> None:
    assert both(REF) == (1, 1)


def test_argument_values_are_ignored() -> None:
    other = plan(
        'get_email_address("Somebody else")',
        'get_phone_number("Nobody")',
        'compose_new_email(["$1"], ["x@y.z"], "Other subject", "other context", ["/tmp/a.pdf"])',
        'send_sms(["$2"], "Entirely different text")',
    )
    assert both(other) == (1, 1)


def test_swapped_independent_steps_succeed() -> None:
    swapped = plan(
        'get_phone_number("Bea")',
        'get_email_address("Amir")',
        'send_sms(["$1"], "The meeting is postponed")',
        'compose_new_email(["$2"], [], "Meeting postponed", "", [])',
    )
    assert both(swapped) == (1, 1)


def test_missing_dependency_fails() -> None:
    unlinked = REF.replace('compose_new_email(["$1"]', 'compose_new_email(["amir@example.com"]')
    assert both(unlinked) == (0, 0)


def test_dependency_on_the_wrong_step_fails() -> None:
    crossed = REF.replace('compose_new_email(["$1"]', 'compose_new_email(["$2"]')
    assert both(crossed) == (0, 0)


def test_missing_join_fails() -> None:
    assert both(REF.rsplit("\n", 1)[0]) == (0, 0)


def test_hallucinated_tool_fails() -> None:
    hallucinated = REF.replace("get_phone_number", "get_contact_info")
    assert both(hallucinated) == (0, 0)
    # Upstream truncates at the unknown tool; ours refuses the plan: both 0, differently reached.
    assert [s.tool for s in upstream_steps(hallucinated)] == ["get_email_address"]
    assert not score_plan(hallucinated, REF).valid


def test_extra_step_fails() -> None:
    extra = plan(
        'get_email_address("Amir")',
        'get_phone_number("Bea")',
        'compose_new_email(["$1"], [], "Meeting postponed", "", [])',
        'send_sms(["$2"], "The meeting is postponed")',
        'create_reminder("Follow up", "2025-06-20", "", "", 0, True)',
    )
    assert both(extra) == (0, 0)


def test_missing_step_fails() -> None:
    fewer = plan('get_email_address("Amir")', 'compose_new_email(["$1"], [], "Meeting postponed", "", [])')
    assert both(fewer) == (0, 0)


def test_braced_reference_counts_for_us_but_not_upstream() -> None:
    """Documented difference: the executor substitutes ${N}, upstream's metric regex never sees it."""
    braced = REF.replace('["$1"]', '["${1}"]')
    assert both(braced) == (1, 0)


def test_second_reference_in_one_string_counts_for_us_only() -> None:
    """Documented difference: upstream's check_for_dependency stops at the first $N of a string."""
    ref = plan('get_email_address("A")', 'get_phone_number("A")', 'create_note("A", "mail $1, phone $2", "")')
    assert build_graph(parse_plan(ref, ToolSet.all()).plan or ()).in_degree("3: create_note") == 2
    assert build_upstream_graph(ref).in_degree("3: create_note") == 1
    only_first = ref.replace("phone $2", "phone unknown")
    assert both(only_first, ref) == (0, 1)


def test_repeated_reference_is_one_dependency_for_us() -> None:
    """Upstream keeps one dependency-tree entry per occurrence; we compare dependency sets."""
    ref = plan('get_email_address("A")', 'compose_new_email(["$1"], [], "s", "", [])')
    twice = plan('get_email_address("A")', 'compose_new_email(["$1"], ["$1"], "s", "", [])')
    assert both(twice, ref) == (1, 0)


def test_dependency_order_does_not_matter_for_us() -> None:
    """Upstream sorts dependency trees by tool name only, so same-named children compare in argument order."""
    first = plan(
        'open_and_get_file_path("a")',
        'summarize_pdf("$1")',
        'summarize_pdf("/tmp/b.pdf")',
        'compose_new_email(["x@y.z"], [], "$2", "$3", [])',
    )
    second = first.replace('"$2", "$3"', '"$3", "$2"')
    assert both(second, first) == (1, 0)


def test_invalid_plan_fails_for_us_even_if_upstream_accepts_it() -> None:
    """Upstream's own example has 4 arguments for compose_new_email; its metric ignores arity, we do not run it."""
    ref = plan('get_email_address("Amir")', 'compose_new_email(["$1"], [], "Meeting Postponed", "", [])')
    typo = plan('get_email_address("Amir")', 'compose_new_email(["$1"], [], "Meeting Postponed," "", [])')
    assert both(typo, ref) == (0, 1)
    assert not score_plan(typo, ref).valid


def test_literal_dollar_amount_is_text_for_us_and_a_crash_for_upstream() -> None:
    ref = plan('get_phone_number("Sid")', 'send_sms(["$1"], "It costs $1")')
    dollars = plan('get_phone_number("Sid")', 'send_sms(["$1"], "It costs $40")')
    assert both(dollars, ref) == (1, 0)  # upstream would raise IndexError; scored 0, never a crash
    with pytest.raises(GraphError):
        upstream_steps(dollars)


def test_upstream_self_reference_and_cycles_score_zero() -> None:
    with pytest.raises(GraphError):
        upstream_steps('1. get_phone_number("$1")\n2. join()')
    with pytest.raises(GraphError):
        graph_from_steps([Step("a", (1,)), Step("b", (0,))], upstream=True)
    cyclic = '1. get_phone_number("$2")\n2. send_sms(["$1"], "hi")\n3. join()'
    assert both(cyclic, plan('get_phone_number("x")', 'send_sms(["$1"], "hi")')) == (0, 0)


def test_graph_shape_matches_upstream() -> None:
    graph = build_upstream_graph(REF)
    assert sorted(graph.nodes) == [
        "1: get_email_address",
        "2: get_phone_number",
        "3: compose_new_email",
        "4: send_sms",
        "5: join",
    ]
    assert sorted(graph.edges) == [
        ("1: get_email_address", "3: compose_new_email"),
        ("2: get_phone_number", "4: send_sms"),
    ]
    assert graph.nodes["5: join"]["dependencies"] == []  # join is a node without edges
    assert graph.nodes["3: compose_new_email"]["dependencies"] == [
        {"tool_name": "get_email_address", "dependencies": []}
    ]
    ours = build_graph(parse_plan(REF, ToolSet.all()).plan or ())
    assert sorted(ours.edges) == sorted(graph.edges)


def test_nested_dependency_trees_are_compared() -> None:
    """Same graph shape and tool names, different tool two levels up: the trees tell them apart."""
    ref = plan('open_and_get_file_path("a")', 'summarize_pdf("$1")', 'create_note("n", "$2", "")')
    other = plan('open_note("a", "")', 'summarize_pdf("$1")', 'create_note("n", "$2", "")')
    assert both(other, ref) == (0, 0)


def test_dense_predictions_score_in_linear_time() -> None:
    """A looping model can reference every earlier step; trees are hashed, not expanded."""
    lines = ['get_phone_number("x")'] + [
        'send_sms([{}], "hi")'.format(", ".join(f'"${j}"' for j in range(1, i + 1))) for i in range(1, 40)
    ]
    dense = plan(*lines)
    start = time.perf_counter()
    assert both(dense, dense) == (1, 1)
    assert time.perf_counter() - start < 10


def test_reference_must_be_valid() -> None:
    with pytest.raises(ValueError, match="invalid reference"):
        score_plan(REF, "1. get_phone_number()\n2. join()")


def test_summary_multiset_and_set_tool_metrics() -> None:
    scores = [
        PlanScore(
            True, True, True, ("get_email_address", "compose_new_email"), ("get_email_address", "compose_new_email")
        ),
        # One extra call of a tool the reference uses once: multiset precision drops, set precision does not.
        PlanScore(
            True, False, False, ("get_phone_number", "get_phone_number", "send_sms"), ("get_phone_number", "send_sms")
        ),
        PlanScore(False, False, True, ("made_up_tool",), ("create_note",)),
    ]
    summary = summarize(scores)
    assert summary.n == 3
    assert summary.success_rate == pytest.approx(1 / 3)
    assert summary.success_rate_upstream == pytest.approx(2 / 3)
    assert summarize(scores, upstream_compat=True).success_rate == pytest.approx(2 / 3)
    assert summary.validity == pytest.approx(2 / 3)
    assert summary.tool_precision == pytest.approx(4 / 6)
    assert summary.tool_recall == pytest.approx(4 / 5)
    assert summary.tool_set_precision == pytest.approx((1 + 1 + 0) / 3)
    assert summary.tool_set_recall == pytest.approx((1 + 1 + 0) / 3)
    tools = {t.tool: t for t in per_tool(scores)}
    assert (tools["get_phone_number"].true_positives, tools["get_phone_number"].false_positives) == (1, 1)
    assert tools["create_note"].false_negatives == 1 and tools["create_note"].recall == 0.0
    assert tools["made_up_tool"].precision == 0.0  # hallucinated names get a row
    assert tools["compose_new_email"].success_rate == 1.0
    assert tools["reply_to_email"].queries == 0 and tools["reply_to_email"].success_rate is None


def test_empty_summary() -> None:
    summary = summarize([])
    assert summary.n == 0 and summary.success_rate is None and summary.tool_precision is None
