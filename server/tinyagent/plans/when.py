"""The dates and times a request names, resolved against the request's clock.

A small model asked to write "tomorrow at 9am" as a date copies an example's date (issue 15: no date
right in 21 graph-right held-out plans), so guided planning computes the dates and lets the
grammar offer only those. timefhuman reads the expressions; it was chosen by measurement among eight
libraries (dateparser, Duckling, Microsoft Recognizers, ctparse, parsedatetime, chrono, datefinder):
with the rules below the best three all resolve 51 of the dev set's 54 date-bearing requests,
timefhuman alone 39, and it is pure Python, maintained, and takes 0.2 ms. The rules do what no library
did the way docs/arguments.md says: "next Tuesday" is next week's, a bare weekday the coming one,
"from 5 to 8pm" puts both ends in the evening, "at 3" is in the afternoon, "evening" is 19:00,
durations ("a 30 min call", "for 2 hours") are lengths, and quoted titles, e-mail addresses and
house numbers are not dates.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTH_RE = rf"{MONTHS}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
_WEEKDAY_RE = "|".join(WEEKDAYS)
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45,
    "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUMBER = r"(\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_HOUR_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]
# Default hours of a part of the day said without a time (docs/arguments.md).
PART_OF_DAY_HOURS = {"morning": 9, "afternoon": 15, "evening": 19, "night": 20, "tonight": 20}
DEFAULT_MINUTES = 60  # a meeting or event whose length is not said


@dataclass(frozen=True)
class Moment:
    """One date or time the request names: a start, maybe an end or a length, maybe only a day."""

    start: datetime
    end: datetime | None = None  # a said end ("from 5 to 8pm")
    minutes: int | None = None  # a said length ("for 45 minutes")
    timed: bool = True  # False: a day without a time of day ("remind me on Friday")
    # The action word of the clause it is said in ("remind", "text", "zoom"...), so a reminder's date is
    # not taken from the event beside it: "the recital Sunday 3pm, and remind me Saturday evening".
    cue: str | None = field(default=None, compare=False)
    at: int = field(default=0, compare=False)  # where it is said (in the request as rewritten)

    @property
    def length(self) -> int:
        """Minutes from start to end: the said end, else the said length, else an hour."""
        if self.end is not None:
            return max(int((self.end - self.start).total_seconds() // 60), 1)
        return self.minutes or DEFAULT_MINUTES

    @property
    def until(self) -> datetime:
        return self.end or self.start + timedelta(minutes=self.length)


# Words that start a clause of their own: the last one before a date is that date's cue.
_CUES = re.compile(
    r"\b(remind|reminder|forget|text|sms|message|email|e-mail|send|reply|forward|schedule|book|add|put|create|"
    r"set up|plan|block|invite|zoom|meeting|event|calendar|call)\b",
    re.I,
)


def resolve_moments(query: str, now: datetime) -> tuple[Moment, ...]:
    """Every date and time ``query`` names, in order, as seen at ``now`` (naive local time).

    An aware ``now`` (the server's, in the user's zone) is taken as its wall clock: the moments are naive
    local times, and comparing one with an aware clock raised ("at 3pm" with no day was a 500 on /plan)."""
    now = now.replace(tzinfo=None)
    text, minutes = _rewrite(query, now)
    found = [_fix_day(f, now) for f in _library(text, now)]
    moments = [_cued(m, text) for m in _combine([f for f in found if f.kind != "length"], now)]
    length = minutes or next((f.minutes for f in found if f.kind == "length"), None)
    if length is None:
        return tuple(moments)
    return tuple(replace(m, minutes=length) if m.end is None and m.timed else m for m in moments)


def _cued(moment: Moment, text: str) -> Moment:
    cues = [m[1].lower() for m in _CUES.finditer(text, 0, moment.at)]
    cue = "remind" if cues and cues[-1] in ("reminder", "forget") else (cues[-1] if cues else None)
    return replace(moment, cue=cue)


# --- rewriting the request so the library reads it our way -------------------------------------------


def _rewrite(query: str, now: datetime) -> tuple[str, int | None]:
    text = _mask(query)
    text, minutes = _take_length(text)
    for step in (_relative_days, _parts_of_day, _ranges, _bare_hours):
        text = step(text, now)
    return re.sub(r"\s{2,}", " ", text), minutes


def _mask(text: str) -> str:
    """Quoted titles, e-mail addresses and numbers of 3+ digits ("LH 457", "1200 Harbor Blvd") are not
    dates; "Friday's" is "Friday"; "by June 29" is "on June 29"."""
    text = re.sub(r"(?<![A-Za-z])'[^']{2,}'(?![A-Za-z])|\"[^\"]{2,}\"|\S+@\S+", " ", text)
    text = re.sub(r"\b(?!(?:19|20)\d\d\b)\d{3,}\b(?!\s*(?:am|pm|a\.m|p\.m))", " ", text, flags=re.I)
    text = re.sub(r"\b[A-Za-z]{2,9}day\b", _weekday_spelt, text)
    text = re.sub(rf"\b({_WEEKDAY_RE}|today|tomorrow|tonight)'s\b", r"\1", text, flags=re.I)
    # "for 11:45" is a time of day, unless hours follow ("for 1:30 hours")
    text = re.sub(r"\bfor (?=\d{1,2}:\d{2}\b(?!\s*(?:hours?|hrs?)\b))", "at ", text, flags=re.I)
    days = rf"{_WEEKDAY_RE}|{_MONTH_RE}|tomorrow|today|the \d|\d{{1,2}}/"
    return re.sub(rf"\bby (?=(?:{days})\b)", "on ", text, flags=re.I)


def spelt_weekday(word: str) -> str | None:
    """The weekday a word in "-day" was typed for with a slip ("Firday", "Wendesday", "thrusday"), or None;
    other words stay ("birthday", "holiday", "midday" are all further from any weekday than the cutoff)."""
    if word.lower() in _WEEKDAYS_LOWER or not word.lower().endswith("day"):
        return None
    close = difflib.get_close_matches(word.lower(), _WEEKDAYS_LOWER, n=1, cutoff=0.8)
    return close[0] if close else None


def _weekday_spelt(match: re.Match[str]) -> str:
    return spelt_weekday(match[0]) or match[0]


_WEEKDAYS_LOWER = [day.lower() for day in WEEKDAYS]
_LENGTH = re.compile(
    rf"\b(for\s+)?(?:(?:a|an)\s+)?{_NUMBER}[\s-]*(minutes?|mins?|hours?|hrs?)\b(?:\s+long)?"
    r"(?!\s+(?:before|after|early|earlier|late|later|ago|from now))",
    re.I,
)
_HALF_HOUR = re.compile(r"\b(?:half an hour|half-hour|half hour)\b", re.I)
_HOUR_AND_HALF = re.compile(r"\b(?:for\s+)?(?:(?:an|one) hour and a half|(?:one|1) and a half hours?)\b", re.I)


def _number(word: str) -> float:
    return float(word) if word[0].isdigit() else _NUMBER_WORDS[word.lower()]


def _take_length(text: str) -> tuple[str, int | None]:
    """A said length ("a 30 min call", "for 2 hours", "half an hour") leaves the text as minutes;
    "in 2 hours" is an offset, not a length, and stays."""
    # Halves first: "half an hour" holds "an hour", which _LENGTH would read as 60 minutes.
    if more := _HOUR_AND_HALF.search(text):
        return _cut(text, more), 90
    half = _HALF_HOUR.search(text)
    if half and not re.search(r"\bin (?:half an hour|half-hour)\b", text, re.I):
        return _cut(text, half), 30
    for match in _LENGTH.finditer(text):
        if text[max(0, match.start() - 3) : match.start()].lower().endswith("in "):
            continue
        unit = 60 if match.group(3).lower().startswith("h") else 1
        return _cut(text, match), round(_number(match.group(2)) * unit)
    if hour := re.search(r"\bfor an hour\b", text, re.I):
        return _cut(text, hour), 60
    return text, None


def _cut(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _on(day: datetime | date) -> str:
    return f"on {day.strftime('%B')} {day.day} {day.year}"


def _relative_days(text: str, now: datetime) -> str:
    """Relative days the library misreads, as explicit dates."""

    def days(count: float, unit: str) -> str:
        return _on(now + timedelta(days=int(count * (7 if unit.lower().startswith("week") else 1))))

    text = re.sub(r"\b(?:the )?day after tomorrow\b", lambda _: _on(now + timedelta(days=2)), text, flags=re.I)
    text = re.sub(rf"\b(?:in|after) {_NUMBER} (days?|weeks?)\b", lambda m: days(_number(m[1]), m[2]), text, flags=re.I)
    text = re.sub(
        rf"\b{_NUMBER} (weeks?|days?) from (?:today|now)\b", lambda m: days(_number(m[1]), m[2]), text, flags=re.I
    )
    last = now.replace(day=calendar.monthrange(now.year, now.month)[1])
    return re.sub(r"\b(?:at |by )?(?:the )?end of (?:the |this )?month\b", lambda _: _on(last), text, flags=re.I)


def _clock(hour: int, minute: int) -> str:
    suffix = "am" if hour < 12 else "pm"
    return f"{hour % 12 or 12}:{minute:02d}{suffix}" if minute else f"{hour % 12 or 12}{suffix}"


def _parts_of_day(text: str, _now: datetime) -> str:
    """noon; "morning at 9", "7 tonight", "9 in the morning"; a part of the day alone at its default hour."""
    if re.search(r"\bright now\b", text, re.I) and re.search(r"\d{1,2}:\d{2}|\d\s*(am|pm)\b", text, re.I):
        text = re.sub(r"\bright now\b", " ", text, flags=re.I)
    text = re.sub(r"\bnoon\b", "12pm", text, flags=re.I)

    def meridiem(part: str) -> str:
        return "am" if part.lower() == "morning" else "pm"

    text = re.sub(
        r"\b(morning|afternoon|evening|night|tonight)\s+at\s+(\d{1,2})(:\d{2})?(?!\s*(?:am|pm|:|\d))",
        lambda m: ("today " if m[1].lower() == "tonight" else "") + f"at {m[2]}{m[3] or ''}{meridiem(m[1])}",
        text,
        flags=re.I,
    )
    text = re.sub(r"\b(\d{1,2})(:\d{2})?\s+(?:tonight|this evening|at night)\b", r"\1\2pm today", text, flags=re.I)
    text = re.sub(
        r"\b(\d{1,2})(:\d{2})?\s+(?:this|in the) (morning|afternoon|evening)\b",
        lambda m: f"{m[1]}{m[2] or ''}{meridiem(m[3])}",
        text,
        flags=re.I,
    )
    return re.sub(
        r"\b(this |in the )?(morning|afternoon|evening|night|tonight)\b", _part_default(text), text, flags=re.I
    )


def _part_default(text: str) -> Callable[[re.Match[str]], str]:
    def default(match: re.Match[str]) -> str:
        part = match[2].lower()
        if re.search(r"\d(\s*(am|pm))?\s+(this |in the |at )?$", text[: match.start()], re.I):  # "8pm tonight"
            return match[0].replace(match[2], "today") if part == "tonight" else match[0]
        today = "today " if part == "tonight" else ""
        return f"{today}at {_clock(PART_OF_DAY_HOURS[part], 0)}"

    return default


_RANGE = re.compile(
    r"\b(from\s+)?(\d{1,2})(?::(\d{2}))?(?:\s*(am|pm))?\s*(?:to|-|\u2013|until|till)\s*"
    r"(\d{1,2})(?::(\d{2}))?(?:\s*(am|pm))?\b",
    re.I,
)


_CLOCK = r"(\d{1,2}(?::\d{2})?\s*(?:am|pm)?)"
_BETWEEN = re.compile(rf"\bbetween {_CLOCK} and (?=\d)", re.I)
# A trip's two ends are a range: "departing 13:05 and landing 15:50", "leaves at 7:15am, arrives 10:05am".
_FLIGHT = re.compile(
    rf"\b(?:depart\w*|leav\w*|takes? off|taking off)\s+(?:at\s+)?{_CLOCK}\s*,?\s*(?:and\s+)?"
    rf"(?:land\w*|arriv\w*|gets? in|getting in)\s+(?:at\s+)?{_CLOCK}",
    re.I,
)


def _ranges(text: str, _now: datetime) -> str:
    """ "from 5 to 8pm" is 17-20, "9 to 4" is 09-16: a range's meridiem is settled for both ends."""
    text = _BETWEEN.sub(r"from \1 to ", text)
    return _RANGE.sub(_range, _FLIGHT.sub(r"from \1 to \2", text))


