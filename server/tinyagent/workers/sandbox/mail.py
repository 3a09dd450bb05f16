"""Mail: new messages, and replies/forwards of the message "viewed in Mail" (the selection).

Like upstream, everything is a draft unless the user allows sending (``ctx.send_drafts``).
The body is the ``context`` argument as given: writing a body with the model is the
server's job, not the worker's.
"""

from __future__ import annotations

import sqlite3

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.sandbox.contacts import resolve_emails
from tinyagent.workers.sandbox.files import resolve_attachments
from tinyagent.workers.sandbox.rows import USER_EMAIL, from_json, timestamp, to_json
from tinyagent.workers.sandbox.world import World, selected_message_id


def _store(
    conn: sqlite3.Connection,
    ctx: CallContext,
    *,
    kind: str,
    recipients: list[str],
    cc: list[str],
    subject: str,
    body: str,
    attachments: list[str],
    in_reply_to: int | None = None,
) -> None:
    mailbox = "sent" if ctx.send_drafts else "drafts"
    conn.execute(
        "INSERT INTO messages (mailbox, sender, recipients, cc, subject, body, attachments, in_reply_to, "
        "kind, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            mailbox,
            USER_EMAIL,
            to_json(recipients),
            to_json(cc),
            subject,
            body,
            to_json(attachments),
            in_reply_to,
            kind,
            timestamp(),
        ),
    )


def compose_new_email(
    world: World,
    ctx: CallContext,
    recipients: list[str],
    cc: list[str],
    subject: str,
    context: str,
    attachments: list[str],
) -> str:
    files = resolve_attachments(world, attachments)
    with world.db() as conn:
        to, copy = resolve_emails(conn, recipients), resolve_emails(conn, cc)
        _store(conn, ctx, kind="new", recipients=to, cc=copy, subject=subject, body=context, attachments=files)
    if ctx.send_drafts:
        return "New email sent successfully with attachments and cc."
    return "New email composed successfully with attachments and cc."


def _selected(conn: sqlite3.Connection, action: str) -> sqlite3.Row:
    message_id = selected_message_id(conn)
    row = None
    if message_id is not None:
        row = conn.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        raise ToolFailure("no_selection", f"An email has to be viewed in Mail to {action} it.")
    return row  # type: ignore[no-any-return]


def _prefixed(prefix: str, subject: str) -> str:
    return subject if subject.casefold().startswith(prefix.casefold()) else f"{prefix} {subject}"


def reply_to_email(world: World, ctx: CallContext, cc: list[str], context: str, attachments: list[str]) -> str:
    files = resolve_attachments(world, attachments)
    with world.db() as conn:
        original = _selected(conn, "reply to")
        quoted = "\n".join(f"> {line}" for line in original["body"].splitlines())
        _store(
            conn,
            ctx,
            kind="reply",
            recipients=[original["sender"]],
            cc=resolve_emails(conn, cc),
            subject=_prefixed("Re:", original["subject"]),
            body=f"{context}\n\n{quoted}".lstrip(),
            attachments=files,
            in_reply_to=original["id"],
        )
    if ctx.send_drafts:
        return "Replied to the selected email and sent the reply successfully."
    return "Replied to the selected email successfully."


def forward_email(
    world: World, ctx: CallContext, recipients: list[str], cc: list[str], context: str, attachments: list[str]
) -> str:
    files = resolve_attachments(world, attachments)
    with world.db() as conn:
        original = _selected(conn, "forward")
        to = resolve_emails(conn, recipients)
        if not to:
            raise ToolFailure("invalid_argument", "forward_email needs at least one recipient.")
        # Upstream drops ``context`` when forwarding; keeping it above the original loses nothing.
        forwarded = f"---------- Forwarded message ----------\nFrom: {original['sender']}\n\n{original['body']}"
        _store(
            conn,
            ctx,
            kind="forward",
            recipients=to,
            cc=resolve_emails(conn, cc),
            subject=_prefixed("Fwd:", original["subject"]),
            body=f"{context}\n\n{forwarded}".lstrip(),
            attachments=from_json(original["attachments"]) + files,
            in_reply_to=original["id"],
        )
    if ctx.send_drafts:
        return "Forwarded the selected email and sent it successfully."
    return "Forwarded the selected email successfully."
