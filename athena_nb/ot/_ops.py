"""Text operations: components, canonical form, apply, transform, compose, cursors.

Tests: tests/unit/test_ot.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

_MAX_INT = 2**53 - 1  # the largest integer JS represents exactly


class OperationError(ValueError):
    """Base class of every error this module raises."""


class MalformedOperation(OperationError):
    """An operation (usually from the wire) does not have the documented shape."""


class OperationOutOfRange(OperationError):
    """An operation reaches past the end of the text it is applied to."""


class StaleVersion(OperationError):
    """A base version is older than the kept history: the client must resync."""


class UnknownVersion(OperationError):
    """A version is not one the document has had (in the future, negative, not an int)."""


class SyncError(OperationError):
    """A message arrived that the sync protocol does not allow in the current state."""


class Insert(NamedTuple):
    at: int
    text: str


class Delete(NamedTuple):
    at: int
    count: int


def _wellFormed(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JS would count it differently
        return False
    return True


def _checkComponent(c: object) -> Insert | Delete:
    if not isinstance(c, (Insert, Delete)):
        raise MalformedOperation(f"An operation component must be Insert or Delete, not {c!r}.")
    if type(c.at) is not int or not 0 <= c.at <= _MAX_INT:
        raise MalformedOperation(f"A component position must be an integer >= 0, not {c.at!r}.")
    if isinstance(c, Insert):
        if type(c.text) is not str or not c.text:
            raise MalformedOperation(f"An insert needs a non-empty string, not {c.text!r}.")
        if not _wellFormed(c.text):
            raise MalformedOperation("Inserted text must not contain lone surrogates.")
    elif type(c.count) is not int or not 0 < c.count <= _MAX_INT:
        raise MalformedOperation(f"A delete count must be an integer >= 1, not {c.count!r}.")
    return c


# -- traversal form ------------------------------------------------------------------------


def _push(out: list, item: int | str) -> None:
    """Append one traversal item, keeping the canonical form (merged runs, delete before insert)."""
    if isinstance(item, str):
        if not item:
            return
        if out and isinstance(out[-1], str):
            out[-1] += item
        else:
            out.append(item)
    elif item > 0:
        if out and not isinstance(out[-1], str) and out[-1] > 0:
            out[-1] += item
        else:
            out.append(item)
    elif item < 0:
        # Deleting and inserting at one point commute; canonically the delete comes first.
        at = len(out) - 1 if out and isinstance(out[-1], str) else len(out)
        if at > 0 and not isinstance(out[at - 1], str) and out[at - 1] < 0:
            out[at - 1] += item
        else:
            out.insert(at, item)


def _finish(out: list) -> tuple:
    if out and not isinstance(out[-1], str) and out[-1] > 0:
        out.pop()  # a trailing retain is implied
    return tuple(out)


def _rest(item: int | str, m: int) -> int | str | None:
    """What is left of `item` after consuming `m` code points of it, or None."""
    if isinstance(item, str):
        return item[m:] or None
    if abs(item) == m:
        return None
    return item - m if item > 0 else item + m


def _size(item: int | str) -> int:
    return len(item) if isinstance(item, str) else abs(item)


def _compose(a: tuple, b: tuple) -> tuple:
    out: list = []
    ia, ib = iter(a), iter(b)
    x, y = next(ia, None), next(ib, None)
    while x is not None or y is not None:
        if x is not None and not isinstance(x, str) and x < 0:
            _push(out, x)  # a deletes: b never sees those code points
            x = next(ia, None)
        elif isinstance(y, str):
            _push(out, y)
            y = next(ib, None)
        elif x is None:  # a keeps the rest of the text: b's retain/delete applies to it
            _push(out, y)
            y = next(ib, None)
        elif y is None:
            _push(out, x)
            x = next(ia, None)
        else:  # x retains or inserts, y retains or deletes
            m = min(_size(x), -y if y < 0 else y)
            if y > 0:
                _push(out, x[:m] if isinstance(x, str) else m)
            elif not isinstance(x, str):
                _push(out, -m)
            x = _rest(x, m)
            x = next(ia, None) if x is None else x
            y = _rest(y, m)
            y = next(ib, None) if y is None else y
    return _finish(out)


def _transform(a: tuple, b: tuple) -> tuple[tuple, tuple]:
    """(a', b') with b' after a == a' after b. At one position a's insert goes first."""
    a2: list = []
    b2: list = []
    ia, ib = iter(a), iter(b)
    x, y = next(ia, None), next(ib, None)
    while x is not None or y is not None:
        if isinstance(x, str):
            _push(a2, x)
            _push(b2, len(x))
            x = next(ia, None)
        elif isinstance(y, str):
            _push(a2, len(y))
            _push(b2, y)
            y = next(ib, None)
        elif x is None:
            _push(b2, y)
            y = next(ib, None)
        elif y is None:
            _push(a2, x)
            x = next(ia, None)
        else:
            m = min(abs(x), abs(y))
            if x > 0 and y > 0:
                _push(a2, m)
                _push(b2, m)
            elif x < 0 < y:
                _push(a2, -m)
            elif y < 0 < x:
                _push(b2, -m)
            # both delete the same code points: neither has anything left to do
            x = _rest(x, m)
            x = next(ia, None) if x is None else x
            y = _rest(y, m)
            y = next(ib, None) if y is None else y
    return _finish(a2), _finish(b2)