def _to24(hour: int, meridiem: str) -> int:
    return hour % 12 + (12 if meridiem.lower() == "pm" else 0)


def _after(start: int, start_minute: int, hour: int, minute: int) -> int:
    """The first of ``hour`` am or pm that ends after the start."""
    later = [h for h in (hour % 12, hour % 12 + 12) if h * 60 + minute > start * 60 + start_minute]
    return min(later, default=hour % 12 + 12)


def _range(match: re.Match[str]) -> str:
    h1, m1, a1 = int(match[2]), int(match[3] or 0), match[4]
    h2, m2, a2 = int(match[5]), int(match[6] or 0), match[7]
    if h1 > 12 or h2 > 12:  # a 24-hour clock says it all
        return match[0]
    if not match[1] and not (match[3] or match[6] or a1 or a2):
        return match[0]  # "2 - 3" without from, minutes or am/pm: not clearly times
    if a1 and a2:
        start, end = _to24(h1, a1), _to24(h2, a2)
    elif a2:
        end = _to24(h2, a2)
        start = _to24(h1, a2)
        if start * 60 + m1 >= end * 60 + m2:
            start = _to24(h1, "am" if a2.lower() == "pm" else "pm")
    else:
        start = _to24(h1, a1) if a1 else (h1 if 7 <= h1 <= 11 else h1 % 12 + 12)
        end = _after(start, m1, h2, m2)
    return f"{match[1] or 'from '}{_clock(start, m1)} to {_clock(end % 24, m2)}"


