"""Skeleton lines that write what the request did not ask for.

The bank's templated Zoom requests ("I need a Zoom meeting with Emma tomorrow at 11") also put the
meeting on the calendar, as upstream's data does. People who ask for a Zoom link do not expect a
calendar entry they did not ask for (issue 16 counts it as an unrequested write; the dev and holdout
references have none without being asked), so a calendar event made from a Zoom link is dropped
from a skeleton unless the request speaks of a calendar, an event or scheduling.
"""

from __future__ import annotations

import re

from tinyagent.plans.skeleton import Skeleton, SkeletonLine

_CALENDAR_CUE = re.compile(
    r"\b(calend[ae]rs?|diary|cal|event|schedule[sd]?|scheduling|book(ed)?|block|agenda)\b", re.IGNORECASE
)
# (the write, the tool whose output it is made from, the words that ask for it)
_ASKED_ONLY: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("create_calendar_event", "get_zoom_meeting_link", _CALENDAR_CUE),
)


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
