"""Messages: SMS drafts (upstream only ever composes a draft), sent when the user allows it."""

from __future__ import annotations

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.sandbox.contacts import resolve_phones
from tinyagent.workers.sandbox.rows import timestamp, to_json
from tinyagent.workers.sandbox.world import World


def send_sms(world: World, ctx: CallContext, recipients: list[str], message: str) -> str:
    with world.db() as conn:
        numbers = resolve_phones(conn, recipients)
        if not numbers:
            raise ToolFailure("invalid_argument", "An error occurred while composing the SMS: no recipients.")
        status = "sent" if ctx.send_drafts else "draft"
        conn.execute(
            "INSERT INTO sms (recipients, message, status, created_at) VALUES (?, ?, ?, ?)",
            (to_json(numbers), message, status, timestamp()),
        )
    return "SMS sent" if ctx.send_drafts else "SMS draft composed"
