"""The default sandbox world: people from upstream's examples, a few events, mail, notes, files.

Dates are relative to the day of the reset so "tomorrow's meeting" always exists.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from tinyagent.workers.sandbox.dates import store
from tinyagent.workers.sandbox.pdf import write_text_pdf
from tinyagent.workers.sandbox.rows import USER_EMAIL, timestamp, to_json

# (first, last, phones, emails); some numbers lack "+" to exercise upstream's "+1" rule,
# and two people lack a phone or an email for the "doesn't appear to have" answers.
CONTACTS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Sid", "Jha", ("+1 (415) 555-0101",), ("sid@example.com",)),
    ("Nick", "Lee", ("510-555-0102",), ("nick@example.com", "nick.lee@example.org")),
    ("Amir", "Gholami", ("+1 510 555 0103",), ("amir@example.com",)),
    ("Lutfi Eren", "Erdogan", ("+1 650 555 0104",), ("lutfi@example.com",)),
    ("Eren", "Erdoğan", ("+90 212 555 0105",), ("eren.erdogan@example.org",)),
    ("Jane", "Doe", (), ("jane.doe@example.com",)),
    ("John", "Appleseed", ("4155550107",), ()),
)
CALENDARS = ("Home", "Work", "Family")  # the first is the default calendar
FOLDERS = ("Notes", "Work", "Personal")  # "Notes" is the default folder
REMINDER_LISTS = ("Reminders", "Work", "Groceries")  # the first is the default list

APPLE_DEMO: tuple[str, tuple[str, ...]] = (
    "Apple Demo",
    (
        "This document outlines the on-device assistant demo for the product review on Thursday.",
        "The demo shows a small language model that plans calls to calendar, mail, notes and maps "
        "tools on a laptop without sending any data to the cloud. Planned segments: scheduling a "
        "meeting with a Zoom link, summarising a PDF and emailing the summary, and texting directions.",
        "Risks: network access in the demo room, and the model's latency on battery power. "
        "Owner: Amir Gholami. Backup presenter: Sid Jha.",
    ),
)
PROJECT: tuple[str, tuple[str, ...]] = (
    "Project",
    (
        "Project plan for the TinyAgent evaluation sprint.",
        "Goal: measure plan accuracy of 1.1B and 7B models on 1,000 held-out queries and compare "
        "ToolRAG against using all tools. Milestones: data freeze on the 5th, first results on the "
        "12th, write-up on the 20th.",
        "Team: Lutfi Eren Erdogan (lead), Nick Lee (evaluation harness), Jane Doe (reporting). Budget: 40 GPU hours.",
    ),
)
QUARTERLY: tuple[str, tuple[str, ...]] = (
    "Quarterly Report",
    (
        "Revenue grew 12 percent quarter over quarter. Support tickets fell by a third after the "
        "assistant release. Next quarter: localisation and an offline mode.",
    ),
)


def seed_files(files_dir: Path) -> None:
    write_text_pdf(files_dir / "Apple Demo.pdf", *APPLE_DEMO)
    write_text_pdf(files_dir / "Project.pdf", *PROJECT)
    (files_dir / "Documents").mkdir()
    write_text_pdf(files_dir / "Documents" / "Quarterly Report.pdf", *QUARTERLY)
    (files_dir / "Trip itinerary.txt").write_text(
        "Flight SFO -> JFK on Friday 08:05, hotel near Bryant Park, return Monday 18:30.\n"
    )


def seed_world(conn: sqlite3.Connection) -> None:
    _seed_contacts(conn)
    _seed_calendar(conn, datetime.now().replace(second=0, microsecond=0))
    _seed_mail(conn)
    _seed_notes(conn)
    _seed_reminders(conn)


def _seed_contacts(conn: sqlite3.Connection) -> None:
    for first, last, phones, emails in CONTACTS:
        cur = conn.execute(
            "INSERT INTO contacts (name, first_name, last_name) VALUES (?, ?, ?)",
            (f"{first} {last}", first, last),
        )
        conn.executemany("INSERT INTO phones VALUES (?, ?, ?)", [(cur.lastrowid, i, p) for i, p in enumerate(phones)])
        conn.executemany("INSERT INTO emails VALUES (?, ?, ?)", [(cur.lastrowid, i, e) for i, e in enumerate(emails)])


def _seed_calendar(conn: sqlite3.Connection, now: datetime) -> None:
    conn.executemany("INSERT INTO calendars (name, position) VALUES (?, ?)", [(n, i) for i, n in enumerate(CALENDARS)])
    day = now.replace(hour=0, minute=0)
    events = (
        (
            "Work",
            "Team standup",
            day + timedelta(days=1, hours=9, minutes=30),
            15,
            "Room 4",
            ["nick@example.com"],
        ),
        (
            "Home",
            "Dinner with Sid",
            day + timedelta(days=2, hours=19),
            90,
            "Nopa, San Francisco",
            ["sid@example.com"],
        ),
        ("Work", "Apple demo review", day + timedelta(days=3, hours=14), 60, "", ["amir@example.com"]),
    )
    for calendar, title, start, minutes, location, invitees in events:
        conn.execute(
            "INSERT INTO events (calendar_id, title, start, end, location, notes, invitees, created_at) "
            "VALUES ((SELECT id FROM calendars WHERE name = ?), ?, ?, ?, ?, '', ?, ?)",
            (
                calendar,
                title,
                store(start),
                store(start + timedelta(minutes=minutes)),
                location,
                to_json(invitees),
                timestamp(),
            ),
        )


def _seed_mail(conn: sqlite3.Connection) -> None:
    inbox: tuple[tuple[str, str, str, list[str]], ...] = (
        (
            "amir@example.com",
            "Project.pdf review",
            "Hi, could you look at the attached project plan and send me your comments by Friday? Thanks, Amir",
            ["Project.pdf"],
        ),
        ("nick@example.com", "Lunch on Friday?", "Are you free for lunch on Friday at noon? Nick", []),
        ("jane.doe@example.com", "Quarterly report", "The quarterly report is in Documents. Jane", []),
    )
    for sender, subject, body, attachments in inbox:
        conn.execute(
            "INSERT INTO messages (mailbox, sender, recipients, cc, subject, body, attachments, kind, "
            "created_at) VALUES ('inbox', ?, ?, '[]', ?, ?, ?, 'received', ?)",
            (sender, to_json([USER_EMAIL]), subject, body, to_json(attachments), timestamp()),
        )
    conn.execute(
        "INSERT INTO messages (mailbox, sender, recipients, cc, subject, body, attachments, kind, "
        "created_at) VALUES ('sent', ?, ?, '[]', 'Slides', 'Slides are in the shared folder.', '[]', "
        "'new', ?)",
        (USER_EMAIL, to_json(["sid@example.com"]), timestamp()),
    )
    # The message "viewed in Mail": what reply_to_email / forward_email act on.
    conn.execute("INSERT INTO state (key, value) VALUES ('selected_message', '1')")


def _seed_notes(conn: sqlite3.Connection) -> None:
    conn.executemany("INSERT INTO folders (name, position) VALUES (?, ?)", [(n, i) for i, n in enumerate(FOLDERS)])
    notes = (
        ("Personal", "Grocery list", "Milk\nEggs\nCoffee beans"),
        ("Work", "Meeting notes", "Demo on Thursday. Amir owns the script; Sid is backup."),
        ("Notes", "Project ideas", "Offline assistant for travel; PDF summaries by email."),
    )
    for folder, name, body in notes:
        conn.execute(
            "INSERT INTO notes (folder_id, name, body, created_at, modified_at) "
            "VALUES ((SELECT id FROM folders WHERE name = ?), ?, ?, ?, ?)",
            (folder, name, body, timestamp(), timestamp()),
        )


def _seed_reminders(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT INTO reminder_lists (name, position) VALUES (?, ?)",
        [(n, i) for i, n in enumerate(REMINDER_LISTS)],
    )
    conn.execute(
        "INSERT INTO reminders (list_id, name, notes, due, all_day, priority, created_at) "
        "VALUES ((SELECT id FROM reminder_lists WHERE name = 'Reminders'), 'Pay rent', '', NULL, 0, 0, ?)",
        (timestamp(),),
    )
