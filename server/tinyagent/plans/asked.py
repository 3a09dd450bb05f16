"""Writes the request did not ask for: whole tools (``unasked_writes``) and skeleton lines.

A skeleton is chosen by its nearest examples' vote, so "Reply to this message with the location" could
get a text message and "Add Temperance's email to my note" a new email: writes nobody asked for (issue
16). Each write below has words without which a request never asks for it -- checked against every bank
and dev request that uses it, misspellings read as the word they are one slip away from ("remnid",
"emial") -- and the skeleton ranker leaves out skeletons with a write the request has no words for.
Calendar events have a broad rule (people ask for them in many ways: "add the team lunch at Zazie tomorrow
12:30"); a new note is never made when the request speaks of adding to an existing one. Words that
describe rather than ask ("where is ...?", "directions to ...", "the number I should text") are read past.

The bank's templated Zoom requests ("I need a Zoom meeting with Emma tomorrow at 11") also put the
meeting on the calendar, as upstream's data does. People who ask for a Zoom link do not expect a
calendar entry they did not ask for (issue 16 counts it as an unrequested write; the dev and holdout
references have none without being asked), so a calendar event made from a Zoom link is dropped
from a skeleton unless the request speaks of a calendar, an event or scheduling.
"""

from __future__ import annotations

import re

from tinyagent.plans.message_words import (
    BY_CHANNEL,
    BY_TEXT,
    REMINDED,
    SENT_INVITE,
    SENT_REMINDER,
    TOLD,
    told_head,
)
from tinyagent.plans.query_spans import QUOTED, one_slip
from tinyagent.plans.skeleton import Skeleton, SkeletonLine
from tinyagent.plans.wording import ASKS_FOR_SUMMARY

_CALENDAR_CUE = re.compile(
    r"\b(calend[ae]rs?|diary|cal|event|schedule[sd]?|scheduling|book(ed)?|block|agenda)\b", re.IGNORECASE
)
# (the write, the tool whose output it is made from, the words that ask for it)
_ASKED_ONLY: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("create_calendar_event", "get_zoom_meeting_link", _CALENDAR_CUE),
)


