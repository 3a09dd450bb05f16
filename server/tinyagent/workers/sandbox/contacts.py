"""Contacts: upstream's look-up (exact name, then first-name "contains") and the wrappers'
name → address resolution used by mail, calendar and SMS recipients."""

from __future__ import annotations

import sqlite3

from tinyagent.workers.backend import CallContext, ToolFailure
from tinyagent.workers.sandbox.world import World

NO_CONTACTS = "No contacts found"


def find_contact(conn: sqlite3.Connection, name: str) -> int | None:
    """Upstream's rule: the person whose name is ``name`` (AppleScript compares without case),
    else the first person whose first name contains the query's first word."""
    row = conn.execute("SELECT id FROM contacts WHERE name = ? COLLATE NOCASE ORDER BY id", (name,)).fetchone()
    if row is not None:
        return int(row["id"])
    words = name.split()
    if not words:
        return None
    # instr, not LIKE: '%' or '_' in a name must not act as wildcards.
    row = conn.execute(
        "SELECT id FROM contacts WHERE instr(lower(first_name), lower(?)) > 0 ORDER BY id", (words[0],)
    ).fetchone()
    return int(row["id"]) if row is not None else None


def _first_value(conn: sqlite3.Connection, table: str, contact_id: int) -> str | None:
    query = {
        "phones": "SELECT value FROM phones WHERE contact_id = ? ORDER BY position LIMIT 1",
        "emails": "SELECT value FROM emails WHERE contact_id = ? ORDER BY position LIMIT 1",
    }[table]
    row = conn.execute(query, (contact_id,)).fetchone()
    return str(row["value"]) if row is not None else None


def phone_for(conn: sqlite3.Connection, name: str) -> str:
    contact_id = find_contact(conn, name)
    if contact_id is None:
        raise ToolFailure("not_found", NO_CONTACTS)
    phone = _first_value(conn, "phones", contact_id)
    if phone is None:
        raise ToolFailure("not_found", "Contact doesn't appear to have a phone number.")
    # Upstream: numbers without a country code are assumed to be US numbers.
    return phone if "+" in phone else "+1" + phone


def email_for(conn: sqlite3.Connection, name: str) -> str:
    contact_id = find_contact(conn, name)
    if contact_id is None:
        raise ToolFailure("not_found", NO_CONTACTS)
    email = _first_value(conn, "emails", contact_id)
    if email is None:
        raise ToolFailure("not_found", "Contact doesn't appear to have an email address.")
    return email


def get_phone_number(world: World, _ctx: CallContext, name: str) -> str:
    with world.db() as conn:
        return phone_for(conn, name)


def get_email_address(world: World, _ctx: CallContext, name: str) -> str:
    with world.db() as conn:
        return email_for(conn, name)


def _named(failure: ToolFailure, name: str) -> ToolFailure:
    return ToolFailure(
        failure.code,
        f"{failure.message} for '{name}'." if failure.message == NO_CONTACTS else failure.message,
    )


def resolve_emails(conn: sqlite3.Connection, entries: list[str]) -> list[str]:
    """Upstream's wrappers: an entry without '@' is a contact name, replaced by their email."""
    resolved = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        try:
            resolved.append(entry if "@" in entry else email_for(conn, entry))
        except ToolFailure as exc:
            raise _named(exc, entry) from None
    return resolved


def resolve_phones(conn: sqlite3.Connection, entries: list[str]) -> list[str]:
    """Upstream's SMS wrapper: an entry without any digit is a contact name."""
    resolved = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        try:
            resolved.append(entry if any(c.isdigit() for c in entry) else phone_for(conn, entry))
        except ToolFailure as exc:
            raise _named(exc, entry) from None
    return resolved
