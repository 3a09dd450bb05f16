"""Guided planning: inline plans, query spans, skeletons and their grammar, the skeleton ranker."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from gguf_factory import load_tiny_backend
from test_toolrag import BagOfWords
from tinyagent.chat.formats import get_chat_format
from tinyagent.eval.metric import score_plan
from tinyagent.inference.types import GenerationParams
from tinyagent.planning.guided import guided_grammar, guided_prompt
from tinyagent.planning.planner import Planner, PlanRequest
from tinyagent.plans.inline import InlinePlanError, expand, inline, needs_lookup
from tinyagent.plans.parser import parse_plan
from tinyagent.plans.query_spans import query_spans
from tinyagent.plans.skeleton import PlanGuide, Skeleton, SkeletonLine, skeleton_grammar, skeleton_of
from tinyagent.plans.values import read_values
from tinyagent.toolrag.bank import load_bank
from tinyagent.toolrag.guide import SkeletonRanker
from tinyagent.toolrag.index import ExampleIndex
from tinyagent.toolrag.select import ToolChoice
from tinyagent.tools.registry import ToolSet

ALL = ToolSet.all()
NOW = datetime(2025, 6, 16, 9, 0)
SUMMARY_MAIL = """1. open_and_get_file_path("Trial Protocol")
2. get_email_address("Dr. Ferreira")
3. get_email_address("Nadia")
4. summarize_pdf("$1")
5. compose_new_email(["$2"], ["$3"], "Summary", "$4", [])
6. join()"""


# --- inline <-> expanded -------------------------------------------------------------------------------


def test_inline_folds_lookups_into_their_users() -> None:
    assert inline(SUMMARY_MAIL) == (
        '1. summarize_pdf("Trial Protocol")\n'
        '2. compose_new_email(["Dr. Ferreira"], ["Nadia"], "Summary", "$1", [])\n'
        "3. join()\n"
    )


def test_expand_adds_one_lookup_per_name_and_keeps_literals() -> None:
    text = (
        '1. compose_new_email(["Ana", "bo@example.com", "ana"], [], "Hi", "", ["Deck.pdf", "/tmp/a.pdf"])\n'
        '2. send_sms(["Ana", "+44 7700 900461"], "Sent")\n'
        "3. join()"
    )
    assert expand(text) == (
        '1. get_email_address("Ana")\n'
        '2. open_and_get_file_path("Deck.pdf")\n'
        '3. compose_new_email(["$1", "bo@example.com", "$1"], [], "Hi", "", ["$2", "/tmp/a.pdf"])\n'
        '4. get_phone_number("Ana")\n'
        '5. send_sms(["$4", "+44 7700 900461"], "Sent")\n'
        "6. join()\n"
    )


def test_expand_renumbers_references_in_free_text_and_drops_empty_names() -> None:
    text = (
        '1. get_zoom_meeting_link("Sync", "2025-06-17 10:00:00", 60, ["Ana", ""])\n'
        '2. send_sms(["Bo"], "Link: $1")\n3. join()'
    )
    plan = expand(text)
    assert 'send_sms(["$3"], "Link: $2")' in plan and '["$1"])' in plan


def test_every_bank_plan_survives_inline_then_expand() -> None:
    bank = load_bank()
    failures = [e.id for e in bank.examples if not score_plan(expand(inline(e.plan)), e.plan).success]
    assert failures == []
    shrunk = sum(len(inline(e.plan).splitlines()) for e in bank.examples) / sum(
        len(e.plan.splitlines()) for e in bank.examples
    )
    assert shrunk < 0.85  # the inline form is what saves the small model its lookups


def test_not_a_plan_is_an_inline_plan_error() -> None:
    with pytest.raises(InlinePlanError):
        expand("1. compose_new_email(")


@pytest.mark.parametrize(
    ("lookup", "value", "needed"),
    [
        ("get_email_address", "Ana", True),
        ("get_email_address", "ana@example.com", False),
        ("get_phone_number", "07700 900461", False),
        ("get_phone_number", "Mum", True),
        ("open_and_get_file_path", "~/Documents/a.pdf", False),
        ("open_and_get_file_path", "Budget 2025", True),
        ("get_email_address", "  ", False),
    ],
)
def test_needs_lookup(lookup: str, value: str, needed: bool) -> None:
    assert needs_lookup(lookup, value) is needed


# --- query spans ------------------------------------------------------------------------------------


def test_spans_find_people_files_addresses_and_numbers() -> None:
    spans = query_spans(
        "Summarize 'Trial Protocol NX-47' and email it to Dr. Ferreira and Liam O'Connor on Monday, "
        "cc zainab.h@lumenlabs.ai, then text 07700 900461"
    )
    assert spans.quoted == ("Trial Protocol NX-47",)
    assert spans.names == ("Dr. Ferreira", "Liam O'Connor")  # not "Summarize", not "Monday"
    assert spans.emails == ("zainab.h@lumenlabs.ai",)
    assert spans.phones == ("07700 900461",)
    assert spans.for_lookup("get_phone_number") == ("Dr. Ferreira", "Liam O'Connor", "07700 900461")
    assert spans.for_lookup("open_and_get_file_path")[0] == "Trial Protocol NX-47"


def test_file_spans_are_quoted_or_look_like_files_never_people() -> None:
    spans = query_spans("Summarize Project Proposal.pdf, attach budget_v2.xlsx and the Q3 Budget deck for Ana")
    assert spans.for_lookup("open_and_get_file_path") == ("Project Proposal.pdf", "Q3 Budget", "budget_v2.xlsx")
    assert query_spans("Email Nadia the notes").for_lookup("open_and_get_file_path") == ()


@pytest.mark.parametrize(
    ("query", "files"),
    [
        ("tl;dr insurance claim.pdf into a new note", ("insurance claim.pdf",)),
        ("Could you sumamrize resume.pdf, please?", ("resume.pdf",)),
        ("summerise warranty terms.pdf and reply with it", ("warranty terms.pdf",)),
        ("it's Yosemite... I mean Pinnacles route guide.pdf", ("Pinnacles route guide.pdf",)),
        ("pop patent draft v2.pdf open and email it", ("patent draft v2.pdf",)),
        ("attach the summer schedule.pdf", ("summer schedule.pdf",)),
    ],
)
def test_a_file_named_without_quotes_starts_after_the_words_about_it(query: str, files: tuple[str, ...]) -> None:
    assert query_spans(query).files == files


def test_a_name_is_not_the_end_of_a_word_before_it() -> None:
    assert query_spans("email it to my cofounder Idris").names == ("Idris",)
    assert query_spans("forward this to my co-founder Olu Adebayo-Smith").names == ("Olu Adebayo-Smith",)
    assert query_spans("Invite Ms. van der Berg").names == ("Ms. van der Berg",)


def test_spans_drop_sentence_starts_and_possessives() -> None:
    assert query_spans("Invite Philippa, Osric and Ms. van der Berg to Leopold's party").names == (
        "Philippa",
        "Osric",
        "Ms. van der Berg",
        "Leopold",
    )
    assert query_spans("remind me to water the plants").names == ()
    assert query_spans("Forward it to the team: Ines, Mateo and Sunniva").names == ("Ines", "Mateo", "Sunniva")


@pytest.mark.parametrize(
    ("query", "names"),
    [
        (
            "whats the quickest way to Tilden Park by car and can you text harriet im on my way",
            ("Tilden Park", "Harriet"),
        ),
        ("text mum and dad that we've landed in Faro", ("Mum", "Dad", "Faro")),
        ("forward this email to beatriz", ("Beatriz",)),
        ("driving directions to Lake Chabot and text the route to my brother keanu", ("Lake Chabot", "Keanu")),
        ("send hiroshi a text that his package was delivered", ("Hiroshi",)),
        ("whats wren's number", ("Wren",)),
        ("zoom me and joaquín friday at 8 for the sprint demo", ("Joaquín",)),
        ("email it to ms. quinlan at the letting agency", ("Ms. Quinlan",)),
        ("zoom with mr. okafor-grant and ms. pryce-jones on the 24th", ("Mr. Okafor-Grant", "Ms. Pryce-Jones")),
        ("which number do I have saved for the plumber", ("Plumber",)),
        ("email my dad the quote", ("Dad",)),
        # not people: pronouns, nouns after "a text", verbs after "to", files, plurals, addresses
        ("text them the link and tell her to check her inbox", ()),
        ("Please send Kwame a text wishing them good luck", ("Kwame",)),
        ("email solar panel quote.pdf to my brother Rupert", ("Rupert",)),
        ("book dinner with clients on Friday", ()),
        ("email support@fitbit.com about my tracker", ()),
        ("I need the email adderss of Chloe Martin", ("Chloe Martin",)),
    ],
)
def test_people_written_in_lower_case_where_only_a_person_stands(query: str, names: tuple[str, ...]) -> None:
    assert query_spans(query).names == names


# --- skeletons ----------------------------------------------------------------------------------------


def test_skeleton_keeps_tools_and_wiring_not_values() -> None:
    skeleton = skeleton_of(SUMMARY_MAIL)
    assert skeleton == Skeleton((SkeletonLine("summarize_pdf"), SkeletonLine("compose_new_email", ((3, (1,)),))))
    assert skeleton.tools == {"summarize_pdf", "compose_new_email"}


def test_a_step_said_within_a_text_becomes_the_whole_text() -> None:
    shared = (
        '1. maps_show_directions("", "SFO", "d")\n2. get_phone_number("Bo")\n3. send_sms(["$2"], "Here: $1")\n4. join()'
    )
    skeleton = skeleton_of(shared)
    assert skeleton.lines[1] == SkeletonLine("send_sms", ((1, (1,)),))  # inline form: the lookup is inlined
    grammar = skeleton_grammar(skeleton, ALL, read_values("text Bo directions to SFO", NOW))
    assert '"\\"$1\\""' in grammar  # the directions are the message, not "here are directions: $X"
    two = '1. maps_open_location("A")\n2. maps_open_location("B")\n3. send_sms(["5"], "$1 or $2")\n4. join()'
    assert skeleton_of(two).lines[2] == SkeletonLine("send_sms")  # two steps in one text: left to the model


def test_skeleton_key_ignores_the_order_of_independent_lines() -> None:
    a = skeleton_of('1. maps_open_location("A")\n2. create_reminder("x", "", "", "", 0, True)\n3. join()')
    b = skeleton_of('1. create_reminder("y", "", "", "", 0, True)\n2. maps_open_location("B")\n3. join()')
    c = skeleton_of('1. maps_open_location("A")\n2. join()')
    assert a != b and a.key() == b.key() != c.key()


def test_skeleton_grammar_fixes_tools_and_offers_only_query_spans_for_names() -> None:
    values = read_values("Summarize 'Trial Protocol' and send it to Dr. Ferreira", NOW)
    grammar = skeleton_grammar(skeleton_of(SUMMARY_MAIL), ALL, values)
    assert '"1. summarize_pdf("' in grammar and '"2. compose_new_email("' in grammar
    assert '"\\"$1\\""' in grammar  # the summary's reference is fixed text
    assert "Nadia" not in grammar and '"\\"Dr. Ferreira\\""' in grammar
    assert grammar.splitlines()[0].endswith('"3. join()"')


def test_name_lists_never_repeat_an_item() -> None:
    from llama_cpp import LlamaGrammar

    values = read_values("Forward this to Ana or Bo", NOW)
    skeleton = skeleton_of('1. get_email_address("A")\n2. forward_email(["$1"], [], "", [])\n3. join()')
    grammar = skeleton_grammar(skeleton, ALL, values)
    assert 'nl0-1 ::= "" | ", " ("\\"Bo\\"" nl0-3)' in grammar and 'nl0-3 ::= ""' in grammar
    LlamaGrammar.from_string(grammar, verbose=False)  # llama.cpp accepts it


def test_lists_the_request_fills_are_not_left_empty() -> None:
    from llama_cpp import LlamaGrammar

    values = read_values("Reply and cc Bronwyn and Tariq, attaching the 'Stage Lighting Cue Sheet'", NOW)
    skeleton = skeleton_of('1. reply_to_email(["a@b.c"], "", ["x.pdf"])\n2. join()')
    grammar = skeleton_grammar(skeleton, ALL, values)
    line = next(r for r in grammar.splitlines() if r.startswith("line1"))
    assert '"[" "\\"Bronwyn\\"" ", " "\\"Tariq\\"" "]"' in line  # everyone said for cc, in order
    assert line.endswith('"[" ("\\"Stage Lighting Cue Sheet\\"" nl0-1) "]" ")\\n"')  # at least one file
    LlamaGrammar.from_string(grammar, verbose=False)
    plain = skeleton_grammar(skeleton, ALL, read_values("Reply with the 'Cue Sheet' please", NOW))
    assert re.search(r'\("\\"Cue Sheet\\"" nl\d+-1\)\? "\]"', plain)  # not said to attach: may stay empty
    event = skeleton_of(
        '1. create_calendar_event("x", "2025-06-20 10:00:00", "2025-06-20 11:00:00", "", ["a"], "", None)\n2. join()'
    )
    forward = read_values("Forward this to Dorothea and put the gallery opening on June 27 on my calendar", NOW)
    assert '"[]"' in next(r for r in skeleton_grammar(event, ALL, forward).splitlines() if r.startswith("line1"))
    invite = read_values("Put the gallery opening on June 27 on my calendar and invite Dorothea", NOW)
    assert "Dorothea" in skeleton_grammar(event, ALL, invite)
    mail = skeleton_of('1. compose_new_email(["a@b.c"], [], "s", "", ["x.pdf"])\n2. join()')
    summary = read_values("summarize onboarding guide.pdf and email it to Yusuf", NOW)
    assert next(r for r in skeleton_grammar(mail, ALL, summary).splitlines() if r.startswith("line1")).endswith(
        '"[]" ")\\n"'
    )  # the summary goes, not the file
    both = read_values("summarize onboarding guide.pdf and email it to Yusuf with the file attached", NOW)
    assert "onboarding guide.pdf" in skeleton_grammar(mail, ALL, both)


def test_names_said_together_are_one_party() -> None:
    skeleton = skeleton_of('1. compose_new_email(["a@b.c"], [], "s", "", [])\n2. join()')
    values = read_values("Show me the drive to Lake Tahoe and email Isadora and Magnus the route", NOW)
    assert values.spans.together == (("Isadora", "Magnus"),)
    line = next(r for r in skeleton_grammar(skeleton, ALL, values).splitlines() if r.startswith("line1"))
    assert '"[" ("\\"Isadora\\"" ", " "\\"Magnus\\"" nl0-1) "]"' in line  # both: a message names its recipients
    apart = read_values("Text Ambrose and email Clementine that the alarm went off", NOW)
    assert apart.spans.together == ()  # "and email" between them: two parties
    zoom = skeleton_of('1. get_zoom_meeting_link("t", "2025-06-23 11:00:00", 60, ["a@b.c"])\n2. join()')
    call = read_values("Schedule a zoom call with Ravi Shankar and Odile Martin next Monday at 11", NOW)
    line = next(r for r in skeleton_grammar(zoom, ALL, call).splitlines() if r.startswith("line1"))
    assert line.endswith('"[" ("\\"Ravi Shankar\\"" ", " "\\"Odile Martin\\"" nl0-1) "]" ")\\n"')  # "with": one


def test_date_parameters_take_only_dates() -> None:
    skeleton = skeleton_of('1. create_reminder("x", "2025-06-17", "", "", 0, True)\n2. join()')
    line = next(r for r in skeleton_grammar(skeleton, ALL, read_values("x", NOW)).splitlines() if r.startswith("line1"))
    assert '"1. create_reminder(" str ", " (datetime | date) ", " str' in line


def test_disabled_lookup_leaves_only_literal_values() -> None:
    no_contacts = ALL.select(apps=["mail"])  # no contacts, no files: names cannot be looked up
    values = read_values("Email the deck to Ana and ana@example.com", NOW)
    skeleton = skeleton_of('1. compose_new_email(["a@b.c"], [], "s", "", [])\n2. join()')
    grammar = skeleton_grammar(skeleton, no_contacts, values)
    assert '"\\"ana@example.com\\""' in grammar and 'Ana\\"' not in grammar


@pytest.fixture(scope="module")
def tiny_planner(tiny_gguf: Path) -> Planner:
    return Planner(load_tiny_backend(tiny_gguf), get_chat_format("chatml"))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'s", ""))


def test_a_place_the_reader_missed_is_still_a_run_of_the_request_s_words(tiny_planner: Planner) -> None:
    """A random model is the harshest test: whatever it writes must be the request's own words, in order."""
    query = "find me a pharmacy nearby, on Dolores St. on the map"
    assert read_values(query, NOW).places == ()  # nothing the reader knows: the model chooses the words
    guide = PlanGuide(skeleton_of('1. maps_open_location("Pillar Market")\n2. join()'), ())
    said = " ".join(_words(query))
    for seed in range(4):
        finished = asyncio.run(tiny_planner.plan(PlanRequest(query, ALL, NOW, guide=guide, seed=seed)))
        assert finished.outcome.plan is not None, finished.outcome.errors
        place = str(finished.outcome.plan.actions[0].args[0])
        assert place and f" {' '.join(_words(place))} " in f" {said} ", place