_NOTE_WORDS = r"\b(notes?|notepad|notebook|jot|jotted|write (it )?down|note (it )?down|take down)\b"
# An e-mail or a message that is the thing acted on, not a verb: "reply to this email", "Temperance's email".
# "Do I have an email for Tomás": an address asked about.
_OWNED = (
    r"(?<!\bthis )(?<!\bthe )(?<!\bthat )(?<!\bselected )(?<!\bhis )(?<!\bher )(?<!\btheir )(?<!'s )(?<!\bmy )"
    r"(?<!\bhave an )(?<!\bhave a )(?<!\bgot an )(?<!\bgot a )"
)
# Adding to a note that exists: "add 'X' to the note '1:1 topics'", "into my existing note".
_TO_EXISTING_NOTE = re.compile(
    r"\b(existing|append(ing)?)\b|\bnotes?\s*:\s*add\b"
    r"|\bupdate\s+(?:my|the)\s+(?:\S+\s+){0,4}?notes?\b"
    r"|\b(add|added|put|log|copy|paste|drop|stick|tack|update|jot|save|throw|note it|of it)\b[^.;!?]*?"
    r"\b(?:to|into|onto|in|on|at the (?:bottom|end) of)\s+(?:(?:my|the)\s+(?!new\b)"
    r"(?:[\w'\u2018\u2019\"-]+\s+){0,4}?"
    # without "my" or "the", a name: "add milk to groceries note" (not "to a new note", "in notes")
    r"|(?!(?:a|an|new|another|some|my|the)\b)(?:[\w'\u2018\u2019\"-]+\s+){1,4}?)notes?\b",
    re.I,
)
_ASKED_BY: dict[str, re.Pattern[str]] = {
    "send_sms": re.compile(
        # "she never got my text" asks for none (tuning set 11)
        rf"\b(texting|texted|txt|sms|imessage|whatsapp|ping|tell|ask|asking|send)\b"
        rf"|\blet\b(?!\s+(?:me|us)\s+know\b)(?:\s+\S+){{1,4}}?\s+know\b|{_OWNED}\b(text|texts|message|msg)\b",
        re.I,
    ),
    "compose_new_email": re.compile(
        rf"\b(send|sending|share|shoot|draft|write to|drop \S+(?: \S+)? a line)\b"
        rf"|{_OWNED}\b(e-?mails?|e-?mailing|e-?mailed|mail)\b(?!\s+address)",
        re.I,
    ),
    "reply_to_email": re.compile(
        # "check for a reply" waits for one
        r"(?<!\bfor a )(?<!\bfor any )(?<!\bfor their )"
        r"\b(repl(y|ies|ying|ied)|respond|write (them |him |her )?back|answer|get back to)\b",
        re.I,
    ),
    "forward_email": re.compile(r"\b(forward|fwd|fw)\b|\b(pass|send|hand)\s+(this|it|that|the)\b", re.I),
    # "Remind Dev by text that he owes me" texts Dev: reminding someone named is a message, not a reminder.
    "create_reminder": re.compile(
        r"\b(remind(?!\s+(?!Me\b|Us\b|Myself\b)[A-Z])|reminders?|remember|forget|to-?do|nudge|ping me|list)\b", re.I
    ),
    "get_zoom_meeting_link": re.compile(r"\b(zoom|video call)\b", re.I),
    # People ask for events in many ways ("add the team lunch at Zazie tomorrow 12:30"): the cue is broad, and
    # each of the 212 bank and dev requests for one has it. It keeps questions and places from making
    # events ("where is the venue for Friday's event?", "directions to the calendar shop").
    "create_calendar_event": re.compile(
        rf"{_CALENDAR_CUE.pattern}|\b(meet|meeting|appointment|appt|call|lunch|dinner|breakfast|brunch|coffee"
        r"|drinks|party|invite[sd]?|inviting|add|put|set up|set|plan|organi[sz]e|arrange|hold|reserve|session"
        r"|class|reservation|slot|line up|pencil)\b|\b\d{1,2}(:\d{2})?\s*(am|pm)\b|\b\d{1,2}:\d{2}\b|\bnoon\b",
        re.I,
    ),
    # Not a write, but a step nobody asked for: "email Q2 board deck.pdf to Priya" had summarised the deck
    # and mailed the summary. 126 bank and dev requests summarise a file, each with these words.
    "summarize_pdf": ASKS_FOR_SUMMARY,
    # A new note is said as one (104 of the bank's and dev's 105; "write down my parking spot"); adding to one
    # names it as a note or says where it goes ("add to my Garden Log: ..."). "write to support@..." is
    # an email, and had appended to a note.
    "create_note": re.compile(rf"{_NOTE_WORDS}", re.I),
    # Naming a note is not enough: "note that the boiler was serviced" had appended to some note. Each of the
    # 97 bank and dev requests that append says where ("add to my X", "into my existing note", "add X to it").
    "append_note_content": re.compile(
        rf"{_TO_EXISTING_NOTE.pattern}"
        # "add 'reply to Jan' to my to-do list" is a reminder
        r"|\b(add|append|log|put|save|stick|drop|paste|copy|tack)\b[^.;!?]*?\b(to|in|into|onto)\s+(my|the)\b"
        r"(?!\s+(?:to-?do|todo|reminders?|task|tasks|shopping|grocery|groceries)?\s*lists?\b)"
        # "add the meeting to my calendar" (tuning set 20)
        r"(?!\s+(?:\w+\s+)?(?:calend[ae]rs?|diary|schedule|agenda)\b)"
        r"|\b(add|append|put|stick|tack)\b[^.;!?]*?\b(to|into|onto)\s+it\b",  # "open my Recipes note, add X to it"
        re.I,
    ),
}
# A note that is read is not written: "read my Podcast Ideas note" had made a new note (bank held-out).
_READS_NOTE = re.compile(
    r"\b(read|open|show|view|display|pull up|look at|check|what'?s (?:in|on)|what is (?:in|on)"
    r"|what did I (?:write|put|jot|save|add)(?: down)? (?:in|on)|what does)\s+(?:me\s+)?(?:my|the)\s+"
    r"(?:[\w'\u2019-]+\s+){0,4}?notes?\b"
    # "Email Klara the zoom link from my 'Standup' note" (tuning set 22)
    r"|\bfrom\s+(?:my|the)\s+(?:[\w'\u2019-]+\s+){0,4}?notes?\b",
    re.I,
)
# What the person will do themselves, later: "I need Omar's email, I want to write to him later".
# "summarise thesis.pdf, I'll email it to my advisor myself" had composed the email, "I might need a zoom
# with Rasmus later, what's his email?" made a Zoom link (tuning set 11).
_LATER = re.compile(
    r"\bI(?:'ll| will| want to| need to| plan to| am going to|'m going to| can| might| may)\b[^.;,!?]*?"
    r"\b(?:later|myself|by myself|on my own|personally)\b",
    re.I,
)
# A question whether something exists, or happened, or is done, asks nothing to be made: "is there a reminder list
# called Chores?", "did Laura reply to my email?" (which had replied to the selected email).
_EXISTS = re.compile(
    r"(?:^|(?<=[.!?])\s)\s*(?:is there|are there|do I have|have I got|do we have"
    r"|(?:did|has|have|had)\b(?!\s+to\b))[^?.!]*\?"
    # whether something is done already: "is the zoom for Monday's retro already set up?" made a link
    # (tuning set 14); "is it possible to text Bo?" asks for a text
    r"|(?:^|(?<=[.!?])\s)\s*(?:is|are|was|were)\b[^?.!]*\b(?:already|yet|still)\b[^?.!]*\?",
    re.I,
)
# Words that describe rather than ask (tuning set bench/run_writes_tuning4.jsonl, each had written):
_DESCRIBES = re.compile(
    # a question for information: "where is the venue for Friday's event, the Fillmore?" made an event
    # ("how about texting Bo?" and "when you can, text Bo ...?" ask for something), after a condition too: "If
    # Arvid emails about the lease, what should I reply?" had replied (tuning set 13)
    r"(?:^|(?<=[.!?])\s)\s*(?:(?:if|when|once|in case)\b[^,?.!]*,\s*)?"
    r"(?!how about\b|when you\b)(?:where|what|what's|whats|who|whose|which|when|how)\b[^?.!]*\?"
    # a link that exists: "Email Klara the zoom link from my 'Standup' note" made a new one (tuning set 22)
    r"|\b(?:zoom|meeting|call)\s+link\s+(?:from|in|on)\s+(?:my|the|her|his|their)\b(?:\s+[\w'\u2019-]+){0,4}?"
    r"\s+(?:notes?|e-?mails?|calendar|invite|messages?|texts?)\b"
    # a place: "directions to the calendar shop on Valencia St"
    r"|\b(?:directions?|route|way|walk|drive|ride)\s+(?:to|from)\s+[^,.;:!?]*?(?=\s+(?:and|then)\b|[,.;:!?]|$)"
    # what the person does or keeps: "the number I should text for Bella", "the note where I keep my reminders"
    r"|\b(?:number|address|e-?mail|phone|contact|note|list|file)\s+(?:that\s+|which\s+|where\s+)?I\s+"
    r"(?:should|can|could|will|'ll|need to|have to|usually|always|keep|store|use)\b[^,.;:!?]*"
    # where something is, or what someone asked the person to do: "the meeting notes are in sync notes.pdf"
    # made a note, "she asked me to send her the photos" an email (bench/run_writes_tuning6.jsonl)
    r"|\bnotes?\s+(?:is|are|was|were)\s+(?:in|on|at)\b[^,.;:!?]*"
    r"|\b(?:asked|told|wants?|wanted|needs?|needed|reminded)\s+me\s+to\b[^,.;:!?]*"
    # a change to something that exists, which no tool makes: "cancel my 3pm meeting" made an event,
    # "move the dentist reminder to Friday" a reminder (tuning set 9)
    r"|\b(?:cancel|delete|remove|erase|move(?!-in)|reschedule|postpone|push back|rename|undo|clear)\b"
    r"(?:(?!\s+(?:and|then)\b)[^,.;:!?])*"
    # a condition on what is done, not a step: "ask me before sending anything", "don't send it yet"
    r"|\b(?:ask|check with)\s+me\s+(?:first|before)\b[^,.;:!?]*"
    r"|\b(?:don'?t|do not|never|without)\s+(?:\w+\s+)?(?:send|sending|text|texting|e-?mail|e-?mailing|share|sharing"
    r"|forward|forwarding|reply|replying)\b[^,.;:!?]*"
    # a write said not to be wanted: "no need for a reminder, just add the dentist ..." had made both (tuning 11)
    r"|\b(?:no need (?:for|to)|(?:don'?t|do not) need|no|skip|without)\s+(?:a\s+|an\s+|any\s+|the\s+)?"
    r"(?:reminders?|remind\w*|notes?|events?|calendar|zoom|invites?|e-?mails?|texts?)\b"
    r"(?:(?!\s+(?:and|then|but|just)\b)[^,.;:!?])*"
    # what a calendar, a note or a message says: "My calendar says I have a meeting with Greta at 3, text her
    # I'll be late" made an event (tuning set 12)
    r"|\b(?:calendar|diary|schedule|agenda|e-?mail|note|text|message)s?\s+(?:says?|said|shows?|showed|mentions?)\b"
    r"[^,.;:!?]*"
    # what was done already, not what to do: "Dagny emailed me about the budget, make a note ..." e-mailed,
    # "I emailed Magnus the contract yesterday" (tuning set 11), "Asta is texting me a lot" (12); "the summary
    # emailed to Piet" asks for it
    r"|\b(?:(?:I|we)\s+(?:already\s+|just\s+)?(?:e-?mailed|texted|messaged|replied|forwarded)\b"
    r"|\b(?:e-?mail(?:ed|ing)|text(?:ed|ing)|messag(?:ed|ing)|repl(?:ied|ying) to|forward(?:ed|ing))\s+(?:me|us)\b)"
    r"(?:(?!\s+(?:and|then|but|just|so)\b)[^,.;:!?])*",
    re.I,
)
# A request for a reminder that speaks of a meeting asks for the reminder only ("set a reminder for the
# parent-teacher meeting on Thursday at 6pm" had also made an event): with a reminder, an event needs words
# of its own. 15 of the 16 bank and dev requests for both have these; the last sets up a call.
_REMINDS = re.compile(r"\b(remind\w*|reminders?)\b", re.I)
# So does a message that tells of one: "Tell Rose the party is at 8pm on Saturday", "There's a team lunch Friday
# at noon, email Nick about it" made events (tuning set 17).
_MESSAGES = ("send_sms", "compose_new_email", "reply_to_email", "forward_email")
# Here "the agenda for Thursday's workshop", "the book club", "the schedule for Friday" and "the meeting invite"
# are what a message is about, not a calendar.
_EVENT_TOO = re.compile(
    r"\b(calend[ae]rs?|diary|cal|(?<!\bthe )event|(?<!\bthe )schedule[sd]?|scheduling"
    r"|(?<!\bthe )(?<!\ba )(?<!\bmy )book(ed)?(?!\s+club)|block|(?<!\bthe )agenda"
    r"|(?<!\bthe )(?<!meeting )(?<!calendar )invite[sd]?|inviting"
    r"|set up|(?:meet|meeting|call) with|zoom|hold)\b",
    re.I,
)
# What to write, after a colon that follows the write: "Text Quentin: remind me to call you tomorrow" had
# also made a reminder, "note to self: call the plumber and email the landlord" an email (tuning set 8).
# A colon after words that ask for no write ("Two things: ...") introduces requests, not content, as does
# one before "add" ("Gift Ideas note: add avocados"); ", and" or ", then" ends the content ("take a note:
# Luna eats twice a day, then text that to Maddie"). Times ("10:30") and addresses ("https://") have
# colons that are neither.
_CONTENT = re.compile(
    r"(?:^|(?<=[.!?])\s)(?P<head>[^:.!?]+)(?<!\d):(?!\d|//)(?!\s*(?:add|append|put|include|insert)\b)"
    r"(?P<body>(?:(?!,\s*(?:and|then)\b)[^.!?])*)",
    re.I,
)
_CLAUSE_END = re.compile(r"[,;.!?]|\b(?:and|then|but|also)\b", re.I)