def _toTraversal(components: Iterable[Insert | Delete]) -> tuple:
    out: list = []
    pos = 0  # output position reached by `out`
    pending: list[Insert | Delete] = []
    for c in components:
        _checkComponent(c)
        if pending or c.at < pos:
            pending.append(c)  # not in order: fall back to composing one at a time
            continue
        _push(out, c.at - pos)
        if isinstance(c, Insert):
            _push(out, c.text)
            pos = c.at + len(c.text)
        else:
            _push(out, -c.count)
            pos = c.at
    result = _finish(out)
    for c in pending:
        single: list = []
        _push(single, c.at)
        _push(single, c.text if isinstance(c, Insert) else -c.count)
        result = _compose(result, _finish(single))
    return result


def _fromTraversal(items: tuple) -> tuple[Insert | Delete, ...]:
    out: list[Insert | Delete] = []
    pos = 0
    for item in items:
        if isinstance(item, str):
            out.append(Insert(pos, item))
            pos += len(item)
        elif item > 0:
            pos += item
        else:
            out.append(Delete(pos, -item))
    return tuple(out)


# -- operations ----------------------------------------------------------------------------


class Operation:
    """An immutable, canonical text operation. ``Operation()`` is the identity."""

    __slots__ = ("components", "_items")

    components: tuple[Insert | Delete, ...]
    _items: tuple

    def __init__(self, components: Iterable[Insert | Delete] = ()) -> None:
        self._items = _toTraversal(components)
        self.components = _fromTraversal(self._items)

    @classmethod
    def _of(cls, items: tuple) -> Operation:
        op = cls.__new__(cls)
        op._items = items
        op.components = _fromTraversal(items)
        return op

    @classmethod
    def insert(cls, at: int, text: str) -> Operation:
        return cls([Insert(at, text)])

    @classmethod
    def delete(cls, at: int, count: int) -> Operation:
        return cls([Delete(at, count)])

    @classmethod
    def fromJSON(cls, value: object) -> Operation:
        """Parse the wire form: a list of ``{"at", "insert"}`` / ``{"at", "delete"}`` objects."""
        if not isinstance(value, list):
            raise MalformedOperation(f"An operation must be a JSON array, not {value!r}.")
        components: list[Insert | Delete] = []
        for c in value:
            if not isinstance(c, dict):
                raise MalformedOperation(f"An operation component must be an object, not {c!r}.")
            keys = set(c)
            if keys == {"at", "insert"}:
                components.append(_checkComponent(Insert(c["at"], c["insert"])))
            elif keys == {"at", "delete"}:
                components.append(_checkComponent(Delete(c["at"], c["delete"])))
            else:
                raise MalformedOperation(
                    f"An operation component has keys 'at' and 'insert' or 'at' and 'delete', "
                    f"not {sorted(keys)!r}."
                )
        return cls(components)

    def toJSON(self) -> list[dict]:
        return [
            {"at": c.at, "insert": c.text} if isinstance(c, Insert)
            else {"at": c.at, "delete": c.count}
            for c in self.components
        ]

    @property
    def isNoop(self) -> bool:
        return not self._items

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Operation) and self._items == other._items

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"Operation({list(self.components)!r})"