def test_a_file_no_span_names_is_still_a_run_of_the_request_s_words() -> None:
    """No file reads as one ("the pdf vendor agreement"): the model had opened "vendor contract.pdf"."""
    values = read_values("Summarize the pdf vendor agreement", NOW)
    assert values.spans.files == ()
    skeleton = skeleton_of('1. open_and_get_file_path("x.pdf")\n2. summarize_pdf("$1")\n3. join()')
    grammar = skeleton_grammar(skeleton, ALL, values)
    line = next(r for r in grammar.splitlines() if r.startswith("line1"))
    assert " str" not in line and "qs0" in line, line
    assert 'qs3 ::= [vV] "endor" (" " qs4)?' in grammar


def test_a_new_note_may_be_named_in_words_the_request_does_not_use() -> None:
    grammar = skeleton_grammar(skeleton_of('1. create_note("x", "y", "")\n2. join()'), ALL, read_values("jot: P2", NOW))
    line = next(r for r in grammar.splitlines() if r.startswith("line1"))
    assert line.startswith('line1 ::= "1. create_note(" str ", "'), line


def test_random_model_under_the_skeleton_grammar_writes_the_skeleton(tiny_planner: Planner) -> None:
    query = "Summarize 'Trial Protocol' and email the summary to Dr. Ferreira with Nadia in cc"
    guide = PlanGuide(skeleton_of(SUMMARY_MAIL), ((query, SUMMARY_MAIL),))
    for seed in range(3):
        req = PlanRequest(query, ALL, NOW, guide=guide, seed=seed, max_tokens=400)
        finished = asyncio.run(tiny_planner.plan(req))
        assert finished.valid, finished.outcome.errors
        plan = finished.outcome.plan
        assert plan is not None
        assert skeleton_of(finished.raw).key() == guide.skeleton.key()
        names = {t.args[0] for t in plan.actions if t.tool == "get_email_address"}
        assert names <= {"Dr. Ferreira", "Nadia"}  # never an invented name


