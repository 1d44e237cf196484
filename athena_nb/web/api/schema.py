"""A small JSON Schema checker: the subset the API's OpenAPI document uses, with sentences for
the person who sent the request.  Tests: tests/unit/test_api_spec.py.

The API's routes (spec.py) are checked against the very schemas its OpenAPI 3.1 document
publishes, so the two cannot drift.  Only these keywords are understood: ``type`` (one or a
list), ``properties``, ``required``, ``additionalProperties`` (a boolean), ``items``,
``minItems``, ``maxItems``, ``minLength``, ``maxLength``, ``pattern``, ``minimum``,
``maximum``, ``enum``, ``$ref`` (to ``#/components/schemas/...``) and the annotations
(``description``, ``title``, ``examples``, ``default``, ``format``); ``KEYWORDS`` lists them,
and a test checks that the document uses no other.
"""

from __future__ import annotations

import math
import re

#: The keywords ``check`` understands (anything else in a schema would be ignored silently).
KEYWORDS = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "minLength", "maxLength", "pattern", "minimum", "maximum", "enum", "$ref",
    "description", "title", "examples", "default", "format", "contentMediaType"})

_NAMES = {"string": "text", "integer": "an integer", "number": "a number",
          "boolean": "true or false", "object": "a JSON object", "array": "a JSON array",
          "null": "null"}


class SchemaError(ValueError):
    """A value does not fit its schema; the message is a sentence naming where."""


def _is(value, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and not (isinstance(value, float) and not math.isfinite(value)))
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "null":
        return value is None
    raise AssertionError(f"unknown type {kind!r} in a schema")


def check(value, schema: dict, where: str, components: dict | None = None) -> None:
    """Raise ``SchemaError`` unless ``value`` fits ``schema``; ``where`` names it in the
    sentence ("The field 'text'")."""
    while "$ref" in schema:
        schema = (components or {})[schema["$ref"].rsplit("/", 1)[-1]]
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is(value, k) for k in kinds):
            raise SchemaError(f"{where} must be {' or '.join(_NAMES[k] for k in kinds)}.")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError(f"{where} must be one of "
                          f"{', '.join(repr(v) for v in schema['enum'])}, not {value!r}.")
    if isinstance(value, str):
        _checkText(value, schema, where)
    elif _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            raise SchemaError(f"{where} must be at least {schema['minimum']}.")
        if "maximum" in schema and value > schema["maximum"]:
            raise SchemaError(f"{where} must be at most {schema['maximum']}.")
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise SchemaError(f"{where} must have at least {schema['minItems']} items.")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise SchemaError(f"{where} may have at most {schema['maxItems']} items.")
        if "items" in schema:
            for n, item in enumerate(value):
                check(item, schema["items"], f"Item {n} of {_lower(where)}", components)
    elif isinstance(value, dict):
        _checkObject(value, schema, where, components)


def _checkText(value: str, schema: dict, where: str) -> None:
    if len(value) < schema.get("minLength", 0):
        raise SchemaError(f"{where} must have at least {schema['minLength']} characters.")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise SchemaError(f"{where} may have at most {schema['maxLength']} characters.")
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        what = schema.get("description") or f"it must match {schema['pattern']}."
        raise SchemaError(f"{where} is not of the right form: {what}")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise SchemaError(f"{where} contains characters that are not valid Unicode text.")


def _checkObject(value: dict, schema: dict, where: str, components: dict | None) -> None:
    properties = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in value:
            raise SchemaError(f"{where} needs the field {name!r}.")
    if schema.get("additionalProperties", True) is False:
        extra = sorted(set(value) - set(properties))
        if extra:
            raise SchemaError(f"{where} has fields this call does not take: "
                              f"{', '.join(map(repr, extra))}; it takes "
                              f"{', '.join(map(repr, properties)) or 'none'}.")
    for name, sub in properties.items():
        if name in value:
            check(value[name], sub, f"The field {name!r}", components)


def _lower(where: str) -> str:
    return where[:1].lower() + where[1:]


def parseParameter(raw: str, schema: dict, where: str, components: dict | None = None):
    """A path or query parameter's text as the value its schema says (an integer, a number,
    a boolean or text), checked; ``SchemaError`` if it is not one."""
    kind = schema.get("type", "string")
    value: object = raw
    if kind == "integer":
        if re.fullmatch(r"-?[0-9]{1,18}", raw) is None:
            raise SchemaError(f"{where} must be an integer, not {raw!r}.")
        value = int(raw)
    elif kind == "number":
        try:
            value = float(raw)
        except ValueError:
            raise SchemaError(f"{where} must be a number, not {raw!r}.")
        if not math.isfinite(value):
            raise SchemaError(f"{where} must be a finite number, not {raw!r}.")
    elif kind == "boolean":
        if raw not in ("true", "false"):
            raise SchemaError(f"{where} must be true or false, not {raw!r}.")
        value = raw == "true"
    check(value, schema, where, components)
    return value
