"""Messages: a draft by default, sent only when the user allowed sending (``send_drafts``).

Upstream typed the draft into Messages with System Events keystrokes, which needs Accessibility
access and types into whatever window has focus. Messages' AppleScript dictionary can send but has
no draft object, so a draft opens the conversation with an ``sms:<number>`` URL: the form Apple
documents for macOS, which also says the URL must not carry the message text (the iOS-style
``sms://open?addresses=...&body=...`` is not part of it). The result says so and gives the text.
Sending (messages_send.applescript) uses an enabled account, iMessage first, and for several
recipients their existing group chat when there is one; the result says which happened.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos.contacts import resolve_phones
from tinyagent.workers.macos.runner import Call

SENT = {
    "single": "SMS sent",
    "group": "SMS sent to the group chat",
    "separately": "SMS sent to each recipient separately (Messages cannot start a group chat from a script)",
}


def sms_url(recipient: str) -> str:
    return "sms:" + quote(recipient, safe="+@")


def match_key(recipient: str) -> str:
    """How the script compares a recipient with a chat's participant: digits only, or the address."""
    return recipient if "@" in recipient else re.sub(r"\D", "", recipient)


def drafted(numbers: Sequence[str], message: str) -> str:
    others = f" Add {', '.join(numbers[1:])} to it." if len(numbers) > 1 else ""
    return (
        f"SMS draft: a conversation with {numbers[0]} is open in Messages.{others} macOS does not let a link "
        f'fill in the text; type or paste it: "{message}"'
    )


def send_sms(call: Call, recipients: Sequence[str], message: str) -> str:
    numbers = resolve_phones(call, recipients)
    if not numbers:
        raise ToolFailure("invalid_argument", "At least one recipient is required.")
    try:
        if not call.ctx.send_drafts:
            call.command(["open", sms_url(numbers[0])])
            return drafted(numbers, message)
        result = call.script("messages_send", [message, *numbers, *(match_key(n) for n in numbers)], app="Messages")
    except ToolFailure as failure:
        if failure.code != "failed":
            raise
        raise ToolFailure("failed", f"An error occurred while composing the SMS: {failure.message}") from None
    if result.status == "no_account":
        raise ToolFailure("unavailable", "Messages has no enabled iMessage or SMS account.")
    if result.status != "ok" or result.payload.strip() not in SENT:
        raise ToolFailure("failed", f"An error occurred while composing the SMS: {result.status}")
    return SENT[result.payload.strip()]
