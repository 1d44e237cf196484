"""Turning a before/after text pair into an operation (Myers diff).  Tests: tests/unit/test_ot.py."""

from __future__ import annotations

from ._ops import Operation, _finish, _push

_DIFF_LIMIT = 500  # Myers costs O(changes**2) memory; beyond this, one replaced range


def diff(oldText: str, newText: str) -> Operation:
    """A shortest operation turning `oldText` into `newText` (Myers): every character the two
    share in order is kept. Beyond 500 changes it is one replaced range instead."""
    start, endOld, endNew = 0, len(oldText), len(newText)
    while start < min(endOld, endNew) and oldText[start] == newText[start]:
        start += 1
    while endOld > start and endNew > start and oldText[endOld - 1] == newText[endNew - 1]:
        endOld -= 1
        endNew -= 1
    a, b = oldText[start:endOld], newText[start:endNew]
    out: list = []
    _push(out, start)
    for item in _myers(a, b) or (-len(a), b):
        _push(out, item)
    return Operation._of(_finish(out))


def _myers(a: str, b: str) -> list | None:
    n, m = len(a), len(b)
    v = {1: 0}  # diagonal k -> furthest x reached on it
    trace = []
    for d in range(min(n + m, _DIFF_LIMIT) + 1):
        trace.append(dict(v))
        for k in range(-d, d + 1, 2):
            x = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[k] = x
            if x >= n and y >= m:
                return _backtrack(trace, a, b)
    return None


def _backtrack(trace: list[dict], a: str, b: str) -> list:
    x, y = len(a), len(b)
    items: list = []
    for d in range(len(trace) - 1, -1, -1):
        v, k = trace[d], x - y
        prevK = k + 1 if k == -d or (k != d and v[k - 1] < v[k + 1]) else k - 1
        prevX = v[prevK]
        prevY = prevX - prevK
        while x > prevX and y > prevY:
            items.append(1)
            x, y = x - 1, y - 1
        if d > 0:
            items.append(b[y - 1] if x == prevX else -1)
        x, y = prevX, prevY
    return items[::-1]