def apply(text: str, op: Operation) -> str:
    """The text after `op`; OperationOutOfRange if `op` reaches past its end."""
    pieces: list[str] = []
    i = 0
    for item in op._items:
        if isinstance(item, str):
            pieces.append(item)
            continue
        end = i + abs(item)
        if end > len(text):
            raise OperationOutOfRange(
                f"The operation reaches code point {end} but the text has only {len(text)}."
            )
        if item > 0:
            pieces.append(text[i:end])
        i = end
    pieces.append(text[i:])
    return "".join(pieces)


def transform(a: Operation, b: Operation) -> tuple[Operation, Operation]:
    """Concurrent `a`, `b` on one text -> (a', b'): apply(apply(t, b), a') == apply(apply(t, a), b').

    Tie-break: when both insert at the same position, `a`'s text ends up first. Callers pass
    the op sequenced *later* as `a` (the server's incoming op, the client's pending op).
    """
    a2, b2 = _transform(a._items, b._items)
    return Operation._of(a2), Operation._of(b2)


def compose(a: Operation, b: Operation) -> Operation:
    """One operation with the effect of `a` followed by `b`."""
    return Operation._of(_compose(a._items, b._items))


def invert(op: Operation, text: str) -> Operation:
    """The operation that undoes `op`, given the `text` that `op` was applied to."""
    out: list = []
    i = 0
    for item in op._items:
        if isinstance(item, str):
            _push(out, -len(item))
        elif item > 0:
            _push(out, item)
            i += item
        else:
            if i - item > len(text):
                raise OperationOutOfRange("The operation deletes past the end of the text.")
            _push(out, text[i:i - item])
            i -= item
    return Operation._of(_finish(out))


def transformCursor(pos: int, op: Operation, after: bool = False) -> int:
    """Where a cursor at `pos` moves to through `op`.

    An insert exactly at the cursor leaves it before the new text, unless `after` (use it for
    the cursor of whoever made `op`). A cursor inside a deleted range goes to its start.
    """
    for c in op.components:
        if isinstance(c, Insert):
            if c.at < pos or (c.at == pos and after):
                pos += len(c.text)
        elif pos > c.at:
            pos = max(c.at, pos - c.count)
    return pos


def transformSelection(start: int, end: int, op: Operation) -> tuple[int, int]:
    """A selection through `op`: text inserted at either edge stays outside it."""
    if start == end:
        pos = transformCursor(start, op)
        return pos, pos
    newStart = transformCursor(start, op, after=True)
    return newStart, max(newStart, transformCursor(end, op))


def opFromChange(oldText: str, newText: str, cursor: int | None = None) -> Operation:
    """The operation turning `oldText` into `newText`: one replaced range.

    `cursor` (code points into `newText`, where the caret is after the edit) settles where a
    repeated character was typed or removed: the inserted text ends at it, a deletion starts
    at it.
    """
    if cursor is not None and not 0 <= cursor <= len(newText):
        cursor = None  # a hint that cannot be right is no hint
    delta = len(newText) - len(oldText)
    if cursor is not None:
        start = cursor - delta  # a pure insert ending at the cursor / a delete starting there
        if delta > 0 and start >= 0 and newText[:start] == oldText[:start] \
                and newText[cursor:] == oldText[start:]:
            return Operation.insert(start, newText[start:cursor])
        if delta < 0 and oldText[:cursor] == newText[:cursor] \
                and oldText[start:] == newText[cursor:]:
            return Operation.delete(cursor, -delta)
    limit = min(len(oldText), len(newText))
    prefix = 0
    while prefix < limit and oldText[prefix] == newText[prefix]:
        prefix += 1
    if cursor is not None:
        prefix = min(prefix, cursor)
    suffix = 0
    while suffix < limit - prefix and oldText[-1 - suffix] == newText[-1 - suffix]:
        suffix += 1
    if cursor is not None:
        suffix = min(suffix, len(newText) - cursor)
    components: list[Insert | Delete] = []
    if len(oldText) - suffix > prefix:
        components.append(Delete(prefix, len(oldText) - suffix - prefix))
    if len(newText) - suffix > prefix:
        components.append(Insert(prefix, newText[prefix:len(newText) - suffix]))
    return Operation(components)
