"""Planner prompt: byte fidelity to upstream, per-call date, rule selection, replan, edge cases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tinyagent.plans.prompts import (
    DEFAULT_EXAMPLES,
    REPLAN_EXAMPLES,
    REPLAN_RULES,
    TOOL_SPECIFIC_RULES,
    build_planner_prompt,
    build_replan_prompt,
    build_system_prompt,
    examples_block,
)
from tinyagent.tools.registry import TOOLS, ToolSet, ToolSpec, get_tool

# Upstream texts (SqueezeAILab/TinyAgent, MIT) copied verbatim from the reference (§3.2, §3.4, §3.5).
# <DATE> stands for the date line's value; <SP> for the one trailing space upstream has (kept out of
# the source so editors that strip trailing whitespace cannot silently change the expectation).
UPSTREAM_3_2 = """\
Given a user query, create a plan to solve it with the utmost parallelizability. Each plan should comprise an action from the following 3 types:
1. create_calendar_event(title: str, start_date: str, end_date: str, location: str, invitees: list[str], notes: str, calendar: str) -> str
 - Create a calendar event.
 - The format for start_date and end_date is 'YYYY-MM-DD HH:MM:SS'.
 - For invitees, you need a list of email addresses; use an empty list if not applicable.
 - For location, notes, and calendar, use an empty string or None if not applicable.
 - Returns the status of the event creation.

2. get_email_address(name: str) -> str
 - Search for a contact by name.
 - Returns the email address of the contact.

3. join():
 - Collects and combines results from prior actions.
 - A LLM agent is called upon invoking join to either finalize the user query or wait until the plans are executed.
 - join should always be the last action in the plan, and will be called in two scenarios:
   (a) if the answer can be determined by gathering the outputs from tasks to generate the final response.
   (b) if the answer cannot be determined in the planning phase before you execute the plans.<SP>

