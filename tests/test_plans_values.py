"""What guided planning reads from a request (plans/when.py, plans/values.py) and offers the model.

The clock is the eval sets' Monday 2025-06-16 09:00 (docs/arguments.md has the conventions).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from gguf_factory import load_tiny_backend
from tinyagent.chat.formats import get_chat_format
from tinyagent.planning.guided import rebased
from tinyagent.planning.planner import Planner, PlanRequest
from tinyagent.plans import reading
from tinyagent.plans.skeleton import FILLS, PlanGuide, SkeletonGrammarOptions, skeleton_grammar, skeleton_of
from tinyagent.plans.values import choices, joint_choices, people, read_values
from tinyagent.plans.when import resolve_moments
from tinyagent.tools.registry import ToolSet

NOW = datetime(2025, 6, 16, 9, 0)  # a Monday
ALL = ToolSet.all()


def first(query: str) -> tuple[str, str | None, bool]:
    moment = resolve_moments(query, NOW)[0]
    end = moment.until.strftime("%m-%d %H:%M") if moment.timed else None
    return moment.start.strftime("%m-%d %H:%M"), end, moment.timed


@pytest.mark.parametrize(
    ("query", "start", "end", "timed"),
    [
        ("Remind me tomorrow at 9am to call the dentist", "06-17 09:00", "06-17 10:00", True),
        ("Meet next Tuesday at 4pm", "06-24 16:00", "06-24 17:00", True),  # next week's Tuesday
        ("remind me on Monday to pay rent", "06-23 00:00", None, False),  # said on a Monday: next week's
        ("remind me to file it on Friday", "06-20 00:00", None, False),
        ("a party on June 28 from 5 to 8pm", "06-28 17:00", "06-28 20:00", True),
        ("an offsite on July 8 from 9 to 4", "07-08 09:00", "07-08 16:00", True),
        ("a 30 min call on Thursday at noon", "06-19 12:00", "06-19 12:30", True),
        ("remind me Saturday evening", "06-21 19:00", "06-21 20:00", True),
        ("remind me Friday night to charge the lantern", "06-20 20:00", "06-20 21:00", True),
        ("lunch on Wednesday at 1", "06-18 13:00", "06-18 14:00", True),  # an hour without am/pm
        ("pay the water bill on the 25th", "06-25 00:00", None, False),
        ("book the dentist for March 3rd", "03-03 00:00", None, False),  # past this year: next year's
        ("a Zoom titled 'Q3 2025 review' for 2 hours on Friday at 10", "06-20 10:00", "06-20 12:00", True),
        ("office hours Thursday 11am, half an hour", "06-19 11:00", "06-19 11:30", True),  # not "an hour"
        ("a workshop on Friday at 2pm for an hour and a half", "06-20 14:00", "06-20 15:30", True),
        ("set a reminder in Work for 11:45 to join the call", "06-16 11:45", "06-16 12:45", True),  # for = at
        ("reminder for Firday 4pm to submit the timesheets", "06-20 16:00", "06-20 17:00", True),  # a slip
        ("lunch on Wendesday at 1", "06-18 13:00", "06-18 14:00", True),
        ("a call at 15:00 UTC", "06-16 15:00", "06-16 16:00", True),  # a zone-aware time once raised
        ("my flight on June 30, departing 13:05 and landing 15:50", "06-30 13:05", "06-30 15:50", True),
        ("the train leaves at 7:15am, arrives 10:05am on Friday", "06-20 07:15", "06-20 10:05", True),
        ("set up a zoom tomorrow 2:30 with Esteban for 40 min", "06-17 14:30", "06-17 15:10", True),  # no "at"
        ("a call tomorrow 9:15 with Bo", "06-17 09:15", "06-17 10:15", True),
    ],
)
def test_moments(query: str, start: str, end: str | None, timed: bool) -> None:
    assert first(query) == (start, end, timed)


def test_march_3rd_is_next_year_and_house_numbers_and_flights_are_not_times() -> None:
    assert resolve_moments("book the dentist for March 3rd", NOW)[0].start.year == 2026
    assert resolve_moments("a site visit at 1200 Harbor Blvd", NOW) == ()
    assert [m.start.hour for m in resolve_moments("flight LH 457 on June 30 at 13:05", NOW)] == [13]


def test_each_moment_knows_the_clause_it_is_said_in() -> None:
    query = "Add the cello recital to my calendar for Sunday 3pm and remind me Saturday evening to restring it"
    values = read_values(query, NOW)
    assert [m.cue for m in values.moments] == ["calendar", "remind"]
    assert choices(values, "create_reminder", "due_date") == ("2025-06-21 19:00:00",)
    assert joint_choices(values, "create_calendar_event") == (("2025-06-22 15:00:00", "2025-06-22 16:00:00"),)


def test_reminder_without_a_time_is_a_day_and_all_day() -> None:
    values = read_values("Remind me to water the fern on Wednesday", NOW)
    assert choices(values, "create_reminder", "due_date") == ("2025-06-18",)
    assert choices(values, "create_reminder", "all_day") == (True,)
    assert choices(values, "create_reminder", "name") == ("Water the fern",)


def test_zoom_length_is_said_or_an_hour() -> None:
    said = read_values("Set up a 45-minute Zoom with Ana tomorrow at 2pm", NOW)
    assert joint_choices(said, "get_zoom_meeting_link") == (("2025-06-17 14:00:00", 45),)
    unsaid = read_values("Zoom with Ana tomorrow at 2pm", NOW)
    assert joint_choices(unsaid, "get_zoom_meeting_link") == (("2025-06-17 14:00:00", 60),)


def test_routes_places_and_transport() -> None:
    values = read_values("How do I walk from the Ferry Building to Coit Tower?", NOW)
    assert values.route == ("Ferry Building", "Coit Tower") and values.transport == "w"
    back = read_values("directions to Yosemite Valley from Fresno", NOW)
    assert back.route == ("Fresno", "Yosemite Valley") and back.transport == "d"
    assert read_values("which bus gets me to the Rijksmuseum", NOW).route == ("", "Rijksmuseum")
    assert read_values("Take the train to SFO", NOW).transport == "r"
    pins = read_values("Walking directions from the Alhambra to the Mirador, and also pin Sacromonte on the map", NOW)
    assert choices(pins, "maps_open_location", "location") == ("Sacromonte",)


def test_notes_folders_lists_calendars_priority() -> None:
    note = read_values("Add 'oil the pans' to the 'Sunday chores' note in Home", NOW)
    assert note.notes == ("Sunday chores",) and note.folders == ("Home",)
    assert choices(note, "append_note_content", "content") == ("Oil the pans",)
    assert read_values("Open my note 'Gift ideas 2025'.", NOW).notes == ("Gift ideas 2025",)
    assert read_values("new note: 'Bouldering goals' - send the V4 slab", NOW).notes == ("Bouldering goals",)
    assert read_values("Start a note in Recipes called 'Zofia's pierogi' with", NOW).notes == ("Zofia's pierogi",)
    assert read_values("What did I write in the 'Sailing knots' note in my Hobbies folder?", NOW).folders == (
        "Hobbies",
    )
    reminder = read_values("reminder in my Garden list: repot the lemon tree next Saturday, low priority", NOW)
    assert reminder.lists == ("Garden",) and reminder.priority == 9
    assert read_values("Add 'renew licence' to my Errands list, high priority", NOW).priority == 1
    event = read_values("Block Saturday 6am to 10am on the Family calendar for the farmers market run.", NOW)
    assert event.calendars == ("Family",) and choices(event, "create_calendar_event", "calendar") == ("Family",)
    assert choices(read_values("lunch tomorrow at noon", NOW), "create_calendar_event", "calendar") == (None,)


def test_bodies_titles_and_cc() -> None:
    text = read_values("Text Marisol that the piano tuner moved to Thursday at 4:30.", NOW)
    assert choices(text, "send_sms", "message") == ("The piano tuner moved to Thursday at 4:30.",)
    reply = read_values("reply yes, count me in, and cc Evander", NOW)
    assert reply.bodies == ("Yes, count me in.",) and reply.cc == ("Evander",)
    email = read_values("Draft an email to Yusuf and cc Lena about the delayed shipment of ceramic glaze", NOW)
    assert email.titles == ("Delayed shipment of ceramic glaze",)
    assert people(email, "recipients", "get_email_address") == ("Yusuf",)
    assert people(email, "cc", "get_email_address") == ("Lena",)
    assert people(read_values("Forward this to Ana", NOW), "cc", "get_email_address") == ()


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("remind me to water the plants and text Fatima Al-Sayed that I'm on it", "I'm on it."),  # not "ed that"
        ("Set a reminder to send the rent, then let Mia Hoffmann know by text that it's handled.", "It's handled."),
        ("let Bo know by text the code changed", "The code changed."),
    ],
)
def test_what_a_message_says(query: str, body: str) -> None:
    assert read_values(query, NOW).bodies == (body,)


@pytest.mark.parametrize(
    ("query", "subject"),
    [
        (
            "Email Jonah the walking route from Prospect Park to the Brooklyn Navy Yard",
            "Directions to Brooklyn Navy Yard",
        ),
        ("email Ann the location of Tartine Manufactory", "Location: Tartine Manufactory"),
        ("email Ann that I'll be at Tartine Manufactory at 5", "I'll be at Tartine Manufactory at 5."),
    ],
)
def test_an_email_that_sends_a_place_is_titled_by_it(query: str, subject: str) -> None:
    assert choices(read_values(query, NOW), "compose_new_email", "subject") == (subject,)


def test_a_folder_a_note_is_kept_in_is_no_place() -> None:
    query = "Write a note in the Travel folder named 'Kyoto temples' listing Fushimi Inari, and show Fushimi Inari"
    assert read_values(query, NOW).places == ("Fushimi Inari",)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("Block my calendar today at 1pm for 30 minutes for a haircut, thanks!", ("Haircut",)),
        ("hold 3-4pm Wednesday on my calendar for a call with Yusuf and send him the invite", ("Call with Yusuf",)),
        ("I need a Zoom meeting with Emma tomorrow at 11am for an hour on the thesis chapter.", ("Thesis chapter",)),
        ("Block Saturday 6am to 10am on the Family calendar for the farmers market run.", ("Farmers market run",)),
        ("zoom with Mr. Okafor on the 24th at 14:00 for the completion call, 30 mins", ("Completion call",)),
        ("email Ann the agenda for the offsite", ()),  # no event: "for" names no title
    ],
)
def test_what_an_event_is_for(query: str, titles: tuple[str, ...]) -> None:
    assert read_values(query, NOW).titles == titles


@pytest.mark.parametrize(
    ("query", "topics"),
    [
        ("get me a zoom link for tomorrow 4pm with Aaron and put it in my Vendor Calls note", ("Call with Aaron",)),
        ("Zoom with Grandma and Kofi Sunday at 11am for 30 min", ("Call with Grandma and Kofi",)),
        ("set up a zoom tomorrow 2:30 with Esteban for 40 min", ("Call with Esteban",)),
        ("set up a zoom with Ilse tomorrow at 4 to go through the audit", None),  # a topic the model writes
        ("book club zoom with Marguerite on Thursday at 7:30pm", None),
        ("Make me a zoom link for Friday at 9:15", None),  # no one to be with
    ],
)
def test_a_zoom_said_only_by_who_it_is_with_is_a_call_with_them(query: str, topics: tuple[str, ...] | None) -> None:
    assert choices(read_values(query, NOW), "get_zoom_meeting_link", "topic") == topics


def test_an_email_with_a_zoom_link_says_so() -> None:
    values = read_values(
        "Zoom with Owen on Friday at noon for the retro; calendar invite plus email with the link", NOW
    )
    assert choices(values, "compose_new_email", "subject") == ("Zoom Meeting: Retro",)


@pytest.mark.parametrize(
    ("query", "cc"),
    [
        ("Forward this to Wilhelmina and cc Rutger and Sven", ("Rutger", "Sven")),  # "and Sven" is a name
        ("write back to them and cc legal@northwind.com", ("legal@northwind.com",)),  # the dot of an address
        ("forward this to Priscilla and cc Mr. Lindahl and Ms. Varga", ("Mr. Lindahl", "Ms. Varga")),
        ("email Dana, cc'ing Lutfi, asking for the Q3 numbers", ("Lutfi",)),
        ("just reply and copy my assistant Leah Stein", ("Leah Stein",)),
        ("Copy the summary of 'Okr.pdf' into my note 'Q3' in the Work folder", ()),  # a thing copied
        ("reply and cc Bo and then remind me to call Al", ("Bo",)),
        ("pass this along to Yusuf and loop in Ingrid", ("Ingrid",)),  # a person, not a place "in Ingrid"
    ],
)
def test_who_goes_in_cc(query: str, cc: tuple[str, ...]) -> None:
    values = read_values(query, NOW)
    assert values.cc == cc
    assert all(name in values.spans.names or "@" in name for name in cc)  # and each can be looked up


@pytest.mark.parametrize(
    ("query", "places", "transport"),
    [
        ("I want to go to Coit Tower walking, show me the route.", ("Coit Tower",), "w"),
        ("where's Union Square located", ("Union Square",), "d"),
        ("walking directions to Alamo Square pls", ("Alamo Square",), "w"),
        ("how do I get to the Computer History Museum walknig", ("Computer History Museum",), "w"),
        ("Whats the best way to walk to Glen Canyon Park", ("Glen Canyon Park",), "w"),
        (
            "show me where the Tate Modern is and how to walk there from London Bridge",
            ("Tate Modern", "London Bridge"),
            "w",
        ),
        ("navigate to 1 Hacker Way, Menlo Park and let Helen know", ("1 Hacker Way, Menlo Park",), "d"),
        ("the retro at Pier 39 on January 19 at 7pm", ("Pier 39",), "d"),
        ("pls send Hannah a map link to Half Moon Bay by SMS", ("Half Moon Bay",), "d"),
        ("text jasper the pin for Baker Beach, we're meeting there at 6", ("Baker Beach",), "d"),
        ("where exactly is Point Reyes Lighthouse? and note it", ("Point Reyes Lighthouse",), "d"),
        ("text Mom where the restaurant is, it's Burma Superstar on Clement", ("Burma Superstar on Clement",), "d"),
        ("drop a pin on the Hollywood Bowl and add the concert", ("Hollywood Bowl",), "d"),
        ("look up the Palace of Fine Arts in maps", ("Palace of Fine Arts",), "d"),
        ("make a note of where I parked, level 4 of the Sutter garage", (), "d"),
        ("how do I get to Paddington on the tube", ("Paddington",), "r"),
        ("directions to Moscone Center by BART", ("Moscone Center",), "r"),
        ("directions to Oakland Airport from Palo Alto Caltrain station by car", None, "d"),
        ("where's Heath Ceramics in Sausalito?", ("Heath Ceramics, Sausalito",), "d"),  # one place, in its area
        ("Could you open Apple Park in Maps for me?", ("Apple Park",), "d"),  # the app is no area
        ("dinner at Nopa in June", ("Nopa",), "d"),
        ("show me where the Presidio Tunnel Tops are and text Kalani", ("Presidio Tunnel Tops",), "d"),
        ("a coffee chat at 1 Infinite Loop, Cupertino?", ("1 Infinite Loop, Cupertino",), "d"),
        ("book the dentist July 1 at 9am and pull up W-2 2024.pdf for me", (), "d"),  # a file is no place
    ],
)
def test_places_end_where_the_place_does(query: str, places: tuple[str, ...] | None, transport: str) -> None:
    values = read_values(query, NOW)
    assert values.transport == transport
    assert places is None or values.places == places


def test_places_and_codes_are_not_people() -> None:
    values = read_values("Add the recital at St. Brigid's Hall to my calendar and restring the A string", NOW)
    assert "St" not in values.spans.names and "A" not in values.spans.names
    assert read_values("Add my flight LH 457 to the Travel calendar", NOW).spans.names == ()


REMINDER = '1. create_reminder("x", "2025-06-17", "", "", 0, True)\n2. join()'


def test_grammar_offers_only_the_dates_the_request_names() -> None:
    values = read_values("Remind me tomorrow at 9am to call the dentist", NOW)
    line = next(r for r in skeleton_grammar(skeleton_of(REMINDER), ALL, values).splitlines() if "line1 ::=" in r)
    assert '"\\"2025-06-17 09:00:00\\""' in line and "datetime" not in line
    off = SkeletonGrammarOptions(fill=FILLS - {"dates"})
    line = next(r for r in skeleton_grammar(skeleton_of(REMINDER), ALL, values, off).splitlines() if "line1 ::=" in r)
    assert "(datetime | date)" in line  # switched off: the model writes any date again


def test_example_dates_move_to_the_request_day() -> None:
    plan = '1. create_reminder("Call", "2026-11-24 10:00:00", "", "", 0, False)\n2. join()'
    assert '"2026-12-08 10:00:00"' in rebased(plan, datetime(2026, 12, 7, 8, 0))  # a day after "today" still
    old = '1. create_reminder("Call", "2025-06-17", "", "", 0, True)\n2. join()'
    assert '"2026-12-08"' in rebased(old, datetime(2026, 12, 7, 8, 0))


def test_random_model_writes_the_resolved_date(tiny_gguf: Path) -> None:
    """Under the grammar even random weights can only write the date the request names."""
    planner = Planner(load_tiny_backend(tiny_gguf), get_chat_format("chatml"))
    guide = PlanGuide(skeleton_of(REMINDER), ())
    req = PlanRequest("Remind me next Tuesday at 4pm to call Ana", ALL, NOW, guide=guide, seed=3, max_tokens=300)
    finished = asyncio.run(planner.plan(req))
    assert finished.valid, finished.outcome.errors
    task = finished.outcome.tasks[0]
    assert task.args[1] == "2025-06-24 16:00:00" and task.args[5] is False


def test_slips_of_weekdays_are_not_people_and_other_days_are_not_weekdays() -> None:
    assert read_values("remind Ana on Thrusday", NOW).spans.names == ("Ana",)
    assert resolve_moments("my birthday, a holiday at midday, payday", NOW)[0].start.weekday() == NOW.weekday()


def test_a_reminder_names_its_list_right_after_the_word() -> None:
    assert read_values("set an urgent reminder in Work for 11:45 to join the call", NOW).lists == ("Work",)
    assert read_values("add a reminder to the Groceries list: milk", NOW).lists == ("Groceries",)


def test_st_inside_a_name() -> None:
    assert read_values("email Jean-Luc St. Pierre to confirm", NOW).spans.names == ("Jean-Luc St. Pierre",)


@pytest.mark.parametrize(
    ("query", "subjects"),
    [
        ("email Dr. Kim my vaccination record.pdf, and log in my Health note that I sent it", ("Vaccination Record",)),
        ("Attach 'Headshot_Ambrose_2025.jpg' to a new email for press@example.org", ("Headshot Ambrose 2025",)),
        ("Email Bob about the budget review and attach budget.xlsx", ("Budget review",)),  # said: it wins
        ("email Bob that I am late", ("I am late.",)),  # no file: what to write
    ],
)
def test_an_email_about_a_file_is_titled_by_it(query: str, subjects: tuple[str, ...]) -> None:
    assert choices(read_values(query, NOW), "compose_new_email", "subject") == subjects


@pytest.mark.parametrize(
    ("query", "ends"),
    [
        ("give me directions to the hardware store, Cole Hardware", ("", "Cole Hardware")),
        ("walking directions from Powell station to the hotel, Hotel Zetta", ("Powell station", "Hotel Zetta")),
        ("directions from Berkeley to Napa, email them to Camille", ("Berkeley", "Napa")),  # a name: kept
        ("how far is the walk from my hotel, the Fairmont, to the Ferry Building?", ("Fairmont", "Ferry Building")),
        ("walking directions to Salt & Straw in Hayes Valley", ("", "Salt & Straw, Hayes Valley")),
    ],
)
def test_a_place_said_as_a_kind_and_then_named_is_the_name(query: str, ends: tuple[str, str]) -> None:
    assert reading.route(query) == ends
