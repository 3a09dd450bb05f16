"""Tool-call text: the tools prompt, the streaming parser's OpenAI deltas, and the GBNF grammars."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest
from llama_cpp.llama_grammar import LlamaGrammar

from tinyagent.chat.grammars import (
    auto_choice_grammar,
    call_prefix,
    gbnf_literal,
    json_object_grammar,
    json_schema_grammar,
    tool_arguments_grammar,
    tool_call_grammar,
)
from tinyagent.chat.tool_calls import (
    RepeatedCallGuard,
    ToolCallStreamParser,
    accumulate_tool_calls,
    tool_call_block,
    tools_system_prompt,
    with_tools_prompt,
)
from tinyagent.chat.types import ChatMessage, ToolCall, ToolCallDelta, ToolSpec
from tinyagent.errors import InvalidRequest

CALLS = (
    ToolCall("call_a", "get_weather", '{"city": "Paris", "days": 3}'),
    # Braces, brackets, quotes and the closing tag inside strings must not end the arguments early.
    ToolCall("call_b", "send-email", '{"to": ["sid@x.org"], "body": "a } ] \\" </tool_call> {\\n", "n": {"k": []}}'),
    ToolCall("call_c", "noargs", "{}"),
    ToolCall("call_d", "unicode", '{"text": "caf\u00e9 \u4e2d\u6587 \\u00e9"}'),
)


def _text(calls: tuple[ToolCall, ...] = CALLS, sep: str = "\n") -> str:
    return sep.join(tool_call_block(call) for call in calls)


def _ids() -> Iterator[str]:
    return iter(f"call_{i}" for i in range(100))


def _parse(chunks: list[str]) -> tuple[list[ToolCallDelta], ToolCallStreamParser]:
    ids = _ids()
    parser = ToolCallStreamParser(id_factory=lambda: next(ids))
    deltas = [d for chunk in chunks for d in parser.feed(chunk)]
    parser.finish()
    return deltas, parser


def _random_chunks(text: str, rng: random.Random) -> list[str]:
    chunks, i = [], 0
    while i < len(text):
        size = rng.randint(1, 12)
        chunks.append(text[i : i + size])
        i += size
    return chunks


def _assert_openai_shape(deltas: list[ToolCallDelta], calls: tuple[ToolCall, ...]) -> None:
    seen: set[int] = set()
    for delta in deltas:
        if delta.index not in seen:  # the first delta of an index: id, name and empty arguments
            assert delta.id is not None and delta.id.startswith("call_")
            assert delta.name == calls[delta.index].name
            assert delta.arguments == ""
            assert delta.index == len(seen), "indexes must be 0, 1, ... in order"
            seen.add(delta.index)
        else:  # never repeated: the openai stream helper concatenates them
            assert delta.id is None and delta.name is None
            assert delta.arguments
    assert seen == set(range(len(calls)))
    rebuilt = accumulate_tool_calls(deltas)
    assert [(c.name, c.arguments) for c in rebuilt] == [(c.name, c.arguments) for c in calls]
    assert [c.id for c in rebuilt] == [f"call_{i}" for i in range(len(calls))]


@pytest.mark.parametrize(
    "split",
    ["whole", "chars"] + [f"random-{seed}" for seed in range(25)],
)
def test_parser_gives_exact_deltas_for_any_chunking(split: str) -> None:
    text = _text()
    if split == "whole":
        chunks = [text]
    elif split == "chars":
        chunks = list(text)
    else:
        chunks = _random_chunks(text, random.Random(split))
    deltas, parser = _parse(chunks)
    _assert_openai_shape(deltas, CALLS)
    assert parser.complete
    assert [(c.name, c.arguments) for c in parser.calls] == [(c.name, c.arguments) for c in CALLS]


def test_arguments_never_contain_the_wrapper() -> None:
    deltas, _ = _parse(list(_text(CALLS[:1])))
    fragments = "".join(d.arguments for d in deltas)
    assert fragments == CALLS[0].arguments
    assert "<tool_call>" not in fragments and '"name"' not in fragments and "arguments" not in fragments


def test_parser_tolerates_whitespace_the_grammar_allows() -> None:
    text = (
        '  <tool_call>\n{ "name" : "f" ,  "arguments" :\n{"a": 1} \n}\n</tool_call>\n\n'
        '<tool_call>\n{"name": "g", "arguments": {}}\n</tool_call>\n'
    )
    deltas, parser = _parse(list(text))
    assert [(c.name, c.arguments) for c in accumulate_tool_calls(deltas)] == [("f", '{"a": 1}'), ("g", "{}")]
    assert parser.complete


def test_scalar_arguments_end_at_the_end_of_text() -> None:
    deltas, parser = _parse([call_prefix("f"), "4", "2"])
    assert accumulate_tool_calls(deltas)[0].arguments == "42"
    assert parser.complete


def test_cut_off_call_is_incomplete_but_reported() -> None:
    deltas, parser = _parse([_text(CALLS[:1])[:-30]])
    assert not parser.complete
    assert len(parser.calls) == 1 and parser.calls[0].name == "get_weather"
    assert CALLS[0].arguments.startswith(parser.calls[0].arguments)


def test_text_outside_blocks_is_ignored_and_partial_tags_wait() -> None:
    ids = _ids()
    parser = ToolCallStreamParser(id_factory=lambda: next(ids))
    assert parser.feed("hello <tool") == []
    assert parser.feed("_call>\n") == []
    deltas = parser.feed('{"name": "f", "arguments": {"x": true}}\n</tool_call>')
    assert deltas[0] == ToolCallDelta(index=0, id="call_0", name="f", arguments="")
    assert "".join(d.arguments for d in deltas) == '{"x": true}'


def test_default_ids_are_random_call_ids() -> None:
    parser = ToolCallStreamParser()
    parser.feed(_text(CALLS[:2]))
    first, second = (c.id for c in parser.calls)
    assert first.startswith("call_") and len(first) > 10 and first != second


def test_history_block_with_invalid_json_arguments_stays_parseable() -> None:
    block = tool_call_block(ToolCall("x", "f", "not json"))
    deltas, _ = _parse([block])
    assert json.loads(accumulate_tool_calls(deltas)[0].arguments) == "not json"


# --- repeated calls ---------------------------------------------------------------------------------

A = tool_call_block(CALLS[0])
B = tool_call_block(CALLS[1])
# Shares all of A but its last argument digit, so it is held back until it diverges.
A_LIKE = tool_call_block(ToolCall("x", "get_weather", '{"city": "Paris", "days": 4}'))


def _guarded(text: str, chunks: list[str]) -> tuple[str, bool, int]:
    """Released text, whether a repeat was found, and how much text had been pushed by then."""
    guard, released, pushed = RepeatedCallGuard(), [], 0
    for chunk in chunks:
        pushed += len(chunk)
        out, repeated = guard.push(chunk)
        released.append(out)
        if repeated:
            return "".join(released), True, pushed
    return "".join(released) + guard.flush(), False, pushed


@pytest.mark.parametrize("seed", range(20))
def test_repeated_call_ends_the_calls(seed: int) -> None:
    text = f"{A}\n{B}\n{A_LIKE}\n{A}\n{A}\n"
    chunks = list(text) if seed == 0 else _random_chunks(text, random.Random(seed))
    released, repeated, pushed = _guarded(text, chunks)
    assert repeated
    assert released == f"{A}\n{B}\n{A_LIKE}\n"  # the repeat itself never shows
    assert pushed >= len(f"{A}\n{B}\n{A_LIKE}\n{A}") and pushed < len(f"{A}\n{B}\n{A_LIKE}\n{A}\n") + 12


@pytest.mark.parametrize("seed", range(10))
def test_distinct_calls_pass_through_the_repeat_guard(seed: int) -> None:
    text = f"{A}\n{B}\n{A_LIKE}"
    released, repeated, _ = _guarded(text, _random_chunks(text, random.Random(seed)))
    assert (released, repeated) == (text, False)


def test_repeat_guard_streams_a_new_call_at_once() -> None:
    guard = RepeatedCallGuard()
    assert guard.push(A + "\n") == (A + "\n", False)
    assert guard.push("<tool_ca") == ("", False)  # might be the start of a block
    assert guard.push('ll>\n{"name": "get_weather", "arguments": {"city": "Pa') == ("", False)  # as A so far
    assert guard.push("ris") == ("", False)
    out, repeated = guard.push("!")  # diverged from A: everything held is released
    assert out == '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris!' and not repeated


# --- tools prompt -----------------------------------------------------------------------------------

TOOLS = (
    ToolSpec(
        "get_weather",
        "Current weather",
        {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    ),
    ToolSpec(
        "send-email",
        "Send an email",
        {
            "type": "object",
            "properties": {"to": {"$ref": "#/$defs/Address"}, "urgent": {"type": "boolean"}},
            "required": ["to"],
            "$defs": {"Address": {"type": "string", "maxLength": 40}},
        },
    ),
    ToolSpec("noargs", "No arguments", {}),
)


def test_tools_prompt_lists_signatures_and_the_block_format() -> None:
    prompt = tools_system_prompt(TOOLS)
    lines = prompt.split("<tools>\n", 1)[1].split("\n</tools>", 1)[0].splitlines()
    assert [json.loads(line)["function"]["name"] for line in lines] == ["get_weather", "send-email", "noargs"]
    assert json.loads(lines[0])["function"]["parameters"] == TOOLS[0].parameters
    assert '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>' in prompt


def test_tools_prompt_joins_the_first_system_message() -> None:
    messages = (ChatMessage("user", "hi"), ChatMessage("developer", "Be brief."), ChatMessage("system", "x"))
    result = with_tools_prompt(messages, TOOLS)
    assert result[0] == messages[0] and result[2] == messages[2]
    assert result[1].role == "developer"
    assert result[1].content is not None and result[1].content.startswith("Be brief.\n\n# Tools")
    assert messages[1].content == "Be brief."  # the request is not modified


def test_tools_prompt_adds_a_system_message_when_there_is_none() -> None:
    result = with_tools_prompt((ChatMessage("user", "hi"),), TOOLS)
    assert [m.role for m in result] == ["system", "user"]
    assert result[0].content == tools_system_prompt(TOOLS)


# --- grammars -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vocab_model(tiny_gguf: Path) -> Iterator[llama_cpp.Llama]:
    model = llama_cpp.Llama(str(tiny_gguf), vocab_only=True, verbose=False)
    yield model
    model.close()


def assert_compiles(grammar: str, model: llama_cpp.Llama) -> None:
    # LlamaGrammar.from_string only stores the text in llama-cpp-python 0.3.36; the real
    # parse happens when llama.cpp builds the sampler, so do that too.
    LlamaGrammar.from_string(grammar, verbose=False)
    sampler = llama_cpp.llama_sampler_init_grammar(model._model.vocab, grammar.encode(), b"root")
    assert sampler, f"llama.cpp rejected the grammar:\n{grammar}"
    llama_cpp.llama_sampler_free(sampler)


def test_the_validity_check_can_fail(vocab_model: llama_cpp.Llama) -> None:
    with pytest.raises(AssertionError):
        assert_compiles("root ::= undefined-rule", vocab_model)


@pytest.mark.parametrize("parallel", [False, True])
def test_tool_call_grammar_compiles_with_one_alternative_per_tool(vocab_model: llama_cpp.Llama, parallel: bool) -> None:
    grammar = tool_call_grammar(TOOLS, parallel=parallel)
    assert_compiles(grammar, vocab_model)
    for tool in TOOLS:
        assert gbnf_literal(call_prefix(tool.name)) in grammar
    assert ('( "\\n" call )*' in grammar) is parallel


def test_argument_rules_stay_per_tool(vocab_model: llama_cpp.Llama) -> None:
    grammar = tool_call_grammar(TOOLS, parallel=True)
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())
    assert "city" in rules["tool0-args"] and "-to-" not in rules["tool0-args"]
    assert '"\\"to\\""' in rules["tool1-args-to-kv"]
    assert rules["tool2-args"].replace(" ", "") == '"{"space"}"space'


def test_other_grammars_compile(vocab_model: llama_cpp.Llama) -> None:
    for tool in TOOLS:
        assert_compiles(tool_arguments_grammar(tool), vocab_model)
    assert_compiles(json_object_grammar(), vocab_model)
    assert_compiles(auto_choice_grammar(), vocab_model)
    assert_compiles(
        json_schema_grammar({"$ref": "#/$defs/A", "$defs": {"A": {"type": "array", "items": {"type": "number"}}}}),
        vocab_model,
    )
    assert_compiles(json_schema_grammar({"enum": ["a", 'b"\n', 3, None]}), vocab_model)


def test_json_strings_exclude_raw_control_characters() -> None:
    # llama_cpp's converter allows them; json.loads would then reject what the model wrote.
    grammar = json_schema_grammar({"type": "object", "properties": {"s": {"type": "string"}}})
    char_rule = next(line for line in grammar.splitlines() if line.startswith("char ::="))
    assert "\\x00-\\x1F" in char_rule


def test_schema_dicts_are_not_modified() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/A"}},
        "$defs": {"A": {"type": "string"}},
    }
    before = json.dumps(schema)
    json_schema_grammar(schema)
    tool_call_grammar([ToolSpec("f", "", schema)], parallel=False)
    assert json.dumps(schema) == before


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "frobnicate"},
        {"$ref": "https://example.com/schema.json"},
        {"$ref": "#/$defs/missing"},
        {"type": "string", "pattern": "no anchors"},
        {"type": "string", "pattern": "^(?=lookahead)$"},
        ["not", "an", "object"],
    ],
)
def test_unsupported_schemas_are_invalid_requests(schema: object) -> None:
    with pytest.raises(InvalidRequest) as err:
        json_schema_grammar(schema)  # type: ignore[arg-type]
    assert err.value.param == "response_format" and err.value.status_code == 400
    with pytest.raises(InvalidRequest) as err:
        tool_call_grammar([ToolSpec("f", "", schema)], parallel=False)  # type: ignore[arg-type]
    assert err.value.param == "tools"


@pytest.mark.parametrize(
    "tools",
    [
        (ToolSpec("a b", "", {}),),
        (ToolSpec("f", "", {}), ToolSpec("f", "", {})),
        (
            ToolSpec("f", "", {"properties": {"x": {"$ref": "#/$defs/T"}}, "$defs": {"T": {"type": "string"}}}),
            ToolSpec("g", "", {"properties": {"x": {"$ref": "#/$defs/T"}}, "$defs": {"T": {"type": "integer"}}}),
        ),
        (),
    ],
    ids=["bad-name", "duplicate", "same-ref-name", "none"],
)
def test_bad_tool_sets_are_invalid_requests(tools: tuple[ToolSpec, ...]) -> None:
    with pytest.raises(InvalidRequest) as err:
        tool_call_grammar(tools, parallel=True)
    assert err.value.param == "tools"


def test_openai_strict_style_schema_compiles(vocab_model: llama_cpp.Llama) -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": 'quoted "title" with a \\ backslash'},
            "when": {"type": ["string", "null"], "format": "date-time"},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3},
            "where": {"anyOf": [{"$ref": "#/$defs/Place"}, {"type": "null"}]},
            'odd "key"': {"type": "number"},
        },
        "required": ["title", "when", "tags", "where", 'odd "key"'],
        "additionalProperties": False,
        "$defs": {"Place": {"type": "object", "properties": {"lat": {"type": "number"}}, "required": ["lat"]}},
    }
    assert_compiles(json_schema_grammar(schema), vocab_model)
    assert_compiles(tool_call_grammar([ToolSpec("create_event", "", schema)], parallel=True), vocab_model)


def test_schema_check_refuses_what_no_grammar_shaped() -> None:
    from tinyagent.chat.call_checks import schema_check
    from tinyagent.chat.types import ToolSpec
    from tinyagent.errors import UpstreamError

    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    check = schema_check([ToolSpec("get_weather", "", schema)])
    check("get_weather", '{"city": "Paris"}')
    for name, arguments, why in [
        ("get_time", '{"city": "Paris"}', "not offered"),
        ("get_weather", '{"city": ', "not JSON"),
        ("get_weather", '{"town": "Paris"}', "'city' is a required property"),
        ("get_weather", '{"city": 3}', "3 is not of type 'string'"),
    ]:
        with pytest.raises(UpstreamError, match=why):
            check(name, arguments)