Guidelines:
 - Each action described above contains input/output types and description.
    - You must strictly adhere to the input and output types for each action.
    - The action descriptions contain the guidelines. You MUST strictly follow those guidelines when you use the actions.
 - Each action in the plan should strictly be one of the above types. Follow the Python conventions for each action.
 - Each action MUST have a unique ID, which is strictly increasing.
 - Inputs for actions can either be constants or outputs from preceding actions. In the latter case, use the format $id to denote the ID of the previous action whose output will be the input.
 - Always call join as the last action in the plan. Say '<END_OF_PLAN>' after you call join
 - Ensure the plan maximizes parallelizability.
 - Only use the provided action types. If a query cannot be addressed using these, invoke the join action for the next steps.
 - Never explain the plan with comments (e.g. #).
 - Never introduce new actions other than the ones provided.

 - You need to start your plan with the '1.' call
 - Today's date is <DATE>
 - Unless otherwise specified, the default meeting duration is 60 minutes.
 - Do not use named arguments in your tool calls.
 - You MUST end your plans with the 'join()' call and a '\\n' character.
 - You MUST fill every argument in the tool calls, even if they are optional.
 - The format for dates MUST be in ISO format of 'YYYY-MM-DD HH:MM:SS', unless other specified.
 - If you want to use the result of a previous tool call, you MUST use the '$' sign followed by the index of the tool call.
 - You MUST ONLY USE join() at the very very end of the plan, or you WILL BE PENALIZED.
 - Before sending an email, you MUST use the get_email_address tool to get the email addresses of the recipients and cc, unless you are explicitly given their email addresses.
 - If you need to send an email or an sms using compose_new_email, reply_to_email, forward_email, or send_sms tools, you MUST send it before calling join(), or you WILL BE PENALIZED!


Here are some examples:

<example block>
"""  # noqa: E501

UPSTREAM_EXAMPLES = """\
Question: Notify Lutfi Eren Erdogan about the upcoming Apple meeting that is going to start at 3PM on Friday.
1. get_phone_number("Lutfi Eren Erdogan")
2. send_sms(["$1"], "Hey Lutfi, just wanted to let you know about the upcoming Apple meeting. It's going to be at 3 PM on Friday.")
Thought: I have succesfully found the contact and sent the message.
3. join()<END_OF_PLAN>
###
Question: Create a zoom meeting for the upcoming Apple meeting with Eren Erdoğan.
1. get_email_address("Eren Erdoğan")
2. get_zoom_meeting_link("Apple Meeting", "2022-10-14 15:00:00", 60, ["$1"])
3. create_calendar_event("Apple Meeting", "2022-10-14 15:00:00", "2022-10-14 16:00:00", "$2", [], "", None)
Thought: I have succesfully created the calendar event.
4. join()<END_OF_PLAN>
###
Question: Show directions to Apple Park.
1. maps_show_directions("", "Apple Park", "d")
Thought: I have succesfully shown the directions.
2. join()<END_OF_PLAN>
###
Question: Send an email to Amir saying that the meeting is postponed to next week.
1. get_email_address("Amir")
2. compose_new_email(["$1"], [], "Meeting Postponed," "", [])
3. join()<END_OF_PLAN>
###
"""  # noqa: E501

UPSTREAM_REPLAN_EXAMPLES = """\
Question: Say hi to Sid via SMS.

Previous Plan:

1. join()
Observation:
The plan generation was stopped due to an error in tool 1. get_contact_info('Sid')! Error: Tool get_contact_info not found. You MUST correct this error and try again!
Current Plan:

Thought: The error is fixable since I have the get_phone_number tool to retrieve the phone number of Sid. Then I will proceed with sending the SMS.
1. get_phone_number("Sid")
2. send_sms("$2", "Hi Sid!")
Thought: I have succesfully created the retrieved the phone number and sent the SMS.
4. join()<END_OF_PLAN>
###
Question: Summarize 'Apple Demo.pdf'.

Previous Plan:

1. open_and_get_file_path("Apple Demo")
2. join()
Observation: summarize_pdf() takes 1 positional arguments but 2 were given! You MUST correct this error and try again!
Current Plan:

Thought: Previous plan tried to call the summarize_pdf() tool with the wrong number of arguments. I will correct this and try again.
1. open_and_get_file_path("Apple Demo")
2. summarize_pdf("$1")
Thought: I have succesfully opened the file and summarized it.
3. join()<END_OF_PLAN>
###
"""  # noqa: E501

UPSTREAM_REPLAN_RULES = """\
 - You are given "Previous Plan" which is the plan that the previous agent created along with the execution results (given as Observation) of each plan and a general thought (given as Thought) about the executed results.You MUST use these information to create the next plan under "Current Plan".
 - When starting the Current Plan, you should start with "Thought" that outlines the strategy for the next plan.
 - In the Current Plan, you should NEVER repeat the actions that are already executed in the Previous Plan.
"""  # noqa: E501

MONDAY = datetime(2026, 11, 23, 20, 12)


def expected_3_2(date: str) -> str:
    body = UPSTREAM_3_2.replace("<SP>", " ").replace("<DATE>", date)
    return body.removesuffix("<example block>\n")


def two_tools() -> list[ToolSpec]:
    return [get_tool("create_calendar_event"), get_tool("get_email_address")]


def test_rendered_example_is_byte_identical() -> None:
    got = build_system_prompt(two_tools(), MONDAY, examples=())
    assert got == expected_3_2("Monday 2026-11-23 20:12")


def test_default_examples_are_upstream_verbatim() -> None:
    assert examples_block(DEFAULT_EXAMPLES) == UPSTREAM_EXAMPLES
    got = build_system_prompt(two_tools(), MONDAY)
    assert got == expected_3_2("Monday 2026-11-23 20:12") + UPSTREAM_EXAMPLES


def test_replan_prompt_inserts_bullets_and_replan_examples() -> None:
    assert REPLAN_RULES == UPSTREAM_REPLAN_RULES
    assert examples_block(REPLAN_EXAMPLES) == UPSTREAM_REPLAN_EXAMPLES
    got = build_system_prompt(two_tools(), MONDAY, replan=True)
    head = expected_3_2("Monday 2026-11-23 20:12").removesuffix("Here are some examples:\n\n")
    assert got == head + UPSTREAM_REPLAN_RULES + "Here are some examples:\n\n" + UPSTREAM_REPLAN_EXAMPLES


def test_date_is_computed_per_call_from_now() -> None:
    tz = timezone(timedelta(hours=-8))
    first = build_system_prompt(two_tools(), datetime(2024, 2, 29, 9, 5, tzinfo=tz))
    second = build_system_prompt(two_tools(), datetime(2024, 3, 1, 23, 59, tzinfo=tz))
    assert " - Today's date is Thursday 2024-02-29 09:05\n" in first
    assert " - Today's date is Friday 2024-03-01 23:59\n" in second


def test_zero_tools_gives_a_join_only_prompt() -> None:
    got = build_system_prompt([], MONDAY)
    assert "from the following 1 types:\n1. join():\n" in got
    assert "get_email_address tool" not in got  # no tool-specific rules
    assert got.endswith(UPSTREAM_EXAMPLES)


def test_all_tools_numbered_in_registry_order_with_all_rules() -> None:
    got = build_system_prompt(TOOLS, MONDAY)
    assert "from the following 17 types:\n" in got
    positions = [got.index(f"{i}. {t.planner_description}\n") for i, t in enumerate(TOOLS, start=1)]
    assert positions == sorted(positions)
    assert "17. join():\n" in got
    rule_positions = [got.index(text) for _, text in TOOL_SPECIFIC_RULES]
    assert rule_positions == sorted(rule_positions)
    assert 9500 < len(got) < 10300  # upstream measured ~9.9k characters for this configuration


def test_a_toolset_can_be_passed_directly() -> None:
    selection = ToolSet.for_apps(["calendar", "contacts"]).select(tools=["create_calendar_event", "get_email_address"])
    assert build_system_prompt(selection, MONDAY) == build_system_prompt(two_tools(), MONDAY)


def test_tool_specific_rules_follow_the_selection() -> None:
    maps_only = build_system_prompt([get_tool("maps_show_directions")], MONDAY)
    assert "DON'T HAVE TO call maps_open_location" in maps_only
    assert "Before sending" not in maps_only and "zoom meeting, you MUST" not in maps_only
    sms = build_system_prompt([get_tool("send_sms")], MONDAY)
    assert "Before sending an SMS" in sms and "send it in one message" in sms
    assert "you MUST send it before calling join()" in sms
    assert "Before sending an email" not in sms


def test_user_instructions_setting_then_request() -> None:
    got = build_system_prompt(
        two_tools(), MONDAY, user_instructions=["Always answer in French.", "  ", "Keep it short."]
    )
    assert "WILL BE PENALIZED!\n - Always answer in French.\n - Keep it short.\n\nHere are some examples:" in got


def test_single_user_instruction_matches_upstream_shape() -> None:
    got = build_system_prompt(two_tools(), MONDAY, user_instructions=["Be brief."], examples=())
    base = expected_3_2("Monday 2026-11-23 20:12")
    assert got == base.replace("PENALIZED!\n\n\n", "PENALIZED!\n - Be brief.\n\n")


def test_custom_examples_replace_the_defaults() -> None:
    got = build_system_prompt(two_tools(), MONDAY, examples=["Question: q\n1. join()<END_OF_PLAN>\n"])
    assert got.endswith("Here are some examples:\n\nQuestion: q\n1. join()<END_OF_PLAN>\n###\n")
    assert "Lutfi" not in got


def test_human_messages() -> None:
    prompt = build_planner_prompt(two_tools(), "Email Sid", MONDAY)
    assert prompt.user == "Question: Email Sid"
    assert prompt.as_completion() == prompt.system + "\n\nQuestion: Email Sid"
    replan = build_replan_prompt(two_tools(), "Email Sid", "Previous Plan:\n...", MONDAY)
    assert replan.user == "Question: Email Sid\nPrevious Plan:\n...\n"
    assert REPLAN_RULES in replan.system and UPSTREAM_REPLAN_EXAMPLES in replan.system
