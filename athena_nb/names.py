"""People's display names: what a share link's visitor types, and the owner's ``--owner-name``.
Tests: tests/unit/test_auth.py, tests/unit/test_options.py.

One rule for both, here: a name is text, trimmed, its runs of spaces one space, at most
``MAX_NAME`` characters, with no control character.
"""

from __future__ import annotations

#: The longest display name, in characters.
MAX_NAME = 60


def cleanName(name: object) -> str:
    """A display name as given, trimmed; ValueError with a sentence if it cannot be used."""
    if not isinstance(name, str):
        raise ValueError("The display name must be text.")
    name = " ".join(name.split())
    if not name:
        raise ValueError("Please enter a display name, so the others know who you are.")
    if len(name) > MAX_NAME:
        raise ValueError(f"A display name may have at most {MAX_NAME} characters.")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise ValueError("A display name may not contain control characters.")
    return name