@pytest.mark.parametrize(
    ("query", "tool", "things"),
    [
        ("Grab the phone numbers of Leocadia, Tomasz and Wren", "get_phone_number", ["Leocadia", "Tomasz", "Wren"]),
        ("What are the email addresses of Mireille Dubois and Kwame Asante?", "get_email_address",
         ["Mireille Dubois", "Kwame Asante"]),
        ("Open the 'Book club picks' note and the 'Podcast queue' note", "open_note",
         ["Book club picks", "Podcast queue"]),
        ("Summaries of 'Bid A Harrow' and 'Bid B Kestrel' please", "summarize_pdf", ["Bid A Harrow", "Bid B Kestrel"]),
        ("whats wren's number", "get_phone_number", None),  # one thing: the skeleton stays
        ("TLDR on MRI report.pdf", "summarize_pdf", None),  # "MRI" is inside the file's name: one file
        ("Open Apple Park in Maps", "maps_open_location", None),  # places are not counted ("Maps")
    ],
)  # fmt: skip
def test_a_skeleton_of_one_repeatable_line_gets_a_line_per_thing_named(
    query: str, tool: str, things: list[str] | None
) -> None:
    from tinyagent.plans.counts import counted

    one = Skeleton((SkeletonLine(tool),))
    result = counted(one, query, ALL)
    if things is None:
        assert result is one
    else:
        assert [line.tool for line in result.lines] == [tool] * len(things)
        assert [line.given[0][1] for line in result.lines] == things
    mixed = Skeleton((SkeletonLine(tool), SkeletonLine("create_note")))
    assert counted(mixed, query, ALL) is mixed  # only skeletons of copies of one line


