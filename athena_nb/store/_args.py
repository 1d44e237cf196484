"""The checks the store makes on its callers' arguments, on the caller's thread.  Tests: tests/unit/test_store_*.py.

Each raises TypeError or ValueError with a sentence naming the argument, so that a bad argument
fails at once (``_deferred`` turns the error into a failed Deferred) and nothing is queued.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail

MAX_TITLE = 500
MAX_PATH = 1024


def _deferred(method: Callable[..., Deferred]) -> Callable[..., Deferred]:
    """Turn an argument error raised by `method` into a failed Deferred, like any other error."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Deferred:
        try:
            return method(self, *args, **kwargs)
        except Exception:
            return fail()

    return wrapper


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"The {what} must be a string, not {type(value).__name__}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"The {what} contains characters that are not valid Unicode text.")
    return value


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"The {what} must be an integer, not {type(value).__name__}.")
    return value


def _json(value: object, what: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise ValueError(f"The {what} cannot be stored as JSON: {e}.")


def _enum(kind: type, value: object, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise ValueError(f"{value!r} is not a {what}; use one of {choices}.")


def _wid(worksheet_id: object) -> str:
    return _str(worksheet_id, "worksheet id")


def _cid(cell_id: object) -> int:
    return _int(cell_id, "cell id")


def _title(title: object) -> str:
    title = _str(title, "worksheet title").strip()
    if not title or len(title) > MAX_TITLE:
        raise ValueError(
            f"A worksheet title must have between 1 and {MAX_TITLE} characters; "
            f"this one has {len(title)}."
        )
    return title


def _relative_path(path: object) -> str:
    path = _str(path, "file path")
    parts = path.split("/")
    if (
        not path
        or len(path) > MAX_PATH
        or "\\" in path
        or "\0" in path
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValueError(
            f"The file path {path!r} is not a plain relative path; use names joined by '/', "
            "without '.', '..', empty parts, a leading '/' or backslashes."
        )
    return path


