"""The REST API against its own OpenAPI document, by schemathesis: the live server on
127.0.0.1 with the bearer token, fed requests made from the document, good and malformed
(every phase: examples, coverage, fuzzing, stateful), bounded to a few examples per call.

Checked: no answer is a 5xx, every answer's status, content type and body are ones the
document gives, and malformed input is refused (a 4xx).  Takes about a minute.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from athena_nb.web.api import spec
from tests.integration import test_service

pytest.importorskip("schemathesis")

pytestmark = pytest.mark.integration
server = test_service.server  # the fixture: an athena-nb process on a free port

ST = Path(sys.executable).with_name("st")
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "negative_data_rejection")


@pytest.mark.timeout(240)
def test_the_api_keeps_to_its_openapi_document_under_schemathesis(server, tmp_path):
    s = server()
    base = f"http://127.0.0.1:{s.port}/api/v1"
    done = subprocess.run(
        [str(ST), "run", f"{base}/openapi.json", "--url", base,
         "-H", f"Authorization: Bearer {s.token}", "--checks", ",".join(CHECKS),
         "--max-examples", "8", "--seed", "14", "--workers", "1", "--request-timeout", "70",
         "--generation-database", "none", "--no-color"],
        capture_output=True, text=True, timeout=220, cwd=tmp_path)
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    # Every operation of the document was tested (it counts all but the document's own).
    tested = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", done.stdout)
    assert tested and len(set(tested.groups())) == 1, report
    assert int(tested.group(1)) >= len(spec.ROUTES) - 1, report
