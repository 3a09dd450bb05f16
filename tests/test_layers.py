"""The import graph points one way: from the CLI and the API down to the tool registry, never back, and
no module imports itself back through others. Read from the source (every import, including those
inside functions and under TYPE_CHECKING), so a shortcut taken anywhere fails here.
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "server" / "tinyagent"

# Bottom first. A part may import only parts on lower lines; parts on one line may not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "errors", "request_context", "metrics", "memory"),
    ("tools", "timezones"),
    ("settings", "logging_setup"),
    ("inference", "embeddings"),
    ("chat",),
    ("models",),
    ("plans",),
    ("workers",),
    ("toolrag",),
    ("planning",),
    ("eval",),
    ("runtime",),
    ("runs",),
    ("api",),
    ("app",),
    ("openapi",),
    ("cli",),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> Iterator[str]:
    """Every tinyagent module ``path`` imports. ``from a import b`` points at the module ``a.b`` when there
    is one (a package used as a namespace), else at ``a``, whose name ``b`` is."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("tinyagent"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tinyagent"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield submodule if submodule in modules else node.module


def read_graph() -> dict[str, list[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {n: sorted({m for m in imported(p, modules) if m in modules and m != n}) for n, p in paths.items()}


@functools.cache
def graph() -> dict[str, set[str]]:
    # Parsed in a fresh interpreter: CPython 3.11's AST constructor keeps one recursion counter per
    # interpreter, and threads left running by earlier tests made ast.parse fail here with
    # "SystemError: AST constructor recursion depth mismatch".
    out = subprocess.run([sys.executable, __file__], capture_output=True, text=True, check=True).stdout
    return {name: set(targets) for name, targets in json.loads(out).items()}


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def test_every_part_has_a_layer() -> None:
    parts = {part(m) for m in graph()}
    assert parts <= set(RANK), f"place these in LAYERS: {sorted(parts - set(RANK))}"


def test_imports_only_point_down() -> None:
    upward = [
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if part(source) != part(target) and RANK[part(target)] >= RANK[part(source)]
    ]
    assert upward == [], "imports that run up or sideways:\n" + "\n".join(sorted(upward))


def test_no_module_cycles() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> list[str] | None:
        if node in stack:
            return [*stack[stack.index(node) :], node]
        if node in done:
            return None
        for target in sorted(edges[node]):
            if (cycle := visit(target, [*stack, node])) is not None:
                return cycle
        done.add(node)
        return None

    for module in sorted(edges):
        cycle = visit(module, [])
        assert cycle is None, "import cycle: " + " -> ".join(cycle)


if __name__ == "__main__":
    print(json.dumps(read_graph()))  # noqa: T201 - read by graph() above
