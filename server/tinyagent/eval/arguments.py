"""Are the arguments right? The check upstream's graph metric leaves out.

A plan whose graph is right can still remind the person on the wrong day or email an empty body.
``score_arguments`` aligns the predicted steps with the reference's through every graph
isomorphism (the same node match as the graph metric), keeps the alignment with the most right
arguments, and judges each argument by its kind, from the tool registry:

* ``date``: a ``format`` parameter. The same minute; the same day when the reference has no time
  of day (the request named none), and then the task's ``all_day`` flag is not judged either.
* ``number``: int and bool parameters. Equal.
* ``list``: the same multiset (folded like entities).
* ``text``: a ``text`` parameter (message, subject, title...). At least half of the reference's
  content words appear; an empty reference accepts anything.
* ``entity``: every other string (names, places, files, folders, lists, calendars, transport).
  Equal once case, punctuation and spaces are folded; ``None`` equals ``""``.

References (``$N``) are mapped through the alignment first, so ``["$2"]`` in the prediction is
right where the reference has the step aligned with prediction step 2.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from tinyagent.plans.plan import REFERENCE_SCAN_RE, ArgValue, Plan, Task
from tinyagent.tools.registry import ArgType, Param, ToolSet

KINDS = ("date", "entity", "number", "list", "text")
# Plans are small; a plan with many interchangeable steps has many alignments, and a few hundred
# always include the best one for the plans people write.
MAX_ALIGNMENTS = 500
# Words that carry no content of a message: a body is judged by the rest. Greetings too: "Hi Keiko, I'm
# five minutes out!" says what "I'm five minutes out" says.
_STOPWORDS = (
    "a an the and or but to of in on at for from with by about into as is are be been was were am i me my we "
    "our you your he him his she her they them their it its this that these those will would can could do does "
    "did have has had please just so not no yes up out hi hey hello dear"
)
STOPWORDS = frozenset(_STOPWORDS.split())
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


@dataclass(frozen=True)
class WrongArg:
    step: int  # the reference step's id
    tool: str
    param: str
    kind: str
    predicted: ArgValue
    reference: ArgValue


@dataclass(frozen=True)
class ArgScore:
    """One graph-right plan's arguments under its best alignment."""

    right: Mapping[str, int]  # per kind: arguments judged right
    total: Mapping[str, int]  # per kind: arguments judged
    wrong: tuple[WrongArg, ...] = field(default_factory=tuple)

    @property
    def exact(self) -> bool:
        return not self.wrong

    def kind_right(self, kind: str) -> bool | None:
        """All of this kind right; None when the plan has none of it."""
        return None if not self.total.get(kind) else self.right.get(kind, 0) == self.total[kind]

    def to_json(self) -> dict[str, object]:
        return {
            "exact": self.exact,
            "kinds": {k: [self.right.get(k, 0), self.total[k]] for k in KINDS if self.total.get(k)},
            "wrong": [w.__dict__ for w in self.wrong],
        }


def score_arguments(
    predicted: Plan, reference: Plan, alignments: Iterable[Mapping[int, int]], tools: ToolSet
) -> ArgScore | None:
    """The best alignment's judgement (``alignments``: predicted task id -> reference task id, one per
    graph isomorphism); None when there is none, i.e. the graph is wrong."""
    best: ArgScore | None = None
    for ids in islice(alignments, MAX_ALIGNMENTS):
        if any(task.id not in ids for task in predicted.actions):
            continue  # upstream's graph matched where ours did not (e.g. a task without output): no pairing
        score = _judge(predicted, reference, ids, tools)
        if best is None or len(score.wrong) < len(best.wrong):
            best = score
        if best.exact:
            break
    return best


def _judge(predicted: Plan, reference: Plan, ids: Mapping[int, int], tools: ToolSet) -> ArgScore:
    by_id = {t.id: t for t in reference.tasks}
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrong: list[WrongArg] = []
    for task in predicted.actions:
        ref = by_id[ids[task.id]]
        for verdict in _task_args(task, ref, ids, tools):
            total[verdict.kind] += 1
            if verdict.right:
                right[verdict.kind] += 1
            else:
                wrong.append(WrongArg(ref.id, ref.tool, verdict.param, verdict.kind, verdict.got, verdict.want))
    return ArgScore(dict(right), dict(total), tuple(wrong))