def test_counted_lines_are_written_with_their_own_thing(tiny_planner: Planner) -> None:
    from tinyagent.plans.counts import counted

    query = "Grab the phone numbers of Leocadia, Tomasz and Wren"
    plan = '1. get_phone_number("Leocadia")\n2. join()<END_OF_PLAN>'
    guide = PlanGuide(counted(skeleton_of(plan), query, ALL), ((query, plan),))
    finished = asyncio.run(tiny_planner.plan(PlanRequest(query, ALL, NOW, guide=guide, seed=1, max_tokens=200)))
    assert finished.outcome.plan is not None, finished.outcome.errors
    assert [tuple(t.args) for t in finished.outcome.plan.actions] == [("Leocadia",), ("Tomasz",), ("Wren",)]


@pytest.mark.parametrize(
    ("query", "clauses"),
    [
        ("Open the 'Tide tables' pdf and show me the way to Kynance Cove by car",
         ("Open the 'Tide tables' pdf", "show me the way to Kynance Cove by car")),
        ("Pull up Lake Bled on the map and also show the route from Ljubljana by car",
         ("Pull up Lake Bled on the map", "show the route from Ljubljana by car")),
        # not independent: a later clause points back, or is a note's content, or too short to be a command
        ("Create a Zoom called 'Club' for Thursday at 7pm and email the link to Hollis", None),
        ("Find the file named 'bees' and open it", None),
        ("make a new note: my goals: run 3 times, finish chapter 2, call grandma", None),
        ("hey, remind me to renew my passport tomorrow", None),
        ("Email Bettina and Rosco the address of the market", None),  # "Rosco" is no command
        # what a message says does not point back; "put ... on cc" is part of the email
        ("add 'buy a new kettle' to my tasks and email Priya that I'm on it",
         ("add 'buy a new kettle' to my tasks", "email Priya that I'm on it")),
        ("Write to Oscar to say I'll be out sick today; put Ines Duarte on cc.", None),
    ],
)  # fmt: skip
def test_independent_clauses(query: str, clauses: tuple[str, ...] | None) -> None:
    from tinyagent.plans.clauses import independent_clauses

    assert independent_clauses(query) == (clauses or (query,))


@pytest.mark.parametrize(
    ("query", "pipe"),
    [
        ("search my bookmarks for hiking and save the results in a note called Trail ideas",
         ("search my bookmarks for hiking", "save the results in a note called Trail ideas")),
        ("what time is it in Lisbon? text it to Ana", ("what time is it in Lisbon?", "text it to Ana")),
        ("car directions from SFO to the Marriott Marquis, then email them to Dad",
         ("car directions from SFO to the Marriott Marquis", "email them to Dad")),
        ("list my finished tasks and put them in a note called Done this week",
         ("list my finished tasks", "put them in a note called Done this week")),
        ("tick off 'water the plants' and then list what's still open", None),  # independent
        # the back-reference is the text's own words, or where the content goes
        ("Remind me to submit the expense report at 8am and text Elena Petrova that I'm on it", None),
        ("forward the open email to Dawit and text him it's on the way", None),
        ("Show me the 'Choir Seating' note, add 'Altos move to row 2' to it", None),
    ],
)  # fmt: skip
def test_piped_clauses(query: str, pipe: tuple[str, str] | None) -> None:
    from tinyagent.plans.clauses import piped_clauses

    assert piped_clauses(query) == pipe


def test_a_piped_command_takes_the_first_ones_result_as_its_content() -> None:
    from tinyagent.plans.composed import piped

    first = skeleton_of('1. summarize_pdf("report.pdf")\n2. join()<END_OF_PLAN>')
    second = skeleton_of('1. get_phone_number("Mom")\n2. send_sms(["$1"], "hi")\n3. join()<END_OF_PLAN>')
    joined = piped(first, second, {"send_sms": 1})
    assert joined is not None
    # The inline form (the number lookup lives in send_sms's recipients): the text is the summary.
    assert [(line.tool, line.refs) for line in joined.lines] == [("summarize_pdf", ()), ("send_sms", ((1, (1,)),))]
    assert piped(first, second, {"compose_new_email": 3}) is None  # nothing in the second takes content


def test_independent_commands_get_each_their_skeleton(ranker: SkeletonRanker) -> None:
    query = "Remind me to pay rent on Friday and open the 'Lease 2025' file"
    whole = ranker._best(query, ALL, 4)
    assert whole is not None and [line.tool for line in whole.skeleton.lines] == ["create_reminder"]  # one dropped
    guide = ranker.guide(query, ALL)
    assert guide is not None and whole.skeleton.tools < guide.skeleton.tools
    clauses = [
        ranker._best(clause, ALL, 2) for clause in ("Remind me to pay rent on Friday", "open the 'Lease 2025' file")
    ]
    assert [line.tool for line in guide.skeleton.lines] == [
        line.tool for c in clauses if c for line in c.skeleton.lines
    ]
    assert all(not line.refs for line in guide.skeleton.lines)  # independent commands, no wiring
    assert guide.shots and all(shot in [s for c in clauses if c for s in c.shots] for shot in guide.shots)
    one = ranker.guide("Open the 'Lease 2025' file and email it to Ana", ALL)  # points back: one clause
    assert one == ranker._best("Open the 'Lease 2025' file and email it to Ana", ALL, 4)


