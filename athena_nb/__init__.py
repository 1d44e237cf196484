"""athena-nb: a live browser notebook for Sage and Python, built on Twisted.

docs/architecture.md shows its layers; the tests are under tests/ (unit, integration, browser
and JS).
"""
