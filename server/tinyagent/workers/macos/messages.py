"""Messages: a draft by default, sent only when the user allowed sending (``send_drafts``).

Upstream typed the draft into Messages with System Events keystrokes, which needs Accessibility
access and types into whatever window has focus. Messages' AppleScript dictionary can send but
has no draft object, so a draft is an ``sms://open?addresses=...&body=...`` URL opened with
``open``: Messages shows the filled-in conversation and the user presses Return. Sending uses
``messages_send.applescript``.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos.contacts import resolve_phones
from tinyagent.workers.macos.runner import Call

DRAFTED = "SMS draft composed"
SENT = "SMS sent"


def sms_url(recipients: Sequence[str], message: str) -> str:
    addresses = ",".join(quote(r, safe="+") for r in recipients)
    return f"sms://open?addresses={addresses}&body={quote(message, safe='')}"


def send_sms(call: Call, recipients: Sequence[str], message: str) -> str:
    numbers = resolve_phones(call, recipients)
    if not numbers:
        raise ToolFailure("invalid_argument", "At least one recipient is required.")
    try:
        if not call.ctx.send_drafts:
            call.command(["open", sms_url(numbers, message)])
            return DRAFTED
        result = call.script("messages_send", [message, *numbers], app="Messages")
    except ToolFailure as failure:
        if failure.code != "failed":
            raise
        raise ToolFailure("failed", f"An error occurred while composing the SMS: {failure.message}") from None
    if result.status == "no_account":
        raise ToolFailure("unavailable", "Messages has no SMS or iMessage account set up.")
    if result.status != "ok":
        raise ToolFailure("failed", f"An error occurred while composing the SMS: {result.status}")
    return SENT
