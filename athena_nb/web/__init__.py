"""The notebook's web side: the gate, logins and share links, the home page, published
snapshots and the live worksheet pages (docs/architecture.md has the map).

Tests: tests/unit/test_site.py, tests/unit/test_auth.py, tests/unit/test_home.py,
tests/unit/test_public.py, tests/unit/test_hub_web*.py.
"""