def test_concatenated_skeletons_renumber_their_references() -> None:
    from tinyagent.plans.composed import concatenated

    first = skeleton_of(SUMMARY_MAIL)
    both = concatenated([first, first])
    assert len(both.lines) == 2 * len(first.lines)
    offset = len(first.lines)
    for a, b in zip(first.lines, both.lines[offset:], strict=True):
        assert b.refs == tuple((n, tuple(r + offset for r in refs)) for n, refs in a.refs)


ZOOM_AND_EVENT = (
    '1. get_zoom_meeting_link("Standup", "2025-06-20 09:15:00", 30, [])\n'
    '2. create_calendar_event("Standup", "2025-06-20 09:15:00", "2025-06-20 09:45:00", "$1", [], "", None)\n'
    '3. create_reminder("Standup", "2025-06-20 09:00:00", "$1", "", 0, False)\n4. join()<END_OF_PLAN>'
)


def test_a_calendar_event_from_a_zoom_link_needs_the_request_to_ask_for_it() -> None:
    from tinyagent.plans.asked import without_unasked

    skeleton = skeleton_of(ZOOM_AND_EVENT)
    dropped = without_unasked(skeleton, "Make me a zoom link for the standup at 9:15 on Friday and remind me")
    assert [line.tool for line in dropped.lines] == ["get_zoom_meeting_link", "create_reminder"]
    assert dropped.lines[1].refs == ((2, (1,)),)  # renumbered: still the link
    for asked in ("Zoom for the standup on Friday, put it on my calendar", "schedule a zoom standup Friday 9:15"):
        assert without_unasked(skeleton, asked) is skeleton


def _requests_and_tools() -> list[tuple[str, frozenset[str]]]:
    bank = load_bank()
    rows = [(e.query, e.tools) for e in (*bank.bank, *bank.heldout)]
    for line in (Path(__file__).parents[1] / "server/tinyagent/eval/data/dev.jsonl").read_text().splitlines():
        record = json.loads(line)
        rows.append((record["query"], frozenset(re.findall(r"(\w+)\(", record["plan"])) - {"join"}))
    return rows


def test_no_bank_or_dev_request_is_refused_a_write_it_asks_for() -> None:
    from tinyagent.plans.asked import unasked_writes

    refused = [(query, tools & unasked_writes(query)) for query, tools in _requests_and_tools()]
    assert [r for r in refused if r[1]] == []
    assert len(refused) > 1000


