"""Query templates for bench/build_toolrag_examples.py, one tuple per scenario call site.

``{slot}`` fields are filled by the generator; a leading "!" marks a full sentence that is not
re-styled (no "Please ...?" wrapping). The order matters: the generator draws templates by index.
"""

# fmt: off
SMS_SINGLE = (
    "text {n} {frag}",
    "send {n} a text {frag}",
    "message {n} {frag}",
    "shoot {n} an SMS {frag}",
    "!{n} needs a text from me {frag}.",
    "send an iMessage to {n} {frag}",
    "sms {n} {frag}",
)
SMS_SINGLE_2 = (
    "let {n} know by text {frag}",
    "tell {n} over SMS {frag}",
)
SMS_GROUP = (
    "text {ns} {frag}",
    "send a group text to {ns} {frag}",
    "message {ns} {frag}",
    "!Let {ns} know {frag} — text them.",
    "sms {ns} {frag}",
)
SMS_NUMBER = (
    "text {num} {frag}",
    "send an SMS to {num} {frag}",
    "message the number {num} {frag}",
    "!Please text {num}: {msg}",
)
CONTACT_EMAIL = (
    "!What is {n}'s email address?",
    "look up {n}'s email",
    "find the email address of {n}",
    "!whats the email for {n}",
    "get me {n}'s work email",
)
CONTACT_PHONE = (
    "!What's {n}'s phone number?",
    "look up {n}'s number",
    "find the cell number for {n}",
    "!what is {n}s number",
    "get me {n}'s phone number",
)
EMAIL_SIMPLE = (
    "email {n} {frag}",
    "send an email to {n} {frag}",
    "write {n} an email {frag}",
    "draft a mail to {n} {frag}",
    "shoot {n} an email {frag}",
    "!I need to email {n} {frag}.",
    "compose an email for {n} {frag}",
)
EMAIL_MULTI = (
    "email {to} and cc {cc} {frag}",
    "send an email to {to}, cc'ing {cc}, {frag}",
    "!Write to {to} {frag}; put {cc} on cc.",
)
EMAIL_MULTI_2 = (
    "email {to} {frag}",
    "send one email to {to} {frag}",
)
EMAIL_ADDRESS = (
    "email {a} {frag}",
    "send a message to {a} {frag} by email",
    "compose an email to {a} {frag}",
)
EMAIL_ATTACHMENT = (
    "email {file} to {n}",
    "send {n} the {file} file",
    "attach {file} to an email for {n}",
    "!Can you find {file} and mail it to {n}?",
    "send {file} over to {n} by email",
    "share {file} with {n} via email",
)
REPLY = (
    "reply to this email with {f} attached",
    "respond to the email and attach {f}",
    "!Reply with the {f} they asked for.",
    "send {f} as a reply to this email",
)
REPLY_2 = (
    "reply to this email saying I'll attend",
    "reply that I can't make it on Friday",
    "answer this email and say thanks, looks good",
    "respond to the selected email: sounds great",
    "!Reply to the email I'm looking at and tell them I'll send it tomorrow.",
    "write back saying yes to the proposal",
)
REPLY_3 = (
    "reply to this email and cc {n}",
    "respond to the current mail, cc'ing {n}",
    "!Reply to this thread and loop in {n}.",
    "write back and copy {n}",
)
FORWARD = (
    "forward this email to {ns}",
    "fwd the current email to {ns}",
    "pass this message on to {ns}",
    "!Forward the email I have open to {ns}.",
    "send this email along to {ns}",
)
FORWARD_2 = (
    "forward this email to {ns} and attach {f}",
    "!Forward the selected mail to {ns} along with {f}.",
)
CALENDAR_SIMPLE = (
    "schedule {w}{p} {at}{c}",
    "add {w} to my calendar {at}{p}{c}",
    "put {w}{p} on the calendar {at}{c}",
    "create an event for {w} {at}{p}{c}",
    "!I have {w}{p} {at}; add it to my calendar{c}.",
    "block my calendar {at} for {w}{p}{c}",
    "book {w} {at}{p}{c}",
)
CALENDAR_INVITEES = (
    "set up a meeting with {ns} {at} about {tp}{p}",
    "invite {ns} to a meeting on {tp} {at}{p}",
    "schedule {tp} with {ns} {at}{p} and send them an invite",
    "add a calendar event {at} for {tp} and invite {ns}",
    "!Book time with {ns} {at} to discuss {tp}{p}.",
    "create a calendar invite for {ns}: {tp}, {at}{p}",
)
ZOOM_CALENDAR = (
    "create a zoom meeting with {ns} {at} about {tp}",
    "set up a zoom call with {ns} {at} for {tp} and put it on my calendar",
    "schedule a zoom with {ns} to talk about {tp} {at}",
    "!I need a Zoom meeting with {ns} {at} on {tp}.",
    "make a zoom link for {tp} with {ns} {at} and add it to the calendar",
)
ZOOM_EMAIL = (
    "email {ns} a zoom link for {tp} {at}",
    "create a zoom meeting {at} about {tp} and email the link to {ns}",
    "send {ns} a zoom invite by email for {tp} {at}",
    "!Set up a Zoom for {tp} {at} and mail the link to {ns}.",
    "get a zoom link for {tp} {at} and send it to {ns}",
)
ZOOM_MORE = (
    "create a zoom meeting {at} for {tp} and text the link to {n}",
    "!Make a Zoom call about {tp} {at} and send {n} the link by SMS.",
)
ZOOM_MORE_2 = (
    "create a zoom meeting with {n} {at} about {tp}, add it to my calendar and email them the link",
    "!Set up a Zoom with {n} on {tp} {at}; put it on my calendar and send {n} the link by email.",
)
FILES_OPEN = (
    "open {f}",
    "find {f} and open it",
    "pull up {f}",
    "!Where is {f}? Open it.",
    "open the file called {f}",
    "show me {f}",
)
SUMMARIZE = (
    "summarize {f}",
    "give me a summary of {f}",
    "what is {f} about?",
    "!tl;dr of {f} please",
    "read {f} and tell me the key points",
    "!Can I get the gist of {f}?",
)
SUMMARIZE_TO = (
    "text {n} a quick summary of {f}",
    "summarize {f} and send it to {n} by SMS",
)
SUMMARIZE_TO_2 = (
    "summarize {f} and save the summary in a new note",
    "make a note with a summary of {f}",
    "!Summarize {f} into my notes.",
)
SUMMARIZE_TO_3 = (
    "summarize {f} and email the summary to {n}",
    "send {n} a summary of {f} by email",
    "!Email {n} the key points of {f}, with the file attached.",
)
SUMMARIZE_TO_4 = (
    "summarize {f} and add it to my {nt} note",
    "append a summary of {f} to the {nt} note",
)
MAPS_LOCATION = (
    "show {p} on the map",
    "!Where is {p}?",
    "open {p} in Maps",
    "find {p} on apple maps",
    "pull up {p} in maps",
    "!where's {p} located",
)
MAPS_DIRECTIONS = (
    "show directions to {d}{f} {h}",
    "how do I get to {d}{f} {h}",
    "get me directions to {d}{f} {h}",
    "navigate to {d}{f} {h}",
    "!I want to go to {d}{f} {h}, show me the route.",
    "route me to {d}{f} {h}",
)
MAPS_SHARE = (
    "email {n} the location of {p}",
    "send {n} an email with a map of {p}",
    "!Mail {n} where {p} is.",
)
MAPS_SHARE_2 = (
    "text {n} the location of {p}",
    "send {n} a map link to {p} by SMS",
    "!Share where {p} is with {n} over text.",
)
MAPS_SHARE_3 = (
    "text {n} directions to {p}",
    "send {n} driving directions to {p} via sms",
)
NOTE_CREATE = (
    "create a note with {w}{fo}",
    "make a new note{fo}: {w}",
    "jot down {w}{fo}",
    "save {w} as a note{fo}",
    "!Start a note{fo} for {w}.",
    "write a note about {w}{fo}",
)
NOTE_OPEN = (
    "open my {nt} note{fo}",
    "show me the note called {nt}{fo}",
    "!What's in my {nt} note{fo}?",
    "read my {nt} note{fo}",
    "pull up the {nt} note{fo}",
)
NOTE_APPEND = (
    "add {i} to my {nt} note",
    "append {i} to the {nt} note",
    "put {i} in my {nt} note",
    "!{nt} note: add {i}.",
    "update the {nt} note with {i}",
)
NOTE_SHARE = (
    "open my {nt} note and remind me to go through it {at}",
    "!Show me the {nt} note and set a reminder {at} to review it.",
)
NOTE_SHARE_2 = (
    "email my {nt} note to {n}",
    "send {n} the contents of my {nt} note by email",
    "!Share the {nt} note with {n} over email.",
)
NOTE_SHARE_3 = (
    "text {n} what's in my {nt} note",
    "send my {nt} note to {n} as a text",
)
REMINDER = (
    "add a {pr} reminder to {lt} to {w} {at}",
    "remind me {at} to {w}, put it in {lt} {pr}",
    "!New reminder in {lt}: {w}, {at} {pr}",
)
REMINDER_2 = (
    "remind me to {w} {at}",
    "set a reminder to {w} {at}",
    "!Don't let me forget to {w} {at}.",
    "create a reminder {at} to {w}",
    "remind me {at} to {w}",
)
REMINDER_3 = (
    "remind me to {w} {d}, all day",
    "add an all-day reminder {d} to {w}",
    "!I have to {w} sometime {d} — remind me.",
)
REMINDER_COMBO = (
    "remind me to {tk} {d} and text {n} that I'm on it",
    "!Set a reminder {d} to {tk}, then let {n} know by text that it's handled.",
)
REMINDER_COMBO_2 = (
    "schedule {w} {at} and remind me the day before",
    "!Put {w} on my calendar {at}, with a reminder a day ahead.",
)
PLACE_COMBO = (
    "text {ns} that we're meeting at {p} {at} and show me directions there",
    "!Let {ns} know by SMS we meet at {p} {at}, and open directions for me.",
)
PLACE_COMBO_2 = (
    "add {w} at {p} {at} to my calendar and show me how to get there",
    "!I have {w} at {p} {at}. Put it on the calendar and give me directions.",
)
# fmt: on
