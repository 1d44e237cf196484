"""``@expose``: the only way a remote caller reaches a Python method.  Tests: tests/unit/test_rpc.py."""

from __future__ import annotations

_MARK = "__livefragments_exposed__"


def expose(function):
    """Mark a method (plain or ``async def``) as callable from the browser."""
    setattr(function, _MARK, True)
    return function


def exposedMethod(obj, name):
    """The bound exposed method ``name`` of ``obj``, or None if there is none.

    Looked up on the class, so instance attributes and private names can never be reached.
    """
    if not isinstance(name, str) or name.startswith("_"):
        return None
    attribute = getattr(type(obj), name, None)
    if attribute is None or not getattr(attribute, _MARK, False):
        return None
    return getattr(obj, name)