# Beside a message an event may also be made, added, put or planned: "Email Nick the slides and add the team
# lunch at Zazie tomorrow 12:30" (a reminder keeps the narrower words: "remind me to put the bins out at 7pm").
_EVENT_BESIDE_MESSAGE = re.compile(
    rf"{_EVENT_TOO.pattern}|\b(?:add|put|create|plan|arrange|organi[sz]e|reserve|line up|pencil)\b"
    r"(?!\s+(?:me|us)\b)",
    re.I,
)
_NOTE_WRITES = ("create_note", "append_note_content")
# Cues too broad to say that a colon's words are what to write: "Here's the plan: ..." asks for no event.
_BROAD = ("create_calendar_event", "summarize_pdf")
# "Liam's work email" is an address, as "Liam's email" is: the kind of address is left out before the cues.
_KIND_OF_ADDRESS = re.compile(
    r"\b(work|personal|office|school|home|private|business|main|primary|company|university|uni)\s+(?=e-?mail\b)", re.I
)
# Words a cue is read through when misspelt by one letter (dropped, added, changed or two swapped).
_SPELT = (
    "remind",
    "reminder",
    "reminders",
    "email",
    "emails",
    "calendar",
    "schedule",
    "forward",
    "answer",
    "message",
    "summary",
)


