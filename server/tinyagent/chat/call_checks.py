"""Tool calls checked against their tools' schemas, where no grammar shaped them.

A local model and the remote servers that take a grammar cannot write a call outside the tool-call
grammar. A remote that ignores grammars (``ModelInfo.grammar`` False) can write anything; its calls are
checked here before a client sees them, so an unconstrained output is an error, never a valid call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # stubs live in types-jsonschema

from tinyagent.chat.types import ToolSpec
from tinyagent.errors import UpstreamError

CallCheck = Callable[[str, str], None]  # (name, arguments JSON) -> None, or raises UpstreamError
_WHY = "the model server takes no grammar, so its output was checked here"


def schema_check(tools: Sequence[ToolSpec]) -> CallCheck:
    """A check that the call names an offered tool and its arguments are valid under that tool's schema."""
    validators = {t.name: jsonschema.validators.validator_for(t.parameters)(t.parameters) for t in tools}

    def check(name: str, arguments: str) -> None:
        validator = validators.get(name)
        if validator is None:
            raise UpstreamError(f"The model called '{name}', which was not offered ({_WHY}).")
        error = jsonschema.exceptions.best_match(validator.iter_errors(_parsed(name, arguments)))
        if error is not None:
            raise UpstreamError(f"The model's call to '{name}' does not fit its schema: {error.message} ({_WHY}).")

    return check


def no_call_written() -> UpstreamError:
    return UpstreamError(f"The model was asked for a tool call and wrote none ({_WHY}).")


def _parsed(name: str, arguments: str) -> Any:
    try:
        return json.loads(arguments)
    except ValueError:
        raise UpstreamError(f"The model's arguments for '{name}' are not JSON ({_WHY}).") from None
