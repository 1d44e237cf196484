"""The REST API's route table and its OpenAPI 3.1 document (athena_nb/web/api/spec.py), and the
small JSON Schema checker that holds requests to it (schema.py)."""

from __future__ import annotations

import inspect

import pytest

from athena_nb.web.api import spec
from athena_nb.web.api.calls import Calls
from athena_nb.web.api.schema import KEYWORDS, SchemaError, check, parseParameter


def _schemas(value):
    """Every schema in the document: request bodies, parameters, answers, components."""
    if isinstance(value, dict):
        if "schema" in value and isinstance(value["schema"], dict):
            yield value["schema"]
        for key, item in value.items():
            if key in ("schemas",) and isinstance(item, dict):
                yield from item.values()
            yield from _schemas(item)
    elif isinstance(value, list):
        for item in value:
            yield from _schemas(item)


def _keywords(schema):
    for key, value in schema.items():
        yield key
        if key == "properties":
            for sub in value.values():
                yield from _keywords(sub)
        elif key == "items":
            yield from _keywords(value)


def test_the_document_uses_only_keywords_the_checker_understands():
    """A keyword the checker did not know would be published and silently not enforced."""
    document = spec.document()
    assert document["openapi"] == "3.1.0"
    used = {k for schema in _schemas(document) for k in _keywords(schema)}
    assert used and used <= KEYWORDS, used - KEYWORDS


def test_every_route_has_its_call_and_declares_exactly_its_path_parameters():
    for route in spec.ROUTES:
        method = getattr(Calls, route.operationId)
        names = set(inspect.signature(method).parameters) - {"self", "who", "body"}
        assert names == {p.name for p in route.params}, route.operationId
        inPath = {s[1:-1] for s in route.segments if s.startswith("{")}
        assert inPath == {p.name for p in route.params if p.where == "path"}, route.path
    assert len({(r.method, r.path) for r in spec.ROUTES}) == len(spec.ROUTES)


def test_the_document_lists_every_route_once_with_its_errors():
    paths = spec.document()["paths"]
    operations = [(path, method) for path, item in paths.items() for method in item]
    assert len(operations) == len(spec.ROUTES)
    create = paths["/worksheets"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "title"]["maxLength"] == 500
    assert {"201", "400", "401", "415"} <= set(create["responses"])


@pytest.mark.parametrize("value,schema,message", [
    (5, {"type": "string"}, "The field must be text."),
    (True, {"type": "integer"}, "The field must be an integer."),
    (float("nan"), {"type": "number"}, "The field must be a number."),
    ("x", {"type": ["integer", "null"]}, "The field must be an integer or null."),
    ("c", {"enum": ["a", "b"]}, "The field must be one of 'a', 'b', not 'c'."),
    ("", {"type": "string", "minLength": 1}, "The field must have at least 1 characters."),
    ("abc", {"type": "string", "maxLength": 2}, "The field may have at most 2 characters."),
    ("a b", {"type": "string", "pattern": "^[a-z]+$"}, "The field is not of the right form"),
    ("\ud800", {"type": "string"}, "not valid Unicode text"),
    (-1, {"type": "integer", "minimum": 0}, "The field must be at least 0."),
    ([1, "x"], {"type": "array", "items": {"type": "integer"}},
     "Item 1 of the field must be an integer."),
    ({}, {"type": "object", "required": ["text"]}, "The field needs the field 'text'."),
    ({"a": 1}, {"type": "object", "properties": {}, "additionalProperties": False},
     "The field has fields this call does not take: 'a'; it takes none."),
    ({"t": 1}, {"type": "object", "properties": {"t": {"type": "string"}}},
     "The field 't' must be text."),
])
def test_the_checker_refuses_with_a_sentence(value, schema, message):
    with pytest.raises(SchemaError) as refused:
        check(value, schema, "The field")
    assert message in str(refused.value) and str(refused.value).endswith(".")


def test_parameters_are_parsed_as_their_schema_says():
    assert parseParameter("12", {"type": "integer", "minimum": 1}, "The id") == 12
    assert parseParameter("2.5", {"type": "number"}, "The wait") == 2.5
    assert parseParameter("true", {"type": "boolean"}, "The flag") is True
    for raw, schema in [("1e400", {"type": "number"}), ("nan", {"type": "number"}),
                        ("1.5", {"type": "integer"}), ("9" * 30, {"type": "integer"}),
                        ("yes", {"type": "boolean"}), ("0", {"type": "integer", "minimum": 1})]:
        with pytest.raises(SchemaError):
            parseParameter(raw, schema, "The value")
