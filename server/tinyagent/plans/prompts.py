"""The planner prompt, built exactly as upstream's ``generate_llm_compiler_prompt``.

Text is upstream's (SqueezeAILab/TinyAgent, MIT) byte for byte, typos included, because the
TinyAgent models were fine-tuned on it. Two upstream bugs are not copied: the date line is
rendered from the ``now`` passed to each call (upstream froze it at import), and an empty tool
selection yields a prompt with only ``join()`` (upstream raised NameError).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tinyagent.tools.registry import ToolSpec

END_OF_PLAN = "<END_OF_PLAN>"

JOIN_DESCRIPTION = (
    "join():\n"
    " - Collects and combines results from prior actions.\n"
    " - A LLM agent is called upon invoking join to either finalize the user query "
    "or wait until the plans are executed.\n"
    " - join should always be the last action in the plan, and will be called in two scenarios:\n"
    "   (a) if the answer can be determined by gathering the outputs from tasks "
    "to generate the final response.\n"
    "   (b) if the answer cannot be determined in the planning phase before you execute the plans. "
)

GUIDELINES = (
    "Guidelines:\n"
    " - Each action described above contains input/output types and description.\n"
    "    - You must strictly adhere to the input and output types for each action.\n"
    "    - The action descriptions contain the guidelines. "
    "You MUST strictly follow those guidelines when you use the actions.\n"
    " - Each action in the plan should strictly be one of the above types. "
    "Follow the Python conventions for each action.\n"
    " - Each action MUST have a unique ID, which is strictly increasing.\n"
    " - Inputs for actions can either be constants or outputs from preceding actions. "
    "In the latter case, use the format $id to denote the ID of the previous action "
    "whose output will be the input.\n"
    f" - Always call join as the last action in the plan. Say '{END_OF_PLAN}' after you call join\n"
    " - Ensure the plan maximizes parallelizability.\n"
    " - Only use the provided action types. "
    "If a query cannot be addressed using these, invoke the join action for the next steps.\n"
    " - Never explain the plan with comments (e.g. #).\n"
    " - Never introduce new actions other than the ones provided.\n\n"
)

_RULES_BEFORE_DATE = " - You need to start your plan with the '1.' call\n"
_RULES_AFTER_DATE = (
    " - Unless otherwise specified, the default meeting duration is 60 minutes.\n"
    " - Do not use named arguments in your tool calls.\n"
    # A literal backslash-n: upstream's prompt shows the two characters, not a newline.
    " - You MUST end your plans with the 'join()' call and a '\\n' character.\n"
    " - You MUST fill every argument in the tool calls, even if they are optional.\n"
    " - The format for dates MUST be in ISO format of 'YYYY-MM-DD HH:MM:SS', unless other specified.\n"
    " - If you want to use the result of a previous tool call, "
    "you MUST use the '$' sign followed by the index of the tool call.\n"
    " - You MUST ONLY USE join() at the very very end of the plan, or you WILL BE PENALIZED.\n"
)

_EMAIL = ("get_email_address", "compose_new_email", "reply_to_email", "forward_email")
_SMS = ("get_phone_number", "send_sms")

# (trigger tools, rule text) in upstream's order; a rule is added when any trigger tool is selected.
TOOL_SPECIFIC_RULES: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset(_EMAIL),
        " - Before sending an email, you MUST use the get_email_address tool to get the email addresses "
        "of the recipients and cc, unless you are explicitly given their email addresses.\n",
    ),
    (
        frozenset(_SMS),
        " - Before sending an SMS, you MUST use the get_phone_number tool to get the phone number "
        "of the contact, unless you are explicitly given their phone number.\n"
        " - If you need to send an SMS message to multiple contacts, send it in one message, "
        "unless specified otherwise.\n",
    ),
    (
        frozenset(_EMAIL + _SMS),
        " - If you need to send an email or an sms using compose_new_email, reply_to_email, forward_email, "
        "or send_sms tools, you MUST send it before calling join(), or you WILL BE PENALIZED!\n",
    ),
    (
        frozenset({"get_zoom_meeting_link"}),
        " - If you need to create a zoom meeting, you MUST use get_zoom_meeting_link "
        "to get the newly created zoom meeting link.\n",
    ),
    (
        frozenset({"open_note", "append_note_content"}),
        " - If you need to append some content to a note, you DON'T HAVE TO call open_note before calling "
        "append_note_content. You can directly use append_note_content to append some content "
        "to the specific note.\n",
    ),
    (
        frozenset({"maps_open_location", "maps_show_directions"}),
        " - If you need to show directions to a place, you DON'T HAVE TO call maps_open_location before "
        "calling maps_show_directions. You can directly use maps_show_directions to show directions "
        "to the specific place.\n",
    ),
)

REPLAN_RULES = (
    ' - You are given "Previous Plan" which is the plan that the previous agent created along with '
    "the execution results (given as Observation) of each plan and a general thought (given as Thought) "
    "about the executed results."
    'You MUST use these information to create the next plan under "Current Plan".\n'
    ' - When starting the Current Plan, you should start with "Thought" that outlines the strategy '
    "for the next plan.\n"
    " - In the Current Plan, you should NEVER repeat the actions "
    "that are already executed in the Previous Plan.\n"
)

# Upstream DEFAULT_PLANNER_IN_CONTEXT_EXAMPLES_PROMPT; typos ("succesfully", the missing comma in
# example 4) are kept: they are what the models saw in training.
DEFAULT_EXAMPLES: tuple[str, ...] = (
    "Question: Notify Lutfi Eren Erdogan about the upcoming Apple meeting "
    "that is going to start at 3PM on Friday.\n"
    '1. get_phone_number("Lutfi Eren Erdogan")\n'
    '2. send_sms(["$1"], "Hey Lutfi, just wanted to let you know about the upcoming Apple meeting. '
    "It's going to be at 3 PM on Friday.\")\n"
    "Thought: I have succesfully found the contact and sent the message.\n"
    "3. join()<END_OF_PLAN>\n",
    "Question: Create a zoom meeting for the upcoming Apple meeting with Eren Erdoğan.\n"
    '1. get_email_address("Eren Erdoğan")\n'
    '2. get_zoom_meeting_link("Apple Meeting", "2022-10-14 15:00:00", 60, ["$1"])\n'
    '3. create_calendar_event("Apple Meeting", "2022-10-14 15:00:00", '
    '"2022-10-14 16:00:00", "$2", [], "", None)\n'
    "Thought: I have succesfully created the calendar event.\n"
    "4. join()<END_OF_PLAN>\n",
    "Question: Show directions to Apple Park.\n"
    '1. maps_show_directions("", "Apple Park", "d")\n'
    "Thought: I have succesfully shown the directions.\n"
    "2. join()<END_OF_PLAN>\n",
    "Question: Send an email to Amir saying that the meeting is postponed to next week.\n"
    '1. get_email_address("Amir")\n'
    '2. compose_new_email(["$1"], [], "Meeting Postponed," "", [])\n'
    "3. join()<END_OF_PLAN>\n",
)

# Upstream PLANNER_PROMPT_REPLAN, typos kept (send_sms("$2", ...) referencing itself, 4. join()).
REPLAN_EXAMPLES: tuple[str, ...] = (
    "Question: Say hi to Sid via SMS.\n\n"
    "Previous Plan:\n\n"
    "1. join()\n"
    "Observation:\n"
    "The plan generation was stopped due to an error in tool 1. get_contact_info('Sid')! "
    "Error: Tool get_contact_info not found. You MUST correct this error and try again!\n"
    "Current Plan:\n\n"
    "Thought: The error is fixable since I have the get_phone_number tool "
    "to retrieve the phone number of Sid. "
    "Then I will proceed with sending the SMS.\n"
    '1. get_phone_number("Sid")\n'
    '2. send_sms("$2", "Hi Sid!")\n'
    "Thought: I have succesfully created the retrieved the phone number and sent the SMS.\n"
    "4. join()<END_OF_PLAN>\n",
    "Question: Summarize 'Apple Demo.pdf'.\n\n"
    "Previous Plan:\n\n"
    '1. open_and_get_file_path("Apple Demo")\n'
    "2. join()\n"
    "Observation: summarize_pdf() takes 1 positional arguments but 2 were given! "
    "You MUST correct this error and try again!\n"
    "Current Plan:\n\n"
    "Thought: Previous plan tried to call the summarize_pdf() tool with the wrong number of arguments. "
    "I will correct this and try again.\n"
    '1. open_and_get_file_path("Apple Demo")\n'
    '2. summarize_pdf("$1")\n'
    "Thought: I have succesfully opened the file and summarized it.\n"
    "3. join()<END_OF_PLAN>\n",
)


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[^\W_]+", text.casefold()))


# The values upstream's replan examples pass ("Sid", "Hi Sid!", "Apple Demo"). A replan round that passes one
# whose words the request and the earlier rounds never said copied it from the prompt: the 135M model's replans
# opened "Apple Demo" after a text with no recipient failed (issue 16; bench/run_writes_tuning16.jsonl).
REPLAN_EXAMPLE_VALUES = frozenset(re.findall(r'[(,]\s*"([^"\n$]+)"', "".join(REPLAN_EXAMPLES)))
_REPLAN_VALUE_WORDS = frozenset(_words(v) for v in REPLAN_EXAMPLE_VALUES)


def replan_example_value(values: Iterable[str], said: str) -> str | None:
    """The first of ``values`` that is a replan example's and has a word ``said`` does not have."""
    heard = _words(said)
    return next((v for v in values if _words(v) in _REPLAN_VALUE_WORDS and not _words(v) <= heard), None)