def _bare_hours(text: str, _now: datetime) -> str:
    """ "half past four", "quarter to 5"; "at 3" and "2:30" are in the afternoon, "at 10" and "9:15" in the
    morning (7 to 11)."""
    hour = r"(\d{1,2}|" + "|".join(_HOUR_WORDS) + ")"

    def value(word: str) -> int:
        return int(word) if word.isdigit() else _HOUR_WORDS.index(word.lower())

    text = re.sub(rf"\bhalf past {hour}\b", lambda m: f"{value(m[1])}:30", text, flags=re.I)
    text = re.sub(rf"\bquarter past {hour}\b", lambda m: f"{value(m[1])}:15", text, flags=re.I)
    text = re.sub(rf"\bquarter to {hour}\b", lambda m: f"{(value(m[1]) - 1) % 12 or 12}:45", text, flags=re.I)

    def at(match: re.Match[str]) -> str:
        h = int(match[1])
        return f"at {_clock(h if 7 <= h <= 11 else h % 12 + 12, int(match[2] or 0))}"

    text = re.sub(r"\bat ([1-9]|1[0-2])(?::(\d{2}))?\b(?!\s*(?:am|pm|a\.m|p\.m|:|\d|%|/))", at, text, flags=re.I)
    # A clock time without "at" reads the same: "a zoom tomorrow 2:30" is 14:30, as at 2:30.
    clock = r"(?<![\d:.])([1-9]|1[0-2]):(\d{2})\b(?!\s*(?:am|pm|a\.m|p\.m|:|\d|pace|per\b|/|min))"  # not "5:40 pace"
    return re.sub(clock, at, text, flags=re.I)


