"""Plan grammar: compiles for every selection, stays small, and forces valid plans out of noise."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest
from llama_cpp import Llama, LlamaGrammar

from tinyagent.plans.grammar import (
    PlanGrammarOptions,
    grammar_size,
    max_plan_bytes,
    plan_grammar,
)
from tinyagent.plans.parser import parse_plan
from tinyagent.tools.registry import APPS, TOOLS, ToolSet

# Small bounds so a random-weight model finishes plans quickly; the shape rules are the same.
SMALL = PlanGrammarOptions(max_lines=4, max_string_chars=8, max_list_items=2, max_thought_chars=12)
PROMPT = "Question: Email Sid the meeting link.\n"


@pytest.fixture(scope="module")
def tiny_llm(tiny_gguf: Path) -> Iterator[Llama]:
    llm = Llama(model_path=str(tiny_gguf), n_ctx=2048, verbose=False)
    yield llm
    llm.close()


def assert_compiles(text: str, llm: Llama) -> None:
    # LlamaGrammar.from_string only stores the text (llama-cpp-python 0.3.36); llama.cpp parses
    # the grammar when it builds the sampler, which returns NULL for a bad grammar.
    sampler = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, text.encode(), b"root")
    assert sampler, f"llama.cpp rejected the grammar:\n{text}"
    llama_cpp.llama_sampler_free(sampler)


def compile_grammar(text: str, llm: Llama) -> LlamaGrammar:
    assert_compiles(text, llm)
    return LlamaGrammar.from_string(text, verbose=False)


def test_the_compile_check_can_fail(tiny_llm: Llama) -> None:
    with pytest.raises(AssertionError):
        assert_compiles('root ::= "1. " undefined-rule', tiny_llm)


@pytest.mark.parametrize(
    "options",
    [
        PlanGrammarOptions(),
        SMALL,
        PlanGrammarOptions(max_lines=1),
        PlanGrammarOptions(max_lines=2, thoughts=False, end_marker=False, max_list_items=1),
        PlanGrammarOptions(max_string_chars=0),
    ],
)
def test_grammar_compiles_for_every_app_and_all_and_none(options: PlanGrammarOptions, tiny_llm: Llama) -> None:
    selections = [ToolSet.all(), ToolSet.for_apps([]), *(ToolSet.for_apps([app]) for app in APPS)]
    for tools in selections:
        assert_compiles(plan_grammar(tools, options), tiny_llm)


def test_grammar_size_for_16_tools_and_12_lines() -> None:
    size = grammar_size(plan_grammar(TOOLS, PlanGrammarOptions(max_lines=12)))
    # Measured 7,932 characters / 94 rules; the bound catches accidental blow-ups (e.g. per-tool rules).
    assert size.chars < 9_000 and size.rules < 110


def test_grammar_names_only_enabled_tools() -> None:
    grammar = plan_grammar(ToolSet.for_apps(["contacts", "sms"]))
    assert '"send_sms"' in grammar and '"get_phone_number"' in grammar
    assert "compose_new_email" not in grammar and "create_reminder" not in grammar
    assert "i-2 ::=" not in grammar and "bool ::=" not in grammar  # nothing takes an int or a bool


def test_line_k_may_reference_only_earlier_lines() -> None:
    grammar = plan_grammar(TOOLS, PlanGrammarOptions(max_lines=4))
    assert "r-1 ::=" not in grammar
    assert 'r-3 ::= "\\"$" ("1" | "2") "\\""' in grammar
    assert re.search(r'^line-4 ::= th\? "4\. " join$', grammar, re.MULTILINE)


def test_zero_tools_or_one_line_admit_only_join() -> None:
    for grammar in (plan_grammar([]), plan_grammar(TOOLS, PlanGrammarOptions(max_lines=1))):
        assert "call-" not in grammar and "n0 ::=" not in grammar and "str ::=" not in grammar
        assert 'line-1 ::= th? "1. " join' in grammar


def test_options_are_checked() -> None:
    with pytest.raises(ValueError):
        PlanGrammarOptions(max_lines=0)
    with pytest.raises(ValueError):
        PlanGrammarOptions(max_list_items=0)
    with pytest.raises(ValueError):
        PlanGrammarOptions(max_thought_chars=0)


def test_max_plan_bytes_grows_with_the_bounds() -> None:
    assert max_plan_bytes([], SMALL) == len("Thought: \n") + 4 * 12 + len("4. join()<END_OF_PLAN>")
    assert max_plan_bytes(TOOLS, SMALL) < max_plan_bytes(TOOLS, PlanGrammarOptions(max_lines=5))


# --- sampling from a random-weight model ---------------------------------------------------------


def sample(llm: Llama, grammar: LlamaGrammar, seed: int, max_tokens: int) -> tuple[str, str]:
    out = llm.create_completion(PROMPT, max_tokens=max_tokens, temperature=1.0, seed=seed, grammar=grammar)
    choice = out["choices"][0]  # type: ignore[index]
    return choice["text"], choice["finish_reason"]


def test_noise_through_the_grammar_is_always_a_valid_plan(tiny_llm: Llama) -> None:
    tools = ToolSet.all()
    grammar = compile_grammar(plan_grammar(tools, SMALL), tiny_llm)
    budget = max_plan_bytes(tools, SMALL)  # every token is >= 1 byte, so no plan can be cut short
    truncated, with_deps, tool_lines = 0, 0, 0
    for seed in range(100):
        text, finish = sample(tiny_llm, grammar, seed, budget)
        truncated += finish == "length"
        outcome = parse_plan(text, tools)
        assert outcome.errors == (), (seed, text, outcome.errors)
        assert outcome.plan is not None and len(outcome.plan.tasks) <= SMALL.max_lines
        assert len(text.encode()) <= budget
        with_deps += any(t.depends_on for t in outcome.plan.actions)
        tool_lines += len(outcome.plan.actions)
    assert truncated == 0
    # Sanity that the noise exercised the interesting parts, not just "1. join()".
    assert tool_lines > 100 and with_deps > 10


def test_narrowed_tool_set_is_respected(tiny_llm: Llama) -> None:
    tools = ToolSet.for_apps(["contacts", "sms"])
    grammar = compile_grammar(plan_grammar(tools, SMALL), tiny_llm)
    for seed in range(20):
        text, finish = sample(tiny_llm, grammar, seed, max_plan_bytes(tools, SMALL))
        outcome = parse_plan(text, tools)
        assert finish == "stop" and outcome.errors == (), (seed, text)
        assert outcome.plan is not None
        assert {t.tool for t in outcome.plan.actions} <= {"get_phone_number", "get_email_address", "send_sms"}


def test_zero_tools_and_no_end_marker(tiny_llm: Llama) -> None:
    options = PlanGrammarOptions(max_thought_chars=12, end_marker=False)
    grammar = compile_grammar(plan_grammar([], options), tiny_llm)
    for seed in range(10):
        text, finish = sample(tiny_llm, grammar, seed, max_plan_bytes([], options))
        assert finish == "stop" and text.endswith("1. join()"), text
        outcome = parse_plan(text, ToolSet.for_apps([]))
        assert outcome.errors == () and outcome.plan is not None and len(outcome.plan.tasks) == 1