def examples_block(examples: Iterable[str]) -> str:
    """Upstream's rendering (``BaseToolRAG._get_in_context_examples_prompt``): each followed by ``###``."""
    return "".join(f"{example}###\n" for example in examples)


def custom_rules(tools: Iterable[ToolSpec], now: datetime, user_instructions: Sequence[str] = ()) -> str:
    """Upstream's ``get_planner_custom_instructions_prompt`` with the date taken from ``now``.

    ``user_instructions`` holds the setting-level then the per-request text; each non-blank one
    becomes a `` - {text}`` bullet (upstream had a single one, without a trailing newline).
    """
    selected = {t.name for t in tools}
    parts = [
        _RULES_BEFORE_DATE,
        f" - Today's date is {now.strftime('%A %Y-%m-%d %H:%M')}\n",
        _RULES_AFTER_DATE,
    ]
    parts.extend(text for triggers, text in TOOL_SPECIFIC_RULES if triggers & selected)
    bullets = [f" - {text.strip()}" for text in user_instructions if text.strip()]
    return "".join(parts) + "\n".join(bullets)


@dataclass(frozen=True)
class PlannerPrompt:
    """The system message and the human message of one planner call."""

    system: str
    user: str

    def as_completion(self) -> str:
        """Upstream's form for completion (non-chat) models."""
        return f"{self.system}\n\n{self.user}"