def unasked_writes(query: str) -> frozenset[str]:
    """The built-in writes ``query`` has no words for (and the summary, a step as easily added unasked)."""
    said = _EXISTS.sub(" ", _LATER.sub(" ", _KIND_OF_ADDRESS.sub("", _spelt(query))))
    # Quoted words are what to write, not what to do: "add 'email the landlord' to my tasks" composed an email.
    said = SENT_INVITE.sub("make an invite", SENT_REMINDER.sub("send a message", QUOTED.sub(" ", said)))
    asked = TOLD.sub(told_head, _requested(said))
    unread = _READS_NOTE.sub(" ", asked)
    texts = {tool: unread if tool in _NOTE_WRITES else asked for tool in _ASKED_BY} | {"summarize_pdf": said}
    unasked = {tool for tool, cue in _ASKED_BY.items() if not cue.search(texts[tool])}
    if _event_beside(asked, unasked):
        unasked.add("create_calendar_event")
    unasked |= _other_channel(asked, unasked) | _told_in_message(asked, unasked)
    return frozenset(unasked | ({"create_note"} if _TO_EXISTING_NOTE.search(said) else set()))


# "remind me to tell Bo ...", "a note to tell Kim ...": the person will tell, later ("I want you to tell" asks now).
_TOLD_LATER = re.compile(r"(?<!\byou )\bto\s+$", re.I)


