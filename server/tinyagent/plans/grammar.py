"""A GBNF grammar that only admits valid TinyAgent plans for a tool selection.

GBNF cannot count, so each plan line gets its own rule: line ``k`` is numbered ``k.`` and its
arguments may reference ``"$1"`` .. ``"$(k-1)"`` only. That bounds the plan at ``max_lines``
lines (the last one is forced to be ``join()``), which also guarantees that sampling finishes.

To stay small the grammar groups tools by argument *shape* (the tuple of parameter types):
a name rule per shape is shared by all lines, and each line has one alternative per shape.

What the grammar admits is a subset of what ``plan_parser`` accepts (tested): references are
whole-string ``"$N"`` values (also as list items); free text never contains ``$`` followed by
a digit or ``{`` (so no accidental references); strings are double-quoted with the escapes
``\\" \\\\ \\n \\t``; ints are plain decimals; lists hold strings; ``None`` only where the
registry allows it. Lengths are bounded so a plan always fits a token budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tinyagent.plans.prompts import END_OF_PLAN
from tinyagent.tools.registry import ArgType, Param, ToolSpec


@dataclass(frozen=True)
class PlanGrammarOptions:
    # Lines including the final join(): at most max_lines - 1 tool calls.
    max_lines: int = 12
    max_string_chars: int = 200
    max_list_items: int = 8
    max_thought_chars: int = 300
    thoughts: bool = True
    # End with "join()<END_OF_PLAN>" (the TinyAgent models' stop sequence) or just "join()".
    end_marker: bool = True

    def __post_init__(self) -> None:
        if self.max_lines < 1 or self.max_string_chars < 0 or self.max_list_items < 1:
            raise ValueError("max_lines and max_list_items must be >= 1, max_string_chars >= 0")
        if self.thoughts and self.max_thought_chars < 1:
            raise ValueError("max_thought_chars must be >= 1 when thoughts are allowed")


def gbnf_literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


# A shape is (type, nullable) per parameter; tools with equal shapes share grammar alternatives.
Shape = tuple[tuple[ArgType, bool], ...]


def _shape(params: Iterable[Param]) -> Shape:
    return tuple((p.type, p.nullable) for p in params)


def _shapes(tools: Iterable[ToolSpec]) -> dict[Shape, list[str]]:
    shapes: dict[Shape, list[str]] = {}
    for tool in tools:
        shapes.setdefault(_shape(tool.params), []).append(tool.name)
    return shapes


def _value(kind: ArgType, nullable: bool, k: int) -> str:
    rule = {ArgType.STR: "s", ArgType.INT: "i", ArgType.BOOL: "b"}.get(kind, "l")
    return f'({rule}-{k} | "None")' if nullable else f"{rule}-{k}"


def _call_alternatives(shapes: dict[Shape, list[str]], k: int) -> list[str]:
    alternatives = []
    for n, shape in enumerate(shapes):
        args = ' ", " '.join(_value(kind, nullable, k) for kind, nullable in shape)
        alternatives.append(f'n{n} "(" {args} ")"' if args else f'n{n} "()"')
    return alternatives


def _value_rules(k: int, options: PlanGrammarOptions) -> list[str]:
    """Per-line value rules: the literal forms plus references to the lines before ``k``."""
    if k == 1:
        rules = ["s-1 ::= str", "i-1 ::= int", "b-1 ::= bool"]
    else:
        ids = " | ".join(gbnf_literal(str(i)) for i in range(1, k))
        rules = [
            f'r-{k} ::= "\\"$" ({ids}) "\\""',
            f"s-{k} ::= str | r-{k}",
            f"i-{k} ::= int | r-{k}",
            f"b-{k} ::= bool | r-{k}",
        ]
    more = f' (", " s-{k}){{0,{options.max_list_items - 1}}}' if options.max_list_items > 1 else ""
    lst = f'"[" (s-{k}{more})? "]"'
    rules.append(f"l-{k} ::= {lst}" if k == 1 else f"l-{k} ::= {lst} | r-{k}")
    return rules


def _line_rules(shapes: dict[Shape, list[str]], k: int, options: PlanGrammarOptions) -> list[str]:
    thought = "th? " if options.thoughts else ""
    prefix = gbnf_literal(f"{k}. ")
    if k == options.max_lines or not shapes:
        return [f"line-{k} ::= {thought}{prefix} join"]
    rules = _value_rules(k, options)
    rules.append(f"call-{k} ::= " + " | ".join(_call_alternatives(shapes, k)))
    rules.append(f'line-{k} ::= {thought}{prefix} (call-{k} "\\n" line-{k + 1} | join)')
    return rules


def _used(rules: list[str], shapes: dict[Shape, list[str]]) -> list[str]:
    """Drop value rules no enabled tool needs, so the grammar has no dead rules."""
    kinds = {kind for shape in shapes for kind, _ in shape}
    dead: list[str] = []
    if ArgType.INT not in kinds:
        dead += ["int ::=", "i-"]
    if ArgType.BOOL not in kinds:
        dead += ["bool ::=", "b-"]
    if not any(kind.is_list for kind in kinds):
        dead += ["l-"]
    if not shapes:
        dead += ["str ::=", "sc ::="]
    return [rule for rule in rules if not rule.startswith(tuple(dead))]


def string_char_rule() -> str:
    """One character of a quoted plan string: no quote, backslash or control character unescaped,
    no ``<``, and no ``$`` followed by what would make it a reference (see ``_shared_rules``)."""
    return '[^"\\\\\\x00-\\x1f$<] | "\\\\" ["\\\\nt] | "$" [^0-9{$<"\\\\\\x00-\\x1f]'


def _shared_rules(shapes: dict[Shape, list[str]], options: PlanGrammarOptions) -> list[str]:
    end = gbnf_literal(END_OF_PLAN) if options.end_marker else ""
    # No quote, backslash, control char or "$": a "$" needs a follower that cannot start a reference.
    # No "<" either: special tokens ("<s>", "<|im_start|>", ...) spell their text through the grammar
    # but decode to nothing, which would smuggle e.g. "$" + "<s>" + "6" = "$6" past it; this also keeps
    # "<END_OF_PLAN>" out of arguments.
    char = string_char_rule()
    rules = [
        "root ::= line-1",
        f'join ::= "join()"{" " + end if end else ""}',
        f'str ::= "\\"" sc{{0,{options.max_string_chars}}} "\\""',
        f"sc ::= {char}",
        'int ::= "0" | "-"? [1-9] [0-9]{0,9}',
        'bool ::= "True" | "False"',
    ]
    if options.thoughts:
        tail = options.max_thought_chars - 1
        rules.append(f'th ::= "Thought: " [^\\n\\x00-\\x1f <] [^\\n\\x00-\\x1f<]{{0,{tail}}} "\\n"')
    rules.extend(
        f"n{n} ::= " + " | ".join(gbnf_literal(name) for name in names) for n, names in enumerate(shapes.values())
    )
    return rules


def plan_grammar(tools: Iterable[ToolSpec], options: PlanGrammarOptions | None = None) -> str:
    """The GBNF text for plans over ``tools`` (zero tools: only ``1. join()``)."""
    options = options or PlanGrammarOptions()
    # With room for nothing but join(), tool rules would be dead weight.
    shapes = _shapes(tools) if options.max_lines > 1 else {}
    rules = _shared_rules(shapes, options)
    for k in range(1, (options.max_lines if shapes else 1) + 1):
        rules.extend(_line_rules(shapes, k, options))
    return "\n".join(_used(rules, shapes)) + "\n"


@dataclass(frozen=True)
class GrammarSize:
    chars: int
    rules: int


def grammar_size(grammar: str) -> GrammarSize:
    return GrammarSize(chars=len(grammar), rules=sum(1 for line in grammar.splitlines() if "::=" in line))


# Worst-case UTF-8 bytes of one grammar unit: a free character is up to 4 bytes, "$" + follower 5.
_UNIT_BYTES = 5
_CHAR_BYTES = 4


def _max_value_bytes(param: Param, options: PlanGrammarOptions, max_id: int) -> int:
    string = 2 + _UNIT_BYTES * options.max_string_chars
    ref = 3 + len(str(max_id))
    if param.type.is_list:
        n = options.max_list_items
        value = 2 + n * max(string, ref) + 2 * (n - 1)
    elif param.type is ArgType.INT:
        value = 11
    elif param.type is ArgType.BOOL:
        value = 5
    else:
        value = string
    return max(value, ref, 4 if param.nullable else 0)


def max_plan_bytes(tools: Iterable[ToolSpec], options: PlanGrammarOptions | None = None) -> int:
    """An upper bound on the UTF-8 size of any plan the grammar admits.

    Every token is at least one byte, so this is also a safe ``max_tokens`` for sampling.
    """
    options = options or PlanGrammarOptions()
    specs = list(tools) if options.max_lines > 1 else []
    thought = (10 + _CHAR_BYTES * options.max_thought_chars) if options.thoughts else 0
    prefix = len(f"{options.max_lines}. ")
    join = len("join()") + (len(END_OF_PLAN) if options.end_marker else 0)
    call = max(
        (len(t.name) + 2 + sum(_max_value_bytes(p, options, options.max_lines) for p in t.params) for t in specs),
        default=0,
    )
    call += 2 * max((len(t.params) - 1 for t in specs if t.params), default=0)
    lines = options.max_lines - 1 if specs else 0
    return lines * (thought + prefix + call + 1) + thought + prefix + join
