"""Skeletons made of other skeletons: one command's after another's (independent clauses), or the
second taking the first's result as its content (piped clauses, "search my bookmarks for X and save the
results in a note"). ``plans/clauses.py`` reads which a request is; ``toolrag/guide.py`` composes.
"""

from __future__ import annotations

from collections.abc import Mapping

from tinyagent.plans.skeleton import Skeleton, SkeletonLine


def concatenated(skeletons: list[Skeleton]) -> Skeleton:
    """One skeleton doing each of ``skeletons`` in turn, independently (references renumbered)."""
    lines: list[SkeletonLine] = []
    for skeleton in skeletons:
        offset = len(lines)
        for line in skeleton.lines:
            refs = tuple((n, tuple(r + offset for r in targets)) for n, targets in line.refs)
            lines.append(SkeletonLine(line.tool, refs, line.given))
    return Skeleton(tuple(lines))


def piped(first: Skeleton, second: Skeleton, content: Mapping[str, int]) -> Skeleton | None:
    """``first`` then ``second``, whose first line with a content parameter (``content``: tool -> its index)
    left open takes what ``first`` ends with; None when ``first`` does not end in one line or ``second``
    has no such line."""
    ends = [n for n in range(1, len(first.lines) + 1) if not any(n in r for line in first.lines for _, r in line.refs)]
    joined = concatenated([first, second])
    if len(ends) != 1:
        return None
    for i, line in enumerate(joined.lines[len(first.lines) :], len(first.lines)):
        index = content.get(line.tool)
        if index is not None and index not in {n for n, _ in (*line.refs, *line.given)}:
            refs = tuple(sorted((*line.refs, (index, (ends[0],)))))
            lines = (*joined.lines[:i], SkeletonLine(line.tool, refs, line.given), *joined.lines[i + 1 :])
            return Skeleton(lines)
    return None
