"""Mail: compose, reply to and forward the selected message. Drafts unless ``send_drafts``.

Upstream had a model (ComposeEmailAgent) write the body from ``context`` and the user's query;
the worker has no model, so the body is ``context`` as given (the server may write it first).
"""

from __future__ import annotations

from collections.abc import Sequence

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos.contacts import resolve_emails
from tinyagent.workers.macos.files import resolve_path
from tinyagent.workers.macos.runner import Call, unexpected

COMPOSED = "New email composed successfully with attachments and cc."
SENT = "New email sent successfully with attachments and cc."
REPLIED = "Saved a reply to the selected email in Drafts."
REPLY_SENT = "Replied to the selected email and sent the reply successfully."
NO_SELECTION_REPLY = "An email has to be viewed in Mail to reply to it."
FORWARDED = "Saved a forward of the selected email in Drafts."
FORWARD_SENT = "Forwarded the selected email and sent it successfully."
NO_SELECTION_FORWARD = "An email has to be viewed in Mail to forward it."


def _attachments(call: Call, entries: Sequence[str]) -> list[str]:
    # Upstream resolves attachments that are not existing paths through Spotlight.
    return [resolve_path(call, e) for e in (x.strip() for x in entries) if e]


def _counted(*groups: list[str]) -> list[str]:
    """The scripts' argv layout: every group's length first, then every group's items."""
    return [str(len(g)) for g in groups] + [item for g in groups for item in g]


def _mode(call: Call) -> str:
    return "send" if call.ctx.send_drafts else "draft"


def _run(call: Call, script: str, args: list[str], no_selection: str) -> tuple[bool, str]:
    """Whether the message was sent, and what it holds, as the script found it after writing it."""
    result = call.script(script, args, app="Mail")
    if result.status == "no_selection":
        raise ToolFailure("no_selection", no_selection)
    if result.status == "body_lost":
        raise ToolFailure("failed", "Mail did not take the message text; nothing was sent.")
    if result.status == "attachments_missing":
        attached = result.payload.strip() or "0"
        raise ToolFailure("failed", f"Mail attached only {attached} of the files in time; nothing was sent.")
    lines = result.payload.split("\n")
    if result.status != "ok" or len(lines) < 3 or not (lines[1].strip().isdigit() and lines[2].strip().isdigit()):
        raise unexpected(result, "mail")
    chars, count = int(lines[1]), int(lines[2])
    files = "1 attachment" if count == 1 else f"{count} attachments"
    return lines[0].strip() == "sent", f" (Body: {chars} characters, {files}.)"


def compose_new_email(
    call: Call,
    recipients: Sequence[str],
    cc: Sequence[str],
    subject: str,
    context: str,
    attachments: Sequence[str],
) -> str:
    to = resolve_emails(call, recipients)
    groups = _counted(to, resolve_emails(call, cc), _attachments(call, attachments))
    sent, held = _run(call, "mail_compose", [subject, context, _mode(call), *groups], "")
    return (SENT if sent else COMPOSED) + held


def reply_to_email(call: Call, cc: Sequence[str], context: str, attachments: Sequence[str]) -> str:
    groups = _counted(resolve_emails(call, cc), _attachments(call, attachments))
    sent, held = _run(call, "mail_reply", [context, _mode(call), *groups], NO_SELECTION_REPLY)
    return (REPLY_SENT if sent else REPLIED) + held


def forward_email(
    call: Call, recipients: Sequence[str], cc: Sequence[str], context: str, attachments: Sequence[str]
) -> str:
    # Upstream ignored ``context`` when forwarding; the tool's description says it is the content.
    to = resolve_emails(call, recipients)
    groups = _counted(to, resolve_emails(call, cc), _attachments(call, attachments))
    sent, held = _run(call, "mail_forward", [context, _mode(call), *groups], NO_SELECTION_FORWARD)
    return (FORWARD_SENT if sent else FORWARDED) + held