# --- the library --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    kind: str  # "point", "range" or "length"
    text: str
    at: int  # where it starts in the rewritten request
    start: datetime | None = None
    end: datetime | None = None
    has_date: bool = True
    has_time: bool = False
    minutes: int | None = None


def _library(text: str, now: datetime) -> Iterator[_Found]:
    from timefhuman import tfhConfig, timefhuman  # ~180 ms to import: only when a plan needs it

    config = tfhConfig(now=now, return_matched_text=True, infer_datetimes=False)
    for matched, span, value in timefhuman(text, config=config):
        if (found := _typed(value, now, matched, span[0])) is not None:
            yield found


def _typed(value: Any, now: datetime, text: str, at: int) -> _Found | None:
    """timefhuman's typed values (it returns dates, times, ranges and lengths apart) as one kind."""
    if isinstance(value, datetime | time) and value.tzinfo is not None:
        # "15:00 UTC" comes back zone-aware, and comparing it with the request's naive clock raised: the
        # clock time is kept as said (converting zones is a time tool's work, not the reading's).
        value = value.replace(tzinfo=None)
    if isinstance(value, timedelta):
        if text.lower().startswith("in "):  # "in 2 hours": a moment from now
            return _Found("point", text, at, now + value, has_time=value < timedelta(days=1))
        return _Found("length", text, at, minutes=round(value.total_seconds() / 60))
    if isinstance(value, datetime):
        return _Found("point", text, at, value, has_time=True)
    if isinstance(value, date):
        return _Found("point", text, at, datetime.combine(value, time()))
    if isinstance(value, time):
        return _Found("point", text, at, datetime.combine(now.date(), value), has_date=False, has_time=True)
    if isinstance(value, tuple) and len(value) == 2:
        a, b = _typed(value[0], now, text, at), _typed(value[1], now, text, at)
        if a is None or b is None or a.kind != "point" or b.kind != "point":
            return None
        return _Found("range", text, at, a.start, b.start, has_date=a.has_date, has_time=a.has_time)
    if isinstance(value, list) and value:
        return _typed(value[0], now, text, at)
    return None


