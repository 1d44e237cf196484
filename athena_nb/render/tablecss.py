"""How an HTML output's tables look unless its own styles say otherwise.  Tests:
tests/unit/test_render_htmloutput.py.

A module of its own, importing nothing: the live page's frame of an HTML output
(athena_nb/web/files.py) takes it at start, before any renderer's library is imported
(tests/unit/test_startup_imports.py); a published snapshot's shadow root takes it through
htmloutput.py.
"""

from __future__ import annotations

#: How an HTML output's tables look unless its own styles say otherwise, as JupyterLab draws
#: them (a pandas DataFrame's ``border="1"`` table: no grid, light rules, numbers aligned), in
#: the live page's frame (files.py) and in a snapshot's shadow root alike.
TABLE_CSS = ("table{border-collapse:collapse;border:none;margin:.25rem 0;font-size:.85em;"
             "font-variant-numeric:tabular-nums}"
             "th,td{border:none;padding:.3em .6em;text-align:right;vertical-align:middle}"
             "thead th{border-bottom:1px solid #8888}"
             "tbody tr:nth-child(odd){background:#8881}tbody tr:hover{background:#42a5f526}")