def build_system_prompt(
    tools: Iterable[ToolSpec],
    now: datetime,
    *,
    user_instructions: Sequence[str] = (),
    replan: bool = False,
    examples: Sequence[str] | None = None,
) -> str:
    """The planner system prompt; ``now`` must already be in the user's time zone.

    ``examples`` defaults to upstream's four examples (the two replan examples when ``replan``).
    """
    if examples is None:
        examples = REPLAN_EXAMPLES if replan else DEFAULT_EXAMPLES
    tools = tuple(tools)
    parts = [
        "Given a user query, create a plan to solve it with the utmost parallelizability. "
        f"Each plan should comprise an action from the following {len(tools) + 1} types:\n"
    ]
    parts.extend(f"{i}. {tool.planner_description}\n" for i, tool in enumerate(tools, start=1))
    parts.append(f"{len(tools) + 1}. {JOIN_DESCRIPTION}\n\n")
    parts.append(GUIDELINES)
    parts.append(f"{custom_rules(tools, now, user_instructions)}\n\n")
    if replan:
        parts.append(REPLAN_RULES)
    parts.append("Here are some examples:\n\n")
    parts.append(examples_block(examples))
    return "".join(parts)


def build_planner_prompt(
    tools: Iterable[ToolSpec],
    query: str,
    now: datetime,
    *,
    user_instructions: Sequence[str] = (),
    examples: Sequence[str] | None = None,
) -> PlannerPrompt:
    """System + ``Question: {query}`` for a first planning round."""
    system = build_system_prompt(tools, now, user_instructions=user_instructions, examples=examples)
    return PlannerPrompt(system=system, user=f"Question: {query}")


def build_replan_prompt(
    tools: Iterable[ToolSpec],
    query: str,
    context: str,
    now: datetime,
    *,
    user_instructions: Sequence[str] = (),
    examples: Sequence[str] | None = None,
) -> PlannerPrompt:
    """Replan variant: replan bullets, replan examples, ``Question: {query}\\n{context}\\n``.

    ``context`` is the previous plan with observations, rendered by the joiner side.
    """
    system = build_system_prompt(tools, now, user_instructions=user_instructions, replan=True, examples=examples)
    return PlannerPrompt(system=system, user=f"Question: {query}\n{context}\n")