@pytest.mark.parametrize(
    ("query", "unasked", "asked"),
    [
        ("Reply to this message with the location of the Hotel Sacher", {"send_sms", "forward_email"}, set()),
        ("Add Temperance's email to my 'Wedding vendors' note", {"compose_new_email", "create_note"}, set()),
        ("Send the 'Essay' to Ms. Lowe, then remind me to check for a reply", {"reply_to_email"}, {"create_reminder"}),
        ("Reply to the selected email with a Zoom link", {"compose_new_email"}, {"get_zoom_meeting_link"}),
        ("Copy the summary into my existing note 'Q3 planning'", {"create_note"}, set()),
        ("Can you remnid me to call Bo? And emial Ann about it", set(), {"create_reminder", "compose_new_email"}),
        ("Jot down a note: ferry at 9", set(), {"create_note"}),
        ("Do I have an email for Tomás Herrera?", {"compose_new_email"}, set()),
        ("Remind Dev by text that he owes me for the tickets", {"create_reminder"}, {"send_sms"}),
        ("write to support@fitbit.com about my tracker", {"create_note", "append_note_content"}, {"compose_new_email"}),
        ("Write down my parking spot: level P2", set(), {"create_note"}),
        ("add to my Garden Log: planted the beans", set(), {"append_note_content"}),
        ("Email Q2 board deck.pdf to Priya Nair", {"summarize_pdf"}, {"compose_new_email"}),
        ("whats the summery of mortgage offer.pdf", set(), {"summarize_pdf"}),
        ("what is insurance policy.pdf about?", set(), {"summarize_pdf"}),
        ("Get me Liam O'Connor's work email.", {"compose_new_email"}, set()),
        ("Write a personal email to Sam about Sunday", set(), {"compose_new_email"}),
        ("read my Podcast Ideas note", {"create_note", "append_note_content"}, set()),
        ("open my Recipes note and then add miso salmon to it", {"create_note"}, {"append_note_content"}),
        ("Read my notes from today's call and make a new note with the action items", set(), {"create_note"}),
        ("add 'email the landlord' to my tasks, due Thursday", {"compose_new_email"}, set()),  # quoted: what to write
        ("what did I write in the note called Book Club?", {"create_note", "append_note_content"}, set()),
        ("I need Omar's email, I want to write to him later", {"compose_new_email"}, set()),  # he will, later
        ("is there a reminder list called Chores?", {"create_reminder"}, set()),
        ("Is there a note on the boiler? If not, make a note: boiler serviced in May", set(), {"create_note"}),
        ("note that the boiler was serviced today", {"append_note_content"}, {"create_note"}),
        ("did Laura reply to my email?", {"reply_to_email", "compose_new_email"}, set()),
        ("Has Sam texted back? Text him again that we leave at 6", {"reply_to_email"}, {"send_sms"}),
        ("append the tracking number to Orders", set(), {"append_note_content"}),
        ("find the number I should text for Bella", {"send_sms"}, set()),
        ("where is the venue for Friday's event, the Fillmore?", {"create_calendar_event"}, set()),
        ("directions to the calendar shop on Valencia St", {"create_calendar_event"}, set()),
        ("open the note where I keep my reminders", {"create_reminder"}, set()),
        ("ask me before sending anything: what's Lara's email?", {"compose_new_email", "send_sms"}, set()),
        ("pull up budget.xlsx, don't send it to anyone yet", {"compose_new_email", "send_sms"}, set()),
        ("Text Bo: where are you?", set(), {"send_sms"}),
        ("Team sync Friday 3pm with Ana", set(), {"create_calendar_event"}),
        ("How about texting Bo that we're late?", set(), {"send_sms"}),
        ("When you get a chance, could you text Bo where we are?", set(), {"send_sms"}),
        ("cancel my 3pm meeting", {"create_calendar_event"}, set()),
        ("move the dentist reminder to Friday", {"create_reminder"}, set()),
        ("Reschedule my call with Bo to Friday and text him the new time", {"create_calendar_event"}, {"send_sms"}),
        ("summarise thesis.pdf, I'll email it to my advisor myself", {"compose_new_email"}, {"summarize_pdf"}),
        ("Text Quentin: remind me to call you tomorrow", {"create_reminder"}, {"send_sms"}),
        ("note to self: call the plumber and email the landlord", {"compose_new_email"}, {"create_note"}),
        ("add to my Ideas note: an app that texts you when the bus is late", {"send_sms"}, {"append_note_content"}),
        ("Two things: remind me to call mom, and text Bo that I'm late", set(), {"create_reminder", "send_sms"}),
        ("Text Bo at 10:30 that I'm late, and remind me at 11 to call him", set(), {"create_reminder", "send_sms"}),
        ("add 'reply to Jan' to my to-do list", {"append_note_content", "reply_to_email"}, {"create_reminder"}),
        ("add milk to groceries note", {"create_note"}, {"append_note_content"}),
        ("put the summary in a new note", set(), {"create_note"}),
        ("The meeting notes are in sync notes.pdf. Summarize them for me.", {"create_note"}, {"summarize_pdf"}),
        ("what's Rosa's email? she asked me to send her the photos", {"compose_new_email", "send_sms"}, set()),
        (
            "Set a reminder for the parent-teacher meeting on Thursday at 6pm",
            {"create_calendar_event"},
            {"create_reminder"},
        ),
        # tuning sets 11 and 12: what was done, what is not wanted, what someone's text or calendar says
        ("Dagny emailed me about the budget, make a note saying call her back", {"compose_new_email"}, {"create_note"}),
        ("I already texted Calle so just put the dinner on my calendar", {"send_sms"}, {"create_calendar_event"}),
        ("Asta is texting me a lot, what's her email", {"send_sms", "compose_new_email"}, set()),
        ("no need for a reminder, just add the dentist to my calendar at 10am", {"create_reminder"}, set()),
        ("write an email to Dag, no need to text him too", {"send_sms"}, {"compose_new_email"}),
        ("Hedda never got my text. can you email her that it's at noon", {"send_sms"}, {"compose_new_email"}),
        ("I might need a zoom with Rasmus later, what's his email?", {"get_zoom_meeting_link"}, set()),
        ("My calendar says I've a meeting with Greta at 3, text her I'm late", {"create_calendar_event"}, {"send_sms"}),
        ("Text Bo that I'm late, no reminder and text Ann too", set(), {"send_sms"}),
        ("I'd like a summary of audit.pdf emailed to Piet", set(), {"compose_new_email", "summarize_pdf"}),
        ("If Arvid emails about the lease, what should I reply?", {"reply_to_email", "compose_new_email"}, set()),
        ("If Bo is late, text him: where are you?", set(), {"send_sms"}),
        ("is the zoom for Monday's retro already set up?", {"get_zoom_meeting_link"}, set()),
        ("Is it possible to text Bo that I'm late?", set(), {"send_sms"}),
        # a channel named (tuning set 15)
        ("Let John know by email that the meeting moved to 3pm", {"send_sms"}, {"compose_new_email"}),
        ("Forward the Quarterly Report to Jane by text", {"forward_email", "compose_new_email"}, {"send_sms"}),
        ("forward this to Hana and let her know by text it's urgent", {"compose_new_email"}, {"forward_email"}),
        ("Text Bo the address and send the photos by email", set(), {"send_sms", "compose_new_email"}),
        # a message that tells of an event asks for the message (tuning set 17)
        ("Tell Rose the party is at 8pm on Saturday", {"create_calendar_event"}, {"send_sms"}),
        ("There's a team lunch Friday at noon, email Nick about it", {"create_calendar_event"}, {"compose_new_email"}),
        ("The book club meets Wednesday at 7pm. Email the details to Dara", {"create_calendar_event"}, set()),
        ("email Hope the agenda for Thursday's workshop at 2pm", {"create_calendar_event"}, {"compose_new_email"}),
        ("Text Bo and put a 30 min hold on Friday at 2 with him", set(), {"send_sms", "create_calendar_event"}),
        ("reply with lease.pdf and put move-in day on my calendar July 1", set(), {"create_calendar_event"}),
        ("email Ann and book a table for Friday at 7pm", set(), {"compose_new_email", "create_calendar_event"}),
        # what a message says is content (tuning set 18)
        ("text Lena that her reminder to call the bank is tomorrow", {"create_reminder"}, {"send_sms"}),
        ("let Suki know the calendar for next week is full", {"create_calendar_event"}, {"send_sms"}),
        ("tell Fay the call with the client moved to 4pm Friday", {"create_calendar_event"}, {"send_sms"}),
        ("email Wes the meeting invite I got from HR", {"create_calendar_event"}, {"compose_new_email"}),
        ("text Bo that I'm late and remind me to call him at 5", set(), {"send_sms", "create_reminder"}),
        ("tell Bo the meeting is at 3 and add it to my calendar", set(), {"send_sms", "create_calendar_event"}),
        ("I need to tell Sam that the meeting moved, remind me at 5pm", set(), {"create_reminder"}),
        # read against the rules after review: events made beside a message, content that ends, channels after it
        ("Email Nick the slides and add the team lunch at Zazie tomorrow 12:30", set(), {"create_calendar_event"}),
        ("Text Ana I'm in, and put dinner with her on Friday at 7pm", set(), {"create_calendar_event", "send_sms"}),
        ("Tell Bo I'm late; remind me to call him at 5", set(), {"create_reminder", "send_sms"}),
        ("Text Bo that I'm late and I need a reminder at 5pm", set(), {"create_reminder"}),
        ("Let John know the meeting moved by email", {"send_sms"}, {"compose_new_email"}),
        ("Text Bo the flight number I got by email", set(), {"send_sms"}),
        ("Email Ana the notes in a text file", set(), {"compose_new_email"}),
        ("Summarize report.pdf and let me know the key points", {"send_sms", "compose_new_email"}, set()),
        # a message beside an event or a reminder asked in other words (tuning set 20)
        (
            "Text Ingrid that the plumber comes at 9, and block that morning in my calendar",
            set(),
            {"create_calendar_event"},
        ),
        ("Let Oona know by text that rehearsal moved, then nudge me at 5:30 to leave", set(), {"create_reminder"}),
        (
            "Email Fenna the minutes and line up a follow-up with her next Tuesday at 10",
            set(),
            {"create_calendar_event"},
        ),
        ("Send Priya a text saying the kickoff is Monday at 10", {"compose_new_email"}, {"send_sms"}),
        ("Send Matthias an email confirming lunch Wednesday at 12:30", {"send_sms"}, {"compose_new_email"}),
        ("email Signe the agenda and add the meeting to my calendar", {"append_note_content"}, {"compose_new_email"}),
        (
            "Drop Tobiah a line that it's approved, and make me a to-do to send the invoice",
            {"send_sms"},
            {"create_reminder"},
        ),
        ("remind me Friday to email Lars that the deck is ready", {"compose_new_email"}, {"create_reminder"}),
        ("don't let me forget to tell Mona the keys are under the mat", {"send_sms"}, {"create_reminder"}),
        ("Don't forget to email Ana the slides", set(), {"compose_new_email"}),
        # what a text says, a message called a reminder or a note, an invite sent (tuning sets 21, 22)
        ("Text Greta the wifi password is in the 'House' note", {"create_note"}, {"send_sms"}),
        ("Text Vidar to remember his passport for the trip Friday", {"create_reminder"}, {"send_sms"}),
        ("text Ivo the zoom link for tomorrow's 10am sync", set(), {"get_zoom_meeting_link", "send_sms"}),
        # telling him, her or them beside another message is what it says (tuning set 24)
        ("Forward this to Ana and tell her it's urgent", {"send_sms"}, {"forward_email"}),
        ("Email Pax and Rue the 'Schedule' file and tell them to bring ID", {"send_sms"}, {"compose_new_email"}),
        ("reply to this one and let them know the check is in the mail", {"send_sms"}, {"reply_to_email"}),
        ("forward this to Hana and let her know by text it's urgent", set(), {"forward_email", "send_sms"}),
        ("Reply to Gil and also text him that I replied", set(), {"reply_to_email", "send_sms"}),
        ("Tell her I'm on my way", set(), {"send_sms"}),
        (
            "Send a reminder to Ottilie by email that the invoice is due Friday",
            {"create_reminder"},
            {"compose_new_email"},
        ),
        ("send me a reminder tomorrow at 9 to pay rent", set(), {"create_reminder"}),
        ("Drop Ana a quick note by email that I'm running late", {"create_note"}, {"compose_new_email"}),
        ("Write down a note that the boiler was serviced", set(), {"create_note"}),
        (
            "Send Dalia a calendar invite for lunch Friday at 1",
            {"compose_new_email", "send_sms"},
            {"create_calendar_event"},
        ),
        (
            "Add to my 'Calls' note: email Farah back about the lease",
            {"create_calendar_event"},
            {"append_note_content"},
        ),
        (
            "Email Klara the zoom link from my 'Standup' note",
            {"create_note", "get_zoom_meeting_link"},
            {"compose_new_email"},
        ),
    ],
)
def test_writes_need_words_that_ask_for_them(query: str, unasked: set[str], asked: set[str]) -> None:
    from tinyagent.plans.asked import unasked_writes

    found = unasked_writes(query)
    assert unasked <= found and not asked & found


