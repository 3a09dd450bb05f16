"""Contacts: phone and email look-ups, and upstream's resolution of names given as recipients."""

from __future__ import annotations

from collections.abc import Sequence

from tinyagent.workers.backend import ToolFailure
from tinyagent.workers.macos.runner import Call, unexpected

NO_CONTACTS = "No contacts found"
NO_PHONE = "Contact doesn't appear to have a phone number."
NO_EMAIL = "Contact doesn't appear to have an email address."


def _lookup(call: Call, field: str, name: str) -> str:
    name = name.strip()
    if not name:
        raise ToolFailure("invalid_argument", "A contact name is required.")
    # Upstream's fallback searches people whose first name contains the first word of the name.
    first_name = name.split()[0]
    result = call.script("contacts_lookup", [field, name, first_name], app="Contacts")
    if result.status == "not_found":
        raise ToolFailure("not_found", NO_CONTACTS)
    if result.status == "no_value":
        raise ToolFailure("not_found", NO_PHONE if field == "phone" else NO_EMAIL)
    if result.status != "ok":
        raise unexpected(result, "contacts")
    return result.payload.strip()


def get_phone_number(call: Call, name: str) -> str:
    phone = _lookup(call, "phone", name)
    # Upstream's rule: a number stored without a country code is taken to be North American.
    return phone if "+" in phone else f"+1{phone}"


def get_email_address(call: Call, name: str) -> str:
    return _lookup(call, "email", name)


def resolve_emails(call: Call, entries: Sequence[str]) -> list[str]:
    """Entries without ``@`` are contact names, resolved as upstream's tool wrappers do."""
    return [e if "@" in e else get_email_address(call, e) for e in (x.strip() for x in entries) if e]


def resolve_phones(call: Call, entries: Sequence[str]) -> list[str]:
    """Entries without a digit are contact names (upstream's SMS wrapper rule)."""
    return [e if any(c.isdigit() for c in e) else get_phone_number(call, e) for e in (x.strip() for x in entries) if e]