@dataclass(frozen=True)
class _Verdict:
    param: str
    kind: str
    right: bool
    got: ArgValue
    want: ArgValue


def _task_args(task: Task, ref: Task, ids: Mapping[int, int], tools: ToolSet) -> Iterator[_Verdict]:
    spec = tools.get(ref.tool)
    if spec is None:
        return
    dated = [i for i, p in enumerate(spec.params) if p.format in DATE_FORMATS and _is_day_only(ref.args[i])]
    for i, param in enumerate(spec.params):
        if param.name == "all_day" and dated:
            continue  # the request named no time of day: all-day or a default hour are both right
        got, want = _mapped(task.args[i], ids), ref.args[i]
        kind = kind_of(param)
        yield _Verdict(param.name, kind, _same(kind, got, want), task.args[i], want)


DATE_FORMATS = ("date", "datetime")  # "timezone" names a zone: an entity


def kind_of(param: Param) -> str:
    if param.type.is_list:
        return "list"
    if param.type in (ArgType.INT, ArgType.BOOL):
        return "number"
    if param.format in DATE_FORMATS:
        return "date"
    return "text" if param.text else "entity"


def _mapped(value: ArgValue, ids: Mapping[int, int]) -> ArgValue:
    """The predicted value with its references renamed to the aligned reference steps."""
    if isinstance(value, tuple):
        return tuple(_mapped(v, ids) for v in value)
    if isinstance(value, str):
        return REFERENCE_SCAN_RE.sub(lambda m: f"${ids.get(int(m.group(1) or m.group(2)), 0)}", value)
    return value


def _same(kind: str, got: ArgValue, want: ArgValue) -> bool:
    if _has_reference(want) or _has_reference(got):
        return _fold_value(got) == _fold_value(want)
    if kind == "list":
        return Counter(_fold_items(got)) == Counter(_fold_items(want))
    if kind == "number":
        return got == want and type(got) is type(want)
    if kind == "date":
        return _same_time(got, want)
    if kind == "text":
        return _covers(got, want)
    return fold(got) == fold(want)


def fold(value: ArgValue) -> str:
    """Case, punctuation and spaces folded away; None is the empty string."""
    return re.sub(r"[\W_]+", "", str(value or "")).casefold()


def _fold_items(value: ArgValue) -> list[str]:
    items = value if isinstance(value, tuple) else (() if value in (None, "") else (value,))
    return [fold(item) for item in items]


def _fold_value(value: ArgValue) -> object:
    return tuple(sorted(_fold_items(value))) if isinstance(value, tuple) else fold(value)


def _has_reference(value: ArgValue) -> bool:
    if isinstance(value, tuple):
        return any(_has_reference(v) for v in value)
    return isinstance(value, str) and REFERENCE_SCAN_RE.search(value) is not None


def content_words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z0-9]+", text.casefold().replace("'", "")))
    return (words - STOPWORDS) or words


def _covers(got: ArgValue, want: ArgValue) -> bool:
    wanted = content_words(str(want or ""))
    if not wanted:
        return True
    return 2 * len(wanted & content_words(str(got or ""))) >= len(wanted)


def parse_when(value: ArgValue) -> datetime | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(str(value).strip(), fmt)
        except ValueError:
            continue
    return None


def _is_day_only(value: ArgValue) -> bool:
    return isinstance(value, str) and parse_when(value) is not None and len(value.strip()) == 10


def _same_time(got: ArgValue, want: ArgValue) -> bool:
    wanted, gotten = parse_when(want), parse_when(got)
    if wanted is None:
        return fold(got) == fold(want)  # an empty or odd reference: compare as text
    if gotten is None:
        return False
    if _is_day_only(want):
        return gotten.date() == wanted.date()
    return gotten.replace(second=0) == wanted.replace(second=0)


def plan_kinds(scores: Sequence[ArgScore]) -> dict[str, tuple[int, int]]:
    """Per kind: (plans with every argument of it right, plans with any), over graph-right plans."""
    out: dict[str, tuple[int, int]] = {}
    for kind in KINDS:
        verdicts = [s.kind_right(kind) for s in scores]
        judged = [v for v in verdicts if v is not None]
        out[kind] = (sum(judged), len(judged))
    return out