def _requested(said: str) -> str:
    """``said`` less what it describes and what its notes, messages to come and reminders say."""
    return REMINDED.sub(r"\g<head> ", _CONTENT.sub(_without_content, _DESCRIBES.sub(" ", said)))


def _event_beside(asked: str, unasked: set[str]) -> bool:
    """A reminder, a note or a message that speaks of a meeting asks for it alone: the event needs words of its
    own ("Add to my 'Calls' note: ..." and "put a line in my 'Car' note ..." left an event possible, set 22)."""
    if _REMINDS.search(asked) or any(tool not in unasked for tool in _NOTE_WRITES):
        return not _EVENT_TOO.search(asked)
    return any(tool not in unasked for tool in _MESSAGES) and not _EVENT_BESIDE_MESSAGE.search(asked)


def told_writes(query: str) -> frozenset[str]:
    """The messages, when a request tells someone something ("tell Uma I booked the restaurant for 8pm",
    "let Suki know ..."): it asks for one of them; none when it tells no one. The ranker keeps to the ones
    the request has words for, as it refuses skeletons with the others (``unasked_writes``). What a note or a
    reminder says tells no one ("make a note called 'Gifts' with: a scarf for Hana, text Ida about sizes")."""
    text = _requested(QUOTED.sub(" ", query))
    if all(_TOLD_LATER.search(text[: m.start()]) for m in TOLD.finditer(text)):
        return frozenset()
    return frozenset(_MESSAGES)


