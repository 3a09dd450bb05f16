"""The argument metric: each kind judged by its rule, references mapped through the best alignment."""

from __future__ import annotations

import pytest

from tinyagent.eval.arguments import content_words, fold
from tinyagent.eval.metric import score_plan


def judge(predicted: str, reference: str) -> dict[str, object]:
    score = score_plan(predicted, reference)
    assert score.success_upstream, "these cases all have the right graph"
    assert score.args is not None
    return score.args.to_json()


def wrong_params(predicted: str, reference: str) -> list[str]:
    return [str(w["param"]) for w in judge(predicted, reference)["wrong"]]  # type: ignore[index, union-attr]


EMAIL = (
    '1. get_email_address("Dr. Ferreira")\n2. get_email_address("Nadia")\n'
    '3. compose_new_email(["$1"], ["$2"], "Trial summary", "The trial moved to May", [])\n4. join()'
)


def test_identical_plans_are_exact() -> None:
    body = judge(EMAIL, EMAIL)
    assert body["exact"] is True and body["wrong"] == []
    assert body["kinds"] == {"entity": [2, 2], "list": [3, 3], "text": [2, 2]}


def test_lookups_in_another_order_align_through_the_graph() -> None:
    swapped = (
        '1. get_email_address("Nadia")\n2. get_email_address("dr ferreira")\n'
        '3. compose_new_email(["$2"], ["$1"], "Summary of the trial", "trial moved to May", [])\n4. join()'
    )
    assert wrong_params(swapped, EMAIL) == []


def test_recipient_and_cc_swapped_is_wrong_though_the_graph_is_right() -> None:
    swapped = EMAIL.replace('["$1"], ["$2"]', '["$2"], ["$1"]')
    # Either alignment costs two arguments: the lists, or the two names looked up.
    assert wrong_params(swapped, EMAIL) in (["recipients", "cc"], ["name", "name"])


def test_text_needs_half_the_content_words_and_an_empty_reference_takes_anything() -> None:
    assert wrong_params(EMAIL.replace("The trial moved to May", "moved"), EMAIL) == ["context"]
    assert wrong_params(EMAIL.replace("The trial moved to May", "Trial moved"), EMAIL) == []
    empty = EMAIL.replace('"The trial moved to May"', '""')
    assert wrong_params(EMAIL, empty) == []


REMINDER = '1. create_reminder("Pay the water bill", "{due}", "", "", 0, {all_day})\n2. join()'


@pytest.mark.parametrize(
    ("predicted", "reference", "wrong"),
    [
        # A day-only reference: the same day is enough, at any hour, and all_day is not judged.
        (("2025-06-25 09:00:00", False), ("2025-06-25", True), []),
        (("2025-06-25", True), ("2025-06-25", True), []),
        (("2025-06-24", True), ("2025-06-25", True), ["due_date"]),
        # A time was named: the same minute, and all_day is judged like any bool.
        (("2025-06-25 09:00:00", False), ("2025-06-25 09:00:00", False), []),
        (("2025-06-25 19:00:00", False), ("2025-06-25 09:00:00", False), ["due_date"]),
        (("2025-06-25 09:00:00", True), ("2025-06-25 09:00:00", False), ["all_day"]),
        (("next Tuesday", False), ("2025-06-25 09:00:00", False), ["due_date"]),
    ],
)
def test_dates(predicted: tuple[str, bool], reference: tuple[str, bool], wrong: list[str]) -> None:
    p = REMINDER.format(due=predicted[0], all_day=predicted[1])
    r = REMINDER.format(due=reference[0], all_day=reference[1])
    assert wrong_params(p, r) == wrong


def test_numbers_are_equal_or_wrong() -> None:
    zoom = '1. get_zoom_meeting_link("Design review", "2025-06-17 13:00:00", {minutes}, [])\n2. join()'
    assert wrong_params(zoom.format(minutes=45), zoom.format(minutes=45)) == []
    assert wrong_params(zoom.format(minutes=60), zoom.format(minutes=45)) == ["duration"]


def test_entities_fold_case_punctuation_spaces_and_none() -> None:
    event = (
        '1. create_calendar_event("Kiln firing", "2025-06-24 08:00:00", "2025-06-24 18:00:00", {where}, [], "", {cal})'
        "\n2. join()"
    )
    reference = event.format(where='"Clayworks Studio"', cal="None")
    assert wrong_params(event.format(where='"clayworks-studio"', cal='""'), reference) == []
    assert wrong_params(event.format(where='"Clayworks"', cal="None"), reference) == ["location"]
    assert fold(None) == fold("") == "" and fold("St. Brigid's Hall") == "stbrigidshall"


def test_a_reference_must_sit_in_the_same_argument() -> None:
    reference = (
        '1. open_and_get_file_path("Report")\n2. summarize_pdf("$1")\n3. get_email_address("Ana")\n'
        '4. compose_new_email(["$3"], [], "Report summary", "$2", [])\n5. join()'
    )
    misplaced = reference.replace('"Report summary", "$2"', '"$2", "Report summary"')
    assert wrong_params(misplaced, reference) == ["subject", "context"]


def test_a_greeting_is_not_content() -> None:
    sms = '1. get_phone_number("Keiko")\n2. send_sms(["$1"], "{text}")\n3. join()'
    assert (
        wrong_params(sms.format(text="I'm five minutes out"), sms.format(text="Hi Keiko, I'm five minutes out!")) == []
    )
    assert wrong_params(sms.format(text="Hi Keiko!"), sms.format(text="Hi Keiko, I'm five minutes out!")) == ["message"]


def test_content_words_drop_filler_but_keep_something() -> None:
    assert content_words("I'll have the draft ready by Thursday") == {"ill", "draft", "ready", "thursday"}
    assert content_words("I am in") == {"i", "am", "in"}  # all filler: keep the words
