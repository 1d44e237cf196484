"""``twistd athena-nb``: the notebook server.  Tests: tests/integration/test_service.py.

Kept tiny on purpose: every Twisted tool imports the plugins it scans, so the real work is
imported only when the service is made (athena_nb/cli.py holds Options and makeService).
"""

from twisted.application.service import ServiceMaker

athenaNotebook = ServiceMaker(
    "athena-nb",
    "athena_nb.cli",
    "A live browser notebook for Sage and Python.",
    "athena-nb",
)
