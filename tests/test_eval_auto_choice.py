"""The tool_choice "auto" evaluation: its data and how an outcome is scored."""

from __future__ import annotations

import json

from tinyagent.chat.types import ChatMessage
from tinyagent.eval import auto_choice as ac

TOOLS = ac.load_tools()


def test_both_splits_offer_three_known_tools_and_half_need_one() -> None:
    for split in ("dev", "holdout"):
        conversations = ac.load_conversations(ac.split_path(split), TOOLS)
        assert len(conversations) == 40
        assert sum(c.expect is not None for c in conversations) == 20
        for c in conversations:
            assert len(c.tools) == 3 and c.messages[-1].role == "user"
            assert c.expect is None or c.expect in {t.name for t in c.tools}


def test_the_splits_share_no_request() -> None:
    def requests(split: str) -> set[str]:
        return {c.messages[-1].content or "" for c in ac.load_conversations(ac.split_path(split), TOOLS)}

    assert not requests("dev") & requests("holdout")


def _outcome(expect: str | None, calls: tuple[tuple[str, str], ...], content: str | None = None) -> ac.Outcome:
    conversation = ac.Conversation((ChatMessage("user", "x"),), (TOOLS["get_weather"], TOOLS["send_email"]), expect)
    return ac.Outcome(conversation, calls, content, 0.5)


def test_outcomes_are_scored_on_decision_tool_arguments_and_leaks() -> None:
    right = _outcome("get_weather", (("get_weather", json.dumps({"city": "Oslo"})),))
    wrong_tool = _outcome("get_weather", (("send_email", json.dumps({"to": "a"})),))  # body missing
    answered = _outcome(None, (), "Hi!")
    leaked = _outcome(None, (), 'Sure <tool_call>{"name": "get_weather"')
    assert right.decided_right and right.tool_right and right.arguments_valid and not right.leaked
    assert wrong_tool.decided_right and not wrong_tool.tool_right and not wrong_tool.arguments_valid
    assert answered.decided_right and not answered.leaked and leaked.leaked
    assert not _outcome("get_weather", (), "It is sunny").decided_right
    figures = ac.summary([right, wrong_tool, answered, leaked])
    assert figures["decisions_right"] == 4 and figures["right_tool"] == 1
    assert figures["calls_with_valid_arguments"] == 1 and figures["replies_with_calls"] == 2
    assert figures["text_with_leaked_syntax"] == 1
    assert ac.report_lines(figures)[0].startswith("right decisions        4/4 (100.0%)")