@pytest.mark.parametrize(
    ("query", "tells"),
    [
        ("Tell Uma I booked the restaurant for 8pm", True),
        ("Text Greta the wifi password is in the 'House' note", True),
        ("remind me to tell Bo that the party is at 8", False),
        # what a note says tells no one (tuning set 22)
        ("Make a note called 'Gifts' with: a scarf for Hana, text Ida about sizes", False),
    ],
)
def test_a_request_tells_someone_only_outside_a_note_or_a_reminder(query: str, tells: bool) -> None:
    from tinyagent.plans.asked import told_writes

    assert bool(told_writes(query)) is tells


def test_a_skeleton_less_its_unasked_writes_keeps_what_feeds_the_rest() -> None:
    from tinyagent.plans.asked import without_writes

    both = skeleton_of(
        '1. open_and_get_file_path("Q2")\n2. summarize_pdf("$1")\n3. get_phone_number("Bo")\n'
        '4. send_sms(["$3"], "$2")\n5. get_email_address("Bo")\n6. compose_new_email(["$5"], [], "Q2", "$2", [])\n'
        "7. join()<END_OF_PLAN>"
    )
    # names and the file are inline: the summary, then two writes of it
    assert [line.tool for line in both.lines] == ["summarize_pdf", "send_sms", "compose_new_email"]
    less = without_writes(both, frozenset({"send_sms"}))
    assert less is not None and [line.tool for line in less.lines] == ["summarize_pdf", "compose_new_email"]
    assert less.lines[1].refs == both.lines[2].refs == ((3, (1,)),)  # still the summary
    # the summary only fed the two writes: nothing is left
    assert without_writes(both, frozenset({"send_sms", "compose_new_email"})) is None
    assert without_writes(skeleton_of(SUMMARY_MAIL), frozenset({"summarize_pdf"})) is None  # the e-mail needs it


def test_a_part_of_a_request_voted_only_unasked_writes_adds_nothing(ranker: SkeletonRanker) -> None:
    # The second clause alone reads as an event; the whole request asks for a reminder only.
    query = "the reminder about the car service was wrong, set a new one for Thursday at 8am"
    assert ranker._part("set a new one for Thursday at 8am", ALL, 2, frozenset({"create_calendar_event"})) is None
    guide = ranker.guide(query, ALL)
    assert guide is not None and "create_calendar_event" not in guide.skeleton.tools


def test_a_request_that_tells_someone_something_gets_a_message(ranker: SkeletonRanker) -> None:
    """Voted an event; with the event refused the next skeleton had been two look-ups (tuning set 18)."""
    from tinyagent.plans.asked import told_writes

    query = "tell Uma I booked the restaurant for 8pm"
    assert told_writes(query) >= {"send_sms"} and not told_writes("what's Uma's number?")
    # what the person will tell, later, is a reminder's or a note's (tuning set 19)
    assert not told_writes("set a reminder to let Jo know the results are in")
    assert not told_writes("make a note to tell Kim the wifi password")
    assert told_writes("I want you to tell Bo the party is at 8") >= {"send_sms"}
    assert not told_writes("Let me know what's in report.pdf")
    assert not told_writes("Tell me which file has the budget numbers that Ana sent")
    guide = ranker.guide(query, ALL)
    assert guide is not None and guide.skeleton.tools & {"send_sms", "compose_new_email"}
    assert "create_calendar_event" not in guide.skeleton.tools