# "Forward this to Ana and tell her it's urgent", "reply to this one and let them know the check is in the mail":
# beside a reply, a forward or an e-mail, telling him, her or them without a channel is what that message says (as
# the bank's requests read), not a text as well, which each of these had sent (tuning set 24).
_TELLS_THEM = re.compile(
    rf"\b(?:tell|let)\s+(?:him|her|them)\b(?:\s+know\b)?(?!(?:\s+\S+){{0,2}}?\s+(?:{BY_TEXT}))", re.I
)
_OTHER_MESSAGES = ("compose_new_email", "reply_to_email", "forward_email")


def _told_in_message(asked: str, unasked: set[str]) -> set[str]:
    """The text, when the request asks for it only by telling him, her or them beside another message."""
    if "send_sms" in unasked or all(tool in unasked for tool in _OTHER_MESSAGES):
        return set()
    return set() if _ASKED_BY["send_sms"].search(_TELLS_THEM.sub(" ", asked)) else {"send_sms"}


def _other_channel(asked: str, unasked: set[str]) -> set[str]:
    """The messages asked for only in clauses that name the other channel."""
    clauses = _CLAUSE_END.split(asked)
    return {
        tool
        for tool, other in BY_CHANNEL.items()
        if tool not in unasked
        and any(other.search(c) for c in clauses)
        and not _ASKED_BY[tool].search(" . ".join(c for c in clauses if not other.search(c)))
    }


def _without_content(match: re.Match[str]) -> str:
    head = match.group("head")
    writes = any(cue.search(head) for tool, cue in _ASKED_BY.items() if tool not in _BROAD)
    return f"{head}: " if writes or _CALENDAR_CUE.search(head) else match.group(0)


def _spelt(query: str) -> str:
    return re.sub(r"[A-Za-z]{5,}", lambda m: _nearest_cue(m.group(0)), query)


def _nearest_cue(word: str) -> str:
    lower = word.lower()
    if lower in _SPELT:
        return word
    return next((cue for cue in _SPELT if one_slip(lower, cue)), word)


def without_unasked(skeleton: Skeleton, query: str) -> Skeleton:
    """``skeleton`` less the lines no one depends on that write what ``query`` does not ask for."""
    drop = {n for n, line in enumerate(skeleton.lines, 1) if _unasked(skeleton, n, line, query)}
    if not drop or len(drop) == len(skeleton.lines):
        return skeleton
    return _removed(skeleton, drop)


def _unasked(skeleton: Skeleton, n: int, line: SkeletonLine, query: str) -> bool:
    sources = {skeleton.lines[r - 1].tool for _, refs in line.refs for r in refs}
    for tool, source, cue in _ASKED_ONLY:
        if line.tool == tool and source in sources and not cue.search(query):
            return not any(n in refs for other in skeleton.lines for _, refs in other.refs)
    return False


def without_writes(skeleton: Skeleton, tools: frozenset[str]) -> Skeleton | None:
    """``skeleton`` less its lines that use ``tools`` and the lines that only fed them (a file's summary
    for a text not sent; names are inline, not lines); None when nothing would be left, or a line left
    needs one taken away."""
    drop = {n for n, line in enumerate(skeleton.lines, 1) if line.tool in tools}
    while fed := {n for n in range(1, len(skeleton.lines) + 1) if n not in drop and _only_feeds(skeleton, n, drop)}:
        drop |= fed
    kept = [line for n, line in enumerate(skeleton.lines, 1) if n not in drop]
    if not kept or any(r in drop for line in kept for _, refs in line.refs for r in refs):
        return None
    return _removed(skeleton, drop)


def _only_feeds(skeleton: Skeleton, n: int, dropped: set[int]) -> bool:
    users = {m for m, line in enumerate(skeleton.lines, 1) for _, refs in line.refs if n in refs}
    return bool(users) and users <= dropped


def _removed(skeleton: Skeleton, drop: set[int]) -> Skeleton:
    """``skeleton`` without the lines ``drop`` (leaves), later references renumbered."""
    new_number: dict[int, int] = {}
    for n in range(1, len(skeleton.lines) + 1):
        if n not in drop:
            new_number[n] = len(new_number) + 1
    lines = []
    for n, line in enumerate(skeleton.lines, 1):
        if n in drop:
            continue
        refs = tuple((i, tuple(new_number[r] for r in targets)) for i, targets in line.refs)
        lines.append(SkeletonLine(line.tool, refs, line.given))
    return Skeleton(tuple(lines))
