"""Where a message's words are, so that what they say asks for nothing (issue 16, ``plans/asked.py``).

"Text Lena that her reminder to call the bank is tomorrow" asks for a text, not a reminder: after "text/tell/email
X that", "let X know" or "tell X" the words are the message, up to the sentence's end or a next request. Also
here: the channel a clause names ("by email", "send Priya a text"), a message the person will send later (in a
reminder), and reminders, notes and invites that are sent to someone. Only patterns: the rules that use them are
in ``asked.py``.
"""

from __future__ import annotations

import re

# A channel named: "Let John know by email" had also texted John, "Forward the report to Jane by text" forwarded
# an e-mail (tuning set 15). In a clause that names one channel, the words that ask for either ("tell",
# "let ... know", "send", "forward") ask for that one; the other needs words of its own, or another clause
# ("forward this to Hana and let her know by text it's urgent" forwards).
# Not how something came ("the flight number I got by email") or a kind of file ("the notes in a text file").
# "Send Priya a text saying ..." names one too (tuning set 20: it left an e-mail possible).
_BY = (
    r"(?<!\bgot )(?<!\breceived )(?<!\bcame )(?<!\bsent )\b(?:by|via|over|through|per|in an?|as an?|with an?"
    r"|(?:send|shoot|drop|fire off|write)\s+(?:\S+\s+){0,3}?an?(?:\s+(?:quick|short|brief))?)\s+"
)
_BY_EMAIL = rf"{_BY}(?:e-?mail|mail)\b"
BY_TEXT = rf"{_BY}(?:text|sms|imessage|whatsapp)(?:\s+message)?\b(?!\s+files?\b)"
BY_CHANNEL = {
    "send_sms": re.compile(_BY_EMAIL, re.I),
    **dict.fromkeys(("compose_new_email", "reply_to_email", "forward_email"), re.compile(BY_TEXT, re.I)),
}
# Verbs that ask for an event or a reminder and, after "and" or "then", end a message's words and a text's body
# (tuning set 20: "..., and block that morning in my calendar"; "let me know" asks the assistant). Here and in
# ``wording._BODY_END``, so that the two cannot drift.
LATER_REQUEST_VERBS = r"block|pencil|nudge|reserve|pop|line up|let(?!\s+(?:me|us)\b)"
# What a message says is content too: "text Lena that her reminder to call the bank is tomorrow" made a reminder,
# "let Suki know the calendar for next week is full" and "tell Fay the call with the client moved to 4pm" made
# events (tuning set 18). After "text/tell/email/message X that", "let X know" or "tell X" the words are what
# to say, up to the sentence's end or a next request (", and" / "then" / "and" before a verb that asks for one).
_NEXT_REQUEST = (
    r"(?:,\s*(?:and\s+|then\s+|and\s+then\s+|also\s+)?|\s+(?:and|then|and\s+then|also)\s+)(?:please\s+)?(?:I\s+need\b"
    r"|(?:remind|text|e-?mail|add|create|make|schedule|set|put|book|send|tell|ask|forward|reply|respond|note|jot"
    r"|write|save|find|get|open|summari[sz]e|look|arrange|organi[sz]e|plan|draft|share|ping|call|log"
    rf"|{LATER_REQUEST_VERBS})\b)"
)
_NOT_ME = r"(?!\s+(?:me|us|myself)\b)"  # "let me know", "tell me which file ..." ask the assistant
_PERSON = r"(?:him|her|them|(?-i:[A-Z])[\w'-]*)"
# A text whose words say something: "Text Greta the wifi password is in the 'House' note" made a note, "Text Vidar
# to remember his passport" could remind (tuning set 21); "text Ivo the zoom link for tomorrow's sync" sends a link.
_SAYS = (
    r"(?=\s+(?:to\b|(?:(?:the|my|our|your|his|her|their|a|an)\s+)?(?:[\w'-]+\s+){0,3}?"
    r"(?:is|are|was|were|has|have|will|won't|can|can't)\b))"
)
TOLD = re.compile(
    rf"(?P<head>\b(?:(?:text|txt|sms|message|msg|e-?mail|ping|tell|ask|write\s+to){_NOT_ME}\b[^.!?:,;&\n]*?\b(?:that|saying)"
    rf"|let{_NOT_ME}\s+\S+(?:\s+\S+)?\s+know|tell\s+{_PERSON}|(?:text|txt|message|msg|ping)\s+{_PERSON}{_SAYS})\b"
    # the channel stays a request: "let John know by email that ..."
    rf"(?:\s+(?:{_BY_EMAIL}|{BY_TEXT}))?(?:\s+that\b)?)"
    rf"(?P<body>(?:(?!{_NEXT_REQUEST})[^.!?;&\n])+)",
    re.I,
)
_CHANNEL = re.compile(rf"{_BY_EMAIL}|{BY_TEXT}", re.I)
# A message the person will send, in a reminder: "make me a to-do to send the invoice Friday", "remind me Friday
# to email Lars that ..." (which had planned the e-mail) ask for the reminder (tuning set 20).
REMINDED = re.compile(
    # "don't forget to email Ana the slides" may ask the assistant to do it now; "don't let me forget to" does not
    r"(?P<head>\b(?:remind\s+(?:me|us|myself)|(?:let\s+me|I\s+(?:don'?t|do\s+not|won'?t))\s+forget"
    r"|(?:a|an|my|the)\s+(?:reminder|to-?do|task))\b"
    r"[^.!?;:,\n]*?\bto\s+)(?=(?:text|txt|sms|e-?mail|send|tell|message|msg|ping|reply|respond|forward|write|ask|let"
    rf"|drop|shoot)\b)(?P<body>(?:(?!{_NEXT_REQUEST})[^.!?;&\n])+)",
    re.I,
)
# "Send a reminder to Ottilie by email that the invoice is due" is a message (tuning set 21); "send me a reminder"
# is a reminder.
SENT_REMINDER = re.compile(
    r"\b(?:send|shoot|drop)\s+(?!me\b|us\b|myself\b)(?:\S+\s+){0,2}?an?\s+(?:quick\s+|friendly\s+|gentle\s+)?"
    r"reminder\b(?!\s+to\s+(?:me|us|myself)\b)"
    # so is a note written to someone, by a channel or saying something: "Drop Ana a quick note by email that ..."
    r"|\b(?:send|shoot|drop|write|leave)\s+(?!(?:me|us|myself|a|an|down|up|out)\b)\S+(?:\s+\S+)?\s+an?\s+"
    r"(?:quick\s+|short\s+|brief\s+)?note\b(?=\s+(?:by|via|over|through|that|saying|to say)\b)",
    re.I,
)
# "Send Dalia a calendar invite for lunch Friday at 1" asks for an event with her invited, not a message (set 22).
SENT_INVITE = re.compile(
    r"\b(?:send|shoot)\s+(?!me\b|us\b)(?:\S+\s+){0,3}?an?\s+(?:calendar\s+|meeting\s+)?invit(?:e|ation)\b", re.I
)


def told_head(match: re.Match[str]) -> str:
    """The message's head without what it says, but with a channel named after it ("... moved, by email")."""
    return " ".join([match.group("head"), *(c.group(0) for c in _CHANNEL.finditer(match.group("body")))]) + " "
