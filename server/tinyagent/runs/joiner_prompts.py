# ruff: noqa: E501  (verbatim upstream text reads better unsplit)
"""Upstream's joiner prompts (``src/tiny_agent/prompts.py``), verbatim, typos included.

The TinyAgent models were fine-tuned on exactly this text: the missing newlines in examples 3 and 5
(``john@doe.comopen_and_get_file_path``, ``again!Thought:``) and the trailing spaces after three
``Question:`` lines are kept on purpose.
"""

from __future__ import annotations

HEADER = "Follow these rules:\n"
ONLY_FINISH_OR_REPLAN = " - You MUST only output either Finish or Replan, or you WILL BE PENALIZED.\n"
ONLY_FINISH = " - You MUST only output Finish, or you WILL BE PENALIZED.\n"
FINISH_RULES: tuple[str, ...] = (
    " - If you need to answer some knowledge question, just answer it directly using 'Action: Finish(<your answer>)'.\n",
    " - If you need to return the result of a summary (summarize_pdf), you MUST use 'Action: Finish(Summary)'\n",
    " - If there is an error in one of the tool calls and it is not fixable, you should provide a user-friendly error message using 'Action: Finish(<your error message>)'.\n",
)
REPLAN_RULES: tuple[str, ...] = (
    " - If you think the plan is not completed yet or an error in the plan is fixable, you should output Replan.\n",
    " - If the plan is fixable, you will see a message like 'try again'. If you don't see this message, the error is NOT fixable and you MUST output an error message using 'Action: Finish(<your error message>)'\n",
)

FINISH_EXAMPLES: tuple[str, ...] = (
    (
        "Question: Create a zoom meeting for the upcoming Apple meeting with Eren Erdoğan. \n"
        'get_email_address("Eren Erdoğan")\n'
        "Observation: eren@gmail.com\n"
        'get_zoom_meeting_link("Apple Meeting", "2022-10-14 15:00:00", 60, ["$1"])\n'
        "Observation: https://zoom.us/j/1234567890?pwd=abc123\n"
        'create_calendar_event("Apple Meeting", "2022-10-14 15:00:00", "2022-10-14 16:00:00", "Apple HQ", "$2", None)\n'
        "Observation: Event created successfully\n"
        "Thought: I don't need to answer a question.\n"
        "Action: Finish(Task completed!)\n"
    ),
    (
        "Question: What is the content of the Apple meeting notes? \n"
        'get_note_content("Apple Meeting")\n'
        "Observation: The meeting is about the new iPhone release.\n"
        "Thought: I can just answer the question directly.\n"
        "Action: Finish(The meeting is about the new iPhone release.)\n"
    ),
    (
        "Question: Compose a new email to John, attaching the Project.pdf file.\n"
        'get_email_address("John")\n'
        'Observation: john@doe.comopen_and_get_file_path("Project")\n'
        "Observation: /Users/eren/Downloads/Project.pdf\n"
        'compose_new_email([john@doe.com], [], "Project Update", "Please find the attached project update.", ["/Users/eren/Downloads/Project.pdf"])\n'
        "Observation: There was an error while composing the email.\n"
        "Thought: There was an error with the compose_new_email tool call and it is not possible to fix it. I need to provide a user-friendly error message.\n"
        "Action: Finish(There was an error while composing the email. Please try again later.)\n"
    ),
    (
        "Question: Summarize the Apple Demo file. \n"
        "open_and_get_file_path(Apple Demo)\n"
        "Observation: /Users/eren/Downloads/Apple_Demo.pdf\n"
        "summarize_pdf(/Users/eren/Downloads/Apple_Demo.pdf)\n"
        "Observation: The new iPhone is going to be released in 2023.\n"
        "Action: Finish(Summary)\n"
    ),
)
REPLAN_EXAMPLE = (
    "Question: Say hi to Sid via SMS.\n"
    "join()\n"
    "Observation: The plan generation was stopped due to an error in tool 1. get_contact_info('Sid')! Error: Tool get_contact_info not found. You MUST correct this error and try again!Thought: The error is fixable so I need to replan and try again.\n"
    "Action: Replan\n"
)


def _examples(examples: tuple[str, ...]) -> str:
    return "Here are some examples:\n" + "".join(f"{example}###\n" for example in examples)


# The prompt of every round but the last: Finish or Replan.
OUTPUT_PROMPT = (
    HEADER
    + ONLY_FINISH_OR_REPLAN
    + "".join(FINISH_RULES)
    + "".join(REPLAN_RULES)
    + "\n"
    + _examples((*FINISH_EXAMPLES, REPLAN_EXAMPLE))
)
# The last round's prompt: Finish only.
OUTPUT_PROMPT_FINAL = HEADER + ONLY_FINISH + "".join(FINISH_RULES) + "\n" + _examples(FINISH_EXAMPLES)
