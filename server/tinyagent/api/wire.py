"""The bases of every request body, so that the server takes exactly what the OpenAPI spec says.

Strict JSON types: pydantic's default (lax) mode would take ``false`` for an integer, ``0`` for a
boolean and ``"3"`` for a number, none of which the spec allows, so a client generated from the spec and
a hand-written one would see two different APIs. Strict mode still takes an integer where a number is
asked. ``OneOf`` states a body's "at least one of these fields" once, for both the check and the spec.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

# The error type (and the envelope's code) of a value asking for something this server does not do.
UNSUPPORTED = "unsupported_parameter"


class WireModel(BaseModel):
    model_config = ConfigDict(strict=True)


class OneOf(WireModel):
    """A body that must give at least one of ``ONE_OF`` (not null); ``ONE_OF_MESSAGE`` says why."""

    ONE_OF: ClassVar[tuple[str, ...]] = ()
    ONE_OF_MESSAGE: ClassVar[str] = ""

    @model_validator(mode="after")
    def _one_of_given(self) -> Self:
        if self.ONE_OF and all(getattr(self, name) is None for name in self.ONE_OF):
            message = self.ONE_OF_MESSAGE or f"Give one of {self.ONE_OF}."
            raise PydanticCustomError("one_of_required", message, {"param": self.ONE_OF[0]})
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        if cls.ONE_OF:
            given = {"not": {"type": "null"}}
            schema["anyOf"] = [{"required": [name], "properties": {name: given}} for name in cls.ONE_OF]
        return schema


def refused_unless(*allowed: object, why: str, asks: tuple[type, ...] = ()) -> BeforeValidator:
    """For a field the server does not support: only the values that ask for nothing pass (the field's
    type says which, for the spec); any other is refused with ``why`` and the code unsupported_parameter."""

    kinds = {type(a) for a in allowed} | set(asks)  # asks: other types whose values ask for the feature
    names = ", ".join(json.dumps(a) for a in allowed)

    def check(value: object) -> object:
        # Type-aware: in Python False == 0 (and a Literal[0] takes False), but JSON false is not the number 0
        # (0.0 is). A value of another type is a plain type error, not an unsupported request.
        value = _integral(value)
        if type(value) not in kinds:
            raise PydanticCustomError("wrong_type", "must be one of {allowed}", {"allowed": names})
        if not any(value is a or value == a for a in allowed if type(a) is type(value)):
            raise PydanticCustomError(UNSUPPORTED, why)
        return value

    return BeforeValidator(check)


def refused_value(refused: str, why: str) -> BeforeValidator:
    """For a list of options of which one is not supported: that one is refused with ``why``."""

    def check(value: object) -> object:
        if value == refused:
            raise PydanticCustomError(UNSUPPORTED, why)
        return value

    return BeforeValidator(check)


# One idea of a space for the spec's pattern (read by ECMAScript, Rust and Python engines alike: an explicit
# class, not \s, whose members differ between them) and for the check that says it in words.
SPACES = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
SAYS_SOMETHING = f"[^{SPACES}]"


def _not_blank(value: object) -> object:
    if isinstance(value, str) and not re.search(SAYS_SOMETHING, value):
        raise PydanticCustomError("blank", "must not be blank")
    return value


# A request text must say something: at least one character that is not a space. The pattern states it in
# the spec; the validator, run first, says it in words.
NotBlank = Annotated[str, Field(pattern=SAYS_SOMETHING), BeforeValidator(_not_blank)]


def text_only(*taken: str) -> BeforeValidator:
    """For a list of content parts of which only the ``taken`` types are accepted: any other part is refused
    naming its type (the spec lists only the taken ones)."""
    accepted = frozenset(taken)

    def check(value: object) -> object:
        kind = value.get("type") if isinstance(value, dict) else None
        if isinstance(kind, str) and kind not in accepted:
            message = "'{kind}' content parts are not supported by this text model"
            raise PydanticCustomError(UNSUPPORTED, message, {"kind": kind})
        return value

    return BeforeValidator(check)


def _integral(value: object) -> object:
    return int(value) if type(value) is float and value.is_integer() else value


# JSON Schema's integer: 3 and 3.0 alike (strict mode alone would refuse 3.0), never true or "3". Bounds
# go before it (Annotated[int, Field(ge=1), INTEGRAL]), so the spec shows them as minimum and maximum.
INTEGRAL = BeforeValidator(_integral)
Int = Annotated[int, INTEGRAL]
