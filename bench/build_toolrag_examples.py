"""Generate server/tinyagent/toolrag/data/examples.jsonl, the ToolRAG example bank.

Templates x slot values, with varied phrasing (imperative, polite, terse, typos) and relative
dates resolved against a fixed Monday, so the output is deterministic: re-run after editing and
commit both files.

Split: in every scenario the last template (when it has at least four) is reserved for the
``heldout`` split, and about one in ten of the other records joins it too. Held-out records
therefore include phrasings the bank has never seen, so recall measured on them is not inflated
by near-duplicate templates.

    .venv/bin/python bench/build_toolrag_examples.py
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tinyagent.agent.plan import render_args
from tinyagent.toolrag.bank import load_bank, normalise_query
from toolrag_bank_slots import (
    APPEND_ITEMS,
    DURATIONS,
    EMAIL_TOPICS,
    EVENTS,
    FILES,
    FOLDERS,
    GROUP_TEXTS,
    LISTS,
    MEETING_TOPICS,
    NEW_NOTES,
    NOTES,
    PEOPLE,
    PLACES,
    PRIORITIES,
    SMS_TEXTS,
    TASKS,
    TIMES,
    TRANSPORT,
)

OUT = Path(__file__).resolve().parents[1] / "server/tinyagent/toolrag/data/examples.jsonl"
BASE = datetime(2026, 11, 23, 9, 0)  # a Monday; "today" for every relative date below
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Step = tuple[str, list[object]]


@dataclass(frozen=True)
class Draft:
    query: str
    steps: list[Step]
    template: int
    thought: str | None = None


# --------------------------------------------------------------------------- slot values

PDFS = tuple(f for f in FILES if f.endswith(".pdf"))


def first(name: str) -> str:
    return (
        name
        if name in ("Mom", "Dad")
        else name.split()[-1]
        if name.startswith(("Professor", "Coach"))
        else name.split()[0]
    )


# --------------------------------------------------------------------------- dates


def day_phrase(rng: random.Random) -> tuple[str, datetime]:
    """A relative or absolute day phrase and the date it means, seen from BASE (a Monday)."""
    kind = rng.randrange(7)
    if kind == 0:
        return "tomorrow", BASE + timedelta(days=1)
    if kind == 1:
        return "today", BASE
    if kind == 2:
        return "the day after tomorrow", BASE + timedelta(days=2)
    weekday = rng.randrange(7)
    ahead = (weekday - BASE.weekday()) % 7 or 7
    if kind == 3:
        return f"next {WEEKDAYS[weekday]}", BASE + timedelta(days=ahead + 7)
    if kind == 4:
        return f"this {WEEKDAYS[weekday]}", BASE + timedelta(days=ahead)
    if kind == 5:
        return f"on {WEEKDAYS[weekday]}", BASE + timedelta(days=ahead)
    day = BASE + timedelta(days=rng.randrange(10, 60))
    return f"on {day.strftime('%B')} {day.day}", day


def when(rng: random.Random) -> tuple[str, datetime]:
    phrase, day = day_phrase(rng)
    label, hour, minute = rng.choice(TIMES)
    if phrase == "today" and hour < 12:
        phrase, day = "tomorrow", day + timedelta(days=1)
    at = day.replace(hour=hour, minute=minute)
    return (f"{phrase} at {label}" if rng.random() < 0.8 else f"at {label} {phrase}"), at


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------- phrasing


def style(imperative: str, rng: random.Random) -> str:
    """Wrap an imperative ("text Sid that ...") in one of several registers."""
    forms = (
        "{I}.",
        "{I}",
        "Please {i}.",
        "Can you {i}?",
        "Could you {i}, please?",
        "{i}",
        "hey, {i}",
        "I need you to {i}.",
        "{I}, thanks!",
        "Would you mind if you {i}?",
        "pls {i}",
        "Go ahead and {i}.",
    )
    form = rng.choice(forms)
    if form.startswith("Would"):
        form = "Could you {i} for me?"
    text = form.replace("{I}", imperative[:1].upper() + imperative[1:]).replace("{i}", imperative)
    return typo(text, rng)


def typo(text: str, rng: random.Random) -> str:
    """Occasionally swap two letters inside one longer word, like a hurried typist."""
    if rng.random() > 0.1:
        return text
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha() and w.islower()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def pick(rng: random.Random, values: Sequence[str], k: int) -> list[str]:
    return rng.sample(list(values), k)


def names_phrase(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def refs(start: int, count: int) -> list[str]:
    return [f"${i}" for i in range(start, start + count)]


def lookups(tool: str, names: Sequence[str]) -> list[Step]:
    return [(tool, [n]) for n in names]


Generator = Callable[[random.Random], Draft]


# --------------------------------------------------------------------------- scenarios


def phrase(rng: random.Random, templates: Sequence[str], **slots: object) -> tuple[str, int]:
    """Fill a template; a leading "!" marks a full sentence that is not re-styled."""
    i = rng.randrange(len(templates))
    template = templates[i]
    if template.startswith("!"):
        return typo(template[1:].format(**slots), rng), i
    return style(template.format(**slots), rng), i


def sms_single(rng: random.Random) -> Draft:
    name = rng.choice(PEOPLE)
    frag, text = rng.choice(SMS_TEXTS)
    q, t = phrase(
        rng,
        (
            "text {n} {frag}",
            "send {n} a text {frag}",
            "message {n} {frag}",
            "shoot {n} an SMS {frag}",
            "!{n} needs a text from me {frag}.",
            "send an iMessage to {n} {frag}",
            "sms {n} {frag}",
        ),
        n=name,
        frag=frag,
    )
    if frag.startswith("that") and rng.random() < 0.3:
        q, t = phrase(rng, ("let {n} know by text {frag}", "tell {n} over SMS {frag}"), n=name, frag=frag)
    steps: list[Step] = [("get_phone_number", [name]), ("send_sms", [["$1"], text.format(f=first(name))])]
    return Draft(q, steps, t, "I have successfully found the contact and sent the message.")


def sms_group(rng: random.Random) -> Draft:
    names = pick(rng, PEOPLE, rng.choice((2, 2, 3, 4)))
    frag, text = rng.choice(GROUP_TEXTS)
    q, t = phrase(
        rng,
        (
            "text {ns} {frag}",
            "send a group text to {ns} {frag}",
            "message {ns} {frag}",
            "!Let {ns} know {frag} — text them.",
            "sms {ns} {frag}",
        ),
        ns=names_phrase(names),
        frag=frag,
    )
    steps = [*lookups("get_phone_number", names), ("send_sms", [refs(1, len(names)), text])]
    return Draft(q, steps, t)


def sms_number(rng: random.Random) -> Draft:
    number = rng.choice(("+1 415 555 0132", "510-555-0199", "(650) 555-0147", "+44 20 7946 0958", "4085550173"))
    frag, text = rng.choice(SMS_TEXTS)
    q, t = phrase(
        rng,
        (
            "text {num} {frag}",
            "send an SMS to {num} {frag}",
            "message the number {num} {frag}",
            "!Please text {num}: {msg}",
        ),
        num=number,
        frag=frag,
        msg=text.format(f="there"),
    )
    return Draft(q, [("send_sms", [[number], text.format(f="there")])], t)


def contact_lookup(rng: random.Random) -> Draft:
    name = rng.choice(PEOPLE)
    if rng.random() < 0.5:
        q, t = phrase(
            rng,
            (
                "!What's {n}'s phone number?",
                "look up {n}'s number",
                "find the cell number for {n}",
                "!what is {n}s number",
                "get me {n}'s phone number",
            ),
            n=name,
        )
        return Draft(q, [("get_phone_number", [name])], t)
    q, t = phrase(
        rng,
        (
            "!What is {n}'s email address?",
            "look up {n}'s email",
            "find the email address of {n}",
            "!whats the email for {n}",
            "get me {n}'s work email",
        ),
        n=name,
    )
    return Draft(q, [("get_email_address", [name])], t + 10)


def email_simple(rng: random.Random) -> Draft:
    name = rng.choice(PEOPLE)
    frag, subject = rng.choice(EMAIL_TOPICS)
    q, t = phrase(
        rng,
        (
            "email {n} {frag}",
            "send an email to {n} {frag}",
            "write {n} an email {frag}",
            "draft a mail to {n} {frag}",
            "shoot {n} an email {frag}",
            "!I need to email {n} {frag}.",
            "compose an email for {n} {frag}",
        ),
        n=name,
        frag=frag,
    )
    steps: list[Step] = [("get_email_address", [name]), ("compose_new_email", [["$1"], [], subject, "", []])]
    return Draft(q, steps, t, "I have successfully composed the email.")


def email_multi(rng: random.Random) -> Draft:
    to = pick(rng, PEOPLE, rng.choice((1, 2, 2, 3)))
    cc = pick(rng, [p for p in PEOPLE if p not in to], rng.choice((0, 1, 1, 2)))
    frag, subject = rng.choice(EMAIL_TOPICS)
    if cc:
        q, t = phrase(
            rng,
            (
                "email {to} and cc {cc} {frag}",
                "send an email to {to}, cc'ing {cc}, {frag}",
                "!Write to {to} {frag}; put {cc} on cc.",
            ),
            to=names_phrase(to),
            cc=names_phrase(cc),
            frag=frag,
        )
    else:
        q, t = phrase(rng, ("email {to} {frag}", "send one email to {to} {frag}"), to=names_phrase(to), frag=frag)
        t += 3
    steps = [
        *lookups("get_email_address", to + cc),
        ("compose_new_email", [refs(1, len(to)), refs(len(to) + 1, len(cc)), subject, "", []]),
    ]
    return Draft(q, steps, t)


def email_address(rng: random.Random) -> Draft:
    addr = rng.choice(
        (
            "jane.doe@example.com",
            "hr@acme.io",
            "support@fastmail.com",
            "billing@cloudhost.net",
            "alex.w@berkeley.edu",
            "team@tinyagent.dev",
        )
    )
    frag, subject = rng.choice(EMAIL_TOPICS)
    q, t = phrase(
        rng,
        ("email {a} {frag}", "send a message to {a} {frag} by email", "compose an email to {a} {frag}"),
        a=addr,
        frag=frag,
    )
    return Draft(q, [("compose_new_email", [[addr], [], subject, "", []])], t)


def email_attachment(rng: random.Random) -> Draft:
    name, file = rng.choice(PEOPLE), rng.choice(FILES)
    q, t = phrase(
        rng,
        (
            "email {file} to {n}",
            "send {n} the {file} file",
            "attach {file} to an email for {n}",
            "!Can you find {file} and mail it to {n}?",
            "send {file} over to {n} by email",
            "share {file} with {n} via email",
        ),
        n=name,
        file=file,
    )
    subject = file.rsplit(".", 1)[0].title()
    steps: list[Step] = [
        ("open_and_get_file_path", [file]),
        ("get_email_address", [name]),
        ("compose_new_email", [["$2"], [], subject, "", ["$1"]]),
    ]
    return Draft(q, steps, t, "I have attached the file and composed the email.")


def reply(rng: random.Random) -> Draft:
    kind = rng.randrange(3)
    if kind == 0:
        q, t = phrase(
            rng,
            (
                "reply to this email saying I'll attend",
                "reply that I can't make it on Friday",
                "answer this email and say thanks, looks good",
                "respond to the selected email: sounds great",
                "!Reply to the email I'm looking at and tell them I'll send it tomorrow.",
                "write back saying yes to the proposal",
            ),
        )
        return Draft(q, [("reply_to_email", [[], "", []])], t)
    if kind == 1:
        name = rng.choice(PEOPLE)
        q, t = phrase(
            rng,
            (
                "reply to this email and cc {n}",
                "respond to the current mail, cc'ing {n}",
                "!Reply to this thread and loop in {n}.",
                "write back and copy {n}",
            ),
            n=name,
        )
        return Draft(q, [("get_email_address", [name]), ("reply_to_email", [["$1"], "", []])], t + 6)
    file = rng.choice(FILES)
    q, t = phrase(
        rng,
        (
            "reply to this email with {f} attached",
            "respond to the email and attach {f}",
            "!Reply with the {f} they asked for.",
            "send {f} as a reply to this email",
        ),
        f=file,
    )
    return Draft(q, [("open_and_get_file_path", [file]), ("reply_to_email", [[], "", ["$1"]])], t + 10)


def forward(rng: random.Random) -> Draft:
    names = pick(rng, PEOPLE, rng.choice((1, 1, 2)))
    if rng.random() < 0.25:
        file = rng.choice(FILES)
        q, t = phrase(
            rng,
            ("forward this email to {ns} and attach {f}", "!Forward the selected mail to {ns} along with {f}."),
            ns=names_phrase(names),
            f=file,
        )
        steps: list[Step] = [
            *lookups("get_email_address", names),
            ("open_and_get_file_path", [file]),
            ("forward_email", [refs(1, len(names)), [], "", [f"${len(names) + 1}"]]),
        ]
        return Draft(q, steps, t + 10)
    q, t = phrase(
        rng,
        (
            "forward this email to {ns}",
            "fwd the current email to {ns}",
            "pass this message on to {ns}",
            "!Forward the email I have open to {ns}.",
            "send this email along to {ns}",
        ),
        ns=names_phrase(names),
    )
    steps = [*lookups("get_email_address", names), ("forward_email", [refs(1, len(names)), [], "", []])]
    return Draft(q, steps, t, "I have forwarded the email.")


def event_times(rng: random.Random, minutes: int) -> tuple[str, str, str, int]:
    """(query phrase for the time and duration, start, end, minutes)."""
    at_phrase, start = when(rng)
    dur_phrase, dur = rng.choice(DURATIONS)
    dur = dur if dur_phrase else minutes
    text = f"{at_phrase} {dur_phrase}".strip()
    return text, iso(start), iso(start + timedelta(minutes=dur)), dur


def calendar_simple(rng: random.Random) -> Draft:
    what, title, minutes = rng.choice(EVENTS)
    at, start, end, _ = event_times(rng, minutes)
    place = rng.choice(PLACES) if rng.random() < 0.3 else ""
    where = f" at {place}" if place else ""
    cal = rng.choice((None, None, None, "Work", "Family", "Personal"))
    in_cal = f" in my {cal} calendar" if cal else ""
    q, t = phrase(
        rng,
        (
            "schedule {w}{p} {at}{c}",
            "add {w} to my calendar {at}{p}{c}",
            "put {w}{p} on the calendar {at}{c}",
            "create an event for {w} {at}{p}{c}",
            "!I have {w}{p} {at}; add it to my calendar{c}.",
            "block my calendar {at} for {w}{p}{c}",
            "book {w} {at}{p}{c}",
        ),
        w=what,
        at=at,
        p=where,
        c=in_cal,
    )
    return Draft(
        q,
        [("create_calendar_event", [title, start, end, place, [], "", cal])],
        t,
        "I have successfully created the calendar event.",
    )


def calendar_invitees(rng: random.Random) -> Draft:
    names = pick(rng, PEOPLE, rng.choice((1, 1, 2, 2, 3)))
    topic, title = rng.choice(MEETING_TOPICS)
    at, start, end, _ = event_times(rng, 60)
    place = rng.choice(PLACES) if rng.random() < 0.3 else ""
    where = f" at {place}" if place else ""
    q, t = phrase(
        rng,
        (
            "set up a meeting with {ns} {at} about {tp}{p}",
            "invite {ns} to a meeting on {tp} {at}{p}",
            "schedule {tp} with {ns} {at}{p} and send them an invite",
            "add a calendar event {at} for {tp} and invite {ns}",
            "!Book time with {ns} {at} to discuss {tp}{p}.",
            "create a calendar invite for {ns}: {tp}, {at}{p}",
        ),
        ns=names_phrase(names),
        at=at,
        tp=topic,
        p=where,
    )
    steps = [
        *lookups("get_email_address", names),
        ("create_calendar_event", [title, start, end, place, refs(1, len(names)), "", None]),
    ]
    return Draft(q, steps, t)


def zoom_calendar(rng: random.Random) -> Draft:
    names = pick(rng, PEOPLE, rng.choice((1, 1, 2)))
    topic, title = rng.choice(MEETING_TOPICS)
    at, start, end, dur = event_times(rng, 60)
    n = len(names)
    q, t = phrase(
        rng,
        (
            "create a zoom meeting with {ns} {at} about {tp}",
            "set up a zoom call with {ns} {at} for {tp} and put it on my calendar",
            "schedule a zoom with {ns} to talk about {tp} {at}",
            "!I need a Zoom meeting with {ns} {at} on {tp}.",
            "make a zoom link for {tp} with {ns} {at} and add it to the calendar",
        ),
        ns=names_phrase(names),
        at=at,
        tp=topic,
    )
    steps = [
        *lookups("get_email_address", names),
        ("get_zoom_meeting_link", [title, start, dur, refs(1, n)]),
        ("create_calendar_event", [title, start, end, f"${n + 1}", refs(1, n), "", None]),
    ]
    return Draft(q, steps, t, "I have successfully created the zoom meeting and the calendar event.")


def zoom_email(rng: random.Random) -> Draft:
    names = pick(rng, PEOPLE, rng.choice((1, 1, 2, 3)))
    topic, title = rng.choice(MEETING_TOPICS)
    at, start, _, dur = event_times(rng, 60)
    n = len(names)
    q, t = phrase(
        rng,
        (
            "email {ns} a zoom link for {tp} {at}",
            "create a zoom meeting {at} about {tp} and email the link to {ns}",
            "send {ns} a zoom invite by email for {tp} {at}",
            "!Set up a Zoom for {tp} {at} and mail the link to {ns}.",
            "get a zoom link for {tp} {at} and send it to {ns}",
        ),
        ns=names_phrase(names),
        at=at,
        tp=topic,
    )
    steps = [
        *lookups("get_email_address", names),
        ("get_zoom_meeting_link", [title, start, dur, refs(1, n)]),
        ("compose_new_email", [refs(1, n), [], f"Zoom Meeting: {title}", f"${n + 1}", []]),
    ]
    return Draft(q, steps, t)


def zoom_more(rng: random.Random) -> Draft:
    name = rng.choice(PEOPLE)
    topic, title = rng.choice(MEETING_TOPICS)
    at, start, end, dur = event_times(rng, 60)
    if rng.random() < 0.5:
        q, t = phrase(
            rng,
            (
                "create a zoom meeting with {n} {at} about {tp}, add it to my calendar and email them the link",
                "!Set up a Zoom with {n} on {tp} {at}; put it on my calendar and send {n} the link by email.",
            ),
            n=name,
            at=at,
            tp=topic,
        )
        steps: list[Step] = [
            ("get_email_address", [name]),
            ("get_zoom_meeting_link", [title, start, dur, ["$1"]]),
            ("create_calendar_event", [title, start, end, "$2", ["$1"], "", None]),
            ("compose_new_email", [["$1"], [], f"Zoom Meeting: {title}", "$2", []]),
        ]
        return Draft(q, steps, t)
    q, t = phrase(
        rng,
        (
            "create a zoom meeting {at} for {tp} and text the link to {n}",
            "!Make a Zoom call about {tp} {at} and send {n} the link by SMS.",
        ),
        n=name,
        at=at,
        tp=topic,
    )
    steps = [
        ("get_email_address", [name]),
        ("get_phone_number", [name]),
        ("get_zoom_meeting_link", [title, start, dur, ["$1"]]),
        ("send_sms", [["$2"], f"Hi {first(name)}, here is the Zoom link for {title}: $3"]),
    ]
    return Draft(q, steps, t + 2)


def files_open(rng: random.Random) -> Draft:
    file = rng.choice(FILES)
    q, t = phrase(
        rng,
        (
            "open {f}",
            "find {f} and open it",
            "pull up {f}",
            "!Where is {f}? Open it.",
            "open the file called {f}",
            "show me {f}",
        ),
        f=file,
    )
    return Draft(q, [("open_and_get_file_path", [file])], t, "I have opened the file.")


def summarize(rng: random.Random) -> Draft:
    file = rng.choice(PDFS)
    q, t = phrase(
        rng,
        (
            "summarize {f}",
            "give me a summary of {f}",
            "what is {f} about?",
            "!tl;dr of {f} please",
            "read {f} and tell me the key points",
            "!Can I get the gist of {f}?",
        ),
        f=file,
    )
    if q.endswith("??"):
        q = q[:-1]
    return Draft(
        q,
        [("open_and_get_file_path", [file]), ("summarize_pdf", ["$1"])],
        t,
        "I have successfully opened the file and summarized it.",
    )


def summarize_to(rng: random.Random) -> Draft:
    file = rng.choice(PDFS)
    stem = file.rsplit(".", 1)[0]
    target = rng.randrange(4)
    if target == 0:
        q, t = phrase(
            rng,
            (
                "summarize {f} and save the summary in a new note",
                "make a note with a summary of {f}",
                "!Summarize {f} into my notes.",
            ),
            f=file,
        )
        return Draft(
            q,
            [
                ("open_and_get_file_path", [file]),
                ("summarize_pdf", ["$1"]),
                ("create_note", [f"{stem} Summary", "$2", ""]),
            ],
            t,
        )
    if target == 1:
        name = rng.choice(PEOPLE)
        q, t = phrase(
            rng,
            (
                "summarize {f} and email the summary to {n}",
                "send {n} a summary of {f} by email",
                "!Email {n} the key points of {f}, with the file attached.",
            ),
            f=file,
            n=name,
        )
        attach = ["$1"] if t == 2 else []
        return Draft(
            q,
            [
                ("open_and_get_file_path", [file]),
                ("get_email_address", [name]),
                ("summarize_pdf", ["$1"]),
                ("compose_new_email", [["$2"], [], f"Summary of {stem}", "$3", attach]),
            ],
            t + 3,
        )
    if target == 2:
        note = rng.choice(NOTES)
        q, t = phrase(
            rng,
            ("summarize {f} and add it to my {nt} note", "append a summary of {f} to the {nt} note"),
            f=file,
            nt=note,
        )
        return Draft(
            q,
            [("open_and_get_file_path", [file]), ("summarize_pdf", ["$1"]), ("append_note_content", [note, "$2", ""])],
            t + 6,
        )
    name = rng.choice(PEOPLE)
    q, t = phrase(rng, ("text {n} a quick summary of {f}", "summarize {f} and send it to {n} by SMS"), f=file, n=name)
    return Draft(
        q,
        [
            ("open_and_get_file_path", [file]),
            ("get_phone_number", [name]),
            ("summarize_pdf", ["$1"]),
            ("send_sms", [["$2"], "$3"]),
        ],
        t + 8,
    )


def maps_location(rng: random.Random) -> Draft:
    place = rng.choice(PLACES)
    q, t = phrase(
        rng,
        (
            "show {p} on the map",
            "!Where is {p}?",
            "open {p} in Maps",
            "find {p} on apple maps",
            "pull up {p} in maps",
            "!where's {p} located",
        ),
        p=place,
    )
    return Draft(q, [("maps_open_location", [place])], t)


def maps_directions(rng: random.Random) -> Draft:
    dest = rng.choice(PLACES)
    how, mode = rng.choice(TRANSPORT)
    start = rng.choice(PLACES) if rng.random() < 0.3 else ""
    frm = f" from {start}" if start else ""
    q, t = phrase(
        rng,
        (
            "show directions to {d}{f} {h}",
            "how do I get to {d}{f} {h}",
            "get me directions to {d}{f} {h}",
            "navigate to {d}{f} {h}",
            "!I want to go to {d}{f} {h}, show me the route.",
            "route me to {d}{f} {h}",
        ),
        d=dest,
        f=frm,
        h=how,
    )
    q = re.sub(r"\s+([.?,!])", r"\1", re.sub(r" {2,}", " ", q)).strip()
    return Draft(q, [("maps_show_directions", [start, dest, mode])], t, "I have successfully shown the directions.")


def maps_share(rng: random.Random) -> Draft:
    place, name = rng.choice(PLACES), rng.choice(PEOPLE)
    kind = rng.randrange(3)
    if kind == 0:
        q, t = phrase(
            rng,
            (
                "text {n} the location of {p}",
                "send {n} a map link to {p} by SMS",
                "!Share where {p} is with {n} over text.",
            ),
            n=name,
            p=place,
        )
        return Draft(
            q,
            [
                ("maps_open_location", [place]),
                ("get_phone_number", [name]),
                ("send_sms", [["$2"], f"Hi {first(name)}, here's the location: $1"]),
            ],
            t,
        )
    if kind == 1:
        q, t = phrase(
            rng, ("text {n} directions to {p}", "send {n} driving directions to {p} via sms"), n=name, p=place
        )
        return Draft(
            q,
            [
                ("maps_show_directions", ["", place, "d"]),
                ("get_phone_number", [name]),
                ("send_sms", [["$2"], "Here are the directions: $1"]),
            ],
            t + 3,
        )
    q, t = phrase(
        rng,
        ("email {n} the location of {p}", "send {n} an email with a map of {p}", "!Mail {n} where {p} is."),
        n=name,
        p=place,
    )
    return Draft(
        q,
        [
            ("maps_open_location", [place]),
            ("get_email_address", [name]),
            ("compose_new_email", [["$2"], [], f"Location: {place}", "$1", []]),
        ],
        t + 5,
    )


def note_create(rng: random.Random) -> Draft:
    what, title, content = rng.choice(NEW_NOTES)
    folder = rng.choice(FOLDERS) if rng.random() < 0.3 else ""
    inf = f" in the {folder} folder" if folder else ""
    q, t = phrase(
        rng,
        (
            "create a note with {w}{fo}",
            "make a new note{fo}: {w}",
            "jot down {w}{fo}",
            "save {w} as a note{fo}",
            "!Start a note{fo} for {w}.",
            "write a note about {w}{fo}",
        ),
        w=what,
        fo=inf,
    )
    return Draft(q, [("create_note", [title, content, folder])], t, "I have successfully created the note.")


def note_open(rng: random.Random) -> Draft:
    note = rng.choice(NOTES)
    folder = rng.choice(FOLDERS) if rng.random() < 0.25 else ""
    inf = f" in {folder}" if folder else ""
    q, t = phrase(
        rng,
        (
            "open my {nt} note{fo}",
            "show me the note called {nt}{fo}",
            "!What's in my {nt} note{fo}?",
            "read my {nt} note{fo}",
            "pull up the {nt} note{fo}",
        ),
        nt=note,
        fo=inf,
    )
    return Draft(q, [("open_note", [note, folder])], t)


def note_append(rng: random.Random) -> Draft:
    note = rng.choice(NOTES)
    item, content = rng.choice(APPEND_ITEMS)
    q, t = phrase(
        rng,
        (
            "add {i} to my {nt} note",
            "append {i} to the {nt} note",
            "put {i} in my {nt} note",
            "!{nt} note: add {i}.",
            "update the {nt} note with {i}",
        ),
        i=item,
        nt=note,
    )
    return Draft(q, [("append_note_content", [note, content, ""])], t)


def note_share(rng: random.Random) -> Draft:
    note, name = rng.choice(NOTES), rng.choice(PEOPLE)
    kind = rng.randrange(3)
    if kind == 0:
        q, t = phrase(
            rng,
            (
                "email my {nt} note to {n}",
                "send {n} the contents of my {nt} note by email",
                "!Share the {nt} note with {n} over email.",
            ),
            nt=note,
            n=name,
        )
        return Draft(
            q,
            [
                ("open_note", [note, ""]),
                ("get_email_address", [name]),
                ("compose_new_email", [["$2"], [], note, "$1", []]),
            ],
            t,
        )
    if kind == 1:
        q, t = phrase(rng, ("text {n} what's in my {nt} note", "send my {nt} note to {n} as a text"), nt=note, n=name)
        return Draft(q, [("open_note", [note, ""]), ("get_phone_number", [name]), ("send_sms", [["$2"], "$1"])], t + 3)
    at, due = when(rng)
    q, t = phrase(
        rng,
        (
            "open my {nt} note and remind me to go through it {at}",
            "!Show me the {nt} note and set a reminder {at} to review it.",
        ),
        nt=note,
        at=at,
    )
    return Draft(
        q, [("open_note", [note, ""]), ("create_reminder", [f"Review {note}", iso(due), "", "", 0, False])], t + 5
    )


def reminder(rng: random.Random) -> Draft:
    what, title = rng.choice(TASKS)
    kind = rng.randrange(3)
    if kind == 0:
        at, due = when(rng)
        q, t = phrase(
            rng,
            (
                "remind me to {w} {at}",
                "set a reminder to {w} {at}",
                "!Don't let me forget to {w} {at}.",
                "create a reminder {at} to {w}",
                "remind me {at} to {w}",
            ),
            w=what,
            at=at,
        )
        return Draft(q, [("create_reminder", [title, iso(due), "", "", 0, False])], t)
    if kind == 1:
        day_text, day = day_phrase(rng)
        q, t = phrase(
            rng,
            (
                "remind me to {w} {d}, all day",
                "add an all-day reminder {d} to {w}",
                "!I have to {w} sometime {d} — remind me.",
            ),
            w=what,
            d=day_text,
        )
        return Draft(q, [("create_reminder", [title, day.strftime("%Y-%m-%d"), "", "", 0, True])], t + 5)
    at, due = when(rng)
    lst_text, lst = rng.choice(LISTS)
    prio_text, prio = rng.choice(PRIORITIES) if rng.random() < 0.6 else ("", 0)
    q, t = phrase(
        rng,
        (
            "add a {pr} reminder to {lt} to {w} {at}",
            "remind me {at} to {w}, put it in {lt} {pr}",
            "!New reminder in {lt}: {w}, {at} {pr}",
        ),
        pr=prio_text,
        lt=lst_text,
        w=what,
        at=at,
    )
    q = re.sub(r"\s+([.?,!])", r"\1", re.sub(r" {2,}", " ", q)).strip()
    return Draft(q, [("create_reminder", [title, iso(due), "", lst, prio, False])], t + 8)


def reminder_combo(rng: random.Random) -> Draft:
    what, title, minutes = rng.choice(EVENTS)
    at, start, end, _ = event_times(rng, minutes)
    if rng.random() < 0.5:
        before = datetime.fromisoformat(start) - timedelta(days=1)
        q, t = phrase(
            rng,
            (
                "schedule {w} {at} and remind me the day before",
                "!Put {w} on my calendar {at}, with a reminder a day ahead.",
            ),
            w=what,
            at=at,
        )
        return Draft(
            q,
            [
                ("create_calendar_event", [title, start, end, "", [], "", None]),
                ("create_reminder", [title, iso(before), "", "", 0, False]),
            ],
            t,
        )
    name = rng.choice(PEOPLE)
    task, task_title = rng.choice(TASKS)
    due_text, due = when(rng)
    q, t = phrase(
        rng,
        (
            "remind me to {tk} {d} and text {n} that I'm on it",
            "!Set a reminder {d} to {tk}, then let {n} know by text that it's handled.",
        ),
        tk=task,
        d=due_text,
        n=name,
    )
    return Draft(
        q,
        [
            ("create_reminder", [task_title, iso(due), "", "", 0, False]),
            ("get_phone_number", [name]),
            ("send_sms", [["$2"], f"Hi {first(name)}, I'll {task} {due_text}."]),
        ],
        t + 2,
    )


def place_combo(rng: random.Random) -> Draft:
    what, title, minutes = rng.choice(EVENTS)
    place = rng.choice(PLACES)
    at, start, end, _ = event_times(rng, minutes)
    if rng.random() < 0.6:
        q, t = phrase(
            rng,
            (
                "add {w} at {p} {at} to my calendar and show me how to get there",
                "!I have {w} at {p} {at}. Put it on the calendar and give me directions.",
            ),
            w=what,
            p=place,
            at=at,
        )
        return Draft(
            q,
            [
                ("create_calendar_event", [title, start, end, place, [], "", None]),
                ("maps_show_directions", ["", place, "d"]),
            ],
            t,
        )
    names = pick(rng, PEOPLE, 2)
    at, _ = when(rng)  # a text names the time only, not the event's length
    q, t = phrase(
        rng,
        (
            "text {ns} that we're meeting at {p} {at} and show me directions there",
            "!Let {ns} know by SMS we meet at {p} {at}, and open directions for me.",
        ),
        ns=names_phrase(names),
        p=place,
        at=at,
    )
    return Draft(
        q,
        [
            ("get_phone_number", [names[0]]),
            ("get_phone_number", [names[1]]),
            ("send_sms", [["$1", "$2"], f"Hi! Let's meet at {place} {at}."]),
            ("maps_show_directions", ["", place, "d"]),
        ],
        t + 2,
    )


# (scenario, generator, records)
SCENARIOS: tuple[tuple[str, Generator, int], ...] = (
    ("sms", sms_single, 40),
    ("sms-group", sms_group, 16),
    ("sms-number", sms_number, 8),
    ("contact", contact_lookup, 16),
    ("email", email_simple, 38),
    ("email-multi", email_multi, 22),
    ("email-address", email_address, 8),
    ("email-attach", email_attachment, 20),
    ("reply", reply, 30),
    ("forward", forward, 26),
    ("calendar", calendar_simple, 34),
    ("calendar-invite", calendar_invitees, 24),
    ("zoom-calendar", zoom_calendar, 20),
    ("zoom-email", zoom_email, 18),
    ("zoom-more", zoom_more, 12),
    ("file", files_open, 14),
    ("summarize", summarize, 18),
    ("summarize-to", summarize_to, 28),
    ("maps", maps_location, 18),
    ("directions", maps_directions, 26),
    ("maps-share", maps_share, 18),
    ("note", note_create, 22),
    ("note-open", note_open, 14),
    ("note-append", note_append, 18),
    ("note-share", note_share, 16),
    ("reminder", reminder, 36),
    ("reminder-combo", reminder_combo, 14),
    ("place-combo", place_combo, 12),
)


# --------------------------------------------------------------------------- output


def freeze(value: object) -> object:
    return tuple(freeze(v) for v in value) if isinstance(value, list) else value


def render_plan(draft: Draft, rng: random.Random) -> str:
    lines = [f"{i}. {tool}({render_args([freeze(a) for a in args])})" for i, (tool, args) in enumerate(draft.steps, 1)]
    if draft.thought and rng.random() < 0.4:
        lines.append(f"Thought: {draft.thought}")
    lines.append(f"{len(draft.steps) + 1}. join()")
    return "\n".join(lines)


def generate(name: str, gen: Generator, count: int, seen: set[str], rng: random.Random) -> list[dict[str, object]]:
    drafts: list[Draft] = []
    for _ in range(count * 50):
        if len(drafts) == count:
            break
        draft = gen(rng)
        key = normalise_query(draft.query)
        if key not in seen:
            seen.add(key)
            drafts.append(draft)
    else:
        raise SystemExit(f"{name}: only {len(drafts)} distinct queries of {count}")
    # Reserve about one template in five for the held-out split (unseen phrasings), then top up.
    keys = sorted({d.template for d in drafts})
    reserved = set(rng.sample(keys, len(keys) // 5)) if len(keys) >= 4 else set()
    heldout = {i for i, d in enumerate(drafts) if d.template in reserved}
    others = [i for i in range(len(drafts)) if i not in heldout]
    want = max(1, round(0.2 * len(drafts))) - len(heldout)
    heldout |= set(rng.sample(others, max(0, min(want, len(others) - 1))))
    return [
        {
            "id": f"{name}-{i + 1:03d}",
            "query": d.query,
            "plan": render_plan(d, rng),
            "split": "heldout" if i in heldout else "bank",
        }
        for i, d in enumerate(drafts)
    ]


def main() -> None:
    rng = random.Random(20261123)
    seen: set[str] = set()
    records = [r for name, gen, count in SCENARIOS for r in generate(name, gen, count, seen, rng)]
    with OUT.open("w", encoding="utf-8", newline="\n") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    bank = load_bank(OUT)
    held = sum(1 for e in bank.examples if e.split == "heldout")
    print(f"wrote {len(records)} examples ({held} heldout) to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
