"""The REST API for scripts, ``/api/v1/`` (docs/api.md): the routes and their OpenAPI 3.1
document (spec.py), the checks of a request against them (schema.py, resource.py), what each
call does (calls.py) and the runs it starts (runs.py).  Tests: tests/unit/test_api*.py,
tests/integration/test_api_*.py."""

from .resource import ApiV1Resource

__all__ = ["ApiV1Resource"]
