"""The bases of every request body, so that the server takes exactly what the OpenAPI spec says.

Strict JSON types: pydantic's default (lax) mode would take ``false`` for an integer, ``0`` for a
boolean and ``"3"`` for a number, none of which the spec allows, so a client generated from the spec and
a hand-written one would see two different APIs. Strict mode still takes an integer where a number is
asked. ``OneOf`` states a body's "at least one of these fields" once, for both the check and the spec.
"""

from __future__ import annotations

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
            schema["anyOf"] = [{"required": [name], "properties": {name: {"type": "string"}}} for name in cls.ONE_OF]
        return schema


def refused_unless(*allowed: object, why: str) -> BeforeValidator:
    """For a field the server does not support: only the values that ask for nothing pass (the field's
    type says which, for the spec); any other is refused with ``why`` and the code unsupported_parameter."""

    def check(value: object) -> object:
        # Type-aware: in Python False == 0, but JSON false is not the number 0 (and 0.0 is).
        value = _integral(value)
        if not any(value is a or (type(value) is type(a) and value == a) for a in allowed):
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


def _not_blank(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


# A request text must say something: at least one character that is not a space. The pattern states it in
# the spec; the validator, run first, says it in words.
NotBlank = Annotated[str, Field(pattern=r"\S"), BeforeValidator(_not_blank)]


def _integral(value: object) -> object:
    return int(value) if type(value) is float and value.is_integer() else value


# JSON Schema's integer: 3 and 3.0 alike (strict mode alone would refuse 3.0), never true or "3". Bounds
# go before it (Annotated[int, Field(ge=1), INTEGRAL]), so the spec shows them as minimum and maximum.
INTEGRAL = BeforeValidator(_integral)
Int = Annotated[int, INTEGRAL]
