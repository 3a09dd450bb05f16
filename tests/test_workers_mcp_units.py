"""The MCP config file and an MCP tool's schema as a plan tool: parsed and converted without a server."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tinyagent.eval.metric import score_plan
from tinyagent.plans import reading
from tinyagent.plans.copied import as_said, in_request_words, without_its_noun
from tinyagent.plans.counts import counted
from tinyagent.plans.skeleton import skeleton_grammar, skeleton_of
from tinyagent.plans.values import by_format, by_schema, read_values
from tinyagent.plans.zones import zones_named
from tinyagent.toolrag.select import extra_examples
from tinyagent.tools.registry import ArgType, Effect, ToolSet
from tinyagent.workers.mcp.config import McpConfigError, load_config, parse_config
from tinyagent.workers.mcp.hub import read_examples
from tinyagent.workers.mcp.schema import ArgumentProblem, call_arguments, result_text, spec_from_mcp, tool_name

SOURCE = Path("/etc/tinyagent/mcp.json")


def _parse(servers: dict[str, object], environ: dict[str, str] | None = None) -> list[object]:
    return list(parse_config(json.dumps({"mcpServers": servers}), SOURCE, environ or {}))


def test_stdio_and_http_servers_read_the_format_other_hosts_write() -> None:
    stdio, http = _parse(
        {
            "time": {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "${ZONE}"}, "examples": "t.jsonl"},
            "remote": {"url": "http://127.0.0.1:9000/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
            "off": {"command": "x", "disabled": True},
        },
        {"ZONE": "Europe/Warsaw", "TOKEN": "abc"},
    )
    assert (stdio.name, stdio.command, stdio.args, dict(stdio.env)) == (  # type: ignore[attr-defined]
        "time",
        "uvx",
        ("mcp-server-time",),
        {"TZ": "Europe/Warsaw"},
    )
    assert stdio.examples == Path("/etc/tinyagent/t.jsonl") and stdio.transport == "stdio"  # type: ignore[attr-defined]
    assert http.transport == "http" and dict(http.headers) == {"Authorization": "Bearer abc"}  # type: ignore[attr-defined]


def test_an_unset_variable_fails_that_server_only() -> None:
    broken, fine = _parse({"a": {"command": "x", "env": {"K": "${NOPE}"}}, "b": {"command": "y"}})
    assert broken.error == "environment variable(s) not set: NOPE"  # type: ignore[attr-defined]
    assert fine.error is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("servers", "message"),
    [
        ({"a": {"command": "x", "url": "http://h/mcp"}}, "either 'command'"),
        ({"a": {}}, "either 'command'"),
        ({"a": {"url": "ftp://h"}}, "http(s) URL"),
        ({"a": {"command": "x", "args": "not a list"}}, "args must be a list"),
        ({"a": {"command": "x", "type": "sse"}}, "SSE is deprecated"),
        ({"a": {"command": "x", "timeout_s": 0}}, "timeout_s"),
        ({"a": {"command": "x", "shell": True}}, "unknown keys ['shell']"),
        ({"bad name!": {"command": "x"}}, "server name"),
    ],
)
def test_a_malformed_config_is_refused_with_the_reason(servers: dict[str, object], message: str) -> None:
    with pytest.raises(McpConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        _parse(servers)


def test_load_config_keeps_the_named_servers(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {"a": {"command": "x"}, "b": {"command": "y"}}}))
    assert [s.name for s in load_config(path, ["b"])] == ["b"]
    with pytest.raises(McpConfigError, match="unknown servers"):
        load_config(path, ["c"])
    with pytest.raises(McpConfigError, match="cannot read"):
        load_config(tmp_path / "missing.json")
    path.write_text("{not json")
    with pytest.raises(McpConfigError, match="invalid JSON"):
        load_config(path)


SCHEMA = {
    "type": "object",
    "properties": {
        "limit": {"type": "integer"},
        "query": {"type": "string", "description": "Words to look for"},
        "ratio": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "filters": {"type": "object"},
        "exact": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
        "mode": {"type": "string", "enum": ["fast", "slow"]},
    },
    "required": ["query", "ratio"],
}


def _spec(read_only: bool | None = True, destructive: bool | None = None) -> object:
    return spec_from_mcp("my-server", "Find.Things", "Find things.\nSecond line.", SCHEMA, read_only, destructive, 1000)


def test_an_mcp_tool_becomes_a_plan_tool_required_arguments_first() -> None:
    spec = _spec()
    assert spec.name == "my_server__find_things" == tool_name("my-server", "Find.Things")  # type: ignore[attr-defined]
    assert [(p.name, p.type, p.nullable) for p in spec.params] == [  # type: ignore[attr-defined]
        ("query", ArgType.STR, False),
        ("ratio", ArgType.STR, False),  # a number travels as a string
        ("limit", ArgType.INT, True),
        ("tags", ArgType.STR_LIST, True),
        ("filters", ArgType.STR, True),
        ("exact", ArgType.BOOL, True),
        ("mode", ArgType.STR, True),
    ]
    assert spec.bullets[:4] == (  # type: ignore[attr-defined]
        "Find things.",
        "Second line.",
        "query: Words to look for",
        "ratio: (a number, written as a string)",
    )
    assert spec.bullets[-1] == 'mode: (optional; one of "fast", "slow")'  # type: ignore[attr-defined]
    assert spec.source == "mcp:my-server" and spec.app == "mcp:my-server"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("read_only", "destructive", "effect", "destroys"),
    [(True, None, Effect.NONE, True), (False, False, Effect.WRITES, False), (None, None, Effect.WRITES, True)],
)
def test_side_effects_come_from_the_annotations_and_unknown_means_writes(
    read_only: bool | None, destructive: bool | None, effect: Effect, destroys: bool
) -> None:
    spec = _spec(read_only, destructive)
    assert spec.effect is effect and spec.remote.destructive is destroys  # type: ignore[attr-defined]


def test_plan_arguments_become_the_tools_arguments() -> None:
    spec = _spec()
    args = ["cats", "2.5", 3, ("a", "b"), '{"k": 1}', None, "fast"]
    assert call_arguments(spec, args) == {  # type: ignore[arg-type]
        "query": "cats",
        "ratio": 2.5,
        "limit": 3,
        "tags": ["a", "b"],
        "filters": {"k": 1},
        "mode": "fast",
    }
    assert call_arguments(spec, ["cats", "4", None, None, None, None, None])["ratio"] == 4  # type: ignore[arg-type]
    with pytest.raises(ArgumentProblem, match="ratio must be a number"):
        call_arguments(spec, ["cats", "soon", None, None, None, None, None])  # type: ignore[arg-type]
    with pytest.raises(ArgumentProblem, match="filters must be JSON"):
        call_arguments(spec, ["cats", "1", None, None, "{", None, None])  # type: ignore[arg-type]
    with pytest.raises(ArgumentProblem, match="takes 7 positional arguments"):
        call_arguments(spec, ["cats"])  # type: ignore[arg-type]


class _Block:
    def __init__(self, kind: str, text: str = "") -> None:
        self.type, self.text = kind, text


def test_a_result_is_its_text_else_its_structured_content_and_is_capped() -> None:
    assert result_text([_Block("text", "a"), _Block("image"), _Block("text", "b")], None) == "a\n[image]\nb"
    assert result_text([], {"x": 1}) == '{"x": 1}'
    long = result_text([_Block("text", "y" * 20_000)], None)
    assert long.startswith("y" * 16_000) and long.endswith("[... 4000 more characters cut]")


def test_examples_are_checked_against_every_tool(tmp_path: Path) -> None:
    tools = ToolSet.all().plus([_spec()])  # type: ignore[list-item]
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps(
            {
                "query": "find cats",
                "plan": '1. my_server__find_things("cats", "1", None, None, None, None, None)\n2. join()',
            }
        )
        + "\n\n"
    )
    assert [e.query for e in read_examples("my-server", good, tools)] == ["find cats"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"query": "x", "plan": '1. my_server__find_things("cats")\n2. join()'}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:1: the plan does not parse"):
        read_examples("my-server", bad, tools)
    bad.write_text('{"query": "x"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:1: expected"):
        read_examples("my-server", bad, tools)


# --- guided plans: what an MCP tool's schema lets the grammar offer ----------------------------------

NOW = datetime(2026, 11, 23, 10, 0)
TIME_SCHEMA = {
    "type": "object",
    "properties": {
        "timezone": {"type": "string", "description": "IANA timezone name (e.g., 'Europe/London')."},
        "due": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "note": {"type": "integer"},
    },
    "required": ["timezone"],
}


def test_schema_formats_and_iana_descriptions_say_what_a_string_holds() -> None:
    spec = spec_from_mcp("clock", "set", None, TIME_SCHEMA, True, None, 1000)
    assert [p.format for p in spec.params] == ["timezone", "date", "datetime", None]


@pytest.mark.parametrize(
    ("query", "zones"),
    [
        ("what time is it in tokyo rn", ("Asia/Tokyo",)),
        ("14:00 London time, what is that in New York?", ("Europe/London", "America/New_York")),
        ("standup at 10:30 in Mumbai, when is that in San Francisco", ("Asia/Kolkata", "America/Los_Angeles")),
        ("remind me about christmas shopping and easter", ()),  # zone cities that are everyday words
        ("what time is it", ()),
        ("is it late in São Paulo? and in Zürich?", ("America/Sao_Paulo", "Europe/Zurich")),  # accents folded
        ("3pm PST in London", ("America/Los_Angeles", "Europe/London")),
        ("what time is it in Istanbul and Tel Aviv", ("Europe/Istanbul", "Asia/Jerusalem")),  # not the old links
        ("the best time to call New Jersey", ("America/New_York",)),
    ],
)
def test_zones_named_by_their_cities_in_the_order_said(query: str, zones: tuple[str, ...]) -> None:
    assert zones_named(query) == zones


def test_an_mcp_tools_dates_and_zones_come_from_the_request() -> None:
    dated = read_values("add pay rent due 2026-12-01 and call mom tomorrow", NOW)
    assert by_format(dated, "date", nullable=True) == ("2026-12-01", "2026-11-24")
    undated = read_values("add buy milk to my todo list", NOW)
    assert by_format(undated, "date", nullable=True) == (None,)  # none said: leave it out, do not invent one
    assert by_format(undated, "date", nullable=False) is None
    assert by_format(read_values("time in Berlin?", NOW), "timezone", nullable=False) == ("Europe/Berlin",)
    assert by_format(undated, None, nullable=True) is None


def test_a_guided_plan_offers_only_the_values_an_enum_allows() -> None:
    spec = spec_from_mcp("clock", "set", None, {**TIME_SCHEMA, "properties": {
        "mode": {"type": "string", "enum": ["open", "done", "all"]},
        "level": {"type": "integer", "enum": [1, 2]},
        "free": {"type": "string"},
    }, "required": ["mode", "level"]}, True, None, 1000)  # fmt: skip
    values = read_values("show me the list", NOW)
    mode, level, free = spec.params
    assert by_schema(values, spec, mode) == ("open", "done", "all")
    assert by_schema(read_values("show me whats left open", NOW), spec, mode) == ("open",)  # the one said
    assert by_schema(read_values("show the tasks I've completed", NOW), spec, mode) == ("done",)  # said otherwise
    assert by_schema(values, spec, level) == (1, 2)
    assert by_schema(values, spec, free) is None  # optional, no format: the model writes it
    grammar = skeleton_grammar(skeleton_of("1. clock__set(\"open\", 1, None)\n2. join()", ToolSet((spec,))),
                               ToolSet((spec,)), values)  # fmt: skip
    assert '("\\"open\\"" | "\\"done\\"" | "\\"all\\"")' in grammar and '("1" | "2")' in grammar


BOOKMARK_SCHEMA = {
    "type": "object",
    "properties": {
        "url": {"type": "string"},
        "home": {"type": "string", "format": "uri"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["url", "home", "tags"],
}


def test_addresses_and_listed_items_come_from_the_request_not_the_model() -> None:
    spec = spec_from_mcp("bookmarks", "save", None, BOOKMARK_SCHEMA, False, None, 1000)
    url, home, tags = spec.params
    assert url.format == home.format == "url"  # by name where no format is declared, as most servers write
    values = read_values("save https://example.com/rust-async as 'Async Rust guide', tags rust and async.", NOW)
    assert by_schema(values, spec, url) == ("https://example.com/rust-async",)
    assert by_schema(values, spec, tags) == (("rust", "async"),)
    unsaid = read_values("save this page for later", NOW)
    assert by_schema(unsaid, spec, url) is None and by_schema(unsaid, spec, tags) is None  # the model writes them
    grammar = skeleton_grammar(skeleton_of('1. bookmarks__save("a", "b", [])\n2. join()', ToolSet((spec,))),
                               ToolSet((spec,)), values)  # fmt: skip
    assert '"\\"https://example.com/rust-async\\""' in grammar and '"[\\"rust\\", \\"async\\"]"' in grammar


@pytest.mark.parametrize(
    ("query", "items"),
    [
        ("bookmark x.com tagged: python, typing & tools", ("python", "typing", "tools")),
        ("save it with tags news", ("news",)),
        ("tag it ml and then text Bob that the report is done", ("ml",)),  # a longer phrase ends the list
        ("save the page about cats and dogs to my reading list", ()),
    ],
)
def test_a_list_is_read_after_its_name(query: str, items: tuple[str, ...]) -> None:
    assert reading.listed(query, "tags") == items


def test_an_operators_examples_are_matched_without_their_values() -> None:
    # With "call the plumber" in, a request to add that task matched this example and completed it.
    done = spec_from_mcp("tasks", "complete_task", None, {"properties": {"title": {"type": "string"}},
                         "required": ["title"]}, False, None, 1000)  # fmt: skip
    plan = '1. tasks__complete_task("call the plumber")\n2. join()'
    (example,) = extra_examples([("Mark the task call the plumber as done", plan)], ToolSet.all().plus([done]))
    assert example.matched == "Mark the task something as done"
    assert example.query == "Mark the task call the plumber as done"  # the prompt's shot keeps its values


def test_values_a_description_lists_in_quotes_are_the_only_ones_offered() -> None:
    # The toy tasks server declares no enum; its description says the values, as many servers do.
    listing = spec_from_mcp("tasks", "list_tasks", "List the tasks on the to-do list: 'open', 'done' or 'all'.",
                            {"properties": {"status": {"type": "string"}}}, True, None, 1000)  # fmt: skip
    described = spec_from_mcp("tasks", "find", "Find tasks.", {"properties": {
        "status": {"type": "string", "description": 'One of "low", "high".'},
        "text": {"type": "string", "description": "Words it's 'about'."}}}, True, None, 1000)  # fmt: skip
    values = read_values("show the tasks I've completed", NOW)
    assert by_schema(values, listing, listing.params[0]) == ("done", None)  # "completed" says "done"
    status, text = described.params
    assert by_schema(values, described, status) == ("low", "high", None)
    assert by_schema(values, described, text) is None  # one quoted word is not a list of values


def test_other_words_for_a_listed_state_and_all_takes_in_the_rest() -> None:
    listing = spec_from_mcp("tasks", "list_tasks", "List the tasks on the to-do list: 'open', 'done' or 'all'.",
                            {"properties": {"status": {"type": "string"}}}, True, None, 1000)  # fmt: skip
    (status,) = listing.params
    assert by_schema(read_values("which tasks have I checked off already?", NOW), listing, status) == ("done", None)
    whole = read_values("give me my whole task list, finished ones too", NOW)
    assert by_schema(whole, listing, status) == ("all", None)  # "finished" is said, but so is the whole list
    assert by_schema(read_values("show my open todos", NOW), listing, status) == ("open", None)


TASK_SCHEMA = {"properties": {"title": {"type": "string"}, "due_date": {"type": "string", "format": "date"}},
               "required": ["title"]}  # fmt: skip


def test_each_quoted_thing_gets_its_own_mcp_line() -> None:
    add = spec_from_mcp("tasks", "add_task", "Add a task.", TASK_SCHEMA, False, None, 1000)
    tools = ToolSet.all().plus([add])
    one = skeleton_of('1. tasks__add_task("call grandma", None)\n2. join()', tools)
    two = counted(one, "add 'call grandma' and 'buy stamps' to my to-do list", tools, NOW)
    assert [(line.tool, line.given) for line in two.lines] == [
        ("tasks__add_task", ((0, "call grandma"),)),
        ("tasks__add_task", ((0, "buy stamps"),)),
    ]
    assert counted(one, "add 'call grandma' to my to-do list", tools, NOW) == one


def test_mcp_steps_in_another_order_are_scored_like_built_in_ones() -> None:
    """Upstream's graph cut at the first unknown tool: an MCP plan was right only in the reference's order."""
    zone = {"properties": {"timezone": {"type": "string"}}, "required": ["timezone"]}
    now = spec_from_mcp("time", "get_current_time", None, zone, True, None, 1000)
    tools = ToolSet.all().plus([now])
    reference = (
        '1. get_phone_number("Ana")\n2. time__get_current_time("Europe/Lisbon")\n3. send_sms(["$1"], "$2")\n4. join()'
    )
    swapped = (
        '1. time__get_current_time("Europe/Lisbon")\n2. get_phone_number("Ana")\n3. send_sms(["$2"], "$1")\n4. join()'
    )
    assert score_plan(swapped, reference, tools).args_exact
    wrong = (
        '1. time__get_current_time("Europe/Lisbon")\n2. get_phone_number("Ana")\n3. send_sms(["$2"], "Hi")\n4. join()'
    )
    assert not score_plan(wrong, reference, tools).success_upstream


CONVERT_SCHEMA = {"properties": {
    "source_timezone": {"type": "string", "description": "Source IANA timezone name"},
    "time": {"type": "string", "description": "Time to convert in 24-hour format (HH:MM)"},
    "target_timezone": {"type": "string", "description": "Target IANA timezone name"},
}, "required": ["source_timezone", "time", "target_timezone"]}  # fmt: skip


def test_a_clock_time_is_read_as_hh_mm_and_a_url_not_given_is_any_string() -> None:
    convert = spec_from_mcp("time", "convert_time", None, CONVERT_SCHEMA, True, None, 1000)
    page = {"properties": {"url": {"type": "string"}, "title": {"type": "string"}}, "required": ["url", "title"]}
    save = spec_from_mcp("bookmarks", "save_bookmark", "Save a web page.", page, False, None, 1001)
    assert [p.format for p in convert.params] == ["timezone", "clock", "timezone"]
    tools = ToolSet.all().plus([convert, save])
    line = skeleton_of('1. time__convert_time("Asia/Tokyo", "15:00", "Europe/London")\n2. join()', tools)
    said = skeleton_grammar(line, tools, read_values("what is 3:30pm Tokyo time in London", NOW))
    assert '("\\"15:30\\"")' in said
    unsaid = skeleton_grammar(line, tools, read_values("what is Tokyo time in London now", NOW))
    assert '"\\"" [0-2] [0-9] ":" [0-5] [0-9] "\\""' in unsaid
    # A web address the request does not give: any string (this was a KeyError, a 500 on /plan).
    bookmark = skeleton_of('1. bookmarks__save_bookmark("https://x.example", "X")\n2. join()', tools)
    assert "line1 ::=" in skeleton_grammar(bookmark, tools, read_values("bookmark the rust book page", NOW))


def test_an_mcp_tools_thing_is_a_run_of_the_requests_words_within_one_command() -> None:
    """The model wrote "complete phone bill" for "mark pay the phone bill as complete", and searched
    "sourdough and text" for "find my bookmarks on sourdough and text them to Marco"."""
    titled = {"properties": {"title": {"type": "string"}}, "required": ["title"]}
    done = spec_from_mcp("tasks", "complete_task", "Mark the task with this title as done.", titled, False, None, 1000)
    tools = ToolSet.all().plus([done])
    line = skeleton_of('1. tasks__complete_task("x")\n2. join()', tools)
    grammar = skeleton_grammar(line, tools, read_values("please mark pay the phone bill as complete", NOW))
    assert 'line1 ::= "1. tasks__complete_task(" "\\"" (qs0 | qs1' in grammar
    query = "find my bookmarks on sourdough and text them to Marco"
    rules = dict(r.split(" ::= ", 1) for r in skeleton_grammar(line, tools, read_values(query, NOW)).splitlines())
    sourdough = next(body for body in rules.values() if '[sS] "ourdough"' in body)
    assert "qs" not in sourdough  # the run ends before "and text"


def test_a_tool_that_needs_a_web_address_is_not_chosen_without_one() -> None:
    from types import SimpleNamespace

    from tinyagent.toolrag.guide import SkeletonRanker

    page = {"properties": {"url": {"type": "string"}, "title": {"type": "string"}}, "required": ["url", "title"]}
    save = spec_from_mcp("bookmarks", "save_bookmark", "Save a web page.", page, False, None, 1000)
    ranker = SimpleNamespace(tools=ToolSet.all().plus([save]))
    assert SkeletonRanker._unaddressed(ranker, "find bookmarks tagged recipes") == {"bookmarks__save_bookmark"}  # type: ignore[arg-type]
    assert SkeletonRanker._unaddressed(ranker, "bookmark https://example.com/a as A") == frozenset()  # type: ignore[arg-type]


def test_two_zone_parameters_take_the_zones_in_the_order_said() -> None:
    convert = spec_from_mcp("time", "convert_time", None, {"properties": {
        "source_timezone": {"type": "string", "description": "Source IANA timezone name"},
        "time": {"type": "string"},
        "target_timezone": {"type": "string", "description": "Target IANA timezone name"}},
        "required": ["source_timezone", "time", "target_timezone"]}, True, None, 1000)  # fmt: skip
    source, _, target = convert.params
    said = read_values("Convert 15:00 New York time to Tokyo time", NOW)
    assert by_schema(said, convert, source) == ("America/New_York",)
    assert by_schema(said, convert, target) == ("Asia/Tokyo",)
    utc = read_values("what is 15:00 UTC in Tokyo", NOW)  # UTC is a zone too; its time is read as said
    assert by_schema(utc, convert, source) == ("UTC",) and by_schema(utc, convert, target) == ("Asia/Tokyo",)
    one = read_values("what is 15:00 in Tokyo", NOW)  # fewer zones said than slots: the model chooses
    assert by_schema(one, convert, source) == by_schema(one, convert, target) == ("Asia/Tokyo",)


@pytest.mark.parametrize(
    ("value", "query", "said"),
    [
        ("renew car insurance", "add a task to renew the car insurance by Friday", "renew the car insurance"),
        ("Send Invoice to Acme", "mark the task send the invoice to Acme as complete", "send the invoice to Acme"),
        ("renew insurance", "add a task to renew the car insurance", "renew insurance"),  # not a span: kept
        ("insurance", "renew the insurance", "insurance"),  # one word: nothing to put back
    ],
)
def test_a_copied_value_gets_back_the_articles_the_model_dropped(value: str, query: str, said: str) -> None:
    assert as_said(value, query) == said


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("bookmark on css grid", "css grid"),
        ("my bookmarks about react hooks", "react hooks"),
        ("css grid", "css grid"),
        ("bookmarks on", "bookmarks on"),  # nothing left: kept
    ],
)
def test_a_search_is_for_its_words_not_for_the_tools_noun(value: str, said: str) -> None:
    assert without_its_noun(value, "bookmarks__search_bookmarks") == said


def test_only_mcp_tools_text_is_put_in_the_requests_words() -> None:
    add = spec_from_mcp("tasks", "add_task", None, {"properties": {"title": {"type": "string"}},
                        "required": ["title"]}, False, None, 1000)  # fmt: skip
    tools = ToolSet.all().plus([add])
    query = "add a task to renew the car insurance and text Bob to renew the car insurance"
    plan = (
        '1. tasks__add_task("renew car insurance")\n2. get_phone_number("Bob")\n'
        '3. send_sms(["$2"], "renew car insurance")\n4. join()\n'
    )
    assert in_request_words(plan, query, tools) == plan.replace('add_task("renew car', 'add_task("renew the car')
    assert in_request_words("not a plan", query, tools) == "not a plan"