def test_ranker_leaves_out_skeletons_that_write_what_was_not_asked(ranker: SkeletonRanker) -> None:
    query = "Reply to this message with the location of the Hotel Sacher so they know where dinner is"
    whole = ToolSet.all()
    guide = ranker.guide(query, whole)
    assert guide is not None and not {"send_sms", "compose_new_email"} & guide.skeleton.tools
    # With only unasked writes enabled, those are still offered: a plan beats none.
    only_sms = whole.select(tools=["send_sms", "get_phone_number"])
    assert ranker.guide(query, only_sms) is not None


def test_guided_prompt_is_a_raw_completion_with_inline_examples() -> None:
    guide = PlanGuide(skeleton_of(SUMMARY_MAIL), (("q1", SUMMARY_MAIL), ("q2", SUMMARY_MAIL)))
    prompt = guided_prompt("Summarize X for Bo", guide, ALL, NOW, ("Be brief.",))
    assert prompt.startswith("Tools:\nsummarize_pdf(pdf_path: str) -> str\ncompose_new_email(")
    assert "Today is Monday 2025-06-16 09:00.\nBe brief.\n" in prompt
    assert prompt.index("Question: q2") < prompt.index("Question: q1")  # the most similar is nearest
    assert prompt.endswith("###\nQuestion: Summarize X for Bo\n") and "get_email_address" not in prompt
    assert guided_grammar("Summarize X for Bo", guide, ALL, NOW).count("::=") >= 6


def test_guided_plan_request_uses_the_skeleton_grammar(tiny_planner: Planner) -> None:
    seen: list[GenerationParams] = []
    backend = tiny_planner._generator  # wrap the real backend to record its params
    original = backend.generate

    def recording(prompt: str, params: GenerationParams):  # type: ignore[no-untyped-def]
        seen.append(params)
        return original(prompt, params)

    backend.generate = recording  # type: ignore[method-assign]
    try:
        guide = PlanGuide(skeleton_of('1. maps_open_location("A")\n2. join()'), ())
        finished = asyncio.run(tiny_planner.plan(PlanRequest("Show Paris", ALL, NOW, guide=guide, seed=1)))
    finally:
        backend.generate = original  # type: ignore[method-assign]
    assert seen[0].grammar is not None and "maps_open_location" in seen[0].grammar
    assert [t.tool for t in parse_plan(finished.raw, ALL).tasks] == ["maps_open_location", "join"]


# --- the ranker (bag-of-words embedder: fast, deterministic) --------------------------------------------


@pytest.fixture(scope="module")
def ranker() -> SkeletonRanker:
    return SkeletonRanker(ExampleIndex.open(load_bank(), BagOfWords(), None))


def test_ranker_returns_a_bank_skeleton_and_examples_that_have_it(ranker: SkeletonRanker) -> None:
    guide = ranker.guide("text Sid that I'm late", ALL)
    assert guide is not None and [line.tool for line in guide.skeleton.lines] == ["send_sms"]
    assert len(guide.shots) == 4
    assert all(skeleton_of(plan).key() == guide.skeleton.key() for _, plan in guide.shots)


def test_ranker_only_offers_skeletons_of_enabled_tools(ranker: SkeletonRanker) -> None:
    maps_only = ALL.select(apps=["maps"])
    guide = ranker.guide("text Sid the way to the station", maps_only)
    assert guide is not None and guide.skeleton.tools <= set(maps_only.names)
    assert ranker.guide("text Sid", ToolSet(())) is None


def test_ranker_finds_the_heldout_skeletons(ranker: SkeletonRanker) -> None:
    heldout = load_bank().heldout
    right = sum(
        (g := ranker.guide(e.query, ALL)) is not None and g.skeleton.key() == skeleton_of(e.plan).key() for e in heldout
    )
    # MiniLM reaches ~0.75 (bench figure in the README); even bag-of-words must be far above chance.
    assert right / len(heldout) > 0.5, right


# --- the real embedded model (slow) -------------------------------------------------------------------


@pytest.mark.slow
def test_real_smollm2_guided_plans_are_valid_and_mostly_right(tmp_path: Path) -> None:
    """SmolLM2 through the whole guided path on the first dev queries (greedy, so deterministic)."""
    from tinyagent.embeddings import Embedder
    from tinyagent.eval.data import dev_set_path
    from tinyagent.inference.llama_backend import LlamaBackend
    from tinyagent.models.catalogue import CATALOGUE, PackageSource, packaged_file
    from tinyagent.toolrag.select import ToolRAG

    rag = ToolRAG.create(Embedder(), cache_dir=tmp_path)
    source = CATALOGUE["smollm2-135m"].source
    assert isinstance(source, PackageSource)
    path = packaged_file(source)
    backend = LlamaBackend.load(
        path, model_id="smollm2", source=str(path), n_ctx=4096, n_threads=2, n_batch=512, prompt_cache_mb=0
    )
    planner = Planner(backend, get_chat_format("chatml"))
    rows = [json.loads(line) for line in dev_set_path().read_text().splitlines()[:8]]
    right = 0
    for row in rows:
        guide = rag.guide(row["query"], ALL)
        finished = asyncio.run(planner.plan(PlanRequest(row["query"], ALL, NOW, guide=guide)))
        assert finished.valid, (row["query"], finished.raw)
        assert not re.search(r"Mia Hoffmann|Liam O'Connor", finished.raw)  # bank names never leak in
        right += score_plan(finished.raw, row["plan"]).success
    assert right >= 4, right  # 5 of these 8 when written; the upstream prompt with ToolRAG got 3


def test_a_guided_choice_keeps_every_enabled_tool() -> None:
    """A skeleton may use a tool ToolRAG's probe did not select; narrowing would make its plan invalid."""
    from tinyagent.toolrag.select import EmbeddingSelector, ToolRAG

    rag = ToolRAG(EmbeddingSelector(ExampleIndex.open(load_bank(), BagOfWords(), None)))
    guided, retrieved = rag.choose("text Sid that I'm late", ALL, toolrag=True, guided=True)
    assert guided.guide is not None and guided.tools == ALL and retrieved is None
    plain, retrieved = rag.choose("text Sid that I'm late", ALL, toolrag=True, guided=False)
    assert plain.guide is None and retrieved is not None and len(plain.tools) < len(ALL)
    assert rag.choose("text Sid", ALL, toolrag=False, guided=False) == (ToolChoice(ALL), None)