# --- days the way docs/arguments.md says ---------------------------------------------------------------


def _fix_day(found: _Found, now: datetime) -> _Found:
    """Weekdays (coming one; "next" = next week's), a bare "the 25th", a past month-day next year."""
    if found.start is None:
        return found
    text = found.text.lower()
    weekday = re.search(rf"\b(next|this|coming|last)?\s*({_WEEKDAY_RE}|mon|tues?|wed|thu|thurs?|fri|sat|sun)\b", text)
    month_said = re.search(rf"\b(?:{_MONTH_RE})\b|\d{{1,2}}/\d{{1,2}}", text)
    if weekday and not month_said and weekday[1] != "last":
        return _moved(found, _weekday(now.date(), weekday[2], weekday[1] == "next"))
    ordinal = re.search(r"\b(?:the )?(\d{1,2})(?:st|nd|rd|th)\b", text)
    if ordinal and not month_said:
        day = _day_of_month(now.date(), int(ordinal[1]))
        return _moved(found, day) if day is not None else found
    if month_said and found.start.date() < now.date() and not re.search(r"\b(?:19|20)\d\d\b", text):
        try:
            return _moved(found, found.start.date().replace(year=found.start.year + 1))
        except ValueError:  # February 29th
            return found
    return found


def _weekday(today: date, name: str, next_week: bool) -> date:
    wanted = [w[:3] for w in WEEKDAYS].index(name[:3])
    if next_week:  # weeks start on Monday
        return today - timedelta(days=today.weekday()) + timedelta(days=7 + wanted)
    return today + timedelta(days=(wanted - today.weekday()) % 7 or 7)


def _day_of_month(today: date, day: int) -> date | None:
    year, month = today.year, today.month
    if day < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _moved(found: _Found, day: date) -> _Found:
    assert found.start is not None
    shift = datetime.combine(day, time()) - datetime.combine(found.start.date(), time())
    end = found.end + shift if found.end is not None else None
    return replace(found, start=found.start + shift, end=end, has_date=True)


# --- moments ----------------------------------------------------------------------------------------------


def _combine(found: list[_Found], now: datetime) -> list[Moment]:
    """Days and times said apart ("Friday's investor update at 2pm") join into one moment. A time said
    alone takes the day said before it ("Plan my Thursday: ... at 9, ... at 1pm"), else the day said
    after it, else the next time that clock shows (today, or tomorrow once it has passed)."""
    moments: list[Moment] = []
    pending: _Found | None = None
    for item in found:
        if pending is not None and _complements(pending, item):
            moments.append(_joined(pending, item))
            pending = None
            continue
        if pending is not None:
            moments.append(_moment(pending))
        pending = item
    if pending is not None:
        moments.append(_moment(pending))
    return list(dict.fromkeys(_dated(m, found, now) for m in moments))


def _dated(moment: Moment, found: list[_Found], now: datetime) -> Moment:
    """A time-only moment (its day is a placeholder today) with the day the request gives it."""
    source = next((f for f in found if f.start == moment.start and not f.has_date), None)
    if source is None:
        return moment
    index = found.index(source)
    before = [f.start.date() for f in found[:index] if f.start is not None and f.has_date]
    after = [f.start.date() for f in found[index + 1 :] if f.start is not None and f.has_date]
    if before or after:
        day = (before or after)[-1 if before else 0]
    else:
        day = now.date() if moment.start >= now else now.date() + timedelta(days=1)
    shift = datetime.combine(day, time()) - datetime.combine(moment.start.date(), time())
    return replace(moment, start=moment.start + shift, end=moment.end + shift if moment.end else None)


def _complements(a: _Found, b: _Found) -> bool:
    return (a.has_date and not a.has_time and b.has_time and not b.has_date) or (
        a.has_time and not a.has_date and b.has_date and not b.has_time
    )


def _joined(a: _Found, b: _Found) -> Moment:
    day_part, time_part = (a, b) if a.has_date and not a.has_time else (b, a)
    assert day_part.start is not None and time_part.start is not None
    day = day_part.start.date()
    end = datetime.combine(day, time_part.end.time()) if time_part.end is not None else None
    return Moment(datetime.combine(day, time_part.start.time()), end, at=min(a.at, b.at))


def _moment(found: _Found) -> Moment:
    assert found.start is not None
    if not found.has_time:
        return Moment(datetime.combine(found.start.date(), time()), timed=False, at=found.at)
    return Moment(found.start, found.end, at=found.at)
